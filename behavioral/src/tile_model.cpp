#include "xbar/behavioral/tile_model.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "cat.hpp"
#include "xbar/behavioral/error.hpp"

namespace xbar::behavioral {

using detail::cat;

namespace {

// Runs one part's validate() and appends its problems to `bad`.
template <typename Check>
void collect(std::vector<std::string>& bad, const std::string& where, Check&& check) {
  try {
    check();
  } catch (const ValidationError& e) {
    for (const std::string& p : e.problems()) bad.push_back(where.empty() ? p : cat(where, ": ", p));
  }
}

}  // namespace

void TileModelParams::validate() const {
  std::vector<std::string> bad;
  collect(bad, "", [&] { crossbar.validate(); });
  collect(bad, "", [&] { dac.validate(); });
  if (crossbar.differential)
    bad.push_back("tile_model.crossbar.differential = true: must be false (the tile is single-ended, as the SPICE tile)");
  if (dac.level_table_v.size() != 0 && dac.level_table_v.rows() != crossbar.rows)
    bad.push_back(cat("tile_model.dac.level_table_v has ", dac.level_table_v.rows(),
                      " rows: must be one per crossbar row (crossbar.rows = ", crossbar.rows, ")"));
  const auto n_cols = static_cast<std::size_t>(crossbar.cols);
  if (tia.size() != 1 && tia.size() != n_cols)
    bad.push_back(cat("tile_model.tia has ", tia.size(), " entries: must be 1 (shared) or crossbar.cols = ", crossbar.cols));
  for (std::size_t k = 0; k < tia.size(); ++k) collect(bad, cat("tile_model.tia[", k, "]"), [&] { tia[k].validate(); });
  if (adc.size() != 1 && adc.size() != n_cols)
    bad.push_back(cat("tile_model.adc has ", adc.size(), " entries: must be 1 (shared) or crossbar.cols = ", crossbar.cols));
  for (std::size_t k = 0; k < adc.size(); ++k) collect(bad, cat("tile_model.adc[", k, "]"), [&] { adc[k].validate(); });
  if (!bad.empty()) throw ValidationError(std::move(bad));
}

struct TileModel::Impl {
  TileModelParams p;
  CrossbarModel crossbar;
  DacModel dac;
  std::vector<AdcModel> adcs;  // one per AdcModelParams (shared: one)
  Eigen::VectorXd g_in_s;      // cols: sum_i M(k, i), the conductance each TIA input sees, set by program()
  // The TIA of column k as program() leaves it: v = clamp(rest + slope i, lo, hi), with rest and
  // slope the very sub-expressions of tia_evaluate (so the outputs are bit for bit its v_out_v).
  Eigen::VectorXd tia_rest_v, tia_slope_ohm, tia_lo_v, tia_hi_v;
  Eigen::VectorXd ideal_level_v;  // DAC level of every code (ideal levels)

  explicit Impl(const TileModelParams& params)
      : p((params.validate(), params)), crossbar(p.crossbar), dac(p.dac, p.crossbar.rows) {
    adcs.reserve(p.adc.size());
    for (const AdcModelParams& a : p.adc) adcs.emplace_back(a);
    ideal_level_v.resize(p.dac.codes());
    for (int c = 0; c < p.dac.codes(); ++c) ideal_level_v[c] = p.dac.ideal_level_v(c);
  }

  void cache_tia() {
    const int n = cols();
    tia_rest_v.resize(n);
    tia_slope_ohm.resize(n);
    tia_lo_v.resize(n);
    tia_hi_v.resize(n);
    for (int k = 0; k < n; ++k) {
      const TiaModelParams& t = p.tia_of(k);
      const TiaTransfer line = tia_transfer(t, g_in_s[k]);
      tia_rest_v[k] = line.rest_v;
      tia_slope_ohm[k] = line.slope_ohm;
      tia_lo_v[k] = t.v_out_min_v;
      tia_hi_v[k] = t.v_out_max_v;
    }
  }

  double dac_level_v(int row, int code) const {
    return p.dac.level_table_v.size() != 0 ? p.dac.level_table_v(row, code) : ideal_level_v[code];
  }

