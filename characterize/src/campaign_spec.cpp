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

#include "xbar/characterize/csv.hpp"
#include "xbar/characterize/error.hpp"
#include "xbar/netlists/error.hpp"

namespace xbar::characterize {

namespace {

namespace fs = std::filesystem;

constexpr int kMaxDim = 1024;                      // as in netlists::CrossbarParams::validate
constexpr int kMaxWorkers = 256;
constexpr std::int64_t kMaxSamples = 10'000'000;   // instances * patterns_per_instance
constexpr double kAbsoluteZeroC = -273.15;

bool finite(double x) { return std::isfinite(x); }
bool finite_nonneg(double x) { return std::isfinite(x) && x >= 0.0; }
bool finite_pos(double x) { return std::isfinite(x) && x > 0.0; }
bool unit_fraction(double x) { return x >= 0.0 && x <= 1.0; }
bool above_absolute_zero(double x) { return std::isfinite(x) && x > kAbsoluteZeroC; }

int line_of(const toml::source_region& where) { return std::max(1, static_cast<int>(where.begin.line)); }

/// A value as written in TOML, for wrong-type messages: "32" (a string) versus 32.
std::string show_literal(const toml::node& node) {
  if (const auto* s = node.as_string()) return fmt::format("\"{}\"", s->get());
  if (const auto* i = node.as_integer()) return fmt::format("{}", i->get());
  if (const auto* f = node.as_floating_point()) {
    const double x = f->get();  // keep "32.0" a float: fmt writes 32
    if (std::isfinite(x) && x == std::trunc(x) && std::abs(x) < 1e15) return fmt::format("{:.1f}", x);
    return fmt::format("{}", x);
  }
  if (const auto* b = node.as_boolean()) return b->get() ? "true" : "false";
  if (node.is_table()) return "{ ... }";
  std::ostringstream os;  // arrays, dates and times
  node.visit([&](const auto& n) { os << n; });
  std::string text = os.str();
  return text.size() > 40 ? text.substr(0, 37) + "..." : text;
}

std::string single_quoted(std::string_view s) { return fmt::format("'{}'", s); }

std::string int_rule(std::int64_t lo, std::int64_t hi) {
  if (hi >= INT_MAX) return fmt::format("must be an integer >= {}", lo);
  return fmt::format("must be an integer between {} and {}", lo, hi);
}

/// Levenshtein distance, for "did you mean" hints on misspelled keys.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

/// The closest known key: within a few edits, or one that starts with `key` (a dropped unit suffix).
std::string did_you_mean(std::string_view key, std::initializer_list<std::string_view> known) {
  std::string_view best;
  std::size_t best_distance = std::max<std::size_t>(2, key.size() / 3) + 1;
  for (std::string_view k : known) {
    const bool prefix = key.size() >= 3 && k.substr(0, key.size()) == key;
    const std::size_t d = prefix ? 1 : edit_distance(key, k);
    if (d < best_distance) {
      best = k;
      best_distance = d;
    }
  }
  return best.empty() ? "" : fmt::format("; did you mean '{}'?", best);
}

/// Every problem found in one spec, reported together, in file order, one per line.
class Problems {
 public:
  explicit Problems(std::string file) : file_(std::move(file)) {}
  void add(int line, std::string message) { items_.push_back({line, std::move(message)}); }
  void throw_if_any() {
    if (items_.empty()) return;
    std::stable_sort(items_.begin(), items_.end(), [](const Item& a, const Item& b) { return a.line < b.line; });
    std::string text;
    for (const Item& item : items_) text += fmt::format("{}{}:{}: {}", text.empty() ? "" : "\n", file_, item.line, item.message);
    throw SpecError(text);
  }

 private:
  struct Item {
    int line;
    std::string message;
  };
  std::string file_;
  std::vector<Item> items_;
};

/// One table of the spec ("" for the root). Reads report absent keys by returning false, and
/// wrong types or bad values by adding a problem (and returning false). A null table reads as
/// empty: every field keeps its default.
class Section {
 public:
  Section(Problems& problems, const toml::table* table, std::string name)
      : problems_(problems), table_(table), name_(std::move(name)) {}

