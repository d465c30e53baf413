// Software stacks as data (data/stacks.yaml): how a training framework turns a layer's
// operators into GPU kernels, and what the host pays to launch them.
//
// The operator model (workload/operators.hpp) prices each element-wise block as one fused
// kernel reading and writing its tensors once, as Megatron's and Transformer Engine's fused
// kernels do. Other stacks run the same maths as several kernels: PyTorch eager decomposes an
// RMSNorm computed in FP32 into a cast, a square, a mean, an rsqrt, two multiplies and a cast
// back, each a pass over HBM. A stack names a fusion level per block kind (bytes moved and
// kernels launched relative to the fused kernel, derived from the framework's source), the
// host's cost per kernel launch (Python and the ATen dispatcher forward, the autograd engine
// backward; nothing per kernel under XLA or CUDA graphs), whether the loss runs on an FP32 copy
// of the logits, and the plan defaults the framework ships with. Each figure is cited in the
// data file; none is fitted.
#pragma once

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <vector>

namespace colossim {

// Kinds of element-wise block whose kernels differ between stacks.
enum class BlockKind {
  rmsnorm,
  layernorm,
  rotary,
  gated_activation,  // SwiGLU / GeGLU: act(gate) x up
  activation,        // GELU and other single-input activations
  residual,          // residual add (and dropout where the model has it)
  cross_entropy,     // the loss over the vocabulary
  other,             // softmax of unfused attention, embedding, MoE permutes: one kernel
  count_
};

// What a stack's implementation of a block kind costs relative to one fused kernel.
struct BlockCost {
  double bytes = 1;        // HBM traffic, times the fused kernel's
  double kernels_fwd = 1;  // kernels launched forward
  double kernels_bwd = 1;  // kernels launched backward
  double saved_bytes = 0;  // bytes per element kept for backward beyond the fused kernel's
};

struct Stack {
  std::string name;
  std::string label;
  std::string source;
  std::string fusion;  // the fusion level's name
  std::array<BlockCost, static_cast<size_t>(BlockKind::count_)> blocks{};
  // Host time to launch one kernel: forward runs the framework's Python (and the ATen
  // dispatcher), backward the autograd engine's C++. 0 under XLA or CUDA graphs.
  double host_us_forward = 0;
  double host_us_backward = 0;
  // The loss runs on an FP32 copy of the logits (eager F.cross_entropy under autocast or on
  // logits.float()): the BF16 logits, their FP32 copy and the log-probabilities are live at
  // once on the last stage.
  bool fp32_logits_copy = false;
  // The allocator whose figure the stack logs: "caching" (PyTorch's caching allocator; what it
  // reserves runs 5-30% above what it allocates, GMLake, ASPLOS 2024) or "xla" (buffers planned
  // at compile time).
  std::string allocator = "caching";
  // Defaults the framework ships with, for plan keys a scenario leaves out.
  std::string attention;  // parallelism.attention
  bool grad_reduce_fp32 = false;
  bool tp_comm_overlap = false;
  // Data-parallel collectives per wrapped unit (FSDP wraps each transformer block: one
  // all-gather and one reduce-scatter per block) rather than Megatron's DDP buckets of
  // max(40M, 1M x DP) parameters.
  bool dp_per_unit = false;
  // It runs FSDP (zero 3) beside pipeline stages, each stage keeping its gathered parameters
  // across the step's micro-batches (TorchTitan: reshard_after_forward off when PP is on,
  // torchtitan/models/llama3/infra/parallelize.py, "to avoid per-microbatch all-gathers") and
  // reduce-scattering its gradients once, after the last micro-batch's backward
  // (torch.distributed.pipelining turns FSDP's gradient sync off before it): ZeRO-1's traffic
  // and memory (plan.hpp zero_in_effect).
  bool fsdp_with_pp = false;
  // Its MoE combine weights each expert's output by the token's router probability and autograd
  // keeps that output (h x 2 B per routed copy) for the probability's gradient. Megatron-Core
  // since 0.13 (Megatron-LM !2668, "Memory efficient token permutation", 2025-04) instead scales
  // the activation inside the fused weighted SwiGLU and the combine is a plain sum: nothing kept.
  bool moe_output_kept = false;
  // Its grouped expert GEMM is one GEMM launch per local expert (Transformer Engine's
  // GroupedLinear: multi_stream_cublas_gemm issues a cuBLASLt call per expert on 4 streams,
  // transformer_engine/common/gemm/cublaslt_gemm.cu; CUTLASS's grouped kernel only on Hopper
  // with NVTE_USE_CUTLASS_GROUPED_GEMM), not one kernel for all of them.
  bool gemm_per_expert = false;
  // Under FP8 its Transformer Engine layers cast each weight once a step and keep the FP8 copy
  // for the step's other micro-batches (Megatron-Core passes is_first_microbatch to TE's Linear,
  // TELinear in megatron/core/extensions/transformer_engine.py, set by the pipeline schedules).
  // A stack that calls the FP8 layers without it (llm-foundry's te.Linear, torchao's Float8Linear
  // under TorchTitan) casts the weights again on every forward.
  bool fp8_weight_cache = false;
  // The FP8 recipe it runs when training.fp8_recipe is not given (data/fp8_recipes.yaml).
  std::string fp8_recipe = "delayed";
  // The pipeline schedule it runs without virtual stages when the plan does not name one ("":
  // 1F1B, Megatron's).
  std::string schedule;
  // The ZeRO stages its data parallelism runs (0: replicated, DDP; 1: optimizer state sharded;
  // 2: and gradients; 3: and parameters, FSDP). FSDP-based stacks have no stage 1.
  std::vector<int> zero_stages{0, 1, 2, 3};
  [[nodiscard]] bool runs_zero(int stage) const {
    return std::find(zero_stages.begin(), zero_stages.end(), stage) != zero_stages.end();
  }
  // The stage a plan of `pp` pipeline stages that does not name one runs: 1 (Megatron's
  // distributed optimizer) where the stack has it, else its most sharded one that runs beside
  // the pipeline (FSDP's default, full sharding; beside PP only where fsdp_with_pp).
  [[nodiscard]] int default_zero(int pp) const {
    if (runs_zero(1)) return 1;
    for (auto it = zero_stages.rbegin(); it != zero_stages.rend(); ++it) {
      if (*it != 3 || pp <= 1 || fsdp_with_pp) return *it;
    }
    return zero_stages.front();
  }
  // Parallelism the stack does not offer, which the plan search then does not propose for open
  // keys: pp, cp, ep, etp (expert TP), interleaved (virtual stages).
  std::vector<std::string> lacks;
  // Pipeline schedules it runs beyond GPipe, 1F1B and interleaved 1F1B (dualpipev), which the
  // plan search then proposes for an open schedule.
  std::vector<std::string> schedules;
  [[nodiscard]] bool offers(const std::string& feature) const {
    for (const auto& f : schedules) {
      if (f == feature) return true;
    }
    for (const auto& f : lacks) {
      if (f == feature) return false;
    }
    return feature != "dualpipev";
  }
  // Mixture-of-experts options it ships, which the plan search then uses for open keys:
  // deepep (node-deduplicating dispatch, parallelism.moe_dispatcher) and a2a_overlap
  // (Megatron-Core's combined 1F1B, parallelism.moe_a2a_overlap).
  std::vector<std::string> moe_options;
  [[nodiscard]] bool has_moe_option(const std::string& option) const {
    for (const auto& o : moe_options) {
      if (o == option) return true;
    }
    return false;
  }
  // What parallelism.recompute: selective re-runs on this stack when recompute_modules is not
  // given (Megatron's default core_attn; TorchTitan's per-op policy).
  std::vector<std::string> selective_modules = {"core_attn"};
  // The same stack with torch.compile (or another whole-graph compiler) switched on: the name
  // of its profile, or "" when the stack has no such switch.
  std::string compiled;

  [[nodiscard]] const BlockCost& cost(BlockKind k) const { return blocks[static_cast<size_t>(k)]; }
};

// The registered stacks (data/stacks.yaml), one by name (nullptr if unknown), the default
// (Megatron-Core, whose fused kernels are what the operator model prices), and the names a
// scenario may give (compiled variants are reached with training.compile).
[[nodiscard]] const std::vector<Stack>& stacks();
[[nodiscard]] const Stack* find_stack(const std::string& name);
[[nodiscard]] const Stack& default_stack();
// `stack`, or the default stack where a plan or shard names none.
[[nodiscard]] inline const Stack& stack_or_default(const Stack* stack) {
  return stack != nullptr ? *stack : default_stack();
}
[[nodiscard]] std::vector<std::string> stack_names();

}  // namespace colossim
