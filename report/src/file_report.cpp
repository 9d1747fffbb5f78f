// report_file(): picks the builder by the file's schema attribute (file_report_kinds.hpp).
#include "xbar/report/file_report.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "file_report_kinds.hpp"
#include "xbar/behavioral/hdf5_io.hpp"
#include "xbar/behavioral/model_file.hpp"
#include "xbar/core/file_checksum.hpp"
#include "xbar/report/report_error.hpp"

namespace xbar::report {

namespace fs = std::filesystem;

FileReport report_file(const std::string& path, const std::string& folder) {
  // A damaged file is refused here, before anything parses it (the readers check again).
  if (auto why = core::verify_file_checksum(path)) throw ReportError(*why);
  const std::string schema = behavioral::hdf5_schema_of(path);
  using Builder = std::string (*)(const std::string&, ReportFolder&);
  Builder build = nullptr;
  if (schema == "xbar.campaign/1" || schema == "xbar.campaign/2") build = report_campaign;
  if (behavioral::detail::is_model_schema(schema)) build = report_model;
  if (schema == "xbar.inference/1" || schema == "xbar.inference/2") build = report_inference;
  if (schema == "xbar.sweep/1") build = report_sweep;
  if (!build) {
    throw ReportError(fmt::format("{}: {}: xbar report covers campaign (xbar.campaign/1, /2), model (xbar.model/1, "
                                  "/2), inference (xbar.inference/1, /2) and sweep (xbar.sweep/1) files",
                                  path,
                                  schema.empty() ? std::string("not an xbar file (no HDF5 root attribute 'schema')")
                                                 : fmt::format("schema '{}' is not known to this xbar", schema)));
  }
  const std::string stem = fs::path(path).stem().string();
  ReportFolder out(folder.empty() ? stem + "_report" : folder, stem, fs::path(path).filename().string());
  FileReport r;
  r.title = build(path, out);
  r.index = out.write_index(r.title);
  r.markdown = out.markdown(r.title);
  r.plots = out.plots().size();
  return r;
}

}  // namespace xbar::report
