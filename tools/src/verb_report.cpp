// xbar report file.h5 [-o folder]: a folder of PNG plots with a markdown index (index.md) for any file
// xbar writes: campaign (xbar.campaign/1, /2), model (xbar.model/1, /2), inference (xbar.inference/1,
// /2) and sweep (xbar.sweep/1) files. The builders are in report_*.cpp (report_kinds.hpp).
#include <fmt/format.h>

#include <filesystem>
#include <memory>

#include "report_kinds.hpp"
#include "verbs.hpp"
#include "xbar/behavioral/hdf5_io.hpp"
#include "xbar/behavioral/model_file.hpp"
#include "xbar/core/error.hpp"
#include "xbar/core/file_checksum.hpp"

namespace xbar::tools {

namespace fs = std::filesystem;

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
            const std::string stem = fs::path(o->input).stem().string();
            const std::string dir = o->output.empty() ? stem + "_report" : o->output;
            // A damaged file is refused here, before anything parses it (the readers check again).
            if (auto why = core::verify_file_checksum(o->input)) throw Error(*why);
            const std::string schema = behavioral::hdf5_schema_of(o->input);
            using Builder = std::string (*)(const std::string&, report::ReportFolder&);
            Builder build = nullptr;
            if (schema == "xbar.campaign/1" || schema == "xbar.campaign/2") build = report_campaign;
            if (behavioral::detail::is_model_schema(schema)) build = report_model;
            if (schema == "xbar.inference/1" || schema == "xbar.inference/2") build = report_inference;
            if (schema == "xbar.sweep/1") build = report_sweep;
            if (!build) {
              throw Error(fmt::format("{}: {}: xbar report covers campaign (xbar.campaign/1, /2), model (xbar.model/1, "
                                      "/2), inference (xbar.inference/1, /2) and sweep (xbar.sweep/1) files",
                                      o->input,
                                      schema.empty() ? std::string("not an xbar file (no HDF5 root attribute 'schema')")
                                                     : fmt::format("schema '{}' is not known to this xbar", schema)));
            }
            report::ReportFolder folder(dir, stem, fs::path(o->input).filename().string());
            const std::string title = build(o->input, folder);
            const std::string index = folder.write_index(title);
            fmt::print("{}\nwrote {} and {} plots in {}\n", folder.markdown(title), index, folder.plots().size(), dir);
            return 0;
          }};
}

}  // namespace xbar::tools
