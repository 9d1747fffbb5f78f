// run_verdict and its markdown (verdict.hpp).
#include "xbar/verdict/verdict.hpp"

#include <fmt/format.h>
#include <sys/resource.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "xbar/networks/inference.hpp"
#include "xbar/networks/network.hpp"
#include "xbar/verdict/error.hpp"
#include "xbar/verdict/fake_quant.hpp"

namespace xbar::verdict {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string pct(double a) { return std::isfinite(a) ? fmt::format("{:.2f} %", 100.0 * a) : "–"; }

std::string ratio(double a, double b) {
  if (!(std::isfinite(a) && std::isfinite(b) && b > 0)) return "–";
  const double r = a / b;
  return r >= 100 ? fmt::format("{:.3g}", r) : fmt::format("{:.3g}", r);
}

}  // namespace

void VerdictOptions::validate() const {
  auto bad = [](const std::string& m) { throw Error("verdict." + m); };
  if (network_path.empty()) bad("network_path is empty: give a TorchScript file");
  if (tile_path.empty()) bad("tile_path is empty: give a tile model file (data/presets/)");
  if (images < 1 || images > 10000) bad(fmt::format("images = {}: must be between 1 and 10000", images));
  if (chips < 0 || chips > 1000) bad(fmt::format("chips = {}: must be between 0 and 1000", chips));
  if (batch_size < 1) bad(fmt::format("batch_size = {}: must be >= 1", batch_size));
  if (!(host_power_w < 0 || (std::isfinite(host_power_w) && host_power_w > 0)))
    bad(fmt::format("host_power_w = {}: must be > 0 W (or unset)", host_power_w));
  mapping.validate();
  preprocess.validate();
}

RaplReading read_rapl(const std::string& dir) {
  std::error_code ec;
  std::vector<std::pair<std::string, std::filesystem::path>> found;
  for (const auto& d : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = d.path().filename().string();
    // "intel-rapl:N" only: not the subzones "intel-rapl:N:M", not "intel-rapl-mmio:N".
    if (name.rfind("intel-rapl:", 0) != 0 || name.find(':', 11) != std::string::npos) continue;
    found.emplace_back(name, d.path());
  }
  std::sort(found.begin(), found.end());
  RaplReading r;
  for (const auto& [name, path] : found) {
    std::ifstream in(path / "energy_uj");
    double uj = 0;
    if (!(in >> uj)) continue;
    std::ifstream range_in(path / "max_energy_range_uj");
    double range = kNaN;
    if (!(range_in >> range)) range = kNaN;
    r.zones.push_back(name);
    r.energy_uj.push_back(uj);
    r.max_range_uj.push_back(range);
  }
  return r;
}

double rapl_energy_between_j(const RaplReading& before, const RaplReading& after) {
  if (before.zones.empty() || before.zones != after.zones) return kNaN;
  double uj = 0;
  for (std::size_t z = 0; z < before.zones.size(); ++z) {
    double d = after.energy_uj[z] - before.energy_uj[z];
    if (d < 0) {
      const double range = std::isfinite(after.max_range_uj[z]) ? after.max_range_uj[z] : before.max_range_uj[z];
      if (!std::isfinite(range)) return kNaN;
      d += range + 1;
    }
    uj += d;
  }
  return uj * 1e-6;
}

double read_rapl_j(const std::string& dir) {
  const RaplReading r = read_rapl(dir);
  double sum = 0;
  for (double uj : r.energy_uj) sum += uj * 1e-6;
  return r.zones.empty() ? kNaN : sum;
}

std::string format_joules(double j) {
  if (!std::isfinite(j)) return "–";
  const double a = std::fabs(j);
  const char* u[] = {"MJ", "kJ", "J", "mJ", "µJ", "nJ", "pJ", "fJ"};
  double s = 1e6;
  int k = 0;
  while (k < 7 && a < s * 0.9995 && a != 0) {
    s *= 1e-3;
    ++k;
  }
  if (a == 0) return "0 J";
  return fmt::format("{:.3g} {}", j / s, u[k]);
}

