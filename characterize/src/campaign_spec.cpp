// The campaign spec parser: TOML text -> CampaignSpec, with every problem reported at once.
//
// Each message is one line, "<file>:<line>: <field> = <value>: <what is allowed>", where
// <line> is the line of the offending value (or of its table, for a missing value). String
// values are shown in single quotes ('tanh'), except in wrong-type messages, which show the
// TOML literal as written so the type is visible ("32" versus 32). The rules for the crossbar
// fields are those of netlists::CrossbarParams::validate(), with file lines added.
#include "xbar/characterize/campaign_spec.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "spec_reader.hpp"
#include "xbar/characterize/csv.hpp"
#include "xbar/characterize/error.hpp"
#include "xbar/netlists/error.hpp"

namespace xbar::characterize {

namespace spec_detail {

// ---- [crossbar] ----

/// Reads [crossbar]; returns whether rows and cols are valid (the file checks need them).
bool read_crossbar(Section s, netlists::CrossbarParams& xb) {
  s.check_known({"rows", "cols", "differential", "cell", "v0_v", "r_row_wire_ohm", "r_col_wire_ohm", "c_row_wire_f",
                 "c_col_wire_f", "r_source_ohm"});
  const bool rows_ok = !s.has("rows") || s.read_int("rows", 1, kMaxDim, xb.rows);
  const bool cols_ok = !s.has("cols") || s.read_int("cols", 1, kMaxDim, xb.cols);
  s.read("differential", xb.differential);
  std::string cell;
  if (s.read("cell", cell)) {
    try {
      xb.cell = netlists::parse_cell_model(cell, s.field("cell"));
    } catch (const netlists::Error&) {
      s.bad("cell", single_quoted(cell), "must be one of linear, sinh");
    }
  }
  s.read("r_row_wire_ohm", xb.r_row_wire_ohm, finite_nonneg, "must be finite and >= 0 ohm");
  s.read("r_col_wire_ohm", xb.r_col_wire_ohm, finite_nonneg, "must be finite and >= 0 ohm");
  s.read("c_row_wire_f", xb.c_row_wire_f, finite_nonneg, "must be finite and >= 0 F");
  s.read("c_col_wire_f", xb.c_col_wire_f, finite_nonneg, "must be finite and >= 0 F");
  if (xb.cell == netlists::CellModel::sinh) {
    s.read("v0_v", xb.v0_v, finite_pos, "must be finite and > 0 V for the sinh cell");
  } else {
    s.read("v0_v", xb.v0_v, finite, "must be finite (V; used only by the sinh cell)");
  }
  double r_source_ohm = 0.0;
  if (s.read("r_source_ohm", r_source_ohm, finite_nonneg, "must be finite and >= 0 ohm") && r_source_ohm > 0.0 &&
      rows_ok) {
    xb.r_source_ohm = Eigen::VectorXd::Constant(xb.rows, r_source_ohm);
  }
  return rows_ok && cols_ok;
}

// ---- [variation] ----

void read_programming_error(Section s, ProgrammingError& pe) {
  s.check_known({"distribution", "sigma_rel_d2d"});
  if (!s.has("distribution")) {
    s.note("distribution", fmt::format("{} is missing: must be one of none, normal, lognormal", s.field("distribution")));
    return;
  }
  if (!s.read_enum("distribution",
                   {{"none", Distribution::none}, {"normal", Distribution::normal}, {"lognormal", Distribution::lognormal}},
                   "none, normal, lognormal", pe.distribution)) {
    return;
  }
  const bool sigma_ok =
      !s.has("sigma_rel_d2d") || s.read("sigma_rel_d2d", pe.sigma_rel_d2d, finite_nonneg, "must be finite and >= 0");
  if (!sigma_ok || pe.distribution == Distribution::none || pe.sigma_rel_d2d > 0.0) return;
  const std::string rule = fmt::format("must be > 0 when distribution = '{}' (or use distribution = 'none')",
                                       pe.distribution == Distribution::normal ? "normal" : "lognormal");
  if (s.has("sigma_rel_d2d")) {
    s.bad("sigma_rel_d2d", fmt::format("{}", pe.sigma_rel_d2d), rule);
  } else {
    s.note("sigma_rel_d2d", fmt::format("{} is missing: {}", s.field("sigma_rel_d2d"), rule));
  }
}

void read_variation(Section s, VariationSpec& v) {
  s.check_known({"g_prog_error", "stuck_on_fraction", "stuck_off_fraction", "g_stuck_on_s", "g_stuck_off_s",
                 "r_wire_sigma_rel_d2d", "temperature_c", "tnom_c", "cell_tc1_per_k", "wire_tc1_per_k"});
  Section pe = s.sub("g_prog_error",
                     "must be an inline table { distribution = 'none'|'normal'|'lognormal', sigma_rel_d2d = number >= 0 }");
  if (pe.present()) read_programming_error(pe, v.g_prog_error);

  const bool on_ok = s.read("stuck_on_fraction", v.stuck_on_fraction, unit_fraction, "must be between 0 and 1");
  const bool off_ok = s.read("stuck_off_fraction", v.stuck_off_fraction, unit_fraction, "must be between 0 and 1");
  if ((on_ok || off_ok) && v.stuck_on_fraction + v.stuck_off_fraction > 1.0) {
    const char* at = s.has("stuck_off_fraction") ? "stuck_off_fraction" : "stuck_on_fraction";
    s.note(at, fmt::format("{} + stuck_off_fraction = {} + {} = {}: must be <= 1", s.field("stuck_on_fraction"),
                           v.stuck_on_fraction, v.stuck_off_fraction, v.stuck_on_fraction + v.stuck_off_fraction));
  }
  s.read("g_stuck_on_s", v.g_stuck_on_s, conductance_ok, "must be finite and >= 0 S, and 0 or >= 2.3e-308 S (omit it to use workload.g_max_s)");
  s.read("g_stuck_off_s", v.g_stuck_off_s, conductance_ok, "must be finite and >= 0 S, and 0 or >= 2.3e-308 S (omit it to use workload.g_min_s)");
  s.read("r_wire_sigma_rel_d2d", v.r_wire_sigma_rel_d2d, finite_nonneg, "must be finite and >= 0");
  s.read("temperature_c", v.temperature_c, above_absolute_zero, "must be finite and > -273.15 C");
  s.read("tnom_c", v.tnom_c, above_absolute_zero, "must be finite and > -273.15 C");
  s.read("cell_tc1_per_k", v.cell_tc1_per_k, finite, "must be finite (1/K)");
  s.read("wire_tc1_per_k", v.wire_tc1_per_k, finite, "must be finite (1/K)");
}

// ---- [workload] ----

/// Reads the CSV named by `key` (already resolved to `path`); reports a missing or bad file.
bool read_data_file(Section& s, std::string_view key, const std::string& written, const std::string& path,
                    Eigen::MatrixXd& out) {
  const std::string head = fmt::format("{} = {}", s.field(key), single_quoted(written));
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    s.note(key, fmt::format("{}: file not found (looked for {})", head, path));
    return false;
  }
  try {
    out = read_csv_matrix(path);
  } catch (const Error& e) {
    s.note(key, fmt::format("{}: {}", head, e.what()));
    return false;
  }
  return true;
}

/// The first entry of `m` that fails `ok`, as "row r column c = v" (1-based), or "".
std::string first_bad_entry(const Eigen::MatrixXd& m, bool (*ok)(double)) {
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j)
      if (!ok(m(i, j))) return fmt::format("line {} value {} = {}", i + 1, j + 1, m(i, j));
  return "";
}

