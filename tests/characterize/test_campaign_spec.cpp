// Unit tests of the campaign spec parser: the shipped examples, defaults, and one test per class
// of error, each checking the file name, the line, the field and what is allowed.
#include <doctest/doctest.h>

#include "temp_dir.hpp"
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "xbar/characterize/campaign_spec.hpp"
#include "xbar/characterize/error.hpp"

using namespace xbar::characterize;
namespace fs = std::filesystem;
using xbar::test::TempDir;

namespace {

std::string data_path(const std::string& name) {
  return (fs::path(__FILE__).parent_path().parent_path().parent_path() / "data" / name).string();
}


/// The SpecError message of parsing `text` as "spec.toml", or "" when it parses.
std::string error_of(const std::string& text) {
  try {
    parse_campaign_spec(text, "spec.toml");
  } catch (const SpecError& e) {
    return e.what();
  }
  return "";
}

std::string load_error_of(const std::string& path) {
  try {
    load_campaign_spec(path);
  } catch (const SpecError& e) {
    return e.what();
  }
  return "";
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("spec: data/crossbar_small.toml parses to the documented campaign") {
  const std::string path = data_path("crossbar_small.toml");
  const CampaignSpec s = load_campaign_spec(path);
  CHECK(s.kind == "crossbar");
  CHECK(s.seed == 1);
  CHECK(s.crossbar.rows == 32);
  CHECK(s.crossbar.cols == 32);
  CHECK_FALSE(s.crossbar.differential);
  CHECK(s.crossbar.cell == xbar::netlists::CellModel::linear);
  CHECK(s.crossbar.r_row_wire_ohm == 1.0);
  CHECK(s.crossbar.r_col_wire_ohm == 1.0);
  CHECK(s.crossbar.r_source_ohm.size() == 0);
  CHECK(s.variation.g_prog_error.distribution == Distribution::normal);
  CHECK(s.variation.g_prog_error.sigma_rel_d2d == doctest::Approx(0.05));
  CHECK(s.variation.stuck_on_fraction == doctest::Approx(0.001));
  CHECK(s.variation.stuck_off_fraction == doctest::Approx(0.001));
  CHECK(s.variation.g_stuck_on_s < 0);
  CHECK(s.variation.r_wire_sigma_rel_d2d == doctest::Approx(0.02));
  CHECK(s.variation.temperature_c == 27.0);
  CHECK(s.workload.instances == 4);
  CHECK(s.workload.patterns_per_instance == 2);
  CHECK(s.workload.inputs_per_pattern == 8);
  CHECK(s.total_samples() == 8);
  CHECK(s.workload.inputs == InputSource::random);
  CHECK(s.workload.v_read_min_v == 0.0);
  CHECK(s.workload.v_read_max_v == doctest::Approx(0.2));
  CHECK(s.run.workers == 2);
  CHECK(s.run.output == (fs::path(path).parent_path() / "crossbar_small.h5").string());
  CHECK(s.source_path == path);
  CHECK(contains(s.source_text, "[workload]"));
}

TEST_CASE("spec: data/crossbar_sinh_differential.toml parses") {
  const CampaignSpec s = load_campaign_spec(data_path("crossbar_sinh_differential.toml"));
  CHECK(s.crossbar.differential);
  CHECK(s.crossbar.cell == xbar::netlists::CellModel::sinh);
  CHECK(s.crossbar.v0_v == doctest::Approx(0.2));
  REQUIRE(s.crossbar.r_source_ohm.size() == s.crossbar.rows);
  CHECK(s.crossbar.r_source_ohm.minCoeff() == 100.0);
  CHECK(s.crossbar.r_source_ohm.maxCoeff() == 100.0);
  CHECK(s.variation.g_prog_error.distribution == Distribution::lognormal);
  CHECK(s.variation.g_stuck_off_s == 0.0);
  CHECK(s.workload.weights == WeightSource::normal);
  CHECK(s.workload.inputs == InputSource::one_hot);
}

TEST_CASE("spec: every example in data/ parses") {
  int examples = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(data_path("")))) {
    if (entry.path().extension() != ".toml") continue;
    CAPTURE(entry.path().string());
    CHECK_NOTHROW(load_campaign_spec(entry.path().string()));
    ++examples;
  }
  CHECK(examples >= 2);
}

