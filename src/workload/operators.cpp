#include "workload/operators.hpp"

#include <algorithm>
#include <cassert>

#include "workload/routing.hpp"

namespace colossim {
namespace {

// Fraction of the full s x s score square a causal kernel executes (the diagonal blocks are
// computed whole, which the ~0.5 ignores; at s >= 2048 with 128-wide tiles that is < 3%).
constexpr double kCausalFraction = 0.5;
// FlashAttention's backward executes five s x s products against the forward's two (it
// recomputes the scores): 2.5x the forward work (Dao, FlashAttention-2, 2023, Sec 3.1.2).
constexpr double kFlashBackwardWork = 2.5;

Operator gemm(const std::string& name, double m, double k, double n, double count = 1) {
  Operator op;
  op.name = name;
  op.kind = OpKind::gemm;
  op.m = m;
  op.k = k;
  op.n = n;
  op.count = count;
  op.flops = 2.0 * m * k * n * count;
  op.exec_flops = op.flops;
  op.bwd_flops = 2.0 * op.flops;  // data gradient + weight gradient
  op.bwd_exec_flops = op.bwd_flops;
  // Operands read and result written once, BF16 (roofline lower bound on traffic).
  op.bytes = 2.0 * count * (m * k + k * n + m * n);
  op.bwd_bytes = 2.0 * op.bytes;
  return op;
}

// `bytes` read+written forward; backward reads the saved inputs and the output gradient and
// writes the input gradient: about 1.5x the forward traffic for norms and activations.
Operator elementwise(const std::string& name, BlockKind block, double bytes,
                     double bwd_factor = 1.5) {
  Operator op;
  op.name = name;
  op.kind = OpKind::elementwise;
  op.block = block;
  op.bytes = bytes;
  op.bwd_bytes = bytes * bwd_factor;
  return op;
}

BlockKind norm_kind(const Model& model) {
  return model.norm_kind() == NormKind::rmsnorm ? BlockKind::rmsnorm : BlockKind::layernorm;
}

BlockKind activation_kind(const Model& model) {
  return is_gated(model.mlp) ? BlockKind::gated_activation : BlockKind::activation;
}

// The work as the shard's stack runs it: its element-wise blocks move `bytes` times the fused
// kernel's traffic in its own number of kernels (workload/stack.hpp).
// What a stack's unfused blocks keep for backward beyond the fused kernels' (the FP32 copy an
// eager RMSNorm's square and multiply save, say) is held with the layer's activations, and
// released by recomputing the module the block belongs to.
void run_on_stack(LayerWork& w, const Shard& shard, bool is_layer) {
  const Stack& stack = stack_or_default(shard.stack);
  for (auto& op : w.ops) {
    if (op.kind != OpKind::elementwise) continue;
    const BlockCost& c = stack.cost(op.block);
    op.bytes *= c.bytes;
    op.bwd_bytes *= c.bytes;
    op.kernels_fwd = c.kernels_fwd;
    op.kernels_bwd = c.kernels_bwd;
    const double extra = c.saved_bytes * op.elements;
    if (extra <= 0) continue;
    w.activation_bytes += extra;
    if (!is_layer) {
      w.input_bytes += extra;  // the output unit keeps everything (no recompute modules there)
      continue;
    }
    if (op.block == BlockKind::rmsnorm || op.block == BlockKind::layernorm) {
      w.recompute_saves["layernorm"] += extra;
    } else if (op.module == "moe_act") {
      w.recompute_saves["moe_act"] += extra;
      w.recompute_saves["moe"] += extra;
    } else if (op.name == "shared_act") {
      w.recompute_saves["moe"] += extra;
    } else if (op.name == "mlp_act") {
      w.recompute_saves["mlp"] += extra;
    }
  }
}

}  // namespace

namespace {

// What every block of one layer computes from: sizes per GPU under the shard.
struct LayerShape {
  double a = 0;           // bytes per activation
  double g = 0;           // bytes per element a matrix product keeps of its input (Shard)
  double act_in = 0;      // bytes per element the activation function keeps of its input
  double t = 1;           // tensor-parallel degree
  double s = 0;           // sequence length
  double tokens = 0;      // per GPU
  double seq_tokens = 0;  // in the norm region (sequence-parallel share)
  double h = 0;
  double heads = 0, kv_heads = 0;
  double qk_dim = 0, v_dim = 0;
  double kv_width = 0;  // K and V per token on this GPU
  double q_tokens_per_seq = 0, score_elems = 0;
};

LayerShape layer_shape(const Model& model, const Shard& shard) {
  LayerShape x;
  x.a = shard.bytes_per_activation;
  x.g = shard.bytes_per_gemm_input;
  x.act_in = shard.bytes_per_activation_input;
  x.t = shard.tp;
  x.s = static_cast<double>(shard.seq_len);
  x.tokens = static_cast<double>(shard.micro_batch) * x.s / shard.cp;
  x.seq_tokens = shard.sequence_parallel ? x.tokens / x.t : x.tokens;
  x.h = static_cast<double>(model.hidden);
  x.heads = model.heads / x.t;
  x.kv_heads = std::max(1.0, model.kv_heads / x.t);
  const double d = static_cast<double>(model.head_dim);
  x.qk_dim = d;
  x.v_dim = d;
  x.kv_width = 2 * x.kv_heads * d;
  if (model.mla) {
    const auto& mla = *model.mla;
    x.qk_dim = static_cast<double>(mla.qk_nope_head_dim + mla.qk_rope_head_dim);
    x.v_dim = static_cast<double>(mla.v_head_dim);
    x.kv_width = x.heads * (x.qk_dim + x.v_dim);
  }
  x.q_tokens_per_seq = x.s / shard.cp;  // this GPU's queries attend to all s keys
  x.score_elems = static_cast<double>(shard.micro_batch) * x.heads * x.q_tokens_per_seq * x.s;
  return x;
}

// Tags the operators from `first` on as belonging to recompute `module`.
void tag(LayerWork& w, size_t first, const char* module) {
  for (size_t i = first; i < w.ops.size(); ++i) w.ops[i].module = module;
}

// The projections into Q, K and V: multi-head latent attention's low-rank ones, or one GEMM.
void qkv_ops(const Model& model, const LayerShape& x, LayerWork& w) {
  const double tokens = x.tokens, h = x.h, heads = x.heads;
  if (model.mla) {
    const auto& mla = *model.mla;
    if (mla.q_lora_rank > 0) {
      w.ops.push_back(gemm("q_down", tokens, h, static_cast<double>(mla.q_lora_rank)));
      w.ops.push_back(gemm("q_up", tokens, static_cast<double>(mla.q_lora_rank), heads * x.qk_dim));
      w.ops.back().module = "mla_up_proj";
    } else {
      w.ops.push_back(gemm("q_proj", tokens, h, heads * x.qk_dim));
    }
    w.ops.push_back(
        gemm("kv_down", tokens, h, static_cast<double>(mla.kv_lora_rank + mla.qk_rope_head_dim)));
    w.ops.push_back(gemm("kv_up", tokens, static_cast<double>(mla.kv_lora_rank),
                         heads * static_cast<double>(mla.qk_nope_head_dim + mla.v_head_dim)));
    w.ops.back().module = "mla_up_proj";
  } else {
    w.ops.push_back(gemm("qkv_proj", tokens, h,
                         (heads + 2 * x.kv_heads) * static_cast<double>(model.head_dim)));
  }
}

void attention_ops(const Model& model, const Shard& shard, const LayerShape& x, LayerWork& w) {
  const double a = x.a, tokens = x.tokens, seq_tokens = x.seq_tokens, h = x.h, heads = x.heads;
  const double qk_dim = x.qk_dim, v_dim = x.v_dim, s = x.s;
  w.ops.push_back(elementwise("input_norm", norm_kind(model), 2 * seq_tokens * h * a));
  w.ops.back().elements = seq_tokens * h;
  w.ops.back().module = "layernorm";
  qkv_ops(model, x, w);
  if (!model.learned_positions) {
    w.ops.push_back(
        elementwise("rotary", BlockKind::rotary, 2 * tokens * (heads + x.kv_heads) * qk_dim * a));
    w.ops.back().elements = tokens * (heads + x.kv_heads) * qk_dim;
  }
  if (shard.attention != AttentionKernel::unfused) {
    Operator attn;
    attn.name = "attention";
    attn.kind = OpKind::attention;
    attn.attention_core = true;
    attn.module = "core_attn";
    attn.kernel = shard.attention;
    attn.flops = 2.0 * tokens * s * heads * (qk_dim + v_dim);
    attn.exec_flops = attn.flops * kCausalFraction;
    attn.scores = tokens * s * heads * kCausalFraction;
    attn.bwd_flops = 2.0 * attn.flops;
    attn.bwd_exec_flops = kFlashBackwardWork * attn.exec_flops;
    attn.bytes = a * tokens * (heads * (qk_dim + 2 * v_dim) + x.kv_width);
    attn.bwd_bytes = 2.0 * attn.bytes;
    w.ops.push_back(attn);
  } else {
    const double batched = static_cast<double>(shard.micro_batch) * heads;
    const size_t first = w.ops.size();
    w.ops.push_back(gemm("attention_scores", x.q_tokens_per_seq, qk_dim, s, batched));
    // Fused scale-mask-softmax: read and write the scores; backward reads output and gradient.
    w.ops.push_back(elementwise("attention_softmax", BlockKind::other, 2 * a * x.score_elems, 1.5));
    if (model.dropout)
      w.ops.push_back(
          elementwise("attention_dropout", BlockKind::other, (2 * a + 1) * x.score_elems, 1.5));
    w.ops.push_back(gemm("attention_context", x.q_tokens_per_seq, s, v_dim, batched));
    for (size_t i = first; i < w.ops.size(); ++i) w.ops[i].attention_core = true;
    tag(w, first, "core_attn");
  }
  w.ops.push_back(gemm("out_proj", tokens, heads * v_dim, h));
  if (model.dropout)
    w.ops.push_back(elementwise("dropout_attn", BlockKind::residual, seq_tokens * h * (2 * a + 1)));
  w.ops.push_back(elementwise("residual_attn", BlockKind::residual, 3 * seq_tokens * h * a, 1.0));
  w.ops.push_back(elementwise("post_attn_norm", norm_kind(model), 2 * seq_tokens * h * a));
  w.ops.back().elements = seq_tokens * h;
  w.ops.back().module = "layernorm";
}

// Activation memory per token of an MLP or MoE block on this GPU: all of it, and the part the
// activation function writes (what moe_act recompute drops).
struct BlockMemory {
  double all = 0, act = 0;
  double expert_in = 0, act_in = 0;  // per token: the experts' input, their activation's input
};

// The mixture-of-experts block.
BlockMemory moe_ops(const Model& model, const Shard& shard, const LayerShape& x, LayerWork& w) {
  const double a = x.a, t = x.t, tokens = x.tokens, h = x.h;
  const double gate = is_gated(model.mlp) ? 2.0 : 1.0;
  const double act_bytes_per_unit = (gate + 1.0) * a;  // read gate(+up), write activation
  BlockMemory mem;
  const size_t first = w.ops.size();
  const auto& moe = *model.moe;
  const double experts = moe.experts;
  const double ep = shard.ep;
  // With EP the TP ranks dispatch their sequence-parallel share of the tokens to the EP ranks
  // holding their experts, and each expert is split over an ETP group that all-gathers what its
  // members received (Megatron-Core's alltoall dispatcher); without EP the experts are TP-split
  // like a dense MLP (etp = tp).
  const double expert_tp = shard.etp;
  // The slowest EP rank paces the layer: it receives `load` times the mean of the routed tokens
  // (workload/routing.hpp), and its experts, activations and all-to-alls are priced at that.
  const double dispatched = ep > 1 ? tokens / t : tokens;
  // The EP group gathers its ranks' tokens from ep x dispatched / seq_len sequences (the TP and
  // CP ranks of one sequence share it).
  const double sequences = ep * dispatched / static_cast<double>(shard.seq_len);
  w.moe_load = slowest_rank_load(model, dispatched, shard.ep, sequences);
  const double received = dispatched * moe.top_k * w.moe_load;  // per GPU, from the all-to-all
  const double routed_tokens = ep > 1 ? received * expert_tp : received;
  const double local_experts = experts / ep;
  const double tokens_per_expert = routed_tokens / local_experts;
  const double f = static_cast<double>(moe.expert_ffn_hidden) / expert_tp;
  w.ops.push_back(gemm("router", tokens, h, experts));
  w.ops.push_back(elementwise("permute", BlockKind::other, 2 * routed_tokens * h * a, 2.0));
  // Megatron-Core's MoEAlltoAllTokenDispatcher (megatron/core/transformer/moe/token_dispatcher.py):
  // permute by destination rank, all-to-all, then sort_chunks_by_idxs by local expert when a
  // rank holds more than one (dispatch_postprocess), and the reverse sort before the combine
  // (combine_preprocess). The flex dispatcher with DeepEP receives per expert and permutes once.
  const bool chunk_sort = shard.moe_chunk_sort && ep > 1 && local_experts > 1;
  if (chunk_sort)
    w.ops.push_back(elementwise("sort_chunks", BlockKind::other, 2 * routed_tokens * h * a, 1.0));
  w.ops.push_back(gemm("expert_fc1", tokens_per_expert, h, gate * f, local_experts));
  w.ops.push_back(
      elementwise("expert_act", activation_kind(model), routed_tokens * f * act_bytes_per_unit));
  w.ops.back().elements = routed_tokens * f;
  w.ops.push_back(gemm("expert_fc2", tokens_per_expert, f, h, local_experts));
  if (stack_or_default(shard.stack).gemm_per_expert) {
    // One GEMM per local expert: forward one, backward two (data and weight gradients).
    for (Operator& op : w.ops) {
      if (op.name != "expert_fc1" && op.name != "expert_fc2") continue;
      op.kernels_fwd = local_experts;
      op.kernels_bwd = 2 * local_experts;
      op.native_launches_fwd = local_experts;
      op.native_launches_bwd = 2 * local_experts;
      op.cast_splits = local_experts;
    }
  }
  if (chunk_sort)
    w.ops.push_back(elementwise("unsort_chunks", BlockKind::other, 2 * routed_tokens * h * a, 1.0));
  w.ops.push_back(elementwise("unpermute", BlockKind::other, 2 * routed_tokens * h * a, 2.0));
  // Per routed copy: the experts' input (fc1's), fc1's output (the activation's input), the
  // activation's output (fc2's input) and, where the combine weights the experts' outputs by
  // their router probabilities, the output it keeps for the probabilities' gradient
  // (Stack::moe_output_kept).
  const double g = x.g;
  const double kept = stack_or_default(shard.stack).moe_output_kept ? h * a : 0.0;
  mem.all += routed_tokens * (h * g + kept + gate * f * x.act_in + f * g) / tokens;
  mem.act += routed_tokens * f * g / tokens;
  mem.expert_in = routed_tokens * h * g / tokens;
  mem.act_in = routed_tokens * gate * f * x.act_in / tokens;
  if (moe.shared_experts > 0) {
    const double fs = static_cast<double>(moe.shared_experts * moe.shared_ffn_hidden) / t;
    w.ops.push_back(gemm("shared_fc1", tokens, h, gate * fs));
    w.ops.push_back(
        elementwise("shared_act", activation_kind(model), tokens * fs * act_bytes_per_unit));
    w.ops.back().elements = tokens * fs;
    w.ops.push_back(gemm("shared_fc2", tokens, fs, h));
    mem.all += gate * fs * x.act_in + fs * x.g;
  }
  tag(w, first, "moe");
  for (size_t i = first; i < w.ops.size(); ++i) {
    if (w.ops[i].name == "expert_act") w.ops[i].module = "moe_act";
  }
  if (ep > 1) {
    w.comm.ep_bytes = received * h * a;
    w.comm.ep_alltoalls = 2;  // dispatch and combine
    if (expert_tp > 1) w.comm.etp_bytes = routed_tokens * h * a;
  }
  w.expert_params = local_experts * static_cast<double>(model.expert_params()) / expert_tp;
  w.params = (local_experts * static_cast<double>(model.expert_params()) / expert_tp +
              static_cast<double>(model.shared_expert_params()) / t + h * experts);
  return mem;
}

// The dense MLP block.
BlockMemory mlp_ops(const Model& model, const LayerShape& x, LayerWork& w) {
  const double a = x.a, tokens = x.tokens, h = x.h;
  const double gate = is_gated(model.mlp) ? 2.0 : 1.0;
  const double act_bytes_per_unit = (gate + 1.0) * a;  // read gate(+up), write activation
  const double f = static_cast<double>(model.ffn_hidden) / x.t;
  w.ops.push_back(gemm("fc1", tokens, h, gate * f));
  w.ops.push_back(elementwise("mlp_act", activation_kind(model), tokens * f * act_bytes_per_unit));
  w.ops.back().elements = tokens * f;
  w.ops.push_back(gemm("fc2", tokens, f, h));
  tag(w, w.ops.size() - 3, "mlp");
  w.params = static_cast<double>(model.dense_mlp_params()) / x.t;
  // fc1's output (the activation's input) and the activation's output (fc2's input).
  return {gate * f * x.act_in + f * x.g, f * x.g};
}

}  // namespace

const std::vector<std::string>& attention_kernel_names() {
  static const std::vector<std::string> names = {"flash", "flash2", "flash-triton", "flash-v1",
                                                 "unfused"};
  return names;
}

const std::vector<std::string>& offload_module_names() {
  static const std::vector<std::string> names = {
      "attn_norm", "qkv_linear", "core_attn", "attn_proj", "mlp_norm", "expert_fc1", "moe_act"};
  return names;
}

const std::vector<std::string>& recompute_module_names() {
  static const std::vector<std::string> names = {"core_attn", "layernorm", "mla_up_proj", "mlp",
                                                 "moe",       "moe_act",   "op"};
  return names;
}

bool recomputed_by(const Operator& op, const std::string& module) {
  if (module == "op") return op.op_policy_share > 0;
  return !op.module.empty() && (op.module == module || (module == "moe" && op.module == "moe_act"));
}

double activation_bytes_with(const LayerWork& w, const std::vector<std::string>& modules) {
  double bytes = w.activation_bytes;
  const bool moe = std::find(modules.begin(), modules.end(), "moe") != modules.end();
  for (const auto& m : modules) {
    if (m == "moe_act" && moe) continue;  // inside the recomputed MoE block already
    const auto it = w.recompute_saves.find(m);
    if (it != w.recompute_saves.end()) bytes -= it->second;
  }
  return bytes;
}

namespace {

// PyTorch's per-op selective checkpointing as TorchTitan configures it
// (torchtitan/distributed/activation_checkpoint.py, selective_ac_option "op"): inside each block
// the outputs of aten.mm are kept except every second one, and the attention kernel's; every
// other op re-runs in backward from them and the block input. In a Llama block the products
// run wq, wk, wv, wo, w1, w3, w2: wq, wv, w1 and w2 are kept, wk, wo and w3 re-run. Grouped
// expert GEMMs are not aten.mm: they re-run.
void op_policy(const Model& model, bool moe, const LayerShape& x, LayerWork& w) {
  const double a = x.a, tokens = x.tokens, heads = x.heads;
  const double d = static_cast<double>(model.head_dim);
  const bool gated = is_gated(model.mlp);
  double kept = 0;  // per token, beside the block input
  for (auto& op : w.ops) {
    if (op.kind == OpKind::elementwise) {
      op.op_policy_share = 1;
    } else if (op.kind == OpKind::gemm) {
      if (op.name == "qkv_proj") {
        op.op_policy_share = x.kv_heads / (heads + 2 * x.kv_heads);  // wk
      } else if (op.name == "out_proj" || op.name.rfind("expert_", 0) == 0) {
        op.op_policy_share = 1;
      } else if (op.name == "fc1") {
        op.op_policy_share = gated ? 0.5 : 0;  // w3 of [w1, w3]
      } else if (op.name == "fc2") {
        op.op_policy_share = gated ? 0 : 1;
      } else if (op.name != "logits") {
        op.op_policy_share = 0.5;  // MLA projections, shared experts, the router: every other
      }
    }
  }
  if (model.mla) {
    kept += 0.5 * (heads * x.qk_dim + x.kv_width) * a;
  } else {
    kept += (heads + x.kv_heads) * d * a;  // wq, wv
  }
  kept += heads * x.v_dim * a + heads * 4.0;  // the attention output and its log-sum-exp
  if (!moe) {
    const double f = static_cast<double>(model.ffn_hidden) / x.t;
    kept += gated ? f * a + x.h * a : f * a;  // w1 and w2, or fc1
  }
  w.recompute_saves["op"] = std::max(0.0, w.activation_bytes - w.input_bytes - kept * tokens);
}

}  // namespace

LayerWork layer_work(const Model& model, int layer, const Shard& shard) {
  LayerWork w;
  const LayerShape x = layer_shape(model, shard);
  const double a = x.a, t = x.t, tokens = x.tokens, seq_tokens = x.seq_tokens, h = x.h;
  const double heads = x.heads;
  attention_ops(model, shard, x, w);
  const bool moe = model.is_moe_layer(layer);
  const BlockMemory block = moe ? moe_ops(model, shard, x, w) : mlp_ops(model, x, w);
  const double mlp_act_mem = block.all;
  if (model.dropout)
    w.ops.push_back(elementwise("dropout_mlp", BlockKind::residual, seq_tokens * h * (2 * a + 1)));
  w.ops.push_back(elementwise("residual_mlp", BlockKind::residual, 3 * seq_tokens * h * a, 1.0));
  w.params += static_cast<double>(model.attention_params()) / t + 2 * h;

  // --- communication ---
  if (shard.tp > 1) {
    w.comm.tp_bytes = tokens * h * a;
    // Attention and MLP each end in an all-reduce (or reduce-scatter + all-gather with SP);
    // an EP MoE block works on the sequence-parallel shard and needs none.
    w.comm.tp_collectives = (model.is_moe_layer(layer) && shard.ep > 1) ? 1 : 2;
  }
  if (shard.cp > 1) w.comm.cp_bytes = (shard.cp - 1) * tokens * x.kv_width * a;

  // --- activation memory (Korthikanti et al. 2022 accounting, FlashAttention: no s^2 term) ---
  const double sp_div = shard.sequence_parallel ? t : 1.0;
  const double g = x.g;  // a matrix product's saved input
  double per_token = 0;
  per_token += (a + g) * h / sp_div;                 // norm input, QKV input
  per_token += (heads * x.qk_dim + x.kv_width) * a;  // Q, K, V
  per_token += heads * x.v_dim * a + heads * 4.0;    // context (out_proj input), softmax stats
  if (g != a) per_token += heads * x.v_dim * g;      // out_proj's own quantized input
  per_token += (a + g) * h / sp_div;                 // post-attn norm input, MLP input
  per_token += mlp_act_mem;                          // MLP/expert inputs and activations
  if (model.dropout) per_token += 2 * h / sp_div;    // two dropout masks, 1 byte
  // Unfused attention keeps the softmax output (2 B), the dropout output (2 B) and mask (1 B)
  // per score; selective recompute drops exactly these and recomputes them in backward.
  const double scores_bytes = shard.attention != AttentionKernel::unfused
                                  ? 0.0
                                  : x.score_elems * (model.dropout ? 5.0 : 2.0);
  w.activation_bytes = per_token * tokens + scores_bytes;
  w.recompute_saves["core_attn"] = scores_bytes;
  w.recompute_saves["layernorm"] = 2 * h * g / sp_div * tokens;  // the norms' outputs
  if (model.mla) w.recompute_saves["mla_up_proj"] = (heads * x.qk_dim + x.kv_width) * a * tokens;
  w.recompute_saves[moe ? "moe" : "mlp"] = block.all * tokens;
  if (moe) w.recompute_saves["moe_act"] = block.act * tokens;
  // Each module's input as the accounting above keeps it.
  w.offload_saves["attn_norm"] = a * h / sp_div * tokens;
  w.offload_saves["qkv_linear"] = g * h / sp_div * tokens;
  w.offload_saves["core_attn"] = (heads * x.qk_dim + x.kv_width) * a * tokens;
  w.offload_saves["attn_proj"] =
      (heads * x.v_dim * a + (g != a ? heads * x.v_dim * g : 0.0)) * tokens;
  w.offload_saves["mlp_norm"] = a * h / sp_div * tokens;
  if (moe) {
    w.offload_saves["expert_fc1"] = block.expert_in * tokens;
    w.offload_saves["moe_act"] = block.act_in * tokens;
  }
  w.input_bytes = tokens * h * a / sp_div;
  run_on_stack(w, shard, true);
  op_policy(model, moe, x, w);
  return w;
}

LayerWork embedding_work(const Model& model, const Shard& shard) {
  LayerWork w;
  const double a = shard.bytes_per_activation;
  const double tokens = static_cast<double>(shard.micro_batch) * shard.seq_len / shard.cp;
  const double h = static_cast<double>(model.hidden);
  w.ops.push_back(elementwise("embedding_lookup", BlockKind::other, 2 * tokens * h * a, 2.0));
  w.params = static_cast<double>(model.embedding_params()) / shard.tp;
  if (shard.tp > 1) {
    w.comm.tp_bytes = tokens * h * a;
    w.comm.tp_collectives = 1;  // vocab-parallel embedding: reduce (scatter) across TP
  }
  w.input_bytes = 0;
  run_on_stack(w, shard, false);
  return w;
}

LayerWork output_work(const Model& model, const Shard& shard) {
  LayerWork w;
  const double a = shard.bytes_per_activation;
  const double t = shard.tp;
  const double tokens = static_cast<double>(shard.micro_batch) * shard.seq_len / shard.cp;
  const double h = static_cast<double>(model.hidden);
  const double v = static_cast<double>(model.vocab) / t;
  const double seq_tokens = shard.sequence_parallel ? tokens / t : tokens;
  w.ops.push_back(elementwise("final_norm", norm_kind(model), 2 * seq_tokens * h * a));
  w.ops.back().elements = seq_tokens * h;
  w.ops.push_back(gemm("logits", tokens, h, v));
  // Vocab-parallel cross-entropy in FP32: max, exp-sum, loss; backward writes the softmax grad.
  w.ops.push_back(
      elementwise("cross_entropy", BlockKind::cross_entropy, 3 * tokens * v * 4.0, 1.0));
  w.params =
      static_cast<double>(model.vocab) * h / t;  // untied head, or the tied copy on the last stage
  if (shard.tp > 1) {
    w.comm.tp_bytes = tokens * h * a;
    w.comm.tp_collectives = 1;
  }
  w.activation_bytes = tokens * (h * a / (shard.sequence_parallel ? t : 1.0) + v * 4.0);
  w.input_bytes = w.activation_bytes;
  // Held for backward: the FP32 softmax (or log-probabilities), 4 B per logit. While the loss
  // runs, the BF16 logits are live beside it (Megatron's vocab-parallel loss works in place on
  // their FP32 copy); an eager F.cross_entropy on an FP32 copy also keeps the copy (2 + 4 B).
  const Stack& stack = stack_or_default(shard.stack);
  w.transient_bytes = tokens * v * (stack.fp32_logits_copy ? 6.0 : 2.0);
  run_on_stack(w, shard, false);
  return w;
}

LayerWork mtp_work(const Model& model, const Shard& shard) {
  LayerWork w;
  const LayerShape x = layer_shape(model, shard);
  const double a = x.a, t = x.t, tokens = x.tokens, h = x.h, seq_tokens = x.seq_tokens;
  w.ops.push_back(elementwise("mtp_embedding", BlockKind::other, 2 * tokens * h * a, 2.0));
  for (const char* name : {"mtp_hidden_norm", "mtp_embedding_norm"}) {
    w.ops.push_back(elementwise(name, norm_kind(model), 2 * seq_tokens * h * a));
    w.ops.back().elements = seq_tokens * h;
  }
  w.ops.push_back(gemm("mtp_projection", tokens, 2 * h, h / t));
  run_on_stack(w, shard, false);
  w.params = 2 * h * h / t + 2 * h;
  w.activation_bytes = 2 * seq_tokens * h * a * 2;  // the norms' inputs and the projection's

  const LayerWork block = layer_work(model, model.layers - 1, shard);
  const LayerWork head = output_work(model, shard);
  for (const LayerWork* part : {&block, &head}) {
    w.ops.insert(w.ops.end(), part->ops.begin(), part->ops.end());
    w.comm.tp_collectives += part->comm.tp_collectives;
    w.activation_bytes += part->activation_bytes;
  }
  // The block's collectives; the head's TP collective moves the same tokens x h (output_work).
  w.comm.tp_bytes = block.comm.tp_bytes > 0 ? block.comm.tp_bytes : head.comm.tp_bytes;
  w.comm.cp_bytes = block.comm.cp_bytes;
  w.comm.ep_bytes = block.comm.ep_bytes;
  w.comm.etp_bytes = block.comm.etp_bytes;
  w.comm.ep_alltoalls = block.comm.ep_alltoalls;
  w.params += block.params;
  w.expert_params = block.expert_params;
  w.recompute_saves = block.recompute_saves;
  w.input_bytes = block.input_bytes + head.activation_bytes;
  w.transient_bytes = head.transient_bytes;
  w.moe_load = block.moe_load;
  return w;
}

double layer_forward_flops_per_token(const Model& model, long long seq_len) {
  Shard one;
  one.seq_len = seq_len;
  // A layer's work depends only on whether it is a MoE layer: price one of each kind.
  double per_kind[2] = {-1, -1};
  double total = 0;
  for (int i = 0; i < model.layers; ++i) {
    double& f = per_kind[model.is_moe_layer(i) ? 1 : 0];
    if (f < 0) {
      f = 0;
      for (const auto& op : layer_work(model, i, one).ops) f += op.flops;
    }
    total += f;
  }
  return total / static_cast<double>(seq_len);
}

double model_flops_per_token(const Model& model, long long seq_len) {
  Shard one;
  one.seq_len = seq_len;
  double total = 3.0 * layer_forward_flops_per_token(model, seq_len) * static_cast<double>(seq_len);
  for (const auto& op : output_work(model, one).ops) total += op.flops + op.bwd_flops;
  if (model.mtp_layers > 0) {
    double mtp = 0;
    for (const auto& op : mtp_work(model, one).ops) mtp += op.flops + op.bwd_flops;
    total += model.mtp_layers * mtp;
  }
  return total / static_cast<double>(seq_len);
}

}  // namespace colossim
