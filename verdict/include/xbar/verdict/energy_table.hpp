#pragma once
// Cited energy constants (data/energy/*.toml). Each entry is one TOML table:
//
//   [int8_add]
//   value = 0.03                 # > 0, finite
//   unit = "pJ"                  # fJ, pJ, nJ, uJ, J (energies), fJ/conv-step (Walden FoM), W (power)
//   what = "8-bit integer add"   # one line
//   node = "45 nm, 0.9 V"        # process node (and supply) the value holds for
//   source = "Horowitz, ISSCC 2014, energy table"
//   checked = "..."              # how the value was checked against its source (or why not)
//
// Every field is required and non-empty; an unknown field, a missing one or a bad unit is an
// EnergyTableError naming the file, the entry and the field. si_value() is the value in SI
// units: J for energies (fJ/conv-step: J per conversion step), W for powers.
//
// Example:
//   EnergyTable t = read_energy_tables({"data/energy/horowitz_45nm.toml"});
//   double e = t.joules("int8_add");   // 3e-14
#include <map>
#include <string>
#include <vector>

namespace xbar::verdict {

struct EnergyEntry {
  std::string name;     ///< the TOML table's key, e.g. "int8_add"
  double value = 0.0;   ///< as written, in `unit`
  std::string unit;     ///< "pJ", "fJ/conv-step", "W", ...
  std::string what;     ///< what the value is
  std::string node;     ///< process node
  std::string source;   ///< citation
  std::string checked;  ///< how it was checked
  std::string file;     ///< the file it came from
  double si_value() const;  ///< value in J (energies, J per conversion step) or W (powers)
  bool is_power() const { return unit == "W"; }
};

class EnergyTable {
 public:
  /// Adds an entry after checking it (EnergyTableError naming file, entry and field); a name
  /// already present is an error.
  void add(const EnergyEntry& entry);
  bool has(const std::string& name) const { return entries_.count(name) != 0; }
  /// The entry (EnergyTableError naming the missing name and the files read otherwise).
  const EnergyEntry& at(const std::string& name) const;
  /// at(name).si_value() of an energy, J (EnergyTableError for a power).
  double joules(const std::string& name) const;
  /// at(name).si_value() of a power, W (EnergyTableError for an energy).
  double watts(const std::string& name) const;
  const std::map<std::string, EnergyEntry>& entries() const { return entries_; }
  std::vector<std::string> files;  ///< the files read, in order

 private:
  std::map<std::string, EnergyEntry> entries_;
};

/// Unit factor to SI for the allowed units; throws EnergyTableError for any other unit.
double unit_to_si(const std::string& unit);

/// Parses one TOML text (`file` names it in messages) into `table`.
void parse_energy_table(const std::string& text, const std::string& file, EnergyTable& table);
/// Reads and merges the files, in order.
EnergyTable read_energy_tables(const std::vector<std::string>& paths);
/// Every *.toml in `dir`, sorted by name.
std::vector<std::string> energy_table_files(const std::string& dir);

}  // namespace xbar::verdict
