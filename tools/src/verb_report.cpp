// xbar report file.h5 [-o folder]: a folder of PNG plots with a markdown index (index.md) for any file
// xbar writes: campaign (xbar.campaign/1, /2), model (xbar.model/1, /2), inference (xbar.inference/1,
// /2) and sweep (xbar.sweep/1) files. Everything is report::report_file (report/file_report.hpp).
#include <fmt/format.h>

#include <filesystem>
#include <memory>

#include "verbs.hpp"
#include "xbar/report/file_report.hpp"

namespace xbar::tools {

namespace {

struct ReportOptions {
  std::string input;
  std::string output;
};

}  // namespace

Verb add_report_verb(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "report", "Plots (PNG) with a markdown index for a campaign, model, inference or sweep file");
  auto o = std::make_shared<ReportOptions>();
  sub->add_option("file", o->input,
                  "xbar.campaign/1|2, xbar.model/1|2 (crossbar, tia, adc, tile), xbar.inference/1|2 or xbar.sweep/1 file")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("-o,--output", o->output,
                  "Folder to write, created if missing (default: <file stem>_report); files are named <file stem>_*.png");
  sub->footer("Examples (from the repository root):\n  xbar report data/presets/tile64_xbar180.h5 -o reports\n"
              "  xbar characterize data/crossbar_small.toml -o runs/crossbar_small.h5 && xbar report "
              "runs/crossbar_small.h5 -o reports");
  return {sub, [o] {
            const report::FileReport r = report::report_file(o->input, o->output);
            fmt::print("{}\nwrote {} and {} plots in {}\n", r.markdown, r.index, r.plots,
                       std::filesystem::path(r.index).parent_path().string());
            return 0;
          }};
}

}  // namespace xbar::tools
