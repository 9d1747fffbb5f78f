#include "xbar/netlists/process.hpp"

#include <fmt/format.h>

#include <cmath>
#include <string>
#include <vector>

#include "xbar/netlists/error.hpp"

namespace xbar::netlists {

namespace {

bool finite_pos(double x) { return std::isfinite(x) && x > 0.0; }
bool finite_nonneg(double x) { return std::isfinite(x) && x >= 0.0; }

void check(std::vector<std::string>& out, bool ok, const std::string& field, double value, const char* rule) {
  if (!ok) out.push_back(fmt::format("{} = {}: {}", field, value, rule));
}

void check_card(std::vector<std::string>& out, const MosCard& c, const std::string& prefix, bool pmos) {
  const bool vto_ok = std::isfinite(c.vto_v) && (pmos ? c.vto_v < 0.0 : c.vto_v > 0.0);
  check(out, vto_ok, prefix + ".vto_v", c.vto_v, pmos ? "must be finite and < 0 V (PMOS)" : "must be finite and > 0 V (NMOS)");
  check(out, finite_pos(c.kp_a_per_v2), prefix + ".kp_a_per_v2", c.kp_a_per_v2, "must be finite and > 0 A/V^2");
  check(out, finite_nonneg(c.gamma_sqrt_v), prefix + ".gamma_sqrt_v", c.gamma_sqrt_v, "must be finite and >= 0 sqrt(V)");
  check(out, finite_pos(c.phi_v), prefix + ".phi_v", c.phi_v, "must be finite and > 0 V");
  check(out, finite_nonneg(c.lambda_l_m_per_v), prefix + ".lambda_l_m_per_v", c.lambda_l_m_per_v, "must be finite and >= 0 m/V");
  check(out, finite_nonneg(c.cgso_f_per_m), prefix + ".cgso_f_per_m", c.cgso_f_per_m, "must be finite and >= 0 F/m");
  check(out, finite_nonneg(c.cgdo_f_per_m), prefix + ".cgdo_f_per_m", c.cgdo_f_per_m, "must be finite and >= 0 F/m");
  check(out, finite_nonneg(c.cj_f_per_m2), prefix + ".cj_f_per_m2", c.cj_f_per_m2, "must be finite and >= 0 F/m^2");
  check(out, finite_nonneg(c.cjsw_f_per_m), prefix + ".cjsw_f_per_m", c.cjsw_f_per_m, "must be finite and >= 0 F/m");
  check(out, finite_nonneg(c.ld_m), prefix + ".ld_m", c.ld_m, "must be finite and >= 0 m");
}

}  // namespace

void Process::validate() const {
  std::vector<std::string> out;
  check_card(out, nmos, "process.nmos", false);
  check_card(out, pmos, "process.pmos", true);
  check(out, finite_pos(tox_m), "process.tox_m", tox_m, "must be finite and > 0 m");
  check(out, finite_pos(vdd_v), "process.vdd_v", vdd_v, "must be finite and > 0 V");
  check(out, finite_pos(l_min_m), "process.l_min_m", l_min_m, "must be finite and > 0 m");
  check(out, finite_nonneg(a_vt_v_m), "process.a_vt_v_m", a_vt_v_m, "must be finite and >= 0 V*m");
  check(out, finite_nonneg(a_beta_m), "process.a_beta_m", a_beta_m, "must be finite and >= 0 m");
  check(out, finite_pos(s_diff_m), "process.s_diff_m", s_diff_m, "must be finite and > 0 m");
  if (!out.empty()) throw ValidationError(std::move(out));
}

Process xbar180() {
  Process p;
  p.nmos = MosCard{};  // defaults above are the NMOS values
  p.pmos.vto_v = -0.45;
  p.pmos.kp_a_per_v2 = 70e-6;
  p.pmos.lambda_l_m_per_v = 0.16e-6;
  p.pmos.cj_f_per_m2 = 1.1e-3;
  p.pmos.cjsw_f_per_m = 0.25e-9;
  return p;
}

double pelgrom_sigma_vt_v(const Process& p, double w_m, double l_m) { return p.a_vt_v_m / std::sqrt(w_m * l_m); }

double pelgrom_sigma_beta_rel(const Process& p, double w_m, double l_m) { return p.a_beta_m / std::sqrt(w_m * l_m); }

std::string mosfet_text(const Process& p, const MosfetInstance& m) {
  if (!(finite_pos(m.w_m) && finite_pos(m.l_m))) {
    throw ValidationError({fmt::format("mosfet {}: w = {} m, l = {} m: must be finite and > 0", m.name, m.w_m, m.l_m)});
  }
  if (!(std::isfinite(m.dvt_v) && std::isfinite(m.dbeta_rel) && m.dbeta_rel > -1.0 && finite_pos(m.multiplier))) {
    throw ValidationError({fmt::format("mosfet {}: dvt = {} V, dbeta_rel = {}, m = {}: need finite values, dbeta_rel > -1, m > 0",
                                       m.name, m.dvt_v, m.dbeta_rel, m.multiplier)});
  }
  const bool pmos = m.type == MosType::pmos;
  const MosCard& c = pmos ? p.pmos : p.nmos;
  const double vto = pmos ? c.vto_v - m.dvt_v : c.vto_v + m.dvt_v;
  const double kp = c.kp_a_per_v2 * (1.0 + m.dbeta_rel);
  const double lambda = c.lambda_l_m_per_v / m.l_m;
  const double ad = m.w_m * p.s_diff_m;
  const double pd = 2.0 * (m.w_m + p.s_diff_m);
  // {:.17g} keeps every bit of the mismatch draw in the deck text.
  return fmt::format(
      ".model {0}_mod {1} (level=1 vto={2:.17g} kp={3:.17g} gamma={4:.17g} phi={5:.17g} lambda={6:.17g} "
      "tox={7:.17g} cgso={8:.17g} cgdo={9:.17g} cj={10:.17g} cjsw={11:.17g} ld={12:.17g})\n"
      "m{0} {13} {14} {15} {16} {0}_mod w={17:.17g} l={18:.17g} ad={19:.17g} as={19:.17g} pd={20:.17g} ps={20:.17g} "
      "m={21:.17g}\n",
      m.name, pmos ? "pmos" : "nmos", vto, kp, c.gamma_sqrt_v, c.phi_v, lambda, p.tox_m, c.cgso_f_per_m, c.cgdo_f_per_m,
      c.cj_f_per_m2, c.cjsw_f_per_m, c.ld_m, m.drain, m.gate, m.source, m.bulk, m.w_m, m.l_m, ad, pd, m.multiplier);
}

}  // namespace xbar::netlists
