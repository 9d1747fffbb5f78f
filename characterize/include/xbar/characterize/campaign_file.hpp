#pragma once
// Campaign records and the HDF5 campaign file, layout "xbar.campaign/2" (data/SCHEMA.md; /1 files,
// whose strings are variable-length, are still read).
//
// A circuit kind declares its per-sample fields (a CampaignSchema); every sample produces one
// SampleRecord holding all fields' values, flattened in schema order. The engine moves records
// between processes and into the resume journal as bytes (encode_record / decode_record), and
// the parent process, the only HDF5 writer, builds the file in place with CampaignFileBuilder
// (write_campaign_file writes a whole file from records in memory, for tools and tests).
//
// File layout (S = total samples; every /samples dataset is chunked along S and compressed
// with shuffle + deflate):
//   /                       attributes: schema = "xbar.campaign/2", kind, xbar_version, git_hash,
//                           ngspice_version, spec_text, seed (uint64), total_samples (uint64),
//                           ok_samples, failed_samples, not_run_samples (uint64), start_time,
//                           end_time (ISO 8601 UTC strings), plus any extra string attributes;
//                           every string attribute is a fixed-length UTF-8 string
//   /samples/status         int8 [S]: 0 ok, 1 spice_error, 2 crashed, 3 timeout, -1 not run yet
//   /samples/error          fixed-length UTF-8 string [S] (null-padded; 1024 bytes wide when the
//                           campaign engine writes it, as wide as the longest message when
//                           write_campaign_file does): "" when ok, else the reason
//                           (ngspice's own words for spice_error)
//   /samples/<field>        float64 [S, shape...]: one per schema field, attributes unit, doc,
//                           role, and reference (the field it is compared with, if any);
//                           NaN where the sample did not produce a value
//   /timing/sample_seconds  float64 [S]: wall time of each sample (the only dataset that is
//                           not reproducible)
// Datasets under /samples are bit-for-bit identical for any worker count and any number of
// resumes.
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace xbar::characterize {

enum class SampleStatus : std::int8_t { not_run = -1, ok = 0, spice_error = 1, crashed = 2, timeout = 3 };
const char* to_string(SampleStatus s);

/// One per-sample field of a campaign, e.g. {"i_spice_a", {8, 32}, "A", ...}.
struct FieldSpec {
  std::string name;                  ///< dataset name under /samples
  std::vector<std::uint64_t> shape;  ///< per-sample shape (empty = one scalar per sample)
  std::string unit;                  ///< SI unit: "S", "V", "A", "ohm", "C", "1"
  std::string role;                  ///< "param" (sampled parameter), "input", "output", "ideal"
  std::string doc;                   ///< one line
  std::string reference;             ///< for an output: the field it is compared with (e.g. the ideal)

  std::uint64_t size() const;        ///< number of values per sample (product of shape, 1 if scalar)
};

struct CampaignSchema {
  std::string kind;
  std::vector<FieldSpec> fields;
  std::string source;  ///< the file it was read from ("" for a kind's own schema): named in errors
  std::uint64_t values_per_sample() const;
  /// Offset of field `name` in a record's values; throws FileError if absent.
  std::uint64_t offset_of(const std::string& name) const;
  const FieldSpec& field(const std::string& name) const;
};

struct SampleRecord {
  std::uint64_t index = 0;
  SampleStatus status = SampleStatus::not_run;
  std::string error;
  double seconds = 0.0;
  std::vector<double> values;  ///< values_per_sample entries, fields in schema order, row-major
};

/// Bytes of a record (little-endian, self-delimiting only with its length known by the caller).
std::string encode_record(const SampleRecord& record);
/// Inverse of encode_record; throws Error on a truncated or inconsistent buffer.
SampleRecord decode_record(const char* data, std::size_t size);

struct CampaignProvenance {
  std::string xbar_version, git_hash, ngspice_version, spec_text, start_time, end_time;
  std::uint64_t seed = 0;
  std::vector<std::pair<std::string, std::string>> extra;  ///< further string attributes
};

/// Writes the whole file atomically: to `path`.tmp, then rename, so `path` is never left
/// half-written. `records` has one entry per sample, index == position (status not_run for
/// samples not done yet). Throws FileError naming the path.
void write_campaign_file(const std::string& path, const CampaignSchema& schema, const CampaignProvenance& provenance,
                         const std::vector<SampleRecord>& records);

/// Counts of a campaign file's root attributes ok_samples, failed_samples, not_run_samples.
struct SampleCounts {
  std::uint64_t ok = 0, failed = 0, not_run = 0;
};

/// The campaign file while a campaign runs: "<output>.partial", built in place (issue 15,
/// point 7). The constructor creates it with every dataset at its final size S (chunked along S,
/// fill values: status -1, error "", values NaN, seconds 0, i.e. a not-run record) and closes it.
/// Each write() opens it, writes only the records it is given into their rows (runs of
/// consecutive indices as one hyperslab selection), updates the counts and closes it again, so
/// its cost is proportional to the records, not to the file, and between writes the file on disk
/// is closed and readable (`xbar inspect <output>.partial`: no checksum trailer, end_time "").
/// finish() sets end_time and the counts, closes, appends the CRC-32 trailer, fsyncs and renames
/// the file to `output`.
///
/// /samples/error is fixed-length, kErrorBytes wide (a fixed-length dataset cannot widen later);
/// a longer message is cut at a character boundary and ends with kCutMark.
///
/// A failed write or finish closes the file (H5F_CLOSE_STRONG, the close's own result ignored),
/// deletes it and throws FileError naming it; whoever called keeps the records (the campaign's
/// journal) and rebuilds it on the next run.
class CampaignFileBuilder {
 public:
  static constexpr std::size_t kErrorBytes = 1024;
  static constexpr const char* kCutMark = " [cut at 1024 bytes]";

  /// Creates `partial_path` (replacing any file there). Throws FileError naming it.
  CampaignFileBuilder(std::string partial_path, CampaignSchema schema, CampaignProvenance provenance,
                      std::uint64_t total);
  CampaignFileBuilder(const CampaignFileBuilder&) = delete;
  CampaignFileBuilder& operator=(const CampaignFileBuilder&) = delete;

  /// Writes `records` (any order; for a repeated index the later one wins) into their rows and
  /// sets the count attributes to `counts`. Every record needs index < total and either no
  /// values or values_per_sample of them.
  void write(std::vector<SampleRecord> records, const SampleCounts& counts);
  /// Sets end_time and the counts, closes, adds the checksum trailer and renames the file to
  /// `output`. The builder is done after it.
  void finish(const std::string& output, const std::string& end_time, const SampleCounts& counts);

  const std::string& path() const { return path_; }
  std::uint64_t total() const { return total_; }
  /// Rows written by write() so far, over every dataset counted once per sample (tests: a
  /// checkpoint writes what is new, not the file).
  std::uint64_t rows_written() const { return rows_written_; }

 private:
  [[noreturn]] void fail_and_remove(const std::string& message);
  std::string path_;
  CampaignSchema schema_;
  CampaignProvenance provenance_;
  std::uint64_t total_ = 0;
  std::uint64_t rows_written_ = 0;
  bool finished_ = false;
};

/// Every campaign file xbar writes ends with a whole-file checksum trailer
/// (core/file_checksum.hpp), checked by read_campaign_file before HDF5 parses the file.
/// Throws FileError naming the file if the checksum says it is damaged; a file without a
/// trailer (foreign, or from an older xbar) passes.
void verify_checksum(const std::string& path);

struct CampaignFile {
  CampaignSchema schema;
  CampaignProvenance provenance;
  std::string schema_version;  ///< "xbar.campaign/2" (or "xbar.campaign/1" for an older file)
  std::vector<SampleRecord> records;
};

/// Reads a campaign file. Throws FileError naming the file and the missing or malformed object
/// (and saying e.g. "not an xbar campaign file" or "was it written by a newer xbar?").
CampaignFile read_campaign_file(const std::string& path);

/// The provenance (root attributes) of a campaign file, with the checks of read_campaign_file
/// up to them.
CampaignProvenance read_campaign_provenance(const std::string& path);

/// Reads the records of a campaign file `block` samples at a time, in index order, handing each
/// to `sink`, with the same checks as read_campaign_file (the whole-file ones first, each
/// block's values before its records are handed on), so that memory does not grow with the file
/// (an xbar.campaign/1 file, with variable-length strings, is read whole). The file's provenance
/// goes to `provenance` if given, before the first record.
void read_campaign_records(const std::string& path, std::uint64_t block,
                           const std::function<void(SampleRecord&&)>& sink, CampaignProvenance* provenance = nullptr);

}  // namespace xbar::characterize
