// Campaign records (byte encoding) and the HDF5 campaign file "xbar.campaign/2".
//
// Every HDF5 identifier is owned by an Hid, so nothing leaks when a call fails and we throw.
// HDF5's automatic error printing is switched off while we work (and restored afterwards);
// failures become FileError messages naming the file, the object and HDF5's own reason.
#include "xbar/characterize/campaign_file.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <fmt/format.h>
#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>
#include <limits>
#include <set>
#include <utility>

#include "xbar/characterize/campaign_spec.hpp"
#include "xbar/characterize/circuit_kind.hpp"
#include "xbar/characterize/error.hpp"
#include "xbar/core/file_checksum.hpp"
#include "xbar/core/hdf5.hpp"

namespace xbar::characterize {

namespace {

// Version 2 stores every string fixed-length (no HDF5 global heap); version 1 files, whose
// strings are variable-length, are still read.
constexpr const char* kSchemaVersion = "xbar.campaign/2";
bool readable_schema(const std::string& v) { return v == "xbar.campaign/1" || v == kSchemaVersion; }

bool is_valid_status(int code) { return code >= -1 && code <= 3; }

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

std::vector<std::string> field_names(const CampaignSchema& schema) {
  std::vector<std::string> names;
  for (const FieldSpec& f : schema.fields) names.push_back(f.name);
  return names;
}

}  // namespace

// ---- schema -------------------------------------------------------------------------------

const char* to_string(SampleStatus s) {
  switch (s) {
    case SampleStatus::not_run:
      return "not_run";
    case SampleStatus::ok:
      return "ok";
    case SampleStatus::spice_error:
      return "spice_error";
    case SampleStatus::crashed:
      return "crashed";
    case SampleStatus::timeout:
      return "timeout";
  }
  return "unknown";
}

std::uint64_t FieldSpec::size() const {
  std::uint64_t n = 1;
  for (std::uint64_t d : shape) n *= d;
  return n;
}

std::uint64_t CampaignSchema::values_per_sample() const {
  std::uint64_t n = 0;
  for (const FieldSpec& f : fields) n += f.size();
  return n;
}

std::uint64_t CampaignSchema::offset_of(const std::string& name) const {
  std::uint64_t offset = 0;
  for (const FieldSpec& f : fields) {
    if (f.name == name) return offset;
    offset += f.size();
  }
  return field(name).size();  // throws
}

const FieldSpec& CampaignSchema::field(const std::string& name) const {
  for (const FieldSpec& f : fields)
    if (f.name == name) return f;
  throw FileError(fmt::format("{}campaign schema '{}' has no field '{}' (fields: {}){}",
                              source.empty() ? "" : source + ": ", kind, name, join(field_names(*this), ", "),
                              source.empty() ? "" : fmt::format("; dataset /samples/{} is missing", name)));
}

// ---- record bytes ---------------------------------------------------------------------------

namespace {

/// Appends little-endian values to a byte string.
class ByteWriter {
 public:
  explicit ByteWriter(std::size_t reserve) { out_.reserve(reserve); }
  void uint(std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xffu));
  }
  void f64(double v) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    uint(bits, 8);
  }
  void bytes(const std::string& s) { out_ += s; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

/// Reads little-endian values, throwing Error on truncation.
class ByteReader {
 public:
  ByteReader(const char* data, std::size_t size) : data_(data), size_(size) {}
  std::uint64_t uint(int bytes, const char* what) {
    need(static_cast<std::size_t>(bytes), what);
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= std::uint64_t{static_cast<unsigned char>(data_[pos_ + i])} << (8 * i);
    pos_ += static_cast<std::size_t>(bytes);
    return v;
  }
  double f64(const char* what) {
    const std::uint64_t bits = uint(8, what);
    double v = 0.0;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  std::string bytes(std::size_t n, const char* what) {
    need(n, what);
    std::string s(data_ + pos_, n);
    pos_ += n;
    return s;
  }
  std::size_t left() const { return size_ - pos_; }
  void need(std::size_t n, const char* what) const {
    if (left() < n)
      throw Error(fmt::format("campaign record truncated: {} needs {} bytes at offset {}, but the record has {} bytes",
                              what, n, pos_, size_));
  }
  void finish() const {
    if (left() != 0)
      throw Error(fmt::format("campaign record inconsistent: {} unexpected bytes after the values (record of {} bytes)",
                              left(), size_));
  }

 private:
  const char* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string encode_record(const SampleRecord& record) {
  if (record.error.size() > std::numeric_limits<std::uint32_t>::max())
    throw Error(
        fmt::format("sample {}: error message of {} bytes is too long to encode", record.index, record.error.size()));
  ByteWriter w(8 + 1 + 8 + 4 + record.error.size() + 8 + 8 * record.values.size());
  w.uint(record.index, 8);
  w.uint(static_cast<std::uint8_t>(record.status), 1);
  w.f64(record.seconds);
  w.uint(record.error.size(), 4);
  w.bytes(record.error);
  w.uint(record.values.size(), 8);
  for (double v : record.values) w.f64(v);
  return w.take();
}

SampleRecord decode_record(const char* data, std::size_t size) {
  ByteReader r(data, size);
  SampleRecord rec;
  rec.index = r.uint(8, "the sample index");
  const int status = static_cast<std::int8_t>(static_cast<std::uint8_t>(r.uint(1, "the status")));
  if (!is_valid_status(status))
    throw Error(fmt::format("campaign record inconsistent: sample {} has unknown status code {}", rec.index, status));
  rec.status = static_cast<SampleStatus>(status);
  rec.seconds = r.f64("the wall time");
  const std::size_t error_bytes = r.uint(4, "the error length");
  rec.error = r.bytes(error_bytes, "the error message");
  const std::uint64_t count = r.uint(8, "the value count");
  if (count > r.left() / 8)
    throw Error(fmt::format("campaign record truncated: {} values need {} bytes, but only {} are left", count,
                            count * 8, r.left()));
  rec.values.resize(count);
  for (double& v : rec.values) v = r.f64("a value");
  r.finish();
  return rec;
}

// ---- HDF5 helpers ---------------------------------------------------------------------------

namespace {

using core::hdf5::hdf5_reason;
using core::hdf5::Hid;
using core::hdf5::QuietHdf5;

/// Throws FileError "<path>: cannot <what>: <HDF5's reason>" when an HDF5 call failed.
hid_t check(hid_t result, const std::string& path, const std::string& what) {
  if (result < 0) throw FileError(fmt::format("{}: cannot {}: {}", path, what, hdf5_reason()));
  return result;
}

Hid make(hid_t id, Hid::Closer closer, const std::string& path, const std::string& what) {
  return Hid(check(id, path, what), closer);
}

Hid scalar_space(const std::string& path) { return make(H5Screate(H5S_SCALAR), H5Sclose, path, "create a dataspace"); }

// ---- writing --------------------------------------------------------------------------------

/// A fixed-length UTF-8 string attribute (core/hdf5.hpp; h5py reads it as bytes).
void write_string_attr(hid_t obj, const std::string& obj_name, const std::string& name, const std::string& value,
                       const std::string& path) {
  check(core::hdf5::write_string_attr(obj, name.c_str(), value), path,
        fmt::format("write attribute '{}' of {}", name, obj_name));
}

void write_u64_attr(hid_t obj, const std::string& name, std::uint64_t value, const std::string& path) {
  const std::string what = fmt::format("write attribute '{}' of /", name);
  Hid space = scalar_space(path);
  Hid attr = make(H5Acreate2(obj, name.c_str(), H5T_STD_U64LE, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, path, what);
  check(H5Awrite(attr, H5T_NATIVE_UINT64, &value), path, what);
}

// Chunks hold whole samples: about kChunkTargetBytes each, at least 1 sample and at most S.
constexpr std::uint64_t kChunkTargetBytes = 256 * 1024;

hsize_t chunk_samples(std::uint64_t samples, std::uint64_t bytes_per_sample) {
  const std::uint64_t n = kChunkTargetBytes / std::max<std::uint64_t>(1, bytes_per_sample);
  return std::max<std::uint64_t>(1, std::min(n, samples));
}

/// A dataset [S, shape...] chunked along S (unlimited there, so S = 0 works), shuffle + deflate 4.
/// `fill` (of `fill_type`), if given, is what rows never written read as.
Hid create_dataset(hid_t group, const std::string& full_name, hid_t file_type, std::vector<hsize_t> dims,
                   const std::string& path, hid_t fill_type = -1, const void* fill = nullptr) {
  const std::string what = "create dataset " + full_name;
  std::vector<hsize_t> max_dims = dims;
  max_dims[0] = H5S_UNLIMITED;
  std::vector<hsize_t> chunk = dims;
  std::uint64_t per_sample = H5Tget_size(file_type);
  for (std::size_t i = 1; i < dims.size(); ++i) per_sample *= dims[i];
  chunk[0] = chunk_samples(dims[0], per_sample);
  const int rank = static_cast<int>(dims.size());
  Hid space = make(H5Screate_simple(rank, dims.data(), max_dims.data()), H5Sclose, path, what);
  Hid dcpl = make(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, path, what);
  check(H5Pset_chunk(dcpl, rank, chunk.data()), path, what);
  check(H5Pset_shuffle(dcpl), path, what);
  check(H5Pset_deflate(dcpl, 4), path, what);
  // A checksum per chunk, so corrupt data is an error rather than wrong values.
  check(H5Pset_fletcher32(dcpl), path, what);
  if (fill) check(H5Pset_fill_value(dcpl, fill_type, fill), path, what);
  const std::string name = full_name.substr(full_name.rfind('/') + 1);
  return make(H5Dcreate2(group, name.c_str(), file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose, path, what);
}

void write_all(hid_t dset, hid_t mem_type, std::uint64_t samples, const void* data, const std::string& full_name,
               const std::string& path) {
  if (samples == 0) return;  // nothing to write into an empty dataset
  check(H5Dwrite(dset, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), path, "write dataset " + full_name);
}

void write_status(hid_t samples, const std::vector<SampleRecord>& records, const std::string& path) {
  std::vector<std::int8_t> codes;
  for (const SampleRecord& r : records) codes.push_back(static_cast<std::int8_t>(r.status));
  Hid dset = create_dataset(samples, "/samples/status", H5T_STD_I8LE, {records.size()}, path);
  write_all(dset, H5T_NATIVE_INT8, records.size(), codes.data(), "/samples/status", path);
}

/// /samples/error as fixed-length strings as wide as the longest message (at least 1 byte).
void write_errors(hid_t samples, const std::vector<SampleRecord>& records, const std::string& path) {
  std::size_t width = 1;
  for (const SampleRecord& r : records) width = std::max(width, r.error.size());
  std::string texts(records.size() * width, '\0');
  for (std::size_t i = 0; i < records.size(); ++i) records[i].error.copy(texts.data() + i * width, width);
  Hid type = core::hdf5::fixed_string_type(width);
  check(type.ok() ? 0 : -1, path, "create a string type");
  Hid dset = create_dataset(samples, "/samples/error", type, {records.size()}, path);
  write_all(dset, type, records.size(), texts.data(), "/samples/error", path);
}

/// One field's values for all samples, [S, size] row-major; NaN for records without values.
std::vector<double> field_values(const std::vector<SampleRecord>& records, std::uint64_t offset, std::uint64_t size) {
  std::vector<double> out(records.size() * size, std::numeric_limits<double>::quiet_NaN());
  for (std::size_t i = 0; i < records.size(); ++i) {
    const std::vector<double>& v = records[i].values;
    if (!v.empty()) std::copy_n(v.begin() + static_cast<std::ptrdiff_t>(offset), size, out.begin() + i * size);
  }
  return out;
}

void write_field(hid_t samples, const FieldSpec& field, std::uint64_t offset, const std::vector<SampleRecord>& records,
                 const std::string& path) {
  const std::string full_name = "/samples/" + field.name;
  std::vector<hsize_t> dims{records.size()};
  dims.insert(dims.end(), field.shape.begin(), field.shape.end());
  Hid dset = create_dataset(samples, full_name, H5T_IEEE_F64LE, dims, path);
  const std::vector<double> values = field_values(records, offset, field.size());
  write_all(dset, H5T_NATIVE_DOUBLE, records.size(), values.data(), full_name, path);
  write_string_attr(dset, full_name, "unit", field.unit, path);
  write_string_attr(dset, full_name, "doc", field.doc, path);
  write_string_attr(dset, full_name, "role", field.role, path);
  write_string_attr(dset, full_name, "reference", field.reference, path);
}

void write_timing(hid_t file, const std::vector<SampleRecord>& records, const std::string& path) {
  Hid timing =
      make(H5Gcreate2(file, "timing", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose, path, "create group /timing");
  std::vector<double> seconds;
  for (const SampleRecord& r : records) seconds.push_back(r.seconds);
  Hid dset = create_dataset(timing, "/timing/sample_seconds", H5T_IEEE_F64LE, {records.size()}, path);
  write_all(dset, H5T_NATIVE_DOUBLE, records.size(), seconds.data(), "/timing/sample_seconds", path);
}

/// Root attributes written by xbar itself; `extra` may not reuse these names.
const std::set<std::string>& reserved_root_attrs() {
  static const std::set<std::string> names{
      "schema",   "kind", "xbar_version",  "git_hash",   "ngspice_version", "spec_text",       "start_time",
      "end_time", "seed", "total_samples", "ok_samples", "failed_samples",  "not_run_samples", "fields"};
  return names;
}

SampleCounts count_records(const std::vector<SampleRecord>& records) {
  SampleCounts c;
  for (const SampleRecord& r : records) {
    c.ok += r.status == SampleStatus::ok;
    c.not_run += r.status == SampleStatus::not_run;
  }
  c.failed = records.size() - c.ok - c.not_run;
  return c;
}

void write_root_attrs(hid_t file, const CampaignSchema& schema, const CampaignProvenance& prov, std::uint64_t total,
                      const SampleCounts& counts, const std::string& path) {
  const std::pair<const char*, const std::string*> strings[] = {
      {"kind", &schema.kind},         {"xbar_version", &prov.xbar_version},
      {"git_hash", &prov.git_hash},   {"ngspice_version", &prov.ngspice_version},
      {"spec_text", &prov.spec_text}, {"start_time", &prov.start_time},
      {"end_time", &prov.end_time}};
  write_string_attr(file, "/", "schema", kSchemaVersion, path);
  for (const auto& [name, value] : strings) write_string_attr(file, "/", name, *value, path);
  write_string_attr(file, "/", "fields", join(field_names(schema), ","), path);
  write_u64_attr(file, "seed", prov.seed, path);
  write_u64_attr(file, "total_samples", total, path);
  write_u64_attr(file, "ok_samples", counts.ok, path);
  write_u64_attr(file, "failed_samples", counts.failed, path);
  write_u64_attr(file, "not_run_samples", counts.not_run, path);
  for (const auto& [name, value] : prov.extra) write_string_attr(file, "/", name, value, path);
}

void validate_schema(const CampaignSchema& schema, const std::string& path) {
  std::set<std::string> seen{"status", "error"};
  for (const FieldSpec& f : schema.fields) {
    if (f.name.empty() || f.name.find_first_of("/,.") != std::string::npos || f.name.front() == ' ')
      throw FileError(fmt::format("{}: field name '{}' is not allowed (needs a non-empty name without '/', ',' or '.')",
                                  path, f.name));
    if (!seen.insert(f.name).second)
      throw FileError(fmt::format("{}: field '{}' is repeated or reserved (status and error are taken)", path, f.name));
    for (std::uint64_t d : f.shape)
      if (d == 0) throw FileError(fmt::format("{}: field '{}' has a zero-sized dimension", path, f.name));
  }
}

void validate_extra(const CampaignProvenance& prov, const std::string& path) {
  std::set<std::string> seen = reserved_root_attrs();
  for (const auto& [name, value] : prov.extra) {
    if (name.empty() || !seen.insert(name).second)
      throw FileError(fmt::format("{}: extra attribute '{}' is empty, repeated or reserved (reserved: {})", path, name,
                                  join({reserved_root_attrs().begin(), reserved_root_attrs().end()}, ", ")));
  }
}

void validate_records(const CampaignSchema& schema, const std::vector<SampleRecord>& records, const std::string& path) {
  const std::uint64_t per_sample = schema.values_per_sample();
  for (std::size_t i = 0; i < records.size(); ++i) {
    const SampleRecord& r = records[i];
    if (r.index != i)
      throw FileError(
          fmt::format("{}: record at position {} has index {} (records must be in index order)", path, i, r.index));
    if (!is_valid_status(static_cast<int>(r.status)))
      throw FileError(fmt::format("{}: sample {} has unknown status code {}", path, i, static_cast<int>(r.status)));
    if (!r.values.empty() && r.values.size() != per_sample)
      throw FileError(fmt::format("{}: sample {} has {} values, but schema '{}' has {} per sample (or none)", path, i,
                                  r.values.size(), schema.kind, per_sample));
  }
}

/// Builds the whole file in memory (HDF5's core driver, no backing store) and returns its bytes.
/// HDF5 never touches the disk, so a
/// full disk or an I/O error cannot leave it with a half-closed file: the bytes are written by
/// write_bytes, whose every failure is a plain error. Every identifier is closed on return.
std::string build_image(const std::string& tmp, const CampaignSchema& schema, const CampaignProvenance& prov,
                        const std::vector<SampleRecord>& records) {
  Hid fcpl = make(H5Pcreate(H5P_FILE_CREATE), H5Pclose, tmp, "create a file property list");
  // Track attribute creation order so `extra` reads back in the order it was written.
  check(H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), tmp, "set attribute order");
  // The 1.8 file format (readable by HDF5 >= 1.8, any h5py) checksums its metadata, so a
  // corrupted file is reported instead of being parsed.
  Hid fapl = make(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, tmp, "create a file access property list");
  check(H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18), tmp, "set the file format version");
  check(H5Pset_fapl_core(fapl, 1 << 20, 0), tmp, "select the in-memory driver");
  Hid file = make(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, fcpl, fapl), H5Fclose, tmp, "create the file");
  write_root_attrs(file, schema, prov, records.size(), count_records(records), tmp);
  {
    Hid samples = make(H5Gcreate2(file, "samples", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose, tmp,
                       "create group /samples");
    write_status(samples, records, tmp);
    write_errors(samples, records, tmp);
    std::uint64_t offset = 0;
    for (const FieldSpec& f : schema.fields) {
      write_field(samples, f, offset, records, tmp);
      offset += f.size();
    }
  }
  write_timing(file, records, tmp);
  std::string image;
  if (auto why = core::hdf5::file_image(file, &image)) throw FileError(tmp + ": " + *why);
  check(file.close(), tmp, "close the in-memory file");
  return image;
}

}  // namespace

void write_campaign_file(const std::string& path, const CampaignSchema& schema, const CampaignProvenance& provenance,
                         const std::vector<SampleRecord>& records) {
  validate_schema(schema, path);
  validate_extra(provenance, path);
  validate_records(schema, records, path);
  const std::string tmp = path + ".tmp";
  std::remove(tmp.c_str());  // a stale one from an interrupted write; absence is fine
  try {
    std::string image;
    {
      QuietHdf5 quiet;
      image = build_image(tmp, schema, provenance, records);
    }
    image += core::checksum_trailer(image);  // after HDF5's end of file, where HDF5 never looks
    if (auto why = core::write_file_durably(tmp, image)) throw FileError(*why);
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    throw FileError(fmt::format("{}: cannot rename {} over it: {}", path, tmp, std::strerror(err)));
  }
}

void verify_checksum(const std::string& path) {
  if (auto why = core::verify_file_checksum(path)) throw FileError(*why);
}

// ---- building in place (CampaignFileBuilder) -------------------------------------------------

namespace {

Hid builder_fapl(const std::string& path) {
  Hid fapl = make(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, path, "create a file access property list");
  check(H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18), path, "set the file format version");
  // H5Fclose closes every object of the file, so a failed write cannot leave HDF5 holding it.
  check(H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG), path, "set the close degree");
  check(H5Pset_fapl_sec2(fapl), path, "select the POSIX file driver");
  return fapl;
}

/// An error message cut to `width` bytes at a UTF-8 character boundary, ending with `mark`.
std::string fit_error(const std::string& text, std::size_t width, const std::string& mark) {
  if (text.size() <= width) return text;
  std::size_t keep = width - mark.size();
  while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0u) == 0x80u) --keep;  // a continuation byte
  return text.substr(0, keep) + mark;
}

/// Selects, in a dataset [S, shape...], the rows of `runs` ([start, length) along S) as one
/// hyperslab selection; returns the file dataspace.
Hid select_rows(hid_t dset, const std::vector<std::pair<hsize_t, hsize_t>>& runs, const std::string& full_name,
                const std::string& path) {
  const std::string what = "select rows of " + full_name;
  Hid space = make(H5Dget_space(dset), H5Sclose, path, what);
  const int rank = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 1)));
  check(H5Sget_simple_extent_dims(space, dims.data(), nullptr), path, what);
  std::vector<hsize_t> start(dims.size(), 0), count = dims;
  for (std::size_t k = 0; k < runs.size(); ++k) {
    start[0] = runs[k].first;
    count[0] = runs[k].second;
    check(H5Sselect_hyperslab(space, k == 0 ? H5S_SELECT_SET : H5S_SELECT_OR, start.data(), nullptr, count.data(),
                              nullptr),
          path, what);
  }
  return space;
}

