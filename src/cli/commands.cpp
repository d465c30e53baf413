// The colossim commands: each one's arguments, parsed into the facade's inputs (app/app.hpp),
// its result rendered in the format asked for (report/render.hpp). Nothing here computes.
#include "cli/commands.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include "app/app.hpp"
#include "plan/pipeline.hpp"
#include "report/render.hpp"
#ifdef COLOSSIM_HAVE_MPI
#include "cli/mpi.hpp"
#endif

#ifndef COLOSSIM_VERSION
#define COLOSSIM_VERSION "unknown"
#endif

namespace colossim {
namespace {

// A progress bar on stderr for jobs longer than a second, only on a terminal.
class ProgressBar {
 public:
  ProgressBar(bool enabled, std::string unit)
      : enabled_(enabled && isatty(fileno(stderr)) != 0), unit_(std::move(unit)) {}
  ~ProgressBar() {
    if (drawn_) std::cerr << "\r" << std::string(60, ' ') << "\r" << std::flush;
  }
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  app::Progress callback() {
    return [this](long long done, long long total) { draw(done, total); };
  }

 private:
  void draw(long long done, long long total) {
    if (!enabled_ || total <= 0) return;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (elapsed < 1.0) return;
    const int width = 40;
    const auto filled = static_cast<size_t>(width * static_cast<double>(done) / total);
    std::cerr << "\r[" << std::string(filled, '#') << std::string(width - filled, ' ') << "] "
              << done << "/" << total << " " << unit_ << std::flush;
    drawn_ = true;
  }
  bool enabled_;
  std::string unit_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// Every command's output format: --json, or --format NAME among the result's formats.
struct Output {
  bool json = false;
  std::string format;
  [[nodiscard]] std::string chosen() const { return json ? "json" : format; }
};

template <class Result>
void add_output(CLI::App* cmd, Output& out, const std::string& fallback = "text") {
  out.format = fallback;
  cmd->add_flag("--json", out.json, "print JSON (the same as --format json)");
  std::string names;
  for (const auto& f : formats<Result>()) names += (names.empty() ? "" : ", ") + f;
  cmd->add_option("--format", out.format, "output format: " + names)
      ->check(CLI::IsMember(formats<Result>()));
}

// Prints a result, or its refusal (exit 2).
template <class Result>
int print(const app::Outcome<Result>& r, const Output& out) {
  if (!r) {
    std::cerr << r.refusal().line() << "\n";
    return 2;
  }
  std::cout << render(*r, out.chosen());
  return 0;
}

std::string names_with_descriptions(const std::vector<NetworkModelInfo>& models) {
  std::string out;
  for (const auto& m : models) out += " " + m.name + " (" + m.description + ")";
  return out;
}

}  // namespace

int run_commands(int argc, char** argv, const MpiSession* mpi) {
  CLI::App cli{
      "colossim: simulate and plan AI training clusters, from 8 GPUs to a million.\n"
      "With no command, simulates the built-in default scenario (100,000 H100 GPUs)."};
  cli.require_subcommand(0, 1);
  cli.set_version_flag("--version", COLOSSIM_VERSION);
  cli.failure_message([](const CLI::App*, const CLI::Error& e) {
    return std::string("colossim: ") + e.what() + " (see --help)\n";
  });
  std::string file;
  const auto file_option = [&file](CLI::App* cmd, const std::string& what) {
    cmd->add_option("file", file, what + "; omit for the built-in default");
  };

  auto* sim = cli.add_subcommand("simulate", "predict one training step and the time to train");
  file_option(sim, "scenario YAML (SCENARIO.md)");
  Output sim_out;
  add_output<app::Simulation>(sim, sim_out);
  std::string trace_file;
  sim->add_option("--trace", trace_file, "write the step as Chrome trace JSON (Perfetto)");

  auto* cat = cli.add_subcommand("catalog", "list the hardware catalog and the model presets");
  Output cat_out;
  add_output<app::CatalogView>(cat, cat_out);

  auto* val = cli.add_subcommand("validate", "predicted vs measured over the validation cases");
  app::ValidateOptions validate;
  val->add_option("dirs", validate.paths, "directories or files of cases (default: the shipped)");
  Output val_out;
  add_output<ValidationReport>(val, val_out);
  val->add_flag("--runs", validate.runs,
                "the published production runs (validation/runs: whole-run GPU-hours and "
                "throughput of LLaMA 1, Llama 2, BLOOM, OPT; never used to calibrate)");
  val->add_option("--network-model", validate.network_model,
                  "price communication with this network model instead of each case's:" +
                      names_with_descriptions(network_models()));

  auto* rel = cli.add_subcommand("reliability", "the whole run: failures, checkpoints, goodput");
  file_option(rel, "scenario YAML");
  app::ReliabilityOptions rel_options;
  rel->add_option("--days", rel_options.span_days, "simulate a fixed span of D days instead")
      ->check(CLI::Range(0.001, 36500.0));
  rel->add_option("--trials", rel_options.trials, "Monte Carlo trials (default: 1000)")
      ->check(CLI::Range(1, 1000000));
  rel->add_option("--seed", rel_options.seed, "random seed (default: reliability.seed, 1)");
  Output rel_out;
  add_output<app::RunReport>(rel, rel_out);

  auto* pl = cli.add_subcommand("plan", "search the open parallelism keys; rank the best plans");
  file_option(pl, "scenario YAML (the default opens its plan keys)");
  app::PlanOptions plan_options;
  pl->add_option("--top", plan_options.top, "how many plans to rank")->check(CLI::Range(1, 1000));
  int threads = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  pl->add_option("--threads", threads, "threads evaluating plans (default: all cores)")
      ->check(CLI::Range(1, 1024));
  Output plan_out;
  add_output<app::PlanRanking>(pl, plan_out);
  bool against_published = false;
  pl->add_flag("--against-published", against_published,
               "for each validation case (FILE: a directory of cases), search every key and "
               "compare the best plan with the published one");

  auto* sw = cli.add_subcommand("sweep", "simulate a grid of scenario values; write CSV");
  file_option(sw, "scenario YAML");
  std::vector<std::string> sets;
  sw->add_option("--set", sets, "KEY=V1,V2,... a dotted scenario key and its values; repeat")
      ->required();
  std::string out_file;
  sw->add_option("--out", out_file, "write the CSV here instead of standard output");
  Output sweep_out;
  add_output<app::Sweep>(sw, sweep_out, "csv");

  auto* fac = cli.add_subcommand("facility", "power, energy, carbon and cost of a run");
  file_option(fac, "scenario YAML");
  Output fac_out;
  add_output<app::FacilityResult>(fac, fac_out);

  auto* cmp = cli.add_subcommand("compare", "scenarios side by side: time, MFU, MW, cost, ratios");
  std::vector<std::string> compare_files;
  cmp->add_option("files", compare_files, "scenario YAML files")->required();
  Output cmp_out;
  add_output<app::Comparison>(cmp, cmp_out);

  auto* clm = cli.add_subcommand("claims", "the public record's 100,000-H100 claims, recomputed");
  Output clm_out;
  add_output<app::Claims>(clm, clm_out);

  auto* clu = cli.add_subcommand("cluster", "the fabric as built: switches, optics, bisection");
  file_option(clu, "scenario YAML");
  Output clu_out;
  add_output<app::ClusterView>(clu, clu_out);

  auto* col = cli.add_subcommand("collective", "one collective on the fabric, like nccl-tests");
  file_option(col, "scenario YAML (its cluster)");
  app::CollectiveOptions col_options;
  col->add_option("--gpus", col_options.gpus, "build the fabric for this many GPUs (default 64)")
      ->check(CLI::Range(2LL, 4'194'304LL));
  col->add_option("--group-size", col_options.group_size,
                  "consecutive groups of this size, all at once (default: one group of all)")
      ->check(CLI::Range(2LL, 4'194'304LL));
  col->add_option("--group", col_options.group_dim,
                  "every group of this dimension of the scenario's plan at once")
      ->check(CLI::IsMember(dimension_names()));
  std::string op_name = "all-reduce";
  std::vector<std::string> op_names;
  op_names.reserve(collective_kinds().size());
  for (Collective k : collective_kinds()) op_names.push_back(to_string(k));
  col->add_option("--op", op_name, "the collective")->check(CLI::IsMember(op_names));
  std::string algo_help = "auto (NCCL-like choice by size)";
  for (const auto& a : collective_algorithms()) algo_help += ", " + a.name + " (" + a.description + ")";
  col->add_option("--algo", col_options.algorithm, algo_help);
  col->add_option("--routing", col_options.routing, "override cluster.network.routing")
      ->check(CLI::IsMember(routing_names()));
  std::vector<std::string> generators;
  generators.reserve(fabric_generators().size());
  for (const auto& g : fabric_generators()) generators.push_back(g.name);
  col->add_option("--topology", col_options.topology, "override cluster.network.topology")
      ->check(CLI::IsMember(generators));
  std::vector<std::string> sizes = {"8MiB", "64MiB", "512MiB", "1GiB"};
  col->add_option("--sizes", sizes, "buffer sizes")->delimiter(',');
  Output col_out;
  add_output<app::CollectiveRun>(col, col_out);

  auto* def = cli.add_subcommand("default-scenario", "print the built-in default scenario (YAML)");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::CallForVersion& e) {
    std::cout << "colossim " << e.what() << "\n";
    return 0;
  } catch (const CLI::ParseError& e) {
    const int rc = cli.exit(e);
    return rc == 0 ? 0 : 2;
  }

