// `xbar report` of an inference file (xbar.inference/1 or /2): accuracy per chip against the digital
// and nominal accuracy, and the nominal chip's confusion matrix (what the report showed before the
// other kinds were added). The file's CRC trailer is checked before HDF5 parses it; the Reader
// checks each object's type and shape.
#include <fmt/format.h>
#include <hdf5.h>

#include <filesystem>

#include "file_report_kinds.hpp"
#include "xbar/behavioral/hdf5_io.hpp"
#include "xbar/behavioral/model_file_error.hpp"
#include "xbar/core/file_checksum.hpp"

namespace xbar::report {

namespace fs = std::filesystem;

std::string report_inference(const std::string& path, report::ReportFolder& out) {
  if (auto why = core::verify_file_checksum(path)) throw behavioral::ModelFileError(*why);
  behavioral::detail::QuietHdf5 quiet;
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) throw behavioral::ModelFileError(path + ": cannot open as HDF5");
  behavioral::detail::Hid file(f, H5Fclose);
  behavioral::detail::Reader r(path);
  const auto res = r.group(f, "/results");
  const auto set = r.group(f, "/settings");
  const double digital = r.f64(res.get(), "/results", "digital_accuracy");
  const double nominal = r.f64(res.get(), "/results", "nominal_accuracy");
  const double mean = r.f64(res.get(), "/results", "mean_accuracy");
  const double lo = r.f64(res.get(), "/results", "mean_accuracy_ci95_low");
  const double hi = r.f64(res.get(), "/results", "mean_accuracy_ci95_high");
  const Eigen::VectorXd chips = r.vector(f, "/results/chip_accuracy");
  const std::string net = r.str(set.get(), "/settings", "network_path");
  const std::string tile = r.str(set.get(), "/settings", "tile_path");
  const long long images = r.i64(set.get(), "/settings", "images");
  const Eigen::MatrixXd conf = r.matrix(f, "/nominal/confusion");
  const std::string name = fs::path(path).filename().string();

  out.number("digital (libtorch)", fmt::format("{:.2f}", 100 * digital), "%");
  out.number("nominal chip", fmt::format("{:.2f}", 100 * nominal), "%");
  if (chips.size() > 0)
    out.number(fmt::format("mean of {} chips [95 % CI]", chips.size()),
               fmt::format("{:.2f} [{:.2f}, {:.2f}]", 100 * mean, 100 * lo, 100 * hi), "%");
  out.section("Accuracy per chip");
  report::Series s{"chips", {}, {}, "linespoints"};
  for (Eigen::Index k = 0; k < chips.size(); ++k) {
    s.x.push_back(static_cast<double>(k));
    s.y.push_back(100 * chips[k]);
  }
  out.text(fmt::format("Guides: digital {:.2f} % and nominal chip {:.2f} %.", 100 * digital, 100 * nominal));
  out.lines("chip_accuracy", "test accuracy per chip", "chip", "accuracy [%]", {s}, {}, {100 * digital, 100 * nominal});
  out.section("Nominal chip");
  out.heatmap("nominal_confusion", "confusion matrix of the nominal chip (images)", "predicted class", "true class",
              "images", conf, false);
  return fmt::format("Report: {} (inference of {} on {}, {} test images)", name, net, tile, images);
}

}  // namespace xbar::report