/// Writes `data` (row-major, rows in index order) into the rows of `runs` of dataset `full_name`.
void write_rows(hid_t file, const std::string& full_name, hid_t mem_type,
                const std::vector<std::pair<hsize_t, hsize_t>>& runs, hsize_t elements, const void* data,
                const std::string& path) {
  Hid dset = make(H5Dopen2(file, full_name.c_str(), H5P_DEFAULT), H5Dclose, path, "open dataset " + full_name);
  Hid file_space = select_rows(dset, runs, full_name, path);
  Hid mem_space = make(H5Screate_simple(1, &elements, nullptr), H5Sclose, path, "create a dataspace");
  check(H5Dwrite(dset, mem_type, mem_space, file_space, H5P_DEFAULT, data), path, "write dataset " + full_name);
}

void set_u64_attr(hid_t obj, const char* name, std::uint64_t value, const std::string& path) {
  const std::string what = fmt::format("write attribute '{}' of /", name);
  Hid attr = make(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose, path, what);
  check(H5Awrite(attr, H5T_NATIVE_UINT64, &value), path, what);
}

void set_counts(hid_t file, const SampleCounts& c, const std::string& path) {
  set_u64_attr(file, "ok_samples", c.ok, path);
  set_u64_attr(file, "failed_samples", c.failed, path);
  set_u64_attr(file, "not_run_samples", c.not_run, path);
}

