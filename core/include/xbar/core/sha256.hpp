#pragma once
// SHA-256 (FIPS 180-4) of a file's bytes, for provenance records (model, inference and campaign files).
#include <string>

namespace xbar::core {

/// Lower-case hex SHA-256 of the bytes of `path`; throws xbar::Error if it cannot be read.
std::string sha256_file_hex(const std::string& path);
/// Lower-case hex SHA-256 of `bytes`.
std::string sha256_hex(const std::string& bytes);

}  // namespace xbar::core
