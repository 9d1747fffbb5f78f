// xbar simulate deck.cir [--analysis op] [--format table|csv|json] [--all] [--engine embedded|subprocess]
// Both engines run the same analysis and print the same columns: the plot's sweep variable
// (time, frequency, v-sweep/i-sweep) when it has more than one point, then the deck's probes.
#include <fmt/format.h>

#include <chrono>
#include <complex>
#include <fstream>
#include <memory>
#include <sstream>

#include "output_table.hpp"
#include "verbs.hpp"
#include "xbar/characterize/error.hpp"
#include "xbar/characterize/ngspice_process.hpp"
#include "xbar/characterize/spice_session.hpp"
#include "xbar/netlists/deck.hpp"

namespace xbar::tools {

namespace {
struct SimulateOptions {
  std::string deck_path;
  std::string analysis = "run";
  std::string format = "table";
  std::string engine = "embedded";
  bool all = false;
  bool allow_shell = false;
};

std::string unit_of(const std::string& vec) {
  if (vec.find("#branch") != std::string::npos) return "A";
  return "V";
}

std::string scale_unit(const std::string& scale) {
  if (scale == "time") return "s";
  if (scale == "frequency") return "Hz";
  if (scale == "i-sweep") return "A";
  if (scale == "temp-sweep") return "C";
  if (scale == "res-sweep") return "ohm";
  return "V";
}

// A probe on the plot: real plots directly; an ac plot gives the magnitude of the weighted sum.
std::vector<double> probe_on(const characterize::SpiceResult& r, const netlists::Probe& p) {
  bool complex = false;
  for (const auto& [vec, w] : p.terms) {
    const auto it = r.vectors.find(vec);
    complex = complex || (it != r.vectors.end() && it->second.is_complex());
  }
  if (!complex) return r.probe(p);
  std::vector<std::complex<double>> sum;
  for (const auto& [vec, w] : p.terms) {
    const auto it = r.vectors.find(vec);
    if (it == r.vectors.end()) return r.probe(p);  // throws, naming the missing vector
    const auto& c = it->second.complex;
    if (sum.empty()) sum.assign(c.size(), {0.0, 0.0});
    for (std::size_t i = 0; i < c.size() && i < sum.size(); ++i) sum[i] += w * c[i];
  }
  std::vector<double> mag;
  for (auto c : sum) mag.push_back(std::abs(c));
  return mag;
}
}  // namespace

Verb add_simulate_verb(CLI::App& app) {
  auto* sim = app.add_subcommand("simulate", "Run a deck in embedded ngspice (KLU) and print its outputs");
  auto o = std::make_shared<SimulateOptions>();
  sim->add_option("deck", o->deck_path, "SPICE deck file")->required()->check(CLI::ExistingFile);
  sim->add_option("--analysis", o->analysis,
                  "Analysis command: run (the deck's own cards), op, \"dc ...\", \"tran ...\", \"ac ...\"")
      ->capture_default_str();
  sim->add_option("--format", o->format, "Output format")->capture_default_str()->check(CLI::IsMember({"table", "csv", "json"}));
  sim->add_option("--engine", o->engine,
                  "embedded (libngspice) or subprocess (ngspice -b on the deck, with its analysis cards replaced by "
                  "--analysis unless it is run)")
      ->capture_default_str()
      ->check(CLI::IsMember({"embedded", "subprocess"}));
  sim->add_flag("--all", o->all, "Print every ngspice vector, not only the deck's *@probe outputs");
  sim->add_flag("--allow-shell", o->allow_shell,
                "Run a deck whose .control block has shell commands (shell, source, alias, unixcom, backquotes); "
                "refused without this flag");
  sim->footer("Example:\n  xbar netlist crossbar --rows 4 --cols 7 > deck.cir && xbar simulate deck.cir --format csv");
  return {sim, [o] {
            std::ifstream in(o->deck_path, std::ios::binary);
            std::stringstream ss;
            ss << in.rdbuf();
            const std::string deck = ss.str();
            const auto probes = netlists::parse_probe_comments(deck);
            try {
              characterize::check_analysis_command(o->analysis);
            } catch (const characterize::Error& e) {
              throw characterize::Error(fmt::format("--analysis: {}", e.what()));
            }
            const auto t0 = std::chrono::steady_clock::now();
            std::string engine;
            characterize::SpiceResult r;
            if (o->engine == "embedded") {
              auto& spice = characterize::SpiceSession::instance();
              spice.allow_shell(o->allow_shell);
              engine = spice.version() + " embedded, KLU";
              try {
                r = spice.simulate(deck, o->analysis);
              } catch (const characterize::SpiceError& e) {
                throw characterize::SpiceError(fmt::format("{}: {}", o->deck_path, e.what()), e.ngspice_lines(),
                                               e.deck_line(), e.deck_line_text());
              } catch (const characterize::SessionDead&) {
                throw;
              } catch (const characterize::Error& e) {
                throw characterize::Error(fmt::format("{}: {}", o->deck_path, e.what()));
              }
            } else {
              engine = characterize::ngspice_program() + " -b subprocess";
              try {
                r = characterize::run_ngspice_batch(deck, characterize::ngspice_program(), o->allow_shell, o->analysis);
              } catch (const characterize::SpiceError&) {
                throw;
              } catch (const characterize::Error& e) {
                throw characterize::Error(fmt::format("{}: {}", o->deck_path, e.what()));
              }
            }
            const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

            std::vector<Column> cols;
            // The sweep variable (time, frequency, the swept source) first, when there is one.
            const auto scale = r.vectors.find(r.scale);
            if (!o->all && scale != r.vectors.end() && scale->second.size() > 1) {
              std::vector<double> x = scale->second.real;
              if (scale->second.is_complex())
                for (auto c : scale->second.complex) x.push_back(c.real());
              cols.push_back({r.scale, scale_unit(r.scale), x});
            }
            if (!probes.empty() && !o->all) {
              for (const auto& p : probes) cols.push_back({p.name, p.unit, probe_on(r, p)});
            } else {
              for (const auto& [name, v] : r.vectors) {
                if (v.is_complex()) {
                  std::vector<double> mag, ph;
                  for (auto c : v.complex) {
                    mag.push_back(std::abs(c));
                    ph.push_back(std::arg(c));
                  }
                  cols.push_back({name + ".mag", unit_of(name), mag});
                  cols.push_back({name + ".phase", "rad", ph});
                } else {
                  cols.push_back({name, unit_of(name), v.real});
                }
              }
            }
            print_columns(stdout, cols, parse_format(o->format),
                          {{"deck", o->deck_path}, {"engine", engine}, {"plot", r.plot},
                           {"seconds", fmt::format("{:.4f}", secs)}});
            return 0;
          }};
}

}  // namespace xbar::tools
