#pragma once
// Errors of xbar::networks. Every message names the file, layer or option and what to do, e.g.
// "net.pt: layer 2 (aten::conv_transpose2d at net.py:14): not supported on tiles: ...".
#include "xbar/core/error.hpp"

namespace xbar::networks {

/// Base of every exception thrown by xbar::networks.
using Error = xbar::LibraryError<struct NetworksTag>;

/// A data set file is missing, truncated or not what it should be.
class DatasetError : public Error {
 public:
  using Error::Error;
};

/// A network file cannot be loaded, has an operation that cannot run on tiles, a bad weight,
/// or an input shape that does not fit the data.
class NetworkError : public Error {
 public:
  using Error::Error;
};

/// An option or a tile model that the mapping cannot use.
class MappingError : public Error {
 public:
  using Error::Error;
};

}  // namespace xbar::networks
