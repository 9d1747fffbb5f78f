// bench_behavioral: the behavioral crossbar model (behavioral::CrossbarModel) per array size:
// programming, batched MVM against an ideal GEMV of the same size, backward, and the sinh
// cell's exact and fast solves.
//
//   ./build/bench/bench_behavioral [--sizes 16,32,64,128,256] [--repeats 5] [--seed 1]
//                                  [--baseline-max 256] [--batches 64,256,1024] [--train-only]
//
// Workload per N: N x N, linear cells G ~ U[1e-6, 1e-4] S (R_on = 10 kohm), inputs
// ~ U[0, 0.2] V, 1 ohm row and column wire segments (r/R_on = 1e-4) and 50 ohm source
// resistance per row; the sinh table also runs r/R_on = 1e-2 (100 ohm segments). V0 = 0.25 V.
//
// Timings (medians over --repeats; the training table in thread CPU time, the rest wall time):
//   program     CrossbarModel::program (nested-dissection multifrontal Cholesky, M read off
//               the terminal Schur complement)
//   baseline    Eigen SimplicialLLT (AMD) of the free-node matrix and N dense right-hand sides,
//               M = C^T Y_ff^-1 B: the method behind DESIGN.md's "limit" table (N <= --baseline-max)
//   MVM         forward_into on a batch of 256 inputs, per input; ideal = W V with W = G^T,
//               the same batch and shapes
//   backward    CrossbarModel::backward on the same batch, per input (all gradients)
//   training    per N and batch (--batches): forward, backward with training's options by each
//               method and the automatic one, program, on the presets' wiring (1 ohm, no source
//               resistance)
//   sinh        exact (Newton per input) and fast (batched chord) forward, per input; the
//               error is the relative L2 of fast against exact over the same inputs
// Markdown goes to stdout, progress to stderr.
#include <fmt/format.h>

#include <Eigen/SparseCholesky>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <time.h>
#include <functional>
#include <string>
#include <vector>

#include "bench_info.hpp"
#include "xbar/behavioral/crossbar_model.hpp"
#include "xbar/core/counter_rng.hpp"

namespace {

namespace bh = xbar::behavioral;
using Clock = std::chrono::steady_clock;
using Eigen::MatrixXd;

constexpr double kGMin = 1e-6, kGMax = 1e-4;
constexpr double kSourceOhm = 50.0;
constexpr int kBatch = 256;

struct Options {
  std::vector<int> sizes{16, 32, 64, 128, 256};
  int repeats = 5;
  std::uint64_t seed = 1;
  int baseline_max = 256;
  std::vector<int> batches{64, 256, 1024};
  bool train_only = false;
};

[[noreturn]] void usage_error(const std::string& msg) {
  std::fprintf(stderr, "bench_behavioral: %s\n", msg.c_str());
  std::exit(2);
}

int parse_int(const std::string& flag, const std::string& s) {
  char* end = nullptr;
  const long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || v < 0 || v > 1000000) usage_error(flag + " = '" + s + "': not a valid count");
  return static_cast<int>(v);
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int k = 1; k < argc; ++k) {
    const std::string a = argv[k];
    auto next = [&]() -> std::string {
      if (k + 1 >= argc) usage_error(a + " needs a value");
      return argv[++k];
    };
    if (a == "--sizes") {
      o.sizes.clear();
      std::string list = next();
      for (std::size_t start = 0; start <= list.size();) {
        const std::size_t comma = std::min(list.find(',', start), list.size());
        const int n = parse_int(a, list.substr(start, comma - start));
        if (n < 1 || n > 1024) usage_error("--sizes: each N must be between 1 and 1024");
        o.sizes.push_back(n);
        start = comma + 1;
      }
    } else if (a == "--repeats") {
      o.repeats = std::max(1, parse_int(a, next()));
    } else if (a == "--seed") {
      o.seed = static_cast<std::uint64_t>(parse_int(a, next()));
    } else if (a == "--baseline-max") {
      o.baseline_max = parse_int(a, next());
    } else if (a == "--batches") {
      o.batches.clear();
      std::string list = next();
      for (std::size_t start = 0; start <= list.size();) {
        const std::size_t comma = std::min(list.find(',', start), list.size());
        const int b = parse_int(a, list.substr(start, comma - start));
        if (b < 1 || b > 65536) usage_error("--batches: each batch must be between 1 and 65536");
        o.batches.push_back(b);
        start = comma + 1;
      }
    } else if (a == "--train-only") {
      o.train_only = true;
    } else if (a == "--help" || a == "-h") {
      std::printf("bench_behavioral [--sizes 16,32,64,128,256] [--repeats 5] [--seed 1] [--baseline-max 256] [--batches 64,256,1024] [--train-only]\n");
      std::exit(0);
    } else {
      usage_error("unknown argument '" + a + "'");
    }
  }
  return o;
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/// CPU time of this thread, seconds (the training table: on a shared machine it leaves out the
/// time the thread waits for a core, which wall time does not).
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

