// Tile model files (xbar.model/1 kind "tile"): round trip of every field bit for bit, the
// messages for wrong, missing and corrupt files, draw_tile_instance's determinism and
// statistics, and every shipped preset in data/presets/ (XBAR_PRESETS_DIR) read, drawn and run.
#include <doctest/doctest.h>
#include <hdf5.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "temp_dir.hpp"
#include "model_file_fields.hpp"  // behavioral/src: the field lists, to compare every field
#include "xbar/behavioral/error.hpp"
#include "xbar/behavioral/model_file_error.hpp"
#include "xbar/behavioral/periphery_model_file.hpp"
#include "xbar/behavioral/tile_model.hpp"
#include "xbar/behavioral/tile_model_file.hpp"
#include "xbar/core/counter_rng.hpp"

using namespace xbar;
using behavioral::TileModelFile;

namespace {

// An Io over tile_fields that flattens every field into "group@name" -> bytes, so that two
// models compare field by field, bit for bit (NaN and inf included).
class FlattenIo {
 public:
  std::map<std::string, std::string> fields;

  void group(const std::string& g) { fields[g] = "group"; }
  void f64(const std::string& g, const std::string& n, const double& v) { put(g, n, &v, sizeof v); }
  void optional_f64(const std::string& g, const std::string& n, const double& v) { put(g, n, &v, sizeof v); }
  void i32(const std::string& g, const std::string& n, const int& v) { put(g, n, &v, sizeof v); }
  void flag(const std::string& g, const std::string& n, const bool& v) { fields[g + "@" + n] = v ? "1" : "0"; }
  void u64(const std::string& g, const std::string& n, const std::uint64_t& v) { put(g, n, &v, sizeof v); }
  void str(const std::string& g, const std::string& n, const std::string& v) { fields[g + "@" + n] = "s:" + v; }
  template <class E>
  void choice(const std::string& g, const std::string& n, const E& v, behavioral::detail::EnumNames<E>) {
    const int x = static_cast<int>(v);
    put(g, n, &x, sizeof x);
  }
  void vec(const std::string& g, const std::string& n, const Eigen::VectorXd& v, const char*) {
    fields[g + "/" + n] = std::to_string(v.size()) + ":" + bytes(v.data(), sizeof(double) * v.size());
  }
  void mat(const std::string& g, const std::string& n, const Eigen::MatrixXd& m, const char*) {
    fields[g + "/" + n] = std::to_string(m.rows()) + "x" + std::to_string(m.cols()) + ":" +
                          bytes(m.data(), sizeof(double) * m.size());
  }
  template <class T>
  void count(const std::string& g, const std::string& n, const std::vector<T>& v) {
    const std::uint64_t k = v.size();
    put(g, n, &k, sizeof k);
  }
  template <class T>
  void single(const std::vector<T>& v) {
    fields["single"] += std::to_string(v.size());
  }
  bool optional_group(const std::string& g) {
    group(g);
    return true;
  }
  void invalid(const std::string&, const std::string&, const std::string&) {}

