#include "xbar/characterize/circuit_kind.hpp"

#include <fmt/format.h>

#include <string>
#include <string_view>

#include "kinds.hpp"
#include "xbar/characterize/error.hpp"
#include "xbar/netlists/deck.hpp"

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
    {"tile_replay", make_tile_replay_kind},
};

}  // namespace

std::string with_analyses(const std::string& deck, const std::vector<std::string>& analyses) {
  std::string cards;
  const std::vector<std::string> vectors = netlists::probe_vectors(netlists::parse_probe_comments(deck));
  for (const std::string& a : analyses) {
    if (deck.find("\n." + a + "\n") != std::string::npos) continue;  // there already
    cards += "." + a + "\n";
    // `ngspice -b` runs a dc, tran or ac analysis only with a .print card after it.
    const std::string type = a.substr(0, a.find(' '));
    if ((type == "dc" || type == "tran" || type == "ac") && deck.find("\n.print " + type + " ") == std::string::npos)
      cards += netlists::print_cards(type, vectors);
  }
  // Two analyses with .print cards need the printed vectors saved (netlists::save_card).
  int printed_types = 0;
  for (const char* type : {"dc", "tran", "ac"})
    printed_types += (deck + cards).find(std::string("\n.print ") + type + " ") != std::string::npos;
  if (printed_types >= 2 && !vectors.empty()) cards += netlists::save_card(vectors);
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