/// Median over `repeats` of the thread CPU time of one call of f, in seconds; each repeat loops
/// f until at least `min_s` of CPU time has passed.
double cpu_median(const std::function<void()>& f, int repeats, double min_s = 0.0) {
  std::vector<double> t;
  for (int r = 0; r < repeats; ++r) {
    int calls = 0;
    const double t0 = thread_cpu_seconds();
    do {
      f();
      ++calls;
    } while (thread_cpu_seconds() - t0 < min_s);
    t.push_back((thread_cpu_seconds() - t0) / calls);
  }
  return median(t);
}

/// Median over `repeats` of the time of one call of f, in seconds. Each repeat loops f until
/// at least `min_s` has passed (for calls much shorter than the clock's resolution).
double time_median(const std::function<void()>& f, int repeats, double min_s = 0.0) {
  std::vector<double> t;
  for (int r = 0; r < repeats; ++r) {
    int calls = 0;
    const auto t0 = Clock::now();
    do {
      f();
      ++calls;
    } while (seconds_since(t0) < min_s);
    t.push_back(seconds_since(t0) / calls);
  }
  return median(t);
}

std::string utc_date() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

MatrixXd uniform(int rows, int cols, std::uint64_t seed, std::uint64_t stream, double lo, double hi) {
  xbar::core::CounterRng rng(seed, stream);
  MatrixXd m(rows, cols);
  for (int j = 0; j < cols; ++j)
    for (int i = 0; i < rows; ++i) m(i, j) = rng.uniform(static_cast<std::uint64_t>(j) * rows + i, lo, hi);
  return m;
}

bh::CrossbarModelParams params(int n, double r_wire_ohm, bh::CellModel cell) {
  bh::CrossbarModelParams p;
  p.rows = p.cols = n;
  p.cell = cell;
  p.v0_v = 0.25;
  p.r_row_wire_ohm = p.r_col_wire_ohm = r_wire_ohm;
  p.r_source_ohm = Eigen::VectorXd::Constant(n, kSourceOhm);
  return p;
}

/// DESIGN.md's method: SimplicialLLT of the free-node matrix (nodes d_i, r_ik, c_ik; every
/// resistance > 0), N dense right-hand sides, M(k, i) = g_col * V(c_{N-1,k}) for v = e_i.
MatrixXd baseline_m(const MatrixXd& g, double r_wire, double r_source) {
  const int n = static_cast<int>(g.rows());
  const int nodes = n + 2 * n * n;
  auto d = [](int i) { return i; };
  auto r = [n](int i, int k) { return n + i * n + k; };
  auto c = [n](int i, int k) { return n + n * n + i * n + k; };
  std::vector<Eigen::Triplet<double>> t;
  auto stamp = [&t](int a, int b, double y) {
    t.emplace_back(a, a, y);
    if (b < 0) return;  // b is a terminal
    t.emplace_back(b, b, y);
    t.emplace_back(a, b, -y);
    t.emplace_back(b, a, -y);
  };
  const double gw = 1.0 / r_wire;
  for (int i = 0; i < n; ++i) {
    stamp(d(i), -1, 1.0 / r_source);
    for (int k = 0; k < n; ++k) {
      stamp(k == 0 ? d(i) : r(i, k - 1), r(i, k), gw);
      stamp(r(i, k), c(i, k), g(i, k));
      stamp(c(i, k), i + 1 < n ? c(i + 1, k) : -1, gw);
    }
  }
  Eigen::SparseMatrix<double> y(nodes, nodes);
  y.setFromTriplets(t.begin(), t.end());
  Eigen::SimplicialLLT<Eigen::SparseMatrix<double>> llt(y);
  MatrixXd rhs = MatrixXd::Zero(nodes, n);
  for (int i = 0; i < n; ++i) rhs(d(i), i) = 1.0 / r_source;
  const MatrixXd x = llt.solve(rhs);
  MatrixXd m(n, n);
  for (int k = 0; k < n; ++k) m.row(k) = gw * x.row(c(n - 1, k));
  return m;
}