 private:
  static std::string bytes(const void* p, std::size_t n) { return std::string(static_cast<const char*>(p), n); }
  void put(const std::string& g, const std::string& n, const void* p, std::size_t size) {
    fields[g + "@" + n] = bytes(p, size);
  }
};

std::map<std::string, std::string> flatten(const TileModelFile& m) {
  FlattenIo io;
  behavioral::detail::tile_fields(io, m);
  return io.fields;
}

// A small tile with every field set to something other than its default.
TileModelFile sample_model(int rows = 12, int cols = 10) {
  TileModelFile m;
  auto& x = m.nominal.crossbar;
  x.rows = rows;
  x.cols = cols;
  x.r_row_wire_ohm = 1.25;
  x.r_col_wire_ohm = 0.75;
  x.r_source_ohm = Eigen::VectorXd::LinSpaced(rows, 10.0, 20.0);
  x.temperature_c = 42.0;
  m.nominal.dac.bits = 4;
  m.nominal.dac.v_max_v = 0.1;
  behavioral::TiaModelParams tia;
  tia.rf_ohm = 2000.0;
  tia.a0_vv = 3400.5;
  tia.r_out_ohm = 46e3 / 7.0;
  tia.v_offset_v = -1.5e-4;
  tia.v_out_min_v = -0.83;
  tia.v_out_max_v = 0.86;
  tia.tau_s = 1.2e-8;  // t_sample_s stays inf: the round trip must keep it
  m.nominal.tia = {tia};
  behavioral::AdcModelParams adc;
  adc.bits = 4;
  adc.transition_v = adc.transitions_v().array() + 1e-4 / 3.0;
  m.nominal.adc = {adc};
  m.g_min_s = 1e-6;
  m.g_max_s = 1e-4;
  auto& v = m.variation;
  v.programming_error.sigma_rel_d2d = 0.05;
  v.programming_error.sigma_rel_d2d_ci95 = {0.049, 0.051};
  v.programming_error.mean_rel = 1.0 / 3.0 * 1e-3;
  v.programming_error.gof_statistic = 0.01;
  v.programming_error.gof_p_value = 0.7;
  v.programming_error.n = 12345;
  v.stuck_on = {0.02, {0.01, 0.03}, 20, 1000};
  v.stuck_off = {0.03, {0.02, 0.04}, 30, 1000};  // ci stays NaN-free; NaN is in gof of the offsets
  v.g_stuck_on_s = 2e-4;
  v.g_stuck_off_s = 0.0;
  v.wire.r_wire_sigma_rel_d2d = 0.02;
  v.wire.mean_rel = -0.001;
  v.wire.n = 8;
  v.tia_opamp_v_offset.mean_v = -1.5e-4;
  v.tia_opamp_v_offset.sigma_v = 2.5e-3;
  v.tia_opamp_v_offset.n = 7;
  v.adc_comparator_offset.sigma_v = 1.1e-3;
  v.adc_comparator_offset.n = 441;
  m.held_out_crossbar.n_samples = 3;
  m.held_out_crossbar.rms_abs_a = 1.0 / 7.0 * 1e-9;
  m.held_out_crossbar.rel_l2 = std::numeric_limits<double>::quiet_NaN();
  m.held_out_tia.n_instances = 2;
  m.held_out_tia.rms_abs_v = 1e-3;
  m.held_out_adc_codes.max_lsb = 1.0;
  behavioral::ModelProvenance s;
  s.component = "crossbar";
  s.model_path = "crossbar_model.h5";
  s.model_sha256 = std::string(64, 'a');
  s.campaign_path = "crossbar.h5";
  s.fit_time = "2026-11-30T10:00:00Z";
  m.sources = {s, s, s};
  m.sources[1].component = "tia";
  m.sources[2].component = "adc";
  m.provenance.xbar_version = "0.1.0";
  m.provenance.fit_time = "2026-11-30T11:00:00Z";
  m.energy.array_j = 1.5e-12;
  m.energy.drivers_j = 0.0;
  m.energy.tia_j = 2.25e-9;
  m.energy.adc_j = 5.5e-9;
  m.energy.total_j = m.energy.array_j + m.energy.drivers_j + m.energy.tia_j + m.energy.adc_j;
  m.energy.t_cycle_s = 500e-9;
  m.energy.spice_s_per_mvm = 12.5;
  m.energy.rows = 4;
  m.energy.cols = 6;
  m.energy.n_mvms = 2;
  m.energy.opamp_model = "transistor";
  m.energy.campaign_path = "tile_energy.h5";
  m.energy.campaign_sha256 = "ab12";
  m.energy.note = "measured";
  return m;
}

Eigen::MatrixXd targets(int rows, int cols) {
  Eigen::MatrixXd g(rows, cols);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) g(i, j) = 1e-6 + 99e-6 * ((i * 7 + j * 13) % 17) / 16.0;
  return g;
}

void write_schema_only(const std::string& path, const char* schema) {
  hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  hid_t s = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(f, "schema", t, s, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(a, t, &schema);
  H5Aclose(a);
  H5Sclose(s);
  H5Tclose(t);
  H5Fclose(f);
}

}  // namespace