void write_to_pipe(int fd, const std::string& text) {
  std::size_t off = 0;
  while (off < text.size()) {
    const ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

/// Runs `work` (HDF5 calls that write `path`) in a forked child process and returns its error
/// message, or nothing on success. A failed HDF5 write or close (a full disk) leaves the library
/// with a damaged open file, which crashes the process when HDF5 shuts down at exit (issue 15,
/// point 3); a child that ends with _exit takes that state with it, and the parent's HDF5 never
/// holds the file open for writing.
std::optional<std::string> in_child(const std::string& path, const std::function<void()>& work) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return fmt::format("{}: cannot start the HDF5 writer: pipe: {}", path, std::strerror(errno));
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return fmt::format("{}: cannot start the HDF5 writer: fork: {}", path, std::strerror(err));
  }
  if (pid == 0) {
    ::close(fds[0]);
    int code = 0;
    try {
      work();
    } catch (const std::exception& e) {
      write_to_pipe(fds[1], e.what());
      code = 1;
    } catch (...) {
      write_to_pipe(fds[1], path + ": unknown error in the HDF5 writer");
      code = 1;
    }
    ::_exit(code);
  }
  ::close(fds[1]);
  std::string message;
  char buf[4096];
  while (true) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    message.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return fmt::format("{}: lost the HDF5 writer: waitpid: {}", path, std::strerror(errno));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return std::nullopt;
  if (!message.empty()) return message;
  if (WIFSIGNALED(status))
    return fmt::format("{}: the HDF5 writer process died with signal {}", path, WTERMSIG(status));
  return fmt::format("{}: the HDF5 writer process failed (exit status {})", path, WEXITSTATUS(status));
}

}  // namespace

