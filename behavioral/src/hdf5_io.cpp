// HDF5 plumbing shared by the xbar.model/2 writers and readers (xbar/behavioral/hdf5_io.hpp).
#include "xbar/behavioral/hdf5_io.hpp"

#include "xbar/core/file_checksum.hpp"

#include <filesystem>

namespace xbar::behavioral::detail {

Hid Writer::group(hid_t parent, const std::string& name, const std::string& full) const {
  Hid g(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  if (!g.ok()) fail("group " + full, "cannot create");
  return g;
}

void Writer::attr(hid_t obj, const std::string& where, const char* name, hid_t file_type, hid_t mem_type,
                  const void* value) const {
  Hid space(H5Screate(H5S_SCALAR), H5Sclose);
  Hid a(H5Acreate2(obj, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!a.ok() || H5Awrite(a.get(), mem_type, value) < 0) fail("attribute " + where + "@" + name, "cannot write");
}

void Writer::str(hid_t obj, const std::string& where, const char* name, const std::string& v) const {
  if (core::hdf5::write_string_attr(obj, name, v) < 0) fail("attribute " + where + "@" + name, "cannot write");
}

namespace {
void write_dataset(const Writer& w, hid_t parent, const std::string& name, const std::string& full, int rank,
                   const hsize_t* dims, hid_t file_type, hid_t mem_type, const void* data, const char* unit) {
  hsize_t n = 1;
  for (int k = 0; k < rank; ++k) n *= dims[k];
  Hid space(H5Screate_simple(rank, dims, nullptr), H5Sclose);
  Hid d(H5Dcreate2(parent, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  if (!d.ok() || (n > 0 && H5Dwrite(d.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0))
    w.fail("dataset " + full, "cannot write");
  w.str(d.get(), full, "unit", unit);
}
}  // namespace

void Writer::vector(hid_t parent, const std::string& name, const std::string& full, const Eigen::VectorXd& v,
                    const char* unit) const {
  const hsize_t n = static_cast<hsize_t>(v.size());
  write_dataset(*this, parent, name, full, 1, &n, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, v.data(), unit);
}

void Writer::int_vector(hid_t parent, const std::string& name, const std::string& full,
                        const std::vector<long long>& v, const char* unit) const {
  const hsize_t n = v.size();
  write_dataset(*this, parent, name, full, 1, &n, H5T_STD_I64LE, H5T_NATIVE_LLONG, v.data(), unit);
}

void Writer::matrix(hid_t parent, const std::string& name, const std::string& full, const Eigen::MatrixXd& m,
                    const char* unit) const {
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = m;
  const hsize_t dims[2] = {static_cast<hsize_t>(m.rows()), static_cast<hsize_t>(m.cols())};
  write_dataset(*this, parent, name, full, 2, dims, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, rm.data(), unit);
}

using core::hdf5::path_exists;

Hid Reader::group(hid_t file, const std::string& full) const {
  if (!path_exists(file, full))
    fail("group " + full, "missing (is this an xbar.model/1 file written by a matching xbar?)");
  Hid g(H5Gopen2(file, full.c_str(), H5P_DEFAULT), H5Gclose);
  if (!g.ok()) fail("group " + full, "cannot open");
  return g;
}

Hid Reader::open_attr(hid_t obj, const std::string& where, const char* name) const {
  if (H5Aexists(obj, name) <= 0) fail("attribute " + where + "@" + name, "missing");
  Hid a(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  if (!a.ok()) fail("attribute " + where + "@" + name, "cannot open");
  return a;
}

void Reader::numeric(hid_t obj, const std::string& where, const char* name, hid_t mem_type, void* out) const {
  Hid a = open_attr(obj, where, name);
  Hid type(H5Aget_type(a.get()), H5Tclose);
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_FLOAT && cls != H5T_INTEGER) fail("attribute " + where + "@" + name, "not a number");
  if (H5Aread(a.get(), mem_type, out) < 0) fail("attribute " + where + "@" + name, "cannot read");
}

std::string Reader::str(hid_t obj, const std::string& where, const char* name) const {
  Hid a = open_attr(obj, where, name);
  Hid type(H5Aget_type(a.get()), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_STRING) fail("attribute " + where + "@" + name, "not a string");
  std::string s;
  if (core::hdf5::read_string_attr(obj, name, &s) < 0) fail("attribute " + where + "@" + name, "cannot read");
  return s;
}

Hid Reader::dataset(hid_t file, const std::string& full, int rank, std::vector<hsize_t>* dims) const {
  if (!path_exists(file, full)) fail("dataset " + full, "missing");
  Hid d(H5Dopen2(file, full.c_str(), H5P_DEFAULT), H5Dclose);
  if (!d.ok()) fail("dataset " + full, "cannot open");
  Hid space(H5Dget_space(d.get()), H5Sclose);
  const int got = H5Sget_simple_extent_ndims(space.get());
  if (got != rank)
    fail("dataset " + full, "has " + std::to_string(got) + " dimensions, expected " + std::to_string(rank));
  dims->assign(static_cast<std::size_t>(rank), 0);
  H5Sget_simple_extent_dims(space.get(), dims->data(), nullptr);
  return d;
}

Eigen::VectorXd Reader::vector(hid_t file, const std::string& full) const {
  std::vector<hsize_t> dims;
  Hid d = dataset(file, full, 1, &dims);
  Eigen::VectorXd v(static_cast<Eigen::Index>(dims[0]));
  if (dims[0] > 0 && H5Dread(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
    fail("dataset " + full, "cannot read");
  return v;
}

std::vector<long long> Reader::int_vector(hid_t file, const std::string& full) const {
  std::vector<hsize_t> dims;
  Hid d = dataset(file, full, 1, &dims);
  std::vector<long long> v(dims[0]);
  if (dims[0] > 0 && H5Dread(d.get(), H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
    fail("dataset " + full, "cannot read");
  return v;
}

Eigen::MatrixXd Reader::matrix(hid_t file, const std::string& full) const {
  std::vector<hsize_t> dims;
  Hid d = dataset(file, full, 2, &dims);
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> m(static_cast<Eigen::Index>(dims[0]),
                                                                           static_cast<Eigen::Index>(dims[1]));
  if (m.size() > 0 && H5Dread(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, m.data()) < 0)
    fail("dataset " + full, "cannot read");
  return m;
}

void write_model_file_atomically(const std::string& path, const std::function<void(const Writer&, hid_t)>& write) {
  QuietHdf5 quiet;
  const std::string tmp = path + ".tmp";
  Writer w(path);
  // HDF5 builds the file in memory (core driver, no backing store) and xbar writes the bytes:
  // HDF5 never touches the disk, so a full disk cannot leave it with a half-closed file (which
  // crashed the process at exit); the write error is a plain ModelFileError.
  std::string image;
  {
    Hid fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_LATEST);
    H5Pset_fapl_core(fapl.get(), 1 << 20, 0);
    Hid fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
    H5Pset_attr_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    Hid file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), H5Fclose);
    if (!file.ok()) throw ModelFileError(tmp + ": cannot create in memory");
    write(w, file.get());
    if (auto why = core::hdf5::file_image(file.get(), &image)) throw ModelFileError(tmp + ": " + *why);
  }
  // A whole-file checksum (core/file_checksum.hpp), checked by open_model_file before HDF5
  // parses the file.
  image += core::checksum_trailer(image);
  if (auto why = core::write_file_durably(tmp, image)) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw ModelFileError(*why);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw ModelFileError(path + ": cannot rename " + tmp + " over it: " + ec.message());
  }
}

Hid open_model_file(const std::string& path, const std::string& expected_kind) {
  if (!std::filesystem::exists(path)) throw ModelFileError(path + ": no such file");
  if (auto why = core::verify_file_checksum(path)) throw ModelFileError(*why);  // before HDF5 parses it
  if (H5Fis_hdf5(path.c_str()) <= 0) throw ModelFileError(path + ": not an HDF5 file (expected an xbar.model/1 file)");
  Hid file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.ok()) throw ModelFileError(path + ": cannot open as HDF5");
  Reader r(path);
  const hid_t f = file.get();
  if (H5Aexists(f, "schema") <= 0)
    throw ModelFileError(path + ": attribute /@schema: missing (not an xbar model file)");
  const std::string schema = r.str(f, "/", "schema");
  if (schema.rfind("xbar.campaign/", 0) == 0)
    throw ModelFileError(path + ": is a campaign file (" + schema + "), not a model file; fit one with `xbar fit " +
                         path + " -o model.h5`");
  if (!is_model_schema(schema))
    throw ModelFileError(path + ": attribute /@schema = '" + schema + "': expected '" + kModelSchema +
                         "' (or xbar.model/1; was it written by a newer xbar?)");
  const std::string kind = r.str(f, "/", "kind");
  if (!expected_kind.empty() && kind != expected_kind)
    throw ModelFileError(path + ": attribute /@kind = '" + kind + "': expected kind '" + expected_kind +
                         "' (this file holds a model of kind '" + kind + "')");
  return file;
}

}  // namespace xbar::behavioral::detail