  const toml::node* find(std::string_view key) const { return table_ ? table_->get(key) : nullptr; }
  bool has(std::string_view key) const { return find(key) != nullptr; }
  bool present() const { return table_ != nullptr; }
  std::string field(std::string_view key) const { return name_.empty() ? std::string(key) : fmt::format("{}.{}", name_, key); }
  int table_line() const { return table_ ? line_of(table_->source()) : 1; }
  /// The line of key's value, or of the table when the key is absent.
  int line(std::string_view key) const {
    const toml::node* n = find(key);
    return n ? line_of(n->source()) : table_line();
  }

  /// "<field> = <shown>: <rule>" at the key's line.
  void bad(std::string_view key, std::string_view shown, std::string_view rule) {
    problems_.add(line(key), fmt::format("{} = {}: {}", field(key), shown, rule));
  }
  /// A free-form problem at the key's line.
  void note(std::string_view key, std::string message) { problems_.add(line(key), std::move(message)); }

  void check_known(std::initializer_list<std::string_view> known) {
    if (!table_) return;
    for (const auto& [key, node] : *table_) {
      if (std::find(known.begin(), known.end(), key.str()) != known.end()) continue;
      problems_.add(line_of(key.source()), fmt::format("unknown field {} (known: {}){}", single_quoted(field(key.str())),
                                                       fmt::join(known, ", "), did_you_mean(key.str(), known)));
    }
  }

  /// The sub-table `key` as a Section; empty when absent or not a table (reported with `rule`).
  Section sub(std::string_view key, std::string_view rule) {
    const toml::node* n = find(key);
    if (n && !n->is_table()) bad(key, show_literal(*n), rule);
    return Section(problems_, n ? n->as_table() : nullptr, field(key));
  }

  bool read(std::string_view key, bool& out) {
    const toml::node* n = find(key);
    if (!n) return false;
    const auto* b = n->as_boolean();
    if (!b) {
      bad(key, show_literal(*n), "must be true or false");
      return false;
    }
    out = b->get();
    return true;
  }

  bool read(std::string_view key, std::string& out) {
    const toml::node* n = find(key);
    if (!n) return false;
    const auto* s = n->as_string();
    if (!s) {
      bad(key, show_literal(*n), "must be a string");
      return false;
    }
    out = s->get();
    return true;
  }

  /// A number (an integer is accepted) that satisfies `ok`; otherwise "<field> = <v>: <rule>".
  bool read(std::string_view key, double& out, bool (*ok)(double), std::string_view rule) {
    const toml::node* n = find(key);
    if (!n) return false;
    if (!n->is_number()) {
      const std::string_view prefix = "must be ";
      const std::string_view what = rule.substr(0, prefix.size()) == prefix ? rule.substr(prefix.size()) : rule;
      bad(key, show_literal(*n), fmt::format("must be a number ({})", what));
      return false;
    }
    const double v = n->is_integer() ? static_cast<double>(n->as_integer()->get()) : n->as_floating_point()->get();
    if (!ok(v)) {
      bad(key, fmt::format("{}", v), rule);
      return false;
    }
    out = v;
    return true;
  }

  /// An integer in [lo, hi].
  template <class Int>
  bool read_int(std::string_view key, std::int64_t lo, std::int64_t hi, Int& out) {
    const toml::node* n = find(key);
    if (!n) return false;
    const auto* i = n->as_integer();
    if (!i || i->get() < lo || i->get() > hi) {
      bad(key, show_literal(*n), int_rule(lo, hi));
      return false;
    }
    out = static_cast<Int>(i->get());
    return true;
  }

  /// One of `choices` (name, value), listed as `allowed` in the message.
  template <class E>
  bool read_enum(std::string_view key, std::initializer_list<std::pair<std::string_view, E>> choices,
                 std::string_view allowed, E& out) {
    const toml::node* n = find(key);
    if (!n) return false;
    const std::string rule = fmt::format("must be one of {}", allowed);
    const auto* s = n->as_string();
    if (!s) {
      bad(key, show_literal(*n), rule);
      return false;
    }
    for (const auto& [name, value] : choices) {
      if (s->get() != name) continue;
      out = value;
      return true;
    }
    bad(key, single_quoted(s->get()), rule);
    return false;
  }

