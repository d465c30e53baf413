// The cluster over its bring-up: racks arrive, are installed and burnt in, and the job trains on
// the GPUs accepted so far, growing in steps (each a restart) until the whole job runs. Answers
// the day of first training, GPUs, tokens and power per day, the day the full job runs and the
// time to train with the ramp, beside waiting for the whole cluster.
//
// Assumptions, stated in the report: the job's per-GPU throughput and goodput at every size are
// those of the full job (a smaller data-parallel job communicates less: the ramp is, if anything,
// faster); racks that fail burn-in are spread evenly over the deliveries; a powered rack (in
// burn-in or accepted) draws the full job's average facility power per GPU; racks fill the
// fabric's pods in order, each pod's switches ready `pod_fabric_days` after its first rack and
// the core between pods `core_fabric_days` after the first rack of all.
#pragma once

#include <vector>

#include "scenario/scenario.hpp"

namespace colossim {

struct BringupDay {
  int day = 0;  // end of day `day` after the first rack arrives
  double racks_delivered = 0;
  long long gpus_powered = 0;  // installed: in burn-in, re-work or accepted
  long long gpus_accepted = 0;
  long long gpus_training = 0;
  double tokens = 0;  // trained so far
  double power_mw = 0;
};

struct BringupGrowth {
  double day = 0;
  long long gpus = 0;  // the job's size from that day
};

struct BringupReport {
  long long racks = 0;
  double all_delivered_day = 0;
  double all_accepted_day = 0;
  double first_training_day = 0;
  double full_job_day = 0;
  double finish_day = 0;          // the token budget trained, ramp included
  double finish_day_waiting = 0;  // training only once the whole job is accepted
  bool finishes = true;           // within the horizon (kBringupHorizonDays)
  double restart_hours = 0;       // per growth
  long long pod_gpus = 0;         // under one pod's leaf and spine switches
  double goodput = 1;
  double tokens_per_gpu_s = 0;
  std::vector<BringupGrowth> growth;
  std::vector<BringupDay> days;
};

constexpr double kBringupHorizonDays = 36500;

// `tokens_per_gpu_s`: the full job's training throughput per GPU; `goodput` and `restart_s`
// from the run model; `facility_watts`: the full job's average facility power.
[[nodiscard]] BringupReport bringup_timeline(const Scenario& scenario, double tokens_per_gpu_s,
                                             double goodput, double restart_s,
                                             double facility_watts);

}  // namespace colossim
