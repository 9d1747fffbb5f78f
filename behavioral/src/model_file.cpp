// The HDF5 model file "xbar.model/2" of kind "crossbar" (data/MODEL_SCHEMA.md). Its fields are
// listed once in model_file_fields.hpp (crossbar_model_fields); the writing and reading Io are
// in model_file_io.hpp, the HDF5 plumbing in xbar/behavioral/hdf5_io.hpp.
#include "xbar/behavioral/model_file.hpp"

#include <hdf5.h>

#include <cmath>
#include <filesystem>
#include <vector>

#include "model_file_io.hpp"
#include "xbar/behavioral/error.hpp"
#include "xbar/behavioral/hdf5_io.hpp"
#include "xbar/behavioral/model_file_error.hpp"

namespace xbar::behavioral {

namespace {

using detail::Hid;
using detail::QuietHdf5;
using detail::Reader;

const auto kFields = [](auto& io, auto& m) { detail::crossbar_model_fields(io, m); };

}  // namespace

void write_crossbar_model_file(const std::string& path, const CrossbarModelFile& model) {
  model.nominal.validate();
  if (model.nominal.r_source_ohm.size() != 0 && model.nominal.r_source_ohm.size() != model.nominal.rows)
    throw ValidationError({"crossbar_model.r_source_ohm has " + std::to_string(model.nominal.r_source_ohm.size()) +
                           " entries: must be empty or one per row (" + std::to_string(model.nominal.rows) + ")"});
  detail::write_model(path, "crossbar", model, kFields);
}

std::string hdf5_schema_of(const std::string& path) {
  QuietHdf5 quiet;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec) || H5Fis_hdf5(path.c_str()) <= 0) return "";
  Hid file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.ok() || H5Aexists(file.get(), "schema") <= 0) return "";
  try {
    return Reader(path).str(file.get(), "/", "schema");
  } catch (const ModelFileError&) {
    return "";
  }
}

CrossbarModelFile read_crossbar_model_file(const std::string& path) {
  CrossbarModelFile m = detail::read_model<CrossbarModelFile>(path, "crossbar", kFields);
  try {
    m.nominal.validate();
  } catch (const ValidationError& e) {
    throw ModelFileError(path + ": group /nominal: invalid parameters:\n" + e.what());
  }
  return m;
}

}  // namespace xbar::behavioral
