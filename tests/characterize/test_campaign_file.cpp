// Campaign record bytes and the HDF5 campaign file "xbar.campaign/2" (campaign_file.hpp).
#include <doctest/doctest.h>

#include "temp_dir.hpp"
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <hdf5.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "xbar/characterize/campaign_file.hpp"
#include "xbar/characterize/error.hpp"

namespace xc = xbar::characterize;
namespace fs = std::filesystem;
using xbar::test::TempDir;

namespace {

std::uint64_t bits(double v) {
  std::uint64_t b = 0;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

double from_bits(std::uint64_t b) {
  double v = 0.0;
  std::memcpy(&v, &b, sizeof v);
  return v;
}

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kNaNPayload = from_bits(0x7ff8000000012345ull);  // a quiet NaN with a payload

void check_same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CAPTURE(i);
    CHECK(bits(a[i]) == bits(b[i]));
  }
}


xc::CampaignSchema test_schema() {
  xc::CampaignSchema s;
  s.kind = "test_kind";
  s.fields = {{"scalar_x", {}, "ohm", "param", "a scalar parameter", ""},
              {"matrix_a", {2, 3}, "A", "output", "a [2, 3] output", "vector_v"},
              {"vector_v", {4}, "V", "ideal", "a [4] field, µ ünïcode doc", ""}};
  return s;
}

xc::CampaignProvenance test_provenance() {
  xc::CampaignProvenance p;
  p.xbar_version = "0.1.0";
  p.git_hash = "abcdef123456";
  p.ngspice_version = "ngspice-46";
  p.spec_text = "kind = \"crossbar\"\nseed = 7\n[crossbar]\nrows = 2\n";
  p.start_time = "2025-01-31T12:00:00Z";
  p.end_time = "2025-01-31T12:05:00Z";
  p.seed = 0xfedcba9876543210ull;
  p.extra = {{"zeta_note", "written last"}, {"alpha_note", "Ω µ"}};
  return p;
}

std::vector<double> values_of(std::uint64_t sample) {
  std::vector<double> v(11);
  for (std::size_t k = 0; k < v.size(); ++k) v[k] = 1e-6 * static_cast<double>(sample * 100 + k) + 1.0 / 3.0;
  return v;
}

std::vector<xc::SampleRecord> test_records() {
  using St = xc::SampleStatus;
  std::vector<xc::SampleRecord> r(6);
  const St statuses[] = {St::ok, St::spice_error, St::ok, St::crashed, St::timeout, St::not_run};
  const char* errors[] = {
      "", "Error on line 3: unknown model 'foo'", "", "worker exited with signal 9", "sample took longer than 60 s",
      ""};
  for (std::size_t i = 0; i < r.size(); ++i) {
    r[i].index = i;
    r[i].status = statuses[i];
    r[i].error = errors[i];
    r[i].seconds = 0.125 * static_cast<double>(i + 1);
  }
  r[0].values = values_of(0);
  r[0].values[0] = kNaN;
  r[0].values[3] = -0.0;
  r[0].values[4] = std::numeric_limits<double>::infinity();
  r[0].values[5] = std::numeric_limits<double>::denorm_min();
  r[0].values[10] = kNaNPayload;
  r[2].values = values_of(2);
  r[3].values = values_of(3);  // a failed sample may still carry its parameters
  return r;
}

xc::SampleRecord full_record() {
  xc::SampleRecord r;
  r.index = 0x0123456789abcdefull;
  r.status = xc::SampleStatus::timeout;
  r.seconds = 12.5;
  r.error = "line one\nline two";
  r.values = {1.0, -0.0, kNaN, kNaNPayload, std::numeric_limits<double>::infinity(), 1e-300, -2.5};
  return r;
}

void check_message(const std::function<void()>& f, const std::vector<std::string>& parts) {
  try {
    f();
    FAIL("no FileError thrown");
  } catch (const xc::FileError& e) {
    const std::string what = e.what();
    INFO(what);
    for (const std::string& p : parts) CHECK(what.find(p) != std::string::npos);
  }
}

