// Spot checks of a network's tile MVMs against SPICE (spot_check.hpp).
#include "xbar/spotcheck/spot_check.hpp"

#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <sstream>
#include <tuple>

#include "xbar/behavioral/hdf5_io.hpp"
#include "xbar/characterize/campaign_file.hpp"
#include "xbar/characterize/tile_replay.hpp"
#include "xbar/core/counter_rng.hpp"
#include "xbar/core/sha256.hpp"

extern char** environ;

namespace xbar::spotcheck {

namespace fs = std::filesystem;

namespace {

// (layer, tile_row, tile_col, read, input)
using MvmKey = std::tuple<int, int, int, int, std::int64_t>;

struct Kept {
  Eigen::VectorXi dac;  // used rows
  Eigen::VectorXi adc;  // used columns
};

/// Keeps the MVMs of the rule (spot_check.hpp, step 1).
class Recorder final : public networks::TileObserver {
 public:
  explicit Recorder(const SpotCheckOptions& o) : o_(o) {}
  void set_input_offset(std::int64_t offset) { offset_ = offset; }
  void on_tile_mvm(const networks::TileMvm& m) override {
    for (Eigen::Index b = 0; b < m.dac_codes.cols(); ++b) {
      const std::int64_t input = offset_ + m.first_sample + b;
      const MvmKey key{m.layer, m.tile_row, m.tile_col, m.read, input};
      if (o_.images > 0) {
        if (input >= o_.images || m.layer < o_.first_layer || (o_.layers > 0 && m.layer >= o_.first_layer + o_.layers))
          continue;
        std::lock_guard<std::mutex> lock(mu_);
        kept_[key] = Kept{m.dac_codes.col(b), m.adc_codes.col(b)};
      } else {
        const std::uint64_t h = core::stream_key({o_.seed, kSpotPurpose, static_cast<std::uint64_t>(m.layer),
                                                  static_cast<std::uint64_t>(m.tile_row), static_cast<std::uint64_t>(m.tile_col),
                                                  static_cast<std::uint64_t>(m.read), static_cast<std::uint64_t>(input)});
        if (h >= threshold_.load()) continue;
        std::lock_guard<std::mutex> lock(mu_);
        by_hash_[h] = {key, Kept{m.dac_codes.col(b), m.adc_codes.col(b)}};
        if (static_cast<int>(by_hash_.size()) > o_.mvms) by_hash_.erase(std::prev(by_hash_.end()));
        if (static_cast<int>(by_hash_.size()) == o_.mvms) threshold_ = by_hash_.rbegin()->first;
      }
    }
  }
  std::map<MvmKey, Kept> kept() const {
    if (o_.images > 0) return kept_;
    std::map<MvmKey, Kept> out;
    for (const auto& [h, v] : by_hash_) out[v.first] = v.second;
    return out;
  }

 private:
  const SpotCheckOptions& o_;
  std::int64_t offset_ = 0;
  std::mutex mu_;
  std::map<MvmKey, Kept> kept_;
  std::map<std::uint64_t, std::pair<MvmKey, Kept>> by_hash_;
  std::atomic<std::uint64_t> threshold_{std::numeric_limits<std::uint64_t>::max()};
};

/// Puts SPICE's codes in place of the checked MVMs' (step 5).
class Substitute final : public networks::TileCodeSubstitute {
 public:
  explicit Substitute(const std::map<MvmKey, Eigen::VectorXi>& codes) : codes_(codes) {}
  void substitute(const networks::TileMvm& m, Eigen::MatrixXi& q) override {
    for (Eigen::Index b = 0; b < q.cols(); ++b) {
      const auto it = codes_.find(MvmKey{m.layer, m.tile_row, m.tile_col, m.read, m.first_sample + b});
      if (it != codes_.end() && it->second.size() == q.rows()) q.col(b) = it->second;
    }
  }

