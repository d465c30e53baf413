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
};

struct PipelineSchedule {
  std::string name;                   // the scenario's parallelism.schedule
  std::string description;            // one line, for --help
  std::string torchtitan;             // TorchTitan's pipeline_parallel_schedule for it
  bool runs_virtual_stages = false;   // accepts virtual_stages > 1 (model chunks per stage)
  bool needs_virtual_stages = false;  // is chosen only with virtual_stages > 1
  // Why the schedule cannot run pp stages of v chunks over m micro-batches; nullopt if it can.
  std::optional<std::string> (*invalid)(int pp, int v, long long m);
  // The order stage `stage` runs its passes in.
  std::vector<ScheduleItem> (*order)(int pp, int v, int stage, long long m);
};

namespace schedules {
extern const PipelineSchedule kOneFOneB;  // interleaved runs it when v = 1
}

}  // namespace colossim
