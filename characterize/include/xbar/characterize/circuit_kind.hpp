#pragma once
// A circuit kind plugs a circuit into the campaign engine: it declares the per-sample fields
// (its schema) and runs one sample in this process's SpiceSession. The engine does everything
// else: workers, failures, the journal, resume, HDF5, progress.
//
// Contract of run_sample: the result depends only on (spec, index). It draws every random
// number from CounterRng(spec.seed, stream) with streams keyed by the sample or instance
// index, never from state left by earlier samples. An ngspice error is returned as status
// spice_error with ngspice's own words, not thrown.
//
// How to add a new circuit kind: write a class deriving from CircuitKind in
// characterize/src/<kind>_kind.cpp, give it a schema of fields (name, per-sample shape, unit,
// role), add its spec table to campaign_spec.cpp and data/SPEC.md, add an example spec to
// data/, and return it from make_circuit_kind below.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "xbar/characterize/campaign_file.hpp"
#include "xbar/characterize/campaign_spec.hpp"
#include "xbar/characterize/spice_session.hpp"

namespace xbar::characterize {

class CircuitKind {
 public:
  virtual ~CircuitKind() = default;
  virtual const CampaignSchema& schema() const = 0;
  /// Runs sample `index` (0 <= index < spec.total_samples()) and returns its record.
  virtual SampleRecord run_sample(SpiceSession& spice, std::uint64_t index) const = 0;
  /// The main deck of sample `index` (its draws included), with the analyses the kind runs as
  /// dot cards, so that it runs in `ngspice -b` (`xbar netlist sample`). The crossbar kind
  /// writes the first input vector; the tile deck covers every read cycle.
  virtual std::string deck_text(std::uint64_t index) const = 0;
};

/// `deck` with ".<analysis>" cards inserted before its ".end" (analyses as SpiceSession::run
/// takes them, e.g. "op", "ac dec 20 1 1e10").
std::string with_analyses(const std::string& deck, const std::vector<std::string>& analyses);

/// The circuit kind named by spec.kind; throws SpecError for an unknown kind.
/// True if `kind` names a circuit kind this xbar implements (crossbar, opamp, tia, adc, tile, tile_replay).
bool known_circuit_kind(const std::string& kind);
std::unique_ptr<CircuitKind> make_circuit_kind(const CampaignSpec& spec);

/// Streams of the counter RNG. A stream id mixes a purpose with a sample or instance index.
std::uint64_t rng_stream(std::uint64_t purpose, std::uint64_t index);

}  // namespace xbar::characterize
