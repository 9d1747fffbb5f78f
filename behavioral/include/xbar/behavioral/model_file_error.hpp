#pragma once
// ModelFileError: a behavioral model file (xbar.model/1, data/MODEL_SCHEMA.md) could not be
// written or read. The message names the file, the HDF5 object and the reason, e.g.
// "model.h5: attribute /variation/programming_error@sigma_rel_d2d: missing (is this an xbar
// model file?)".
#include "xbar/behavioral/error.hpp"

namespace xbar::behavioral {

/// Bad or unreadable model file, or a model that cannot be written where asked.
class ModelFileError : public Error {
 public:
  using Error::Error;
};

}  // namespace xbar::behavioral