TEST_CASE("tile model file: every field round-trips bit for bit") {
  test::TempDir dir;
  const TileModelFile m = sample_model();
  const std::string path = dir.file("tile.h5");
  behavioral::write_tile_model_file(path, m);
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
  const TileModelFile r = behavioral::read_tile_model_file(path);
  const auto a = flatten(m);
  const auto b = flatten(r);
  CHECK(a.size() > 150u);  // the comparison sees every field
  for (const auto& [key, value] : a) {
    INFO("field " << key);
    REQUIRE(b.count(key) == 1);
    CHECK(b.at(key) == value);
  }
  CHECK(a.size() == b.size());
  CHECK(std::isinf(r.nominal.tia[0].t_sample_s));
  CHECK(behavioral::model_kind_of(path) == "tile");
}

TEST_CASE("tile model file: a file without /energy (older files) reads with the energy unknown") {
  test::TempDir dir;
  const std::string path = dir.file("tile.h5");
  behavioral::write_tile_model_file(path, sample_model());
  CHECK(behavioral::read_tile_model_file(path).energy.known());
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  REQUIRE(f >= 0);
  CHECK(H5Ldelete(f, "/energy", H5P_DEFAULT) >= 0);
  H5Fclose(f);
  const TileModelFile r = behavioral::read_tile_model_file(path);
  CHECK_FALSE(r.energy.known());
  CHECK(std::isnan(r.energy.adc_j));
  CHECK(std::isnan(r.energy.spice_s_per_mvm));
  CHECK(r.energy.campaign_path.empty());
}

