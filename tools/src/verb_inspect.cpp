// xbar inspect file.h5 [--json] [--all-columns] [--failures N]: a campaign file, or any other xbar HDF5
// file (model files of every kind, inference files) as a tree of groups, attributes and datasets.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>
#include <map>
#include <string>
#include <memory>

#include "xbar/fit/campaign_stats.hpp"
#include "h5_tree.hpp"
#include "verbs.hpp"
#include "xbar/behavioral/model_file.hpp"
#include "xbar/characterize/campaign_file.hpp"
#include "xbar/core/error.hpp"

namespace xbar::tools {

namespace {
struct InspectOptions {
  std::string path;
  bool all_columns = false;
  int failures = 10;
  bool json = false;
};

std::string jstr(const std::string& s) { return json_string(s); }
// A campaign file by its root `schema` attribute; anything else (model, inference, unknown) is
// listed as a tree. A file that is not HDF5 is read as a campaign, whose reader names the problem.
bool is_campaign_file(const std::string& path) {
  std::string schema;
  try {
    schema = behavioral::hdf5_schema_of(path);
  } catch (const xbar::Error&) {
    return true;
  }
  return schema.empty() || schema.rfind("xbar.campaign", 0) == 0;
}

std::string jnum(double v) { return std::isfinite(v) ? fmt::format("{}", v) : "null"; }

// The campaign summary as one JSON object: kind, layout, provenance, sample counts by status,
// fields (shape, unit, role, reference) and, for every output with a reference, its error
// statistics over all ok samples and reads.
void print_campaign_json(const std::string& path, const characterize::CampaignFile& f) {
  const auto& p = f.provenance;
  std::string o = fmt::format("{{\"file\": {}, \"schema\": {}, \"kind\": {}, \"provenance\": {{\"xbar_version\": {}, "
                              "\"git_hash\": {}, \"ngspice_version\": {}, \"seed\": {}, \"start_time\": {}, "
                              "\"end_time\": {}, \"spec_text\": {}}}, \"samples\": {{\"total\": {}",
                              jstr(path), jstr(f.schema_version), jstr(f.schema.kind), jstr(p.xbar_version),
                              jstr(p.git_hash), jstr(p.ngspice_version), p.seed, jstr(p.start_time), jstr(p.end_time),
                              jstr(p.spec_text), f.records.size());
  std::map<characterize::SampleStatus, std::uint64_t> counts;
  for (const auto& r : f.records) ++counts[r.status];
  for (const auto& [st, n] : counts) o += fmt::format(", {}: {}", jstr(characterize::to_string(st)), n);
  o += "}, \"fields\": [";
  bool first = true;
  for (const auto& fld : f.schema.fields) {
    std::string shape;
    for (auto d : fld.shape) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
    o += fmt::format("{}{{\"name\": {}, \"shape\": [{}], \"unit\": {}, \"role\": {}, \"reference\": {}}}",
                     first ? "" : ", ", jstr(fld.name), shape, jstr(fld.unit), jstr(fld.role), jstr(fld.reference));
    first = false;
  }
  o += "], \"comparisons\": {";
  first = true;
  for (const auto& fld : f.schema.fields) {
    if (fld.role != "output" || fld.reference.empty()) continue;
    const auto c = fit::compare_field(f, fld);
    o += fmt::format("{}{}: {{\"reference\": {}, \"unit\": {}, \"n\": {}", first ? "" : ", ", jstr(fld.name),
                     jstr(fld.reference), jstr(fld.unit), c.all.n);
    if (c.all.n > 0)
      o += fmt::format(", \"mean_err\": {}, \"std_err\": {}, \"max_abs_err\": {}, \"rel_rms\": {}", jnum(c.all.mean_err()),
                       jnum(c.all.std_err()), jnum(c.all.max_abs), jnum(c.all.rel_rms()));
    o += "}";
    first = false;
  }
  o += "}}\n";
  std::fputs(o.c_str(), stdout);
}

void print_stats_row(const std::string& label, const fit::ErrorAccumulator& s) {
  fmt::print("{:>8}  {:>13.5e}  {:>13.5e}  {:>13.5e}  {:>13.5e}  {:>13.5e}  {:>10.3e}\n", label, s.mean_out(),
             s.mean_ref(), s.mean_err(), s.std_err(), s.max_abs, s.rel_rms());
}

void print_comparison(const characterize::CampaignFile& f, const characterize::FieldSpec& out, bool all_columns) {
  const auto c = fit::compare_field(f, out);
  fmt::print("\n{} against {} [{}], per column over all ok samples and reads:\n", out.name, out.reference, out.unit);
  if (c.all.n == 0) {
    fmt::print("  (no ok samples)\n");
    return;
  }
  fmt::print("{:>8}  {:>13}  {:>13}  {:>13}  {:>13}  {:>13}  {:>10}\n", "column", "mean out", "mean ref", "mean err",
             "std err", "max |err|", "rel RMS");
  const std::size_t cols = c.per_column.size();
  const std::size_t shown = all_columns ? cols : std::min<std::size_t>(cols, 8);
  for (std::size_t k = 0; k < shown; ++k) print_stats_row(std::to_string(k), c.per_column[k]);
  if (shown < cols) fmt::print("{:>8}  ({} more columns: --all-columns)\n", "...", cols - shown);
  print_stats_row("all", c.all);
}
/// Median, mean, standard deviation, min and max of every output field without a reference
/// (op-amp gain, ADC DNL, energies...), over all values of all ok samples.
void print_output_summary(const characterize::CampaignFile& f) {
  bool header = false;
  for (const auto& fld : f.schema.fields) {
    if (fld.role != "output" || !fld.reference.empty()) continue;
    const std::uint64_t at = f.schema.offset_of(fld.name), n = fld.size();
    std::vector<double> v;
    for (const auto& r : f.records) {
      if (r.status != characterize::SampleStatus::ok) continue;
      for (std::uint64_t k = 0; k < n; ++k)
        if (std::isfinite(r.values[at + k])) v.push_back(r.values[at + k]);
    }
    if (v.empty()) continue;
    if (!header) {
      fmt::print("\noutputs over all ok samples:\n{:>26}  {:>6}  {:>12}  {:>12}  {:>12}  {:>12}  {:>12}  unit\n", "field", "n",
                 "median", "mean", "std", "min", "max");
      header = true;
    }
    std::sort(v.begin(), v.end());
    const std::size_t m = v.size();
    const double median = m % 2 ? v[m / 2] : 0.5 * (v[m / 2 - 1] + v[m / 2]);
    double mean = 0.0, ss = 0.0;
    for (double x : v) mean += x / static_cast<double>(m);
    for (double x : v) ss += (x - mean) * (x - mean);
    const double sd = m > 1 ? std::sqrt(ss / static_cast<double>(m - 1)) : 0.0;
    fmt::print("{:>26}  {:>6}  {:>12.5g}  {:>12.5g}  {:>12.4g}  {:>12.5g}  {:>12.5g}  {}\n", fld.name, m, median, mean, sd,
               v.front(), v.back(), fld.unit);
  }
}
}  // namespace

Verb add_inspect_verb(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "inspect", "Summarize a campaign file (provenance, counts, failures, output statistics) or list a model or "
                 "inference file (groups, attributes, datasets)");
  auto o = std::make_shared<InspectOptions>();
  sub->add_option("file", o->path, "Campaign (xbar.campaign), model (xbar.model) or inference file (HDF5)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_flag("--json", o->json, "One JSON object on stdout instead of text");
  sub->add_flag("--all-columns", o->all_columns, "Statistics for every column, not only the first 8");
  sub->add_option("--failures", o->failures, "How many failures to list")->capture_default_str();
  sub->footer("Examples:\n  xbar inspect data/crossbar_small.h5\n  xbar inspect data/presets/tile64_xbar180.h5 --json");
  return {sub, [o] {
            if (!is_campaign_file(o->path)) {
              print_h5_tree(o->path, o->json);
              return 0;
            }
            const auto f = characterize::read_campaign_file(o->path);
            if (o->json) {
              print_campaign_json(o->path, f);
              return 0;
            }
            const auto& p = f.provenance;
            fmt::print("{}: {} campaign, layout {}\n", o->path, f.schema.kind, f.schema_version);
            fmt::print("  xbar {} (git {}), {}\n", p.xbar_version, p.git_hash, p.ngspice_version);
            fmt::print("  seed {}, started {}, finished {}\n", p.seed, p.start_time,
                       p.end_time.empty() ? "(not yet: a checkpoint of a running or stopped campaign)" : p.end_time);
            std::map<characterize::SampleStatus, std::uint64_t> counts;
            for (const auto& r : f.records) ++counts[r.status];
            fmt::print("  samples: {} total", f.records.size());
            for (const auto& [s, n] : counts) fmt::print(", {} {}", n, characterize::to_string(s));
            fmt::print("\n  fields:");
            for (const auto& fld : f.schema.fields) {
              std::string shape;
              for (auto d : fld.shape) shape += (shape.empty() ? "" : "x") + std::to_string(d);
              fmt::print(" {}{}", fld.name, shape.empty() ? "" : "[" + shape + "]");
            }
            fmt::print("\n");
            int listed = 0;
            for (const auto& r : f.records) {
              if (r.status == characterize::SampleStatus::ok || r.status == characterize::SampleStatus::not_run) continue;
              if (listed++ == 0) fmt::print("\nfailures:\n");
              if (listed > o->failures) {
                fmt::print("  ... (--failures N to list more)\n");
                break;
              }
              const auto nl = r.error.find('\n');
              fmt::print("  sample {} {}: {}{}\n", r.index, characterize::to_string(r.status), r.error.substr(0, nl),
                         nl == std::string::npos ? "" : " ...");
            }
            print_output_summary(f);
            for (const auto& fld : f.schema.fields)
              if (fld.role == "output" && !fld.reference.empty()) print_comparison(f, fld, o->all_columns);
            return 0;
          }};
}

}  // namespace xbar::tools
