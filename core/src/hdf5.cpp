// HDF5 plumbing shared by every xbar file format (xbar/core/hdf5.hpp).
#include "xbar/core/hdf5.hpp"

#include <algorithm>
#include <cstring>

#include "xbar/core/file_checksum.hpp"

namespace xbar::core::hdf5 {

namespace {

herr_t collect_error(unsigned /*n*/, const H5E_error2_t* err, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(err->desc ? err->desc : "");
  return 0;
}

/// Frees the strings HDF5 allocated for a variable-length read.
struct VlenStrings {
  std::vector<char*> ptrs;
  ~VlenStrings() {
    for (char* p : ptrs)
      if (p) H5free_memory(p);
  }
};

/// Reads `n` strings of `file_type` through `read(mem_type, buffer)`.
template <class Read>
herr_t read_strings(hid_t file_type, std::size_t n, Read read, std::vector<std::string>* out) {
  out->clear();
  if (H5Tget_class(file_type) != H5T_STRING) return -1;
  const htri_t variable = H5Tis_variable_str(file_type);
  if (variable < 0) return -1;
  if (variable > 0) {
    Hid mem(H5Tcopy(H5T_C_S1), H5Tclose);
    if (!mem.ok() || H5Tset_size(mem, H5T_VARIABLE) < 0 || H5Tset_cset(mem, H5Tget_cset(file_type)) < 0) return -1;
    VlenStrings buf{std::vector<char*>(n, nullptr)};
    if (n > 0 && read(mem.get(), static_cast<void*>(buf.ptrs.data())) < 0) return -1;
    for (const char* p : buf.ptrs) out->emplace_back(p ? p : "");
    return 0;
  }
  const std::size_t width = H5Tget_size(file_type);
  if (width == 0) return -1;
  Hid mem(H5Tcopy(file_type), H5Tclose);
  if (!mem.ok()) return -1;
  std::string buf(n * width, '\0');
  if (n > 0 && read(mem.get(), static_cast<void*>(buf.data())) < 0) return -1;
  const bool space_pad = H5Tget_strpad(file_type) == H5T_STR_SPACEPAD;
  for (std::size_t i = 0; i < n; ++i) {
    std::string s = buf.substr(i * width, width);
    s.resize(std::strlen(s.c_str()));
    if (space_pad) s.erase(s.find_last_not_of(' ') + 1);
    out->push_back(std::move(s));
  }
  return 0;
}

}  // namespace

std::string hdf5_reason() {
  std::vector<std::string> descs;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_error, &descs);
  if (descs.empty()) return "unknown HDF5 error";
  std::string reason = descs.front();
  if (descs.size() > 1 && descs.back() != descs.front()) reason += ": " + descs.back();
  std::replace(reason.begin(), reason.end(), '\n', ' ');
  return reason;
}

bool path_exists(hid_t file, const std::string& full) {
  std::size_t pos = 0;
  while ((pos = full.find('/', pos + 1)) != std::string::npos)
    if (H5Lexists(file, full.substr(0, pos).c_str(), H5P_DEFAULT) <= 0) return false;
  return H5Lexists(file, full.c_str(), H5P_DEFAULT) > 0;
}

Hid fixed_string_type(std::size_t bytes) {
  Hid type(H5Tcopy(H5T_C_S1), H5Tclose);
  if (!type.ok()) return type;
  if (H5Tset_size(type, std::max<std::size_t>(1, bytes)) < 0 || H5Tset_strpad(type, H5T_STR_NULLPAD) < 0 ||
      H5Tset_cset(type, H5T_CSET_UTF8) < 0)
    return Hid();
  return type;
}

herr_t write_string_attr(hid_t obj, const char* name, const std::string& value) {
  Hid type = fixed_string_type(value.size());
  Hid space(H5Screate(H5S_SCALAR), H5Sclose);
  if (!type.ok() || !space.ok()) return -1;
  Hid attr(H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!attr.ok()) return -1;
  // The buffer must hold the type's full width: an empty text still writes one null byte.
  std::string buf = value;
  buf.resize(std::max<std::size_t>(1, value.size()), '\0');
  return H5Awrite(attr, type, buf.data());
}

herr_t read_string_attr(hid_t obj, const char* name, std::string* out) {
  if (H5Aexists(obj, name) <= 0) return -1;
  Hid attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  if (!attr.ok()) return -1;
  Hid type(H5Aget_type(attr), H5Tclose);
  Hid space(H5Aget_space(attr), H5Sclose);
  if (!type.ok() || !space.ok() || H5Sget_simple_extent_npoints(space) != 1) return -1;
  std::vector<std::string> v;
  const hid_t a = attr.get();
  if (read_strings(type, 1, [a](hid_t mem, void* buf) { return H5Aread(a, mem, buf); }, &v) < 0) return -1;
  *out = std::move(v.front());
  return 0;
}

herr_t read_string_dataset(hid_t dset, std::vector<std::string>* out) {
  Hid type(H5Dget_type(dset), H5Tclose);
  Hid space(H5Dget_space(dset), H5Sclose);
  if (!type.ok() || !space.ok()) return -1;
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  if (n < 0) return -1;
  return read_strings(
      type, static_cast<std::size_t>(n),
      [dset](hid_t mem, void* buf) { return H5Dread(dset, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf); }, out);
}

std::optional<std::string> file_image(hid_t file, std::string* image) {
  if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0) return "cannot flush the in-memory file: " + hdf5_reason();
  const ssize_t size = H5Fget_file_image(file, nullptr, 0);
  if (size <= 0) return "cannot get the file image: " + hdf5_reason();
  image->assign(static_cast<std::size_t>(size), '\0');
  if (H5Fget_file_image(file, image->data(), image->size()) != size)
    return "cannot get the file image: " + hdf5_reason();
  return fix_hdf5_superblock_checksum(*image);
}

}  // namespace xbar::core::hdf5