void write_bytes(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// An HDF5 file with nothing in it, or with only a root string attribute "schema".
void make_plain_hdf5(const std::string& path, const char* schema = nullptr) {
  const hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  REQUIRE(f >= 0);
  if (schema) {
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    const hid_t space = H5Screate(H5S_SCALAR);
    const hid_t a = H5Acreate2(f, "schema", type, space, H5P_DEFAULT, H5P_DEFAULT);
    CHECK(H5Awrite(a, type, &schema) >= 0);
    H5Aclose(a);
    H5Sclose(space);
    H5Tclose(type);
  }
  H5Fclose(f);
}

/// Every object of the file (root, groups, datasets) and every attribute whose type is
/// variable-length, as "name: kind" (an independent walk: H5Ovisit, H5Aiterate, H5Tget_class).
struct VariableLengthWalk {
  std::vector<std::string> found;
  int objects = 0;
  int attributes = 0;
};

bool is_variable(hid_t type) {
  return H5Tget_class(type) == H5T_VLEN || (H5Tget_class(type) == H5T_STRING && H5Tis_variable_str(type) > 0);
}

herr_t visit_attr(hid_t obj, const char* name, const H5A_info_t*, void* data) {
  auto* w = static_cast<VariableLengthWalk*>(data);
  ++w->attributes;
  const hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  const hid_t t = H5Aget_type(a);
  if (is_variable(t)) w->found.push_back(std::string("attribute ") + name);
  H5Tclose(t);
  H5Aclose(a);
  return 0;
}

herr_t visit_object(hid_t root, const char* name, const H5O_info_t* info, void* data) {
  auto* w = static_cast<VariableLengthWalk*>(data);
  ++w->objects;
  const hid_t obj = H5Oopen(root, name, H5P_DEFAULT);
  hsize_t idx = 0;
  H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, &idx, visit_attr, w);
  if (info->type == H5O_TYPE_DATASET) {
    const hid_t t = H5Dget_type(obj);
    if (is_variable(t)) w->found.push_back(std::string("dataset ") + name);
    H5Tclose(t);
  }
  H5Oclose(obj);
  return 0;
}

VariableLengthWalk walk_variable_length(const std::string& path) {
  VariableLengthWalk w;
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(f >= 0);
  H5Ovisit(f, H5_INDEX_NAME, H5_ITER_INC, visit_object, &w);
  H5Fclose(f);
  return w;
}

}  // namespace

TEST_CASE("schema helpers: sizes, offsets, lookup and status names") {
  const xc::CampaignSchema s = test_schema();
  CHECK(s.fields[0].size() == 1);
  CHECK(s.fields[1].size() == 6);
  CHECK(s.values_per_sample() == 11);
  CHECK(s.offset_of("scalar_x") == 0);
  CHECK(s.offset_of("matrix_a") == 1);
  CHECK(s.offset_of("vector_v") == 7);
  CHECK(s.field("vector_v").unit == "V");
  check_message([&] { (void)s.offset_of("nope"); }, {"test_kind", "'nope'", "scalar_x, matrix_a, vector_v"});
  CHECK_THROWS_AS((void)s.field("nope"), xc::FileError);
  CHECK(std::string(xc::to_string(xc::SampleStatus::ok)) == "ok");
  CHECK(std::string(xc::to_string(xc::SampleStatus::spice_error)) == "spice_error");
  CHECK(std::string(xc::to_string(xc::SampleStatus::crashed)) == "crashed");
  CHECK(std::string(xc::to_string(xc::SampleStatus::timeout)) == "timeout");
  CHECK(std::string(xc::to_string(xc::SampleStatus::not_run)) == "not_run");
}

TEST_CASE("record bytes: encode/decode round trip keeps every bit") {
  std::vector<xc::SampleRecord> cases{full_record(), xc::SampleRecord{}};
  cases[1].status = xc::SampleStatus::ok;  // empty error, no values
  cases.push_back(full_record());
  cases[2].error = std::string(100000, 'x') + std::string("\0tail", 5);  // long, with a NUL byte
  cases[2].status = xc::SampleStatus::not_run;
  for (const xc::SampleRecord& r : cases) {
    const std::string bytes = xc::encode_record(r);
    CHECK(bytes.size() == 8 + 1 + 8 + 4 + r.error.size() + 8 + 8 * r.values.size());
    const xc::SampleRecord back = xc::decode_record(bytes.data(), bytes.size());
    CHECK(back.index == r.index);
    CHECK(back.status == r.status);
    CHECK(bits(back.seconds) == bits(r.seconds));
    CHECK(back.error == r.error);
    check_same_bits(back.values, r.values);
  }
}

