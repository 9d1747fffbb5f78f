#pragma once
// The verbs of the xbar command. Each registers its subcommand on the app and returns it with
// the function that runs it once parsed.
#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <utility>

namespace xbar::tools {

using Runner = std::function<int()>;
using Verb = std::pair<CLI::App*, Runner>;

/// `xbar netlist crossbar [options]`: writes a crossbar deck to stdout (or -o FILE).
Verb add_netlist_verb(CLI::App& app);
/// `xbar simulate deck.cir`: runs a deck in embedded ngspice and prints its outputs.
Verb add_simulate_verb(CLI::App& app);
/// `xbar characterize spec.toml`: runs or resumes a campaign into HDF5.
Verb add_characterize_verb(CLI::App& app);
/// `xbar inspect file.h5`: summarizes a campaign file.
Verb add_inspect_verb(CLI::App& app);
/// `xbar demo`: the main job on its embedded default.
Verb add_demo_verb(CLI::App& app);
/// `xbar fit campaign.h5 -o model.h5`: fits a behavioral crossbar model to a campaign.
Verb add_fit_verb(CLI::App& app);
/// Runs the body of `xbar fit` or `xbar validate`: a fit::FitError becomes
/// "xbar <verb>: <campaign_path>: <message>" on stderr (the path once), a behavioral::Error (which
/// names its model file) "xbar <verb>: <message>"; both exit with code 2.
int run_on_campaign(const char* verb, const std::string& campaign_path, const Runner& body);
/// `xbar train --net mlp -o net.pt`: trains a built-in network (TorchScript).
Verb add_train_verb(CLI::App& app);
/// `xbar infer net.pt --tile tile.h5`: a network on analog tiles over many chips.
Verb add_infer_verb(CLI::App& app);
/// `xbar sweep --network net.pt --tile tile.h5 --vary adc_bits=3,4,5`: accuracy over circuit settings.
Verb add_sweep_verb(CLI::App& app);
/// `xbar cost --tile tile.h5 --network net.pt`: the run-versus-simulate energy verdict.
Verb add_cost_verb(CLI::App& app);
/// `xbar report file.h5 -o folder`: plots and a markdown index of a campaign, model, inference or sweep file.
Verb add_report_verb(CLI::App& app);
/// `xbar validate model.h5 campaign.h5`: recomputes a model's error against SPICE, with plots.
Verb add_validate_verb(CLI::App& app);

}  // namespace xbar::tools
