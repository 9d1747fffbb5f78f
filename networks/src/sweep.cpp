// Accuracy sweeps over circuit settings (xbar/networks/sweep.hpp).
#include "xbar/networks/sweep.hpp"

#include <ATen/Parallel.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>

#include "xbar/core/provenance.hpp"
#include "xbar/core/sha256.hpp"

namespace xbar::networks {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct SettingRule {
  const char* name;
  const char* unit;
  const char* label;
  bool integer;
  double lo, hi;
  const char* rule;
};

const std::vector<SettingRule>& rules() {
  static const std::vector<SettingRule> r = {
      {"adc_bits", "bits", "ADC resolution [bits]", true, 1, 14, "integers 1..14"},
      {"dac_bits", "bits", "DAC resolution [bits]", true, 1, 12, "integers 1..12"},
      {"r_wire_ohm", "ohm", "wire resistance per segment, rows and columns [ohm]", false, 0, 1e6,
       "numbers 0..1e6 (ohm per wire segment)"},
      {"prog_sigma_rel", "1", "programming error sigma (relative std of G) [1]", false, 0, 1,
       "numbers 0..1 (relative standard deviation of G)"},
      {"tile", "file", "tile size [rows]", false, 0, 0, "tile model files (xbar.model kind tile)"},
  };
  return r;
}

const SettingRule* find_rule(const std::string& name) {
  for (const auto& r : rules())
    if (name == r.name) return &r;
  return nullptr;
}

std::string setting_names() {
  std::string s;
  for (const auto& r : rules()) s += (s.empty() ? "" : ", ") + std::string(r.name);
  return s;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t k = s.find(sep, start);
    out.push_back(s.substr(start, k == std::string::npos ? std::string::npos : k - start));
    if (k == std::string::npos) return out;
    start = k + 1;
  }
}

std::string join(const std::vector<std::string>& v, const char* sep = ",") {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

std::string num(double v) { return fmt::format("{:.17g}", v); }

}  // namespace

std::string SweepAxis::unit() const {
  const SettingRule* r = find_rule(name);
  return r ? r->unit : "";
}

std::string SweepAxis::axis_label() const {
  const SettingRule* r = find_rule(name);
  return r ? r->label : name;
}

