#pragma once
// Data sets for network benchmarks. Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017,
// arXiv:1708.07747) comes from Debian's dataset-fashion-mnist package as gzipped IDX files in
// /usr/share/datasets/fashion-mnist (or the folder in $XBAR_FASHION_MNIST_DIR): 60,000 training
// and 10,000 test images of 28 x 28 8-bit pixels, labels 0..9. Nothing is downloaded.
//
// IDX (LeCun's MNIST format): a big-endian header, magic 0x00000803 (uint8, 3 dimensions) or
// 0x00000801 (uint8, 1 dimension), then one big-endian uint32 per dimension, then the bytes.
// load_fashion_mnist() checks the magic, the dimensions, that images and labels agree in count,
// that the file holds exactly the bytes its header promises and that labels are 0..9; anything
// else is a DatasetError naming the file and what is wrong.
#include <torch/types.h>

#include <string>

namespace xbar::networks {

enum class Split { train, test };

struct Dataset {
  torch::Tensor images;  ///< uint8 [N, 1, 28, 28], pixels 0..255
  torch::Tensor labels;  ///< int64 [N], classes 0..9
  std::string images_path;  ///< where the images came from
  std::string labels_path;  ///< where the labels came from
  static constexpr int kClasses = 10;
  std::int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
};

/// $XBAR_FASHION_MNIST_DIR if set, else /usr/share/datasets/fashion-mnist.
std::string fashion_mnist_dir();

/// Reads one split. Throws DatasetError naming the file (missing: says which package installs it).
Dataset load_fashion_mnist(Split split, const std::string& dir = fashion_mnist_dir());

/// Reads one gzipped (or plain) IDX file of uint8 data; the dimensions go to `dims`.
torch::Tensor read_idx_u8(const std::string& path, std::vector<std::int64_t>& dims);

/// The input preprocessing a network expects: x = (pixel * scale - mean) / std. The default is
/// torchvision's ToTensor (pixels / 255, no normalization), what PyTorch users train with.
struct Preprocess {
  double scale = 1.0 / 255.0;  ///< multiplies the 0..255 pixels
  double mean = 0.0;           ///< subtracted after scaling
  double std = 1.0;            ///< divides after subtracting the mean, > 0

  void validate() const;       ///< throws MappingError naming the field
  std::string describe() const;  ///< e.g. "x = pixel / 255" or "x = (pixel / 255 - 0.286) / 0.353"
  /// float32 tensor of the same shape as `images_u8`.
  torch::Tensor apply(const torch::Tensor& images_u8) const;
};

}  // namespace xbar::networks