void check_weights_file(Section& s, const std::string& written, const std::string& path,
                        const netlists::CrossbarParams& xb, bool dims_ok) {
  Eigen::MatrixXd m;
  if (!read_data_file(s, "weights_file", written, path, m) || !dims_ok) return;
  const std::string head = fmt::format("{} = {}: {}", s.field("weights_file"), single_quoted(written), path);
  // Differential arrays take physical columns: 2j is G+ and 2j+1 is G- of output j.
  if (m.rows() != xb.rows || m.cols() != xb.physical_cols()) {
    s.note("weights_file",
           xb.differential
               ? fmt::format("{} is {} x {}: a differential array needs crossbar.rows x (2 * crossbar.cols) = {} x {} "
                             "(columns 2j = G+, 2j+1 = G- of output j)",
                             head, m.rows(), m.cols(), xb.rows, xb.physical_cols())
               : fmt::format("{} is {} x {}: must be crossbar.rows x crossbar.cols = {} x {}", head, m.rows(), m.cols(),
                             xb.rows, xb.cols));
  } else if (const std::string bad = first_bad_entry(m, conductance_ok); !bad.empty()) {
    s.note("weights_file", fmt::format("{} {}: target conductances {}", head, bad, kConductanceRule));
  }
}

void check_inputs_file(Section& s, const std::string& written, const std::string& path,
                       const netlists::CrossbarParams& xb, bool dims_ok) {
  Eigen::MatrixXd m;
  if (!read_data_file(s, "inputs_file", written, path, m) || !dims_ok) return;
  const std::string head = fmt::format("{} = {}: {}", s.field("inputs_file"), single_quoted(written), path);
  if (m.cols() != xb.rows) {
    s.note("inputs_file", fmt::format("{} has {} values per line: must have crossbar.rows = {} (one voltage per row)",
                                      head, m.cols(), xb.rows));
  } else if (const std::string bad = first_bad_entry(m, finite); !bad.empty()) {
    s.note("inputs_file", fmt::format("{} {}: input voltages must be finite", head, bad));
  }
}

