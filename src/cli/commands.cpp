// The colossim commands: each one's arguments, parsed into the facade's inputs (app/app.hpp),
// its result rendered in the format asked for (report/render.hpp). Nothing here computes.
#include "cli/commands.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "app/app.hpp"
#include "plan/pipeline.hpp"
#include "report/html_report.hpp"
#include "report/render.hpp"
#ifdef COLOSSIM_HAVE_MPI
#include "run/mpi.hpp"
#endif

#ifndef COLOSSIM_COMMIT
#define COLOSSIM_COMMIT "unknown"
#endif
#ifndef COLOSSIM_VERSION
#define COLOSSIM_VERSION "unknown"
#endif

namespace colossim {
namespace {

// A number from `lo` to `hi`; CLI::Range lets NaN through (every comparison with it is false).
CLI::Validator finite_range(double lo, double hi) {
  return CLI::Validator(
      [lo, hi](const std::string& text) {
        double v = 0;
        try {
          v = std::stod(text);
        } catch (const std::exception&) {
          return "expected a number, got " + text;
        }
        if (!std::isfinite(v) || v < lo || v > hi)
          return fmt::format("expected a number from {} to {}, got {}", lo, hi, text);
        return std::string();
      },
      fmt::format("NUMBER in [{} - {}]", lo, hi));
}

// Progress on stderr for jobs longer than a second: a bar with the count, the rate and the time
// left on a terminal; silent when stderr is not one, unless --progress asks (then a line every
// few seconds, for logs).
class ProgressBar {
 public:
  ProgressBar(bool enabled, std::string unit, bool forced = false)
      : terminal_(isatty(fileno(stderr)) != 0),
        enabled_(enabled && (terminal_ || forced)),
        unit_(std::move(unit)) {}
  ~ProgressBar() {
    if (drawn_ && terminal_) std::cerr << "\r" << std::string(78, ' ') << "\r" << std::flush;
  }
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  app::Progress callback() {
    return [this](long long done, long long total) { draw(done, total); };
  }

 private:
  void draw(long long done, long long total) {
    if (!enabled_ || total <= 0) return;
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    if (elapsed < 1.0) return;
    if (!terminal_ && std::chrono::duration<double>(now - last_).count() < 5.0) return;
    last_ = now;
    const double rate = static_cast<double>(done) / elapsed;
    const std::string left =
        rate > 0 ? fmt::format("{:.0f} s left", static_cast<double>(total - done) / rate) : "";
    const std::string counts =
        fmt::format("{}/{} {}, {:.1f}/s, {}", done, total, unit_, rate, left);
    if (terminal_) {
      const int width = 30;
      const auto filled = static_cast<size_t>(width * static_cast<double>(done) / total);
      std::cerr << "\r[" << std::string(filled, '#') << std::string(width - filled, ' ') << "] "
                << counts << "   " << std::flush;
    } else {
      std::cerr << "colossim: " << counts << "\n";
    }
    drawn_ = true;
  }
  bool terminal_;
  bool enabled_;
  std::string unit_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_ = start_;
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
  const auto names_of = formats<Result>();
  if (std::find(names_of.begin(), names_of.end(), "json") != names_of.end())
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

// Every command's subcommand and the options parsed into it.
struct Args {
  std::string file;
  CLI::App *sim = nullptr, *cat = nullptr, *val = nullptr, *rel = nullptr, *pl = nullptr,
           *sw = nullptr, *fac = nullptr, *cmp = nullptr, *clm = nullptr, *clu = nullptr,
           *col = nullptr, *def = nullptr, *rep = nullptr, *bru = nullptr, *des = nullptr;
  Output bru_out, des_out;
  Output rep_out;
  Output sim_out, cat_out, val_out, rel_out, plan_out, sweep_out, fac_out, cmp_out, clm_out,
      clu_out, col_out;
  std::string trace_file;
  app::ValidateOptions validate;
  app::ReliabilityOptions rel_options;
  app::PlanOptions plan_options;
  int threads = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  bool against_published = false;
  bool progress = false;  // --progress: even when stderr is not a terminal
  bool trust = false;
  std::vector<std::string> sets;       // sweep's KEY=V1,V2,... axes
  std::vector<std::string> overrides;  // --set KEY=VALUE on the other scenario commands
  std::string out_file;
  std::vector<std::string> compare_files;
  app::CollectiveOptions col_options;
  std::string op_name = "all-reduce";
  std::vector<std::string> sizes = {"8MiB", "64MiB", "512MiB", "1GiB"};

