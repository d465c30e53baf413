// The facade: one function per job colossim does, typed inputs in, a result struct out with
// everything any face needs. The command line (cli/), the renderers (report/), the tests and the
// Python module are clients of these functions; none of them computes.
//
// Contract: bad input throws InputError (file or option, key, what was expected); an expected
// "no" (a plan that cannot run or fit) is a Refusal inside the Outcome; nothing here prints,
// exits or keeps state between calls. Every function is deterministic for the same inputs.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/outcome.hpp"
#include "design/design.hpp"
#include "facility/claims.hpp"
#include "facility/facility.hpp"
#include "net/collectives.hpp"
#include "run/bringup.hpp"
#include "run/plan_search.hpp"
#include "run/prediction.hpp"
#include "run/reliability.hpp"
#include "run/shared_fabric.hpp"
#include "scenario/scenario.hpp"
#include "topology/fabric.hpp"
#include "topology/fabric_size.hpp"
#include "validation/collectives.hpp"
#include "validation/trust.hpp"
#include "validation/validate.hpp"

namespace colossim::app {

// Called with (done, total) as a long job advances.
using Progress = std::function<void(long long done, long long total)>;

// --- inputs ---------------------------------------------------------------------------------

[[nodiscard]] const Catalog& catalog();
// The scenario in `file`, or the built-in default when `file` is empty, checked by every layer
// that owns names in it (`checked`).
[[nodiscard]] Scenario load(const std::string& file);
// The same with `sets` applied first, each "KEY=VALUE" for a dotted scenario key (--set): a
// key the scenario does not know exits 2 like one in the file.
[[nodiscard]] Scenario load(const std::string& file, const std::vector<std::string>& sets);
// The checks of the layers above scenario/ on a scenario read (the run model's distribution
// names); throws InputError naming the file and key.
[[nodiscard]] Scenario checked(Scenario scenario);

// --- simulate -------------------------------------------------------------------------------

struct Simulation {
  Scenario scenario;
  Prediction prediction;
  std::optional<ReliabilityReport> run;  // the run with failures, when there is a token budget
};
// `timeline`: keep every task of the step (for the Chrome trace).
[[nodiscard]] Outcome<Simulation> simulate(const Scenario& scenario, bool timeline = false);

// Several jobs on one cluster (a scenario's `jobs:`): each job simulated alone on its GPUs, then
// again beside the other jobs' traffic on the shared fabric (run/shared_fabric.hpp), its plan
// kept. A job that cannot run refuses the whole file, naming the job.
struct JobOnCluster {
  Simulation alone;                   // the rest of the cluster idle
  Prediction shared;                  // beside the other jobs' traffic
  std::vector<CrossTraffic> traffic;  // what it puts on the fabric, as the others meet it
};
struct SharedCluster {
  Scenario scenario;
  std::vector<JobOnCluster> jobs;  // in the file's order
};
[[nodiscard]] Outcome<SharedCluster> simulate_jobs(const Scenario& scenario);

// What the HTML report draws beyond a simulation: the step's every task, the GPUs' power over
// the step, and the run's goodput at checkpoint intervals around the chosen one.
struct Report {
  Simulation simulation;
  PowerReport power;
  struct GoodputPoint {
    double interval_s = 0;
    double goodput = 0;
  };
  std::vector<GoodputPoint> goodput_curve;  // empty without a token budget
};
[[nodiscard]] Outcome<Report> report(const Scenario& scenario);

// --- plan -----------------------------------------------------------------------------------

struct PlanOptions {
  int top = 5;
  BatchEvaluator* evaluator = nullptr;  // null: one thread
  Progress progress;
  // Re-simulate the search's best on the scenario's own network model and rank them by that
  // (off for MPI ranks that only help the search).
  bool rerank = true;
};
struct PlanRanking {
  Scenario scenario;
  PlanSearch search;                    // ranked best first, on the scenario's network model
  std::vector<Prediction> predictions;  // one per ranked plan, same order
};
// The built-in default with its plan keys opened, so the planner has something to do.
[[nodiscard]] Scenario default_plan_scenario();
// The built-in default with `sets` applied, its plan keys open but those the sets name.
[[nodiscard]] Scenario default_plan_scenario(const std::vector<std::string>& sets);
[[nodiscard]] Outcome<PlanRanking> plan(const Scenario& scenario, const PlanOptions& options);

struct PublishedRow {
  std::string case_name;
  double published_step_s = 0;
  double best_step_s = 0;
  double speedup = 0;  // published / best
  Plan best;
  std::string note;
};
struct AgainstPublished {
  std::vector<PublishedRow> rows;
  int faster = 0, same = 0, published_wins = 0;
  double median_speedup = 1, max_speedup = 1;
};
// For each validation case with a published plan (`dir`: empty for the shipped cases), the
// search with every key open against the published plan.
[[nodiscard]] AgainstPublished plan_against_published(const std::string& dir,
                                                      BatchEvaluator* evaluator,
                                                      const Progress& progress = {});

// --- sweep ----------------------------------------------------------------------------------

struct SweepAxis {
  std::string key;  // dotted scenario key
  std::vector<std::string> values;
};
// "KEY=V1,V2,..." (the --set syntax); throws InputError naming `option`.
[[nodiscard]] SweepAxis parse_sweep_axis(const std::string& text,
                                         const std::string& option = "--set");
struct SweepRow {
  std::vector<std::string> values;  // one per axis
  std::optional<Prediction> prediction;
  std::optional<ReliabilityReport> run;  // with a token budget: the run with failures
  std::optional<FacilityReport> facility;
  std::string refusal;  // why there is no prediction (a refusal or an input error of the variant)
};
struct Sweep {
  std::vector<std::string> keys;
  std::vector<SweepRow> rows;  // the grid, last axis fastest
  size_t simulated = 0;        // points this process ran (all but under a share)
  size_t input_errors = 0;     // of which the scenario refused as input
  std::string first_input_error;
};
// Every combination of the axes' values applied to the scenario `file` (empty: the default).
// `share` {rank, ranks}: only the points i with i mod ranks == rank are simulated, the others
// keep their values and an empty refusal (MPI ranks splitting a sweep). With one rank, every
// point bad input throws the first error; under a share the caller decides from the counts.
[[nodiscard]] Sweep sweep(const std::string& file, const std::vector<SweepAxis>& axes,
                          std::pair<int, int> share = {0, 1}, const Progress& progress = {});

// --- the run, the facility, comparisons -----------------------------------------------------

struct ReliabilityOptions {
  std::optional<double> span_days;  // a fixed span instead of the token budget
  std::optional<int> trials;
  std::optional<unsigned long long> seed;
};
struct RunReport {
  Scenario scenario;
  ReliabilityReport report;
};
[[nodiscard]] Outcome<RunReport> reliability(Scenario scenario, const ReliabilityOptions& options);

struct FacilityResult {
  Scenario scenario;
  Prediction prediction;
  std::optional<ReliabilityReport> run;
  FacilityReport facility;
};
[[nodiscard]] Outcome<FacilityResult> facility(const Scenario& scenario);

// The bring-up timeline of a scenario with a `bringup:` block and a token budget.
struct BringupResult {
  Scenario scenario;
  Prediction prediction;  // the full job
  BringupReport report;
};
[[nodiscard]] Outcome<BringupResult> bringup(const Scenario& scenario);

// The cluster to build (`colossim design`): the scenario's `design:` block searched.
struct DesignOptions {
  BatchEvaluator* evaluator = nullptr;  // each plan search's threads (null: one)
  std::optional<Exchange> exchange;     // MPI ranks sharing the designs
  Progress progress;
};
struct Design {
  Scenario scenario;
  DesignSearch search;
};
// `file` and `sets` as for load(): each design is the scenario's text with its choices set.
// Refused when no design meets the constraints (the one that none meets, named).
[[nodiscard]] Outcome<Design> design(const std::string& file, const std::vector<std::string>& sets,
                                     const DesignOptions& options);

struct Comparison {
  std::vector<FacilityResult> entries;  // ratios are to the first
};
[[nodiscard]] Outcome<Comparison> compare(const std::vector<Scenario>& scenarios);

struct Claims {
  std::vector<Claim> claims;
};
[[nodiscard]] Claims claims();

// --- the fabric -----------------------------------------------------------------------------

struct ClusterView {
  Scenario scenario;
  int tiers = 0;
  int planes = 1;
  bool rail_optimized = false;
  long long hosts_per_leaf = 0;
  std::vector<FabricTierCount> switch_tiers;
  FabricSize size;
};
[[nodiscard]] ClusterView cluster(const Scenario& scenario);

struct CollectiveOptions {
  std::optional<long long> gpus;        // build the fabric for this many GPUs (default 64)
  std::optional<long long> group_size;  // consecutive groups of this size (default: all)
  std::string group_dim;                // instead: every group of this plan dimension
  Collective op = Collective::all_reduce;
  std::string algorithm = "auto";
  std::string routing;   // overrides cluster.network.routing
  std::string topology;  // overrides cluster.network.topology
  std::vector<Bytes> sizes;
};
// Parses "--op" and "--sizes" values, throwing InputError naming the option.
[[nodiscard]] Collective parse_collective(const std::string& name);
[[nodiscard]] std::vector<Bytes> parse_sizes(const std::vector<std::string>& texts);
struct CollectiveRow {
  Bytes size;
  CollectiveResult result;
  double algbw_gbps = 0;  // GB/s, nccl-tests' algorithm bandwidth
  double busbw_gbps = 0;  // GB/s, nccl-tests' bus bandwidth
  std::array<TierUse, kLinkTiers> tiers{};
};
struct CollectiveRun {
  Cluster cluster;  // as built (overrides applied)
  int fabric_tiers = 0;
  Collective op = Collective::all_reduce;
  RankGroups groups;
  std::string placement;  // how the groups were formed
  std::vector<CollectiveRow> rows;
};
[[nodiscard]] CollectiveRun collective(Scenario scenario, const CollectiveOptions& options);

// --- validation and the catalog -------------------------------------------------------------

struct ValidateOptions {
  std::vector<std::string> paths;  // directories or files of cases; empty: the shipped ones
  bool runs = false;               // the production runs (validation/runs) instead
  // A measured collectives table instead (validation/collectives.json when `paths` is empty).
  bool collectives = false;
  std::string network_model;  // overrides each case's; empty: the case's own
  Progress progress;
  std::optional<Exchange> exchange;  // MPI ranks sharing the cases (each judges i mod ranks)
};
[[nodiscard]] ValidationReport validate(const ValidateOptions& options);
// data/trust.yaml as the shipped cases, runs and MoE benchmarks measure it now (validate --trust).
[[nodiscard]] std::string trust_table(const Progress& progress = {});
// Where the shipped validation data lives: $COLOSSIM_VALIDATION_DIR when set, else the installed
// copy (<prefix>/share/colossim/validation beside <prefix>/bin), else the source tree built from.
[[nodiscard]] std::string validation_root();
// The shipped validation cases (or production runs) in it; the shipped collectives table.
[[nodiscard]] std::string shipped_cases_dir(bool runs);
[[nodiscard]] std::string shipped_collectives_table();

struct CatalogView {
  const Catalog* catalog = nullptr;  // the built-in catalog (model presets: workload's list)
};
[[nodiscard]] CatalogView catalog_view();

}  // namespace colossim::app
