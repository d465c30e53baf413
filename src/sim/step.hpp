// One training step as an event-driven simulation.
//
// Every pipeline stage runs its passes in the order its schedule dictates (plan/pipeline),
// one task per layer per micro-batch, on a compute stream; activations and gradients cross
// between stages as send/recv tasks on the links between them; data-parallel gradient
// reduction, parameter all-gathers (ZeRO/FSDP) run on a communication stream beside compute,
// in buckets, as soon as their layers are done; the optimizer runs when a stage's gradients
// are reduced. A task starts when its resource is free and its inputs are ready, so the
// pipeline bubble and exposed communication emerge from the schedule rather than a formula.
//
// Data-parallel replicas see identical work and (under the bandwidth network model) identical
// conditions, so one pipeline is simulated and stands for all of them.
//
// The breakdown follows the busiest stage: its busy time by kind of work plus its idle time by
// what it was waiting for (and, after its last task, for the other stages), which sums to the
// step time exactly.
#pragma once

#include <string>
#include <vector>

#include "net/network.hpp"
#include "plan/plan.hpp"
#include "sim/calibration.hpp"

namespace colossim {

struct BreakdownItem {
  std::string name;
  Seconds time;
};

// One task of the simulated pipeline, for traces.
struct TimelineEvent {
  int stage = 0;
  std::string stream;  // compute, data-parallel comm, send to next/previous stage
  std::string name;
  Seconds start;
  Seconds end;
  // A compute pass: its time by breakdown part (BreakdownItem names), the parts it has.
  std::vector<std::pair<std::string, Seconds>> parts;
  // The pipeline sends (their indices in the timeline) this pass waited for.
  std::vector<size_t> waits_on;
};

struct StepResult {
  Seconds step_time;
  std::vector<BreakdownItem> breakdown;  // sums to step_time
  // A breakdown part by name (0 when it has none).
  [[nodiscard]] Seconds part(const std::string& name) const {
    for (const auto& b : breakdown) {
      if (b.name == name) return b.time;
    }
    return Seconds(0);
  }
  int critical_stage = 0;
  // The critical stage's MoE dispatch and combine per step, hidden or not (the breakdown's
  // ep_comm is the exposed part).
  Seconds ep_alltoall{0};
  // Its data-parallel collectives (gradient reductions, parameter gathers) and its sends to a
  // neighbouring stage (the busier direction) per step, hidden or not: how long the job's
  // traffic is on the fabric (other jobs sharing it meet that).
  Seconds dp_comm_busy{0};
  Seconds pp_send_busy{0};
  double model_flops = 0;     // per step, whole job (model convention, see workload/operators.hpp)
  double hardware_flops = 0;  // per step, whole job, including recomputation
  size_t tasks = 0;           // simulated tasks (for benchmarks)
  std::vector<TimelineEvent> timeline;  // filled when StepInputs::record_timeline
  // Share of the job's GPUs computing (GEMMs, attention, element-wise, optimizer; not waiting on
  // exposed communication or other stages) in each of kPowerSlices equal slices of the step,
  // averaged over the slice and the pipeline stages: what the GPUs' power draw follows.
  std::vector<double> compute_share;
};

// Slices of the step in StepResult::compute_share: fine enough to see the pipeline fill and
// drain and the exposed data-parallel tail, coarse enough (a 10 s step: 100 ms) to sit above
// the millisecond scale at which a GPU's power follows its kernels.
constexpr int kPowerSlices = 100;

struct StepInputs {
  const Model& model;
  const Cluster& cluster;
  const Plan& plan;
  const Training& training;
  const NetworkModel& network;
  const ArchCalibration& calibration;
  bool record_timeline = false;
};

// The plan must be valid (invalid_reason() == nullopt). Bounded work for any batch: a step of
// more micro-batches than about 150,000 tasks' worth is simulated at two smaller counts and
// extended linearly (its steady state); the timeline is then the larger count's.
[[nodiscard]] StepResult simulate_step(const StepInputs& in);

// One layer's MoE block on its own -- router, permutations, routed and shared experts, dispatch
// and combine, and the host's launches with the dropless dispatcher's sync -- forward and
// backward on the critical EP rank, priced as the step prices it: what a benchmark of the
// MoE layer alone times (Megatron-LM's tests/functional_tests/.../moe_perf). No attention, no
// recompute, no pipeline. Contract: `layer` is a MoE layer of a valid plan.
struct BlockTime {
  Seconds forward;
  Seconds backward;
};
[[nodiscard]] BlockTime moe_block_time(const StepInputs& in, int layer);

// An upper bound on the tasks simulating a step at layer granularity creates (a few per layer
// per micro-batch).
[[nodiscard]] double step_task_bound(const Plan& plan, const Model& model,
                                     const Training& training);

}  // namespace colossim
