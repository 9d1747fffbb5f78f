// Circuit kind "tile_replay": runs the tile decks of a replay file (xbar/characterize/tile_replay.hpp),
// one sample per deck, and stores SPICE's codes next to the reference codes the file carries. Spot
// checks of a network (spotcheck/) write the file; the engine gives them workers, the journal,
// resume, HDF5 and MPI. Spec tables: [replay] file and sha256, [workload] instances (= the number
// of decks), [run] (data/SPEC.md).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "kinds.hpp"
#include "spec_reader.hpp"
#include "tile_readout.hpp"
#include "xbar/characterize/error.hpp"
#include "xbar/characterize/fault_injection.hpp"
#include "xbar/characterize/tile_replay.hpp"
#include "xbar/core/sha256.hpp"
#include "xbar/netlists/tile.hpp"

namespace xbar::characterize {

namespace spec_detail {

void read_tile_replay_kind(Section& top, CampaignSpec& spec, const DataFiles& files) {
  top.check_known({"kind", "seed", "replay", "workload", "run"});
  Section r = section(top, "replay");
  r.check_known({"file", "sha256", "rows", "cols", "cycles_max"});
  for (const char* key : {"file", "sha256", "rows", "cols", "cycles_max"})
    if (!r.has(key)) r.bad(key, "(missing)", "is required (the spot check writes the spec; see data/SPEC.md, kind tile_replay)");
  if (r.read("file", spec.replay.file)) spec.replay.file = files.check ? resolve(files.base_dir, spec.replay.file) : "";
  r.read("sha256", spec.replay.sha256);
  r.read_int("rows", 1, 1024, spec.replay.rows);
  r.read_int("cols", 1, 1024, spec.replay.cols);
  r.read_int("cycles_max", 1, 100000, spec.replay.cycles_max);
  Section w = section(top, "workload");
  w.check_known({"instances"});
  if (!w.has("instances")) w.bad("instances", "(missing)", "must be the number of decks in the replay file");
  read_counts(w, spec.workload);
  read_run(section(top, "run"), spec.run, files);
}

}  // namespace spec_detail

namespace {

class TileReplayKind final : public CircuitKind {
 public:
  explicit TileReplayKind(const CampaignSpec& spec) : spec_(spec) {
    build_schema();
    if (spec.replay.file.empty()) return;  // a stored spec: the decks are not at hand, the schema is
    const std::string& path = spec.replay.file;
    const std::string sha = core::sha256_file_hex(path);
    if (sha != spec.replay.sha256)
      throw SpecError(fmt::format("{}: replay.sha256 = '{}' but {} has SHA-256 {}: the decks changed since the spec was "
                                  "written; write a new spec (and a new output file) for them",
                                  spec.source_path, spec.replay.sha256, path, sha));
    decks_ = read_tile_replay_file(path);
    if (static_cast<std::uint64_t>(decks_.size()) != spec.total_samples())
      throw SpecError(fmt::format("{}: workload.instances = {} but {} holds {} decks: set it to {}", spec.source_path,
                                  spec.total_samples(), path, decks_.size(), decks_.size()));
    const auto& p = decks_.front().params;
    int cycles_max = 0;
    for (const ReplayDeck& d : decks_) cycles_max = std::max(cycles_max, d.params.cycles());
    if (p.crossbar.rows != spec.replay.rows || p.crossbar.cols != spec.replay.cols || cycles_max != spec.replay.cycles_max)
      throw SpecError(fmt::format("{}: replay.rows, cols, cycles_max = {}, {}, {} but {} holds {} x {} decks of at most {} "
                                  "cycles", spec.source_path, spec.replay.rows, spec.replay.cols, spec.replay.cycles_max,
                                  path, p.crossbar.rows, p.crossbar.cols, cycles_max));
  }
  const CampaignSchema& schema() const override { return schema_; }
  SampleRecord run_sample(SpiceSession& spice, std::uint64_t index) const override;
  std::string deck_text(std::uint64_t index) const override;

