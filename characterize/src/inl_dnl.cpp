#include "xbar/characterize/inl_dnl.hpp"

namespace xbar::characterize {

AdcLinearity adc_linearity_of_transitions(int bits, double v_min_v, double v_max_v,
                                          const std::vector<double>& transition_v) {
  netlists::AdcParams p;
  p.bits = bits;
  p.v_min_v = v_min_v;
  p.v_max_v = v_max_v;
  // Every code seen once: adc_linearity's histogram input, whose count we then declare unknown.
  const std::vector<int> hits(transition_v.size() + 1, 1);
  AdcLinearity out = adc_linearity(p, transition_v, hits);
  out.missing_codes = -1;
  return out;
}

}  // namespace xbar::characterize
