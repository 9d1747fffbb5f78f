#pragma once
// `xbar fit` and `xbar validate` for the periphery model kinds "tia" and "adc": the printed
// summaries, the held-out error tables, --dump-predictions and --plots.
#include <string>

#include "xbar/behavioral/periphery_model_file.hpp"
#include "xbar/characterize/campaign_file.hpp"

namespace xbar::tools {

/// Prints what fit_tia / fit_adc estimated and the held-out error table.
void print_tia_fit(const std::string& campaign_path, const characterize::CampaignFile& campaign,
                   const behavioral::TiaModelFile& m);
void print_adc_fit(const std::string& campaign_path, const characterize::CampaignFile& campaign,
                   const behavioral::AdcModelFile& m);

struct PeripheryValidateOptions {
  std::string model_path, campaign_path;
  std::string plots_dir;  ///< "" = no plots
  std::string dump_path;  ///< "" = no CSV
};

/// `xbar validate` of a tia / adc model (model kind already known). A tia model also validates
/// against a tile campaign: the behavioral tile with that TIA against the SPICE tile. Throws fit::FitError or
/// behavioral::Error with messages naming the file.
int validate_tia(const PeripheryValidateOptions& o);
int validate_adc(const PeripheryValidateOptions& o);

}  // namespace xbar::tools