 private:
  void build_schema();
  const ReplayDeck& deck(std::uint64_t index) const {
    if (decks_.empty()) throw Error("kind tile_replay: the replay file is not at hand (a stored spec)");
    return decks_.at(index);
  }

  const CampaignSpec& spec_;
  std::vector<ReplayDeck> decks_;
  int cycles_max_ = 1;
  CampaignSchema schema_;
};

void TileReplayKind::build_schema() {
  cycles_max_ = spec_.replay.cycles_max;
  const std::uint64_t R = spec_.replay.rows, C = spec_.replay.cols, N = cycles_max_;
  schema_.kind = "tile_replay";
  schema_.fields = {
      {"layer", {}, "1", "param", "network layer of the tile (label from the replay file)", ""},
      {"tile_row", {}, "1", "param", "tile row in the layer's grid", ""},
      {"tile_col", {}, "1", "param", "tile column in the layer's grid", ""},
      {"chip", {}, "1", "param", "chip the tile was drawn for (-1 = nominal)", ""},
      {"cycles", {}, "1", "param", "read cycles of this deck; later rows: -1 (inputs, reference) or NaN (outputs)", ""},
      {"dac_codes", {N, R}, "1", "input", "DAC codes, one vector per read cycle", ""},
      {"codes", {N, C}, "1", "output", "ADC codes from ngspice (ones count of the comparator outputs)", "codes_reference"},
      {"codes_reference", {N, C}, "1", "ideal", "the reference codes of the replay file (a spot check: the behavioral model's; -1: not compared)", ""},
      {"v_tia_v", {N, C}, "V", "output", "TIA outputs at the ADC sampling instant, from ngspice", ""},
  };
}

std::string TileReplayKind::deck_text(std::uint64_t index) const {
  return netlists::make_tile_deck(deck(index).params).text;
}

SampleRecord TileReplayKind::run_sample(SpiceSession& spice, std::uint64_t index) const {
  const ReplayDeck& d = deck(index);
  const netlists::TileParams& p = d.params;
  const int R = p.crossbar.rows, C = p.crossbar.cols, N = cycles_max_, n_run = p.cycles();
  const double nan = std::nan("");
  SampleRecord rec;
  rec.index = index;
  rec.values = {static_cast<double>(d.layer), static_cast<double>(d.tile_row), static_cast<double>(d.tile_col),
                static_cast<double>(d.chip), static_cast<double>(n_run)};
  auto put_padded = [&](const Eigen::MatrixXi& m, int cols) {
    for (int n = 0; n < N; ++n)
      for (int k = 0; k < cols; ++k) rec.values.push_back(n < m.rows() ? static_cast<double>(m(n, k)) : -1.0);
  };
  put_padded(p.input_codes, R);
  Eigen::MatrixXi codes = Eigen::MatrixXi::Constant(n_run, C, -1);
  Eigen::MatrixXd v_tia = Eigen::MatrixXd::Constant(n_run, C, nan);
  try {
    const TileTransient r =
        run_tile_transient(spice, p, AdcTransient::separate, false, fault_injected(FaultKind::spice_error, index));
    read_tile_cycles(r, p, n_run, v_tia, codes);
    rec.status = SampleStatus::ok;
  } catch (const SpiceError& e) {
    rec.status = SampleStatus::spice_error;
    rec.error = e.what();
  }
  for (int n = 0; n < N; ++n)
    for (int k = 0; k < C; ++k)
      rec.values.push_back(n < n_run && rec.status == SampleStatus::ok ? static_cast<double>(codes(n, k)) : nan);
  put_padded(d.reference_codes, C);
  for (int n = 0; n < N; ++n)
    for (int k = 0; k < C; ++k) rec.values.push_back(n < n_run ? v_tia(n, k) : nan);
  return rec;
}

}  // namespace

std::unique_ptr<CircuitKind> make_tile_replay_kind(const CampaignSpec& spec) { return std::make_unique<TileReplayKind>(spec); }

}  // namespace xbar::characterize