SweepAxis parse_sweep_axis(const std::string& spec) {
  const std::size_t eq = spec.find('=');
  if (eq == std::string::npos || eq == 0)
    throw SweepError(fmt::format("--vary '{}': expected SETTING=V1,V2,... with SETTING one of {} (e.g. adc_bits=3,4,5)",
                                 spec, setting_names()));
  SweepAxis a;
  a.name = spec.substr(0, eq);
  const SettingRule* rule = find_rule(a.name);
  if (!rule)
    throw SweepError(fmt::format("--vary {}: unknown setting '{}': use one of {}", spec, a.name, setting_names()));
  const std::string list = spec.substr(eq + 1);
  if (list.empty()) throw SweepError(fmt::format("--vary {}: no values: give {} separated by commas", spec, rule->rule));
  for (const std::string& v : split(list, ',')) {
    const std::string where = fmt::format("--vary {}: value '{}'", spec, v);
    if (v.empty()) throw SweepError(where + fmt::format(": empty (two commas?); {} takes {}", a.name, rule->rule));
    for (const std::string& seen : a.labels)
      if (seen == v) throw SweepError(where + ": given twice; list each value once");
    a.labels.push_back(v);
    if (a.name == "tile") {
      if (!std::filesystem::is_regular_file(v))
        throw SweepError(where + ": no such file (give tile model files, e.g. data/presets/tile64_xbar180.h5)");
      a.values.push_back(std::numeric_limits<double>::quiet_NaN());  // rows, filled in when read
      continue;
    }
    std::size_t used = 0;
    double x = 0;
    try {
      x = std::stod(v, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != v.size() || !std::isfinite(x))
      throw SweepError(where + fmt::format(": not a number; {} takes {}", a.name, rule->rule));
    if (rule->integer && x != std::floor(x))
      throw SweepError(where + fmt::format(": not an integer; {} takes {}", a.name, rule->rule));
    if (x < rule->lo || x > rule->hi)
      throw SweepError(where + fmt::format(": out of range; {} takes {}", a.name, rule->rule));
    a.values.push_back(x);
  }
  return a;
}

void SweepOptions::validate() const {
  if (axes.empty() || axes.size() > 2)
    throw SweepError(fmt::format("sweep: {} --vary options: give one or two (a grid for two)", axes.size()));
  if (axes.size() == 2 && axes[0].name == axes[1].name)
    throw SweepError(fmt::format("sweep: --vary {} given twice: vary two different settings, or list all values in one",
                                 axes[0].name));
  bool tile_axis = false;
  for (const SweepAxis& a : axes) {
    if (!find_rule(a.name)) throw SweepError(fmt::format("sweep: unknown setting '{}'", a.name));
    if (a.labels.empty() || a.labels.size() != a.values.size())
      throw SweepError(fmt::format("sweep: --vary {}: no values", a.name));
    tile_axis = tile_axis || a.name == "tile";
  }
  if (base.chips == 0 && !base.nominal)
    throw SweepError("sweep: --chips 0 with --no-nominal leaves nothing to run: give --chips K (K >= 1)");
  if (tile_axis && !base.tile_path.empty())
    throw SweepError("sweep: --tile " + base.tile_path +
                     " together with --vary tile=...: give the tile files only in --vary tile");
  if (!tile_axis && base.tile_path.empty())
    throw SweepError("sweep: no tile model: give --tile FILE (or --vary tile=FILE1,FILE2)");
  base.validate();
}

int SweepOptions::points() const {
  int n = 1;
  for (const SweepAxis& a : axes) n *= static_cast<int>(a.labels.size());
  return n;
}

std::vector<int> SweepOptions::value_index(int p) const {
  std::vector<int> idx(axes.size());
  for (std::size_t k = axes.size(); k-- > 0;) {
    const int n = static_cast<int>(axes[k].labels.size());
    idx[k] = p % n;
    p /= n;
  }
  return idx;
}

std::vector<std::pair<std::string, std::string>> SweepOptions::identity() const {
  const InferenceOptions& o = base;
  const MappingOptions& m = o.mapping;
  std::vector<std::pair<std::string, std::string>> s;
  s.emplace_back("network_path", o.network_path);
  s.emplace_back("tile_path", o.tile_path);
  for (std::size_t k = 0; k < axes.size(); ++k) s.emplace_back(fmt::format("vary{}", k), axes[k].name + "=" + join(axes[k].labels));
  s.emplace_back("chips", std::to_string(o.chips));
  s.emplace_back("seed", std::to_string(o.seed));
  s.emplace_back("images", std::to_string(o.images));
  s.emplace_back("data_dir", o.data_dir);
  s.emplace_back("nominal", o.nominal ? "1" : "0");
  s.emplace_back("dac_bits", std::to_string(m.dac_bits));
  s.emplace_back("adc_bits", std::to_string(m.adc_bits));
  s.emplace_back("per_column_scaling", m.per_column_scaling ? "1" : "0");
  s.emplace_back("input_quantile", num(m.input_quantile));
  s.emplace_back("output_quantile", num(m.output_quantile));
  s.emplace_back("offset_headroom_sigma", num(m.offset_headroom_sigma));
  s.emplace_back("offset_calibration", m.offset_calibration ? "1" : "0");
  s.emplace_back("calibration_images", std::to_string(m.calibration_images));
  s.emplace_back("calibration_seed", std::to_string(m.calibration_seed));
  s.emplace_back("preprocess", o.preprocess.describe());
  return s;
}

int SweepResult::done_points() const {
  int n = 0;
  for (const SweepPoint& p : points) n += p.done;
  return n;
}

std::string variation_note(const std::vector<SweepAxis>& axes) {
  std::vector<std::string> changed;
  for (const SweepAxis& a : axes) {
    if (a.name == "r_wire_ohm") changed.push_back("the nominal wire resistance (crossbar.r_row_wire_ohm, r_col_wire_ohm)");
    if (a.name == "prog_sigma_rel") changed.push_back("the programming error's sigma_rel_d2d");
    if (a.name == "adc_bits") changed.push_back("the ADC resolution (at the tile model's own resolution its fitted nominal transitions, at any other ideal ones)");
    if (a.name == "dac_bits") changed.push_back("the DAC resolution");
    if (a.name == "tile") changed.push_back("the tile model file (each with its own fitted variation)");
  }
  const bool prog = std::any_of(axes.begin(), axes.end(), [](const SweepAxis& a) { return a.name == "prog_sigma_rel"; });
  return fmt::format(
      "changed per point: {}; every other part of the tile model's fitted variation is kept as fitted "
      "(stuck cells, wire spread, op-amp offsets, ADC comparator offsets{})",
      join(changed, "; "), prog ? "" : ", programming error");
}

std::vector<std::string> settings_differences(const std::vector<std::pair<std::string, std::string>>& file,
                                              const std::vector<std::pair<std::string, std::string>>& run) {
  std::map<std::string, std::string> f(file.begin(), file.end()), r(run.begin(), run.end());
  std::vector<std::string> out;
  for (const auto& [k, v] : run) {
    auto it = f.find(k);
    if (it == f.end())
      out.push_back(fmt::format("{}: not in the file; this run {}", k, v));
    else if (it->second != v)
      out.push_back(fmt::format("{}: file {}; this run {}", k, it->second, v));
  }
  for (const auto& [k, v] : file)
    if (!r.count(k)) out.push_back(fmt::format("{}: file {}; not in this run", k, v));
  return out;
}

namespace {

// Values per packed unit: accuracy, program_s, run_s, tile_mvms, 100 confusion counts.
constexpr std::size_t kUnitDoubles = 4 + 100;
// Per point, from the owner of its unit 0: calibration_s, dac_bits, adc_bits, rows, cols, r_row, r_col,
// programming sigma, tiles.
constexpr std::size_t kDesignDoubles = 9;

void pack(const ChipResult& r, double* out) {
  out[0] = r.accuracy;
  out[1] = r.program_s;
  out[2] = r.run_s;
  out[3] = static_cast<double>(r.tile_mvms);
  for (int i = 0; i < 10; ++i)
    for (int j = 0; j < 10; ++j) out[4 + 10 * i + j] = r.confusion(i, j);
}

ChipResult unpack(const double* in, int chip) {
  ChipResult r;
  r.chip = chip;
  r.accuracy = in[0];
  r.program_s = in[1];
  r.run_s = in[2];
  r.tile_mvms = static_cast<std::int64_t>(in[3]);
  r.confusion.resize(10, 10);
  for (int i = 0; i < 10; ++i)
    for (int j = 0; j < 10; ++j) r.confusion(i, j) = static_cast<int>(in[4 + 10 * i + j]);
  return r;
}

}  // namespace

SweepResult run_sweep(const SweepOptions& options, const SweepResult* resume, const SweepHooks& hooks) {
  options.validate();
  const InferenceOptions& o = options.base;
  if (o.threads > 0) at::set_num_threads(o.threads);
  SweepResult res;
  res.options = options;
  res.settings = options.identity();
  res.variation_note = variation_note(options.axes);
  res.time = resume ? resume->time : core::utc_now();

  // Tile model files: one, or one per value of the tile axis.
  std::vector<std::string> tile_paths;
  int tile_axis = -1;
  for (std::size_t k = 0; k < options.axes.size(); ++k)
    if (options.axes[k].name == "tile") tile_axis = static_cast<int>(k);
  if (tile_axis >= 0)
    tile_paths = options.axes[static_cast<std::size_t>(tile_axis)].labels;
  else
    tile_paths = {o.tile_path};
  std::vector<behavioral::TileModelFile> tiles;
  std::vector<std::string> tile_sha;
  for (const std::string& p : tile_paths) {
    tiles.push_back(behavioral::read_tile_model_file(p));
    tile_sha.push_back(core::sha256_file_hex(p));
  }
  if (tile_axis >= 0)
    for (std::size_t i = 0; i < tiles.size(); ++i)
      res.options.axes[static_cast<std::size_t>(tile_axis)].values[i] = tiles[i].nominal.crossbar.rows;

  const Network net(o.network_path);
  res.network_sha256 = core::sha256_file_hex(o.network_path);
  const Dataset test = load_fashion_mnist(Split::test, o.data_dir);
  const Dataset train = load_fashion_mnist(Split::train, o.data_dir);
  net.check_io({1, 1, 28, 28}, Dataset::kClasses);
  res.images = o.images > 0 ? std::min<std::int64_t>(o.images, test.size()) : test.size();
  const torch::Tensor calib = calibration_images(train, o.mapping.calibration_images, o.mapping.calibration_seed, o.preprocess);

  auto progress_of = [&](int point) -> ProgressFn {
    if (!hooks.progress) return {};
    return [&hooks, point](const Progress& p) { hooks.progress(point, p); };
  };

  if (hooks.rank == 0) {
    res.digital = classify(net, nullptr, true, test, res.images, o.preprocess, o.batch_size, progress_of(-1),
                           {"digital", -2, o.chips, 0, 0});
    res.digital.chip = -2;
  }

  const int n_points = options.points();
  res.points.resize(static_cast<std::size_t>(n_points));
  for (int p = 0; p < n_points; ++p) {
    SweepPoint& pt = res.points[static_cast<std::size_t>(p)];
    pt.value_index = options.value_index(p);
    for (std::size_t k = 0; k < options.axes.size(); ++k)
      pt.value.push_back(res.options.axes[k].values[static_cast<std::size_t>(pt.value_index[k])]);
    if (resume && p < static_cast<int>(resume->points.size()) && resume->points[static_cast<std::size_t>(p)].done)
      pt = resume->points[static_cast<std::size_t>(p)];
  }
  if (hooks.rank == 0 && hooks.point_done) hooks.point_done(res, -1);

  const int units = (o.nominal ? 1 : 0) + o.chips;  // unit 0 nominal (if run), then the chips
  std::vector<int> todo;
  for (int p = 0; p < n_points; ++p)
    if (!res.points[static_cast<std::size_t>(p)].done) todo.push_back(p);
  // Points per exchange: enough units for every rank (one point when a point has as many units as
  // there are ranks). Unit u of the i-th point of a group belongs to rank (i units + u) mod size.
  const int group = std::max(1, (hooks.size + units - 1) / units);
  const std::size_t slot = static_cast<std::size_t>(units) * kUnitDoubles + kDesignDoubles;
  for (std::size_t g0 = 0; g0 < todo.size(); g0 += static_cast<std::size_t>(group)) {
    const std::size_t g1 = std::min(todo.size(), g0 + static_cast<std::size_t>(group));
    std::vector<double> buf((g1 - g0) * slot, 0.0);
    for (std::size_t gi = g0; gi < g1; ++gi) {
      const int p = todo[gi];
      SweepPoint& pt = res.points[static_cast<std::size_t>(p)];
      double* out = buf.data() + (gi - g0) * slot;
      const int first = static_cast<int>(gi - g0) * units;
      auto owner = [&](int u) { return (first + u) % hooks.size; };
      // This point's tile model and mapping options.
      const std::size_t tile_index =
          tile_axis >= 0 ? static_cast<std::size_t>(pt.value_index[static_cast<std::size_t>(tile_axis)]) : 0;
      pt.tile_path = tile_paths[tile_index];
      pt.tile_sha256 = tile_sha[tile_index];
      bool mine = false;
      for (int u = 0; u < units; ++u) mine = mine || owner(u) == hooks.rank;
      if (!mine) continue;
      behavioral::TileModelFile tile = tiles[tile_index];
      MappingOptions mapping = o.mapping;
      for (std::size_t k = 0; k < options.axes.size(); ++k) {
        const std::string& name = options.axes[k].name;
        const double v = pt.value[k];
        if (name == "adc_bits") mapping.adc_bits = static_cast<int>(v);
        if (name == "dac_bits") mapping.dac_bits = static_cast<int>(v);
        if (name == "r_wire_ohm") tile.nominal.crossbar.r_row_wire_ohm = tile.nominal.crossbar.r_col_wire_ohm = v;
        if (name == "prog_sigma_rel") {
          auto& pe = tile.variation.programming_error;
          pe.sigma_rel_d2d = v;
          if (pe.distribution == "lognormal") pe.sigma_log = std::sqrt(std::log1p(v * v));
        }
      }
      const auto t0 = Clock::now();
      const ChipDesign design = calibrate(net, tile, mapping, calib);
      if (owner(0) == hooks.rank) {  // the owner of unit 0 reports the design as used
        const auto& n = design.tile.nominal;
        double* d = out + static_cast<std::size_t>(units) * kUnitDoubles;
        d[0] = seconds_since(t0);
        d[1] = n.dac.bits;
        d[2] = n.adc.front().bits;
        d[3] = n.crossbar.rows;
        d[4] = n.crossbar.cols;
        d[5] = n.crossbar.r_row_wire_ohm;
        d[6] = n.crossbar.r_col_wire_ohm;
        d[7] = design.tile.variation.programming_error.sigma_rel_d2d;
        d[8] = static_cast<double>(design.tiles());
      }
      for (int u = 0; u < units; ++u) {
        if (owner(u) != hooks.rank) continue;
        const int chip = o.nominal ? u - 1 : u;
        AnalogChip c(design, o.seed, chip);
        ChipResult r = classify(net, &c, false, test, res.images, o.preprocess, o.batch_size, progress_of(p),
                                {chip < 0 ? "nominal" : "chip", chip, o.chips, 0, 0});
        r.program_s = c.program_seconds();
        r.tile_mvms = c.tile_mvms();
        pack(r, out + static_cast<std::size_t>(u) * kUnitDoubles);
      }
    }
    if (hooks.size > 1 && hooks.reduce_sum) hooks.reduce_sum(buf);
    if (hooks.rank != 0) continue;
    for (std::size_t gi = g0; gi < g1; ++gi) {
      const int p = todo[gi];
      SweepPoint& pt = res.points[static_cast<std::size_t>(p)];
      const double* in = buf.data() + (gi - g0) * slot;
      const double* d = in + static_cast<std::size_t>(units) * kUnitDoubles;
      pt.calibration_s = d[0];
      pt.dac_bits = static_cast<int>(d[1]);
      pt.adc_bits = static_cast<int>(d[2]);
      pt.tile_rows = static_cast<int>(d[3]);
      pt.tile_cols = static_cast<int>(d[4]);
      pt.r_row_wire_ohm = d[5];
      pt.r_col_wire_ohm = d[6];
      pt.prog_sigma_rel = d[7];
      pt.tiles = static_cast<std::int64_t>(d[8]);
      std::vector<double> acc;
      pt.chips.clear();
      for (int u = 0; u < units; ++u) {
        const int chip = o.nominal ? u - 1 : u;
        ChipResult r = unpack(in + static_cast<std::size_t>(u) * kUnitDoubles, chip);
        if (chip < 0) {
          pt.nominal = r;
        } else {
          acc.push_back(r.accuracy);
          pt.chips.push_back(r);
        }
      }
      const std::int64_t mvms = o.nominal ? pt.nominal.tile_mvms : (pt.chips.empty() ? 0 : pt.chips.front().tile_mvms);
      pt.tile_mvms_per_image = res.images > 0 ? mvms / res.images : 0;
      if (!o.nominal) {
        pt.nominal = ChipResult{};
        pt.nominal.accuracy = std::numeric_limits<double>::quiet_NaN();
        pt.nominal.confusion = Eigen::MatrixXi::Zero(10, 10);
      }
      pt.accuracy = mean_ci95(acc);
      pt.done = true;
      if (hooks.point_done) hooks.point_done(res, p);
    }
  }
  return res;
}

}  // namespace xbar::networks