CampaignFileBuilder::CampaignFileBuilder(std::string partial_path, CampaignSchema schema, CampaignProvenance provenance,
                                         std::uint64_t total)
    : path_(std::move(partial_path)), schema_(std::move(schema)), provenance_(std::move(provenance)), total_(total) {
  validate_schema(schema_, path_);
  validate_extra(provenance_, path_);
  std::remove(path_.c_str());  // a stale one: the journal, not this file, holds the records
  const auto failure = in_child(path_, [&] {
    QuietHdf5 quiet;
    Hid fcpl = make(H5Pcreate(H5P_FILE_CREATE), H5Pclose, path_, "create a file property list");
    check(H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), path_,
          "set attribute order");
    Hid fapl = builder_fapl(path_);
    Hid file = make(H5Fcreate(path_.c_str(), H5F_ACC_EXCL, fcpl, fapl), H5Fclose, path_, "create the file");
    SampleCounts counts;
    counts.not_run = total_;
    write_root_attrs(file, schema_, provenance_, total_, counts, path_);
    {
      Hid samples = make(H5Gcreate2(file, "samples", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose, path_,
                         "create group /samples");
      const std::int8_t not_run = static_cast<std::int8_t>(SampleStatus::not_run);
      create_dataset(samples, "/samples/status", H5T_STD_I8LE, {total_}, path_, H5T_NATIVE_INT8, &not_run);
      Hid type = core::hdf5::fixed_string_type(kErrorBytes);
      check(type.ok() ? 0 : -1, path_, "create a string type");
      create_dataset(samples, "/samples/error", type, {total_}, path_);
      const double nan = std::numeric_limits<double>::quiet_NaN();
      for (const FieldSpec& f : schema_.fields) {
        const std::string full_name = "/samples/" + f.name;
        std::vector<hsize_t> dims{total_};
        dims.insert(dims.end(), f.shape.begin(), f.shape.end());
        Hid dset = create_dataset(samples, full_name, H5T_IEEE_F64LE, dims, path_, H5T_NATIVE_DOUBLE, &nan);
        write_string_attr(dset, full_name, "unit", f.unit, path_);
        write_string_attr(dset, full_name, "doc", f.doc, path_);
        write_string_attr(dset, full_name, "role", f.role, path_);
        write_string_attr(dset, full_name, "reference", f.reference, path_);
      }
    }
    {
      Hid timing = make(H5Gcreate2(file, "timing", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose, path_,
                        "create group /timing");
      create_dataset(timing, "/timing/sample_seconds", H5T_IEEE_F64LE, {total_}, path_);
    }
    check(file.close(), path_, "close the file");
  });
  if (failure) fail_and_remove(*failure);
}

void CampaignFileBuilder::fail_and_remove(const std::string& message) {
  std::remove(path_.c_str());
  finished_ = true;
  throw FileError(fmt::format("{} (the campaign's journal keeps every finished sample; {} was removed and is rebuilt "
                              "from the journal when the same command runs again)",
                              message, path_));
}

void CampaignFileBuilder::write(std::vector<SampleRecord> records, const SampleCounts& counts) {
  if (finished_) throw FileError(fmt::format("{}: written after it was finished or removed", path_));
  const std::uint64_t per_sample = schema_.values_per_sample();
  for (const SampleRecord& r : records) {
    if (r.index >= total_)
      throw FileError(fmt::format("{}: record for sample {}, but the campaign has {} samples", path_, r.index, total_));
    if (!is_valid_status(static_cast<int>(r.status)))
      throw FileError(fmt::format("{}: sample {} has unknown status code {}", path_, r.index, static_cast<int>(r.status)));
    if (!r.values.empty() && r.values.size() != per_sample)
      throw FileError(fmt::format("{}: sample {} has {} values, but schema '{}' has {} per sample (or none)", path_,
                                  r.index, r.values.size(), schema_.kind, per_sample));
  }
  // Index order; of a repeated index the last one given wins.
  std::stable_sort(records.begin(), records.end(),
                   [](const SampleRecord& a, const SampleRecord& b) { return a.index < b.index; });
  std::vector<SampleRecord> rows;
  rows.reserve(records.size());
  for (std::size_t i = 0; i < records.size(); ++i)
    if (i + 1 == records.size() || records[i + 1].index != records[i].index) rows.push_back(std::move(records[i]));
  records.clear();
  std::vector<std::pair<hsize_t, hsize_t>> runs;
  for (const SampleRecord& r : rows) {
    if (!runs.empty() && runs.back().first + runs.back().second == r.index) ++runs.back().second;
    else runs.emplace_back(r.index, 1);
  }
  const auto failure = in_child(path_, [&] {
    QuietHdf5 quiet;
    Hid fapl = builder_fapl(path_);
    Hid file = make(H5Fopen(path_.c_str(), H5F_ACC_RDWR, fapl), H5Fclose, path_, "open the file to write");
    if (!rows.empty()) {
      const hsize_t k = rows.size();
      std::vector<std::int8_t> codes;
      std::vector<double> seconds;
      std::string texts(k * kErrorBytes, '\0');
      for (std::size_t i = 0; i < rows.size(); ++i) {
        codes.push_back(static_cast<std::int8_t>(rows[i].status));
        seconds.push_back(rows[i].seconds);
        fit_error(rows[i].error, kErrorBytes, kCutMark).copy(texts.data() + i * kErrorBytes, kErrorBytes);
      }
      write_rows(file, "/samples/status", H5T_NATIVE_INT8, runs, k, codes.data(), path_);
      Hid type = core::hdf5::fixed_string_type(kErrorBytes);
      check(type.ok() ? 0 : -1, path_, "create a string type");
      write_rows(file, "/samples/error", type, runs, k, texts.data(), path_);
      std::uint64_t offset = 0;
      for (const FieldSpec& f : schema_.fields) {
        const std::uint64_t size = f.size();
        std::vector<double> values(k * size, std::numeric_limits<double>::quiet_NaN());
        for (std::size_t i = 0; i < rows.size(); ++i) {
          const std::vector<double>& v = rows[i].values;
          if (!v.empty()) std::copy_n(v.begin() + static_cast<std::ptrdiff_t>(offset), size, values.begin() + i * size);
        }
        write_rows(file, "/samples/" + f.name, H5T_NATIVE_DOUBLE, runs, k * size, values.data(), path_);
        offset += size;
      }
      write_rows(file, "/timing/sample_seconds", H5T_NATIVE_DOUBLE, runs, k, seconds.data(), path_);
    }
    set_counts(file, counts, path_);
    check(file.close(), path_, "close the file");
  });
  if (failure) fail_and_remove(*failure);
  rows_written_ += rows.size();
}

void CampaignFileBuilder::finish(const std::string& output, const std::string& end_time, const SampleCounts& counts) {
  if (finished_) throw FileError(fmt::format("{}: finished twice, or after it was removed", path_));
  const auto failure = in_child(path_, [&] {
    QuietHdf5 quiet;
    Hid fapl = builder_fapl(path_);
    Hid file = make(H5Fopen(path_.c_str(), H5F_ACC_RDWR, fapl), H5Fclose, path_, "open the file to finish it");
    check(H5Adelete(file, "end_time"), path_, "replace attribute 'end_time' of /");
    write_string_attr(file, "/", "end_time", end_time, path_);
    set_counts(file, counts, path_);
    check(file.close(), path_, "close the file");
  });
  if (failure) fail_and_remove(*failure);
  if (auto why = core::append_checksum_trailer(path_)) fail_and_remove(*why);
  if (std::rename(path_.c_str(), output.c_str()) != 0) {
    const int err = errno;
    fail_and_remove(fmt::format("{}: cannot rename {} over it: {}", output, path_, std::strerror(err)));
  }
  finished_ = true;
}

// ---- reading --------------------------------------------------------------------------------

namespace {

hsize_t element_count(hid_t space) {
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  return n < 0 ? 0 : static_cast<hsize_t>(n);
}

/// Opens attribute `name` of `obj` after checking it exists and holds one value of `type_class`.
Hid open_attr(hid_t obj, const std::string& obj_name, const std::string& name, H5T_class_t type_class,
              const std::string& path) {
  if (H5Aexists(obj, name.c_str()) <= 0)
    throw FileError(fmt::format("{}: {} has no attribute '{}'", path, obj_name, name));
  const std::string what = fmt::format("read attribute '{}' of {}", name, obj_name);
  Hid attr = make(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose, path, what);
  Hid type = make(H5Aget_type(attr), H5Tclose, path, what);
  Hid space = make(H5Aget_space(attr), H5Sclose, path, what);
  if (H5Tget_class(type) != type_class || element_count(space) != 1)
    throw FileError(fmt::format("{}: attribute '{}' of {} is not a single {}", path, name, obj_name,
                                type_class == H5T_STRING ? "string" : "integer"));
  return attr;
}

std::string read_string_attr(hid_t obj, const std::string& obj_name, const std::string& name, const std::string& path) {
  Hid attr = open_attr(obj, obj_name, name, H5T_STRING, path);
  std::string value;
  check(core::hdf5::read_string_attr(obj, name.c_str(), &value), path,
        fmt::format("read attribute '{}' of {}", name, obj_name));
  return value;
}

std::uint64_t read_u64_attr(hid_t obj, const std::string& name, const std::string& path) {
  Hid attr = open_attr(obj, "/", name, H5T_INTEGER, path);
  std::uint64_t value = 0;
  check(H5Aread(attr, H5T_NATIVE_UINT64, &value), path, fmt::format("read attribute '{}' of /", name));
  return value;
}

herr_t collect_attr_name(hid_t /*obj*/, const char* name, const H5A_info_t* /*info*/, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}

/// Names of the attributes of `obj`, in creation order when the file tracks it, else by name.
std::vector<std::string> attr_names(hid_t obj, const std::string& path) {
  std::vector<std::string> names;
  hsize_t idx = 0;
  if (H5Aiterate2(obj, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, collect_attr_name, &names) >= 0) return names;
  names.clear();
  idx = 0;
  check(H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_attr_name, &names), path, "list attributes of /");
  return names;
}

std::string read_schema_version(hid_t file, const std::string& path) {
  if (H5Aexists(file, "schema") <= 0)
    throw FileError(fmt::format("{}: not an xbar campaign file (no 'schema' attribute)", path));
  std::string version = read_string_attr(file, "/", "schema", path);
  if (version.rfind("xbar.model/", 0) == 0)
    throw FileError(fmt::format("{}: is a model file ({}), not a campaign file ({}): pass the campaign file here "
                                "(`xbar fit CAMPAIGN.h5 -o MODEL.h5`, `xbar validate MODEL.h5 CAMPAIGN.h5`)",
                                path, version, kSchemaVersion));
  if (!readable_schema(version))
    throw FileError(
        fmt::format("{}: schema '{}' is not supported by this xbar (reads {} and xbar.campaign/1); was it written by a newer "
                    "xbar?",
                    path, version, kSchemaVersion));
  return version;
}

CampaignProvenance read_provenance(hid_t file, const std::string& path) {
  CampaignProvenance p;
  const std::pair<const char*, std::string*> strings[] = {
      {"xbar_version", &p.xbar_version}, {"git_hash", &p.git_hash},     {"ngspice_version", &p.ngspice_version},
      {"spec_text", &p.spec_text},       {"start_time", &p.start_time}, {"end_time", &p.end_time}};
  for (const auto& [name, value] : strings) *value = read_string_attr(file, "/", name, path);
  p.seed = read_u64_attr(file, "seed", path);
  for (const std::string& name : attr_names(file, path)) {
    if (reserved_root_attrs().count(name)) continue;
    Hid attr = make(H5Aopen(file, name.c_str(), H5P_DEFAULT), H5Aclose, path, "open attribute " + name);
    Hid type = make(H5Aget_type(attr), H5Tclose, path, "open attribute " + name);
    if (H5Tget_class(type) == H5T_STRING) p.extra.emplace_back(name, read_string_attr(file, "/", name, path));
  }
  return p;
}

Hid open_dataset(hid_t file, const std::string& group, const std::string& name, const std::string& path) {
  const std::string full_name = "/" + group + "/" + name;
  if (H5Lexists(file, group.c_str(), H5P_DEFAULT) <= 0 || H5Lexists(file, full_name.c_str(), H5P_DEFAULT) <= 0)
    throw FileError(fmt::format("{}: missing dataset {}", path, full_name));
  return make(H5Dopen2(file, full_name.c_str(), H5P_DEFAULT), H5Dclose, path, "open dataset " + full_name);
}

std::vector<hsize_t> dataset_dims(hid_t dset, const std::string& full_name, const std::string& path) {
  Hid space = make(H5Dget_space(dset), H5Sclose, path, "read the shape of " + full_name);
  const int rank = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
  check(H5Sget_simple_extent_dims(space, dims.data(), nullptr), path, "read the shape of " + full_name);
  return dims;
}

/// Opens /<group>/<name>, checks it is [samples, ...] and returns its dims.
Hid open_sample_dataset(hid_t file, const std::string& group, const std::string& name, std::uint64_t samples,
                        std::vector<hsize_t>& dims, const std::string& path) {
  Hid dset = open_dataset(file, group, name, path);
  dims = dataset_dims(dset, "/" + group + "/" + name, path);
  if (dims.empty() || dims[0] != samples)
    throw FileError(fmt::format("{}: dataset /{}/{} has {} samples along its first axis, total_samples says {}", path,
                                group, name, dims.empty() ? 0 : dims[0], samples));
  return dset;
}

template <class T>
std::vector<T> read_numbers(hid_t file, const std::string& group, const std::string& name, hid_t mem_type,
                            std::uint64_t samples, std::vector<hsize_t>& dims, const std::string& path) {
  Hid dset = open_sample_dataset(file, group, name, samples, dims, path);
  std::uint64_t n = 1;
  for (hsize_t d : dims) n *= d;
  std::vector<T> out(n);
  if (n > 0)
    check(H5Dread(dset, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), path,
          fmt::format("read dataset /{}/{}", group, name));
  return out;
}

std::vector<SampleRecord> read_status_and_errors(hid_t file, std::uint64_t samples, const std::string& path) {
  std::vector<hsize_t> dims;
  const auto codes = read_numbers<std::int8_t>(file, "samples", "status", H5T_NATIVE_INT8, samples, dims, path);
  std::vector<SampleRecord> records(samples);
  for (std::uint64_t i = 0; i < samples; ++i) {
    if (!is_valid_status(codes[i]))
      throw FileError(fmt::format("{}: /samples/status[{}] = {} is not a known status code", path, i, int{codes[i]}));
    records[i].index = i;
    records[i].status = static_cast<SampleStatus>(codes[i]);
  }
  Hid dset = open_sample_dataset(file, "samples", "error", samples, dims, path);
  Hid type = make(H5Dget_type(dset), H5Tclose, path, "read dataset /samples/error");
  if (H5Tget_class(type) != H5T_STRING) throw FileError(fmt::format("{}: /samples/error is not strings", path));
  if (dims.size() != 1)
    throw FileError(fmt::format("{}: /samples/error has {} dimensions, expected 1 ([S])", path, dims.size()));
  if (samples == 0) return records;
  std::vector<std::string> errors;
  check(core::hdf5::read_string_dataset(dset, &errors), path, "read dataset /samples/error");
  for (std::uint64_t i = 0; i < samples; ++i) records[i].error = std::move(errors[i]);
  return records;
}

FieldSpec read_field_spec(hid_t file, const std::string& name, std::uint64_t samples, const std::string& path) {
  std::vector<hsize_t> dims;
  Hid dset = open_sample_dataset(file, "samples", name, samples, dims, path);
  const std::string full_name = "/samples/" + name;
  FieldSpec f;
  f.name = name;
  f.shape.assign(dims.begin() + 1, dims.end());
  f.unit = read_string_attr(dset, full_name, "unit", path);
  f.doc = read_string_attr(dset, full_name, "doc", path);
  f.role = read_string_attr(dset, full_name, "role", path);
  f.reference = read_string_attr(dset, full_name, "reference", path);
  return f;
}

CampaignSchema read_schema(hid_t file, std::uint64_t samples, const std::string& path) {
  CampaignSchema schema;
  schema.kind = read_string_attr(file, "/", "kind", path);
  const std::string list = read_string_attr(file, "/", "fields", path);
  std::size_t pos = 0;
  while (!list.empty() && pos <= list.size()) {
    const std::size_t end = std::min(list.find(',', pos), list.size());
    const std::string name = list.substr(pos, end - pos);
    if (name.empty()) throw FileError(fmt::format("{}: attribute 'fields' of / is malformed: '{}'", path, list));
    schema.fields.push_back(read_field_spec(file, name, samples, path));
    pos = end + 1;
  }
  return schema;
}

void read_values(hid_t file, const CampaignSchema& schema, std::vector<SampleRecord>& records,
                 const std::string& path) {
  const std::uint64_t per_sample = schema.values_per_sample();
  for (SampleRecord& r : records) r.values.resize(per_sample);
  std::uint64_t offset = 0;
  std::vector<hsize_t> dims;
  for (const FieldSpec& f : schema.fields) {
    const auto values = read_numbers<double>(file, "samples", f.name, H5T_NATIVE_DOUBLE, records.size(), dims, path);
    const std::uint64_t size = f.size();
    for (std::size_t i = 0; i < records.size(); ++i)
      std::copy_n(values.begin() + i * size, size, records[i].values.begin() + offset);
    offset += size;
  }
  const auto seconds =
      read_numbers<double>(file, "timing", "sample_seconds", H5T_NATIVE_DOUBLE, records.size(), dims, path);
  for (std::size_t i = 0; i < records.size(); ++i) records[i].seconds = seconds[i];
}

Hid open_file(const std::string& path) {
  std::FILE* probe = std::fopen(path.c_str(), "rb");
  if (!probe) throw FileError(fmt::format("{}: cannot open ({})", path, std::strerror(errno)));
  std::fclose(probe);
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw FileError(fmt::format("{}: cannot open (is a directory)", path));
  verify_checksum(path);  // before HDF5 parses anything
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0)
    throw FileError(fmt::format("{}: cannot open as HDF5 (corrupt or not an HDF5 file): {}", path, hdf5_reason()));
  return Hid(file, H5Fclose);
}