  if (*cat) return print(app::Outcome(app::catalog_view()), cat_out);
  if (*def) {
    std::cout << default_scenario_yaml();
    return 0;
  }
  if (*val) {
    ProgressBar bar(!val_out.json, "cases");
    validate.progress = bar.callback();
    return print(app::Outcome(app::validate(validate)), val_out);
  }
  if (*fac) return print(app::facility(app::load(file)), fac_out);
  if (*cmp) {
    std::vector<Scenario> scenarios;
    scenarios.reserve(compare_files.size());
    for (const auto& f : compare_files) scenarios.push_back(app::load(f));
    return print(app::compare(scenarios), cmp_out);
  }
  if (*col) {
    col_options.op = app::parse_collective(op_name);
    col_options.sizes = app::parse_sizes(sizes);
    return print(app::Outcome(app::collective(app::load(file), col_options)), col_out);
  }
  if (*clu) return print(app::Outcome(app::cluster(app::load(file))), clu_out);
  if (*clm) return print(app::Outcome(app::claims()), clm_out);
  if (*sw) {
    std::vector<app::SweepAxis> axes;
    axes.reserve(sets.size());
    for (const auto& s : sets) axes.push_back(app::parse_sweep_axis(s));
    const std::string csv = render(app::sweep(file, axes), sweep_out.chosen());
    if (out_file.empty()) {
      std::cout << csv;
      return 0;
    }
    std::ofstream out(out_file);
    if (!out) throw InputError(out_file, "", "cannot write the CSV file");
    out << csv;
    return 0;
  }
  ThreadEvaluator local(threads);
  BatchEvaluator* evaluator = &local;
  bool helper_rank = false;  // an MPI rank other than 0: it helps the search and prints nothing
#ifdef COLOSSIM_HAVE_MPI
  std::optional<MpiEvaluator> distributed;
  if (mpi != nullptr && mpi->active()) {
    evaluator = &distributed.emplace(*mpi, threads);
    helper_rank = mpi->rank() != 0;
  }
#else
  (void)mpi;
#endif
  if (*pl && against_published) {
    ProgressBar bar(!plan_out.json && !helper_rank, "cases");
    const auto r = app::plan_against_published(file, evaluator, bar.callback());
    if (!helper_rank) std::cout << render(r, plan_out.chosen());
    return 0;
  }
  if (*pl) {
    ProgressBar bar(!plan_out.json && !helper_rank, "plans");
    plan_options.evaluator = evaluator;
    plan_options.progress = bar.callback();
    plan_options.rerank = !helper_rank;
    const auto r =
        app::plan(file.empty() ? app::default_plan_scenario() : app::load(file), plan_options);
    return helper_rank ? 0 : print(r, plan_out);
  }
  if (*rel) return print(app::reliability(app::load(file), rel_options), rel_out);
  const auto r = app::simulate(app::load(file), !trace_file.empty());
  if (r && !trace_file.empty()) {
    std::ofstream out(trace_file);
    if (!out) throw InputError(trace_file, "", "cannot write the trace file");
    out << render(*r, "trace");
  }
  return print(r, sim_out);
}

}  // namespace colossim