VerdictResult run_verdict(const VerdictOptions& options, const VerdictProgress& progress) {
  options.validate();
  auto say = [&](const std::string& s) {
    if (progress) progress(s);
  };
  if (options.threads > 0) at::set_num_threads(options.threads);
  VerdictResult r;
  r.options = options;
  r.table = read_energy_tables(options.energy_tables);

  const networks::Network net(options.network_path);
  const behavioral::TileModelFile tile = behavioral::read_tile_model_file(options.tile_path);
  if (!tile.energy.known())
    throw Error(options.tile_path +
                ": the tile model holds no energy per MVM (/energy): regenerate it with `xbar fit tile ... "
                "--energy-campaign tile_campaign.h5` (data/presets/README.md)");
  r.tile_energy = tile.energy;
  r.tile_mvm = {tile.energy.array_j, tile.energy.drivers_j, tile.energy.tia_j, tile.energy.adc_j};
  const auto test = networks::load_fashion_mnist(networks::Split::test, options.data_dir);
  const auto train = networks::load_fashion_mnist(networks::Split::train, options.data_dir);
  net.check_io({1, 1, 28, 28}, networks::Dataset::kClasses);
  r.images = std::min<std::int64_t>(options.images, test.size());

  say("calibrating the mapping");
  const torch::Tensor calib = networks::calibration_images(train, options.mapping.calibration_images,
                                                           options.mapping.calibration_seed, options.preprocess);
  const networks::ChipDesign design = networks::calibrate(net, tile, options.mapping, calib);
  r.tile_rows = design.tile.nominal.crossbar.rows;
  r.tile_cols = design.tile.nominal.crossbar.physical_cols();
  r.dac_bits = design.tile.nominal.dac.bits;
  r.adc_bits = design.tile.nominal.adc[0].bits;
  if (tile.energy.rows != r.tile_rows || tile.energy.cols != r.tile_cols)
    throw Error(fmt::format("{}: /energy was measured on a {}x{} tile: must be the tile's {}x{}", options.tile_path,
                            tile.energy.rows, tile.energy.cols, r.tile_rows, r.tile_cols));

  // Layer shapes: positions per image from one image through a probe.
  ShapeProbe probe;
  {
    torch::NoGradGuard ng;
    net.forward(options.preprocess.apply(test.images.slice(0, 0, 1)), &probe);
  }
  for (const auto& l : net.layers()) {
    const auto& m = design.layers.at(static_cast<std::size_t>(l.index));
    LayerShape s;
    s.name = l.describe();
    s.op = l.op;
    s.in_features = l.in_features;
    s.out_features = l.out_features;
    s.positions = probe.rows.count(l.index) ? probe.rows.at(l.index) : 1;
    s.tile_rows = r.tile_rows;
    s.tile_cols = r.tile_cols;
    s.tiles_r = m.tiles_r;
    s.tiles_c = m.tiles_c;
    s.signed_inputs = m.signed_inputs;
    r.layers.push_back(s);
  }
  r.macs_per_image = macs_per_image(r.layers);
  r.tile_mvms_per_image = tile_mvms_per_image(r.layers);

  const networks::ProgressFn none;
  auto acc_of = [&](networks::LayerExecutor* exec, bool torch_ref, const char* stage) {
    return networks::classify(net, exec, torch_ref, test, r.images, options.preprocess, options.batch_size, none,
                              {stage, -2, 0, 0, 0})
        .accuracy;
  };
  say("digital float32, int8 and int4");
  r.acc_float = acc_of(nullptr, true, "digital");
  for (int bits : {8, 4}) {
    FakeQuantExecutor fq(bits);
    fq.set_calibrating(true);
    {
      torch::NoGradGuard ng;
      for (std::int64_t b = 0; b < calib.size(0); b += options.batch_size)
        net.forward(calib.slice(0, b, std::min<std::int64_t>(calib.size(0), b + options.batch_size)), &fq);
    }
    fq.set_calibrating(false);
    (bits == 8 ? r.acc_int8 : r.acc_int4) = acc_of(&fq, false, "digital");
  }

  say("nominal chip (behavioral model, timed)");
  {
    networks::AnalogChip chip(design, options.seed, -1);
    r.program_s_per_chip = chip.program_seconds();
    const RaplReading e0 = read_rapl(options.powercap_dir);
    const double c0 = cpu_seconds(), w0 = wall_seconds();
    r.acc_nominal = acc_of(&chip, false, "nominal");
    const double c1 = cpu_seconds(), w1 = wall_seconds();
    const RaplReading e1 = read_rapl(options.powercap_dir);
    const double rapl_j = rapl_energy_between_j(e0, e1);
    r.behavioral_cpu_s_per_image = (c1 - c0) / static_cast<double>(r.images);
    r.behavioral_wall_s_per_image = (w1 - w0) / static_cast<double>(r.images);
    r.tile_mvms_counted = chip.tile_mvms();
    if (options.host_power_w > 0) {
      r.host_power_w = options.host_power_w;
      r.power_source = fmt::format("--host-power-w {} W per busy core (stated by the user)", options.host_power_w);
    } else {
      r.host_power_w = r.table.watts("host_power_per_core");
      r.power_source = fmt::format("{} W per busy core, an assumption (data/energy: host_power_per_core); RAPL not "
                                   "readable under {}",
                                   r.host_power_w, options.powercap_dir);
    }
    if (options.host_power_w < 0 && std::isfinite(rapl_j)) {
      r.rapl = true;
      r.e_sim_behavioral_j = rapl_j / static_cast<double>(r.images);
      r.power_source = fmt::format("RAPL package energy over the run ({}); SPICE uses {} W per core", options.powercap_dir,
                                   r.host_power_w);
    } else {
      r.e_sim_behavioral_j = measured_energy_j(r.behavioral_cpu_s_per_image, r.host_power_w);
    }
  }
  std::vector<double> accs;
  for (int k = 0; k < options.chips; ++k) {
    say(fmt::format("chip {} of {}", k + 1, options.chips));
    networks::AnalogChip chip(design, options.seed, k);
    accs.push_back(acc_of(&chip, false, "chip"));
  }
  if (!accs.empty()) {
    const auto m = networks::mean_ci95(accs);
    r.acc_chips_mean = m.mean;
    r.acc_chips_low = m.low;
    r.acc_chips_high = m.high;
    r.acc_analog = m.mean;
    r.acc_analog_what = fmt::format("mean over {} chips", accs.size());
  } else {
    r.acc_chips_mean = r.acc_chips_low = r.acc_chips_high = kNaN;
    r.acc_analog = r.acc_nominal;
    r.acc_analog_what = "nominal chip";
  }

  // Energies.
  r.run = run_energy(r.layers, r.tile_mvm, r.table);
  r.e_run_j = r.run.total_j();
  const double adc_survey_j = r.table.joules("adc_walden_fom") * std::ldexp(1.0, r.adc_bits);
  r.e_run_survey_adc_j =
      r.e_run_j - r.run.adc_j + static_cast<double>(r.tile_mvms_per_image) * r.tile_cols * adc_survey_j;
  r.sim_counts = behavioral_sim_counts(r.layers, r.adc_bits, options.mapping.chunk_columns);
  r.e_sim_behavioral_counted_j = energy_j(r.sim_counts, r.table);
  r.spice_s_per_mvm = tile.energy.spice_s_per_mvm;
  r.spice_s_per_image = r.spice_s_per_mvm * static_cast<double>(r.tile_mvms_per_image);
  r.e_sim_spice_j = measured_energy_j(r.spice_s_per_image, r.host_power_w);
  r.e_digital8_j = energy_j(digital_counts(r.layers, 8), r.table);
  r.e_digital4_j = energy_j(digital_counts(r.layers, 4), r.table);
  if (r.acc_int4 >= r.acc_analog) {
    r.digital_bits = 4;
    r.matched_note = fmt::format("int4 ({}) reaches the analog accuracy ({}, {})", pct(r.acc_int4), pct(r.acc_analog),
                                 r.acc_analog_what);
  } else {
    r.digital_bits = 8;
    r.matched_note = r.acc_int8 >= r.acc_analog
                         ? fmt::format("int4 ({}) is below the analog accuracy ({}, {}); int8 ({}) reaches it",
                                       pct(r.acc_int4), pct(r.acc_analog), r.acc_analog_what, pct(r.acc_int8))
                         : fmt::format("neither int4 ({}) nor int8 ({}) reaches the analog accuracy ({}, {}); int8 "
                                       "is used (it is the closer)",
                                       pct(r.acc_int4), pct(r.acc_int8), pct(r.acc_analog), r.acc_analog_what);
  }
  r.e_digital_j = r.digital_bits == 4 ? r.e_digital4_j : r.e_digital8_j;
  r.sentence = verdict_sentence(r);
  return r;
}