/// `file_key` is required exactly when `source_key` = "file". Returns the file name as written,
/// or "" when there is none (or it is reported as a problem).
std::string read_file_name(Section& s, std::string_view source_key, bool is_file, std::string_view file_key,
                           std::string_view what) {
  std::string written;
  const bool given = s.read(file_key, written);
  if (is_file && !s.has(file_key)) {
    s.note(file_key, fmt::format("{} is missing: required when {} = 'file' ({})", s.field(file_key),
                                 s.field(source_key), what));
  } else if (!is_file && s.has(file_key)) {
    s.note(file_key, fmt::format("{} is set but {} is not 'file': set {} = \"file\" or remove {}", s.field(file_key),
                                 s.field(source_key), source_key, file_key));
  } else if (given && written.empty()) {
    s.bad(file_key, "''", fmt::format("must name a CSV file ({})", what));
  }
  return is_file && given ? written : "";
}

void read_counts(Section& s, WorkloadSpec& w) {
  s.read_int("instances", 1, INT_MAX, w.instances);
  s.read_int("patterns_per_instance", 1, INT_MAX, w.patterns_per_instance);
  s.read_int("inputs_per_pattern", 1, INT_MAX, w.inputs_per_pattern);
  const std::int64_t samples = std::int64_t{w.instances} * w.patterns_per_instance;
  if (samples > kMaxSamples) {
    const char* at = s.has("patterns_per_instance") ? "patterns_per_instance" : "instances";
    s.note(at, fmt::format("{} * patterns_per_instance = {} * {} = {} samples: must be <= {}", s.field("instances"),
                           w.instances, w.patterns_per_instance, samples, kMaxSamples));
  }
}

void read_conductance_range(Section& s, WorkloadSpec& w) {
  const bool min_ok = !s.has("g_min_s") || s.read("g_min_s", w.g_min_s, conductance_ok, kConductanceRule);
  const bool max_ok = !s.has("g_max_s") || s.read("g_max_s", w.g_max_s, conductance_ok, kConductanceRule);
  if (min_ok && max_ok && !(w.g_min_s < w.g_max_s)) {
    const char* at = s.has("g_min_s") ? "g_min_s" : "g_max_s";
    s.note(at, fmt::format("{} = {}: must be < {} = {}", s.field("g_min_s"), w.g_min_s, s.field("g_max_s"), w.g_max_s));
  }
}

void read_read_range(Section& s, WorkloadSpec& w) {
  const bool min_ok = !s.has("v_read_min_v") || s.read("v_read_min_v", w.v_read_min_v, finite, "must be finite (V)");
  const bool max_ok = !s.has("v_read_max_v") || s.read("v_read_max_v", w.v_read_max_v, finite, "must be finite (V)");
  if (min_ok && max_ok && w.v_read_min_v > w.v_read_max_v) {
    const char* at = s.has("v_read_min_v") ? "v_read_min_v" : "v_read_max_v";
    s.note(at, fmt::format("{} = {}: must be <= {} = {}", s.field("v_read_min_v"), w.v_read_min_v,
                           s.field("v_read_max_v"), w.v_read_max_v));
  }
}