TEST_CASE("record bytes: little-endian layout") {
  xc::SampleRecord r;
  r.index = 0x0102030405060708ull;
  r.status = xc::SampleStatus::not_run;
  r.seconds = 1.0;
  r.error = "e";
  r.values = {2.0};
  const std::string b = xc::encode_record(r);
  REQUIRE(b.size() == 38);
  CHECK(static_cast<unsigned char>(b[0]) == 0x08);
  CHECK(static_cast<unsigned char>(b[7]) == 0x01);
  CHECK(static_cast<unsigned char>(b[8]) == 0xff);   // -1
  CHECK(static_cast<unsigned char>(b[16]) == 0x3f);  // 1.0 = 0x3ff0000000000000, top byte last
  CHECK(static_cast<unsigned char>(b[17]) == 1);     // error length
  CHECK(b[21] == 'e');
  CHECK(static_cast<unsigned char>(b[22]) == 1);  // value count
}

TEST_CASE("record bytes: truncated or inconsistent buffers throw Error") {
  const std::string bytes = xc::encode_record(full_record());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    CAPTURE(n);
    CHECK_THROWS_AS(xc::decode_record(bytes.data(), n), xc::Error);
  }
  CHECK_THROWS_WITH_AS(xc::decode_record(bytes.data(), 10), doctest::Contains("truncated"), xc::Error);
  const std::string longer = bytes + "x";
  CHECK_THROWS_WITH_AS(xc::decode_record(longer.data(), longer.size()), doctest::Contains("unexpected bytes"),
                       xc::Error);
  std::string bad_status = bytes;
  bad_status[8] = 9;
  CHECK_THROWS_WITH_AS(xc::decode_record(bad_status.data(), bad_status.size()), doctest::Contains("status code 9"),
                       xc::Error);
  // A huge value count must be rejected before anything is allocated.
  xc::SampleRecord empty;
  std::string huge = xc::encode_record(empty);
  for (std::size_t k = huge.size() - 8; k < huge.size(); ++k) huge[k] = '\xff';
  CHECK_THROWS_WITH_AS(xc::decode_record(huge.data(), huge.size()), doctest::Contains("truncated"), xc::Error);
}

TEST_CASE("campaign file: write/read round trip keeps schema, provenance and every value") {
  TempDir dir;
  const std::string path = dir.file("campaign.h5");
  const xc::CampaignSchema schema = test_schema();
  const xc::CampaignProvenance prov = test_provenance();
  const std::vector<xc::SampleRecord> records = test_records();
  xc::write_campaign_file(path, schema, prov, records);
  const xc::CampaignFile f = xc::read_campaign_file(path);

  CHECK(f.schema_version == "xbar.campaign/2");
  CHECK(f.schema.kind == schema.kind);
  REQUIRE(f.schema.fields.size() == schema.fields.size());
  for (std::size_t i = 0; i < schema.fields.size(); ++i) {
    const xc::FieldSpec &a = f.schema.fields[i], &b = schema.fields[i];
    CHECK(a.name == b.name);
    CHECK(a.shape == b.shape);
    CHECK(a.unit == b.unit);
    CHECK(a.role == b.role);
    CHECK(a.doc == b.doc);
    CHECK(a.reference == b.reference);
  }
  CHECK(f.provenance.xbar_version == prov.xbar_version);
  CHECK(f.provenance.git_hash == prov.git_hash);
  CHECK(f.provenance.ngspice_version == prov.ngspice_version);
  CHECK(f.provenance.spec_text == prov.spec_text);
  CHECK(f.provenance.start_time == prov.start_time);
  CHECK(f.provenance.end_time == prov.end_time);
  CHECK(f.provenance.seed == prov.seed);
  CHECK(f.provenance.extra == prov.extra);  // in the order written

  REQUIRE(f.records.size() == records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    CAPTURE(i);
    const xc::SampleRecord &a = f.records[i], &b = records[i];
    CHECK(a.index == i);
    CHECK(a.status == b.status);
    CHECK(a.error == b.error);
    CHECK(bits(a.seconds) == bits(b.seconds));
    // Records without values read back as values_per_sample NaNs.
    check_same_bits(a.values, b.values.empty() ? std::vector<double>(11, kNaN) : b.values);
  }
}