std::string shape_text(const std::vector<std::uint64_t>& shape) {
  std::string t = "[S";
  for (auto d : shape) t += fmt::format(", {}", d);
  return t + "]";
}

bool is_count(double v, double max) { return std::isfinite(v) && v >= 0 && v <= max && v == std::floor(v); }

/// A file of a known kind must agree with the spec it stores: same kind and sample count, every
/// field it holds with the shape that spec gives, and the integer fields (instance, pattern,
/// stuck counts, codes) whole numbers in range. Readers index records by the spec's dimensions,
/// so a file whose datasets disagree with them is refused here, naming the file and dataset.
/// What the value checks need from the stored spec, worked out once per file.
struct StoredSpecRules {
  bool known = false;  ///< false: a foreign or test schema, nothing to compare with
  CampaignSpec spec;
};

/// The checks of the file as a whole: kind, sample count `total` and every field's shape.
StoredSpecRules check_stored_spec_shapes(const CampaignFile& f, std::uint64_t total, const std::string& path) {
  StoredSpecRules rules;
  if (!known_circuit_kind(f.schema.kind)) return rules;
  rules.known = true;
  CampaignSpec& spec = rules.spec;
  try {
    spec = parse_stored_campaign_spec(f.provenance.spec_text, path + " (attribute spec_text)");
  } catch (const SpecError& e) {
    throw FileError(fmt::format("{}: the stored spec (attribute spec_text) is not a valid campaign spec: {}", path,
                                e.what()));
  }
  if (spec.kind != f.schema.kind) {
    throw FileError(fmt::format("{}: attribute kind = '{}', but the stored spec (spec_text) has kind = '{}'", path,
                                f.schema.kind, spec.kind));
  }
  if (spec.total_samples() != total) {
    throw FileError(fmt::format("{}: attribute total_samples = {}, but the stored spec (spec_text) gives {} samples",
                                path, total, spec.total_samples()));
  }
  // The expected schema; the source of weights and inputs does not change any shape, and a
  // stored spec's CSV files are not at hand.
  spec.workload.weights = WeightSource::uniform;
  spec.workload.inputs = InputSource::random;
  CampaignSchema expected;
  try {
    expected = make_circuit_kind(spec)->schema();
  } catch (const Error& e) {
    throw FileError(fmt::format("{}: the stored spec (spec_text) does not describe a campaign: {}", path, e.what()));
  }
  for (const FieldSpec& got : f.schema.fields) {
    const auto it = std::find_if(expected.fields.begin(), expected.fields.end(),
                                 [&](const FieldSpec& e) { return e.name == got.name; });
    if (it == expected.fields.end()) continue;  // a field this version does not know: not read by xbar
    if (it->shape != got.shape) {
      throw FileError(fmt::format("{}: dataset /samples/{} has shape {}, but the stored spec gives {} (kind '{}')",
                                  path, got.name, shape_text(got.shape), shape_text(it->shape), spec.kind));
    }
  }
  return rules;
}

