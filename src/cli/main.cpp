// The colossim command. The only place that prints or exits: bad input (InputError) and plans
// that cannot run end here with exit status 2 and one line on stderr.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "report/report.hpp"
#include "run/prediction.hpp"
#include "scenario/scenario.hpp"
#include "validation/validate.hpp"

#ifndef COLOSSIM_SOURCE_DIR
#define COLOSSIM_SOURCE_DIR "."
#endif

namespace {

using namespace colossim;

int simulate(const Scenario& s, bool json, const std::string& trace_file) {
  const Verdict v = predict(s, Calibration::builtin(), !trace_file.empty());
  if (!v.prediction) {
    std::cerr << s.file << ": " << v.refusal << "\n";
    return 2;
  }
  std::optional<ReliabilityReport> run;
  if (s.training.tokens) {
    // The summary needs fewer trials than `colossim reliability`.
    Scenario quick = s;
    quick.reliability.trials = std::min(quick.reliability.trials, 200);
    run = reliability_report(quick, *v.prediction, std::nullopt, false);
  }
  if (!trace_file.empty()) {
    std::ofstream out(trace_file);
    if (!out) throw InputError(trace_file, "", "cannot write the trace file");
    out << chrome_trace(s, *v.prediction).dump() << "\n";
  }
  if (json) {
    std::cout << prediction_json(s, *v.prediction, run).dump(2) << "\n";
  } else {
    std::cout << prediction_text(s, *v.prediction, run);
  }
  return 0;
}

int run(int argc, char** argv) {
  CLI::App app{
      "colossim: simulate and plan AI training clusters, from 8 GPUs to a million.\n"
      "With no command, simulates the built-in default scenario (100,000 H100 GPUs)."};
  app.require_subcommand(0, 1);
  bool json = false;

  auto* sim =
      app.add_subcommand("simulate", "predict one training step (and time to train) of a scenario");
  std::string scenario_file;
  sim->add_option("file", scenario_file,
                  "scenario YAML (see SCENARIO.md); omit for the built-in default");
  sim->add_flag("--json", json, "print one JSON object");
  std::string trace_file;
  sim->add_option("--trace", trace_file,
                  "write the simulated step as Chrome trace JSON (open in Perfetto)");

  auto* cat = app.add_subcommand("catalog", "list the hardware catalog and the model presets");
  cat->add_flag("--json", json, "print JSON, with the source of every entry");

  auto* val = app.add_subcommand(
      "validate", "predict every published run in the validation cases and report the error");
  std::vector<std::string> dirs;
  val->add_option(
      "dirs", dirs,
      "directories or files of validation cases (default: the shipped validation/cases)");
  val->add_flag("--json", json, "print JSON");

  auto* rel = app.add_subcommand("reliability", "the whole run: failures, checkpoints, restarts and goodput (Monte Carlo)");
  std::string rel_file;
  rel->add_option("file", rel_file, "scenario YAML; omit for the built-in default");
  std::optional<double> days;
  rel->add_option("--days", days, "simulate a fixed span of D days instead of the token budget")->check(CLI::Range(0.001, 36500.0));
  std::optional<int> trials;
  rel->add_option("--trials", trials, "Monte Carlo trials (default: reliability.trials, 1000)")->check(CLI::Range(1, 1000000));
  std::optional<unsigned long long> seed;
  rel->add_option("--seed", seed, "random seed (default: reliability.seed, 1)");
  rel->add_flag("--json", json, "print JSON");

  auto* def = app.add_subcommand("default-scenario", "print the built-in default scenario as YAML");

  app.parse(argc, argv);
  const Catalog catalog = Catalog::builtin();

  if (*cat) {
    if (json) {
      nlohmann::json j = catalog_json(catalog);
      j["model_presets"] = preset_ids();
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << catalog_text(catalog) << "\nModel presets: " << preset_ids() << "\n";
    }
    return 0;
  }
  if (*def) {
    std::cout << default_scenario_yaml();
    return 0;
  }
  if (*val) {
    if (dirs.empty()) dirs.push_back(std::string(COLOSSIM_SOURCE_DIR) + "/validation/cases");
    const Calibration calibration = Calibration::builtin();
    std::vector<CaseResult> results;
    for (const auto& f : case_files(dirs))
      results.push_back(validate_case(f, catalog, calibration));
    const ValidationReport report = summarise(std::move(results));
    if (json) {
      std::cout << validation_json(report).dump(2) << "\n";
    } else {
      std::cout << validation_text(report);
    }
    return 0;
  }
  if (*rel) {
    Scenario s = rel_file.empty() ? default_scenario(catalog) : read_scenario_file(rel_file, catalog);
    if (trials) s.reliability.trials = *trials;
    if (seed) s.reliability.seed = *seed;
    const Verdict v = predict(s, Calibration::builtin());
    if (!v.prediction) {
      std::cerr << s.file << ": " << v.refusal << "\n";
      return 2;
    }
    const ReliabilityReport report = reliability_report(s, *v.prediction, days, true);
    if (json) {
      std::cout << reliability_json(s, report).dump(2) << "\n";
    } else {
      std::cout << reliability_text(s, report);
    }
    return 0;
  }
  if (*sim && !scenario_file.empty())
    return simulate(read_scenario_file(scenario_file, catalog), json, trace_file);
  return simulate(default_scenario(catalog), json, trace_file);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = CLI::App().exit(e);
    return rc == 0 ? 0 : 2;
  } catch (const colossim::InputError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "colossim: internal error: " << e.what() << "\n";
    return 1;
  }
}