TEST_CASE("campaign file: no variable-length type anywhere (fixed-length strings only)") {
  TempDir dir;
  const std::string path = dir.file("campaign.h5");
  std::vector<xc::SampleRecord> records = test_records();
  records[3].error = std::string(5000, 'e') + " the longest message";  // sets the string width
  xc::write_campaign_file(path, test_schema(), test_provenance(), records);
  const VariableLengthWalk w = walk_variable_length(path);
  INFO(fmt::format("{}", fmt::join(w.found, ", ")));
  CHECK(w.found.empty());
  CHECK(w.objects >= 8);      // /, /samples, /timing, status, error, 3 fields, sample_seconds
  CHECK(w.attributes >= 25);  // root attributes and each field's unit, doc, role, reference
  const xc::CampaignFile f = xc::read_campaign_file(path);
  CHECK(f.records[3].error == records[3].error);
  CHECK(f.records[0].error.empty());
}

TEST_CASE("campaign file: zero samples and zero fields still make valid files") {
  TempDir dir;
  const std::string path = dir.file("empty.h5");
  xc::write_campaign_file(path, test_schema(), test_provenance(), {});
  xc::CampaignFile f = xc::read_campaign_file(path);
  CHECK(f.records.empty());
  REQUIRE(f.schema.fields.size() == 3);
  CHECK(f.schema.fields[1].shape == std::vector<std::uint64_t>{2, 3});

  xc::CampaignSchema bare;
  bare.kind = "bare";
  std::vector<xc::SampleRecord> records(2);
  records[1].index = 1;
  records[1].status = xc::SampleStatus::ok;
  xc::write_campaign_file(path, bare, {}, records);
  f = xc::read_campaign_file(path);
  CHECK(f.schema.fields.empty());
  REQUIRE(f.records.size() == 2);
  CHECK(f.records[1].status == xc::SampleStatus::ok);
  CHECK(f.provenance.extra.empty());
}

TEST_CASE("campaign file: the write is atomic and overwrites") {
  TempDir dir;
  const std::string path = dir.file("campaign.h5");
  write_bytes(path + ".tmp", "stale junk from an interrupted write");
  xc::write_campaign_file(path, test_schema(), test_provenance(), test_records());
  CHECK_FALSE(fs::exists(path + ".tmp"));
  CHECK(xc::read_campaign_file(path).records.size() == 6);

  std::vector<xc::SampleRecord> fewer = test_records();
  fewer.resize(2);
  xc::write_campaign_file(path, test_schema(), test_provenance(), fewer);
  CHECK_FALSE(fs::exists(path + ".tmp"));
  const xc::CampaignFile f = xc::read_campaign_file(path);
  REQUIRE(f.records.size() == 2);
  CHECK(f.records[1].error == fewer[1].error);
}

TEST_CASE("campaign file: bad input to the writer throws FileError and leaves nothing behind") {
  TempDir dir;
  const std::string path = dir.file("campaign.h5");
  std::vector<xc::SampleRecord> records = test_records();
  records[2].index = 7;
  check_message([&] { xc::write_campaign_file(path, test_schema(), {}, records); }, {path, "position 2", "index 7"});
  records = test_records();
  records[2].values.pop_back();
  check_message([&] { xc::write_campaign_file(path, test_schema(), {}, records); }, {path, "sample 2", "10 values"});
  xc::CampaignProvenance prov;
  prov.extra = {{"seed", "clash"}};
  check_message([&] { xc::write_campaign_file(path, test_schema(), prov, {}); }, {path, "'seed'", "reserved"});
  xc::CampaignSchema schema = test_schema();
  schema.fields[1].name = "status";
  check_message([&] { xc::write_campaign_file(path, schema, {}, {}); }, {path, "'status'"});
  schema.fields[1].name = "a,b";
  check_message([&] { xc::write_campaign_file(path, schema, {}, {}); }, {path, "'a,b'"});
  CHECK_FALSE(fs::exists(path));

  const std::string no_dir = dir.file("missing_folder/campaign.h5");
  check_message([&] { xc::write_campaign_file(no_dir, test_schema(), {}, {}); }, {no_dir, "cannot create the file"});
  CHECK_FALSE(fs::exists(no_dir + ".tmp"));
}

