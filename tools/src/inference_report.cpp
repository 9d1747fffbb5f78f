#include "inference_report.hpp"

#include <fmt/format.h>

#include <cmath>

#include "progress_bar.hpp"

namespace xbar::tools {

networks::InferenceResult run_inference_with_progress(const networks::InferenceOptions& o, bool quiet) {
  ProgressBar bar("img", quiet);
  const double per_run = o.images > 0 ? std::min(o.images, 10000) : 10000;
  const double runs = 1.0 + (o.nominal ? 1.0 : 0.0) + o.chips;
  auto r = networks::run_inference(o, [&](const networks::Progress& p) {
    if (p.stage == "calibrate") return bar.update(0, per_run * runs, "calibrating");
    double before = 0;  // images of the stages already done
    std::string label = p.stage;
    if (p.stage == "nominal") before = per_run;
    if (p.stage == "chip") {
      before = per_run * ((o.nominal ? 2.0 : 1.0) + p.chip);
      label = fmt::format("chip {}/{}", p.chip + 1, p.chips);
    }
    bar.update(before + static_cast<double>(p.done), per_run * runs, label);
  });
  bar.finish();
  return r;
}

void print_inference(const networks::InferenceResult& r) {
  const auto& t = r.design.tile;
  const auto& n = t.nominal;
  fmt::print("network  {} (sha256 {}…)\n", r.options.network_path, r.network_sha256.substr(0, 12));
  fmt::print("tile     {}: {}x{} cells, {}-bit DAC 0..{:.3g} V, {}-bit ADC [{:.3g}, {:.3g}] V, wires {:.3g}/{:.3g} ohm, "
             "G {:.3g}..{:.3g} uS\n",
             r.options.tile_path, n.crossbar.rows, n.crossbar.cols, n.dac.bits, n.dac.ideal_level_v(n.dac.codes() - 1),
             n.adc.front().bits, n.adc.front().v_min_v, n.adc.front().v_max_v, n.crossbar.r_row_wire_ohm,
             n.crossbar.r_col_wire_ohm, t.g_min_s * 1e6, t.g_max_s * 1e6);
  const auto& v = t.variation;
  fmt::print("         variation: programming sigma {:.3g} % ({}), stuck on/off {:.3g} / {:.3g} %, wire sigma {:.3g} %, "
             "op-amp offset sigma {:.3g} mV, comparator offset sigma {:.3g} mV\n",
             100 * v.programming_error.sigma_rel_d2d, v.programming_error.distribution, 100 * v.stuck_on.fraction,
             100 * v.stuck_off.fraction, 100 * v.wire.r_wire_sigma_rel_d2d, 1e3 * v.tia_opamp_v_offset.sigma_v,
             1e3 * v.adc_comparator_offset.sigma_v);
  fmt::print("         model error against SPICE (held out): crossbar rel. L2 {:.2g}, TIA {:.3g} LSB RMS, ADC codes "
             "{:.3g} LSB RMS\n",
             t.held_out_crossbar.rel_l2, t.held_out_tia.rms_lsb, t.held_out_adc_codes.rms_lsb);
  fmt::print("input    {} (preprocessing; calibration on {} training images)\n", r.options.preprocess.describe(),
             r.options.mapping.calibration_images);
  fmt::print("decode   {}; zero current {:g} op-amp offset sigmas (times the noise gain) below the ADC's top\n",
             r.options.mapping.offset_calibration ? "each column's rest measured by its chip at zero input"
                                                  : "nominal rest (chips' own offsets unknown)",
             r.options.mapping.offset_headroom_sigma);
  fmt::print("\n{:<3} {:<12} {:<22} {:>6} {:>10} {:>7} {:>9} {:>8} {:>8}\n", "#", "name", "layer", "tiles", "x_max",
             "signed", "I_fs uA", "rf kohm", "v_ref mV");
  for (std::size_t i = 0; i < r.layers.size(); ++i) {
    const auto& l = r.layers[i];
    const auto& m = r.design.layers[i];
    fmt::print("{:<3} {:<12} {:<22} {:>6} {:>10.4g} {:>7} {:>9.4g} {:>8.4g} {:>8.3g}\n", i, l.name.substr(0, 12), l.shape(),
               m.tiles(), m.x_max, m.signed_inputs ? "yes" : "no", m.i_full_scale_a * 1e6, m.rf_ohm / 1e3, m.v_ref_v * 1e3);
  }
  fmt::print("{} tiles; {} tile MVMs per image\n\n", r.design.tiles(), r.tile_mvms_per_image);
  fmt::print("accuracy on {} Fashion-MNIST test images\n", r.images);
  fmt::print("  digital (libtorch)           {:6.2f} %\n", 100 * r.digital.accuracy);
  if (r.options.nominal) fmt::print("  analog, nominal chip         {:6.2f} %\n", 100 * r.nominal.accuracy);
  if (!r.chips.empty()) {
    if (r.chips.size() >= 2)
      fmt::print("  analog, {:>3} chips            {:6.2f} % ± {:.2f} (95 % CI [{:.2f}, {:.2f}], sd {:.2f})\n", r.chips.size(),
                 100 * r.mean_accuracy, 100 * (r.ci95_high - r.mean_accuracy), 100 * r.ci95_low, 100 * r.ci95_high,
                 100 * r.std_accuracy);
    else
      fmt::print("  analog, 1 chip               {:6.2f} %\n", 100 * r.mean_accuracy);
    std::string per;
    for (const auto& c : r.chips) per += fmt::format(" {:.2f}", 100 * c.accuracy);
    fmt::print("  per chip:{}\n", per);
    fmt::print("  time per chip: programming {:.2f} s, {} images {:.2f} s (digital {:.2f} s)\n",
               r.chips.front().program_s, r.images, r.chips.front().run_s, r.digital.run_s);
  }
}

}  // namespace xbar::tools
