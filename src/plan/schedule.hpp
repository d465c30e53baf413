// A pipeline schedule, the unit of the registry in plan/pipeline.hpp: one file in
// plan/schedules/ defines it (the order each stage runs its passes in, what it requires) and
// one line of the registry list names it. The step simulation executes the orders; memory reads
// the in-flight micro-batches off them, so the bubble and the activation peak both come from
// the schedule itself.
//
// Contract: the functions are pure; `order` is called only for plans `invalid` accepts, and
// returns every (forward, chunk, micro-batch) of the stage once in each direction.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace colossim {

struct ScheduleItem {
  bool forward = true;
  int local_chunk = 0;  // 0 .. v-1 on this stage
  long long micro_batch = 0;
  // A forward that runs beside the item after it, a backward of another micro-batch, where
  // forward and backward overlap (Megatron-Core's combined 1F1B under EP overlap; DualPipe's
  // F&B chunks): each one's all-to-alls hide under the other's compute.
  bool paired = false;
};

struct PipelineSchedule {
  std::string name;                   // the scenario's parallelism.schedule
  std::string description;            // one line, for --help
  std::string torchtitan;             // TorchTitan's pipeline_parallel_schedule for it
  bool runs_virtual_stages = false;   // accepts virtual_stages > 1 (model chunks per stage)
  bool needs_virtual_stages = false;  // is chosen only with virtual_stages > 1
  int fixed_virtual_stages = 0;       // the only virtual_stages it runs (0: any)
  // Where the chunks sit: looped (stage s holds model chunks s, s + pp, ...: Megatron) or a V
  // (stage s holds chunks s and 2 pp - 1 - s, so the first stage also holds the last chunk).
  bool v_shape = false;
  // Runs its paired items overlapped whatever the stack (DualPipe's F&B chunks); otherwise only
  // under parallelism.moe_a2a_overlap.
  bool always_overlaps = false;
  // Why the schedule cannot run pp stages of v chunks over m micro-batches; nullopt if it can.
  std::optional<std::string> (*invalid)(int pp, int v, long long m);
  // The order stage `stage` runs its passes in.
  std::vector<ScheduleItem> (*order)(int pp, int v, int stage, long long m);
};

namespace schedules {
extern const PipelineSchedule kOneFOneB;  // interleaved runs it when v = 1
}

// Megatron-Core's combined 1F1B pairs each steady-state forward with the backward after it, but
// the first of each stage, which runs alone (docs/user-guide/features/moe_a2a_overlap.md: "the
// first forward and final backward cannot be hidden").
inline void pair_steady_state(std::vector<ScheduleItem>& order) {
  bool first = true;
  for (size_t i = 0; i + 1 < order.size(); ++i) {
    if (!order[i].forward || order[i + 1].forward) continue;
    order[i].paired = !first;
    first = false;
  }
}

}  // namespace colossim