TEST_CASE("campaign file: unreadable files give FileError naming the path") {
  TempDir dir;
  const std::string good = dir.file("good.h5");
  xc::write_campaign_file(good, test_schema(), test_provenance(), test_records());

  const std::string missing = dir.file("does_not_exist.h5");
  check_message([&] { (void)xc::read_campaign_file(missing); }, {missing, "cannot open"});

  const std::string garbage = dir.file("garbage.h5");
  write_bytes(garbage, "this is not an HDF5 file at all\n");
  check_message([&] { (void)xc::read_campaign_file(garbage); },
                {garbage, "cannot open as HDF5 (corrupt or not an HDF5 file)"});

  const std::string truncated = dir.file("truncated.h5");
  const std::string bytes = read_bytes(good);
  write_bytes(truncated, bytes.substr(0, bytes.size() / 2));
  check_message([&] { (void)xc::read_campaign_file(truncated); }, {truncated, "corrupt"});

  const std::string plain = dir.file("plain.h5");
  make_plain_hdf5(plain);
  check_message([&] { (void)xc::read_campaign_file(plain); },
                {plain, "not an xbar campaign file (no 'schema' attribute)"});

  const std::string newer = dir.file("newer.h5");
  make_plain_hdf5(newer, "xbar.campaign/3");
  check_message([&] { (void)xc::read_campaign_file(newer); },
                {newer, "schema 'xbar.campaign/3' is not supported", "newer xbar?"});
}

TEST_CASE("campaign file: a missing dataset is named") {
  TempDir dir;
  const std::string path = dir.file("campaign.h5");
  xc::write_campaign_file(path, test_schema(), test_provenance(), test_records());
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  REQUIRE(f >= 0);
  CHECK(H5Ldelete(f, "/samples/matrix_a", H5P_DEFAULT) >= 0);
  H5Fclose(f);
  check_message([&] { (void)xc::read_campaign_file(path); }, {path, "missing dataset /samples/matrix_a"});
}

// ---- CampaignFileBuilder: the file built in place (issue 15, point 7) ----------------------------

namespace {

std::uint64_t u64_attr(const std::string& path, const char* name) {
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(f >= 0);
  const hid_t a = H5Aopen(f, name, H5P_DEFAULT);
  std::uint64_t v = 0;
  CHECK(H5Aread(a, H5T_NATIVE_UINT64, &v) >= 0);
  H5Aclose(a);
  H5Fclose(f);
  return v;
}

void check_same_file(const xc::CampaignFile& a, const xc::CampaignFile& b) {
  CHECK(a.schema_version == b.schema_version);
  CHECK(a.schema.kind == b.schema.kind);
  REQUIRE(a.schema.fields.size() == b.schema.fields.size());
  for (std::size_t i = 0; i < a.schema.fields.size(); ++i) {
    CHECK(a.schema.fields[i].name == b.schema.fields[i].name);
    CHECK(a.schema.fields[i].shape == b.schema.fields[i].shape);
    CHECK(a.schema.fields[i].unit == b.schema.fields[i].unit);
    CHECK(a.schema.fields[i].role == b.schema.fields[i].role);
    CHECK(a.schema.fields[i].doc == b.schema.fields[i].doc);
    CHECK(a.schema.fields[i].reference == b.schema.fields[i].reference);
  }
  CHECK(a.provenance.xbar_version == b.provenance.xbar_version);
  CHECK(a.provenance.git_hash == b.provenance.git_hash);
  CHECK(a.provenance.ngspice_version == b.provenance.ngspice_version);
  CHECK(a.provenance.spec_text == b.provenance.spec_text);
  CHECK(a.provenance.start_time == b.provenance.start_time);
  CHECK(a.provenance.end_time == b.provenance.end_time);
  CHECK(a.provenance.seed == b.provenance.seed);
  CHECK(a.provenance.extra == b.provenance.extra);
  REQUIRE(a.records.size() == b.records.size());
  for (std::size_t i = 0; i < a.records.size(); ++i) {
    CAPTURE(i);
    CHECK(a.records[i].index == b.records[i].index);
    CHECK(a.records[i].status == b.records[i].status);
    CHECK(a.records[i].error == b.records[i].error);
    CHECK(bits(a.records[i].seconds) == bits(b.records[i].seconds));
    check_same_bits(a.records[i].values, b.records[i].values);
  }
}

xc::SampleCounts counts_of(const std::vector<xc::SampleRecord>& records) {
  xc::SampleCounts c;
  for (const auto& r : records) {
    if (r.status == xc::SampleStatus::ok) ++c.ok;
    else if (r.status == xc::SampleStatus::not_run) ++c.not_run;
    else ++c.failed;
  }
  return c;
}

}  // namespace