 private:
  Problems& problems_;
  const toml::table* table_;
  std::string name_;
};

std::string resolve(const fs::path& base_dir, const std::string& path) {
  if (base_dir.empty() || path.empty() || fs::path(path).is_absolute()) return path;
  return (base_dir / path).lexically_normal().string();
}

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
  s.read("g_stuck_on_s", v.g_stuck_on_s, finite_nonneg, "must be finite and >= 0 S (omit it to use workload.g_max_s)");
  s.read("g_stuck_off_s", v.g_stuck_off_s, finite_nonneg, "must be finite and >= 0 S (omit it to use workload.g_min_s)");
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
  } else if (const std::string bad = first_bad_entry(m, finite_nonneg); !bad.empty()) {
    s.note("weights_file", fmt::format("{} {}: target conductances must be finite and >= 0 S", head, bad));
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
  const bool min_ok = !s.has("g_min_s") || s.read("g_min_s", w.g_min_s, finite_nonneg, "must be finite and >= 0 S");
  const bool max_ok = !s.has("g_max_s") || s.read("g_max_s", w.g_max_s, finite_nonneg, "must be finite and >= 0 S");
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
                   const fs::path& base_dir) {
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
      w.weights_file = resolve(base_dir, written);
      check_weights_file(s, written, w.weights_file, xb, dims_ok);
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
      w.inputs_file = resolve(base_dir, written);
      check_inputs_file(s, written, w.inputs_file, xb, dims_ok);
    }
  }
}

// ---- [run] ----

void read_run(Section s, RunSpec& r, const fs::path& base_dir) {
  s.check_known({"output", "workers", "sample_timeout_s", "checkpoint_interval_s"});
  if (s.read("output", r.output) && r.output.empty()) s.bad("output", "''", "must name the HDF5 output file");
  r.output = resolve(base_dir, r.output);
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

/// Reads `kind`; only "crossbar" is implemented. Returns false (with a problem) otherwise.
bool read_kind(Section& top, std::string& kind) {
  const bool typed = !top.has("kind") || top.read("kind", kind);
  if (typed && kind == "crossbar") return true;
  if (typed) {
    top.bad("kind", single_quoted(kind), "must be 'crossbar' (op-amp, ADC and tile-chain kinds are not implemented yet)");
  }
  return false;
}

Section section(Section& top, std::string_view name) {
  return top.sub(name, fmt::format("must be a table: write [{}] on a line of its own, then its fields", name));
}

CampaignSpec parse_spec(const std::string& text, const std::string& source_name, const fs::path& base_dir) {
  const toml::table root = parse_toml(text, source_name);
  Problems problems(source_name);
  CampaignSpec spec;
  spec.source_text = text;
  Section top(problems, &root, "");
  if (!read_kind(top, spec.kind)) {
    problems.throw_if_any();  // the other fields depend on the kind: check them only for a known kind
  }
  top.check_known({"kind", "seed", "crossbar", "variation", "workload", "run"});
  top.read_int("seed", 0, std::numeric_limits<std::int64_t>::max(), spec.seed);
  const bool dims_ok = read_crossbar(section(top, "crossbar"), spec.crossbar);
  read_variation(section(top, "variation"), spec.variation);
  read_workload(section(top, "workload"), spec.workload, spec.crossbar, dims_ok, base_dir);
  read_run(section(top, "run"), spec.run, base_dir);
  problems.throw_if_any();
  return spec;
}

}  // namespace

CampaignSpec load_campaign_spec(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw SpecError(fmt::format("{}: is a folder, not a campaign spec file", path));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SpecError(fmt::format("{}: cannot open the campaign spec ({})", path, std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  CampaignSpec spec = parse_spec(text.str(), path, fs::path(path).parent_path());
  spec.source_path = path;
  return spec;
}

CampaignSpec parse_campaign_spec(const std::string& text, const std::string& source_name) {
  return parse_spec(text, source_name, fs::path());
}

}  // namespace xbar::characterize
