#include "xbar/characterize/circuit_kind.hpp"

#include <fmt/format.h>

#include <string>
#include <string_view>

#include "kinds.hpp"
#include "xbar/characterize/error.hpp"

namespace xbar::characterize {

namespace {

struct KindFactory {
  std::string_view name;
  std::unique_ptr<CircuitKind> (*make)(const CampaignSpec& spec);
};
constexpr KindFactory kKindFactories[] = {
    {"crossbar", make_crossbar_kind},
    {"opamp", make_opamp_kind},
    {"tia", make_tia_kind},
    {"adc", make_adc_kind},
    {"tile", make_tile_kind},
};

}  // namespace

std::string with_analyses(const std::string& deck, const std::vector<std::string>& analyses) {
  std::string cards;
  for (const std::string& a : analyses) {
    if (deck.find("\n." + a + "\n") == std::string::npos) cards += "." + a + "\n";  // not there yet
  }
  if (!cards.empty()) cards = "* the analyses xbar runs on this deck\n" + cards;
  std::string out = deck;
  const auto end = out.rfind(".end");
  out.insert(end == std::string::npos ? out.size() : end, cards);
  return out;
}

bool known_circuit_kind(const std::string& kind) {
  for (const KindFactory& k : kKindFactories)
    if (k.name == kind) return true;
  return false;
}

std::unique_ptr<CircuitKind> make_circuit_kind(const CampaignSpec& spec) {
  std::string known;
  for (const KindFactory& k : kKindFactories) {
    if (k.name == spec.kind) return k.make(spec);
    known += fmt::format("{}{}", known.empty() ? "" : ", ", k.name);
  }
  throw SpecError(fmt::format("{}: kind = '{}': no such circuit kind (known: {})", spec.source_path, spec.kind, known));
}

}  // namespace xbar::characterize