  void file_option(CLI::App* cmd, const std::string& what) {
    cmd->add_option("file", file, what + "; omit for the built-in default");
    set_option(cmd);
  }
  void progress_option(CLI::App* cmd) {
    cmd->add_flag("--progress", progress,
                  "show progress on stderr even when it is not a terminal (a line every 5 s)");
  }
  void set_option(CLI::App* cmd) {
    cmd->add_option("--set", overrides,
                    "KEY=VALUE: set a dotted scenario key before reading it (repeat), such as "
                    "--set cluster.gpus=4096 --set parallelism.tp=4");
  }
};

// Two or more command lines, run from the repository's directory, under --help (each is run by
// SlowCli.HelpExamplesRun, except those through mpirun or into a file).
void examples(CLI::App* cmd, const std::vector<std::string>& lines, const std::string& lead = "") {
  std::string text = lead + "Examples:";
  for (const auto& line : lines) text += "\n  " + line;
  cmd->footer(text);
}

// The commands that predict a scenario's step and run.
void define_run_commands(CLI::App& cli, Args& a) {
  a.sim = cli.add_subcommand("simulate", "predict one training step and the time to train");
  a.file_option(a.sim, "scenario YAML (SCENARIO.md)");
  add_output<app::Simulation>(a.sim, a.sim_out);
  a.sim->add_option("--trace", a.trace_file, "write the step as Chrome trace JSON (Perfetto)");
  examples(a.sim, {"colossim simulate   (the built-in 100,000-GPU scenario)",
                   "colossim simulate examples/llama3-70b-on-1024-h100.yaml --json",
                   "colossim simulate examples/llama3-70b-on-1024-h100.yaml --set "
                   "parallelism.tp=8 --set training.global_batch=1024",
                   "colossim simulate examples/shared-cluster-memphis.yaml   (jobs: each "
                   "job alone and beside the others)"});

  a.rep = cli.add_subcommand("report", "one self-contained HTML page of charts for a scenario");
  a.file_option(a.rep, "scenario YAML");
  a.rep->add_option("-o,--out", a.out_file, "write the page here (default: standard output)");
  add_output<app::Report>(a.rep, a.rep_out, "html");
  examples(a.rep, {"colossim report examples/llama3-70b-on-1024-h100.yaml -o llama3-70b.html",
                   "colossim report -o default.html   (the built-in 100,000-GPU scenario)"});

  a.rel = cli.add_subcommand("reliability", "the whole run: failures, checkpoints, goodput");
  a.file_option(a.rel, "scenario YAML");
  a.rel
      ->add_option("--days", a.rel_options.span_days,
                   "simulate a fixed span of D days (wall clock) instead of the token budget")
      ->check(finite_range(0.001, 36500.0));
  a.rel->add_option("--trials", a.rel_options.trials, "Monte Carlo trials (default: 1000)")
      ->check(CLI::Range(1, 1000000));
  a.rel->add_option("--seed", a.rel_options.seed, "random seed (default: reliability.seed, 1)");
  add_output<app::RunReport>(a.rel, a.rel_out);
  examples(a.rel, {"colossim reliability examples/llama3-405b-16k-h100-reliability.yaml",
                   "colossim reliability --days 30 --trials 200 --seed 7",
                   "colossim reliability --set reliability.spare_nodes=40 --json"});

  a.pl = cli.add_subcommand("plan", "search the open parallelism keys; rank the best plans");
  a.file_option(a.pl, "scenario YAML (the default opens its plan keys)");
  a.pl->add_option("--top", a.plan_options.top, "how many plans to rank (default: 5)")
      ->check(CLI::Range(1, 1000));
  a.pl->add_option("--threads", a.threads, "threads evaluating plans (default: all cores)")
      ->check(CLI::Range(1, 1024));
  add_output<app::PlanRanking>(a.pl, a.plan_out);
  a.progress_option(a.pl);
  a.pl->add_flag("--against-published", a.against_published,
                 "for each validation case (FILE: a directory of cases), search every key and "
                 "compare the best plan with the published one");
  examples(a.pl, {"colossim plan examples/llama3-70b-on-1024-h100.yaml --top 5",
                  "colossim plan examples/deepseek-v3-on-2048-h800.yaml --json",
                  "mpirun -np 4 colossim plan   (the built-in default's open keys, over 4 ranks)"});

  a.sw =
      cli.add_subcommand("sweep", "simulate a grid of scenario values; write CSV (or HTML charts)");
  a.sw->add_option("file", a.file, "scenario YAML; omit for the built-in default");
  a.sw->add_option("--set", a.sets, "KEY=V1,V2,... a dotted scenario key and its values; repeat")
      ->required();
  a.sw->add_option("--out", a.out_file, "write the CSV (or page) here instead of standard output");
  add_output<app::Sweep>(a.sw, a.sweep_out, "csv");
  a.progress_option(a.sw);
  examples(a.sw, {"colossim sweep examples/llama3-70b-on-1024-h100.yaml --set "
                  "cluster.gpus=512,1024,2048",
                  "colossim sweep examples/llama3-70b-on-1024-h100.yaml --set "
                  "training.global_batch=1024,2048 --set parallelism.pp=2,4 --format html --out "
                  "sweep.html"});

  a.fac = cli.add_subcommand("facility", "power, energy, carbon and cost of a run");
  a.file_option(a.fac, "scenario YAML");
  add_output<app::FacilityResult>(a.fac, a.fac_out);
  examples(a.fac, {"colossim facility   (the built-in 100,000-GPU scenario)",
                   "colossim facility examples/memphis-100k-h100-llama3-405b.yaml --set "
                   "cluster.cooling=air --json"});

  a.bru = cli.add_subcommand("bringup", "the cluster's bring-up: first training, growth, ramp");
  a.file_option(a.bru, "scenario YAML with a bringup: block and training.tokens");
  add_output<app::BringupResult>(a.bru, a.bru_out);
  examples(a.bru, {"colossim bringup examples/memphis-bringup.yaml",
                   "colossim bringup examples/memphis-bringup.yaml --set "
                   "bringup.pod_fabric_days=25 --json"});

  a.des = cli.add_subcommand("design",
                             "the cluster to build: hardware, size, fabric and cooling under a "
                             "power, money and time budget");
  a.file_option(a.des, "scenario YAML with a design: block and training.tokens");
  a.des->add_option("--threads", a.threads, "threads evaluating plans (default: all cores)")
      ->check(CLI::Range(1, 1024));
  add_output<app::Design>(a.des, a.des_out);
  a.progress_option(a.des);
  examples(a.des,
           {"colossim design examples/design-llama3-70b.yaml",
            "colossim design   (the Memphis decision; about 15 s on 2 cores)",
            "colossim design --format csv --out designs.csv", "mpirun -np 4 colossim design"},
           "The built-in default's design: block is the Memphis decision (150 MW, H100 now or "
           "H200 and B200 later).\n");

  a.cmp = cli.add_subcommand("compare", "scenarios side by side: time, MFU, MW, cost, ratios");
  a.cmp->add_option("files", a.compare_files, "scenario YAML files")->required();
  a.set_option(a.cmp);
  add_output<app::Comparison>(a.cmp, a.cmp_out);
  examples(a.cmp,
           {"colossim compare examples/compare/h100-now.yaml examples/compare/b200-later.yaml",
            "colossim compare examples/compare/h100-now.yaml "
            "examples/compare/grok2-class-24k-h100.yaml --set reliability.spare_nodes=0 "
            "--json"});
}

// The commands about the data, the fabric and the validation.
void define_other_commands(CLI::App& cli, Args& a) {
  a.cat = cli.add_subcommand("catalog", "list the hardware catalog and the model presets");
  add_output<app::CatalogView>(a.cat, a.cat_out);
  examples(a.cat, {"colossim catalog", "colossim catalog --json"});

  a.val = cli.add_subcommand("validate", "predicted vs measured over the validation cases");
  a.val->add_option("dirs", a.validate.paths, "directories or files of cases (default: shipped)");
  a.progress_option(a.val);
  add_output<ValidationReport>(a.val, a.val_out);
  a.val->add_flag("--collectives", a.validate.collectives,
                  "measured nccl-tests bus bandwidths instead (DIRS: one table in the format of "
                  "validation/collectives.json, the default)");
  a.val->add_flag("--runs", a.validate.runs,
                  "the published production runs (validation/runs: whole-run GPU-hours and "
                  "throughput of LLaMA 1, Llama 2, BLOOM, OPT; never used to calibrate)");
  a.val->add_flag(
      "--trust", a.trust,
      "print data/trust.yaml as the shipped cases, runs, MoE and dense benchmarks measure the "
      "model now: the step-time bands every prediction carries");
  a.val->add_option("--network-model", a.validate.network_model,
                    "price communication with this network model instead of each case's:" +
                        names_with_descriptions(network_models()));
  examples(a.val, {"colossim validate   (the calibration set)", "colossim validate validation/moe",
                   "colossim validate --runs --json", "colossim validate --collectives"});

  a.clm = cli.add_subcommand("claims", "the public record's 100,000-H100 claims, recomputed");
  add_output<app::Claims>(a.clm, a.clm_out);
  examples(a.clm, {"colossim claims", "colossim claims --json"});

  a.clu = cli.add_subcommand("cluster", "the fabric as built: switches, optics, bisection");
  a.file_option(a.clu, "scenario YAML");
  add_output<app::ClusterView>(a.clu, a.clu_out);
  examples(a.clu, {"colossim cluster   (the built-in 100,000-GPU fabric)",
                   "colossim cluster examples/llama3-70b-on-1024-h100.yaml --set "
                   "cluster.network.topology=fat-tree --json"});

  a.col = cli.add_subcommand("collective", "one collective on the fabric, like nccl-tests");
  a.file_option(a.col, "scenario YAML (its cluster)");
  app::CollectiveOptions& o = a.col_options;
  CLI::Option* gpus =
      a.col->add_option("--gpus", o.gpus, "build the fabric for this many GPUs (default 64)")
          ->check(CLI::Range(2LL, 1'048'576LL));  // a million GPUs: ~8 s and 0.4 GB; 4M: 104 s
  CLI::Option* group_size =
      a.col
          ->add_option("--group-size", o.group_size,
                       "consecutive groups of this size, all at once (default: one group of all)")
          ->check(CLI::Range(2LL, 1'048'576LL));
  // The plan's groups come with their own size and the scenario's GPUs.
  a.col
      ->add_option("--group", o.group_dim,
                   "every group of this dimension of the scenario's plan at once (its size and "
                   "GPUs are the plan's: not with --gpus or --group-size)")
      ->check(CLI::IsMember(dimension_names()))
      ->excludes(gpus)
      ->excludes(group_size);
  std::vector<std::string> op_names;
  op_names.reserve(collective_kinds().size());
  for (Collective k : collective_kinds()) op_names.push_back(to_string(k));
  a.col->add_option("--op", a.op_name, "the collective (default: all-reduce)")
      ->check(CLI::IsMember(op_names));
  std::string algo_help = "auto (NCCL-like choice by size)";
  for (const auto& x : collective_algorithms())
    algo_help += ", " + x.name + " (" + x.description + ")";
  a.col->add_option("--algo", o.algorithm, algo_help);
  a.col->add_option("--routing", o.routing, "override cluster.network.routing")
      ->check(CLI::IsMember(routing_names()));
  std::vector<std::string> generators;
  generators.reserve(fabric_generators().size());
  for (const auto& g : fabric_generators()) generators.push_back(g.name);
  a.col->add_option("--topology", o.topology, "override cluster.network.topology")
      ->check(CLI::IsMember(generators));
  a.col
      ->add_option("--sizes", a.sizes,
                   "buffer sizes per GPU, comma-separated, in B, KiB, MiB, GiB (or KB, MB, GB) "
                   "(default: 8MiB,64MiB,512MiB,1GiB)")
      ->delimiter(',');
  add_output<app::CollectiveRun>(a.col, a.col_out);
  examples(a.col, {"colossim collective --gpus 16 --op all-reduce --sizes 1MiB,64MiB,1GiB",
                   "colossim collective examples/llama3-70b-on-1024-h100.yaml --group dp --op "
                   "reduce-scatter --sizes 256MiB"});

  a.def = cli.add_subcommand("default-scenario", "print the built-in default scenario (YAML)");
  examples(a.def, {"colossim default-scenario",
                   "colossim default-scenario > mine.yaml   (then edit "
                   "it and run colossim simulate mine.yaml)"});
}

// The MPI ranks as an Exchange, when launched by mpirun.
std::optional<Exchange> exchange_of(const MpiSession* mpi) {
#ifdef COLOSSIM_HAVE_MPI
  if (mpi != nullptr && mpi->active()) {
    return Exchange{mpi->rank(), mpi->size(),
                    [mpi](const std::string& mine) { return all_gather(*mpi, mine); }};
  }
#else
  (void)mpi;
#endif
  return std::nullopt;
}

// The sweep's CSV lines when MPI ranks share the points: each renders its own rows, rank 0 joins
// them in grid order (what one process renders). Every point bad input exits 2 on every rank.
std::optional<std::vector<std::string>> shared_sweep(const std::vector<app::SweepAxis>& axes,
                                                     const Args& a, const Exchange& ranks) {
  ProgressBar bar(ranks.rank == 0, "points", a.progress);
  const app::Sweep mine = app::sweep(a.file, axes, {ranks.rank, ranks.size}, bar.callback());
  const std::vector<std::string> lines = sweep_csv_lines(mine);
  nlohmann::json rows = nlohmann::json::object();
  for (size_t i = static_cast<size_t>(ranks.rank); i < mine.rows.size();
       i += static_cast<size_t>(ranks.size))
    rows[std::to_string(i)] = lines[i + 1];
  const nlohmann::json share = {{"simulated", mine.simulated},
                                {"input_errors", mine.input_errors},
                                {"first_input_error", mine.first_input_error},
                                {"rows", rows}};
  std::vector<std::string> all_rows(mine.rows.size());
  size_t simulated = 0, errors = 0;
  std::string first_error;
  for (const std::string& text : ranks.all_gather(share.dump())) {
    const nlohmann::json theirs = nlohmann::json::parse(text);
    simulated += theirs.at("simulated").get<size_t>();
    errors += theirs.at("input_errors").get<size_t>();
    if (first_error.empty()) first_error = theirs.at("first_input_error").get<std::string>();
    for (const auto& [index, line] : theirs.at("rows").items())
      all_rows[std::stoul(index)] = line.get<std::string>();
  }
  if (errors > 0 && errors == simulated) {
    if (ranks.rank == 0) std::cerr << first_error << "\n";
    return std::nullopt;
  }
  all_rows.insert(all_rows.begin(), lines.front());
  return all_rows;
}

int sweep(const Args& a, const MpiSession* mpi) {
  std::vector<app::SweepAxis> axes;
  axes.reserve(a.sets.size());
  for (const auto& s : a.sets) axes.push_back(app::parse_sweep_axis(s));
  std::string csv;
  const std::optional<Exchange> ranks = exchange_of(mpi);
  if (ranks && ranks->size > 1) {
    const auto joined = shared_sweep(axes, a, *ranks);
    if (!joined) return 2;
    if (ranks->rank != 0) return 0;
    if (a.sweep_out.chosen() == "html") {
      csv = sweep_html(*joined);
    } else {
      for (const auto& line : *joined) csv += line;
    }
  } else {
    ProgressBar bar(true, "points", a.progress);
    csv = render(app::sweep(a.file, axes, {0, 1}, bar.callback()), a.sweep_out.chosen());
  }
  if (a.out_file.empty()) {
    std::cout << csv;
    return 0;
  }
  std::ofstream out(a.out_file);
  if (!out) throw InputError(a.out_file, "", "cannot write the CSV file");
  out << csv;
  return 0;
}

// The plan searches' evaluator: this process's threads, or every MPI rank when launched by
// mpirun (then rank 0 prints and `helper` is true on the others).
struct Evaluators {
  ThreadEvaluator local;
#ifdef COLOSSIM_HAVE_MPI
  std::optional<MpiEvaluator> distributed;
#endif
  BatchEvaluator* chosen = &local;
  bool helper = false;
  Evaluators(int threads, const MpiSession* mpi) : local(threads) {
#ifdef COLOSSIM_HAVE_MPI
    if (mpi != nullptr && mpi->active()) {
      chosen = &distributed.emplace(*mpi, threads);
      helper = mpi->rank() != 0;
    }
#else
    (void)mpi;
#endif
  }
  Evaluators(const Evaluators&) = delete;
  Evaluators& operator=(const Evaluators&) = delete;
};

// `design`: under MPI the ranks share the designs (each searches its share on its threads, then
// all exchange results), so every rank ranks alike; rank 0 prints.
int design(Args& a, const MpiSession* mpi) {
  ThreadEvaluator threads(a.threads);
  app::DesignOptions options;
  options.evaluator = &threads;
  options.exchange = exchange_of(mpi);
  const bool helper = options.exchange && options.exchange->rank != 0;
  ProgressBar bar(!helper, "designs", a.progress);
  options.progress = bar.callback();
  const auto r = app::design(a.file, a.overrides, options);
  return helper ? (r ? 0 : 2) : print(r, a.des_out);
}

// `plan`, in this process or across MPI ranks (rank 0 prints; the others help the search).
int plan(Args& a, const MpiSession* mpi) {
  const Evaluators eval(a.threads, mpi);
  BatchEvaluator* evaluator = eval.chosen;
  const bool helper_rank = eval.helper;
  if (a.against_published) {
    if (!a.overrides.empty())
      throw InputError("--set", a.overrides.front(),
                       "no --set with --against-published (each case is its own file)");
    ProgressBar bar(!helper_rank, "cases", a.progress);
    const auto r = app::plan_against_published(a.file, evaluator, bar.callback());
    if (!helper_rank) std::cout << render(r, a.plan_out.chosen());
    return 0;
  }
  ProgressBar bar(!helper_rank, "plans", a.progress);
  a.plan_options.evaluator = evaluator;
  a.plan_options.progress = bar.callback();
  a.plan_options.rerank = !helper_rank;
  const auto r = app::plan(
      a.file.empty() ? app::default_plan_scenario(a.overrides) : app::load(a.file, a.overrides),
      a.plan_options);
  return helper_rank ? 0 : print(r, a.plan_out);
}

int simulate(const Args& a) {
  // The Chrome trace (--trace FILE, or --format trace) needs every task of the step kept.
  const bool timeline = !a.trace_file.empty() || a.sim_out.chosen() == "trace";
  const Scenario scenario = app::load(a.file, a.overrides);
  if (!scenario.jobs.empty()) {
    if (timeline)
      throw InputError(a.trace_file.empty() ? "--format" : "--trace", "",
                       "a scenario of one job (" + scenario.file + " holds jobs:)");
    return print(app::simulate_jobs(scenario), a.sim_out);
  }
  const auto r = app::simulate(scenario, timeline);
  if (r && !a.trace_file.empty()) {
    std::ofstream out(a.trace_file);
    if (!out) throw InputError(a.trace_file, "", "cannot write the trace file");
    out << render(*r, "trace");
  }
  return print(r, a.sim_out);
}

int report(const Args& a) {
  const auto r = app::report(app::load(a.file, a.overrides));
  if (!r) return print(r, a.rep_out);
  if (a.out_file.empty()) return print(r, a.rep_out);
  std::ofstream out(a.out_file);
  if (!out) throw InputError(a.out_file, "", "cannot write the report");
  out << render(*r, a.rep_out.chosen());
  return 0;
}

int dispatch(Args& a, const MpiSession* mpi) {
  // Under mpirun, the commands that share their work across ranks (plan, design, sweep) run on
  // every rank; the others run once, on rank 0, so that the output is one process's.
  const bool shares_ranks = *a.pl || *a.des || *a.sw || (*a.val && !a.trust);
  if (!shares_ranks && exchange_of(mpi) && exchange_of(mpi)->rank != 0) return 0;
  if (*a.cat) return print(app::Outcome(app::catalog_view()), a.cat_out);
  if (*a.def) {
    std::cout << default_scenario_yaml();
    return 0;
  }
  if (*a.val) {
    ProgressBar bar(true, "cases", a.progress);
    if (a.trust) {
      std::cout << app::trust_table(bar.callback());
      return 0;
    }
    a.validate.exchange = exchange_of(mpi);
    const bool helper = a.validate.exchange && a.validate.exchange->rank != 0;
    if (!helper) a.validate.progress = bar.callback();
    const auto report = app::validate(a.validate);
    return helper ? 0 : print(app::Outcome(report), a.val_out);
  }
  if (*a.fac) return print(app::facility(app::load(a.file, a.overrides)), a.fac_out);
  if (*a.bru) return print(app::bringup(app::load(a.file, a.overrides)), a.bru_out);
  if (*a.des) return design(a, mpi);
  if (*a.cmp) {
    std::vector<Scenario> scenarios;
    scenarios.reserve(a.compare_files.size());
    for (const auto& f : a.compare_files) scenarios.push_back(app::load(f, a.overrides));
    return print(app::compare(scenarios), a.cmp_out);
  }
  if (*a.col) {
    a.col_options.op = app::parse_collective(a.op_name);
    a.col_options.sizes = app::parse_sizes(a.sizes);
    return print(app::Outcome(app::collective(app::load(a.file, a.overrides), a.col_options)),
                 a.col_out);
  }
  if (*a.clu) return print(app::Outcome(app::cluster(app::load(a.file, a.overrides))), a.clu_out);
  if (*a.clm) return print(app::Outcome(app::claims()), a.clm_out);
  if (*a.rep) return report(a);
  if (*a.sw) return sweep(a, mpi);
  if (*a.pl) return plan(a, mpi);
  if (*a.rel)
    return print(app::reliability(app::load(a.file, a.overrides), a.rel_options), a.rel_out);
  return simulate(a);
}

}  // namespace

int run_commands(int argc, char** argv, const MpiSession* mpi) {
  CLI::App cli{
      "colossim: simulate and plan AI training clusters, from 8 GPUs to a million.\n"
      "With no command, simulates the built-in default scenario (100,000 H100 GPUs)."};
  cli.require_subcommand(0, 1);
  cli.set_version_flag("--version",
                       std::string(COLOSSIM_VERSION) + " (commit " + COLOSSIM_COMMIT + ")");
  cli.failure_message([](const CLI::App*, const CLI::Error& e) {
    return std::string("colossim: ") + e.what() + " (see --help)\n";
  });
  cli.footer("colossim help COMMAND is COMMAND --help.");
  Args args;
  define_run_commands(cli, args);
  define_other_commands(cli, args);
  // `colossim help [COMMAND]`, as git and cargo take it: the command's --help.
  std::vector<char*> argv_help(argv, argv + argc);
  static char help_flag[] = "--help";
  if (argc >= 2 && std::string(argv[1]) == "help") {
    argv_help.erase(argv_help.begin() + 1);
    if (argv_help.size() > 1) {  // help COMMAND: the command's own help
      const std::string name = argv_help[1];
      const auto commands = cli.get_subcommands([](CLI::App*) { return true; });
      if (std::none_of(commands.begin(), commands.end(),
                       [&](const CLI::App* c) { return c->get_name() == name; })) {
        std::cerr << "colossim: help: no command named \"" << name << "\" (see --help)\n";
        return 2;
      }
      argv_help.resize(2);
    }
    argv_help.push_back(help_flag);
    argc = static_cast<int>(argv_help.size());
    argv = argv_help.data();
  }
  try {
    cli.parse(argc, argv);
  } catch (const CLI::CallForVersion& e) {
    std::cout << "colossim " << e.what() << "\n";
    return 0;
  } catch (const CLI::ParseError& e) {
    // Help goes to every rank's standard output; an error to rank 0's standard error only.
    if (e.get_exit_code() != 0 && mpi != nullptr && mpi->rank() != 0) return 2;
    const int rc = cli.exit(e);
    return rc == 0 ? 0 : 2;
  }
  return dispatch(args, mpi);
}

}  // namespace colossim
