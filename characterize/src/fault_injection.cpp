#include "xbar/characterize/fault_injection.hpp"

#include <cstdlib>
#include <set>
#include <sstream>
#include <string>

namespace xbar::characterize {

bool fault_injected(FaultKind kind, std::uint64_t index) {
  static const auto table = [] {
    std::set<std::pair<int, std::uint64_t>> t;
    const char* env = std::getenv("XBAR_FAULT_INJECT");
    if (!env) return t;
    std::stringstream groups(env);
    std::string group;
    while (std::getline(groups, group, ';')) {
      const auto colon = group.find(':');
      if (colon == std::string::npos) continue;
      const std::string name = group.substr(0, colon);
      const int k = name == "spice_error" ? 0 : name == "crash" ? 1 : name == "hang" ? 2 : -1;
      if (k < 0) continue;
      std::stringstream items(group.substr(colon + 1));
      std::string item;
      while (std::getline(items, item, ',')) t.emplace(k, std::stoull(item));
    }
    return t;
  }();
  return table.count({static_cast<int>(kind), index}) > 0;
}

}  // namespace xbar::characterize
