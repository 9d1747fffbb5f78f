// xbar inspect campaign.h5 [--all-columns] [--failures N]
#include <fmt/format.h>

#include <cmath>
#include <map>
#include <memory>

#include "campaign_stats.hpp"
#include "verbs.hpp"
#include "xbar/characterize/campaign_file.hpp"

namespace xbar::tools {

namespace {
struct InspectOptions {
  std::string path;
  bool all_columns = false;
  int failures = 10;
};

void print_stats_row(const std::string& label, const ErrorStats& s) {
  fmt::print("{:>8}  {:>13.5e}  {:>13.5e}  {:>13.5e}  {:>13.5e}  {:>13.5e}  {:>10.3e}\n", label, s.mean_out(),
             s.mean_ref(), s.mean_err(), s.std_err(), s.max_abs, s.rel_rms());
}

void print_comparison(const characterize::CampaignFile& f, const characterize::FieldSpec& out, bool all_columns) {
  const auto c = compare_field(f, out);
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
}  // namespace

Verb add_inspect_verb(CLI::App& app) {
  auto* sub = app.add_subcommand("inspect", "Summarize a campaign file: provenance, counts, failures, output statistics");
  auto o = std::make_shared<InspectOptions>();
  sub->add_option("file", o->path, "Campaign file (HDF5, xbar.campaign/1)")->required()->check(CLI::ExistingFile);
  sub->add_flag("--all-columns", o->all_columns, "Statistics for every column, not only the first 8");
  sub->add_option("--failures", o->failures, "How many failures to list")->capture_default_str();
  sub->footer("Example:\n  xbar inspect crossbar_small.h5");
  return {sub, [o] {
            const auto f = characterize::read_campaign_file(o->path);
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
            for (const auto& fld : f.schema.fields)
              if (fld.role == "output" && !fld.reference.empty()) print_comparison(f, fld, o->all_columns);
            return 0;
          }};
}

}  // namespace xbar::tools
