// The tile model file, xbar.model/2 kind "tile" (tile_model_file.hpp, data/MODEL_SCHEMA.md), and
// draw_tile_instance. The fields are listed once, in model_file_fields.hpp; the writing and
// reading Io over them are in model_file_io.hpp.
#include "xbar/behavioral/tile_model_file.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "cat.hpp"
#include "model_file_io.hpp"
#include "xbar/behavioral/hdf5_io.hpp"
#include "xbar/behavioral/error.hpp"
#include "xbar/behavioral/model_file_error.hpp"
#include "xbar/core/counter_rng.hpp"

namespace xbar::behavioral {

namespace {

using detail::cat;

bool finite_nonneg(double x) { return std::isfinite(x) && x >= 0.0; }

}  // namespace

void TileModelFile::validate() const {
  std::vector<std::string> bad;
  try {
    nominal.validate();
  } catch (const ValidationError& e) {
    for (const auto& p : e.problems()) bad.push_back(p);
  }
  if (nominal.tia.size() != 1)
    bad.push_back(cat("tile_model.nominal.tia has ", nominal.tia.size(), " entries: must be 1 (one shared nominal TIA)"));
  if (nominal.adc.size() != 1)
    bad.push_back(cat("tile_model.nominal.adc has ", nominal.adc.size(), " entries: must be 1 (one shared nominal ADC)"));
  const auto& xb = nominal.crossbar;
  if (xb.r_source_ohm.size() != 0 && xb.r_source_ohm.size() != xb.rows)
    bad.push_back(cat("tile_model.nominal.crossbar.r_source_ohm has ", xb.r_source_ohm.size(),
                      " entries: must be empty or one per row (", xb.rows, ")"));
  if (!(std::isfinite(g_min_s) && g_min_s > 0.0))
    bad.push_back(cat("tile_model.g_min_s = ", g_min_s, ": must be finite and > 0 S"));
  if (!(std::isfinite(g_max_s) && g_max_s > g_min_s))
    bad.push_back(cat("tile_model.g_max_s = ", g_max_s, ": must be finite and > g_min_s (", g_min_s, ")"));
  const auto& v = variation;
  const auto& e = v.programming_error;
  if (e.distribution != "normal" && e.distribution != "lognormal")
    bad.push_back("tile_model.variation.programming_error.distribution = '" + e.distribution +
                  "': must be normal or lognormal");
  for (auto [x, name] : {std::pair{e.sigma_rel_d2d, "programming_error.sigma_rel_d2d"},
                         {e.sigma_log, "programming_error.sigma_log"},
                         {v.wire.r_wire_sigma_rel_d2d, "wire.r_wire_sigma_rel_d2d"},
                         {v.tia_opamp_v_offset.sigma_v, "tia_opamp_v_offset.sigma_v"},
                         {v.adc_comparator_offset.sigma_v, "adc_comparator_offset.sigma_v"},
                         {v.g_stuck_on_s, "g_stuck_on_s"},
                         {v.g_stuck_off_s, "g_stuck_off_s"}})
    if (!finite_nonneg(x)) bad.push_back(cat("tile_model.variation.", name, " = ", x, ": must be finite and >= 0"));
  for (auto [x, name] : {std::pair{e.mean_rel, "programming_error.mean_rel"},
                         {e.mean_log, "programming_error.mean_log"},
                         {v.wire.mean_rel, "wire.mean_rel"},
                         {v.tia_opamp_v_offset.mean_v, "tia_opamp_v_offset.mean_v"},
                         {v.adc_comparator_offset.mean_v, "adc_comparator_offset.mean_v"}})
    if (!std::isfinite(x)) bad.push_back(cat("tile_model.variation.", name, " = ", x, ": must be finite"));
  for (auto [f, name] : {std::pair{&v.stuck_on, "stuck_on"}, {&v.stuck_off, "stuck_off"}})
    if (!(f->fraction >= 0.0 && f->fraction <= 1.0))
      bad.push_back(cat("tile_model.variation.", name, ".fraction = ", f->fraction, ": must be between 0 and 1"));
  if (v.stuck_on.fraction + v.stuck_off.fraction > 1.0)
    bad.push_back(cat("tile_model.variation.stuck_on.fraction + stuck_off.fraction = ",
                      v.stuck_on.fraction + v.stuck_off.fraction, ": must be <= 1"));
  for (std::size_t k = 0; k < sources.size(); ++k)
    if (sources[k].component.empty())
      bad.push_back(cat("tile_model.sources[", k, "].component is empty: name the part (crossbar, tia, adc)"));
  if (!bad.empty()) throw ValidationError(std::move(bad));
}

void write_tile_model_file(const std::string& path, const TileModelFile& model) {
  model.validate();
  detail::write_model(path, "tile", model, [](auto& io, auto& m) { detail::tile_fields(io, m); });
}

TileModelFile read_tile_model_file(const std::string& path) {
  TileModelFile m =
      detail::read_model<TileModelFile>(path, "tile", [](auto& io, auto& t) { detail::tile_fields(io, t); });
  try {
    m.validate();
  } catch (const ValidationError& e) {
    throw ModelFileError(path + ": invalid tile model:\n" + e.what());
  }
  return m;
}

TileInstance draw_tile_instance(const TileModelFile& model, const Eigen::Ref<const Eigen::MatrixXd>& g_target_s,
                                std::uint64_t seed, std::uint64_t stream, bool with_variation) {
  const TileModelParams& nom = model.nominal;
  const int rows = nom.crossbar.rows;
  const int cols = nom.crossbar.physical_cols();
  if (g_target_s.rows() != rows || g_target_s.cols() != cols)
    throw ValidationError({cat("draw_tile_instance: g_target_s is ", g_target_s.rows(), "x", g_target_s.cols(),
                               ": must be crossbar.rows x cols = ", rows, "x", cols)});
  if (!g_target_s.allFinite() || (g_target_s.array() < 0.0).any())
    throw ValidationError({"draw_tile_instance: g_target_s has a negative or non-finite conductance"});
  if (nom.tia.empty() || nom.adc.empty())
    throw ValidationError({"draw_tile_instance: model.nominal has no TIA or no ADC (validate the model)"});

  TileInstance out;
  out.params = nom;
  out.params.tia.assign(1, nom.tia[0]);
  out.params.adc.assign(1, nom.adc[0]);
  out.params.noise_seed = core::stream_key({seed, stream});
  if (!with_variation) {
    out.g_s = g_target_s;
    return out;
  }

  const TileVariation& v = model.variation;
  const core::CounterRng rng(seed, stream);
  // Wires: one relative draw per chip for the row wires and one for the column wires.
  const double w_sigma = v.wire.r_wire_sigma_rel_d2d;
  const double w_mean = v.wire.mean_rel;
  out.params.crossbar.r_row_wire_ohm = nom.crossbar.r_row_wire_ohm * std::max(0.0, 1.0 + w_mean + w_sigma * rng.normal(0));
  out.params.crossbar.r_col_wire_ohm = nom.crossbar.r_col_wire_ohm * std::max(0.0, 1.0 + w_mean + w_sigma * rng.normal(1));

  const auto c = static_cast<std::uint64_t>(cols);
  const auto r = static_cast<std::uint64_t>(rows);
  // TIA: each column's op-amp offset.
  out.params.tia.assign(static_cast<std::size_t>(cols), nom.tia[0]);
  for (std::uint64_t j = 0; j < c; ++j)
    out.params.tia[j].v_offset_v =
        v.tia_opamp_v_offset.mean_v + v.tia_opamp_v_offset.sigma_v * rng.normal(2 + j);
  // ADC: each column's transitions about the nominal ones.
  const Eigen::VectorXd t_nominal = nom.adc[0].transitions_v();
  const auto m_tr = static_cast<std::uint64_t>(t_nominal.size());
  out.params.adc.assign(static_cast<std::size_t>(cols), nom.adc[0]);
  for (std::uint64_t j = 0; j < c; ++j) {
    Eigen::VectorXd t = t_nominal;
    for (std::uint64_t k = 0; k < m_tr; ++k)
      t[static_cast<Eigen::Index>(k)] += v.adc_comparator_offset.mean_v +
                                         v.adc_comparator_offset.sigma_v * rng.normal(2 + c + j * m_tr + k);
    out.params.adc[j].transition_v = std::move(t);
  }
  // Cells: stuck, else programmed with the relative error.
  const std::uint64_t base = 2 + c + c * m_tr;
  const std::uint64_t stuck_base = 2 * (base + r * c);
  const double f_on = v.stuck_on.fraction;
  const double f_off = v.stuck_off.fraction;
  const auto& pe = v.programming_error;
  const bool lognormal = pe.distribution == "lognormal";
  out.g_s.resize(rows, cols);
  for (std::uint64_t i = 0; i < r; ++i)
    for (std::uint64_t j = 0; j < c; ++j) {
      const std::uint64_t cell = i * c + j;
      const auto ii = static_cast<Eigen::Index>(i);
      const auto jj = static_cast<Eigen::Index>(j);
      const double u = rng.uniform(stuck_base + cell);
      double g = 0.0;
      if (u < f_on) {
        g = v.g_stuck_on_s;
      } else if (u < f_on + f_off) {
        g = v.g_stuck_off_s;
      } else {
        const double e = rng.normal(base + cell);
        const double target = g_target_s(ii, jj);
        g = lognormal ? target * std::exp(pe.mean_log + pe.sigma_log * e)
                      : target * std::max(0.0, 1.0 + pe.mean_rel + pe.sigma_rel_d2d * e);
      }
      out.g_s(ii, jj) = g;
    }
  return out;
}

}  // namespace xbar::behavioral