struct LinearRow {
  int n = 0;
  double program_ms = 0, baseline_ms = NAN, baseline_agreement = NAN;
  double mvm_us = 0, gemv_us = 0, backward_us = 0;
  bh::CrossbarFactorInfo info;
};

LinearRow bench_linear(int n, const Options& o) {
  LinearRow row;
  row.n = n;
  const MatrixXd g = uniform(n, n, o.seed, 1, kGMin, kGMax);
  const MatrixXd v = uniform(n, kBatch, o.seed, 3, 0.0, 0.2);
  const MatrixXd w = uniform(n, kBatch, o.seed, 4, -1.0, 1.0);
  bh::CrossbarModel model(params(n, 1.0, bh::CellModel::linear));
  const int prog_repeats = n >= 256 ? std::max(1, o.repeats / 2) : o.repeats;
  row.program_ms = 1e3 * time_median([&] { model.program(g); }, prog_repeats);
  row.info = model.factor_info();
  std::fprintf(stderr, "  N=%d program %.2f ms\n", n, row.program_ms);

  MatrixXd out(n, kBatch);
  const MatrixXd ideal_w = g.transpose();
  row.mvm_us = 1e6 / kBatch * time_median([&] { model.forward_into(v, out); }, o.repeats, 0.05);
  row.gemv_us = 1e6 / kBatch * time_median([&] { out.noalias() = ideal_w * v; }, o.repeats, 0.05);
  const int nb = n >= 256 ? 64 : kBatch;  // backward batch
  row.backward_us = 1e6 / nb *
                    time_median([&] { model.backward(v.leftCols(nb), w.leftCols(nb)); },
                                n >= 128 ? std::max(1, o.repeats / 2) : o.repeats);
  std::fprintf(stderr, "  N=%d MVM %.3f us, GEMV %.3f us, backward %.1f us per input\n", n, row.mvm_us, row.gemv_us,
               row.backward_us);
  if (n <= o.baseline_max) {
    MatrixXd m;
    const int repeats = n >= 128 ? 1 : std::max(1, o.repeats / 2);
    row.baseline_ms = 1e3 * time_median([&] { m = baseline_m(g, 1.0, kSourceOhm); }, repeats);
    row.baseline_agreement = (m - model.effective_matrix()).norm() / m.norm();
    std::fprintf(stderr, "  N=%d SimplicialLLT baseline %.1f ms\n", n, row.baseline_ms);
  }
  return row;
}

/// Backward for training: the presets' wiring (1 ohm segments, no source resistance), linear
/// cells, the same batch for forward and backward.
struct TrainRow {
  int n = 0, batch = 0;
  double program_ms = 0, forward_us = 0, train_us = 0, sweep_us = 0, batch_sum_us = 0, per_input_us = NAN, all_us = 0;
  double residual = 0;  // the sweep's KCL residual (relative)
  double agreement = 0;  // training dL/dG against per_input's (relative L2; batch_sum's where per_input is not run)
  bh::BackwardMethod train_method = bh::BackwardMethod::automatic;
};

const char* method_name(bh::BackwardMethod m) {
  switch (m) {
    case bh::BackwardMethod::sweep: return "sweep";
    case bh::BackwardMethod::batch_sum: return "batch_sum";
    case bh::BackwardMethod::per_input: return "per_input";
    default: return "automatic";
  }
}

