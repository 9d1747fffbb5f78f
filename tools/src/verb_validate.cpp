// xbar validate model.h5 campaign.h5 [--plots DIR] [--dump-predictions FILE.csv]
// Parsing, one library call (fit::validate_model), printing (validation_output.hpp).
#include <fmt/format.h>

#include <memory>

#include "validation_output.hpp"
#include "xbar/report/validation_files.hpp"
#include "verbs.hpp"
#include "xbar/fit/model_validation.hpp"

namespace xbar::tools {

namespace {
struct ValidateOptions {
  std::string model_path;
  std::string campaign_path;
  std::string plots_dir;
  std::string dump_path;
  fit::PredictiveCheckOptions predictive;
};
}  // namespace

Verb add_validate_verb(CLI::App& app) {
  auto* sub = app.add_subcommand("validate", "Recompute a model's error against the SPICE samples of a campaign");
  auto o = std::make_shared<ValidateOptions>();
  sub->add_option("model", o->model_path, "Model file (HDF5, xbar.model/2)")->required()->check(CLI::ExistingFile);
  sub->add_option("campaign", o->campaign_path, "Campaign file (HDF5, xbar.campaign/2)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--plots", o->plots_dir,
                  "Write gnuplot PNGs here, named <campaign>_*.png. crossbar: SPICE and model against the ideal MVM "
                  "(µA), error by output column (% FS, LSB), predictive histogram; tia: model vs SPICE scatter and "
                  "residual histogram; adc: INL, DNL and transition error");
  sub->add_option("--chips", o->predictive.chips,
                  "Predictive check (crossbar): fresh chips drawn from the fitted variation per held-out chip, 1..10000")
      ->capture_default_str();
  sub->add_option("--predictive-seed", o->predictive.seed, "Seed of the predictive check's fresh chips")
      ->capture_default_str();
  sub->add_option("--dump-predictions", o->dump_path,
                  "Write every ok sample's model predictions as CSV. crossbar: sample,input,output,model_a,spice_a,ideal_a; "
                  "tia: sample,instance,held_out,point,i_in_a,spice_v,nominal_v,informed_v; "
                  "adc: sample,instance,held_out,point,v_in_v,code_nominal,code_instance");
  sub->footer("Example:\n  xbar validate model.h5 campaign.h5 --plots plots/");
  return {sub, [o] {
            return run_on_campaign("validate", o->campaign_path, [&]() -> int {
              const auto v = fit::validate_model(o->model_path, o->campaign_path, o->predictive);
              print_validation(v, o->model_path, o->campaign_path);
              if (!o->dump_path.empty()) {
                report::write_predictions_csv(v, o->dump_path);
                fmt::print("\nwrote {}\n", o->dump_path);
              }
              if (!o->plots_dir.empty()) {
                fmt::print("\nplots:\n");
                for (const auto& png : report::write_validation_plots(v, o->plots_dir)) fmt::print("  {}\n", png);
              }
              return 0;
            });
          }};
}

}  // namespace xbar::tools