  int cols() const { return p.crossbar.cols; }
  const AdcModel& adc_of(int k) const { return adcs.size() == 1 ? adcs[0] : adcs[static_cast<std::size_t>(k)]; }
  // The noise draw of conversion (k, b), volts.
  double noise_v(int k, Eigen::Index b) const {
    const double sigma = adc_of(k).params().noise_sigma_v;
    return sigma == 0.0 ? 0.0 : sigma * adc_noise_unit(p.noise_seed, k, static_cast<std::int64_t>(b));
  }

  void require_programmed(const char* what) const {
    if (!crossbar.programmed())
      throw Error(cat("TileModel::", what, ": the model is not programmed; call program(g_s) first"));
  }

  void check_codes(const char* what, const Eigen::Ref<const Eigen::MatrixXi>& codes) const {
    std::vector<std::string> bad;
    if (codes.rows() != p.crossbar.rows)
      bad.push_back(cat("TileModel::", what, ": codes have ", codes.rows(), " rows: must be crossbar.rows = ", p.crossbar.rows));
    const int top = p.dac.codes() - 1;
    for (Eigen::Index b = 0; b < codes.cols() && bad.empty(); ++b)
      for (Eigen::Index i = 0; i < codes.rows(); ++i)
        if (codes(i, b) < 0 || codes(i, b) > top) {
          bad.push_back(cat("TileModel::", what, ": codes(", i, ", ", b, ") = ", codes(i, b), ": must be between 0 and ",
                            top, " (dac.bits = ", p.dac.bits, ")"));
          break;
        }
    if (!bad.empty()) throw ValidationError(std::move(bad));
  }

