// Cited energy constants (energy_table.hpp).
#include "xbar/verdict/energy_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <toml++/toml.h>

#include "xbar/verdict/error.hpp"

namespace xbar::verdict {

double unit_to_si(const std::string& unit) {
  static const std::map<std::string, double> k = {{"fJ", 1e-15}, {"pJ", 1e-12}, {"nJ", 1e-9}, {"uJ", 1e-6},
                                                  {"J", 1.0},     {"fJ/conv-step", 1e-15}, {"W", 1.0}};
  const auto it = k.find(unit);
  if (it == k.end())
    throw EnergyTableError("unit '" + unit + "': must be one of fJ, pJ, nJ, uJ, J, fJ/conv-step, W");
  return it->second;
}

double EnergyEntry::si_value() const { return value * unit_to_si(unit); }

void EnergyTable::add(const EnergyEntry& e) {
  const std::string where = e.file + ": [" + e.name + "]";
  auto need = [&](const std::string& v, const char* field) {
    if (v.find_first_not_of(" \t") == std::string::npos)
      throw EnergyTableError(fmt::format("{}: {} is missing or empty: every constant needs a value, unit, what, "
                                         "node, source and checked",
                                         where, field));
  };
  need(e.unit, "unit");
  need(e.what, "what");
  need(e.node, "node");
  need(e.source, "source");
  need(e.checked, "checked");
  try {
    unit_to_si(e.unit);
  } catch (const EnergyTableError& x) {
    throw EnergyTableError(where + ": " + x.what());
  }
  if (!(std::isfinite(e.value) && e.value > 0.0))
    throw EnergyTableError(fmt::format("{}: value = {}: must be finite and > 0", where, e.value));
  if (entries_.count(e.name))
    throw EnergyTableError(fmt::format("{}: defined twice (also in {})", where, entries_.at(e.name).file));
  entries_.emplace(e.name, e);
}

const EnergyEntry& EnergyTable::at(const std::string& name) const {
  const auto it = entries_.find(name);
  if (it == entries_.end()) {
    std::string f;
    for (const auto& x : files) f += (f.empty() ? "" : ", ") + x;
    throw EnergyTableError("energy constant '" + name + "' is not in the energy tables (" +
                           (f.empty() ? std::string("none read") : f) + ")");
  }
  return it->second;
}

double EnergyTable::joules(const std::string& name) const {
  const auto& e = at(name);
  if (e.is_power()) throw EnergyTableError(e.file + ": [" + name + "]: is a power (W), not an energy");
  return e.si_value();
}

double EnergyTable::watts(const std::string& name) const {
  const auto& e = at(name);
  if (!e.is_power()) throw EnergyTableError(e.file + ": [" + name + "]: is an energy, not a power (W)");
  return e.si_value();
}

void parse_energy_table(const std::string& text, const std::string& file, EnergyTable& table) {
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    throw EnergyTableError(fmt::format("{}:{}: {}", file, e.source().begin.line, e.description()));
  }
  for (const auto& [key, node] : root) {
    const std::string name(key.str());
    const auto* t = node.as_table();
    const int line = static_cast<int>(node.source().begin.line);
    if (!t)
      throw EnergyTableError(fmt::format("{}:{}: '{}' must be a table [{}] with value, unit, what, node, source, "
                                         "checked",
                                         file, line, name, name));
    EnergyEntry e;
    e.name = name;
    e.file = file;
    bool has_value = false;
    for (const auto& [fk, fv] : *t) {
      const std::string f(fk.str());
      const int fl = static_cast<int>(fv.source().begin.line);
      if (f == "value") {
        if (auto d = fv.value<double>()) {
          e.value = *d;
          has_value = true;
        } else {
          throw EnergyTableError(fmt::format("{}:{}: [{}] value: must be a number", file, fl, name));
        }
        continue;
      }
      std::string* dst = f == "unit" ? &e.unit
                         : f == "what" ? &e.what
                         : f == "node" ? &e.node
                         : f == "source" ? &e.source
                         : f == "checked" ? &e.checked
                                         : nullptr;
      if (!dst)
        throw EnergyTableError(fmt::format("{}:{}: [{}] unknown field '{}' (known: value, unit, what, node, source, "
                                           "checked)",
                                           file, fl, name, f));
      if (auto s = fv.value<std::string>())
        *dst = *s;
      else
        throw EnergyTableError(fmt::format("{}:{}: [{}] {}: must be a string", file, fl, name, f));
    }
    if (!has_value) throw EnergyTableError(fmt::format("{}:{}: [{}] value is missing", file, line, name));
    table.add(e);
  }
}

EnergyTable read_energy_tables(const std::vector<std::string>& paths) {
  EnergyTable t;
  if (paths.empty()) throw EnergyTableError("no energy table files given (data/energy/*.toml)");
  for (const auto& p : paths) {
    std::ifstream in(p);
    if (!in) throw EnergyTableError(p + ": cannot open the energy table");
    std::stringstream ss;
    ss << in.rdbuf();
    parse_energy_table(ss.str(), p, t);
    t.files.push_back(p);
  }
  return t;
}

std::vector<std::string> energy_table_files(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& d : std::filesystem::directory_iterator(dir, ec))
    if (d.path().extension() == ".toml") out.push_back(d.path().string());
  if (ec) throw EnergyTableError(dir + ": cannot list the energy tables: " + ec.message());
  std::sort(out.begin(), out.end());
  if (out.empty()) throw EnergyTableError(dir + ": no *.toml energy tables");
  return out;
}

}  // namespace xbar::verdict
