#pragma once
// The project's generic CMOS process: MOSFET model cards and Pelgrom mismatch coefficients.
//
// "xbar180" is a generic ~180 nm-class parameter set for ngspice's MOS level 1 (Shichman-Hodges).
// It is written for this project and is not any foundry's model. Level 1 is chosen because its
// square law makes closed-form checks possible (Pelgrom offset predictions, gm = sqrt(2 beta I)),
// and because every ngspice build has it. The magnitudes are those that textbooks quote for
// 0.18 um CMOS (see data/PROCESS.md for each value and its source):
//
//   NMOS  VTO = +0.45 V   KP = mu_n Cox = 270 uA/V^2   lambda L = 0.08 um/V
//   PMOS  VTO = -0.45 V   KP = mu_p Cox =  70 uA/V^2   lambda L = 0.16 um/V
//   tox = 4 nm (Cox = 8.6 fF/um^2), GAMMA = 0.4 sqrt(V), PHI = 0.8 V, VDD = 1.8 V
//
// Level 1 has one LAMBDA per card, independent of L. Every transistor therefore gets its own
// card, with LAMBDA = (lambda L) / L_drawn, and with its own mismatch draw.
//
// Mismatch (Pelgrom's law), drawn per transistor:
//   dVT      ~ N(0, sigma_vt),     sigma_vt     = A_VT   / sqrt(W L)
//   dbeta/b  ~ N(0, sigma_beta),   sigma_beta   = A_beta / sqrt(W L)
// Note the convention: the issue and this code apply A_VT to ONE transistor. Pelgrom et al.
// (IEEE JSSC 24(5), 1989) define A_VT for the DIFFERENCE of a matched pair, so a pair here has
// sigma(dVT1 - dVT2) = sqrt(2) A_VT / sqrt(W L). Defaults: A_VT = 3.5 mV um and
// A_beta = 0.7 % um per transistor, i.e. about 5 mV um and 1 % um for a pair, the magnitudes
// reported for 0.18 um (data/PROCESS.md).
//
// A threshold shift dVT raises |VT|: VTO + dVT for NMOS, VTO - dVT for PMOS. A beta shift
// scales KP: KP (1 + dbeta/b).
//
// Example:
//   const Process p = xbar180();
//   MosfetInstance m{"m1", "d", "g", "s", "0", MosType::nmos, 2e-6, 0.5e-6};
//   std::string text = mosfet_text(p, m);   // ".model m1_mod nmos (...)\nm1 d g s 0 m1_mod w=... l=..."
#include <string>

namespace xbar::netlists {

enum class MosType { nmos, pmos };

/// Level-1 card parameters of one device type. Units in the names; SPICE names in comments.
struct MosCard {
  double vto_v = 0.45;                ///< VTO: zero-bias threshold, V (negative for PMOS)
  double kp_a_per_v2 = 270e-6;        ///< KP = mu Cox: transconductance parameter, A/V^2
  double gamma_sqrt_v = 0.4;          ///< GAMMA: body-effect coefficient, sqrt(V)
  double phi_v = 0.8;                 ///< PHI: surface potential 2 phi_F, V
  double lambda_l_m_per_v = 0.08e-6;  ///< lambda * L: channel-length modulation times drawn length, m/V
  double cgso_f_per_m = 0.35e-9;      ///< CGSO: gate-source overlap capacitance per width, F/m
  double cgdo_f_per_m = 0.35e-9;      ///< CGDO: gate-drain overlap capacitance per width, F/m
  double cj_f_per_m2 = 1.0e-3;        ///< CJ: bottom junction capacitance per area, F/m^2
  double cjsw_f_per_m = 0.2e-9;       ///< CJSW: sidewall junction capacitance per perimeter, F/m
  double ld_m = 0.0;                  ///< LD: lateral diffusion, m
};

/// A process: both device cards, the oxide, the supply and the mismatch coefficients.
struct Process {
  std::string name = "xbar180";
  MosCard nmos;                       ///< NMOS card
  MosCard pmos;                       ///< PMOS card (vto_v < 0)
  double tox_m = 4.0e-9;              ///< TOX: gate oxide thickness, m
  double vdd_v = 1.8;                 ///< nominal supply, V
  double l_min_m = 0.18e-6;           ///< minimum drawn length, m
  double a_vt_v_m = 3.5e-3 * 1e-6;    ///< Pelgrom A_VT per transistor, V*m (3.5 mV um)
  double a_beta_m = 0.007 * 1e-6;     ///< Pelgrom A_beta per transistor, m (0.7 % um, as a fraction)
  double s_diff_m = 0.5e-6;           ///< source/drain diffusion length used for AD/AS/PD/PS, m

  /// Checks every field; throws ValidationError naming the field, e.g.
  /// "process.nmos.kp_a_per_v2 = -1: must be finite and > 0".
  void validate() const;
};

/// The generic ~180 nm process described above.
Process xbar180();

/// One transistor of a deck, with its mismatch draw.
struct MosfetInstance {
  std::string name;                   ///< element name without the leading M, e.g. "1" or "tia3_m1"
  std::string drain, gate, source, bulk;
  MosType type = MosType::nmos;
  double w_m = 1e-6;                  ///< drawn width, m
  double l_m = 0.18e-6;               ///< drawn length, m
  double dvt_v = 0.0;                 ///< threshold shift (raises |VT| when > 0), V
  double dbeta_rel = 0.0;             ///< relative beta shift, dimensionless (KP * (1 + dbeta_rel))
  double multiplier = 1.0;            ///< M: parallel devices
};

/// sigma of dVT for one transistor of area w*l: A_VT / sqrt(W L), V.
double pelgrom_sigma_vt_v(const Process& p, double w_m, double l_m);
/// sigma of dbeta/beta for one transistor: A_beta / sqrt(W L), dimensionless.
double pelgrom_sigma_beta_rel(const Process& p, double w_m, double l_m);

/// The transistor's own ".model" card (named "<name>_mod") and its "M<name>" element line,
/// with W, L, AD, AS, PD, PS and M. Two lines, each ending in '\n'.
std::string mosfet_text(const Process& p, const MosfetInstance& m);

}  // namespace xbar::netlists