std::vector<TrainRow> bench_train(int n, const std::vector<int>& batches, const Options& o) {
  std::vector<TrainRow> rows;
  const int b_max = *std::max_element(batches.begin(), batches.end());
  const MatrixXd g = uniform(n, n, o.seed, 1, kGMin, kGMax);
  const MatrixXd v_all = uniform(n, b_max, o.seed, 3, 0.0, 0.2);
  const MatrixXd w_all = uniform(n, b_max, o.seed, 4, -1.0, 1.0);
  bh::CrossbarModelParams p = params(n, 1.0, bh::CellModel::linear);
  p.r_source_ohm.resize(0);
  bh::CrossbarModel model(p);
  const double program_ms = 1e3 * cpu_median([&] { model.program(g); }, o.repeats);
  bh::BackwardOptions train, all, per, sweep, sum;
  train.outputs = false;
  train.wire_gradients = false;
  per.method = bh::BackwardMethod::per_input;
  sweep = train;
  sweep.method = bh::BackwardMethod::sweep;
  sum = train;
  sum.method = bh::BackwardMethod::batch_sum;
  per.outputs = false;
  per.wire_gradients = false;
  for (int nb : batches) {
    TrainRow row;
    row.n = n;
    row.batch = nb;
    row.program_ms = program_ms;
    const MatrixXd v = v_all.leftCols(nb), w = w_all.leftCols(nb);
    MatrixXd out(n, nb);
    row.forward_us = 1e6 / nb * cpu_median([&] { model.forward_into(v, out); }, o.repeats, 0.05);
    bh::CrossbarGradients got;
    row.train_us = 1e6 / nb * cpu_median([&] { got = model.backward(v, w, train); }, o.repeats, 0.05);
    row.train_method = model.backward_method(nb, train);
    bh::CrossbarGradients swept;
    row.sweep_us = 1e6 / nb * cpu_median([&] { swept = model.backward(v, w, sweep); }, o.repeats, 0.05);
    row.residual = swept.stats.worst_final_step;
    bh::CrossbarGradients summed;
    row.batch_sum_us = 1e6 / nb * cpu_median([&] { summed = model.backward(v, w, sum); }, std::max(1, o.repeats / 2));
    row.all_us = 1e6 / nb * cpu_median([&] { model.backward(v, w, all); }, o.repeats, 0.05);
    // Against the other fast method where per_input is not run.
    const MatrixXd& other = row.train_method == bh::BackwardMethod::sweep ? summed.dl_dg_s : swept.dl_dg_s;
    row.agreement = (got.dl_dg_s - other).norm() / other.norm();
    if (n <= 128 || nb <= 64) {  // the per-input solves at 256 x 256 take seconds per batch
      bh::CrossbarGradients ref;
      row.per_input_us = 1e6 / nb * cpu_median([&] { ref = model.backward(v, w, per); }, std::max(1, o.repeats / 2));
      row.agreement = (got.dl_dg_s - ref.dl_dg_s).norm() / ref.dl_dg_s.norm();
    }
    std::fprintf(stderr,
                 "  N=%d B=%d forward %.3f us, training backward %.1f us (%s), sweep %.1f, batch_sum %.1f, per_input "
                 "%.1f, all %.1f us\n",
                 n, nb, row.forward_us, row.train_us, method_name(row.train_method), row.sweep_us, row.batch_sum_us,
                 row.per_input_us, row.all_us);
    rows.push_back(row);
  }
  return rows;
}

struct SinhRow {
  int n = 0;
  double ratio = 0;
  int exact_inputs = 0;
  double exact_ms = 0, exact_steps = 0, fast_ms = 0, fast_steps = 0, error = 0, error_max = 0;
};

SinhRow bench_sinh(int n, double ratio, const Options& o) {
  SinhRow row;
  row.n = n;
  row.ratio = ratio;
  row.exact_inputs = n <= 32 ? 32 : n <= 64 ? 16 : n <= 128 ? 4 : 2;
  const MatrixXd g = uniform(n, n, o.seed, 1, kGMin, kGMax);
  const MatrixXd v = uniform(n, kBatch, o.seed, 3, 0.0, 0.2);
  bh::CrossbarModel model(params(n, ratio / kGMax, bh::CellModel::sinh));
  model.program(g);
  const MatrixXd v_exact = v.leftCols(row.exact_inputs);
  MatrixXd exact, fast;
  bh::SolveStats se, sf;
  const int exact_repeats = n >= 128 ? 1 : std::max(1, o.repeats / 2);
  row.exact_ms = 1e3 / row.exact_inputs *
                 time_median([&] { exact = model.forward(v_exact, bh::SinhSolve::exact, &se); }, exact_repeats);
  row.fast_ms = 1e3 / kBatch * time_median([&] { fast = model.forward(v, bh::SinhSolve::fast, &sf); }, o.repeats);
  row.exact_steps = se.mean_iterations;
  row.fast_steps = sf.mean_iterations;
  const MatrixXd fast_part = fast.leftCols(row.exact_inputs);
  row.error = (fast_part - exact).norm() / exact.norm();
  for (int b = 0; b < row.exact_inputs; ++b) {
    row.error_max = std::max(row.error_max, (fast_part.col(b) - exact.col(b)).norm() / exact.col(b).norm());
  }
  std::fprintf(stderr, "  N=%d r/R_on=%g sinh exact %.3f ms, fast %.4f ms per input, error %.1e\n", n, ratio,
               row.exact_ms, row.fast_ms, row.error);
  return row;
}