TEST_CASE("tile model file: wrong kind, campaign, missing and corrupt files name the file") {
  test::TempDir dir;
  const std::string missing = dir.file("nope.h5");
  CHECK_THROWS_WITH_AS(behavioral::read_tile_model_file(missing), doctest::Contains((missing + ": no such file").c_str()),
                       behavioral::ModelFileError);

  const std::string adc = dir.file("adc_model.h5");
  behavioral::write_adc_model_file(adc, behavioral::AdcModelFile{});
  CHECK_THROWS_WITH_AS(behavioral::read_tile_model_file(adc), doctest::Contains("expected kind 'tile'"),
                       behavioral::ModelFileError);
  CHECK_THROWS_WITH_AS(behavioral::read_tile_model_file(adc), doctest::Contains(adc.c_str()), behavioral::ModelFileError);

  const std::string campaign = dir.file("campaign.h5");
  write_schema_only(campaign, "xbar.campaign/1");
  CHECK_THROWS_WITH_AS(behavioral::read_tile_model_file(campaign), doctest::Contains("is a campaign file"),
                       behavioral::ModelFileError);

  const std::string text = dir.write("text.h5", "not hdf5\n");
  CHECK_THROWS_WITH_AS(behavioral::read_tile_model_file(text), doctest::Contains("not an HDF5 file"),
                       behavioral::ModelFileError);

  // Truncated: the first half of a good file.
  const std::string good = dir.file("good.h5");
  behavioral::write_tile_model_file(good, sample_model());
  std::ifstream in(good, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string truncated = dir.file("truncated.h5");
  std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  CHECK_THROWS_WITH_AS(behavioral::read_tile_model_file(truncated), doctest::Contains(truncated.c_str()),
                       behavioral::ModelFileError);

  // A field missing: delete one attribute of a good file.
  const std::string holed = dir.file("holed.h5");
  behavioral::write_tile_model_file(holed, sample_model());
  {
    hid_t f = H5Fopen(holed.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t g = H5Gopen2(f, "/variation/programming_error", H5P_DEFAULT);
    H5Adelete(g, "sigma_rel_d2d");
    H5Gclose(g);
    H5Fclose(f);
  }
  CHECK_THROWS_WITH_AS(behavioral::read_tile_model_file(holed),
                       doctest::Contains((holed + ": attribute /variation/programming_error@sigma_rel_d2d: missing").c_str()),
                       behavioral::ModelFileError);

  // Writing validates.
  TileModelFile bad = sample_model();
  bad.g_max_s = 1e-7;
  CHECK_THROWS_WITH_AS(behavioral::write_tile_model_file(dir.file("bad.h5"), bad),
                       doctest::Contains("tile_model.g_max_s = 1e-07"), behavioral::ValidationError);
  bad = sample_model();
  bad.nominal.tia.push_back(bad.nominal.tia[0]);
  CHECK_THROWS_AS(behavioral::write_tile_model_file(dir.file("bad.h5"), bad), behavioral::ValidationError);
}

TEST_CASE("draw_tile_instance: deterministic per (seed, stream), nominal without variation") {
  const TileModelFile m = sample_model();
  const Eigen::MatrixXd g = targets(12, 10);
  const auto a = behavioral::draw_tile_instance(m, g, 7, 3);
  const auto b = behavioral::draw_tile_instance(m, g, 7, 3);
  const auto c = behavioral::draw_tile_instance(m, g, 7, 4);
  CHECK(a.g_s == b.g_s);
  CHECK(a.params.crossbar.r_row_wire_ohm == b.params.crossbar.r_row_wire_ohm);
  REQUIRE(a.params.tia.size() == 10u);
  REQUIRE(a.params.adc.size() == 10u);
  for (std::size_t k = 0; k < 10; ++k) {
    CHECK(a.params.tia[k].v_offset_v == b.params.tia[k].v_offset_v);
    CHECK(a.params.adc[k].transition_v == b.params.adc[k].transition_v);
  }
  CHECK(a.g_s != c.g_s);
  CHECK(a.params.tia[0].v_offset_v != c.params.tia[0].v_offset_v);
  CHECK(a.params.crossbar.r_row_wire_ohm != c.params.crossbar.r_row_wire_ohm);
  CHECK(a.params.crossbar.r_row_wire_ohm != a.params.crossbar.r_col_wire_ohm);
  CHECK(behavioral::draw_tile_instance(m, g, 8, 3).g_s != a.g_s);

  const auto n = behavioral::draw_tile_instance(m, g, 7, 3, false);
  CHECK(n.g_s == g);
  REQUIRE(n.params.tia.size() == 1u);
  REQUIRE(n.params.adc.size() == 1u);
  CHECK(n.params.tia[0].v_offset_v == m.nominal.tia[0].v_offset_v);
  CHECK(n.params.adc[0].transition_v == m.nominal.adc[0].transition_v);
  CHECK(n.params.crossbar.r_row_wire_ohm == m.nominal.crossbar.r_row_wire_ohm);
  CHECK(n.params.crossbar.r_col_wire_ohm == m.nominal.crossbar.r_col_wire_ohm);

  CHECK_THROWS_WITH_AS(behavioral::draw_tile_instance(m, targets(10, 12), 1, 0), doctest::Contains("must be crossbar.rows x cols"),
                       behavioral::ValidationError);
}

TEST_CASE("draw_tile_instance follows the documented rule (data/MODEL_SCHEMA.md, Kind tile), from splitmix64 alone") {
  // The schema's formulas, written out with core::splitmix64 only (not CounterRng).
  const std::uint64_t s = 12345, q = 678;
  const std::uint64_t key = core::splitmix64(core::splitmix64(s) ^ (q * 0xD1B54A32D192ED03ULL));
  auto bits = [&](std::uint64_t k) { return core::splitmix64(key ^ core::splitmix64(k + 0x9E3779B97F4A7C15ULL)); };
  auto U = [&](std::uint64_t k) { return static_cast<double>(bits(k) >> 11) * 0x1.0p-53; };
  auto N = [&](std::uint64_t k) {
    return std::sqrt(-2.0 * std::log(1.0 - U(2 * k))) * std::cos(6.283185307179586476925286766559 * U(2 * k + 1));
  };
  TileModelFile m = sample_model(12, 10);
  m.variation.stuck_on.fraction = 0.3;  // enough stuck cells among 120 to see both branches
  m.variation.stuck_off.fraction = 0.3;
  const Eigen::MatrixXd g = targets(12, 10);
  const auto inst = behavioral::draw_tile_instance(m, g, s, q);
  const std::uint64_t R = 12, C = 10, M = 15, B = 2 + C + C * M;
  const auto& v = m.variation;
  CHECK(inst.params.crossbar.r_row_wire_ohm ==
        doctest::Approx(1.25 * (1 + v.wire.mean_rel + v.wire.r_wire_sigma_rel_d2d * N(0))).epsilon(1e-14));
  CHECK(inst.params.crossbar.r_col_wire_ohm ==
        doctest::Approx(0.75 * (1 + v.wire.mean_rel + v.wire.r_wire_sigma_rel_d2d * N(1))).epsilon(1e-14));
  for (std::uint64_t j : {0ULL, 9ULL}) {
    CHECK(inst.params.tia[j].v_offset_v ==
          doctest::Approx(v.tia_opamp_v_offset.mean_v + v.tia_opamp_v_offset.sigma_v * N(2 + j)).epsilon(1e-14));
    for (std::uint64_t t : {0ULL, 14ULL})
      CHECK(inst.params.adc[j].transition_v[static_cast<Eigen::Index>(t)] ==
            doctest::Approx(m.nominal.adc[0].transition_v[static_cast<Eigen::Index>(t)] + v.adc_comparator_offset.mean_v +
                            v.adc_comparator_offset.sigma_v * N(2 + C + j * M + t))
                .epsilon(1e-14));
  }
  int n_on = 0, n_off = 0, n_prog = 0;
  for (std::uint64_t i = 0; i < R; ++i)
    for (std::uint64_t j = 0; j < C; ++j) {
      const std::uint64_t c = i * C + j;
      const double u = U(2 * (B + R * C) + c);
      const auto ii = static_cast<Eigen::Index>(i), jj = static_cast<Eigen::Index>(j);
      double expected = 0;
      if (u < 0.3) {
        expected = v.g_stuck_on_s, ++n_on;
      } else if (u < 0.6) {
        expected = v.g_stuck_off_s, ++n_off;
      } else {
        expected = g(ii, jj) * (1 + v.programming_error.mean_rel + v.programming_error.sigma_rel_d2d * N(B + c)), ++n_prog;
      }
      CHECK(inst.g_s(ii, jj) == doctest::Approx(expected).epsilon(1e-14));
    }
  CHECK(n_on > 0);
  CHECK(n_off > 0);
  CHECK(n_prog > 0);
  CHECK(inst.params.noise_seed == core::stream_key({s, q}));
}

TEST_CASE("draw_tile_instance: drawn statistics lie in 99% intervals of the file's values") {
  constexpr double z = 2.576;  // two-sided 99%
  for (const char* dist : {"normal", "lognormal"}) {
    INFO("distribution " << dist);
    TileModelFile m = sample_model(100, 100);
    auto& pe = m.variation.programming_error;
    pe.distribution = dist;
    if (pe.distribution == "lognormal") {
      pe.mean_log = -0.01;
      pe.sigma_log = 0.08;
    } else {
      pe.mean_rel = 0.01;
      pe.sigma_rel_d2d = 0.05;
    }
    const Eigen::MatrixXd g = targets(100, 100);
    std::vector<double> e;
    std::uint64_t n_on = 0, n_off = 0, n_cells = 0;
    for (std::uint64_t stream = 0; stream < 4; ++stream) {
      const auto inst = behavioral::draw_tile_instance(m, g, 11, stream);
      for (Eigen::Index i = 0; i < g.rows(); ++i)
        for (Eigen::Index j = 0; j < g.cols(); ++j) {
          ++n_cells;
          const double x = inst.g_s(i, j);
          if (x == m.variation.g_stuck_on_s) {
            ++n_on;
          } else if (x == m.variation.g_stuck_off_s) {
            ++n_off;
          } else {
            e.push_back(pe.distribution == "lognormal" ? std::log(x / g(i, j)) : x / g(i, j) - 1.0);
          }
        }
    }
    const double n = static_cast<double>(e.size());
    double mean = 0.0;
    for (double x : e) mean += x;
    mean /= n;
    double var = 0.0;
    for (double x : e) var += (x - mean) * (x - mean);
    const double sd = std::sqrt(var / (n - 1));
    const double mu = pe.distribution == "lognormal" ? pe.mean_log : pe.mean_rel;
    const double sigma = pe.distribution == "lognormal" ? pe.sigma_log : pe.sigma_rel_d2d;
    CHECK(std::abs(mean - mu) < z * sigma / std::sqrt(n));
    CHECK(std::abs(sd - sigma) < z * sigma / std::sqrt(2 * n));
    for (auto [count, f] : {std::pair{n_on, m.variation.stuck_on.fraction}, {n_off, m.variation.stuck_off.fraction}}) {
      const double p = static_cast<double>(count) / static_cast<double>(n_cells);
      CHECK(std::abs(p - f) < z * std::sqrt(f * (1 - f) / static_cast<double>(n_cells)));
    }
  }
  // TIA offsets and ADC transitions of many columns.
  TileModelFile m = sample_model(4, 400);
  const auto inst = behavioral::draw_tile_instance(m, targets(4, 400), 5, 0);
  double s = 0.0, s2 = 0.0, t = 0.0, t2 = 0.0;
  std::size_t nt = 0;
  const Eigen::VectorXd t_nom = m.nominal.adc[0].transitions_v();
  for (std::size_t k = 0; k < 400; ++k) {
    const double v = inst.params.tia[k].v_offset_v;
    s += v;
    s2 += v * v;
    for (Eigen::Index q = 0; q < t_nom.size(); ++q, ++nt) {
      const double d = inst.params.adc[k].transition_v[q] - t_nom[q];
      t += d;
      t2 += d * d;
    }
  }
  const auto& to = m.variation.tia_opamp_v_offset;
  const double mean_tia = s / 400, sd_tia = std::sqrt(s2 / 400 - mean_tia * mean_tia);
  CHECK(std::abs(mean_tia - to.mean_v) < z * to.sigma_v / std::sqrt(400.0));
  CHECK(std::abs(sd_tia - to.sigma_v) < z * to.sigma_v / std::sqrt(800.0) + 1e-12);
  const auto& ao = m.variation.adc_comparator_offset;
  const double n_t = static_cast<double>(nt);
  const double mean_adc = t / n_t, sd_adc = std::sqrt(t2 / n_t - mean_adc * mean_adc);
  CHECK(std::abs(mean_adc - ao.mean_v) < z * ao.sigma_v / std::sqrt(n_t));
  CHECK(std::abs(sd_adc - ao.sigma_v) < z * ao.sigma_v / std::sqrt(2 * n_t));
}

TEST_CASE("draw_tile_instance: a drawn instance runs a TileModel forward") {
  const TileModelFile m = sample_model();
  const auto inst = behavioral::draw_tile_instance(m, targets(12, 10), 1, 2);
  behavioral::TileModel tile(inst.params);
  tile.program(inst.g_s);
  Eigen::MatrixXi codes(12, 3);
  for (int i = 0; i < 12; ++i)
    for (int b = 0; b < 3; ++b) codes(i, b) = (i + 5 * b) % 16;
  const auto out = tile.forward(codes);
  CHECK(out.codes.rows() == 10);
  CHECK(out.codes.cols() == 3);
  CHECK(out.i_col_a.allFinite());
}

#ifdef XBAR_PRESETS_DIR
TEST_CASE("every preset in data/presets reads, validates, draws an instance and runs forward") {
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(XBAR_PRESETS_DIR)) {
    if (entry.path().extension() != ".h5") continue;
    const std::string path = entry.path().string();
    INFO("preset " << path);
    ++n;
    const TileModelFile m = behavioral::read_tile_model_file(path);
    CHECK_NOTHROW(m.validate());
    CHECK(m.sources.size() == 3u);
    for (const auto& s : m.sources) CHECK(s.model_sha256.size() == 64u);
    const int rows = m.nominal.crossbar.rows, cols = m.nominal.crossbar.cols;
    const Eigen::MatrixXd g =
        Eigen::MatrixXd::Constant(rows, cols, 0.5 * (m.g_min_s + m.g_max_s));
    const auto inst = behavioral::draw_tile_instance(m, g, 1, 0);
    CHECK(inst.g_s.rows() == rows);
    behavioral::TileModel tile(inst.params);
    tile.program(inst.g_s);
    Eigen::MatrixXi codes = Eigen::MatrixXi::Constant(rows, 2, m.nominal.dac.codes() - 1);
    codes.col(1).setZero();
    const auto out = tile.forward(codes);
    CHECK(out.codes.rows() == cols);
    CHECK(out.i_col_a.allFinite());
    // Zero input: the column currents vanish and every code sits near the TIA's rest output.
    CHECK(out.i_col_a.col(1).cwiseAbs().maxCoeff() < 1e-12);
  }
  CHECK(n >= 2);  // tile64_xbar180.h5 and tile128_xbar180.h5
}
#endif
