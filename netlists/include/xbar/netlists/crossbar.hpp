#pragma once
// Crossbar deck generator.
//
// A crossbar of `rows` x `cols` cells. Row i is driven from its left end by an ideal source
// v_in_v[i] behind a source resistance r_source_ohm[i]; each column ends at its bottom in a
// virtual ground, a 0 V source whose branch current is the column's output (amperes, positive
// when current flows from the cells into the sense node). Wires have one segment per cell:
//
//   in<i> --Rs--> d<i> --Rr--> r<i>_0 --Rr--> r<i>_1 ... r<i>_<K-1>        (row i)
//                                |              |
//                               cell(i,0)      cell(i,1)          cells join r<i>_k to c<i>_k
//                                |              |
//   c<0>_k --Rc--> c<1>_k --Rc--> ... c<R-1>_k --Rc--> o<k> --vsj<k> (0 V)--> ground  (column k)
//
// Node names (all lower case, as ngspice stores them):
//   in<i>      row i ideal source node (source Vin<i>, vector "vin<i>#branch")
//   d<i>       row i driver output, after the source resistance; the same node as in<i>
//              when r_source_ohm[i] == 0
//   r<i>_<k>   row i wire at physical column k; the same node as d<i> when r_row_wire_ohm == 0
//   c<i>_<k>   column k wire at row i; the same node as o<k> when r_col_wire_ohm == 0
//   o<k>       physical column k sense node, held at 0 V by Vsj<k>
// Element names: Vin<i>, Rs<i>, Rr<i>_<k> (row segment ending at r<i>_<k>), Rc<i>_<k>
// (column segment starting at c<i>_<k>), Rx<i>_<k> or Bx<i>_<k> (cell), Cr<i>_<k> and
// Cc<i>_<k> (wire capacitance to ground at a segment's far end), Vsj<k> (sense).
//
// Differential mode: logical output j uses two physical columns, k = 2j (G+, conductances
// g_s) and k = 2j+1 (G-, g_neg_s), side by side on the same rows. The sense sources are then
// named Vsjp<j> and Vsjn<j> and the output is I(Vsjp<j>) - I(Vsjn<j>).
//
// Cell models:
//   linear:  I = G * V                     (a resistor of 1/G ohms; G = 0 leaves it open)
//   sinh:    I = G * V0 * sinh(V / V0)     (a B source; small-signal conductance G at V = 0)
//
// Temperature: resistors carry ngspice's tc1 (R(T) = R (1 + tc1 (T - Tnom))) and the deck sets
// ".options temp=... tnom=..." when they differ from 27 C. ngspice's B-source tc1 scales the
// current up instead, so a sinh cell's G is divided by (1 + cell_tc1 (T - Tnom)) in the deck.
//
// Example:
//   CrossbarParams p;
//   p.rows = 2; p.cols = 3;
//   p.g_s = Eigen::MatrixXd::Constant(2, 3, 1e-5);
//   p.v_in_v = Eigen::VectorXd::Constant(2, 0.1);
//   Deck deck = make_crossbar_deck(p);   // deck.probes[j] reads column j's current
#include <Eigen/Core>
#include <string>

#include "xbar/netlists/deck.hpp"

namespace xbar::netlists {

enum class CellModel {
  linear,  ///< ohmic cell, I = G*V
  sinh,    ///< nonlinear read I-V, I = G*V0*sinh(V/V0)
};

/// Parses "linear" or "sinh"; throws netlists::Error naming the field otherwise.
CellModel parse_cell_model(const std::string& name, const std::string& field = "crossbar.cell");
const char* to_string(CellModel model);

/// Every parameter of a crossbar deck. Validated in one place: validate().
struct CrossbarParams {
  int rows = 16;                          ///< word lines, 1..1024
  int cols = 16;                          ///< logical outputs (bit lines), 1..1024
  Eigen::MatrixXd g_s;                    ///< rows x cols cell conductances in siemens (G+ when differential)
  Eigen::MatrixXd g_neg_s;                ///< rows x cols G- conductances in siemens; used only when differential
  bool differential = false;              ///< two physical columns (G+, G-) per logical output
  CellModel cell = CellModel::linear;     ///< cell I-V model
  double v0_v = 0.25;                     ///< sinh cell: characteristic voltage V0, volts, > 0
  double r_row_wire_ohm = 0.0;            ///< row wire resistance per segment (one segment per cell), ohms
  double r_col_wire_ohm = 0.0;            ///< column wire resistance per segment, ohms
  double c_row_wire_f = 0.0;              ///< row wire capacitance to ground per segment, farads
  double c_col_wire_f = 0.0;              ///< column wire capacitance to ground per segment, farads
  Eigen::VectorXd r_source_ohm;           ///< driver source resistance per row, ohms; empty = 0 for all rows
  Eigen::VectorXd v_in_v;                 ///< input (read) voltage per row, volts
  double temperature_c = 27.0;            ///< circuit temperature (ngspice .options temp), Celsius
  double tnom_c = 27.0;                   ///< temperature at which the nominal values hold (.options tnom), Celsius
  double cell_tc1_per_k = 0.0;            ///< cell resistance temperature coefficient: R(T) = R (1 + tc1 (T - Tnom)), 1/K
  double wire_tc1_per_k = 0.0;            ///< wire and source resistance temperature coefficient, 1/K
  std::string title = "xbar crossbar";    ///< deck title line (one line)
  bool klu = true;                        ///< write ".options klu" into the deck

  /// Checks every field; throws ValidationError listing one message per bad field, e.g.
  /// "crossbar.rows = 0: must be between 1 and 1024".
  void validate() const;
  /// Number of physical columns: cols, or 2*cols when differential.
  int physical_cols() const { return differential ? 2 * cols : cols; }
};

/// Validates `params` and writes the deck: elements, ".options klu" (if params.klu), ".op" and
/// ".end". The deck runs unchanged in `ngspice -b`. Probes: one per logical output, named
/// "i_out<j>", unit A.
Deck make_crossbar_deck(const CrossbarParams& params);

/// The array alone, for composing bigger decks (the tile chain): row wires, column wires and
/// cells, with the node names above. Rows start at in<i> (or d<i> when r_source_ohm[i] > 0,
/// in which case the caller writes Rs<i>), physical columns end at o<k>. No sources, no sense
/// sources, no options, no analysis: the caller drives in<i> and terminates o<k> (e.g. with
/// TIAs). v_in_v must still be valid (validate() runs) but is not used.
std::string crossbar_array_text(const CrossbarParams& params);

}  // namespace xbar::netlists