TEST_CASE("campaign file builder: the finished file holds what write_campaign_file writes for the same records") {
  TempDir dir;
  const std::string whole = dir.file("whole.h5"), built = dir.file("built.h5"), partial = built + ".partial";
  const xc::CampaignSchema schema = test_schema();
  xc::CampaignProvenance prov = test_provenance();
  std::vector<xc::SampleRecord> records = test_records();
  records[5].status = xc::SampleStatus::ok;  // every sample finished, as at the end of a campaign
  records[5].values = values_of(5);
  xc::write_campaign_file(whole, schema, prov, records);

  const std::string end_time = prov.end_time;
  prov.end_time.clear();
  xc::CampaignFileBuilder b(partial, schema, prov, records.size());
  std::vector<xc::SampleRecord> state(records.size());
  for (std::size_t i = 0; i < state.size(); ++i) state[i].index = i;
  // Out of order and in three checkpoints; sample 4 first failed, then was retried (the later
  // record wins), as records arrive from workers and a --retry-failed rerun.
  xc::SampleRecord early = records[4];
  early.status = xc::SampleStatus::crashed;
  early.error = "worker exited with signal 9 (first try)";
  const std::vector<std::vector<std::size_t>> batches{{3, 0}, {5}, {2, 1}};
  for (const auto& batch : batches) {
    std::vector<xc::SampleRecord> rs;
    for (std::size_t i : batch) rs.push_back(state[i] = records[i]);
    if (batch.size() == 1) {
      rs.insert(rs.begin(), early);
      state[4] = early;
    }
    b.write(rs, counts_of(state));
    // Between checkpoints the .partial is a readable campaign file of the state so far, with the
    // same content as a whole file of that state.
    const std::string ref = dir.file("state.h5");
    xc::write_campaign_file(ref, schema, prov, state);
    check_same_file(xc::read_campaign_file(partial), xc::read_campaign_file(ref));
    CHECK(u64_attr(partial, "not_run_samples") == counts_of(state).not_run);
    CHECK(u64_attr(partial, "failed_samples") == counts_of(state).failed);
    CHECK_FALSE(fs::exists(built));
  }
  b.write({records[4]}, counts_of(records));
  b.finish(built, end_time, counts_of(records));
  CHECK_FALSE(fs::exists(partial));
  check_same_file(xc::read_campaign_file(built), xc::read_campaign_file(whole));
  for (const char* name : {"total_samples", "ok_samples", "failed_samples", "not_run_samples"})
    CHECK(u64_attr(built, name) == u64_attr(whole, name));
  CHECK(b.rows_written() == 7);  // 2 + 2 + 2 + 1: each record once, nothing rewritten
  const std::string bytes = read_bytes(built);
  CHECK(bytes.substr(bytes.size() - 64, 16) == "xbar.checksum/1 ");
  CHECK(walk_variable_length(built).found.empty());
}

