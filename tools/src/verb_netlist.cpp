// xbar netlist crossbar [options] > deck.cir
// xbar netlist sample spec.toml [--index i] > deck.cir
#include <fmt/format.h>

#include <cstdio>
#include <cstdint>
#include <memory>
#include <string>

#include "crossbar_options.hpp"
#include "verbs.hpp"
#include "xbar/characterize/campaign_spec.hpp"
#include "xbar/characterize/circuit_kind.hpp"
#include "xbar/characterize/error.hpp"
#include "xbar/netlists/crossbar.hpp"

namespace xbar::tools {

Verb add_netlist_verb(CLI::App& app) {
  auto* netlist = app.add_subcommand("netlist", "Write a SPICE deck (runs unchanged in `ngspice -b`)");
  netlist->require_subcommand(1);
  auto* crossbar = netlist->add_subcommand("crossbar", "A crossbar deck: cells, wire parasitics, drivers, virtual-ground sensing");
  auto opts = std::make_shared<CrossbarOptions>();
  auto out_path = std::make_shared<std::string>();
  opts->add_to(*crossbar);
  crossbar->add_option("-o,--output", *out_path, "Write the deck to this file instead of stdout");
  crossbar->footer("Example:\n  xbar netlist crossbar --rows 4 --cols 7 --r-row-wire 1 --r-col-wire 1 --seed 3 > deck.cir");

  auto* sample = netlist->add_subcommand(
      "sample", "The deck of one sample of a campaign spec (any kind: crossbar, opamp, tia, adc, tile), with its "
                "Monte Carlo draws and the analyses xbar runs on it");
  auto spec_path = std::make_shared<std::string>();
  auto index = std::make_shared<std::uint64_t>(0);
  sample->add_option("spec", *spec_path, "Campaign spec (TOML)")->required()->check(CLI::ExistingFile);
  sample->add_option("-i,--index", *index, "Sample index (0 .. samples - 1)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  sample->add_option("-o,--output", *out_path, "Write the deck to this file instead of stdout");
  sample->footer("Example:\n  xbar netlist sample data/opamp_mc.toml --index 3 > opamp3.cir && ngspice -b opamp3.cir");

  return {netlist, [netlist, sample, opts, out_path, spec_path, index] {
            std::string text;
            if (netlist->got_subcommand(sample)) {
              const auto spec = characterize::load_campaign_spec(*spec_path);
              if (*index >= spec.total_samples()) {
                throw characterize::SpecError(fmt::format("--index {}: {} has {} samples (0 .. {})", *index, *spec_path,
                                                          spec.total_samples(), spec.total_samples() - 1));
              }
              text = characterize::make_circuit_kind(spec)->deck_text(*index);
            } else {
              text = netlists::make_crossbar_deck(opts->to_params()).text;
            }
            if (out_path->empty()) {
              std::fwrite(text.data(), 1, text.size(), stdout);
              return 0;
            }
            std::FILE* f = std::fopen(out_path->c_str(), "wb");
            if (!f || std::fwrite(text.data(), 1, text.size(), f) != text.size() || std::fclose(f) != 0) {
              throw characterize::Error(fmt::format("cannot write the deck to {}", *out_path));
            }
            return 0;
          }};
}

}  // namespace xbar::tools
