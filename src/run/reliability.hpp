// The whole training run: failures, checkpoints, restarts and goodput, by Monte Carlo.
//
// Failures. Each source of data/reliability.yaml has a rate per unit-hour calibrated from the
// Llama 3 root-cause table and a unit (GPU, node, scale-out link, or the job); the scenario's
// cluster multiplies it by how many of those units the job holds. The sources together form
// one interruption process on the wall clock: intervals drawn from a registered distribution
// (exponential by default, Weibull beside it) with the combined mean, and each interruption's
// cause drawn in proportion to its source's rate. A failure takes its blast radius of nodes out
// of service for the repair time; the job restarts at once on spare nodes if there are enough,
// otherwise it waits for repairs.
//
// Checkpoints and restarts. The checkpoint holds BF16 weights and FP32 master weights and Adam
// moments, 14 bytes per parameter. A synchronous checkpoint pauses training for the write
// (size / storage bandwidth); an asynchronous one for the copy of each GPU's shard to host
// memory, and becomes durable when the background write completes. A restart costs detection
// + relaunch + communicator set-up (growing with the job's nodes) + loading the checkpoint, and
// loses the work done since the last durable checkpoint. Planned maintenance checkpoints first
// and loses nothing.
//
// The interval. Young's sqrt(2 delta M) and Daly's higher-order optimum (Daly, "A higher order
// estimate of the optimum checkpoint interval for restart dumps", FGCS 2006) are computed from
// the checkpoint pause delta and the mean time between interruptions M; the simulated optimum is
// searched on a geometric grid around them with common random numbers.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "run/prediction.hpp"