std::string num(double x) {
  if (std::isnan(x)) return "–";
  if (x >= 100.0) return fmt::format("{:.0f}", x);
  if (x >= 10.0) return fmt::format("{:.1f}", x);
  if (x >= 1.0) return fmt::format("{:.2f}", x);
  return fmt::format("{:.3f}", x);
}

void print_linear(const std::vector<LinearRow>& lin);
void print_train(const std::vector<TrainRow>& train);
void print_sinh(const std::vector<SinhRow>& snh);

void print_report(const Options& o, const std::vector<LinearRow>& lin, const std::vector<SinhRow>& snh,
                  const std::vector<TrainRow>& train) {
  fmt::print("# bench_behavioral: behavioral crossbar model (CrossbarModel)\n\n");
  fmt::print("- date (UTC): {}\n", utc_date());
  fmt::print("- xbar {} (git {}), {} build, {}; Eigen {}.{}.{}\n", XBAR_BENCH_VERSION, XBAR_BENCH_GIT_HASH,
             XBAR_BENCH_BUILD_TYPE, XBAR_BENCH_COMPILER, EIGEN_WORLD_VERSION, EIGEN_MAJOR_VERSION, EIGEN_MINOR_VERSION);
  fmt::print(
      "- workload: N x N, G ~ U[{:g}, {:g}] S (R_on = {:g} ohm), inputs ~ U[0, 0.2] V, {:g} ohm source "
      "resistance per row, 1 ohm row and column wire segments (r/R_on = 1e-4); seed {}\n",
      kGMin, kGMax, 1.0 / kGMax, kSourceOhm, o.seed);
  fmt::print("- medians over {} repeats (fewer for the slowest rows); batch of {} inputs; single thread\n\n", o.repeats,
             kBatch);
  if (!lin.empty()) print_linear(lin);
  print_train(train);
  if (!snh.empty()) print_sinh(snh);
}

void print_linear(const std::vector<LinearRow>& lin) {
  fmt::print("## Linear cells\n\n");
  fmt::print(
      "| N | program ms | SimplicialLLT baseline ms | speed-up | M agreement | MVM µs/input | ideal GEMV "
      "µs/input | MVM / GEMV | backward µs/input | fronts | largest front | factor MB |\n");
  fmt::print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const auto& r : lin) {
    fmt::print("| {} | {} | {} | {} | {} | {} | {} | {:.2f} | {} | {} | {} | {:.1f} |\n", r.n, num(r.program_ms),
               num(r.baseline_ms),
               std::isnan(r.baseline_ms) ? "–" : fmt::format("{:.0f}x", r.baseline_ms / r.program_ms),
               std::isnan(r.baseline_agreement) ? "–" : fmt::format("{:.1e}", r.baseline_agreement), num(r.mvm_us),
               num(r.gemv_us), r.mvm_us / r.gemv_us, num(r.backward_us), r.info.fronts, r.info.largest_front,
               8.0 * static_cast<double>(r.info.factor_entries) / (1 << 20));
  }
  fmt::print(
      "\nprogram = CrossbarModel::program (factor + M), paid once per programmed array. baseline = "
      "SimplicialLLT (AMD ordering) of the free-node matrix with N dense right-hand sides, the method of "
      "DESIGN.md's table; M agreement = relative Frobenius difference of the two M. MVM = forward_into "
      "(one GEMM with M) per input of a {}-input batch; ideal GEMV = W V with W = G^T, same shapes. backward = "
      "backward(v, dl_di): all gradients (dL/dv, dL/dG, dL/dr_row, dL/dr_col, dL/dr_source) by the automatic "
      "method, per input, batch of {} ({} at N = 256). factor MB = stored factors (kept for backward).\n\n",
      kBatch, kBatch, 64);
}

