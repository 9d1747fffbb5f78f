#pragma once
// INL and DNL of an ADC from its code transitions alone (a model file's nominal or per-instance
// transitions, where no ramp histogram exists). The figures are those of adc_linearity
// (adc_measure.hpp: endpoint LSB, DNL of codes 1..M-1, endpoint INL, offset and gain error in ideal
// LSB), computed by it: this is a second entry point, not a second implementation.
#include <vector>

#include "xbar/characterize/adc_measure.hpp"

namespace xbar::characterize {

/// adc_linearity of `transition_v` (M = 2^bits - 1 values, V; sorted as adc_linearity does, NaN
/// last) for an ADC of `bits` bits with codes 0 and M centred on v_min_v and v_max_v. No ramp
/// histogram is known, so missing_codes = -1 ("not measured"). Throws Error when the count is not M.
AdcLinearity adc_linearity_of_transitions(int bits, double v_min_v, double v_max_v,
                                          const std::vector<double>& transition_v);

}  // namespace xbar::characterize
