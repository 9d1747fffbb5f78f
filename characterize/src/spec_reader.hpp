#pragma once
// Internal to xbar::characterize: the pieces every spec table reader shares. A reader takes a
// Section (one TOML table), reads fields with range checks, and adds one Problem per bad field;
// parse_spec() reports them all at once. Each circuit kind reads its own tables in its own
// <kind>_spec.cpp through read_<kind>_tables() below.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <toml++/toml.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "xbar/characterize/campaign_spec.hpp"
#include "xbar/characterize/error.hpp"

namespace xbar::characterize::spec_detail {

namespace fs = std::filesystem;

constexpr int kMaxDim = 1024;                      // as in netlists::CrossbarParams::validate
constexpr int kMaxWorkers = 256;
constexpr std::int64_t kMaxSamples = 10'000'000;   // instances * patterns_per_instance
constexpr double kAbsoluteZeroC = -273.15;

inline bool finite(double x) { return std::isfinite(x); }
inline bool finite_nonneg(double x) { return std::isfinite(x) && x >= 0.0; }
/// A conductance: finite, >= 0, and 0 or large enough that 1/G is finite (a subnormal G such as
/// 1e-320 would put a resistor of inf ohm in the deck).
inline bool conductance_ok(double g) { return finite_nonneg(g) && (g == 0.0 || std::isfinite(1.0 / g)); }
inline constexpr const char* kConductanceRule = "must be finite and >= 0 S, and 0 or >= 2.3e-308 S (1/G finite)";
inline bool finite_pos(double x) { return std::isfinite(x) && x > 0.0; }
inline bool unit_fraction(double x) { return x >= 0.0 && x <= 1.0; }
inline bool above_absolute_zero(double x) { return std::isfinite(x) && x > kAbsoluteZeroC; }

inline int line_of(const toml::source_region& where) { return std::max(1, static_cast<int>(where.begin.line)); }

/// A value as written in TOML, for wrong-type messages: "32" (a string) versus 32.
inline std::string show_literal(const toml::node& node) {
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

inline std::string single_quoted(std::string_view s) { return fmt::format("'{}'", s); }

inline std::string int_rule(std::int64_t lo, std::int64_t hi) {
  if (hi >= INT_MAX) return fmt::format("must be an integer >= {}", lo);
  return fmt::format("must be an integer between {} and {}", lo, hi);
}

/// Levenshtein distance, for "did you mean" hints on misspelled keys.
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
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
inline std::string did_you_mean(std::string_view key, std::initializer_list<std::string_view> known) {
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

  /// The same table with unknown-key checks off: for a reader that reads part of a table whose
  /// keys the caller checks as a whole (the tile kind's [variation] joins several readers).
  Section lenient() const {
    Section s(*this);
    s.check_keys_ = false;
    return s;
  }

  void check_known(std::initializer_list<std::string_view> known) {
    if (!table_ || !check_keys_) return;
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
  bool check_keys_ = true;
};

/// Where relative data-file paths resolve, and whether the data files are read and checked.
/// A spec stored in a campaign file is parsed with check = false: the campaign holds the data.
struct DataFiles {
  fs::path base_dir;  ///< "" = the current folder
  bool check = true;
};

inline std::string resolve(const fs::path& base_dir, const std::string& path) {
  if (base_dir.empty() || path.empty() || fs::path(path).is_absolute()) return path;
  return (base_dir / path).lexically_normal().string();
}

/// Reads a voltage range `lo_key` < `hi_key` (finite numbers, V) of table `table` ("adc", "dac").
inline void read_voltage_range(Section& s, std::string_view table, std::string_view lo_key, std::string_view hi_key,
                               double& lo, double& hi) {
  const bool lo_ok = !s.has(lo_key) || s.read(lo_key, lo, finite, "must be finite (V)");
  const bool hi_ok = !s.has(hi_key) || s.read(hi_key, hi, finite, "must be finite (V)");
  if (!lo_ok || !hi_ok || hi > lo) return;
  if (s.has(hi_key)) {
    s.bad(hi_key, fmt::format("{}", hi), fmt::format("must be > {}.{} = {}", table, lo_key, lo));
  } else {
    s.bad(lo_key, fmt::format("{}", lo), fmt::format("must be < {}.{} = {}", table, hi_key, hi));
  }
}

// ---- shared readers (campaign_spec.cpp) ----

/// [name] as a Section; a non-table is reported.
Section section(Section& top, std::string_view name);
/// Reads [crossbar]; returns whether rows and cols are valid.
bool read_crossbar(Section s, netlists::CrossbarParams& xb);
void read_variation(Section s, VariationSpec& v);
void read_workload(Section s, WorkloadSpec& w, const netlists::CrossbarParams& xb, bool dims_ok, const DataFiles& files);
/// Only instances (the kinds whose sample is one circuit instance): patterns and inputs stay 1.
void read_counts(Section& s, WorkloadSpec& w);
void read_run(Section s, RunSpec& r, const DataFiles& files);
toml::table parse_toml(const std::string& text, const std::string& source_name);
CampaignSpec parse_spec(const std::string& text, const std::string& source_name, const DataFiles& files);

// ---- one reader per circuit kind: checks the top-level keys and reads every table ----
void read_crossbar_kind(Section& top, CampaignSpec& spec, const DataFiles& files);
void read_opamp_kind(Section& top, CampaignSpec& spec, const DataFiles& files);   // opamp_spec.cpp
void read_tia_kind(Section& top, CampaignSpec& spec, const DataFiles& files);     // opamp_spec.cpp
void read_tile_kind(Section& top, CampaignSpec& spec, const DataFiles& files);    // tile_spec.cpp
void read_tile_replay_kind(Section& top, CampaignSpec& spec, const DataFiles& files);  // tile_replay_kind.cpp

// ---- table readers shared between kinds ----
void read_opamp(Section s, netlists::OpampParams& p, netlists::OpampBench& b);      // opamp_spec.cpp
void read_tia(Section s, netlists::TiaParams& t, netlists::TiaBench& b);            // opamp_spec.cpp
void read_opamp_variation(Section s, VariationSpec& v);                             // opamp_spec.cpp
void read_adc_kind(Section& top, CampaignSpec& spec, const DataFiles& files);  // adc_spec.cpp
void read_adc(Section s, netlists::AdcParams& a);                                 // adc_spec.cpp
void read_converter_variation(Section s, VariationSpec& v);                        // adc_spec.cpp

}  // namespace xbar::characterize::spec_detail