/// The checks of each record's values (`records`, any subset of the file's, by their index).
void check_stored_values(const CampaignSchema& schema, const StoredSpecRules& rules,
                         const std::vector<SampleRecord>& records, const std::string& path) {
  if (!rules.known) return;
  const CampaignSpec& spec = rules.spec;
  const std::uint64_t patterns = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(spec.workload.patterns_per_instance));
  const bool has_pattern = std::any_of(schema.fields.begin(), schema.fields.end(),
                                       [](const FieldSpec& x) { return x.name == "pattern"; });
  std::uint64_t offset = 0;
  for (const FieldSpec& field : schema.fields) {
    const std::uint64_t n = field.size();
    double max = -1;  // -1: not an integer field
    if (field.name == "n_stuck_on" || field.name == "n_stuck_off") {
      max = static_cast<double>(spec.crossbar.rows) * static_cast<double>(spec.crossbar.physical_cols());
    } else if (field.name == "codes" || field.name == "codes_ideal" || field.name == "input_codes" ||
               field.name == "missing_codes") {
      max = 65536.0;
    } else if (field.name == "settled") {
      max = 1.0;
    }
    for (const SampleRecord& r : records) {
      for (std::uint64_t k = 0; k < n; ++k) {
        const double v = r.values[offset + k];
        // NaN is "no value": allowed in outputs and in failed samples; an ok sample has every
        // parameter, input and ideal value (data/SCHEMA.md).
        if (std::isnan(v) && (r.status != SampleStatus::ok || field.role == "output")) continue;
        bool ok = true;
        std::string rule;
        if (field.name == "instance") {
          const double want = static_cast<double>(has_pattern ? r.index / patterns : r.index);
          ok = v == want;
          rule = fmt::format("must be {} for sample {}", want, r.index);
        } else if (field.name == "pattern") {
          const double want = static_cast<double>(r.index % patterns);
          ok = v == want;
          rule = fmt::format("must be {} for sample {}", want, r.index);
        } else if (max >= 0) {
          ok = is_count(v, max);
          rule = fmt::format("must be a whole number in 0..{}", max);
        } else if (field.unit == "S" && field.role != "output") {
          ok = std::isfinite(v) && v >= 0 && v <= 1e15 && (v == 0 || std::isfinite(1.0 / v));
          rule = "must be a conductance: 0, or between 2.3e-308 and 1e15 S";
        } else if (field.name == "r_row_wire_ohm" || field.name == "r_col_wire_ohm") {
          ok = std::isfinite(v) && v >= 0 && v <= 1e15;
          rule = "must be a wire resistance: between 0 and 1e15 ohm";
        } else if (field.role != "output") {
          // No physical parameter, input or ideal value of any kind comes near 1e30 (in SI
          // units); larger ones overflow the fits.
          ok = std::isfinite(v) && std::abs(v) <= 1e30;
          rule = "must be finite and within +-1e30 (NaN only where a failed sample has no value)";
        }
        if (!ok) {
          throw FileError(fmt::format("{}: dataset /samples/{}, sample {}: value {} {}", path, field.name, r.index, v,
                                      rule));
        }
      }
    }
    offset += n;
  }
}

