// xbar.model/2 files of kinds "tia" and "adc" (periphery_model_file.hpp, data/MODEL_SCHEMA.md).
// Their fields are listed once in model_file_fields.hpp (tia_model_fields, adc_model_fields).
#include "xbar/behavioral/periphery_model_file.hpp"

#include <hdf5.h>

#include "model_file_io.hpp"
#include "xbar/behavioral/hdf5_io.hpp"
#include "xbar/behavioral/error.hpp"
#include "xbar/behavioral/model_file_error.hpp"

namespace xbar::behavioral {

namespace {

using detail::Hid;
using detail::QuietHdf5;
using detail::Reader;

const auto kTiaFields = [](auto& io, auto& m) { detail::tia_model_fields(io, m); };
const auto kAdcFields = [](auto& io, auto& m) { detail::adc_model_fields(io, m); };

// Checks that every per-instance column has the length of `instance`.
void check_rows(const std::string& path, std::size_t n, std::size_t got, const char* column) {
  if (got != n)
    throw ModelFileError(path + ": dataset /instances/" + column + " has " + std::to_string(got) +
                         " rows, /instances/instance has " + std::to_string(n));
}

template <class P>
void check_nominal(const std::string& path, const P& p) {
  try {
    p.validate();
  } catch (const ValidationError& e) {
    throw ModelFileError(path + ": group /nominal: invalid parameters:\n" + e.what());
  }
}

}  // namespace

void write_tia_model_file(const std::string& path, const TiaModelFile& m) {
  m.nominal.validate();
  const auto& t = m.instances;
  const std::size_t n = t.size();
  for (auto [v, name] : {std::pair{&t.opamp_v_offset_v, "opamp_v_offset_v"}, {&t.gain_ohm, "gain_ohm"},
                         {&t.v_out_offset_v, "v_out_offset_v"}, {&t.a0_vv, "a0_vv"}, {&t.r_out_ohm, "r_out_ohm"},
                         {&t.v_out_high_v, "v_out_high_v"}, {&t.v_out_low_v, "v_out_low_v"}})
    if (static_cast<std::size_t>(v->size()) != n || t.held_out.size() != n)
      throw ValidationError({std::string("tia model instances.") + name + " has " + std::to_string(v->size()) +
                             " entries: must be one per instance (" + std::to_string(n) + ")"});
  detail::write_model(path, "tia", m, kTiaFields);
}

TiaModelFile read_tia_model_file(const std::string& path) {
  TiaModelFile m = detail::read_model<TiaModelFile>(path, "tia", kTiaFields);
  check_nominal(path, m.nominal);
  const auto& t = m.instances;
  check_rows(path, t.size(), t.held_out.size(), "held_out");
  for (auto [v, name] : {std::pair{&t.opamp_v_offset_v, "opamp_v_offset_v"}, {&t.gain_ohm, "gain_ohm"},
                         {&t.v_out_offset_v, "v_out_offset_v"}, {&t.a0_vv, "a0_vv"}, {&t.r_out_ohm, "r_out_ohm"},
                         {&t.v_out_high_v, "v_out_high_v"}, {&t.v_out_low_v, "v_out_low_v"}})
    check_rows(path, t.size(), static_cast<std::size_t>(v->size()), name);
  return m;
}

void write_adc_model_file(const std::string& path, const AdcModelFile& m) {
  m.nominal.validate();
  const auto& t = m.instances;
  if (t.held_out.size() != t.size() || static_cast<std::size_t>(t.transition_v.rows()) != t.size() ||
      (t.size() > 0 && t.transition_v.cols() != m.nominal.transitions()))
    throw ValidationError({"adc model instances: transition_v is " + std::to_string(t.transition_v.rows()) + "x" +
                           std::to_string(t.transition_v.cols()) + ": must be one row per instance (" +
                           std::to_string(t.size()) + ") of 2^bits - 1 transitions"});
  detail::write_model(path, "adc", m, kAdcFields);
}

AdcModelFile read_adc_model_file(const std::string& path) {
  AdcModelFile m = detail::read_model<AdcModelFile>(path, "adc", kAdcFields);
  check_nominal(path, m.nominal);
  const auto& t = m.instances;
  check_rows(path, t.size(), t.held_out.size(), "held_out");
  check_rows(path, t.size(), static_cast<std::size_t>(t.transition_v.rows()), "transition_v");
  return m;
}

std::string model_kind_of(const std::string& path) {
  QuietHdf5 quiet;
  Hid file = detail::open_model_file(path, "");
  return Reader(path).str(file.get(), "/", "kind");
}

}  // namespace xbar::behavioral
