// Tile replay files: write and read (layout in xbar/characterize/tile_replay.hpp).
#include <fmt/format.h>

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "xbar/characterize/error.hpp"
#include "xbar/characterize/tile_replay.hpp"
#include "xbar/core/hdf5.hpp"

namespace xbar::characterize {

namespace {

using core::hdf5::Hid;
constexpr const char* kSchema = "xbar.tile_replay/1";

/// The shared parameters, named once for writing, reading and comparing (STYLE.md 13). Integer
/// fields travel as doubles.
void shared_fields(netlists::TileParams& p, const std::function<void(const char*, double&)>& f) {
  double cell = p.crossbar.cell == netlists::CellModel::linear ? 0.0 : 1.0;
  double dac_bits = p.dac.bits, adc_bits = p.adc.bits;
  double comparator = p.adc.comparator == netlists::ComparatorModel::macro ? 1.0 : 0.0;
  f("crossbar.cell_sinh", cell);
  f("crossbar.v0_v", p.crossbar.v0_v);
  f("crossbar.temperature_c", p.crossbar.temperature_c);
  f("crossbar.tnom_c", p.crossbar.tnom_c);
  f("crossbar.cell_tc1_per_k", p.crossbar.cell_tc1_per_k);
  f("crossbar.wire_tc1_per_k", p.crossbar.wire_tc1_per_k);
  f("dac.bits", dac_bits);
  f("dac.v_min_v", p.dac.v_min_v);
  f("dac.v_max_v", p.dac.v_max_v);
  f("dac.r_source_ohm", p.dac.r_source_ohm);
  f("opamp.a0_vv", p.tia.opamp.a0_vv);
  f("opamp.f_p1_hz", p.tia.opamp.f_p1_hz);
  f("opamp.f_p2_hz", p.tia.opamp.f_p2_hz);
  f("opamp.r_out_ohm", p.tia.opamp.r_out_ohm);
  f("opamp.i_q_a", p.tia.opamp.i_q_a);
  f("opamp.headroom_v", p.tia.opamp.headroom_v);
  f("opamp.vdd_v", p.tia.opamp.vdd_v);
  f("opamp.vss_v", p.tia.opamp.vss_v);
  f("opamp.vos_v", p.tia.opamp.vos_v);
  f("tia.cf_f", p.tia.cf_f);
  f("adc.bits", adc_bits);
  f("adc.comparator_macro", comparator);
  f("adc.v_min_v", p.adc.v_min_v);
  f("adc.v_max_v", p.adc.v_max_v);
  f("adc.vdd_v", p.adc.vdd_v);
  f("adc.r_ladder_unit_ohm", p.adc.r_ladder_unit_ohm);
  f("adc.preamp_gain", p.adc.preamp_gain);
  f("adc.i_bias_a", p.adc.i_bias_a);
  f("adc.c_load_f", p.adc.c_load_f);
  f("timing.t_cycle_s", p.timing.t_cycle_s);
  f("timing.t_edge_s", p.timing.t_edge_s);
  f("t_step_max_s", p.t_step_max_s);
  p.crossbar.cell = cell != 0.0 ? netlists::CellModel::sinh : netlists::CellModel::linear;
  p.dac.bits = static_cast<int>(dac_bits);
  p.adc.bits = static_cast<int>(adc_bits);
  p.adc.comparator = comparator != 0.0 ? netlists::ComparatorModel::macro : netlists::ComparatorModel::transistor;
}

std::vector<std::pair<std::string, double>> shared_values(const netlists::TileParams& p) {
  netlists::TileParams copy = p;
  std::vector<std::pair<std::string, double>> out;
  shared_fields(copy, [&](const char* name, double& v) { out.emplace_back(name, v); });
  return out;
}

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw FileError(fmt::format("{}: {}: {}", path, what, core::hdf5::hdf5_reason()));
}

void write_attr(hid_t obj, const std::string& path, const char* name, hid_t type, const void* v) {
  Hid space(H5Screate(H5S_SCALAR), H5Sclose);
  Hid a(H5Acreate2(obj, name, type == H5T_NATIVE_DOUBLE ? H5T_IEEE_F64LE : H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT),
        H5Aclose);
  if (!a.ok() || H5Awrite(a, type, v) < 0) fail(path, fmt::format("cannot write attribute '{}'", name));
}

template <class T>
void write_dataset(hid_t file, const std::string& path, const char* name, const std::vector<hsize_t>& dims,
                   const std::vector<T>& data) {
  const bool is_double = std::is_same_v<T, double>;
  Hid space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  // No modification times: the same decks give the same bytes (the spec pins the file's SHA-256).
  Hid dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_obj_track_times(dcpl, false);
  Hid d(H5Dcreate2(file, name, is_double ? H5T_IEEE_F64LE : H5T_STD_I64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
        H5Dclose);
  if (!d.ok() || H5Dwrite(d, is_double ? H5T_NATIVE_DOUBLE : H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) < 0)
    fail(path, fmt::format("cannot write dataset '{}'", name));
}

template <class T>
std::vector<T> read_dataset(hid_t file, const std::string& path, const char* name, const std::vector<hsize_t>& dims) {
  Hid d(H5Dopen2(file, name, H5P_DEFAULT), H5Dclose);
  if (!d.ok()) fail(path, fmt::format("dataset '{}' is missing (not a tile replay file?)", name));
  Hid space(H5Dget_space(d), H5Sclose);
  std::vector<hsize_t> got(static_cast<std::size_t>(std::max(0, H5Sget_simple_extent_ndims(space))));
  H5Sget_simple_extent_dims(space, got.data(), nullptr);
  if (got != dims) {
    std::string want, have;
    for (hsize_t v : dims) want += fmt::format("{}{}", want.empty() ? "" : " x ", v);
    for (hsize_t v : got) have += fmt::format("{}{}", have.empty() ? "" : " x ", v);
    throw FileError(fmt::format("{}: dataset '{}' is {}, expected {} (the file is damaged or was written by another "
                                "version: write it again)", path, name, have, want));
  }
  std::size_t n = 1;
  for (hsize_t v : dims) n *= v;
  std::vector<T> out(n);
  const bool is_double = std::is_same_v<T, double>;
  if (H5Dread(d, is_double ? H5T_NATIVE_DOUBLE : H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
    fail(path, fmt::format("cannot read dataset '{}'", name));
  return out;
}

template <class T>
T read_attr(hid_t obj, const std::string& path, const char* name) {
  Hid a(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  T v{};
  if (!a.ok()) fail(path, fmt::format("attribute '{}' is missing (not a tile replay file?)", name));
  if (H5Aread(a, std::is_same_v<T, double> ? H5T_NATIVE_DOUBLE : H5T_NATIVE_LLONG, &v) < 0)
    fail(path, fmt::format("cannot read attribute '{}'", name));
  return v;
}

}  // namespace

void write_tile_replay_file(const std::string& path, const std::vector<ReplayDeck>& decks) {
  if (decks.empty()) throw Error(fmt::format("{}: a tile replay file needs at least one deck", path));
  const netlists::TileParams& p0 = decks.front().params;
  const int R = p0.crossbar.rows, C = p0.crossbar.cols, M = p0.adc.comparators();
  int N = 0;
  const auto shared0 = shared_values(p0);
  for (std::size_t d = 0; d < decks.size(); ++d) {
    const auto& p = decks[d].params;
    p.validate();
    auto bad = [&](const std::string& what) { throw Error(fmt::format("{}: deck {}: {}", path, d, what)); };
    if (p.crossbar.rows != R || p.crossbar.cols != C) bad("every deck must have the size of deck 0");
    if (shared_values(p) != shared0) bad("the shared parameters (tile_replay.hpp) differ from deck 0's");
    if (p.tia.opamp.model != netlists::OpampModel::macro) bad("the op-amp must be the macro model");
    if (p.dac.architecture != netlists::DacArchitecture::ideal) bad("the DAC must be the ideal one");
    if (p.crossbar.differential) bad("the array must be single-ended");
    if (static_cast<int>(p.tia_mismatch.size()) != C || static_cast<int>(p.adc_mismatch.size()) != C)
      bad("every column needs its op-amp and ADC mismatch");
    for (const auto& m : p.adc_mismatch)
      if (!m.ladder_r_rel.empty()) bad("ladder mismatch is not stored: fold it into the comparator offsets");
    if (decks[d].reference_codes.rows() != p.cycles() || decks[d].reference_codes.cols() != C)
      bad("reference_codes must be cycles x cols");
    N = std::max(N, p.cycles());
  }
  const auto D = static_cast<hsize_t>(decks.size());
  std::vector<long long> layer, tile_row, tile_col, chip, cycles, input_codes(D * N * R, -1), ref(D * N * C, -1);
  std::vector<double> g(D * R * C), r_row, r_col, rf, vos(D * C), os(D * C * M, 0.0);
  for (std::size_t d = 0; d < decks.size(); ++d) {
    const auto& k = decks[d];
    const auto& p = k.params;
    layer.push_back(k.layer), tile_row.push_back(k.tile_row), tile_col.push_back(k.tile_col), chip.push_back(k.chip);
    cycles.push_back(p.cycles());
    r_row.push_back(p.crossbar.r_row_wire_ohm), r_col.push_back(p.crossbar.r_col_wire_ohm), rf.push_back(p.tia.rf_ohm);
    for (int i = 0; i < R; ++i)
      for (int j = 0; j < C; ++j) g[(d * R + i) * C + j] = p.crossbar.g_s(i, j);
    for (int j = 0; j < C; ++j) {
      vos[d * C + j] = p.tia_mismatch[static_cast<std::size_t>(j)].vos_v;
      const auto& o = p.adc_mismatch[static_cast<std::size_t>(j)].comparator_offset_v;
      for (int m = 0; m < M && !o.empty(); ++m) os[(d * C + j) * M + m] = o[static_cast<std::size_t>(m)];
    }
    for (int n = 0; n < p.cycles(); ++n) {
      for (int i = 0; i < R; ++i) input_codes[(d * N + n) * R + i] = p.input_codes(n, i);
      for (int j = 0; j < C; ++j) ref[(d * N + n) * C + j] = k.reference_codes(n, j);
    }
  }
  core::hdf5::QuietHdf5 quiet;
  const std::string tmp = path + ".tmp";
  {
    Hid file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    if (!file.ok()) fail(path, "cannot create the file (does its folder exist and is it writable?)");
    if (core::hdf5::write_string_attr(file, "schema", kSchema) < 0) fail(path, "cannot write attribute 'schema'");
    const long long counts[] = {R, C, N, static_cast<long long>(D)};
    const char* count_names[] = {"rows", "cols", "cycles_max", "decks"};
    for (int i = 0; i < 4; ++i) write_attr(file, path, count_names[i], H5T_NATIVE_LLONG, &counts[i]);
    for (const auto& [name, v] : shared0) write_attr(file, path, name.c_str(), H5T_NATIVE_DOUBLE, &v);
    write_dataset(file, path, "layer", {D}, layer);
    write_dataset(file, path, "tile_row", {D}, tile_row);
    write_dataset(file, path, "tile_col", {D}, tile_col);
    write_dataset(file, path, "chip", {D}, chip);
    write_dataset(file, path, "cycles", {D}, cycles);
    write_dataset(file, path, "g_s", {D, hsize_t(R), hsize_t(C)}, g);
    write_dataset(file, path, "r_row_wire_ohm", {D}, r_row);
    write_dataset(file, path, "r_col_wire_ohm", {D}, r_col);
    write_dataset(file, path, "rf_ohm", {D}, rf);
    write_dataset(file, path, "vos_v", {D, hsize_t(C)}, vos);
    write_dataset(file, path, "comparator_offset_v", {D, hsize_t(C), hsize_t(M)}, os);
    write_dataset(file, path, "input_codes", {D, hsize_t(N), hsize_t(R)}, input_codes);
    write_dataset(file, path, "reference_codes", {D, hsize_t(N), hsize_t(C)}, ref);
    if (file.close() < 0) fail(path, "cannot close the file");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw FileError(fmt::format("{}: cannot rename {} to it", path, tmp));
}

std::vector<ReplayDeck> read_tile_replay_file(const std::string& path) {
  core::hdf5::QuietHdf5 quiet;
  Hid file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.ok()) fail(path, "cannot open it as HDF5 (does it exist? `xbar infer --spice-check` writes it)");
  std::string schema;
  if (core::hdf5::read_string_attr(file, "schema", &schema) < 0 || schema != kSchema)
    throw FileError(fmt::format("{}: attribute 'schema' is '{}', expected '{}': not a tile replay file", path, schema, kSchema));
  const auto R = read_attr<long long>(file, path, "rows"), C = read_attr<long long>(file, path, "cols");
  const auto N = read_attr<long long>(file, path, "cycles_max"), D = read_attr<long long>(file, path, "decks");
  if (R < 1 || C < 1 || N < 1 || D < 1 || R > 1024 || C > 1024)
    throw FileError(fmt::format("{}: rows = {}, cols = {}, cycles_max = {}, decks = {}: each must be >= 1 (rows, cols <= 1024)",
                                path, R, C, N, D));
  netlists::TileParams shared;
  shared.tia.opamp.model = netlists::OpampModel::macro;
  shared.dac.architecture = netlists::DacArchitecture::ideal;
  shared.crossbar.rows = static_cast<int>(R);
  shared.crossbar.cols = static_cast<int>(C);
  shared_fields(shared, [&](const char* name, double& v) { v = read_attr<double>(file, path, name); });
  const auto d_ = static_cast<hsize_t>(D);
  const hsize_t r_ = R, c_ = C, n_ = N, m_ = (hsize_t{1} << shared.adc.bits) - 1;
  if (shared.adc.bits < 1 || shared.adc.bits > 12)
    throw FileError(fmt::format("{}: attribute 'adc.bits' = {}: must be 1..12", path, shared.adc.bits));
  const auto layer = read_dataset<long long>(file, path, "layer", {d_});
  const auto tile_row = read_dataset<long long>(file, path, "tile_row", {d_});
  const auto tile_col = read_dataset<long long>(file, path, "tile_col", {d_});
  const auto chip = read_dataset<long long>(file, path, "chip", {d_});
  const auto cycles = read_dataset<long long>(file, path, "cycles", {d_});
  const auto g = read_dataset<double>(file, path, "g_s", {d_, r_, c_});
  const auto r_row = read_dataset<double>(file, path, "r_row_wire_ohm", {d_});
  const auto r_col = read_dataset<double>(file, path, "r_col_wire_ohm", {d_});
  const auto rf = read_dataset<double>(file, path, "rf_ohm", {d_});
  const auto vos = read_dataset<double>(file, path, "vos_v", {d_, c_});
  const auto os = read_dataset<double>(file, path, "comparator_offset_v", {d_, c_, m_});
  const auto input_codes = read_dataset<long long>(file, path, "input_codes", {d_, n_, r_});
  const auto ref = read_dataset<long long>(file, path, "reference_codes", {d_, n_, c_});
  std::vector<ReplayDeck> decks(static_cast<std::size_t>(D));
  for (std::size_t d = 0; d < decks.size(); ++d) {
    ReplayDeck& k = decks[d];
    const long long n = cycles[d];
    if (n < 1 || n > N)
      throw FileError(fmt::format("{}: cycles[{}] = {}: must be between 1 and cycles_max = {}", path, d, n, N));
    k.layer = static_cast<int>(layer[d]), k.tile_row = static_cast<int>(tile_row[d]), k.tile_col = static_cast<int>(tile_col[d]);
    k.chip = chip[d];
    netlists::TileParams& p = k.params;
    p = shared;
    p.crossbar.g_s.resize(R, C);
    for (long long i = 0; i < R; ++i)
      for (long long j = 0; j < C; ++j) p.crossbar.g_s(i, j) = g[(d * R + i) * C + j];
    p.crossbar.r_row_wire_ohm = r_row[d];
    p.crossbar.r_col_wire_ohm = r_col[d];
    p.tia.rf_ohm = rf[d];
    p.tia_mismatch.resize(static_cast<std::size_t>(C));
    p.adc_mismatch.resize(static_cast<std::size_t>(C));
    for (long long j = 0; j < C; ++j) {
      p.tia_mismatch[static_cast<std::size_t>(j)].vos_v = vos[d * C + j];
      auto& o = p.adc_mismatch[static_cast<std::size_t>(j)].comparator_offset_v;
      o.assign(os.begin() + static_cast<std::ptrdiff_t>((d * C + j) * m_), os.begin() + static_cast<std::ptrdiff_t>((d * C + j + 1) * m_));
    }
    p.input_codes.resize(n, R);
    k.reference_codes.resize(n, C);
    for (long long c = 0; c < n; ++c) {
      for (long long i = 0; i < R; ++i) p.input_codes(c, i) = static_cast<int>(input_codes[(d * N + c) * R + i]);
      for (long long j = 0; j < C; ++j) k.reference_codes(c, j) = static_cast<int>(ref[(d * N + c) * C + j]);
    }
    p.title = fmt::format("xbar tile replay deck {} (layer {}, tile {},{}, chip {})", d, k.layer, k.tile_row, k.tile_col, k.chip);
    try {
      p.validate();
    } catch (const xbar::Error& e) {
      throw FileError(fmt::format("{}: deck {}: {}", path, d, e.what()));
    }
  }
  return decks;
}

}  // namespace xbar::characterize
