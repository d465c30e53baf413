// One transformer layer as the operators one GPU runs for one micro-batch, with exact FLOPs
// and HBM traffic, forward and backward. This is the bridge from "a model" to "work on a GPU":
// the sim layer prices each operator; nothing here knows about time.
//
// FLOP conventions (documented so that MFU compares like with like):
//  - a matrix product [m,k]x[k,n] is 2mkn FLOPs; its backward is two products (data and weight
//    gradients), 4mkn;
//  - attention scores and context are counted over the full s x s square (the PaLM / Megatron /
//    NeMo convention for model FLOPs: 4 s^2 d per head forward), even though a causal kernel
//    executes only about half of it; `exec_flops` holds the work actually executed;
//  - element-wise operators (norms, activations, residual adds, rotary, dropout) count bytes,
//    not FLOPs.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "workload/model.hpp"
#include "workload/stack.hpp"

namespace colossim {

// How attention runs. Fused kernels never materialise the s x s scores: `flash`, the
// architecture's fastest (cuDNN's fused attention, which Transformer Engine selects on Hopper
// and later, or FlashAttention-3; FlashAttention-2 on Ampere); `flash2`, FlashAttention-2 (the
// flash-attn package, PyTorch SDPA's flash back-end), which on Hopper runs without its new
// tensor-core instructions; the Triton FlashAttention of 2023-era llm-foundry; FlashAttention-1
// and xformers' memory-efficient kernel of 2022-23. The unfused path (Megatron-LM before 2023) runs
// two batched GEMMs with a softmax (and dropout) between them and keeps the scores for backward
// (Korthikanti et al. 2022, the 5as/h term).
enum class AttentionKernel { flash, flash2, flash_triton, flash_v1, unfused };
// Their names in parallelism.attention, in enum order.
[[nodiscard]] const std::vector<std::string>& attention_kernel_names();

// How one GPU's share of a layer is cut. Plain numbers so the workload layer stays independent
// of the plan layer.
struct Shard {
  long long micro_batch = 1;  // sequences per micro-batch
  long long seq_len = 0;      // full sequence length
  int tp = 1;                 // tensor parallel
  int cp = 1;                 // context parallel (sequence split for attention)
  int ep = 1;                 // expert parallel
  int etp = 1;                // expert tensor parallel (each expert split over etp GPUs)
  bool sequence_parallel = false;
  AttentionKernel attention = AttentionKernel::flash;
  int bytes_per_activation = 2;  // BF16 activations
  // What a matrix product keeps of its input for the weight gradient: BF16, or 1 byte under
  // FP8, where Transformer Engine's Linear, LayerNormLinear and GroupedLinear save the
  // quantized input and drop the rest ("Cache state for backward pass" in transformer_engine/
  // pytorch/module/linear.py and layernorm_linear.py). The attention kernel still keeps its own
  // BF16 output, so under FP8 the output projection's quantized input is held beside it.
  int bytes_per_gemm_input = 2;
  // What the activation function (GeLU, SwiGLU) keeps of its input: BF16, or 1 byte with
  // Megatron-Core's activation_func_fp8_input_store (the DeepSeek-V3 report, Sec 3.3.2, caches
  // the SwiGLU inputs of its experts in FP8 the same way).
  int bytes_per_activation_input = 2;
  // How the framework runs the operators as kernels (workload/stack.hpp); nullptr: the default
  // stack's fused kernels.
  const Stack* stack = nullptr;
  // The all-to-all token dispatcher (parallelism.moe_dispatcher alltoall): the tokens an EP rank
  // receives arrive grouped by source rank, so it sorts them by local expert after the dispatch
  // and back before the combine, two passes over them a node-deduplicating dispatcher (DeepEP)
  // does not make.
  bool moe_chunk_sort = false;
};

enum class OpKind { gemm, attention, elementwise };

struct Operator {
  std::string name;
  OpKind kind = OpKind::gemm;
  // GEMM shape per GPU (m rows of tokens, k reduction, n outputs), `count` identical GEMMs
  // (grouped expert GEMMs).
  double m = 0, n = 0, k = 0;
  double count = 1;
  bool attention_core = false;  // part of softmax(QK^T)V
  // The Megatron-Core recompute module the operator belongs to (recompute_module_names), or "".
  std::string module;
  AttentionKernel kernel = AttentionKernel::flash;  // which fused attention kernel
  double flops = 0;                                 // forward FLOPs, model convention
  double exec_flops = 0;  // forward FLOPs actually executed (causal attention ~ half)
  double scores = 0;      // fused attention: score elements computed (one exponential each)
  double bytes = 0;       // forward HBM traffic (element-wise ops, GEMM operands)
  double bwd_flops = 0;   // backward FLOPs, model convention
  double bwd_exec_flops = 0;
  double bwd_bytes = 0;
  // Element-wise operators: the block kind whose kernels the stack chooses (workload/stack.hpp).
  BlockKind block = BlockKind::other;
  double elements = 0;  // elements of the tensor an element-wise block transforms
  // Share of the forward PyTorch's per-op selective checkpointing re-runs (recompute module
  // "op"): all of an element-wise block, the matrix products whose outputs it does not keep.
  double op_policy_share = 0;
  // Kernels the stack launches for this operator, forward and backward (host launch cost).
  double kernels_fwd = 1;
  double kernels_bwd = 2;
  // Of those, launched from a C++ loop rather than from Python (a grouped GEMM as one cuBLAS
  // call per expert): the host pays the launch, not the interpreter.
  double native_launches_fwd = 0;
  double native_launches_bwd = 0;
  // Under FP8, the splits of the input quantized one by one (Transformer Engine's GroupedLinear
  // quantizes each expert's rows separately: split_quantize); 1 for a Linear.
  double cast_splits = 1;
};

// Communication one layer needs on one GPU, per micro-batch, forward (backward mirrors it).
struct LayerComm {
  double tp_bytes = 0;     // per TP collective (all-reduce, or all-gather + reduce-scatter with SP)
  int tp_collectives = 0;  // forward count
  double cp_bytes = 0;     // K/V sent around the CP ring per forward
  double ep_bytes = 0;     // per all-to-all (dispatch or combine), per GPU
  int ep_alltoalls = 0;    // forward count
  // Expert TP: after each dispatch the ETP group all-gathers the tokens its experts received,
  // before each combine it reduce-scatters their outputs; the gathered buffer, per collective.
  double etp_bytes = 0;
};

struct LayerWork {
  std::vector<Operator> ops;
  LayerComm comm;
  double params = 0;            // parameters of this layer held by one GPU (after TP and EP)
  double expert_params = 0;     // of those, the routed experts' (reduced over the expert-DP group)
  double activation_bytes = 0;  // saved for backward with no recompute
  // What recomputing each module (selective recompute) no longer keeps, by module name.
  std::map<std::string, double> recompute_saves;
  // What offloading each module's input to host memory moves off the GPU (Megatron-Core's
  // fine-grained activation offloading, offload_module_names), by module name.
  std::map<std::string, double> offload_saves;
  double input_bytes = 0;  // the layer input: what full recompute keeps
  // Live only for a moment, on top of what is held (the loss's FP32 copy of the logits).
  double transient_bytes = 0;
  double moe_load = 1;  // MoE: the slowest EP rank's routed tokens over the mean
};

// Megatron-Core's fine-grained activation offloading modules (TransformerConfig.offload_modules):
// each offloads its input, kept for backward, to host memory in forward and reloads it before
// backward: attn_norm (the layer input), qkv_linear (the QKV projection's input), core_attn (Q,
// K, V), attn_proj (the attention output), mlp_norm (the post-attention residual), expert_fc1
// (the tokens the experts received) and moe_act (the experts' first projection's output).
[[nodiscard]] const std::vector<std::string>& offload_module_names();

// Megatron-Core's recompute modules (TransformerConfig.recompute_modules) colossim prices:
// core_attn (softmax(QK^T)V; the scores with unfused attention), layernorm (the norms' outputs),
// mla_up_proj (multi-head latent attention's Q/K/V up-projections), mlp (a dense MLP's
// activations), moe (a whole MoE block: routing, dispatch and combine, experts), moe_act (the
// experts' activation function); and op, PyTorch's per-op selective activation checkpointing as
// TorchTitan configures it (selective_ac_option "op": the outputs of every other matrix product
// and of the attention kernel are kept, everything else re-runs).
[[nodiscard]] const std::vector<std::string>& recompute_module_names();
// Whether `op` re-runs when `module` is recomputed (moe includes moe_act).
[[nodiscard]] bool recomputed_by(const Operator& op, const std::string& module);
// The activation bytes a layer keeps when `modules` are recomputed.
[[nodiscard]] double activation_bytes_with(const LayerWork& w,
                                           const std::vector<std::string>& modules);

LayerWork layer_work(const Model& model, int layer, const Shard& shard);
// The input embedding (first stage) and output projection + loss (last stage).
LayerWork embedding_work(const Model& model, const Shard& shard);
LayerWork output_work(const Model& model, const Shard& shard);
// One multi-token-prediction module (Model::mtp_layers) on the last stage: the embedding of
// the shifted tokens, the two norms and the 2h x h projection, a block like the model's last
// layer, and the shared head's logits and loss once more.
LayerWork mtp_work(const Model& model, const Shard& shard);

// Model FLOPs per token (forward + backward, model convention, no recompute): the numerator
// of MFU. Counts every layer, the output projection, the multi-token-prediction modules and
// full-square attention at `seq_len`.
double model_flops_per_token(const Model& model, long long seq_len);
// Forward FLOPs per token of the layers only (for the recompute term of hardware FLOPs).
double layer_forward_flops_per_token(const Model& model, long long seq_len);

}  // namespace colossim