void print_train(const std::vector<TrainRow>& train) {
  fmt::print("## Backward for training (linear cells, 1 ohm wires, no source resistance)\n\n");
  fmt::print(
      "| N | batch | program ms | forward µs/input | training backward µs/input | method | backward / forward | "
      "sweep µs/input | batch_sum µs/input | per_input µs/input | per_input / training | all gradients µs/input | "
      "sweep KCL residual | dL/dG vs per_input |\n");
  fmt::print("|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const auto& r : train) {
    fmt::print("| {} | {} | {} | {} | {} | {} | {:.1f}x | {} | {} | {} | {} | {} | {:.0e} | {:.0e}{} |\n", r.n, r.batch,
               num(r.program_ms), num(r.forward_us), num(r.train_us), method_name(r.train_method),
               r.train_us / r.forward_us, num(r.sweep_us), num(r.batch_sum_us), num(r.per_input_us),
               std::isnan(r.per_input_us) ? "–" : fmt::format("{:.0f}x", r.per_input_us / r.train_us), num(r.all_us),
               r.residual, r.agreement,
               !std::isnan(r.per_input_us)                   ? ""
               : r.train_method == bh::BackwardMethod::sweep ? " (vs batch_sum)"
                                                             : " (vs sweep)");
  }
  fmt::print(
      "\nThe wiring of data/presets/tile{{64,128}}_xbar180.h5 (1 ohm row and column segments, r_source_ohm "
      "empty), G and inputs as above, dL/dI ~ U[-1, 1]. forward = forward_into (one GEMM with M) on the same "
      "batch. training backward = backward(v, dl_di, {{outputs = false, wire_gradients = false}}): dL/dv and "
      "dL/dG only, by the automatic method (method column). sweep, batch_sum, per_input = the same options with "
      "that method forced: sweep marches through the array from the terminal currents (O(N^2) per input); "
      "batch_sum is reverse mode through the programmed factorization, once per batch; per_input (the only "
      "method before 2026-11-30) solves the forward and adjoint node voltages of every input (not run at N = "
      "256 beyond a batch of 64). all gradients = backward(v, dl_di) with the default options (every gradient "
      "and the outputs). sweep KCL residual = the current left past the ends of the rows and columns, relative "
      "to the largest terminal current; dL/dG vs per_input = relative L2 of the training backward's dL/dG "
      "against per_input's, same run (else against the other fast method). Times in this table are thread "
      "CPU time (medians), not wall time: the machine is shared, and a thread waiting for a core would "
      "count otherwise.\n\n");
}

void print_sinh(const std::vector<SinhRow>& snh) {
  fmt::print("## Sinh cells (V0 = 0.25 V)\n\n");
  fmt::print(
      "| N | r/R_on | exact ms/input | Newton steps | fast ms/input | chord steps | exact / fast | fast vs "
      "exact, rel. L2 | worst input |\n");
  fmt::print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const auto& r : snh) {
    fmt::print("| {} | {:g} | {} | {:.1f} | {} | {:.1f} | {:.0f}x | {:.1e} | {:.1e} |\n", r.n, r.ratio, num(r.exact_ms),
               r.exact_steps, num(r.fast_ms), r.fast_steps, r.exact_ms / r.fast_ms, r.error, r.error_max);
  }
  fmt::print(
      "\nexact = Newton-Raphson per input (refactoring the Jacobian each step, to |dV| < 1e-12 V), timed "
      "on the first 32/16/4/2 inputs for N = 32/64/128/256. fast = batched chord iteration on the "
      "programmed factorization (fast_rel_tol = {:g}), timed on all {} inputs. The errors compare fast "
      "with exact on the inputs both ran (relative L2 over all of them, and the worst single input).\n",
      bh::CrossbarModelParams{}.fast_rel_tol, kBatch);
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_args(argc, argv);
  try {
    std::vector<LinearRow> lin;
    std::vector<SinhRow> snh;
    std::vector<TrainRow> train;
    for (int n : o.sizes) {
      std::fprintf(stderr, "N=%d ...\n", n);
      for (const TrainRow& r : bench_train(n, o.batches, o)) train.push_back(r);
      if (o.train_only) continue;
      lin.push_back(bench_linear(n, o));
      for (double ratio : {1e-4, 1e-2}) snh.push_back(bench_sinh(n, ratio, o));
    }
    print_report(o, lin, snh, train);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_behavioral: %s\n", e.what());
    return 1;
  }
}