void check_against_stored_spec(const CampaignFile& f, const std::string& path) {
  const StoredSpecRules rules = check_stored_spec_shapes(f, f.records.size(), path);
  check_stored_values(f.schema, rules, f.records, path);
}

/// Rows [first, first + count) of dataset /<group>/<name> ([total, ...]), as `mem_type`.
template <class T>
std::vector<T> read_row_block(hid_t file, const std::string& group, const std::string& name, hid_t mem_type,
                              std::uint64_t total, std::uint64_t first, std::uint64_t count, const std::string& path) {
  std::vector<hsize_t> dims;
  Hid dset = open_sample_dataset(file, group, name, total, dims, path);
  const std::string full_name = "/" + group + "/" + name;
  Hid space = make(H5Dget_space(dset), H5Sclose, path, "read dataset " + full_name);
  std::vector<hsize_t> start(dims.size(), 0), block = dims;
  start[0] = first;
  block[0] = count;
  check(H5Sselect_hyperslab(space, H5S_SELECT_SET, start.data(), nullptr, block.data(), nullptr), path,
        "select rows of " + full_name);
  hsize_t n = 1;
  for (hsize_t d : block) n *= d;
  const std::size_t width = H5Tget_size(mem_type);
  std::vector<T> out(n * width / sizeof(T));
  if (n == 0) return out;
  Hid mem = make(H5Screate_simple(1, &n, nullptr), H5Sclose, path, "create a dataspace");
  check(H5Dread(dset, mem_type, mem, space, H5P_DEFAULT, out.data()), path, "read dataset " + full_name);
  return out;
}

}  // namespace