  // TIA and ADC stages for the currents of the first i_col.rows() columns (i_col: those
  // columns x B); fills v_tia and codes (v_tia may be null).
  void periphery(const Eigen::MatrixXd& i_col, Eigen::MatrixXd* v_tia, Eigen::MatrixXi& codes) const {
    if (v_tia) v_tia->resize(i_col.rows(), i_col.cols());
    codes.resize(i_col.rows(), i_col.cols());
    const bool noiseless = std::all_of(adcs.begin(), adcs.end(), [](const AdcModel& a) { return a.params().noise_sigma_v == 0.0; });
    for (Eigen::Index b = 0; b < i_col.cols(); ++b)
      for (int k = 0; k < static_cast<int>(i_col.rows()); ++k) {
        double v = tia_rest_v[k] + tia_slope_ohm[k] * i_col(k, b);  // = tia_evaluate(...).v_out_v
        if (v < tia_lo_v[k]) v = tia_lo_v[k];
        else if (v > tia_hi_v[k]) v = tia_hi_v[k];
        if (v_tia) (*v_tia)(k, b) = v;
        codes(k, b) = adc_of(k).code(v, noiseless ? 0.0 : noise_v(k, b));
      }
  }
};

TileModel::TileModel(const TileModelParams& params) : impl_(std::make_unique<Impl>(params)) {}
TileModel::~TileModel() = default;
TileModel::TileModel(TileModel&&) noexcept = default;
TileModel& TileModel::operator=(TileModel&&) noexcept = default;

const TileModelParams& TileModel::params() const { return impl_->p; }
const CrossbarModel& TileModel::crossbar() const { return impl_->crossbar; }
const Eigen::VectorXd& TileModel::g_in_s() const { return impl_->g_in_s; }

void TileModel::program(const Eigen::Ref<const Eigen::MatrixXd>& g_s) {
  impl_->crossbar.program(g_s);  // validates the shape and the values
  // g_in = M 1: the current the columns draw, per volt, when every column node rises together
  // with the rows held (rows and columns all at 1 V carry no current, so M 1 = Y 1 for the
  // column-node admittance Y). Without wires and source resistance it is sum_i G(i, k).
  impl_->g_in_s = impl_->crossbar.effective_matrix().rowwise().sum();
  impl_->cache_tia();
}

TileOutputs TileModel::forward(const Eigen::Ref<const Eigen::MatrixXi>& codes) const {
  const Impl& m = *impl_;
  m.require_programmed("forward");
  m.check_codes("forward", codes);
  TileOutputs out;
  out.v_in_v = m.dac.forward(codes);
  out.i_col_a = m.crossbar.forward(out.v_in_v, m.p.sinh_solve);
  m.periphery(out.i_col_a, &out.v_tia_v, out.codes);
  return out;
}

Eigen::MatrixXi TileModel::forward_codes(const Eigen::Ref<const Eigen::MatrixXi>& codes, int active_cols) const {
  const Impl& m = *impl_;
  m.require_programmed("forward_codes");
  const int rows = m.p.crossbar.rows;
  if (codes.rows() < 1 || codes.rows() > rows || active_cols < 1 || active_cols > m.cols())
    throw ValidationError({cat("TileModel::forward_codes: ", codes.rows(), " active rows and ", active_cols,
                               " active columns: must be 1..crossbar.rows = ", rows, " and 1..crossbar.cols = ", m.cols())});
  const auto nr = static_cast<int>(codes.rows());
  const Eigen::Index batch = codes.cols();
  const int top = m.p.dac.codes() - 1;
  if (codes.size() > 0 && (codes.minCoeff() < 0 || codes.maxCoeff() > top)) {
    Eigen::MatrixXi padded = Eigen::MatrixXi::Zero(rows, batch);  // for the message naming the entry
    padded.topRows(nr) = codes;
    m.check_codes("forward_codes", padded);
  }
  bool zero_rest = m.p.crossbar.cell == CellModel::linear;  // inactive rows at 0 V add nothing to I = M v
  for (int i = nr; i < rows && zero_rest; ++i) zero_rest = m.dac_level_v(i, 0) == 0.0;
  Eigen::MatrixXd v_in(zero_rest ? nr : rows, batch);
  for (Eigen::Index b = 0; b < batch; ++b) {
    for (int i = 0; i < nr; ++i) v_in(i, b) = m.dac_level_v(i, codes(i, b));
    for (int i = nr; i < v_in.rows(); ++i) v_in(i, b) = m.dac_level_v(i, 0);
  }
  Eigen::MatrixXd i_col;
  if (zero_rest) {
    i_col.noalias() = m.crossbar.effective_matrix().topLeftCorner(active_cols, nr) * v_in;
  } else {
    i_col = m.crossbar.forward(v_in, m.p.sinh_solve).topRows(active_cols);
  }
  Eigen::MatrixXi out;
  m.periphery(i_col, nullptr, out);
  return out;
}

// surrogate_forward() and backward() solve sinh crossbars exactly (CrossbarModel::backward does),
// so that backward() is the exact gradient of surrogate_forward() whatever params().sinh_solve is.
Eigen::MatrixXd TileModel::surrogate_forward(const Eigen::Ref<const Eigen::MatrixXd>& v_in_v) const {
  const Impl& m = *impl_;
  m.require_programmed("surrogate_forward");
  if (v_in_v.rows() != m.p.crossbar.rows)
    throw ValidationError({cat("TileModel::surrogate_forward: v_in_v has ", v_in_v.rows(),
                               " rows: must be crossbar.rows = ", m.p.crossbar.rows)});
  const Eigen::MatrixXd i_col = m.crossbar.forward(v_in_v, SinhSolve::exact);
  Eigen::MatrixXd c(i_col.rows(), i_col.cols());
  for (Eigen::Index b = 0; b < i_col.cols(); ++b)
    for (int k = 0; k < m.cols(); ++k) {
      const double v = tia_evaluate(m.p.tia_of(k), i_col(k, b), m.g_in_s[k]).v_out_v;
      c(k, b) = m.adc_of(k).surrogate_code(v, m.noise_v(k, b));
    }
  return c;
}

TileGradients TileModel::backward(const Eigen::Ref<const Eigen::MatrixXi>& codes,
                                  const Eigen::Ref<const Eigen::MatrixXd>& dl_dcode) const {
  return backward(codes, dl_dcode, BackwardOptions{});
}

TileGradients TileModel::backward(const Eigen::Ref<const Eigen::MatrixXi>& codes,
                                  const Eigen::Ref<const Eigen::MatrixXd>& dl_dcode,
                                  const BackwardOptions& crossbar_options) const {
  const Impl& m = *impl_;
  m.require_programmed("backward");
  m.check_codes("backward", codes);
  if (dl_dcode.rows() != m.cols() || dl_dcode.cols() != codes.cols())
    throw ValidationError({cat("TileModel::backward: dl_dcode is ", dl_dcode.rows(), "x", dl_dcode.cols(),
                               ": must be crossbar.cols x B = ", m.cols(), "x", codes.cols())});
  const Eigen::Index batch = codes.cols();
  TileGradients g;
  TileOutputs& out = g.outputs;
  out.v_in_v = m.dac.forward(codes);
  out.i_col_a = m.crossbar.forward(out.v_in_v, SinhSolve::exact);
  out.v_tia_v.resize(m.cols(), batch);
  out.codes.resize(m.cols(), batch);

  g.tia.assign(m.p.tia.size(), TiaParamGradients{});
  g.adc_dl_dtransition.clear();
  for (const AdcModel& a : m.adcs) g.adc_dl_dtransition.push_back(Eigen::VectorXd::Zero(a.params().transitions()));
  const bool tia_shared = m.p.tia.size() == 1;
  const bool adc_shared = m.adcs.size() == 1;

  // ADC (surrogate) and TIA: dL/di_col, dL/dg_in, TIA and ADC parameter gradients.
  Eigen::MatrixXd dl_di(m.cols(), batch);
  Eigen::VectorXd dl_dg_in = Eigen::VectorXd::Zero(m.cols());
  for (Eigen::Index b = 0; b < batch; ++b) {
    for (int k = 0; k < m.cols(); ++k) {
      const TiaPartials d = tia_evaluate(m.p.tia_of(k), out.i_col_a(k, b), m.g_in_s[k]);
      const AdcModel& adc = m.adc_of(k);
      const double n = m.noise_v(k, b);
      out.v_tia_v(k, b) = d.v_out_v;
      out.codes(k, b) = adc.code(d.v_out_v, n);
      const double w = dl_dcode(k, b);
      adc.accumulate_dsurrogate_dt(d.v_out_v, n, w, g.adc_dl_dtransition[adc_shared ? 0 : static_cast<std::size_t>(k)]);
      const double dl_dv = w * adc.dsurrogate_dv(d.v_out_v, n);
      dl_di(k, b) = dl_dv * d.dv_di;
      dl_dg_in[k] += dl_dv * d.dv_dg_in;
      TiaParamGradients& t = g.tia[tia_shared ? 0 : static_cast<std::size_t>(k)];
      t.dl_drf += dl_dv * d.dv_drf;
      t.dl_da0 += dl_dv * d.dv_da0;
      t.dl_dr_out += dl_dv * d.dv_dr_out;
      t.dl_dv_offset += dl_dv * d.dv_dv_offset;
      t.dl_dv_out_min += dl_dv * d.dv_dv_out_min;
      t.dl_dv_out_max += dl_dv * d.dv_dv_out_max;
      t.dl_dtau += dl_dv * d.dv_dtau;
    }
  }

  // Crossbar adjoint. g_in = M 1 is the crossbar's output for every row at 1 V, so its gradient
  // is the crossbar's own for one more input: rows at kProbe volts with dL/di = dL/dg_in / kProbe
  // (a small probe keeps sinh cells on their small-signal conductance, which M holds; linear
  // cells do not care). The forward pass above already has the column currents: the crossbar
  // need not redo M v.
  constexpr double kProbe = 1e-6;
  BackwardOptions options = crossbar_options;
  options.outputs = false;
  Eigen::MatrixXd v_all(m.p.crossbar.rows, batch + 1);
  v_all.leftCols(batch) = out.v_in_v;
  v_all.col(batch).setConstant(kProbe);
  Eigen::MatrixXd dl_di_all(m.cols(), batch + 1);
  dl_di_all.leftCols(batch) = dl_di;
  dl_di_all.col(batch) = dl_dg_in / kProbe;
  g.crossbar = m.crossbar.backward(v_all, dl_di_all, options);
  g.crossbar.i_out_a = out.i_col_a;
  g.crossbar.dl_dv.conservativeResize(Eigen::NoChange, batch);
  g.dl_dv_in = g.crossbar.dl_dv;
  g.dac = m.dac.backward(codes, g.dl_dv_in);
  return g;
}

}  // namespace xbar::behavioral
