// Designing the cluster (`colossim design`): every combination of the `design:` block's open
// choices (GPU kind with its delivery date, job size, spares, cooling, fabric generator,
// oversubscription, NIC speed, checkpoint storage, GPU power limit) is a candidate cluster.
// Each gets the plan search, the run with failures, the facility model and, with a `bringup:`
// block, the ramp from the first rack; designs that break a constraint (site power at the meter,
// capital, total cost, floor space, deadline, memory) are set aside with the constraint named,
// and the rest are ranked by the goal (earliest finish, lowest cost per token, most tokens per
// MW).
//
// Keeping it fast. Peak power, capital and racks need no simulation (peak power is every GPU at
// TDP, or at its power limit), and a compute-only bound on the training days (the model's FLOPs at
// the GPUs' peak) discards a design that cannot meet the deadline, all before its plan search. The
// plan search and the step depend only on the per-node configuration, the job and the fabric, so
// designs that differ in cooling or storage share one search, and the run with failures is shared
// by those that differ only in cooling.
//
// Across MPI ranks (core/exchange.hpp) the designs' plan searches are shared out by step key, each
// rank runs its share (with the designs that reuse them) and every rank receives every result:
// the output is byte for byte that of one process.
//
// The plan of each design is searched on the closed-form network model and its best plan
// simulated on the scenario's own (the fabric by default); `colossim plan` on the chosen design
// re-ranks a few more plans on the fabric and may find one a little faster.
//
// What the answer says beyond the ranking: the frontier of finish against total cost (no design
// finishes sooner for less), why the runner-up loses, and whether the choice survives the
// uncertain inputs, each pushed against the winner: the step's 80% band (the winner's validated
// group at its slow end, other groups at their fast end), the failure rates of the other
// published fleets (every design alike, lowest and highest), GPU prices (the winner's kind 25%
// dearer, the others 25% cheaper) and a 60-day delivery slip of the winner's kind.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/exchange.hpp"
#include "run/plan_search.hpp"
#include "scenario/scenario.hpp"
#include "sim/calibration.hpp"

namespace colossim {

// The constraint a design breaks.
enum class DesignLimit { none, power, capital, total_cost, racks, deadline, plan, input };
[[nodiscard]] const char* limit_name(DesignLimit limit);

// One candidate cluster: a value of each open choice.
struct DesignChoice {
  DesignGpuOption gpu;
  std::string node;  // the GPU option's node, or the GPU's usual one
  long long job_gpus = 0;
  long long spare_gpus = 0;
  std::string cooling;
  std::string topology;
  double oversubscription = 1;
  double nic_gbps = 0;
  std::string storage_bandwidth;  // "" keeps the scenario's
  double power_limit = 1;         // of the GPU's TDP (cluster.gpu_power_limit_w)
  size_t order = 0;               // enumeration order: the tie-breaker
  // The choice as scenario edits (--set KEY=VALUE), which give the design's scenario.
  std::vector<std::string> sets;
};

struct DesignResult {
  DesignChoice choice;
  DesignLimit limit = DesignLimit::none;  // the constraint broken (none: the design is feasible)
  bool bounded = false;                   // set aside before its plan search
  std::string why;                        // the broken constraint, or the refusal

  // Known before the plan search.
  long long racks = 0;
  double peak_mw = 0;  // facility power at the meter, every GPU at TDP (or its limit)
  double servers_usd = 0;
  double capital_usd = 0;
  double ready_day = 0;         // days from design.start until the GPUs can arrive
  double bound_train_days = 0;  // the compute-only lower bound on the failure-free training

  // After the plan search and the run.
  Plan plan;
  double step_s = 0;
  double tokens_per_s = 0;
  double mfu = 0;
  double memory_gib = 0;
  double train_days_no_failures = 0;
  double train_days = 0;  // median with failures
  double goodput = 0;
  double first_training_day = 0;  // from design.start
  double finish_day = 0;          // from design.start: the token budget trained
  std::string first_training_date, finish_date;
  double avg_mw = 0;
  double run_cost_usd = 0;  // depreciation share, maintenance and electricity of the run
  double depreciation_usd = 0, maintenance_usd = 0;  // the run's shares
  double hardware_usd = 0;                           // servers and network
  double total_cost_usd = 0;  // capital + the run's electricity and maintenance
  double usd_per_million_tokens = 0;
  double tokens_per_s_per_mw = 0;  // training throughput per average facility MW
  // How far to trust it: the step's 80% band (predicted / true), the run at the lowest and
  // highest published fleet failure rates.
  double band_low = 1, band_high = 1;
  std::string trust_group;  // the validated group the band comes from
  double fleet_low_days = 0, fleet_high_days = 0;
  // The feasible design's tightest constraint and its use of it (0-1).
  std::string binding;
  double binding_use = 0;
};

// Whether the best design stays best over one uncertain input's range.
struct DesignSensitivity {
  std::string input;  // "step time (80% band)", ...
  std::string range;  // what was varied, in words
  bool robust = true;
  std::string rival;  // the design that could win instead, when not robust
  std::string note;   // the winner's metric at its worst and the rival's at its best
};

struct DesignSearch {
  DesignSettings settings;
  std::vector<DesignResult> ranked;    // feasible designs, best first
  std::vector<DesignResult> rejected;  // in enumeration order, each with its limit
  long long designs = 0;
  long long bounded = 0;          // set aside before a plan search
  long long plan_searches = 0;    // plan searches run
  long long searches_shared = 0;  // designs that reused another's plan search
  std::vector<size_t> frontier;   // indices into `ranked`: finish against total cost
  std::string why_runner_up;
  std::vector<DesignSensitivity> sensitivity;
  std::string why_none;  // when no design is feasible: the constraint none meets
};

// Reads the scenario of one design from the edits of its choice (the base scenario's text with
// `sets` applied); throws InputError for a choice the scenario rejects.
using DesignVariant = std::function<Scenario(const std::vector<std::string>& sets)>;

struct DesignOptions {
  BatchEvaluator* evaluator = nullptr;  // the plan searches' threads (null: one)
  std::optional<Exchange> exchange;     // MPI ranks sharing the designs
  std::function<void(long long done, long long total)> progress;
};

// The `design:` block of `base` searched. `base` must have one and a token budget (InputError).
[[nodiscard]] DesignSearch design_cluster(const Scenario& base, const DesignVariant& variant,
                                          const Calibration& calibration,
                                          const DesignOptions& options = {});

// The goal's value of a feasible design (lower is better; ties go to the lower total cost).
[[nodiscard]] double design_objective(const DesignResult& d, const std::string& goal);
// A design in a few words: "98304+1672 h100-sxm-80gb, liquid, rail-optimized 1:1, 400G".
[[nodiscard]] std::string design_label(const DesignChoice& c);
// Whole days from date `from` to date `to` (YYYY-MM-DD), negative when `to` is earlier.
[[nodiscard]] double days_between(const std::string& from, const std::string& to);

}  // namespace colossim