 private:
  const std::map<MvmKey, Eigen::VectorXi>& codes_;
};

/// Runs `inputs` through the chip in batches; returns the predicted classes (argmax).
torch::Tensor predict(const networks::Network& net, networks::AnalogChip& chip, const torch::Tensor& inputs,
                      Recorder* recorder, std::int64_t batch) {
  std::vector<torch::Tensor> out;
  for (std::int64_t b0 = 0; b0 < inputs.size(0); b0 += batch) {
    if (recorder) recorder->set_input_offset(b0);
    const torch::Tensor x = inputs.slice(0, b0, std::min(inputs.size(0), b0 + batch));
    out.push_back(net.forward(x, &chip).argmax(1));
  }
  return torch::cat(out);
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// `xbar characterize <spec> --workers W [-q]`, no shell; returns the exit status.
int run_campaign_process(const SpotCheckOptions& o, const std::string& spec) {
  std::vector<std::string> args = {o.xbar_program, "characterize", spec, "--workers", std::to_string(o.workers)};
  if (o.quiet) args.push_back("-q");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, o.xbar_program.c_str(), nullptr, nullptr, argv.data(), environ);
  if (rc != 0)
    throw Error(fmt::format("spice_check: cannot start '{}' ({}): set the xbar program to run the campaign", o.xbar_program,
                            std::strerror(rc)));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw Error(fmt::format("spice_check: waiting for the campaign process: {}", std::strerror(errno)));
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

}  // namespace

void SpotCheckOptions::validate() const {
  std::vector<std::string> bad;
  if (mvms < 0) bad.push_back(fmt::format("spice_check.mvms = {}: must be >= 0", mvms));
  if (images < 0) bad.push_back(fmt::format("spice_check.images = {}: must be >= 0", images));
  if ((mvms > 0) == (images > 0))
    bad.push_back(fmt::format("spice_check: mvms = {}, images = {}: give exactly one of them (> 0)", mvms, images));
  if (layers < 0) bad.push_back(fmt::format("spice_check.layers = {}: must be >= 0 (0 = all)", layers));
  if (first_layer < 0) bad.push_back(fmt::format("spice_check.first_layer = {}: must be >= 0", first_layer));
  if (cycles_per_deck < 1) bad.push_back(fmt::format("spice_check.cycles_per_deck = {}: must be >= 1", cycles_per_deck));
  if (workers < 1) bad.push_back(fmt::format("spice_check.workers = {}: must be >= 1", workers));
  if (!(sample_timeout_s > 0)) bad.push_back(fmt::format("spice_check.sample_timeout_s = {}: must be > 0", sample_timeout_s));
  if (folder.empty()) bad.push_back("spice_check.folder is empty: name the folder for the decks and the campaign");
  if (!bad.empty()) throw Error(xbar::join_lines(bad));
}

SpotCheckResult run_spot_check(const networks::Network& net, const networks::ChipDesign& design, std::uint64_t seed,
                               const torch::Tensor& inputs, const SpotCheckOptions& options) {
  options.validate();
  if (options.chip < -1) throw Error(fmt::format("spice_check.chip = {}: must be >= -1 (-1 = nominal)", options.chip));
  if (options.images > inputs.size(0))
    throw Error(fmt::format("spice_check.images = {}: only {} inputs were given", options.images, inputs.size(0)));
  SpotCheckResult res;
  res.options = options;
  res.mode = options.images > 0 ? "images" : "mvms";
  const std::int64_t batch = 500;

  // 1. record
  networks::AnalogChip chip(design, seed, options.chip);
  Recorder recorder(options);
  chip.set_observer(&recorder);
  const torch::Tensor rec_inputs = options.images > 0 ? inputs.slice(0, 0, options.images) : inputs;
  const torch::Tensor behavioral_pred = predict(net, chip, rec_inputs, &recorder, batch);
  chip.set_observer(nullptr);
  const std::map<MvmKey, Kept> kept = recorder.kept();
  if (kept.empty())
    throw Error(fmt::format("spice_check: the rule kept no tile MVM (first_layer = {} beyond the network's {} analog layers?)",
                            options.first_layer, design.layers.size()));

  // 2. decks: the MVMs of a tile in key order, cycles_per_deck at a time
  std::vector<characterize::ReplayDeck> decks;
  std::vector<std::vector<MvmKey>> deck_mvms;
  for (auto it = kept.begin(); it != kept.end();) {
    const auto [layer, tr, tc, read0, input0] = it->first;
    const networks::LayerMapping& m = design.layers.at(static_cast<std::size_t>(layer));
    const int tile = tr * m.tiles_c + tc;
    const behavioral::TileInstance inst = networks::chip_tile_instance(design, seed, options.chip, layer, tile);
    const int R = inst.params.crossbar.rows, C = inst.params.crossbar.physical_cols();
    std::vector<MvmKey> keys;
    for (; it != kept.end() && std::get<0>(it->first) == layer && std::get<1>(it->first) == tr &&
           std::get<2>(it->first) == tc && static_cast<int>(keys.size()) < options.cycles_per_deck;
         ++it)
      keys.push_back(it->first);
    const int n = static_cast<int>(keys.size());
    Eigen::MatrixXi codes = Eigen::MatrixXi::Zero(n, R);
    Eigen::MatrixXi ref = Eigen::MatrixXi::Constant(n, C, -1);
    for (int c = 0; c < n; ++c) {
      const Kept& k = kept.at(keys[static_cast<std::size_t>(c)]);
      codes.row(c).head(k.dac.size()) = k.dac.transpose();
      ref.row(c).head(k.adc.size()) = k.adc.transpose();
    }
    characterize::ReplayDeck d;
    d.layer = layer, d.tile_row = tr, d.tile_col = tc, d.chip = options.chip;
    const behavioral::TileInstance nominal = networks::chip_tile_instance(design, seed, -1, layer, tile);
    d.params = spice_tile_params(inst.params, inst.g_s, codes, options.draws, &nominal.params,
                                 m.g_target_s.at(static_cast<std::size_t>(tile)));
    d.params.title = fmt::format("xbar spot check: layer {} tile {},{} chip {}", layer, tr, tc, options.chip);
    d.reference_codes = ref;
    decks.push_back(std::move(d));
    deck_mvms.push_back(std::move(keys));
  }
  // Every deck of a replay file shares the read timing: the slowest deck's.
  double t_cycle = 0.0;
  for (const auto& d : decks) t_cycle = std::max(t_cycle, d.params.timing.t_cycle_s);
  for (auto& d : decks) d.params.timing = netlists::ReadTiming{t_cycle, t_cycle / 20.0};
  // ... and the op-amp's rails: the widest (spice_tile_params scales them by 1 + r_out / rf, which
  // differs between layers). Wider rails only keep the limiter further from the ADC's range.
  double vdd = -1e300, vss = 1e300;
  for (const auto& d : decks) vdd = std::max(vdd, d.params.tia.opamp.vdd_v), vss = std::min(vss, d.params.tia.opamp.vss_v);
  for (auto& d : decks) d.params.tia.opamp.vdd_v = vdd, d.params.tia.opamp.vss_v = vss;
  res.decks = static_cast<std::int64_t>(decks.size());
  int cycles_max = 0;
  for (const auto& d : decks) cycles_max = std::max(cycles_max, d.params.cycles());

  // 3. SPICE through the campaign engine, in its own process
  std::error_code ec;
  fs::create_directories(options.folder, ec);
  if (ec) throw Error(fmt::format("spice_check.folder = '{}': cannot create it ({})", options.folder, ec.message()));
  const fs::path folder(options.folder);
  res.replay_path = (folder / "spotcheck_decks.h5").string();
  res.spec_path = (folder / "spotcheck.toml").string();
  res.campaign_path = (folder / "spotcheck_campaign.h5").string();
  const std::string new_replay = res.replay_path + ".new";
  characterize::write_tile_replay_file(new_replay, decks);
  const std::string sha = core::sha256_file_hex(new_replay);
  const std::string spec = fmt::format(
      "# A spot check's SPICE decks (written by xbar's spot check; spotcheck/README.md).\n"
      "kind = \"tile_replay\"\nseed = 1\n\n[replay]\nfile = \"spotcheck_decks.h5\"\nsha256 = \"{}\"\n"
      "rows = {}\ncols = {}\ncycles_max = {}\n\n"
      "[workload]\ninstances = {}\n\n[run]\noutput = \"spotcheck_campaign.h5\"\nworkers = {}\nsample_timeout_s = {}\n",
      sha, decks.front().params.crossbar.rows, decks.front().params.crossbar.cols, cycles_max, decks.size(),
      options.workers, options.sample_timeout_s);
  const bool have_campaign = fs::exists(res.campaign_path) || fs::exists(res.campaign_path + ".journal");
  if (have_campaign && fs::exists(res.spec_path) && fs::exists(res.replay_path) &&
      core::sha256_file_hex(res.replay_path) != sha) {
    fs::remove(new_replay, ec);
    throw Error(fmt::format("spice_check: {} holds a spot check of other MVMs (another network, chip, rule or tile); "
                            "nothing was changed: give another folder, or delete that one to start over",
                            options.folder));
  }
  fs::rename(new_replay, res.replay_path, ec);
  if (ec) throw Error(fmt::format("spice_check: cannot write {} ({})", res.replay_path, ec.message()));
  if (!fs::exists(res.spec_path) || read_text(res.spec_path) != spec) {
    std::ofstream out(res.spec_path, std::ios::binary | std::ios::trunc);
    out << spec;
    if (!out) throw Error(fmt::format("spice_check: cannot write {}", res.spec_path));
  }
  const auto t0 = std::chrono::steady_clock::now();
  const int status = run_campaign_process(options, res.spec_path);
  res.spice_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (status != 0)
    throw Error(fmt::format("spice_check: `{} characterize {}` exited with status {}; finished decks are kept: run the "
                            "same command again to resume",
                            options.xbar_program, res.spec_path, status));

  // 4. compare
  const characterize::CampaignFile cf = characterize::read_campaign_file(res.campaign_path);
  if (cf.records.size() != decks.size())
    throw Error(fmt::format("spice_check: {} holds {} samples, expected {} decks", res.campaign_path, cf.records.size(),
                            decks.size()));
  const std::uint64_t at_codes = cf.schema.offset_of("codes");
  const std::uint64_t cols = static_cast<std::uint64_t>(decks.front().params.crossbar.cols);
  std::map<MvmKey, Eigen::VectorXi> spice_codes;
  double sum_sq = 0.0;
  std::int64_t equal = 0, within = 0;
  for (std::size_t d = 0; d < decks.size(); ++d) {
    const auto& rec = cf.records[d];
    const bool ok = rec.status == characterize::SampleStatus::ok;
    res.decks_failed += ok ? 0 : 1;
    for (std::size_t c = 0; c < deck_mvms[d].size(); ++c) {
      const MvmKey& key = deck_mvms[d][c];
      CheckedMvm mvm;
      std::tie(mvm.layer, mvm.tile_row, mvm.tile_col, mvm.read, mvm.input) = key;
      mvm.codes_behavioral = kept.at(key).adc;
      if (ok) {
        mvm.codes_spice.resize(mvm.codes_behavioral.size());
        for (Eigen::Index k = 0; k < mvm.codes_spice.size(); ++k) {
          mvm.codes_spice[k] = static_cast<int>(std::lround(rec.values[at_codes + c * cols + static_cast<std::uint64_t>(k)]));
          const int diff = std::abs(mvm.codes_spice[k] - mvm.codes_behavioral[k]);
          equal += diff == 0;
          within += diff <= 1;
          sum_sq += static_cast<double>(diff) * diff;
          res.max_abs_lsb = std::max(res.max_abs_lsb, diff);
          ++res.codes_compared;
        }
        spice_codes[key] = mvm.codes_spice;
      }
      res.mvms.push_back(std::move(mvm));
    }
  }
  if (res.codes_compared > 0) {
    const double n = static_cast<double>(res.codes_compared);
    res.equal_fraction = equal / n;
    res.within_1_fraction = within / n;
    res.rms_lsb = std::sqrt(sum_sq / n);
  } else {
    res.equal_fraction = res.within_1_fraction = res.rms_lsb = std::nan("");
  }

  // 5. whole images: rerun with SPICE's codes
  if (options.images > 0) {
    Substitute sub(spice_codes);
    chip.set_code_substitute(&sub);
    // One batch: the substitute keys inputs by their index in the batch, which must be the input index.
    const torch::Tensor spice_pred = predict(net, chip, rec_inputs, nullptr, std::max<std::int64_t>(1, rec_inputs.size(0)));
    chip.set_code_substitute(nullptr);
    res.images = rec_inputs.size(0);
    res.prediction_changes = behavioral_pred.ne(spice_pred).sum().item<std::int64_t>();
  }
  return res;
}

std::string describe(const SpotCheckResult& r) {
  std::string s = fmt::format(
      "spot check ({}; chip {}): {} tile MVMs in {} SPICE decks ({} failed), {} codes compared\n"
      "  codes equal {:.2f} %, within +-1 LSB {:.2f} %, RMS {:.3f} LSB, largest {} LSB\n",
      r.mode == "images" ? fmt::format("every MVM of {} layer(s) from layer {} for {} image(s)",
                                       r.options.layers == 0 ? std::string("all") : std::to_string(r.options.layers),
                                       r.options.first_layer, r.options.images)
                         : fmt::format("{} MVMs by seeded rule, seed {}", r.options.mvms, r.options.seed),
      r.options.chip, r.mvms.size(), r.decks, r.decks_failed, r.codes_compared, 100.0 * r.equal_fraction,
      100.0 * r.within_1_fraction, r.rms_lsb, r.max_abs_lsb);
  if (r.mode == "images")
    s += fmt::format("  predictions changed by SPICE's codes: {} of {} images\n", r.prediction_changes, r.images);
  s += fmt::format("  SPICE campaign {} ({:.1f} s)\n", r.campaign_path, r.spice_seconds);
  return s;
}

void write_spot_check_group(std::int64_t file_id, const SpotCheckResult& r) {
  using behavioral::detail::Hid;
  const behavioral::detail::Writer w("inference file");
  const auto file = static_cast<hid_t>(file_id);
  try {
    Hid g = w.group(file, "spot_check", "/spot_check");
    const std::string at = "/spot_check";
    w.str(g.get(), at, "mode", r.mode);
    w.str(g.get(), at, "fidelity", "macro");
    w.i64(g.get(), at, "chip", r.options.chip);
    w.i64(g.get(), at, "mvms_requested", r.options.mvms);
    w.i64(g.get(), at, "images", r.options.images);
    w.i64(g.get(), at, "layers", r.options.layers);
    w.i64(g.get(), at, "first_layer", r.options.first_layer);
    w.u64(g.get(), at, "seed", r.options.seed);
    w.i64(g.get(), at, "mvms_checked", static_cast<long long>(r.mvms.size()));
    w.i64(g.get(), at, "decks", r.decks);
    w.i64(g.get(), at, "decks_failed", r.decks_failed);
    w.i64(g.get(), at, "codes_compared", r.codes_compared);
    w.f64(g.get(), at, "codes_equal_fraction", r.equal_fraction);
    w.f64(g.get(), at, "codes_within_1lsb_fraction", r.within_1_fraction);
    w.f64(g.get(), at, "rms_lsb", r.rms_lsb);
    w.i64(g.get(), at, "max_abs_lsb", r.max_abs_lsb);
    w.i64(g.get(), at, "images_rerun", r.images);
    w.i64(g.get(), at, "prediction_changes", r.prediction_changes);
    w.str(g.get(), at, "campaign_path", r.campaign_path);
    w.str(g.get(), at, "replay_path", r.replay_path);
    w.f64(g.get(), at, "spice_s", r.spice_seconds);
    std::vector<long long> layer, tr, tc, read, input;
    Eigen::Index width = 0;
    for (const CheckedMvm& m : r.mvms) width = std::max(width, m.codes_behavioral.size());
    Eigen::MatrixXd beh = Eigen::MatrixXd::Constant(static_cast<Eigen::Index>(r.mvms.size()), width, std::nan(""));
    Eigen::MatrixXd spi = beh;
    for (std::size_t i = 0; i < r.mvms.size(); ++i) {
      const CheckedMvm& m = r.mvms[i];
      layer.push_back(m.layer), tr.push_back(m.tile_row), tc.push_back(m.tile_col), read.push_back(m.read), input.push_back(m.input);
      const auto row = static_cast<Eigen::Index>(i);
      beh.row(row).head(m.codes_behavioral.size()) = m.codes_behavioral.cast<double>().transpose();
      if (m.codes_spice.size() > 0) spi.row(row).head(m.codes_spice.size()) = m.codes_spice.cast<double>().transpose();
    }
    w.int_vector(g.get(), "mvm_layer", at + "/mvm_layer", layer, "1");
    w.int_vector(g.get(), "mvm_tile_row", at + "/mvm_tile_row", tr, "1");
    w.int_vector(g.get(), "mvm_tile_col", at + "/mvm_tile_col", tc, "1");
    w.int_vector(g.get(), "mvm_read", at + "/mvm_read", read, "1");
    w.int_vector(g.get(), "mvm_input", at + "/mvm_input", input, "1");
    w.matrix(g.get(), "codes_behavioral", at + "/codes_behavioral", beh, "1");
    w.matrix(g.get(), "codes_spice", at + "/codes_spice", spi, "1");
  } catch (const xbar::Error& e) {
    throw Error(fmt::format("spice_check: writing /spot_check: {}", e.what()));
  }
}

}  // namespace xbar::spotcheck
