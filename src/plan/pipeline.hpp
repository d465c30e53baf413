// The pipeline: which layers each stage holds (in virtual-stage chunks) and the order in which
// each stage runs its forward and backward passes under a schedule (GPipe, 1F1B, interleaved
// 1F1B). The step simulation executes these orders; memory reads the in-flight micro-batches
// off them, so the bubble and the activation peak both come from the schedule itself.
#pragma once

#include <string>
#include <vector>

#include "plan/plan.hpp"

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
  [[nodiscard]] const Chunk& chunk(int stage, int local) const {
    return chunks[static_cast<size_t>(local * pp + stage)];
  }
};

// Splits the layers into pp x v chunks: evenly; or, where counting the embedding and the loss
// as one layer each makes it even, with one layer fewer on the first and last chunk (Megatron's
// account_for_embedding/loss_in_pipeline_split); or, when the plan allows uneven stages, as
// evenly as possible with the extra layers on the middle chunks.
[[nodiscard]] bool layers_split_evenly(const Model& model, int pp, int v);
[[nodiscard]] PipelineLayout make_layout(const Model& model, int pp, int v, bool uneven = false);

struct ScheduleItem {
  bool forward = true;
  int local_chunk = 0;  // 0 .. v-1 on this stage
  long long micro_batch = 0;
};

// The order one stage runs its passes in.
[[nodiscard]] std::vector<ScheduleItem> stage_order(Schedule schedule, int pp, int v, int stage,
                                                    long long micro_batches);

}  // namespace colossim