void read_campaign_records(const std::string& path, std::uint64_t block,
                           const std::function<void(SampleRecord&&)>& sink, CampaignProvenance* provenance) {
  block = std::max<std::uint64_t>(1, block);
  QuietHdf5 quiet;
  Hid file = open_file(path);
  CampaignFile head;
  head.schema_version = read_schema_version(file, path);
  head.provenance = read_provenance(file, path);
  const std::uint64_t total = read_u64_attr(file, "total_samples", path);
  head.schema = read_schema(file, total, path);
  head.schema.source = path;
  std::size_t width = 0;
  Hid text_type;
  {
    std::vector<hsize_t> dims;
    Hid dset = open_sample_dataset(file, "samples", "error", total, dims, path);
    text_type = make(H5Dget_type(dset), H5Tclose, path, "read dataset /samples/error");
    if (H5Tget_class(text_type) != H5T_STRING) throw FileError(fmt::format("{}: /samples/error is not strings", path));
    if (dims.size() != 1)
      throw FileError(fmt::format("{}: /samples/error has {} dimensions, expected 1 ([S])", path, dims.size()));
    if (H5Tis_variable_str(text_type) <= 0) width = H5Tget_size(text_type);
  }
  if (provenance) *provenance = head.provenance;
  if (width == 0) {  // variable-length strings (an xbar.campaign/1 file): read whole, as it always was
    file.close();
    CampaignFile f = read_campaign_file(path);
    for (SampleRecord& r : f.records) sink(std::move(r));
    return;
  }
  const StoredSpecRules rules = check_stored_spec_shapes(head, total, path);
  const std::uint64_t per_sample = head.schema.values_per_sample();
  for (std::uint64_t first = 0; first < total; first += block) {
    const std::uint64_t count = std::min(block, total - first);
    const auto codes = read_row_block<std::int8_t>(file, "samples", "status", H5T_NATIVE_INT8, total, first, count, path);
    const auto texts = read_row_block<char>(file, "samples", "error", text_type, total, first, count, path);
    const auto seconds =
        read_row_block<double>(file, "timing", "sample_seconds", H5T_NATIVE_DOUBLE, total, first, count, path);
    std::vector<SampleRecord> records(count);
    for (std::uint64_t i = 0; i < count; ++i) {
      SampleRecord& r = records[i];
      r.index = first + i;
      if (!is_valid_status(codes[i]))
        throw FileError(fmt::format("{}: /samples/status[{}] = {} is not a known status code", path, r.index,
                                    int{codes[i]}));
      r.status = static_cast<SampleStatus>(codes[i]);
      const char* t = texts.data() + i * width;
      r.error.assign(t, strnlen(t, width));
      r.seconds = seconds[i];
      r.values.resize(per_sample);
    }
    std::uint64_t offset = 0;
    for (const FieldSpec& f : head.schema.fields) {
      const auto values =
          read_row_block<double>(file, "samples", f.name, H5T_NATIVE_DOUBLE, total, first, count, path);
      const std::uint64_t size = f.size();
      for (std::uint64_t i = 0; i < count; ++i)
        std::copy_n(values.begin() + static_cast<std::ptrdiff_t>(i * size), size, records[i].values.begin() + offset);
      offset += size;
    }
    check_stored_values(head.schema, rules, records, path);
    for (SampleRecord& r : records) sink(std::move(r));
  }
}

CampaignProvenance read_campaign_provenance(const std::string& path) {
  QuietHdf5 quiet;
  Hid file = open_file(path);
  read_schema_version(file, path);
  return read_provenance(file, path);
}

CampaignFile read_campaign_file(const std::string& path) {
  QuietHdf5 quiet;
  Hid file = open_file(path);
  CampaignFile out;
  out.schema_version = read_schema_version(file, path);
  out.provenance = read_provenance(file, path);
  const std::uint64_t samples = read_u64_attr(file, "total_samples", path);
  out.records = read_status_and_errors(file, samples, path);
  out.schema = read_schema(file, samples, path);
  out.schema.source = path;
  read_values(file, out.schema, out.records, path);
  check_against_stored_spec(out, path);
  return out;
}

}  // namespace xbar::characterize