void read_workload(Section s, WorkloadSpec& w, const netlists::CrossbarParams& xb, bool dims_ok,
                   const DataFiles& files) {
  s.check_known({"instances", "patterns_per_instance", "inputs_per_pattern", "weights", "weights_file", "g_min_s",
                 "g_max_s", "inputs", "inputs_file", "v_read_min_v", "v_read_max_v"});
  read_counts(s, w);
  read_conductance_range(s, w);
  read_read_range(s, w);

  const bool weights_ok =
      !s.has("weights") ||
      s.read_enum("weights", {{"uniform", WeightSource::uniform}, {"normal", WeightSource::normal}, {"file", WeightSource::file}},
                  "uniform, normal, file", w.weights);
  if (weights_ok) {
    const std::string written = read_file_name(s, "weights", w.weights == WeightSource::file, "weights_file",
                                               "a CSV of crossbar.rows x crossbar.cols target conductances in S");
    if (!written.empty()) {
      w.weights_file = resolve(files.base_dir, written);
      if (files.check) check_weights_file(s, written, w.weights_file, xb, dims_ok);
    }
  }
  const bool inputs_ok =
      !s.has("inputs") || s.read_enum("inputs",
                                      {{"random", InputSource::random},
                                       {"one_hot", InputSource::one_hot},
                                       {"one-hot", InputSource::one_hot},
                                       {"file", InputSource::file}},
                                      "random, one_hot, file", w.inputs);
  if (inputs_ok) {
    const std::string written = read_file_name(s, "inputs", w.inputs == InputSource::file, "inputs_file",
                                               "a CSV with one input vector of crossbar.rows voltages in V per line");
    if (!written.empty()) {
      w.inputs_file = resolve(files.base_dir, written);
      if (files.check) check_inputs_file(s, written, w.inputs_file, xb, dims_ok);
    }
  }
}

// ---- [run] ----

void read_run(Section s, RunSpec& r, const DataFiles& files) {
  s.check_known({"output", "workers", "sample_timeout_s", "checkpoint_interval_s"});
  if (s.read("output", r.output) && r.output.empty()) s.bad("output", "''", "must name the HDF5 output file");
  r.output_line = s.line("output");
  r.output = resolve(files.base_dir, r.output);
  s.read_int("workers", 1, kMaxWorkers, r.workers);
  s.read("sample_timeout_s", r.sample_timeout_s, finite_pos, "must be finite and > 0 s");
  s.read("checkpoint_interval_s", r.checkpoint_interval_s, finite_pos, "must be finite and > 0 s");
}

// ---- the whole spec ----

toml::table parse_toml(const std::string& text, const std::string& source_name) {
  try {
    return toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    throw SpecError(fmt::format("{}:{}:{}: TOML syntax error: {}", source_name, at.line, at.column, e.description()));
  }
}

void read_crossbar_kind(Section& top, CampaignSpec& spec, const DataFiles& files) {
  top.check_known({"kind", "seed", "crossbar", "variation", "workload", "run"});
  const bool dims_ok = read_crossbar(section(top, "crossbar"), spec.crossbar);
  read_variation(section(top, "variation"), spec.variation);
  read_workload(section(top, "workload"), spec.workload, spec.crossbar, dims_ok, files);
  read_run(section(top, "run"), spec.run, files);
}

namespace {

/// Every circuit kind and the reader of its tables (the op-amp, TIA, ADC and tile readers live
/// in their own <kind>_spec.cpp).
struct KindReader {
  std::string_view name;
  void (*read)(Section& top, CampaignSpec& spec, const DataFiles& files);
};
constexpr KindReader kKindReaders[] = {
    {"crossbar", read_crossbar_kind},
    {"opamp", read_opamp_kind},
    {"tia", read_tia_kind},
    {"adc", read_adc_kind},
    {"tile", read_tile_kind},
    {"tile_replay", read_tile_replay_kind},
};

std::string known_kinds() {
  std::string names;
  for (const KindReader& k : kKindReaders) names += fmt::format("{}'{}'", names.empty() ? "" : ", ", k.name);
  return names;
}

/// The reader for `kind`, or nullptr (with a problem) for an unknown kind or a non-string.
const KindReader* read_kind(Section& top, std::string& kind) {
  if (top.has("kind") && !top.read("kind", kind)) return nullptr;
  for (const KindReader& k : kKindReaders) {
    if (k.name == kind) return &k;
  }
  top.bad("kind", single_quoted(kind), fmt::format("must be one of {}", known_kinds()));
  return nullptr;
}

}  // namespace

