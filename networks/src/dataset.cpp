#include "xbar/networks/dataset.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>

#include "xbar/networks/error.hpp"

namespace xbar::networks {

namespace {

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

std::uint32_t big_endian(const unsigned char* b) {
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
}

// Reads exactly n bytes; false when the file ends first.
bool read_exact(gzFile f, void* out, std::size_t n) {
  auto* p = static_cast<unsigned char*>(out);
  while (n > 0) {
    const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(n, 1u << 30));
    const int got = gzread(f, p, chunk);
    if (got <= 0) return false;
    p += got;
    n -= static_cast<std::size_t>(got);
  }
  return true;
}

}  // namespace

std::string fashion_mnist_dir() {
  const char* env = std::getenv("XBAR_FASHION_MNIST_DIR");
  return env && *env ? env : "/usr/share/datasets/fashion-mnist";
}

torch::Tensor read_idx_u8(const std::string& path, std::vector<std::int64_t>& dims) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw DatasetError(fmt::format("{}: no such file (Fashion-MNIST comes from Debian's dataset-fashion-mnist "
                                   "package: run scripts/install-deps.sh, or set XBAR_FASHION_MNIST_DIR)",
                                   path));
  std::unique_ptr<gzFile_s, GzCloser> f(gzopen(path.c_str(), "rb"));
  if (!f) throw DatasetError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  unsigned char head[4];
  if (!read_exact(f.get(), head, 4))
    throw DatasetError(fmt::format("{}: truncated or not gzip/IDX: no 4-byte IDX header", path));
  if (head[0] != 0 || head[1] != 0 || head[2] != 0x08 || head[3] < 1 || head[3] > 4)
    throw DatasetError(fmt::format("{}: not an IDX file of unsigned bytes (magic {:02x}{:02x}{:02x}{:02x}, "
                                   "expected 000008 then 01..04)",
                                   path, head[0], head[1], head[2], head[3]));
  dims.assign(head[3], 0);
  std::int64_t total = 1;
  for (auto& d : dims) {
    unsigned char b[4];
    if (!read_exact(f.get(), b, 4)) throw DatasetError(fmt::format("{}: truncated IDX header", path));
    d = big_endian(b);
    if (d == 0 || d > (1 << 24)) throw DatasetError(fmt::format("{}: IDX dimension {} out of range", path, d));
    total *= d;
    if (total > (std::int64_t{1} << 33)) throw DatasetError(fmt::format("{}: IDX data larger than 8 GiB", path));
  }
  torch::Tensor data = torch::empty({total}, torch::kUInt8);
  if (!read_exact(f.get(), data.data_ptr<std::uint8_t>(), static_cast<std::size_t>(total)))
    throw DatasetError(fmt::format("{}: truncated: the header promises {} bytes of data (corrupt or partial "
                                   "download; reinstall dataset-fashion-mnist)",
                                   path, total));
  unsigned char extra;
  if (gzread(f.get(), &extra, 1) != 0)
    throw DatasetError(fmt::format("{}: more data than the IDX header promises ({} bytes): corrupt file", path, total));
  int zerr = Z_OK;
  gzerror(f.get(), &zerr);
  if (zerr != Z_OK && zerr != Z_STREAM_END)
    throw DatasetError(fmt::format("{}: corrupt gzip stream: {}", path, gzerror(f.get(), &zerr)));
  return data;
}

Dataset load_fashion_mnist(Split split, const std::string& dir) {
  const std::string stem = split == Split::train ? "train" : "t10k";
  Dataset d;
  d.images_path = (std::filesystem::path(dir) / (stem + "-images-idx3-ubyte.gz")).string();
  d.labels_path = (std::filesystem::path(dir) / (stem + "-labels-idx1-ubyte.gz")).string();
  std::vector<std::int64_t> idims, ldims;
  torch::Tensor images = read_idx_u8(d.images_path, idims);
  torch::Tensor labels = read_idx_u8(d.labels_path, ldims);
  if (idims.size() != 3 || idims[1] != 28 || idims[2] != 28)
    throw DatasetError(fmt::format("{}: images of shape {}: expected [N, 28, 28]", d.images_path, fmt::join(idims, "x")));
  if (ldims.size() != 1) throw DatasetError(fmt::format("{}: labels must be one-dimensional", d.labels_path));
  if (ldims[0] != idims[0])
    throw DatasetError(fmt::format("{} has {} images but {} has {} labels", d.images_path, idims[0], d.labels_path,
                                   ldims[0]));
  if (labels.max().item<int>() >= Dataset::kClasses)
    throw DatasetError(fmt::format("{}: label {} out of range 0..9", d.labels_path, labels.max().item<int>()));
  d.images = images.view({idims[0], 1, 28, 28});
  d.labels = labels.to(torch::kInt64);
  return d;
}

void Preprocess::validate() const {
  if (!(std::isfinite(scale) && scale > 0))
    throw MappingError(fmt::format("preprocess.scale = {}: must be finite and > 0", scale));
  if (!std::isfinite(mean)) throw MappingError(fmt::format("preprocess.mean = {}: must be finite", mean));
  if (!(std::isfinite(std) && std > 0)) throw MappingError(fmt::format("preprocess.std = {}: must be finite and > 0", std));
}

std::string Preprocess::describe() const {
  const std::string s = std::abs(scale - 1.0 / 255.0) < 1e-15 ? "pixel / 255" : fmt::format("pixel * {}", scale);
  if (mean == 0.0 && std == 1.0) return "x = " + s;
  return fmt::format("x = ({} - {}) / {}", s, mean, std);
}

torch::Tensor Preprocess::apply(const torch::Tensor& images_u8) const {
  torch::Tensor x = images_u8.to(torch::kFloat32) * static_cast<float>(scale);
  if (mean != 0.0 || std != 1.0) x = (x - static_cast<float>(mean)) / static_cast<float>(std);
  return x;
}

}  // namespace xbar::networks
