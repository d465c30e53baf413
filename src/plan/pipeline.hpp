// The pipeline: which layers each stage holds (in virtual-stage chunks) and the registry of
// schedules, the order in which each stage runs its forward and backward passes
// (plan/schedule.hpp).
#pragma once

#include <string>
#include <vector>

#include "plan/plan.hpp"
#include "plan/schedule.hpp"

namespace colossim {

struct Chunk {
  int model_chunk = 0;  // position along the model: 0 .. pp*v-1
  int stage = 0;
  std::vector<int> layers;  // transformer layer indices
  bool has_embedding = false;
  bool has_output = false;
};

struct PipelineLayout {
  int pp = 1;
  int virtual_stages = 1;
  std::vector<Chunk> chunks;  // indexed by model_chunk
  std::vector<int> placed;    // stage * virtual_stages + local chunk -> model_chunk
  [[nodiscard]] const Chunk& chunk(int stage, int local) const {
    const size_t at = static_cast<size_t>(stage) * static_cast<size_t>(virtual_stages) +
                      static_cast<size_t>(local);
    return chunks[static_cast<size_t>(placed[at])];
  }
};

// Splits the layers into pp x v chunks: evenly; or, where counting the embedding and the loss
// as one layer each makes it even, with one layer fewer on the first and last chunk (Megatron's
// account_for_embedding/loss_in_pipeline_split); or, when the plan allows uneven stages, as
// evenly as possible with the extra layers on the middle chunks.
[[nodiscard]] bool layers_split_evenly(const Model& model, int pp, int v);
// Chunks are looped over the stages (stage s holds s, s + pp, ...) or, for a V, stage s holds
// chunks s and 2 pp - 1 - s (PipelineSchedule::v_shape).
[[nodiscard]] PipelineLayout make_layout(const Model& model, int pp, int v, bool uneven = false,
                                         bool v_shape = false);
// The plan's layout, placed as its schedule places chunks.
[[nodiscard]] PipelineLayout layout_of(const Model& model, const Plan& plan);

// The registered pipeline schedules (plan/schedules/, one file each).
[[nodiscard]] const std::vector<PipelineSchedule>& pipeline_schedules();
[[nodiscard]] const PipelineSchedule* find_schedule(const std::string& name);  // null if unknown
[[nodiscard]] std::string schedule_names();  // "gpipe, 1f1b, interleaved"
// The 1F1B family's member for v model chunks per stage: interleaved when v > 1, else 1f1b.
[[nodiscard]] std::string default_schedule(int virtual_stages);

// The order one stage runs its passes in (asserts a registered schedule).
[[nodiscard]] std::vector<ScheduleItem> stage_order(const std::string& schedule, int pp, int v,
                                                    int stage, long long micro_batches);

}  // namespace colossim
