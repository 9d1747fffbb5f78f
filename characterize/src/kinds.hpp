#pragma once
// Internal: one factory per circuit kind, each in its own <kind>_kind.cpp; circuit_kind.cpp
// maps spec.kind to them.
#include <memory>

#include "xbar/characterize/circuit_kind.hpp"

namespace xbar::characterize {

std::unique_ptr<CircuitKind> make_crossbar_kind(const CampaignSpec& spec);
std::unique_ptr<CircuitKind> make_opamp_kind(const CampaignSpec& spec);
std::unique_ptr<CircuitKind> make_tia_kind(const CampaignSpec& spec);
std::unique_ptr<CircuitKind> make_adc_kind(const CampaignSpec& spec);
std::unique_ptr<CircuitKind> make_tile_kind(const CampaignSpec& spec);
std::unique_ptr<CircuitKind> make_tile_replay_kind(const CampaignSpec& spec);

}  // namespace xbar::characterize