TEST_CASE("spec: an empty spec gives the struct defaults") {
  const CampaignSpec s = parse_campaign_spec("", "spec.toml");
  const CampaignSpec d;
  CHECK(s.kind == "crossbar");
  CHECK(s.seed == d.seed);
  CHECK(s.crossbar.rows == d.crossbar.rows);
  CHECK(s.crossbar.cols == d.crossbar.cols);
  CHECK(s.crossbar.r_source_ohm.size() == 0);
  CHECK(s.variation.g_prog_error.distribution == Distribution::none);
  CHECK(s.variation.g_stuck_on_s == d.variation.g_stuck_on_s);
  CHECK(s.variation.temperature_c == d.variation.temperature_c);
  CHECK(s.workload.instances == 1);
  CHECK(s.workload.g_min_s == d.workload.g_min_s);
  CHECK(s.workload.g_max_s == d.workload.g_max_s);
  CHECK(s.run.output == "campaign.h5");
  CHECK(s.run.workers == 1);
  CHECK(s.source_path.empty());
}

TEST_CASE("spec: integers are accepted as floats, one-hot as one_hot, r_source_ohm fills every row") {
  const CampaignSpec s = parse_campaign_spec(R"(kind = "crossbar"
[crossbar]
rows = 3
r_row_wire_ohm = 2
r_source_ohm = 50
[workload]
inputs = "one-hot"
g_max_s = 1
)");
  CHECK(s.crossbar.r_row_wire_ohm == 2.0);
  REQUIRE(s.crossbar.r_source_ohm.size() == 3);
  CHECK(s.crossbar.r_source_ohm[2] == 50.0);
  CHECK(s.workload.inputs == InputSource::one_hot);
  CHECK(s.workload.g_max_s == 1.0);
}

TEST_CASE("spec: a TOML syntax error names the file, line and column") {
  const std::string msg = error_of("kind = \"crossbar\"\n[crossbar]\nrows = = 3\n");
  CHECK(contains(msg, "spec.toml:3:"));
  CHECK(contains(msg, "TOML syntax error:"));
}

TEST_CASE("spec: an unknown key names the key, lists the known ones and suggests a fix") {
  const std::string msg = error_of("kind = \"crossbar\"\n\n[variaton]\nstuck_on_fraction = 0.1\n");
  CHECK(contains(msg, "spec.toml:3: unknown field 'variaton' (known: kind, seed, crossbar, variation, workload, run)"));
  CHECK(contains(msg, "did you mean 'variation'?"));

  const std::string nested = error_of("[crossbar]\nrows = 4\nr_row_wire = 1.0\n");
  CHECK(contains(nested, "spec.toml:3: unknown field 'crossbar.r_row_wire' (known: rows, cols,"));
  CHECK(contains(nested, "did you mean 'r_row_wire_ohm'?"));

  const std::string inline_table = error_of("[variation]\ng_prog_error = { distribution = \"normal\", sigma = 0.1 }\n");
  CHECK(contains(inline_table, "spec.toml:2: unknown field 'variation.g_prog_error.sigma' (known: distribution, sigma_rel_d2d)"));
}

