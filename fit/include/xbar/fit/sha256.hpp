#pragma once
// SHA-256 (FIPS 180-4) of a file's bytes, for model provenance.
#include <string>

namespace xbar::fit {

/// Lower-case hex SHA-256 of the bytes of `path`; throws FitError if it cannot be read.
std::string sha256_file_hex(const std::string& path);
/// Lower-case hex SHA-256 of `bytes`.
std::string sha256_hex(const std::string& bytes);

}  // namespace xbar::fit
