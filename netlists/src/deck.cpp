#include "xbar/netlists/deck.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "xbar/netlists/error.hpp"

namespace xbar::netlists {

std::string probe_comment(const Probe& probe) {
  std::string s = fmt::format("*@probe {} {}", probe.name, probe.unit);
  for (const auto& [vec, w] : probe.terms) s += fmt::format(" {}:{:+}", vec, w);
  return s;
}

std::vector<Probe> parse_probe_comments(const std::string& deck_text) {
  std::vector<Probe> probes;
  std::istringstream in(deck_text);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.rfind("*@probe", 0) != 0) continue;
    std::istringstream ls(line.substr(7));
    Probe p;
    std::string term;
    if (!(ls >> p.name >> p.unit)) {
      throw Error(fmt::format("deck line {}: '{}': a probe comment needs a name and a unit", line_no, line));
    }
    while (ls >> term) {
      auto colon = term.rfind(':');
      if (colon == std::string::npos || colon == 0) {
        throw Error(fmt::format("deck line {}: probe term '{}' must be vector:weight", line_no, term));
      }
      try {
        p.terms.emplace_back(term.substr(0, colon), std::stod(term.substr(colon + 1)));
      } catch (const std::exception&) {
        throw Error(fmt::format("deck line {}: probe term '{}' has a weight that is not a number", line_no, term));
      }
    }
    if (p.terms.empty()) throw Error(fmt::format("deck line {}: probe '{}' has no terms", line_no, p.name));
    probes.push_back(std::move(p));
  }
  return probes;
}

std::string print_cards(const std::string& analysis, const std::vector<std::string>& vectors) {
  std::string out, line;
  int on_line = 0;
  for (const std::string& v : vectors) {
    const auto hash = v.find("#branch");
    const std::string arg = hash == std::string::npos ? v : v.substr(0, hash);
    const char kind = hash == std::string::npos ? 'v' : 'i';
    if (analysis == "ac") {
      line += fmt::format(" {0}m({1}) {0}p({1})", kind, arg);
    } else {
      line += fmt::format(" {}({})", kind, arg);
    }
    if (++on_line == 8) {
      out += ".print " + analysis + line + "\n";
      line.clear();
      on_line = 0;
    }
  }
  if (!line.empty()) out += ".print " + analysis + line + "\n";
  return out;
}

std::string save_card(const std::vector<std::string>& vectors) {
  std::string out = ".save";
  for (const std::string& v : vectors) {
    const auto hash = v.find("#branch");
    out += hash == std::string::npos ? fmt::format(" v({})", v) : fmt::format(" i({})", v.substr(0, hash));
  }
  return out + "\n";
}

std::vector<std::string> probe_vectors(const std::vector<Probe>& probes) {
  std::vector<std::string> out;
  for (const Probe& p : probes)
    for (const auto& term : p.terms)
      if (std::find(out.begin(), out.end(), term.first) == out.end()) out.push_back(term.first);
  return out;
}

}  // namespace xbar::netlists
