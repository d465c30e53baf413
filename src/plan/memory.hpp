// Memory per GPU: weights, gradients and optimizer state by ZeRO stage, activations by
// recompute policy and the micro-batches the schedule keeps in flight, communication buffers
// and the runtime's own reserve. Reported for the fullest pipeline stage. Offloaded activations
// (Plan::offload_modules) live in host memory between their forward and their backward; the
// layer being reloaded and the one prefetched behind it are back on the GPU.
//
// Bytes per parameter (mixed precision with Adam, Megatron-LM / DeepSpeed accounting, as in
// Rajbhandari et al., ZeRO, SC'20, Sec 3.1, with Megatron's FP32 main gradients):
//   weights 2 (BF16; +1 for the FP8 weight copy under FP8), gradients 4 with FP32 gradient
//   buffers or 2 with BF16 ones (Plan::grad_reduce_fp32), optimizer 12 (FP32 master weights,
//   Adam m and v).
// Korthikanti et al. 2022 Fig. 1 reads 45.6 GiB for params+optimizer of GPT-22B at TP=8
// = 17.8 B/param, which this 18 B/param reproduces.
#pragma once

#include <optional>
#include <string>

#include "plan/pipeline.hpp"
#include "plan/plan.hpp"
#include "workload/operators.hpp"

namespace colossim {

struct MemoryBreakdown {
  int stage = 0;  // the fullest stage
  Bytes weights;
  Bytes gradients;
  Bytes optimizer;
  Bytes activations;
  Bytes comm_buffers;
  Bytes runtime_reserve;
  [[nodiscard]] Bytes total() const {
    return weights + gradients + optimizer + activations + comm_buffers + runtime_reserve;
  }
  // What the framework's allocator hands out at the peak (PyTorch's
  // torch.cuda.max_memory_allocated; XLA's planned peak): the tensors, without NCCL's buffers,
  // the CUDA context and the workspaces that live outside it.
  [[nodiscard]] Bytes allocated() const { return weights + gradients + optimizer + activations; }
};

// What fine-grained activation offloading moves off the GPU for one layer per micro-batch: the
// inputs of the plan's offload modules (LayerWork::offload_saves), times its offload fraction
// (Megatron-Core offloads the first share of the eligible groups in forward order and keeps
// the rest; the share stands for every layer alike). 0 without offloading.
[[nodiscard]] double offloaded_bytes(const Plan& plan, const LayerWork& w);

[[nodiscard]] MemoryBreakdown memory_per_gpu(const Plan& plan, const Model& model,
                                             const Cluster& cluster, const Training& training);

// nullopt when it fits; otherwise one line with the figures.
[[nodiscard]] std::optional<std::string> does_not_fit(const MemoryBreakdown& m,
                                                      const Cluster& cluster);

}  // namespace colossim
