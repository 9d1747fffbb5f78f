#pragma once
// TileModel: the behavioral tile chain, DAC -> crossbar -> TIA -> ADC (the circuit of
// netlists/include/xbar/netlists/tile.hpp, one MVM per read cycle), with a backward pass.
//
// Forward, for input codes c (rows x B):
//   v_in   = DacModel(dac).forward(c)                        rows x B, V
//   i_col  = CrossbarModel(crossbar).forward(v_in)           cols x B, A (columns at 0 V)
//   v_tia  = tia_evaluate(tia[k], i_col(k, b), g_in[k])       cols x B, V; g_in = M 1 (below)
//   codes  = AdcModel(adc[k]).code(v_tia(k, b), n)            cols x B, n = noise_sigma_v adc_noise_unit(noise_seed, k, b)
// Single-ended arrays only (crossbar.differential must be false), as the SPICE tile.
// Each TIA holds its column node at about v_os (periphery.hpp: v_n = (a0 v_os + (rf + r_out) i) / D),
// so the column currents are i_col - Y v_n, Y (cols x cols) the admittance of the column nodes
// with the rows' sources held. The model takes the column as the Norton source
// (i_col(k), g_in[k]) of periphery.hpp with g_in = Y 1 = M 1 (M = effective_matrix(): with rows and
// columns all at one voltage no current flows, so Y 1 = M 1), the conductance a column sees when
// every column node moves together; without wires and source resistance g_in[k] = sum_i G(i, k).
// That is the DC solution of the tile deck when every column node sits at the same voltage, and
// for a single column; otherwise it leaves out sum_j Y(k, j) (v_n(j) - v_n(k)), the wires'
// coupling of the columns' different offsets (small: Y's off-diagonal is the wires' share).
// Backward includes the dependence of g_in on G, the wires and the source resistances.
//
// Backward, for dL/dcode (cols x B, the gradient of L with respect to the output codes), through
// the ADC's surrogate (periphery.hpp), the TIA's exact partials, the crossbar's adjoint and the
// DAC's levels. Because the code is replaced by its surrogate, backward() is the exact gradient
// of the surrogate chain: surrogate_forward() returns it, so finite differences of
// surrogate_forward() check backward() exactly (tests/behavioral/test_behavioral_tile.cpp). Both solve a
// sinh crossbar exactly whatever sinh_solve says (CrossbarModel::backward does); forward() uses
// sinh_solve, so with SinhSolve::fast its codes may differ from backward()'s outputs near a
// transition.
#include <Eigen/Core>
#include <cstdint>
#include <memory>
#include <vector>

#include "xbar/behavioral/crossbar_model.hpp"
#include "xbar/behavioral/periphery.hpp"

namespace xbar::behavioral {

struct TileModelParams {
  CrossbarModelParams crossbar;       ///< the array; r_source_ohm = the DAC output resistance per row
  DacModelParams dac;                 ///< every row driver (level_table_v: one row per crossbar row)
  std::vector<TiaModelParams> tia;    ///< one per column, or one shared by every column
  std::vector<AdcModelParams> adc;    ///< one per column, or one shared by every column
  std::uint64_t noise_seed = 1;       ///< seed of the ADC noise draws
  SinhSolve sinh_solve = SinhSolve::exact;  ///< crossbar solve for sinh cells

  /// Checks every part and the sizes; throws ValidationError listing each problem.
  void validate() const;
  const TiaModelParams& tia_of(int column) const { return tia.size() == 1 ? tia[0] : tia[column]; }
  const AdcModelParams& adc_of(int column) const { return adc.size() == 1 ? adc[0] : adc[column]; }
};

struct TileOutputs {
  Eigen::MatrixXd v_in_v;   ///< rows x B, DAC levels
  Eigen::MatrixXd i_col_a;  ///< cols x B, column currents
  Eigen::MatrixXd v_tia_v;  ///< cols x B, TIA outputs
  Eigen::MatrixXi codes;    ///< cols x B, ADC codes
};

struct TileGradients {
  TileOutputs outputs;                         ///< the forward pass
  Eigen::MatrixXd dl_dv_in;                    ///< rows x B: dL/d(DAC level)
  DacGradients dac;                            ///< straight-through code gradient, level gradients
  CrossbarGradients crossbar;                  ///< dL/dG, wires, r_source (dl_dv = dl_dv_in)
  std::vector<TiaParamGradients> tia;          ///< one per TIA parameter set (tia.size())
  std::vector<Eigen::VectorXd> adc_dl_dtransition;  ///< one per ADC parameter set; zeros for straight_through
};

class TileModel {
 public:
  explicit TileModel(const TileModelParams& params);  ///< validates
  ~TileModel();
  TileModel(TileModel&&) noexcept;
  TileModel& operator=(TileModel&&) noexcept;

  /// Programs the conductances (rows x cols, S). The expensive call (CrossbarModel::program).
  void program(const Eigen::Ref<const Eigen::MatrixXd>& g_s);
  /// One MVM per input column of `codes` (rows x B DAC codes).
  TileOutputs forward(const Eigen::Ref<const Eigen::MatrixXi>& codes) const;
  /// The ADC codes of the first `active_cols` columns (active_cols x B) for input codes on the
  /// first `codes.rows()` rows (active rows x B); every other row gets DAC code 0. Equal to
  /// forward(padded codes).codes.topRows(active_cols), but for linear cells whose code-0 level
  /// is 0 V it multiplies only the active block of the effective matrix and runs only the
  /// active columns' TIA and ADC, so a layer that fills part of a tile pays for that part.
  Eigen::MatrixXi forward_codes(const Eigen::Ref<const Eigen::MatrixXi>& codes, int active_cols) const;
  /// The surrogate codes (cols x B) that backward() differentiates, for the DAC levels `v_in_v`
  /// (rows x B, volts; bypasses the DAC so that it can be perturbed continuously).
  Eigen::MatrixXd surrogate_forward(const Eigen::Ref<const Eigen::MatrixXd>& v_in_v) const;
  /// Gradients of L = sum dl_dcode .* codes (surrogate) for input codes `codes`.
  TileGradients backward(const Eigen::Ref<const Eigen::MatrixXi>& codes,
                         const Eigen::Ref<const Eigen::MatrixXd>& dl_dcode) const;
  /// The same, with the crossbar's options (CrossbarModel::backward): for training,
  /// {.wire_gradients = false} leaves crossbar.dl_dr_* at 0 and lets a linear array with zero-ohm
  /// wires use the batch_sum method too; `outputs` is ignored (crossbar.i_out_a is always the
  /// forward pass's i_col_a). The default options give backward(codes, dl_dcode).
  TileGradients backward(const Eigen::Ref<const Eigen::MatrixXi>& codes, const Eigen::Ref<const Eigen::MatrixXd>& dl_dcode,
                         const BackwardOptions& crossbar_options) const;

  const TileModelParams& params() const;
  const CrossbarModel& crossbar() const;
  /// g_in (cols, S): the conductance each column's TIA input sees, M 1 (header comment); empty
  /// before program().
  const Eigen::VectorXd& g_in_s() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xbar::behavioral