TEST_CASE("spec: a value of the wrong type names the field, the value as written and the type") {
  CHECK(contains(error_of("[crossbar]\nrows = \"32\"\n"), "spec.toml:2: crossbar.rows = \"32\": must be an integer"));
  CHECK(contains(error_of("[crossbar]\nrows = 32.0\n"), "spec.toml:2: crossbar.rows = 32.0: must be an integer"));
  CHECK(contains(error_of("[crossbar]\ndifferential = 1\n"), "crossbar.differential = 1: must be true or false"));
  CHECK(contains(error_of("[run]\noutput = 5\n"), "spec.toml:2: run.output = 5: must be a string"));
  CHECK(contains(error_of("[crossbar]\nr_col_wire_ohm = \"1\"\n"), "crossbar.r_col_wire_ohm = \"1\": must be a number"));
  CHECK(contains(error_of("crossbar = 4\n"), "spec.toml:1: crossbar = 4: must be a table"));
  CHECK(contains(error_of("[variation]\ng_prog_error = 0.05\n"),
                 "spec.toml:2: variation.g_prog_error = 0.05: must be an inline table"));
}

TEST_CASE("spec: out-of-range values name the field, the value and the allowed range") {
  CHECK(contains(error_of("seed = 1\n[workload]\n\ninstances = 0\n"),
                 "spec.toml:4: workload.instances = 0: must be an integer >= 1"));
  CHECK(contains(error_of("[crossbar]\ncols = 2000\n"), "spec.toml:2: crossbar.cols = 2000: must be an integer between 1 and 1024"));
  CHECK(contains(error_of("seed = -1\n"), "spec.toml:1: seed = -1: must be an integer >= 0"));
  CHECK(contains(error_of("[crossbar]\ncell = \"tanh\"\n"), "spec.toml:2: crossbar.cell = 'tanh': must be one of linear, sinh"));
  CHECK(contains(error_of("[crossbar]\nr_row_wire_ohm = -1\n"), "crossbar.r_row_wire_ohm = -1: must be finite and >= 0 ohm"));
  CHECK(contains(error_of("[crossbar]\ncell = \"sinh\"\nv0_v = 0\n"),
                 "spec.toml:3: crossbar.v0_v = 0: must be finite and > 0 V for the sinh cell"));
  CHECK(contains(error_of("[variation]\ntemperature_c = -300\n"), "variation.temperature_c = -300: must be finite and > -273.15 C"));
  CHECK(contains(error_of("[variation]\nwire_tc1_per_k = nan\n"), "variation.wire_tc1_per_k = nan: must be finite"));
  CHECK(contains(error_of("[run]\nworkers = 300\n"), "spec.toml:2: run.workers = 300: must be an integer between 1 and 256"));
  CHECK(contains(error_of("[run]\nsample_timeout_s = 0\n"), "run.sample_timeout_s = 0: must be finite and > 0 s"));
  CHECK(contains(error_of("[run]\noutput = \"\"\n"), "spec.toml:2: run.output = '': must name the HDF5 output file"));
  CHECK(contains(error_of("[workload]\nweights = \"gaussian\"\n"),
                 "spec.toml:2: workload.weights = 'gaussian': must be one of uniform, normal, file"));
  CHECK(contains(error_of("[workload]\ninstances = 100000\npatterns_per_instance = 1000\n"),
                 "spec.toml:3: workload.instances * patterns_per_instance = 100000 * 1000 = 100000000 samples: must be <= 10000000"));
}

TEST_CASE("spec: programming error sigma must be >= 0, and > 0 unless the distribution is none") {
  CHECK(contains(error_of("[variation]\ng_prog_error = { distribution = \"normal\", sigma_rel_d2d = -0.1 }\n"),
                 "spec.toml:2: variation.g_prog_error.sigma_rel_d2d = -0.1: must be finite and >= 0"));
  CHECK(contains(error_of("[variation]\ng_prog_error = { distribution = \"lognormal\", sigma_rel_d2d = 0 }\n"),
                 "spec.toml:2: variation.g_prog_error.sigma_rel_d2d = 0: must be > 0 when distribution = 'lognormal'"));
  CHECK(contains(error_of("[variation]\ng_prog_error = { sigma_rel_d2d = 0.1 }\n"),
                 "spec.toml:2: variation.g_prog_error.distribution is missing: must be one of none, normal, lognormal"));
  CHECK(error_of("[variation]\ng_prog_error = { distribution = \"none\" }\n").empty());
}

