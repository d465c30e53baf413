// A scenario's prediction: does the plan run, does it fit, and if so the step, its throughput
// and the time to train. Invalid plans and plans that do not fit are expected outcomes, given
// back as a refusal with its reason rather than thrown.
#pragma once

#include <optional>
#include <string>

#include "plan/memory.hpp"
#include "run/plan_search.hpp"
#include "scenario/scenario.hpp"
#include "sim/calibration.hpp"
#include "sim/step.hpp"

namespace colossim {

struct Prediction {
  Plan plan;                 // the plan simulated: the scenario's, with open keys chosen
  bool plan_chosen = false;  // some keys were chosen by colossim
  long long plans_simulated = 0;
  long long plans_fitting = 0;
  StepResult step;
  MemoryBreakdown memory;
  double tokens_per_s = 0;
  double model_tflops_per_gpu = 0;
  double hardware_tflops_per_gpu = 0;
  // Against the dense peak of the precision trained in (FP8 runs against the FP8 peak, as
  // NVIDIA's published recipes report it).
  double mfu = 0;
  double hfu = 0;
  double peak_tflops = 0;
  std::optional<double> time_to_train_days;  // at this step time, no failures
  std::string network_model;
  std::vector<CollectiveRecord> fabric;  // what a contention model saw (empty for "bandwidth")
  // On a cluster of several GPU kinds (Cluster::pools), each kind's share of the job: the step
  // above is the slowest kind's, the rates are the whole job's.
  struct PoolShare {
    std::string gpu;
    long long gpus = 0;
    long long replicas = 0;       // data-parallel replicas on this kind
    long long micro_batches = 0;  // per replica per step
    double step_s = 0;            // this kind's step on its share
  };
  std::vector<PoolShare> pools;
  std::string balance;          // "none" or "micro_batches" (Plan::balance as run)
  bool balance_chosen = false;  // colossim chose it (parallelism.balance left out)
};

struct Verdict {
  std::optional<Prediction> prediction;
  std::string refusal;  // why there is no prediction
};

// `timeline`: keep every simulated task of the step (for --trace).
[[nodiscard]] Verdict predict(const Scenario& scenario, const Calibration& calibration,
                              bool timeline = false);

// The plan search ranks with the closed-form network model; this re-simulates its ranked plans
// with the scenario's own (the fabric, by default) and re-ranks them by that, fastest first
// (ties keep the search's order). Returns each plan's full prediction, in the new order.
[[nodiscard]] std::vector<Prediction> rerank(const Scenario& scenario,
                                             const Calibration& calibration,
                                             std::vector<RankedPlan>& ranked);

}  // namespace colossim
