// A parallelism plan and its validity. Rank order follows Megatron-LM: TP innermost, then CP,
// then DP (with EP carved out of DP x CP), then PP outermost, so TP groups sit inside a node.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hw/catalog.hpp"
#include "topology/cluster.hpp"
#include "workload/model.hpp"
#include "workload/operators.hpp"

namespace colossim {

enum class Recompute { none, selective, full };

struct Plan {
  int tp = 1;
  int pp = 1;
  int cp = 1;
  int ep = 1;
  // Expert tensor parallelism (Megatron-Core's expert_tensor_parallel_size): each expert split
  // over etp GPUs. 0: the default, 1 with ep > 1 (what every published MoE recipe sets;
  // Megatron-Core's own default is tp), else tp (the experts split like the MLP). expert_tp().
  int etp = 0;
  long long dp = 1;
  long long micro_batch = 1;
  int virtual_stages = 1;
  std::string schedule = "1f1b";  // a registered pipeline schedule (plan/pipeline.hpp)
  bool sequence_parallel = false;
  Recompute recompute = Recompute::none;
  // With selective recompute, the modules re-run in backward (workload/operators.hpp
  // recompute_module_names; Megatron-Core's recompute_modules, default core_attn).
  std::vector<std::string> recompute_modules = {"core_attn"};
  // With full recompute, the share of each pipeline chunk's layers that recompute (the first
  // ones: Megatron's --recompute-method block with --recompute-num-layers N of L layers a chunk is
  // N / L; PyTorch's checkpoint wrapper on every k-th block, 1 / k); the others keep their
  // activations. Priced as that share of every layer (as offload_fraction is).
  double recompute_fraction = 1.0;
  // Fine-grained activation offloading (Megatron-Core offload_modules, offload_module_names):
  // these modules' inputs go to host memory in forward and come back before backward, on the
  // first `offload_fraction` of each stage's layers; empty: none.
  std::vector<std::string> offload_modules;
  double offload_fraction = 1.0;
  // Allow stages of unequal depth when pp x virtual_stages does not divide the layers
  // (Megatron's --decoder-first/last-pipeline-num-layers; NeMo's custom pipeline layouts).
  bool uneven_stages = false;
  // On a cluster of several GPU kinds (Cluster::pools): "none", every data-parallel replica
  // runs the same micro-batches and the slowest kind paces the step; "micro_batches", each
  // kind's replicas take a share of the global batch in proportion to their speed; "" lets
  // colossim choose (the faster).
  std::string balance;
  int zero = 1;  // 0 none, 1 optimizer state, 2 + gradients, 3 + parameters (FSDP)
  // Hybrid sharding: the ZeRO state sharded over groups of dp_shard ranks of the data-parallel
  // group (DP x CP), replicated across the dp x cp / dp_shard groups (PyTorch FSDP's
  // HYBRID_SHARD, FSDP2's data_parallel_shard_degree, Megatron-Core's
  // num_distributed_optimizer_instances = dp x cp / dp_shard). 0: the whole group.
  long long dp_shard = 0;
  Precision precision = Precision::bf16;
  // Overlap switches, as the frameworks name them.
  bool overlap_grad_reduce = true;   // DP gradient reduction during backward
  bool overlap_param_gather = true;  // ZeRO/FSDP parameter all-gather ahead of use
  bool tp_comm_overlap = false;      // TP collectives pipelined with their GEMMs (Megatron-Core)
  // FP8 training with the model's weights held in FP8 and gathered in FP8 (Megatron-Core
  // --fp8-param-gather, Transformer Engine fp8_model_init): no BF16 copy beside the FP8 one,
  // and the ZeRO/FSDP parameter all-gather moves 1 byte per parameter instead of 2.
  bool fp8_param_gather = false;
  // How FP8 tensors are scaled (training.fp8_recipe, data/fp8_recipes.yaml): what quantizing
  // them costs beside the GEMMs.
  std::string fp8_recipe = "delayed";
  // Megatron-Core --activation-func-fp8-input-store: the MLP's and the experts' activation
  // function keeps its input (fc1's output) in FP8 for backward, 1 byte per element instead of 2.
  bool activation_fp8_input = false;
  // How MoE tokens reach their experts: alltoall (NCCL, every routed copy on its own) or deepep
  // (node-deduplicated: once per destination node over the network, workload/routing.hpp).
  std::string moe_dispatcher = "alltoall";
  // Megatron-Core's overlap_moe_expert_parallel_comm: dispatch and combine of one micro-batch
  // hidden under another's compute (the forward beside the backward, 1F1B).
  bool moe_a2a_overlap = false;
  AttentionKernel attention = AttentionKernel::flash;  // see workload/operators.hpp
  // The training framework that runs the plan (training.framework, workload/stack.hpp);
  // nullptr: the default stack.
  const Stack* stack = nullptr;
  // Gradients kept and reduced in FP32 (Megatron-LM before Megatron-Core's BF16 grad buffers,
  // and its accumulate_allreduce_grads_in_fp32); otherwise in BF16 (Megatron-Core default
  // grad_reduce_in_fp32 = False).
  bool grad_reduce_fp32 = false;
  // Rank order, fastest-varying first (Megatron-Core's --order / RankGenerator): which groups
  // share a node. Expert-parallel groups follow Megatron-Core's expert layout (consecutive ranks)
  // whatever the order.
  std::vector<std::string> order = {"tp", "cp", "dp", "pp"};
};

struct Training {
  long long global_batch = 0;    // sequences per step
  std::optional<double> tokens;  // total training tokens
};

[[nodiscard]] std::string to_string(Recompute r);
// Recompute policies by name, in enum order (parallelism.recompute).
[[nodiscard]] const std::vector<std::string>& recompute_names();

// The ZeRO stage a plan runs as: FSDP (zero 3) beside pipeline stages keeps each stage's
// parameters gathered for the whole step and reduces gradients once, as ZeRO-1 does (the stacks
// that run it: Stack::fsdp_with_pp); otherwise the stage asked for.
[[nodiscard]] inline int zero_in_effect(const Plan& p) {
  return p.zero == 3 && p.pp > 1 ? 1 : p.zero;
}

// Micro-batches per pipeline per step.
[[nodiscard]] inline long long micro_batches(const Plan& p, const Training& t) {
  return t.global_batch / (p.dp * p.micro_batch);
}

// Why a plan cannot run, or nullopt if it can. Checks divisibility (heads by TP, layers by
// PP x virtual stages, GPUs by the product, batch by DP x micro-batch, experts by EP ...).
[[nodiscard]] std::optional<std::string> invalid_reason(const Plan& plan, const Model& model,
                                                        const Cluster& cluster,
                                                        const Training& training);

// The per-GPU cut of a layer for this plan.
[[nodiscard]] Shard shard_of(const Plan& plan, const Model& model);
// The expert tensor-parallel degree the plan runs (Plan::etp, its default resolved).
[[nodiscard]] inline int expert_tp(const Plan& p) {
  return p.etp > 0 ? p.etp : (p.ep > 1 ? 1 : p.tp);
}

}  // namespace colossim