TEST_CASE("campaign file builder: a checkpoint writes only what is new, not the file") {
  // 100,000 samples, half of them written; then a checkpoint of 10 new records. The bytes that
  // change on disk are those of the chunks the new rows fall in (one per dataset) and HDF5's
  // metadata, not the file: a rewrite would touch every byte.
  TempDir dir;
  const std::string partial = dir.file("big.h5.partial");
  const std::uint64_t n = 100000;
  xc::CampaignFileBuilder b(partial, test_schema(), test_provenance(), n);
  std::vector<xc::SampleRecord> block;
  xc::SampleCounts c{0, 0, n};
  for (std::uint64_t i = 0; i < n / 2; ++i) {
    xc::SampleRecord r;
    r.index = i;
    r.status = xc::SampleStatus::ok;
    r.seconds = 1e-3 * static_cast<double>(i % 7);
    r.values = values_of(i);
    block.push_back(std::move(r));
    if (block.size() == 5000) {
      c.ok += block.size();
      c.not_run -= block.size();
      b.write(std::move(block), c);
      block.clear();
    }
  }
  const std::string before = read_bytes(partial);
  const std::uint64_t rows_before = b.rows_written();
  for (std::uint64_t i = n / 2; i < n / 2 + 10; ++i) {
    xc::SampleRecord r;
    r.index = i;
    r.status = xc::SampleStatus::ok;
    r.values = values_of(i);
    block.push_back(std::move(r));
  }
  c.ok += 10;
  c.not_run -= 10;
  b.write(std::move(block), c);
  CHECK(b.rows_written() - rows_before == 10);
  const std::string after = read_bytes(partial);
  std::size_t changed = after.size() > before.size() ? after.size() - before.size() : before.size() - after.size();
  for (std::size_t i = 0; i < std::min(before.size(), after.size()); ++i) changed += before[i] != after[i];
  MESSAGE(fmt::format("file {} bytes; a checkpoint of 10 records changed {} bytes", before.size(), changed));
  CHECK(changed < before.size() / 10);
  const xc::CampaignFile f = xc::read_campaign_file(partial);
  CHECK(f.records[n / 2 + 9].status == xc::SampleStatus::ok);
  check_same_bits(f.records[n / 2 + 9].values, values_of(n / 2 + 9));
  CHECK(f.records[n / 2 + 10].status == xc::SampleStatus::not_run);
  CHECK(std::isnan(f.records[n / 2 + 10].values[0]));
}

TEST_CASE("campaign file builder: long errors are cut and say so; bad records and folders are named") {
  TempDir dir;
  const std::string partial = dir.file("e.h5.partial");
  xc::CampaignFileBuilder b(partial, test_schema(), test_provenance(), 3);
  xc::SampleRecord r;
  r.index = 1;
  r.status = xc::SampleStatus::spice_error;
  r.error = std::string(1010, 'x') + "ééééééééééééééééééé";  // a 2-byte character across the cut
  b.write({r}, {0, 1, 2});
  const std::string got = xc::read_campaign_file(partial).records[1].error;
  CHECK(got.size() <= xc::CampaignFileBuilder::kErrorBytes);
  CHECK(got.size() >= xc::CampaignFileBuilder::kErrorBytes - 1);
  CHECK(got.substr(got.size() - std::strlen(xc::CampaignFileBuilder::kCutMark)) == xc::CampaignFileBuilder::kCutMark);
  CHECK(got.substr(0, 1000) == r.error.substr(0, 1000));
  r.index = 3;
  check_message([&] { b.write({r}, {}); }, {partial, "sample 3", "3 samples"});
  r.index = 0;
  r.values = {1.0};
  check_message([&] { b.write({r}, {}); }, {partial, "sample 0", "1 values"});
  const std::string no_dir = dir.file("missing/x.h5.partial");
  check_message([&] { xc::CampaignFileBuilder(no_dir, test_schema(), test_provenance(), 3); },
                {no_dir, "cannot create the file", "journal"});
  CHECK_FALSE(fs::exists(no_dir));
}

TEST_CASE("read_campaign_records: blocks of any size give read_campaign_file's records") {
  TempDir dir;
  const std::string path = dir.file("blocks.h5");
  xc::write_campaign_file(path, test_schema(), test_provenance(), test_records());
  const xc::CampaignFile whole = xc::read_campaign_file(path);
  for (std::uint64_t block : {1, 2, 4, 6, 100}) {
    CAPTURE(block);
    xc::CampaignFile got;
    got.schema = whole.schema;
    got.schema_version = whole.schema_version;
    std::uint64_t calls = 0;
    xc::read_campaign_records(path, block, [&](xc::SampleRecord&& r) {
      ++calls;
      got.records.push_back(std::move(r));
    }, &got.provenance);
    CHECK(calls == whole.records.size());
    check_same_file(got, whole);
  }
  // A damaged file is refused before any record is handed on.
  std::string bytes = read_bytes(path);
  bytes[bytes.size() / 2] ^= 0x10;
  write_bytes(path, bytes);
  std::uint64_t calls = 0;
  check_message([&] { xc::read_campaign_records(path, 2, [&](xc::SampleRecord&&) { ++calls; }); }, {path, "damaged"});
  CHECK(calls == 0);
}
