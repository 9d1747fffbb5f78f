// xbar: circuit-level characterization of analog in-memory-computing crossbars.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "verbs.hpp"
#include "xbar/characterize/campaign_runner.hpp"
#include "xbar/behavioral/error.hpp"
#include "xbar/characterize/error.hpp"
#include "xbar/characterize/spice_session.hpp"
#include "xbar/netlists/error.hpp"
#include "xbar_version.hpp"

#ifdef XBAR_WITH_MPI
#include <mpi.h>
#endif

namespace {
// MPI is initialized only when mpirun started this process, so plain runs never touch it.
struct MpiSession {
  bool on = false;
  MpiSession(int* argc, char*** argv) {
#ifdef XBAR_WITH_MPI
    if (std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") || std::getenv("PMIX_RANK")) {
      MPI_Init(argc, argv);
      on = true;
    }
#else
    (void)argc;
    (void)argv;
#endif
  }
  ~MpiSession() {
#ifdef XBAR_WITH_MPI
    if (on) MPI_Finalize();
#endif
  }
  // A failing rank stops the whole job instead of leaving the others waiting.
  int fail(int code) {
#ifdef XBAR_WITH_MPI
    if (on) MPI_Abort(MPI_COMM_WORLD, code);
#endif
    return code;
  }
};
}  // namespace

int main(int argc, char** argv) {
  MpiSession mpi(&argc, &argv);
  CLI::App app{"xbar: circuit-level characterization of analog in-memory-computing crossbars.\n"
               "Generates crossbar netlists, runs them in embedded ngspice (KLU), and compares with the ideal MVM.",
               "xbar"};
  app.require_subcommand(1);
  app.set_version_flag("--version", fmt::format("xbar {} (git {})", XBAR_VERSION, XBAR_GIT_HASH));

  std::vector<std::pair<CLI::App*, xbar::tools::Runner>> verbs;
  auto* version = app.add_subcommand("version", "Print the xbar and embedded ngspice versions");
  verbs.emplace_back(version, [] {
    fmt::print("xbar {} (git {})\n", XBAR_VERSION, XBAR_GIT_HASH);
    fmt::print("embedded {}\n", xbar::characterize::SpiceSession::instance().version());
    return 0;
  });
  verbs.push_back(xbar::tools::add_netlist_verb(app));
  verbs.push_back(xbar::tools::add_simulate_verb(app));
  verbs.push_back(xbar::tools::add_characterize_verb(app));
  verbs.push_back(xbar::tools::add_inspect_verb(app));
  verbs.push_back(xbar::tools::add_demo_verb(app));
  verbs.push_back(xbar::tools::add_fit_verb(app));
  verbs.push_back(xbar::tools::add_validate_verb(app));
  verbs.push_back(xbar::tools::add_train_verb(app));
  verbs.push_back(xbar::tools::add_infer_verb(app));
  verbs.push_back(xbar::tools::add_sweep_verb(app));
  verbs.push_back(xbar::tools::add_cost_verb(app));
  verbs.push_back(xbar::tools::add_report_verb(app));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every other parse error is bad input: exit code 2
    // (tools/README.md), not CLI11's own codes (105 for a value out of range, 106 for a missing one).
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    for (auto& [sub, run] : verbs)
      if (sub->parsed()) return run();
  } catch (const xbar::netlists::Error& e) {
    std::fprintf(stderr, "xbar: invalid parameters:\n%s\n", e.what());
    return mpi.fail(2);
  } catch (const xbar::characterize::Interrupted& e) {
    std::fprintf(stderr, "xbar: %s\n", e.what());
    return mpi.fail(130);
  } catch (const xbar::characterize::SpiceError& e) {
    std::fprintf(stderr, "xbar: %s\n", e.what());
    return mpi.fail(3);
  } catch (const xbar::characterize::Error& e) {
    std::fprintf(stderr, "xbar: %s\n", e.what());
    return mpi.fail(2);
  } catch (const xbar::Error& e) {  // behavioral, fit, networks, ...: messages name the file or field
    std::fprintf(stderr, "xbar: %s\n", e.what());
    return mpi.fail(2);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xbar: internal error: %s\n", e.what());
    return mpi.fail(1);
  }
  return 0;
}
