// xbar characterize spec.toml [--output FILE.h5] [--set field=value ...] [--workers N] [--retry-failed] [--quiet]
#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

#include "output_path.hpp"
#include "verbs.hpp"
#include "xbar/characterize/campaign_runner.hpp"
#include "xbar/characterize/campaign_spec.hpp"
#include "xbar_version.hpp"

namespace xbar::tools {

namespace {
struct CharacterizeOptions {
  std::string spec_path;
  int workers = 0;
  bool retry_failed = false;
  bool quiet = false;
  std::string output;                  ///< "" = the spec's run.output
  std::vector<std::string> overrides;  ///< --set field=value
};
}  // namespace

Verb add_characterize_verb(CLI::App& app) {
  auto* sub = app.add_subcommand("characterize", "Run (or resume) a Monte Carlo campaign from a TOML spec into HDF5");
  auto o = std::make_shared<CharacterizeOptions>();
  sub->add_option("spec", o->spec_path, "Campaign spec (TOML; fields in data/SPEC.md)")->required()->check(CLI::ExistingFile);
  sub->add_option("-j,--workers", o->workers, "Worker processes (default: the spec's run.workers)")->check(CLI::Range(1, 256));
  sub->add_option("-o,--output", o->output,
                  "Campaign file to write, relative to the current folder (default: the spec's run.output, relative "
                  "to the spec's folder); its folder is created (a missing folder in run.output is an error)");
  sub->add_option("--set", o->overrides,
                  "Override a spec field, field=value with a TOML value (repeatable): --set workload.instances=20 "
                  "--set crossbar.cell=sinh");
  sub->add_flag("--retry-failed", o->retry_failed, "On resume, run crashed, timed-out and ngspice-error samples again");
  sub->add_flag("-q,--quiet", o->quiet, "No progress output");
  sub->footer("Example:\n  xbar characterize data/crossbar_small.toml --workers 2\n"
              "  xbar characterize data/crossbar_small.toml --set workload.instances=20 -o runs/xb20.h5\n"
              "A killed run resumes where it stopped when the same command is run again.\n"
              "Across machines: mpirun -np K xbar characterize spec.toml (rank 0 writes the file).");
  return {sub, [o] {
            auto spec = characterize::load_campaign_spec(o->spec_path, o->overrides);
            // --output's folder is created; a missing folder in the spec's run.output stays an
            // error that names the field and line (characterize::run_campaign), so a typo in a spec
            // does not scatter folders.
            if (!o->output.empty()) {
              spec.run.output = o->output;
              create_parent_folder(spec.run.output);
            }
            characterize::RunOptions ro;
            ro.workers = o->workers;
            ro.retry_failed = o->retry_failed;
            ro.quiet = o->quiet;
            ro.xbar_version = XBAR_VERSION;
            ro.git_hash = XBAR_GIT_HASH;
            const auto s = characterize::run_campaign(spec, ro);
            if (s.rank != 0) return 0;  // MPI: rank 0 reports
            fmt::print("wrote {}: {} samples, {} ok, {} failed ({} run now, {} from before) in {:.1f} s\n", s.output,
                       s.total, s.ok, s.failed, s.ran, s.resumed, s.seconds);
            if (s.failed > 0) fmt::print("see the failures with: xbar inspect {}\n", s.output);
            return 0;
          }};
}

}  // namespace xbar::tools
