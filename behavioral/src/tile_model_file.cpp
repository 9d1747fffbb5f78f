// The tile model file, xbar.model/1 kind "tile" (tile_model_file.hpp, data/MODEL_SCHEMA.md), and
// draw_tile_instance. The fields are listed once, in tile_model_file_fields.hpp; this file has
// the writing and reading Io over them.
#include "xbar/behavioral/tile_model_file.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "cat.hpp"
#include "xbar/behavioral/hdf5_io.hpp"
#include "tile_model_file_fields.hpp"
#include "xbar/behavioral/error.hpp"
#include "xbar/behavioral/model_file_error.hpp"
#include "xbar/core/counter_rng.hpp"

namespace xbar::behavioral {

namespace {

using detail::cat;
using detail::Hid;
using detail::QuietHdf5;
using detail::Reader;
using detail::Writer;

std::string parent_of(const std::string& full) {
  const auto pos = full.rfind('/');
  return pos == 0 ? "/" : full.substr(0, pos);
}

// Writes every field (tile_fields with const references).
class WriteIo {
 public:
  WriteIo(const Writer& w, hid_t file) : w_(w), file_(file) {}

  void group(const std::string& g) {
    const std::string parent = parent_of(g);
    groups_.emplace(g, w_.group(at(parent), g.substr(g.rfind('/') + 1), g));
  }
  void f64(const std::string& g, const std::string& name, const double& v) { w_.f64(at(g), g, name.c_str(), v); }
  void i32(const std::string& g, const std::string& name, const int& v) { w_.i64(at(g), g, name.c_str(), v); }
  void flag(const std::string& g, const std::string& name, const bool& v) { w_.i64(at(g), g, name.c_str(), v ? 1 : 0); }
  void u64(const std::string& g, const std::string& name, const std::uint64_t& v) { w_.u64(at(g), g, name.c_str(), v); }
  void str(const std::string& g, const std::string& name, const std::string& v) { w_.str(at(g), g, name.c_str(), v); }
  template <class E>
  void choice(const std::string& g, const std::string& name, const E& v, detail::EnumNames<E> names) {
    for (const auto& [value, text] : names)
      if (value == v) return str(g, name, text);
    w_.fail("attribute " + g + "@" + name, "unknown enum value");
  }
  void vec(const std::string& g, const std::string& name, const Eigen::VectorXd& v, const char* unit) {
    w_.vector(at(g), name, g + "/" + name, v, unit);
  }
  void mat(const std::string& g, const std::string& name, const Eigen::MatrixXd& m, const char* unit) {
    w_.matrix(at(g), name, g + "/" + name, m, unit);
  }
  template <class T>
  void count(const std::string& g, const std::string& name, const std::vector<T>& v) {
    u64(g, name, v.size());
  }
  template <class T>
  void single(const std::vector<T>&) {}  // validate() checked the size
  bool optional_group(const std::string& g) {
    group(g);
    return true;
  }
  void invalid(const std::string&, const std::string&, const std::string&) {}

 private:
  hid_t at(const std::string& g) const { return g == "/" ? file_ : groups_.at(g).get(); }
  const Writer& w_;
  hid_t file_;
  std::map<std::string, Hid> groups_;
};

// Reads every field; a missing or malformed object throws ModelFileError naming it.
class ReadIo {
 public:
  ReadIo(const Reader& r, hid_t file) : r_(r), file_(file) {}

  void group(const std::string& g) { groups_.emplace(g, r_.group(file_, g)); }
  void f64(const std::string& g, const std::string& name, double& v) { v = r_.f64(at(g), g, name.c_str()); }
  void i32(const std::string& g, const std::string& name, int& v) {
    const long long x = r_.i64(at(g), g, name.c_str());
    if (x < std::numeric_limits<int>::min() || x > std::numeric_limits<int>::max()) invalid(g, name, cat(x, ": out of range"));
    v = static_cast<int>(x);
  }
  void flag(const std::string& g, const std::string& name, bool& v) { v = r_.i64(at(g), g, name.c_str()) != 0; }
  void u64(const std::string& g, const std::string& name, std::uint64_t& v) { v = r_.u64(at(g), g, name.c_str()); }
  void str(const std::string& g, const std::string& name, std::string& v) { v = r_.str(at(g), g, name.c_str()); }
  template <class E>
  void choice(const std::string& g, const std::string& name, E& v, detail::EnumNames<E> names) {
    const std::string s = r_.str(at(g), g, name.c_str());
    std::string allowed;
    for (const auto& [value, text] : names) {
      if (s == text) {
        v = value;
        return;
      }
      allowed += (allowed.empty() ? "" : " or ") + std::string(text);
    }
    invalid(g, name, "'" + s + "': must be " + allowed);
  }
  void vec(const std::string& g, const std::string& name, Eigen::VectorXd& v, const char*) {
    v = r_.vector(file_, g + "/" + name);
  }
  void mat(const std::string& g, const std::string& name, Eigen::MatrixXd& m, const char*) {
    m = r_.matrix(file_, g + "/" + name);
  }
  template <class T>
  void count(const std::string& g, const std::string& name, std::vector<T>& v) {
    std::uint64_t n = 0;
    u64(g, name, n);
    if (n > 1000) invalid(g, name, cat(n, ": more than 1000 sources"));
    v.assign(static_cast<std::size_t>(n), T{});
  }
  template <class T>
  void single(std::vector<T>& v) {
    v.assign(1, T{});
  }
  bool optional_group(const std::string& g) {
    if (H5Lexists(file_, g.c_str(), H5P_DEFAULT) <= 0) return false;
    group(g);
    return true;
  }
  [[noreturn]] void invalid(const std::string& g, const std::string& name, const std::string& what) {
    r_.fail("attribute " + g + "@" + name, what);
  }

 private:
  hid_t at(const std::string& g) const { return g == "/" ? file_ : groups_.at(g).get(); }
  const Reader& r_;
  hid_t file_;
  std::map<std::string, Hid> groups_;
};

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
  detail::write_model_file_atomically(path, [&](const Writer& w, hid_t file) {
    w.str(file, "/", "schema", detail::kModelSchema);
    w.str(file, "/", "kind", "tile");
    WriteIo io(w, file);
    detail::tile_fields(io, model);
  });
}

TileModelFile read_tile_model_file(const std::string& path) {
  QuietHdf5 quiet;
  Hid file = detail::open_model_file(path, "tile");
  Reader r(path);
  ReadIo io(r, file.get());
  TileModelFile m;
  detail::tile_fields(io, m);
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