std::string verdict_sentence(const VerdictResult& r) {
  const double sim = r.e_sim_behavioral_j, counted = r.e_sim_behavioral_counted_j;
  std::string head = fmt::format(
      "Running the network on the {}x{} analog tiles costs {} per image; simulating it costs {} with the behavioral "
      "model on this host ({}x E_run), {} as the model's operations counted at 45 nm ({}x), and {} in SPICE ({}x); "
      "{} {}-bit digital network at matched accuracy costs {} ({}x)",
      r.tile_rows, r.tile_cols, format_joules(r.e_run_j), format_joules(sim), ratio(sim, r.e_run_j),
      format_joules(counted), ratio(counted, r.e_run_j), format_joules(r.e_sim_spice_j),
      ratio(r.e_sim_spice_j, r.e_run_j), r.digital_bits == 8 ? "an" : "a", r.digital_bits,
      format_joules(r.e_digital_j), ratio(r.e_digital_j, r.e_run_j));
  const double periphery = r.run.tia_j + r.run.adc_j + r.run.drivers_j;
  const std::string why = fmt::format("(TIAs and ADCs are {:.0f} % of E_run)", 100.0 * periphery / r.e_run_j);
  if (!(r.e_run_j < counted))
    return head + fmt::format(
                      ": the circuit is not worth building as simulated, because the behavioral model's own "
                      "arithmetic, done by 45 nm digital logic, costs less energy than running the circuit {}.",
                      why);
  if (!(r.e_run_j < sim))
    return head + ": the circuit is not worth building, because simulating it on this host costs less energy than "
                  "running it.";
  if (!(r.e_run_j < r.e_digital_j))
    return head + fmt::format(
                      ": running the circuit is cheaper than simulating it, but it is not worth building as "
                      "simulated, because the digital network at matched accuracy is {}x cheaper {}.",
                      ratio(r.e_run_j, r.e_digital_j), why);
  return head + ": the circuit is worth building: running it is cheaper than simulating it and than computing the "
                "same answer digitally.";
}