namespace colossim {

struct FailureSource {
  std::string name;
  std::string category;
  std::string unit;          // gpu | node | link | job
  double units = 0;          // how many the job holds
  double rate_per_hour = 0;  // for the whole job
  long long blast_nodes = 0;
  bool planned = false;
};

// Slow hosts (reliability.slow_hosts, data/reliability.yaml): nodes that keep running, slower.
// The job runs at a slow node's pace while it holds one. Transient spells start at a rate per
// node and last an exponential time (mean `duration`); lemons, a share of nodes, stay slow until
// removed. Slow nodes are independent, so the job holds none a share exp(-m) (1 - lemon)^nodes
// of the time, m the transient spells in progress (Poisson, mean nodes x rate x duration), and
// its training time grows by (slowdown - 1) x the share it holds one. Policy `drop`: a slow node
// found `detection` after it turns slow leaves the job at a planned restart (checkpoint first)
// for a spare and goes to repair -- every lemon, and a transient spell only when its expected
// remaining loss, (slowdown - 1) x duration, beats the restart (GREYHOUND's rule).
struct SlowHosts {
  double per_node_hour = 0;  // transient spells starting
  Seconds duration;          // mean length of one
  double lemon_fraction = 0;
  double slowdown = 1;
  std::string policy = "tolerate";
  Seconds detection;
  bool drops_spells = false;  // under `drop`: dropping a transient spell pays
  double slow_share = 0;      // of the training time, the job holds a slow node
  double work_factor = 1;     // training time at the slow pace over the healthy pace
  double drops_per_day = 0;   // planned restarts to drop slow nodes
};

// Everything one trial needs, derived from a scenario and its step prediction.
struct RunSetup {
  std::vector<FailureSource> sources;
  double rate_per_hour = 0;  // all sources together
  Seconds work;              // failure-free training time for the token budget
  Seconds step;
  double job_gpus = 0;
  long long job_nodes = 0;
  long long spare_nodes = 0;
  // The scenario named no spare pool: spare_nodes is the default, the 99th percentile of the
  // nodes in repair at once (default_spare_nodes).
  bool spares_defaulted = false;
  std::string profile;  // the fleet whose failure rates apply (reliability.profile)
  Bytes checkpoint_bytes;
  Seconds checkpoint_overhead;  // blocking coordination part of every checkpoint
  Seconds snapshot;             // staging each GPU's shard in host memory (asynchronous)
  Seconds min_interval{60};     // the interval search's floor
  Seconds checkpoint_write;     // until the checkpoint is durable
  Seconds restart;              // detection + relaunch + communicator set-up + load
  Seconds repair;
  bool async_checkpoint = true;
  std::string distribution = "exponential";
  double weibull_shape = 0.78;
  SlowHosts slow;  // `work` above is at the slow pace
  // Training stops this long per checkpoint.
  [[nodiscard]] Seconds pause() const {
    return checkpoint_overhead + (async_checkpoint ? snapshot : checkpoint_write);
  }
};

// Interval distributions of the interruption process, registered by name.
struct IntervalDistributionInfo {
  std::string name;
  std::string description;
};
[[nodiscard]] std::vector<IntervalDistributionInfo> interval_distributions();

// Published fleets' rates of unexpected interruptions (data/reliability.yaml profiles), per
// 1,000 GPU-days; a profile scales the calibration run's sources to its rate.
struct FleetProfile {
  std::string name;
  std::string label;
  std::string source;
  double rate_per_1000_gpu_days = 0;
};
[[nodiscard]] const std::vector<FleetProfile>& fleet_profiles();

// Nodes out for repair at once form an M/G/infinity queue: their number is Poisson with mean
// (hardware failures per hour x nodes each takes out x repair hours) whatever the repair-time
// distribution (Palm's theorem). The default spare pool is its 99th percentile, held beside the
// job, so that a failure waits for a repair only 1% of the time.
[[nodiscard]] long long default_spare_nodes(const RunSetup& setup);

// The run model reads its own names in the scenario's reliability block: throws InputError
// naming reliability.distribution or reliability.profile when it is not one of its own.
void check_reliability(const Scenario& scenario);

// Throws InputError for a scenario the run model cannot take (no token budget and no span).
[[nodiscard]] RunSetup make_run_setup(const Scenario& scenario, const Prediction& prediction);

struct IntervalChoice {
  Seconds young;
  Seconds daly;
  Seconds simulated;  // the best of the grid searched
  Seconds chosen;     // the scenario's, or the simulated optimum
};

// The checkpoint interval for a pause per checkpoint and a mean time between interruptions:
// Young (1974) and Daly (2006).
[[nodiscard]] Seconds young_interval(Seconds pause, Seconds mtbi);
[[nodiscard]] Seconds daly_interval(Seconds pause, Seconds mtbi);

struct RunEvent {
  double day = 0;
  std::string cause;
  Seconds lost_work;
  Seconds downtime;  // restart, including any wait for repairs
};

struct RunResult {
  int trials = 0;
  Seconds interval;
  // Over trials. In token-budget mode: days to train; in span mode: the span.
  double days_median = 0, days_p10 = 0, days_p90 = 0, days_mean = 0;
  double interruptions_mean = 0;
  std::map<std::string, double> interruptions_by_cause;  // mean per trial
  double goodput = 0;            // failure-free training time / wall time (mean over trials)
  double gpu_hours_lost = 0;     // (wall - failure-free) x job GPUs, mean
  double days_lost = 0;          // wall - failure-free, mean
  double progress_fraction = 0;  // span mode: share of the token budget trained (mean)
  double goodput_stddev = 0;
  // Token-budget mode: trials still unfinished at kMaxWallFactor x the failure-free time (their
  // days count as that bound). When the first ten all are, the rest are not run.
  double unfinished_fraction = 0;
  // Trials longer than the Monte Carlo's step budget: simulated for their share of it, then
  // extended at the rate they ran (progress per wall second, which the renewal-reward theorem
  // makes converge); their p10-p90 spread is that of the simulated part, wider than the whole's.
  double extrapolated_fraction = 0;
  // Whether the run finishes: most trials reach the token budget (kMaxWallFactor below).
  [[nodiscard]] bool finishes() const { return unfinished_fraction <= 0.5; }
  std::vector<RunEvent> timeline;  // trial 0's interruptions
};

// A run slower than this many times its failure-free time (goodput under 10%) is reported as not
// finishing rather than simulated out: at that point interruptions outpace restarts and the
// answer is "change the setup", not a date.
inline constexpr double kMaxWallFactor = 10.0;

// `span_days`: simulate a fixed span instead of the token budget.
// Costs at most `step_budget` event-loop steps across its trials, whatever the run's length
// (RunResult::extrapolated_fraction).
[[nodiscard]] RunResult simulate_run(const RunSetup& setup, Seconds interval, int trials,
                                     unsigned long long seed,
                                     std::optional<double> span_days = std::nullopt,
                                     long long step_budget = 4'000'000);

[[nodiscard]] IntervalChoice choose_interval(const RunSetup& setup, const Scenario& scenario);

}  // namespace colossim

namespace colossim {

struct WhatIf {
  std::string name;
  double goodput = 0;
  double days_median = 0;
};

// The median run at the lowest and the highest published fleet rates (fleet_profiles).
struct FleetRange {
  double low_days = 0, high_days = 0;
  std::string low_profile, high_profile;
  bool finished = true;  // both runs finish
};

struct ReliabilityReport {
  RunSetup setup;
  IntervalChoice interval;
  RunResult result;
  std::optional<double> span_days;
  std::vector<WhatIf> what_ifs;      // empty unless asked for
  std::optional<FleetRange> fleets;  // run_summary only
};

// The run of a scenario whose step was predicted: interval choice, Monte Carlo, and (when
// `what_ifs`) the same run with the interval halved and doubled, no spares and twice the spares,
// restarts twice as fast and twice as slow, and the other checkpoint mode.
// Throws InputError when there is neither training.tokens nor a span.
[[nodiscard]] ReliabilityReport reliability_report(const Scenario& scenario,
                                                   const Prediction& prediction,
                                                   std::optional<double> span_days, bool what_ifs);

// The run in brief, for `simulate`, `facility` and `compare`: at most 200 trials, no what-ifs;
// nullopt without a token budget.
[[nodiscard]] std::optional<ReliabilityReport> run_summary(const Scenario& scenario,
                                                           const Prediction& prediction);

}  // namespace colossim