TEST_CASE("spec: stuck fractions must each be in [0, 1] and sum to at most 1") {
  CHECK(contains(error_of("[variation]\nstuck_on_fraction = 0.6\nstuck_off_fraction = 0.5\n"),
                 "spec.toml:3: variation.stuck_on_fraction + stuck_off_fraction = 0.6 + 0.5 = 1.1: must be <= 1"));
  CHECK(contains(error_of("[variation]\nstuck_on_fraction = 1.5\n"),
                 "spec.toml:2: variation.stuck_on_fraction = 1.5: must be between 0 and 1"));
}

TEST_CASE("spec: g_min_s must be below g_max_s, and the read range ordered") {
  CHECK(contains(error_of("[workload]\ng_min_s = 1e-4\ng_max_s = 1e-5\n"),
                 "spec.toml:2: workload.g_min_s = 0.0001: must be < workload.g_max_s = 1e-05"));
  CHECK(contains(error_of("[workload]\ng_max_s = 1e-6\n"), "spec.toml:2: workload.g_min_s = 1e-06: must be < workload.g_max_s = 1e-06"));
  CHECK(contains(error_of("[workload]\ng_min_s = -1e-6\n"), "spec.toml:2: workload.g_min_s = -1e-06: must be finite and >= 0 S"));
  CHECK(contains(error_of("[workload]\nv_read_min_v = 0.3\n"),
                 "spec.toml:2: workload.v_read_min_v = 0.3: must be <= workload.v_read_max_v = 0.2"));
}

TEST_CASE("spec: weights_file and inputs_file are required exactly when their source is 'file'") {
  CHECK(contains(error_of("kind = \"crossbar\"\n[workload]\nweights = \"file\"\n"),
                 "spec.toml:2: workload.weights_file is missing: required when workload.weights = 'file'"));
  CHECK(contains(error_of("[workload]\ninputs = \"file\"\n"),
                 "spec.toml:1: workload.inputs_file is missing: required when workload.inputs = 'file'"));
  CHECK(contains(error_of("[workload]\nweights_file = \"w.csv\"\n"),
                 "spec.toml:2: workload.weights_file is set but workload.weights is not 'file'"));
  CHECK(contains(error_of("[workload]\nweights = \"file\"\nweights_file = \"/nonexistent/w.csv\"\n"),
                 "spec.toml:3: workload.weights_file = '/nonexistent/w.csv': file not found"));
}

TEST_CASE("spec: data files resolve against the spec's folder and must have the crossbar's shape") {
  TempDir dir;
  dir.write("w_good.csv", "1e-5,2e-5,3e-5\n4e-5,5e-5,6e-5\n");
  dir.write("w_bad.csv", "1e-5,2e-5\n3e-5,4e-5\n");
  dir.write("x_good.csv", "0.1 0.2\n0.0 0.1\n0.2 0.2\n");
  dir.write("x_bad.csv", "0.1 0.2 0.3\n");
  const std::string head = "[crossbar]\nrows = 2\ncols = 3\n[workload]\nweights = \"file\"\ninputs = \"file\"\n";

  const std::string good = dir.write("good.toml", head + "weights_file = \"w_good.csv\"\ninputs_file = \"x_good.csv\"\n");
  const CampaignSpec s = load_campaign_spec(good);
  CHECK(s.workload.weights_file == (dir.path / "w_good.csv").string());
  CHECK(s.workload.inputs_file == (dir.path / "x_good.csv").string());
  CHECK(s.run.output == (dir.path / "campaign.h5").string());

  const std::string bad = dir.write("bad.toml", head + "weights_file = \"w_bad.csv\"\ninputs_file = \"x_bad.csv\"\n");
  const std::string msg = load_error_of(bad);
  CHECK(contains(msg, fmt::format("{}:7: workload.weights_file = 'w_bad.csv': {} is 2 x 2: must be crossbar.rows x "
                                  "crossbar.cols = 2 x 3",
                                  bad, (dir.path / "w_bad.csv").string())));
  CHECK(contains(msg, fmt::format("{}:8: workload.inputs_file = 'x_bad.csv': {} has 3 values per line: must have "
                                  "crossbar.rows = 2",
                                  bad, (dir.path / "x_bad.csv").string())));

  dir.write("w_text.csv", "1e-5,abc,3e-5\n");
  const std::string text = dir.write("text.toml", head + "weights_file = \"w_text.csv\"\ninputs_file = \"x_good.csv\"\n");
  CHECK(contains(load_error_of(text), "w_text.csv line 1 column 2: 'abc' is not a number"));
}