std::string verdict_markdown(const VerdictResult& r, const std::string& png_name) {
  std::string s;
  const auto& o = r.options;
  s += fmt::format("# Verdict: {} on {}\n\n", o.network_path, o.tile_path);
  s += r.sentence + "\n\n";
  s += fmt::format("{} test images; {}x{} tiles ({}-bit DAC, {}-bit ADC); {} MACs, {} tile MVMs per image (the "
                   "nominal chip counted {} per image).\n\n",
                   r.images, r.tile_rows, r.tile_cols, r.dac_bits, r.adc_bits, r.macs_per_image,
                   r.tile_mvms_per_image,
                   fmt::format("{:.6g}", static_cast<double>(r.tile_mvms_counted) / static_cast<double>(r.images)));
  s += "| figure | energy per image | / E_run | accuracy | how |\n|---|---:|---:|---:|---|\n";
  const std::string acc_an =
      std::isfinite(r.acc_chips_mean)
          ? fmt::format("{} nominal; {} mean of {} chips [{}, {}]", pct(r.acc_nominal), pct(r.acc_chips_mean),
                        o.chips, pct(r.acc_chips_low), pct(r.acc_chips_high))
          : fmt::format("{} (nominal chip)", pct(r.acc_nominal));
  s += fmt::format("| E_run | {} | 1 | {} | tile MVMs x SPICE energy per MVM + digital overheads |\n",
                   format_joules(r.e_run_j), acc_an);
  s += fmt::format("| E_sim, behavioral, measured | {} | {} | {} (it simulates the same chip) | {:.4g} ms CPU per "
                   "image x {} |\n",
                   format_joules(r.e_sim_behavioral_j), ratio(r.e_sim_behavioral_j, r.e_run_j), pct(r.acc_nominal),
                   1e3 * r.behavioral_cpu_s_per_image, r.rapl ? "RAPL" : fmt::format("{} W", r.host_power_w));
  s += fmt::format("| E_sim, behavioral, counted | {} | {} | {} | the model's operations and memory traffic x the "
                   "table (fp32 costs; the model runs in fp64: a lower bound) |\n",
                   format_joules(r.e_sim_behavioral_counted_j), ratio(r.e_sim_behavioral_counted_j, r.e_run_j),
                   pct(r.acc_nominal));
  s += fmt::format("| E_sim, SPICE | {} | {} | the circuit's own (ground truth; not run on whole images) | {:.4g} s "
                   "ngspice per tile MVM x {} MVMs x {} W |\n",
                   format_joules(r.e_sim_spice_j), ratio(r.e_sim_spice_j, r.e_run_j), r.spice_s_per_mvm,
                   r.tile_mvms_per_image, r.host_power_w);
  s += fmt::format("| E_digital, int8 | {} | {} | {} | operation counts x the table |\n", format_joules(r.e_digital8_j),
                   ratio(r.e_digital8_j, r.e_run_j), pct(r.acc_int8));
  s += fmt::format("| E_digital, int4 | {} | {} | {} | operation counts x the table |\n", format_joules(r.e_digital4_j),
                   ratio(r.e_digital4_j, r.e_run_j), pct(r.acc_int4));
  s += fmt::format("| (digital float32 accuracy) | | | {} | libtorch |\n\n", pct(r.acc_float));
  s += fmt::format("Matched precision: {}-bit ({}).\n\n", r.digital_bits, r.matched_note);
  if (!png_name.empty()) s += fmt::format("![energies]({})\n\n", png_name);

  s += "## E_run, per image, by part\n\n| part | energy | share |\n|---|---:|---:|\n";
  auto row = [&](const std::string& name, double e) {
    s += fmt::format("| {} | {} | {:.1f} % |\n", name, format_joules(e), 100.0 * e / r.e_run_j);
  };
  row("array", r.run.array_j);
  row("DAC drivers", r.run.drivers_j);
  row("TIAs", r.run.tia_j);
  row("ADCs", r.run.adc_j);
  for (const auto& [name, e] : r.run.digital_by_name_j) row("digital: " + name, e);
  s += fmt::format("| **total** | **{}** | 100 % |\n\n", format_joules(r.e_run_j));
  s += fmt::format(
      "One tile MVM in SPICE ({}): {} = array {} + drivers {} + TIAs {} + ADCs {} over a {:.3g} ns read cycle. With "
      "ADCs at the survey figure of merit (adc_walden_fom x 2^{} per conversion) instead of the simulated flash ADC, "
      "E_run would be {}.\n\n",
      r.tile_energy.note, format_joules(r.tile_mvm.total_j()), format_joules(r.tile_mvm.array_j),
      format_joules(r.tile_mvm.drivers_j), format_joules(r.tile_mvm.tia_j), format_joules(r.tile_mvm.adc_j),
      1e9 * r.tile_energy.t_cycle_s, r.adc_bits, format_joules(r.e_run_survey_adc_j));

  s += "## Layers\n\n| layer | MACs per position | positions | tiles | reads | tile MVMs per image |\n"
       "|---|---:|---:|---:|---:|---:|\n";
  for (const auto& l : r.layers)
    s += fmt::format("| {} | {} | {} | {}x{} | {} | {} |\n", l.name, l.weights(), l.positions, l.tiles_r, l.tiles_c,
                     l.signed_inputs ? 2 : 1, l.tile_mvms());

  s += "\n## Assumptions\n\n";
  s += fmt::format("- Host power: {}.\n", r.power_source);
  s += fmt::format("- Behavioral timing: {:.4g} ms CPU ({:.4g} ms wall) per image over {} images with {} libtorch "
                   "threads; programming the chip ({:.3g} s) is paid once per chip and not counted per image.\n",
                   1e3 * r.behavioral_cpu_s_per_image, 1e3 * r.behavioral_wall_s_per_image, r.images,
                   at::get_num_threads(), r.program_s_per_chip);
  s += fmt::format("- SPICE timing: the wall time of the tile energy campaign's samples ({}), {} op-amps; a SPICE "
                   "simulation of whole images was not run.\n",
                   r.tile_energy.campaign_path, r.tile_energy.opamp_model);
  s += "- Dataflow of the digital costs (verdict/include/xbar/verdict/cost.hpp): one activation operand per MAC from "
       "an 8 KB buffer (64/b per 64-bit read), every weight read once per image from a 1 MB SRAM, int32 "
       "accumulation; activations move between layers through a 1 MB buffer (write counted as a read).\n\n";
  s += "## Constants\n\n| name | value | what | node | source | checked |\n|---|---|---|---|---|---|\n";
  for (const auto& [name, e] : r.table.entries())
    s += fmt::format("| {} | {} {} | {} | {} | {} | {} |\n", name, e.value, e.unit, e.what, e.node, e.source,
                     e.checked);
  return s;
}

}  // namespace xbar::verdict
