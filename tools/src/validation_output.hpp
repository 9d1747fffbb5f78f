#pragma once
// What `xbar fit` and `xbar validate` print and write: the one model-against-SPICE error table
// (fit::ErrorRow, every model kind), the periphery fits' summaries, and a fit::ModelValidation's
// table (its CSV and plots: report/validation_files.hpp).
#include <string>
#include <vector>

#include "xbar/behavioral/periphery_model_file.hpp"
#include "xbar/characterize/campaign_file.hpp"
#include "xbar/fit/model_validation.hpp"

namespace xbar::tools {

/// The error table: one row per fit::ErrorRow; absolute errors in `unit` ("A" adds the relative
/// L2 column of the crossbar rows).
void print_error_table(const std::vector<fit::ErrorRow>& rows, const std::string& unit);

/// Prints what fit_tia / fit_adc estimated and the held-out error table.
void print_tia_fit(const std::string& campaign_path, const characterize::CampaignFile& campaign,
                   const behavioral::TiaModelFile& m);
void print_adc_fit(const std::string& campaign_path, const characterize::CampaignFile& campaign,
                   const behavioral::AdcModelFile& m);

/// Prints a validation: which model against which campaign, the error table and (crossbar) the
/// predictive check.
void print_validation(const fit::ModelValidation& v, const std::string& model_path, const std::string& campaign_path);
}  // namespace xbar::tools