Section section(Section& top, std::string_view name) {
  return top.sub(name, fmt::format("must be a table: write [{}] on a line of its own, then its fields", name));
}

CampaignSpec parse_spec(const std::string& text, const std::string& source_name, const DataFiles& files) {
  const toml::table root = parse_toml(text, source_name);
  Problems problems(source_name);
  CampaignSpec spec;
  spec.source_text = text;
  Section top(problems, &root, "");
  const KindReader* reader = read_kind(top, spec.kind);
  if (!reader) problems.throw_if_any();  // the other fields depend on the kind: check them only for a known kind
  top.read_int("seed", 0, std::numeric_limits<std::int64_t>::max(), spec.seed);
  reader->read(top, spec, files);
  problems.throw_if_any();
  return spec;
}

}  // namespace spec_detail

using spec_detail::DataFiles;
using spec_detail::parse_spec;
namespace fs = std::filesystem;

CampaignSpec load_campaign_spec(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw SpecError(fmt::format("{}: is a folder, not a campaign spec file", path));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SpecError(fmt::format("{}: cannot open the campaign spec ({})", path, std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  CampaignSpec spec = parse_spec(text.str(), path, DataFiles{fs::path(path).parent_path(), true});
  spec.source_path = path;
  return spec;
}

CampaignSpec load_campaign_spec(const std::string& path, const std::vector<std::string>& overrides) {
  if (overrides.empty()) return load_campaign_spec(path);
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw SpecError(fmt::format("{}: is a folder, not a campaign spec file", path));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SpecError(fmt::format("{}: cannot open the campaign spec ({})", path, std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  toml::table root = spec_detail::parse_toml(text.str(), path);
  for (const std::string& o : overrides) {
    const auto eq = o.find('=');
    const std::string key = eq == std::string::npos ? std::string() : o.substr(0, eq);
    if (key.empty() || key.find_first_of(" \t\n\"'[]") != std::string::npos || key.front() == '.' ||
        key.back() == '.' || key.find("..") != std::string::npos)
      throw SpecError(fmt::format("--set '{}': must be field=value, e.g. workload.instances=20", o));
    const std::string value = o.substr(eq + 1);
    // The value as TOML ("20", "0.1", "true", "\"x\"", "[1, 2]"); anything else is a string.
    toml::table parsed;
    bool is_toml = true;
    try {
      parsed = toml::parse("v = " + value);
    } catch (const toml::parse_error&) {
      is_toml = false;
    }
    toml::table* t = &root;
    std::size_t start = 0;
    for (;;) {
      const auto dot = key.find('.', start);
      if (dot == std::string::npos) break;
      const std::string part = key.substr(start, dot - start);
      auto* node = t->get(part);
      if (!node) node = t->insert(part, toml::table{}).first->second.as_table();
      if (!node || !node->is_table())
        throw SpecError(fmt::format("--set '{}': {} is not a table in {}", o, key.substr(0, dot), path));
      t = node->as_table();
      start = dot + 1;
    }
    const std::string leaf = key.substr(start);
    if (is_toml && parsed.get("v")) {
      t->insert_or_assign(leaf, *parsed.get("v"));
    } else {
      t->insert_or_assign(leaf, value);
    }
  }
  std::ostringstream out;
  std::string joined;
  for (const auto& o : overrides) joined += " --set " + o;
  out << "# " << path << " with" << joined << "\n" << root << "\n";
  const std::string source = path + " (with --set)";
  CampaignSpec spec = parse_spec(out.str(), source, DataFiles{fs::path(path).parent_path(), true});
  spec.source_path = path;
  return spec;
}

CampaignSpec parse_campaign_spec(const std::string& text, const std::string& source_name) {
  return parse_spec(text, source_name, DataFiles{});
}

CampaignSpec parse_stored_campaign_spec(const std::string& text, const std::string& source_name) {
  return parse_spec(text, source_name, DataFiles{fs::path(), false});
}

std::string results_text(const std::string& spec_text, const std::string& source_name) {
  toml::table root = spec_detail::parse_toml(spec_text, source_name);
  if (auto* run = root["run"].as_table()) {
    for (const char* k : {"workers", "checkpoint_interval_s", "sample_timeout_s", "output"}) run->erase(k);
  }
  std::ostringstream out;
  out << root;  // toml++ prints tables in key order (std::map) and numbers by value
  return out.str();
}

}  // namespace xbar::characterize
