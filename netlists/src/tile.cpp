#include "xbar/netlists/tile.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <string>
#include <vector>

#include "xbar/netlists/error.hpp"

namespace xbar::netlists {

std::string tile_tia_output_node(int column) { return fmt::format("t{}", column); }
std::string tile_adc_prefix(int column) { return fmt::format("adc{}", column); }
std::string tile_driver_node(int row) { return fmt::format("x{}", row); }

namespace {

/// The crossbar as the tile uses it: v_in_v set (ignored), so that validate() passes.
CrossbarParams array_params(const TileParams& p) {
  CrossbarParams x = p.crossbar;
  x.v_in_v = Eigen::VectorXd::Zero(x.rows);
  return x;
}

template <class F>
void collect(std::vector<std::string>& bad, F&& check) {
  try {
    check();
  } catch (const ValidationError& e) {
    bad.insert(bad.end(), e.problems().begin(), e.problems().end());
  } catch (const Error& e) {
    bad.push_back(e.what());
  }
}

/// The ADC clock of the header: per cycle k, 0 until t_r - t_en - t_edge, vdd from t_r - t_en to
/// t_r, 0 again at t_r + t_edge = (k+1) T.
std::string adc_clock_pwl(const TileParams& p) {
  const double T = p.timing.t_cycle_s, te = p.timing.t_edge_s;
  const double t_en = p.t_adc_enable_s > 0.0 ? p.t_adc_enable_s : T / 10.0;
  std::string s = "pwl(0 0";
  for (int n = 0; n < p.cycles(); ++n) {
    const double t_r = read_sample_time_s(p.timing, n);
    s += fmt::format(" {:.12g} 0 {:.12g} {:.17g} {:.12g} {:.17g} {:.12g} 0", t_r - t_en - te, t_r - t_en, p.adc.vdd_v, t_r,
                     p.adc.vdd_v, t_r + te);
  }
  return s + ")";
}

bool adc_is_clocked(const TileParams& p) { return p.adc_clocked && p.adc.comparator == ComparatorModel::transistor; }

/// The ADC clock (if clocked) and the ADCs of columns first_col .. first_col + n_cols - 1, reading
/// the TIA outputs t<k>.
void adc_section(const TileParams& p, int first_col, int n_cols, std::back_insert_iterator<fmt::memory_buffer> out) {
  fmt::format_to(out, "* column ADCs\n");
  // Only transistor comparators are clocked: macro ones have no switching edge to resolve, and
  // the clock's breakpoints would cost the macro tile timepoints (16 x 16, 4 cycles: 155 instead
  // of 103; bench/results/tile_speed_clocked_2026-11-30.md).
  const bool clocked = adc_is_clocked(p);
  if (clocked) fmt::format_to(out, "vadc_clk aclk 0 {}\n", adc_clock_pwl(p));
  for (int k = first_col; k < first_col + n_cols; ++k) {
    const AdcMismatch none;
    const AdcMismatch& m = p.adc_mismatch.empty() ? none : p.adc_mismatch[static_cast<std::size_t>(k)];
    fmt::format_to(out, "{}", adc_text(p.adc, m, tile_adc_prefix(k), tile_tia_output_node(k), "add", clocked ? "aclk" : ""));
  }
}

/// ".options" and ".tran" of every tile deck.
void transient_cards(const TileParams& p, std::back_insert_iterator<fmt::memory_buffer> out) {
  const double t_max = p.t_step_max_s > 0.0 ? p.t_step_max_s : p.timing.t_edge_s / 4.0;
  // The stop time lies 0.1 % past the end of the last read cycle: with the stop exactly at the last
  // driver breakpoint, ngspice 46 stopped with "Timestep too small; time = <stop>, timestep = 0" on
  // 64 x 64 decks with microsecond cycles (seen 2026-11-30 in spot checks). Every read (codes at
  // read_sample_time_s, energies over [k T, (k+1) T]) lies before the end of the last cycle.
  const double t_stop = 1.001 * p.cycles() * p.timing.t_cycle_s;
  if (p.crossbar.klu) fmt::format_to(out, ".options klu\n");
  const bool thermal = p.crossbar.temperature_c != 27.0 || p.crossbar.tnom_c != 27.0;
  if (thermal) fmt::format_to(out, ".options temp={} tnom={}\n", p.crossbar.temperature_c, p.crossbar.tnom_c);
  fmt::format_to(out, ".tran {:.6g} {:.17g} 0 {:.6g}\n", t_max, t_stop, t_max);
}

}  // namespace

void TileParams::validate() const {
  std::vector<std::string> bad;
  collect(bad, [&] { array_params(*this).validate(); });
  collect(bad, [&] { dac.validate(); });
  collect(bad, [&] { tia.validate(); });
  collect(bad, [&] { adc.validate(); });
  collect(bad, [&] { netlists::validate(timing); });
  if (crossbar.differential) bad.push_back("tile: crossbar.differential = true: the tile chain reads single-ended columns only");
  if (crossbar.r_source_ohm.size() != 0) {
    bad.push_back("tile: crossbar.r_source_ohm is set: set the driver resistance as dac.r_source_ohm instead");
  }
  const int rows = crossbar.rows, cols = crossbar.cols;
  if (!dac_mismatch.empty() && static_cast<int>(dac_mismatch.size()) != rows) {
    bad.push_back(fmt::format("tile.dac_mismatch has {} entries: must be empty or one per row ({})", dac_mismatch.size(), rows));
  }
  if (!tia_mismatch.empty() && static_cast<int>(tia_mismatch.size()) != cols) {
    bad.push_back(fmt::format("tile.tia_mismatch has {} entries: must be empty or one per column ({})", tia_mismatch.size(), cols));
  }
  if (!adc_mismatch.empty() && static_cast<int>(adc_mismatch.size()) != cols) {
    bad.push_back(fmt::format("tile.adc_mismatch has {} entries: must be empty or one per column ({})", adc_mismatch.size(), cols));
  }
  if (input_codes.rows() < 1 || input_codes.cols() != rows) {
    bad.push_back(fmt::format("tile.input_codes is {} x {}: must be cycles x rows with at least one cycle (rows = {})",
                              input_codes.rows(), input_codes.cols(), rows));
  } else {
    const int top = dac.bits >= 1 && dac.bits <= 30 ? (1 << dac.bits) - 1 : 0;
    for (Eigen::Index n = 0; n < input_codes.rows(); ++n) {
      for (Eigen::Index i = 0; i < input_codes.cols(); ++i) {
        if (input_codes(n, i) < 0 || input_codes(n, i) > top) {
          bad.push_back(fmt::format("tile.input_codes({},{}) = {}: must be between 0 and 2^dac.bits - 1 = {}", n, i,
                                    input_codes(n, i), top));
          n = input_codes.rows() - 1;
          break;
        }
      }
    }
  }
  if (!(std::isfinite(t_step_max_s) && t_step_max_s >= 0.0)) {
    bad.push_back(fmt::format("tile.t_step_max_s = {}: must be finite and >= 0 s (0 = t_edge_s / 4)", t_step_max_s));
  }
  if (!(std::isfinite(t_adc_enable_s) && t_adc_enable_s >= 0.0)) {
    bad.push_back(fmt::format("tile.t_adc_enable_s = {}: must be finite and >= 0 s (0 = t_cycle_s / 10)", t_adc_enable_s));
  } else if (std::isfinite(timing.t_cycle_s) && std::isfinite(timing.t_edge_s) &&
             !(t_adc_enable_s <= timing.t_cycle_s - 4.0 * timing.t_edge_s)) {
    bad.push_back(fmt::format("tile.t_adc_enable_s = {}: must be <= t_cycle_s - 4 t_edge_s = {} s (the ADC clock rises "
                              "after the drivers' edge)",
                              t_adc_enable_s, timing.t_cycle_s - 4.0 * timing.t_edge_s));
  }
  if (title.find_first_of("\r\n") != std::string::npos) bad.push_back("tile.title contains a line break: must be one line");
  if (!bad.empty()) throw ValidationError(std::move(bad));
}

namespace {

enum class TileParts { whole, chain };

/// The deck of the header (`whole`), or the same without the ADCs and their supply (`chain`; the
/// ADC clock stays, driving nothing, for its breakpoints). The two share every other line, in the
/// same order.
Deck tile_deck(const TileParams& p, TileParts parts) {
  p.validate();
  const bool with_adcs = parts == TileParts::whole;
  const int R = p.crossbar.rows, C = p.crossbar.cols, N = p.cycles();
  fmt::memory_buffer buf;
  auto out = std::back_inserter(buf);
  fmt::format_to(out, "{}\n", p.title);
  const std::string adcs = with_adcs ? fmt::format(", {}-bit flash ADCs", p.adc.bits) : "";
  fmt::format_to(out, "* tile chain{}: {} x {} {} crossbar, {}-bit {} DACs, TIAs (Rf = {} ohm, {} op-amp){}; {} read cycles "
                 "of {} s; generated by xbar\n",
                 with_adcs ? "" : " without its ADCs (they read the TIA outputs through B sources and draw no current; "
                                  "make_tile_adc_deck runs them)",
                 R, C, to_string(p.crossbar.cell), p.dac.bits, to_string(p.dac.architecture), p.tia.rf_ohm,
                 to_string(p.tia.opamp.model), adcs, N, p.timing.t_cycle_s);
  Deck deck;
  for (int k = 0; k < C; ++k) {
    Probe probe{fmt::format("v_tia{}", k), "V", {{tile_tia_output_node(k), 1.0}}};
    fmt::format_to(out, "{}\n", probe_comment(probe));
    deck.probes.push_back(std::move(probe));
  }
  fmt::format_to(out, "* supplies\nvtia_dd tdd 0 DC {}\nvtia_ss tss 0 DC {}\n", p.tia.opamp.vdd_v, p.tia.opamp.vss_v);
  if (with_adcs) fmt::format_to(out, "vadc_dd add 0 DC {}\n", p.adc.vdd_v);

  // The column periphery (TIAs, ADCs) is written before the row drivers and the array. The
  // element order sets ngspice's node and equation numbering, and KLU's fill-reducing ordering of
  // the tile matrix depends on it: with the array first, a 64 x 64 tile factored with 1.43 million
  // nonzeros in L+U and a 128 x 128 one with 11.0 million (13.8 s per factorization); with the
  // periphery first, 0.37 and 1.8 million (bench/results/tile_speed_2026-11-30.md). The circuit
  // is the same.
  fmt::format_to(out, "* column sense sources and TIAs\n");
  if (p.tia_mismatch.empty()) fmt::format_to(out, "{}", opamp_subckt(p.tia.opamp, OpampMismatch{}, "tiaop"));
  for (int k = 0; k < C; ++k) {
    std::string sub = "tiaop";
    if (!p.tia_mismatch.empty()) {
      sub = fmt::format("tiaop{}", k);
      fmt::format_to(out, "{}", opamp_subckt(p.tia.opamp, p.tia_mismatch[static_cast<std::size_t>(k)], sub));
    }
    fmt::format_to(out, "Vcol{} o{} ti{} DC 0\n", k, k, k);
    fmt::format_to(out, "{}", tia_text(p.tia, sub, fmt::format("tia{}", k), fmt::format("ti{}", k), tile_tia_output_node(k),
                                       "tdd", "tss"));
  }
  if (with_adcs) {
    adc_section(p, 0, C, out);
  } else if (adc_is_clocked(p)) {
    // The ADC clock alone, driving nothing: its corners are breakpoints of the chain's transient as
    // of the whole deck's, so the TIA outputs are resolved around each enable window the ADCs read.
    fmt::format_to(out, "* the ADC clock's breakpoints (the ADCs run in their own transient)\nvadc_clk aclk 0 {}\n",
                   adc_clock_pwl(p));
  }
  fmt::format_to(out, "* row drivers (DACs) and row sense sources\n");
  std::vector<int> codes(static_cast<std::size_t>(N));
  for (int i = 0; i < R; ++i) {
    for (int n = 0; n < N; ++n) codes[static_cast<std::size_t>(n)] = p.input_codes(n, i);
    const DacMismatch none;
    const DacMismatch& m = p.dac_mismatch.empty() ? none : p.dac_mismatch[static_cast<std::size_t>(i)];
    fmt::format_to(out, "{}", dac_text(p.dac, m, fmt::format("dac{}", i), codes, p.timing, tile_driver_node(i)));
    fmt::format_to(out, "Vrow{} {} in{} DC 0\n", i, tile_driver_node(i), i);
  }
  fmt::format_to(out, "* array\n{}", crossbar_array_text(array_params(p)));
  transient_cards(p, out);
  // For `ngspice -b`: each TIA output at each cycle's read time (read_sample_time_s), printed
  // as "v_tia<k>_c<n> = <volts>".
  fmt::format_to(out, "* TIA outputs at the read times, printed by ngspice -b\n");
  for (int n = 0; n < N; ++n)
    for (int k = 0; k < C; ++k)
      fmt::format_to(out, ".meas tran v_tia{}_c{} find v({}) at={:.17g}\n", k, n, tile_tia_output_node(k),
                     read_sample_time_s(p.timing, n));
  fmt::format_to(out, ".end\n");
  deck.text = fmt::to_string(buf);
  return deck;
}

}  // namespace

Deck make_tile_deck(const TileParams& p) { return tile_deck(p, TileParts::whole); }

Deck make_tile_chain_deck(const TileParams& p) { return tile_deck(p, TileParts::chain); }

Deck make_tile_adc_deck(const TileParams& p, const std::vector<double>& time_s,
                        const std::vector<std::vector<double>>& v_tia_v, int first_col, int n_cols) {
  p.validate();
  const int C = p.crossbar.cols;
  if (n_cols < 0) n_cols = C - first_col;
  std::vector<std::string> bad;
  if (first_col < 0 || n_cols < 1 || first_col + n_cols > C)
    bad.push_back(fmt::format("tile ADC deck: columns {} .. {}: must lie within 0 .. {}", first_col, first_col + n_cols - 1, C - 1));
  if (static_cast<int>(v_tia_v.size()) != C)
    bad.push_back(fmt::format("tile ADC deck: {} TIA waveforms for {} columns: need one per column", v_tia_v.size(), C));
  if (time_s.size() < 2) bad.push_back(fmt::format("tile ADC deck: {} time points: need at least 2", time_s.size()));
  for (std::size_t k = static_cast<std::size_t>(first_col); bad.empty() && k < static_cast<std::size_t>(first_col + n_cols); ++k) {
    if (v_tia_v[k].size() != time_s.size()) {
      bad.push_back(fmt::format("tile ADC deck: column {} has {} values for {} time points", k, v_tia_v[k].size(),
                                time_s.size()));
    } else if (!std::all_of(v_tia_v[k].begin(), v_tia_v[k].end(), [](double v) { return std::isfinite(v); })) {
      bad.push_back(fmt::format("tile ADC deck: column {}'s TIA waveform is not finite everywhere", k));
    }
  }
  if (!std::all_of(time_s.begin(), time_s.end(), [](double t) { return std::isfinite(t); }))
    bad.push_back("tile ADC deck: a time point is not finite");
  if (!bad.empty()) throw ValidationError(std::move(bad));
  // The points of the waveforms: strictly increasing times (a repeated time point is dropped).
  std::vector<std::size_t> keep;
  for (std::size_t j = 0; j < time_s.size(); ++j)
    if (keep.empty() || time_s[j] > time_s[keep.back()]) keep.push_back(j);

  fmt::memory_buffer buf;
  auto out = std::back_inserter(buf);
  fmt::format_to(out, "{} (ADCs of columns {} .. {})\n", p.title, first_col, first_col + n_cols - 1);
  fmt::format_to(out, "* the ADCs of columns {} .. {} of a {} x {} tile, each driven by its TIA output as the chain's transient "
                 "computed it ({} points); {}-bit flash ADCs, {} read cycles of {} s; generated by xbar\n",
                 first_col, first_col + n_cols - 1, p.crossbar.rows, C, keep.size(), p.adc.bits, p.cycles(),
                 p.timing.t_cycle_s);
  fmt::format_to(out, "* supply\nvadc_dd add 0 DC {}\n", p.adc.vdd_v);
  fmt::format_to(out, "* TIA outputs (piecewise linear between the chain's time points)\n");
  for (int k = first_col; k < first_col + n_cols; ++k) {
    const std::vector<double>& v = v_tia_v[static_cast<std::size_t>(k)];
    fmt::format_to(out, "vwave{} {} 0 pwl(", k, tile_tia_output_node(k));
    for (std::size_t j = 0; j < keep.size(); ++j) {
      if (j > 0 && j % 8 == 0) fmt::format_to(out, "\n+");
      fmt::format_to(out, " {:.17g} {:.17g}", time_s[keep[j]], v[keep[j]]);
    }
    fmt::format_to(out, ")\n");
  }
  adc_section(p, first_col, n_cols, out);
  transient_cards(p, out);
  fmt::format_to(out, ".end\n");
  Deck deck;
  deck.text = fmt::to_string(buf);
  return deck;
}

Eigen::MatrixXi tile_ideal_codes(const TileParams& p, const Eigen::MatrixXd& g, Eigen::MatrixXd* v_out) {
  const int N = p.cycles(), C = p.crossbar.cols;
  Eigen::MatrixXd v_in(N, p.crossbar.rows);
  for (int n = 0; n < N; ++n)
    for (int i = 0; i < p.crossbar.rows; ++i) v_in(n, i) = dac_ideal_level_v(p.dac, p.input_codes(n, i));
  const Eigen::MatrixXd v = -p.tia.rf_ohm * (v_in * g);  // N x C
  Eigen::MatrixXi codes(N, C);
  for (int n = 0; n < N; ++n)
    for (int k = 0; k < C; ++k) codes(n, k) = adc_ideal_code(p.adc, v(n, k));
  if (v_out) *v_out = v;
  return codes;
}

}  // namespace xbar::netlists