TEST_CASE("spec: a spec stored in a campaign is parsed without its data files") {
  // A campaign fitted from another folder (or machine) must not need the CSVs it was run from:
  // every sample's conductances and inputs are in the campaign file.
  const std::string text = "[crossbar]\nrows = 2\ncols = 3\n[workload]\nweights = \"file\"\ninputs = \"file\"\n"
                           "weights_file = \"gone/w.csv\"\ninputs_file = \"gone/x.csv\"\n";
  CHECK(contains(error_of(text), "spec.toml:7: workload.weights_file = 'gone/w.csv': file not found"));
  const CampaignSpec s = parse_stored_campaign_spec(text, "spec_text");
  CHECK(s.workload.weights == WeightSource::file);
  CHECK(s.workload.weights_file == "gone/w.csv");
  CHECK(s.workload.inputs_file == "gone/x.csv");
  // Everything else is still validated.
  CHECK_THROWS_WITH_AS(parse_stored_campaign_spec(text + "[run]\nworkers = 0\n", "spec_text"),
                       doctest::Contains("spec_text:10: run.workers = 0"), SpecError);
}

TEST_CASE("spec: an unknown kind lists the known ones") {
  const std::string msg = error_of("kind = \"opamp2\"\n[opamp]\ngain = 1e5\n");
  CHECK(contains(msg, "spec.toml:1: kind = 'opamp2': must be one of 'crossbar'"));
  CHECK(contains(error_of("kind = 3\n"), "spec.toml:1: kind = 3: must be a string"));
}

TEST_CASE("spec: every problem is reported at once, one per line, in file order") {
  const std::string msg = error_of(R"(kind = "crossbar"
seed = 7
[crossbar]
rows = 0
colls = 4
[variation]
stuck_on_fraction = -0.1
[workload]
instances = 0
weights = "file"
[run]
workers = 0
)");
  const std::vector<std::string> lines = lines_of(msg);
  REQUIRE(lines.size() == 6);
  CHECK(lines[0] == "spec.toml:4: crossbar.rows = 0: must be an integer between 1 and 1024");
  CHECK(contains(lines[1], "spec.toml:5: unknown field 'crossbar.colls'"));
  CHECK(lines[2] == "spec.toml:7: variation.stuck_on_fraction = -0.1: must be between 0 and 1");
  CHECK(contains(lines[3], "spec.toml:8: workload.weights_file is missing"));
  CHECK(lines[4] == "spec.toml:9: workload.instances = 0: must be an integer >= 1");
  CHECK(lines[5] == "spec.toml:12: run.workers = 0: must be an integer between 1 and 256");
}

TEST_CASE("spec: a missing or unreadable spec file is a SpecError naming the path") {
  CHECK(contains(load_error_of("/nonexistent/spec.toml"), "/nonexistent/spec.toml: cannot open the campaign spec"));
  TempDir dir;
  CHECK(contains(load_error_of(dir.path.string()), "is a folder"));
}
