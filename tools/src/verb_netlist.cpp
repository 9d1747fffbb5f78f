// xbar netlist crossbar [options] > deck.cir
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "crossbar_options.hpp"
#include "verbs.hpp"
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
  return {netlist, [opts, out_path] {
            const auto deck = netlists::make_crossbar_deck(opts->to_params());
            if (out_path->empty()) {
              std::fwrite(deck.text.data(), 1, deck.text.size(), stdout);
              return 0;
            }
            std::FILE* f = std::fopen(out_path->c_str(), "wb");
            if (!f || std::fwrite(deck.text.data(), 1, deck.text.size(), f) != deck.text.size() || std::fclose(f) != 0) {
              throw characterize::Error(fmt::format("cannot write the deck to {}", *out_path));
            }
            return 0;
          }};
}

}  // namespace xbar::tools
