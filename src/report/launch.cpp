#include "report/launch.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "plan/pipeline.hpp"
#include "workload/stack.hpp"

namespace colossim {

namespace {

// Megatron-Core's and NeMo's name of an FP8 recipe (megatron/core/enums.py Fp8Recipe: current
// scaling is "tensorwise").
std::string megatron_fp8_recipe(const std::string& recipe) {
  return recipe == "current" ? "tensorwise" : recipe;
}

// torchao's name of a recipe it runs (TorchTitan's Float8LinearConverter recipe_name,
// torchao/float8/config.py Float8LinearRecipeName): current scaling is its "tensorwise";
// nullopt for Transformer Engine's recipes it has not (delayed, blockwise, mxfp8).
std::optional<std::string> torchao_recipe(const std::string& recipe) {
  if (recipe == "current") return "tensorwise";
  if (recipe == "rowwise") return "rowwise";
  return std::nullopt;
}

// A schedule Megatron-Core does not run (data/stacks.yaml: its `schedules`), such as DualPipeV.
std::optional<std::string> megatron_lacks(const Plan& p) {
  // Megatron-Core's FP8 recipes (megatron/core/enums.py Fp8Recipe): no row-wise scaling.
  if (p.precision == Precision::fp8 && p.fp8_recipe == "rowwise")
    return "# not runnable: Megatron-Core has no rowwise FP8 recipe (torchao's, as TorchTitan "
           "runs it)";
  const Stack* megatron = find_stack("megatron-core");
  if (megatron == nullptr || megatron->offers(p.schedule)) return std::nullopt;
  return "# not runnable: Megatron-Core has no " + p.schedule + " schedule";
}

// The model as Megatron-LM's flags describe it (megatron/training/arguments.py and the
// TransformerConfig fields its ArgumentGroupFactory turns into flags, at d98e8a64).
// Full recompute on a share of the layers: Megatron's block method, the first N layers of each
// pipeline chunk; every layer (uniform, 1 a group) otherwise.
std::string megatron_recompute_layers(const Scenario& s, const Plan& p, const char* method_key,
                                      const char* layers_key, const char* sep) {
  const long long chunk = std::max(1LL, static_cast<long long>(s.model.layers) /
                                            (static_cast<long long>(p.pp) * p.virtual_stages));
  if (p.recompute_fraction >= 1)
    return fmt::format(" {}{}uniform {}{}1", method_key, sep, layers_key, sep);
  const long long n = std::max(1LL, std::llround(p.recompute_fraction * chunk));
  return fmt::format(" {}{}block {}{}{}", method_key, sep, layers_key, sep, n);
}

std::string megatron_model(const Model& m) {
  std::string a = fmt::format(
      "--num-layers {} --hidden-size {} --ffn-hidden-size {} --num-attention-heads {} "
      "--max-position-embeddings {} --vocab-size {}",
      m.layers, m.hidden, m.ffn_hidden > 0 ? m.ffn_hidden : 4 * m.hidden, m.heads, m.seq_len,
      m.vocab);
  const long long head_dim = m.head_dim > 0 ? m.head_dim : m.hidden / m.heads;
  if (!m.mla && head_dim * m.heads != m.hidden) a += fmt::format(" --kv-channels {}", head_dim);
  if (!m.mla && m.kv_heads > 0 && m.kv_heads != m.heads)
    a += fmt::format(" --group-query-attention --num-query-groups {}", m.kv_heads);
  if (m.mla) {
    a += fmt::format(
        " --multi-latent-attention --kv-lora-rank {} --qk-head-dim {} --qk-pos-emb-head-dim {} "
        "--v-head-dim {}",
        m.mla->kv_lora_rank, m.mla->qk_nope_head_dim, m.mla->qk_rope_head_dim, m.mla->v_head_dim);
    if (m.mla->q_lora_rank > 0) a += fmt::format(" --q-lora-rank {}", m.mla->q_lora_rank);
  }
  if (m.mlp == MlpKind::swiglu) a += " --swiglu";
  if (m.norm_kind() == NormKind::rmsnorm) a += " --normalization RMSNorm";
  a += m.learned_positions ? " --position-embedding-type learned_absolute"
                           : " --position-embedding-type rope";
  if (!m.tied_embeddings) a += " --untie-embeddings-and-output-weights";
  if (!m.dropout) a += " --attention-dropout 0 --hidden-dropout 0";
  if (m.moe) {
    const MoeSpec& e = *m.moe;
    a += fmt::format(
        " --num-experts {} --moe-router-topk {} --moe-ffn-hidden-size {} --moe-grouped-gemm",
        e.experts, e.top_k, e.expert_ffn_hidden);
    if (e.shared_experts > 0)
      a += fmt::format(" --moe-shared-expert-intermediate-size {}",
                       static_cast<long long>(e.shared_experts) *
                           (e.shared_ffn_hidden > 0 ? e.shared_ffn_hidden : e.expert_ffn_hidden));
    if (e.dense_layers > 0 || e.every > 1) {
      std::string pattern;
      for (int l = 0; l < m.layers; ++l)
        pattern += (l ? "," : "") + std::string(m.is_moe_layer(l) ? "1" : "0");
      a += " --moe-layer-freq [" + pattern + "]";
    }
  }
  if (m.mtp_layers > 0) a += fmt::format(" --mtp-num-layers {}", m.mtp_layers);
  return a;
}

// Megatron's --pipeline-model-parallel-layout for a split that is not plain even (uneven layers,
// embedding and loss in layer slots, MTP modules): each model chunk in order, "E" for the
// embedding, "t" per layer, "m" per MTP module, "L" for the loss, "|" between chunks
// (megatron/core/transformer/pipeline_parallel_layer_layout.py). Empty when the split is even.
std::string megatron_layout(const Scenario& s, const Plan& p) {
  const int chunks = p.pp * p.virtual_stages;
  if (p.pp <= 1 || (s.model.layers % chunks == 0 && s.model.mtp_layers == 0)) return "";
  const PipelineLayout l = layout_of(s.model, p);
  std::vector<std::string> parts;
  for (const Chunk& c : l.chunks) {
    std::string x = c.has_embedding ? "E" : "";
    if (c.layers.size() == 1) x += "t";
    if (c.layers.size() > 1) x += fmt::format("t*{}", c.layers.size());
    if (c.has_output) x += std::string(static_cast<size_t>(s.model.mtp_layers), 'm') + "L";
    parts.push_back(x);
  }
  // Runs of equal chunks as "(x|)*k", which the parser unrolls to "x|x|...x|".
  std::string out;
  for (size_t i = 0; i + 1 < parts.size();) {
    size_t k = 1;
    while (i + k + 1 < parts.size() && parts[i + k] == parts[i]) ++k;
    out += k > 1 ? fmt::format("({}|)*{}", parts[i], k) : parts[i] + "|";
    i += k;
  }
  return out + parts.back();
}

}  // namespace

std::string megatron_args(const Scenario& s, const Plan& p) {
  if (auto why = megatron_lacks(p)) return *why;
  std::string a = megatron_model(s.model) + " ";
  a += fmt::format("--tensor-model-parallel-size {} --pipeline-model-parallel-size {}", p.tp, p.pp);
  // validate_args: the layout, when one is needed, names the virtual stages itself.
  const std::string layout = megatron_layout(s, p);
  if (!layout.empty()) {
    a += " --pipeline-model-parallel-layout \"" + layout + "\"";
  } else if (p.virtual_stages > 1) {
    a += fmt::format(" --num-virtual-stages-per-pipeline-rank {}", p.virtual_stages);
  }
  if (p.cp > 1) a += fmt::format(" --context-parallel-size {}", p.cp);
  if (p.ep > 1) a += fmt::format(" --expert-model-parallel-size {}", p.ep);
  if (p.ep > 1) a += fmt::format(" --expert-tensor-parallel-size {}", expert_tp(p));
  a += fmt::format(" --micro-batch-size {} --global-batch-size {} --seq-length {}", p.micro_batch,
                   s.training.global_batch, s.model.seq_len);
  if (p.sequence_parallel && p.tp > 1) a += " --sequence-parallel";
  if (p.recompute == Recompute::selective) {
    a += " --recompute-granularity selective --recompute-modules";
    for (const auto& m : p.recompute_modules) a += " " + m;
  }
  if (s.model.moe) {
    a += p.ep > 1 && p.moe_dispatcher == "deepep"
             ? " --moe-token-dispatcher-type flex --moe-enable-deepep"
             : " --moe-token-dispatcher-type alltoall";
  }
  if (p.ep > 1 && p.moe_a2a_overlap)
    a += " --overlap-moe-expert-parallel-comm --delay-wgrad-compute";
  // The fused kernels the simulation prices that Megatron-LM leaves off by default (d98e8a64):
  // the vocabulary-parallel loss in one kernel (its native implementation; validate_args refuses
  // Transformer Engine's), the MoE permutation and the router's top-k and softmax.
  a += " --cross-entropy-loss-fusion";
  if (s.model.moe) a += " --moe-permute-fusion --moe-router-fusion";
  if (p.recompute == Recompute::full)
    a += " --recompute-granularity full" +
         megatron_recompute_layers(s, p, "--recompute-method", "--recompute-num-layers", " ");
  if (p.zero >= 1) a += " --use-distributed-optimizer";
  if (p.zero >= 1 && p.dp_shard > 0 && p.dp_shard < p.dp * p.cp)
    a += fmt::format(" --num-distributed-optimizer-instances {}", p.dp * p.cp / p.dp_shard);
  if (p.zero >= 2)
    a += fmt::format(" --data-parallel-sharding-strategy {}",
                     p.zero == 2 ? "optim_grads" : "optim_grads_params");
  // Megatron FSDP (renamed from --use-custom-fsdp in Megatron-Core 0.14) checkpoints as DTensors.
  if (p.zero >= 2) a += " --use-megatron-fsdp --ckpt-format fsdp_dtensor";
  a += " --bf16";
  if (!p.grad_reduce_fp32) a += " --grad-reduce-in-bf16";
  if (p.precision == Precision::fp8)
    a += " --fp8-format hybrid --fp8-recipe " + megatron_fp8_recipe(p.fp8_recipe);
  if (p.precision == Precision::fp8 && p.fp8_param_gather) a += " --fp8-param-gather";
  if (p.overlap_grad_reduce) a += " --overlap-grad-reduce";
  // validate_args: --overlap-param-gather needs the distributed optimizer and grad overlap.
  if (p.overlap_param_gather && p.zero >= 1 && p.overlap_grad_reduce)
    a += " --overlap-param-gather";
  if (p.tp_comm_overlap && p.tp > 1) a += " --tp-comm-overlap";
  if (!p.offload_modules.empty()) {
    a += " --fine-grained-activation-offloading --offload-modules";
    for (const auto& m : p.offload_modules) a += " " + m;
    if (p.offload_fraction < 1)
      a += fmt::format(" --activation-offload-fraction {:g}", p.offload_fraction);
  }
  a += p.attention == AttentionKernel::unfused ? " --attention-backend unfused"
                                               : " --attention-backend flash";
  // No Megatron-LM flag stores SwiGLU's input in FP8 (TransformerConfig's
  // activation_func_fp8_input_store has none at d98e8a64): NeMo and Megatron-Bridge set it.
  if (p.activation_fp8_input) a += "  # activation_func_fp8_input_store: a config field, no flag";
  return a;
}

std::string megatron_command(const Scenario& s, const Plan& p) {
  if (auto why = megatron_lacks(p)) return *why;
  // validate_args (d98e8a64) asserts CUDA_DEVICE_MAX_CONNECTIONS=1 with TP or CP before
  // Blackwell, unless Megatron FSDP or the MoE all-to-all overlap (which wants more
  // connections) is on; on Blackwell it is not needed and does no harm.
  const bool one_connection =
      (p.tp > 1 || p.cp > 1) && p.zero < 2 && !(p.ep > 1 && p.moe_a2a_overlap);
  // Expandable segments keep the caching allocator's fragmentation small, as the memory the
  // plan was chosen by assumes (NVIDIA's Megatron recipes set them; report.cpp has the cost of
  // going without).
  return fmt::format(
      "PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True {}torchrun --nnodes {} --nproc_per_node "
      "{} pretrain_gpt.py {} --train-samples {} "
      "--lr 3e-4 --min-lr 3e-5 --lr-decay-style cosine --lr-warmup-samples {} "
      "--mock-data --tokenizer-type NullTokenizer",
      one_connection ? "CUDA_DEVICE_MAX_CONNECTIONS=1 " : "",
      s.cluster.job_gpus() / s.cluster.gpus_per_node, s.cluster.gpus_per_node, megatron_args(s, p),
      100 * s.training.global_batch, s.training.global_batch);
}

// NeMo 2.0's pre-training recipes (nemo/collections/llm/recipes/*.py, each a NeMo-Run factory
// named by its NAME, at NVIDIA/NeMo 8cfedd72): colossim's preset name -> recipe.
struct NemoRecipe {
  const char* name;
  const char* factory;
};
constexpr NemoRecipe kNemoRecipes[] = {
    {"Llama 3.1 8B", "llama31_8b"},      {"Llama 3.1 70B", "llama31_70b"},
    {"Llama 3.1 405B", "llama31_405b"},  {"Llama 4 Maverick 400B", "llama4_e128"},
    {"Mixtral 8x7B", "mixtral_8x7b"},    {"Mixtral 8x22B", "mixtral_8x22b"},
    {"Nemotron-4 15B", "nemotron4_15b"}, {"Nemotron-4 340B", "nemotron4_340b"},
    {"GPT-3 175B", "gpt3_175b"},         {"DeepSeek-V3 671B", "deepseek_v3"},
    {"Qwen3-30B-A3B", "qwen3_30b_a3b"},  {"Qwen3-235B-A22B", "qwen3_235b_a22b"}};

std::string nemo_command(const Scenario& s, const Plan& p) {
  std::string overrides = nemo_overrides(s, p);
  if (overrides.rfind('#', 0) == 0) return overrides;
  for (const auto& r : kNemoRecipes) {
    if (s.model.name == r.name)
      return fmt::format("nemo llm pretrain --factory {} {}", r.factory, overrides);
  }
  return fmt::format(
      "# NeMo has no recipe for {}: start from the nearest one's factory and add the model's "
      "config; then: {}",
      s.model.name, overrides);
}

std::string nemo_overrides(const Scenario& s, const Plan& p) {
  if (auto why = megatron_lacks(p)) return *why;
  if (!p.offload_modules.empty())
    return "# not runnable: NeMo 8cfedd72's Megatron-Core (0.14) has no fine-grained activation "
           "offloading";
  std::string a = fmt::format(
      "trainer.strategy.tensor_model_parallel_size={} "
      "trainer.strategy.pipeline_model_parallel_size={} "
      "trainer.strategy.context_parallel_size={} trainer.strategy.expert_model_parallel_size={} "
      "trainer.strategy.virtual_pipeline_model_parallel_size={} "
      "trainer.strategy.sequence_parallel={} "
      "data.micro_batch_size={} data.global_batch_size={} data.seq_length={} "
      "trainer.num_nodes={} trainer.devices={}",
      p.tp, p.pp, p.cp, p.ep, p.virtual_stages > 1 ? std::to_string(p.virtual_stages) : "None",
      p.sequence_parallel && p.tp > 1 ? "True" : "False", p.micro_batch, s.training.global_batch,
      s.model.seq_len, s.cluster.job_gpus() / s.cluster.gpus_per_node, s.cluster.gpus_per_node);
  if (p.recompute != Recompute::none) {
    a += fmt::format(" model.config.recompute_granularity={}",
                     p.recompute == Recompute::full ? "full" : "selective");
    if (p.recompute == Recompute::full)
      a += megatron_recompute_layers(s, p, "model.config.recompute_method",
                                     "model.config.recompute_num_layers", "=");
    if (p.recompute == Recompute::selective) {
      std::string modules;
      for (const auto& m : p.recompute_modules) modules += (modules.empty() ? "" : ",") + m;
      a += " model.config.recompute_modules=[" + modules + "]";
    }
  }
  if (p.ep > 1) a += fmt::format(" trainer.strategy.expert_tensor_parallel_size={}", expert_tp(p));
  if (p.ep > 1 && p.moe_dispatcher == "deepep")
    a += " model.config.moe_token_dispatcher_type=flex model.config.moe_enable_deepep=True";
  if (p.ep > 1 && p.moe_a2a_overlap)
    a +=
        " model.config.overlap_moe_expert_parallel_comm=True model.config.delay_wgrad_compute=True";
  if (p.activation_fp8_input) a += " model.config.activation_func_fp8_input_store=True";
  // NeMo's GPTConfig fuses the loss by default; its MoE configs differ on the permutation.
  if (s.model.moe) a += " model.config.moe_permute_fusion=True model.config.moe_router_fusion=True";
  // NeMo's bf16_with_fp8_mixed is no NeMo-Run CLI factory (only bf16_mixed and fp16_mixed are,
  // nemo/collections/llm/recipes/precision/mixed_precision.py): its bf16_mixed with the fields
  // bf16_with_fp8_mixed sets (delayed scaling, E4M3 forward / E5M2 backward), as the simulation
  // assumes.
  // bf16_mixed reduces gradients in FP32 (grad_reduce_in_fp32=True); the plan says which.
  a += " trainer.plugins=bf16_mixed";
  if (!p.grad_reduce_fp32) a += " trainer.plugins.grad_reduce_in_fp32=False";
  if (p.precision == Precision::fp8) {
    a += " trainer.plugins.fp8=hybrid trainer.plugins.fp8_recipe=" +
         megatron_fp8_recipe(p.fp8_recipe);
    // Delayed scaling's history (bf16_with_fp8_mixed's); the other recipes keep none.
    if (p.fp8_recipe == "delayed")
      a += " trainer.plugins.fp8_margin=0 trainer.plugins.fp8_amax_history_len=1024"
           " trainer.plugins.fp8_amax_compute_algo=max";
    if (p.fp8_param_gather) a += " trainer.plugins.fp8_param_gather=True";
  }
  return a;
}

std::string torchtitan_toml(const Scenario& s, const Plan& p) {
  const std::string& schedule = find_schedule(p.schedule)->torchtitan;
  // TorchTitan shards data parallelism with FSDP2 (ZeRO-3), over dp_shard ranks under hybrid
  // sharding; ZeRO 0-2 map to replication.
  const long long shard = p.zero >= 3 ? (p.dp_shard > 0 ? p.dp_shard : p.dp) : 1;
  const long long replicate = p.dp / shard;
  std::string t = "[parallelism]\n";
  t += fmt::format("data_parallel_replicate_degree = {}\ndata_parallel_shard_degree = {}\n",
                   replicate, shard);
  t += fmt::format("tensor_parallel_degree = {}\npipeline_parallel_degree = {}\n", p.tp, p.pp);
  t += fmt::format("pipeline_parallel_schedule = \"{}\"\ncontext_parallel_degree = {}\n", schedule,
                   p.cp);
  if (p.ep > 1) t += fmt::format("expert_parallel_degree = {}\n", p.ep);
  if (p.pp > 1) t += fmt::format("pipeline_parallel_microbatch_size = {}\n", p.micro_batch);
  t += "\n[training]\n";
  t += fmt::format("local_batch_size = {}\nglobal_batch_size = {}\nseq_len = {}\n",
                   s.training.global_batch / p.dp, s.training.global_batch, s.model.seq_len);
  t += "\n[activation_checkpoint]\n";
  // Full recompute on a share 1/k of the layers: TorchTitan's layer-selective AC, every k-th.
  const long long every = std::llround(1 / p.recompute_fraction);
  if (p.recompute == Recompute::full && every > 1) {
    t += fmt::format("mode = \"selective\"\nselective_ac_option = \"{}\"\n", every);
  } else {
    t += fmt::format("mode = \"{}\"\n", to_string(p.recompute));
  }
  if (p.precision == Precision::fp8) {
    t += "\n[model]\nconverters = [\"float8\"]\n";
    t += fmt::format("\n[float8]\nrecipe_name = \"{}\"\n",
                     torchao_recipe(p.fp8_recipe).value_or("tensorwise"));
  }
  return t;
}

// TorchTitan's built-in models (pytorch/torchtitan @b5bcd76c, torchtitan/models/*/
// config_registry.py): colossim's preset name -> module, registry function, flavor.
struct TitanModel {
  const char* name;
  const char* module;
  const char* base;
  const char* flavor;
};
constexpr TitanModel kTitanModels[] = {
    {"Llama 3.1 8B", "llama3", "llama3_8b", "8B"},
    {"Llama 3.1 70B", "llama3", "llama3_70b", "70B"},
    {"Llama 3.1 405B", "llama3", "llama3_405b", "405B"},
    {"Qwen3-30B-A3B", "qwen3", "qwen3_30b_a3b", "30B-A3B"},
    {"DeepSeek-V3 671B", "deepseek_v3", "deepseek_v3_671b", "671B"}};

std::string torchtitan_config(const Scenario& s, const Plan& p) {
  const TitanModel* m = nullptr;
  for (const auto& t : kTitanModels) {
    if (s.model.name == t.name) m = &t;
  }
  const std::string schedule = find_schedule(p.schedule)->torchtitan;
  // FSDP2 shards data parallelism (ZeRO-3); ZeRO 0-2 replicate it (HSDP's replicate axis). Its
  // expert parallelism takes its ranks from dp_shard x cp x tp (torchtitan/distributed/
  // parallel_dims.py), so an EP plan shards.
  const bool shards = p.zero >= 3 || (p.ep > 1 && (p.cp * p.tp) % p.ep != 0);
  const long long shard = shards ? (p.dp_shard > 0 && p.zero >= 3 ? p.dp_shard : p.dp) : 1;
  const long long replicate = p.dp / shard;
  const long long seq = s.model.seq_len;
  std::string t = fmt::format(
      "# colossim's plan for {} as a TorchTitan config (pytorch/torchtitan @b5bcd76c, "
      "2026-08-21).\n"
      "# Save as colossim_plan.py on PYTHONPATH and run\n"
      "#   PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True torchrun --nnodes {} --nproc_per_node "
      "{} -m torchtitan.train --module colossim_plan "
      "--config colossim_plan\n",
      s.name, std::max(1LL, s.cluster.job_gpus() / s.cluster.gpus_per_node),
      s.cluster.gpus_per_node);
  if (m == nullptr) {
    t += fmt::format(
        "# TorchTitan has no built-in {}: replace llama3_8b and model_registry below with your "
        "model's.\n",
        s.model.name);
  }
  const TitanModel& base = m != nullptr ? *m : kTitanModels[0];
  if (p.precision == Precision::fp8) {
    t += "from torchtitan.components.quantization import Float8LinearConverter\n";
    t += fmt::format("from torchtitan.models.{} import model_registry\n", base.module);
  }
  t += fmt::format("from torchtitan.models.{}.config_registry import {}\n", base.module, base.base);
  if (p.recompute != Recompute::none)
    t += "from torchtitan.distributed.activation_checkpoint import FullAC, SelectiveAC\n";
  t += "from torchtitan.trainer import Trainer\n\n\ndef colossim_plan() -> Trainer.Config:\n";
  t += fmt::format("    config = {}()\n", base.base);
  if (!p.offload_modules.empty())
    t += "    # colossim priced Megatron-Core's fine-grained activation offloading, which "
         "TorchTitan does not have\n";
  if (p.precision == Precision::fp8) {
    const auto recipe = torchao_recipe(p.fp8_recipe);
    if (!recipe) {
      t += "    # colossim priced " + p.fp8_recipe +
           " scaling, which TorchTitan's float8 converter does not run: tensorwise here\n";
    }
    t += fmt::format(
        "    config.model_spec = model_registry(\n        \"{}\",\n        converters=["
        "Float8LinearConverter.Config(\n            recipe_name=\"{}\",\n"
        "            model_compile_enabled=config.compile.enable,\n        )],\n    )\n",
        base.flavor, recipe.value_or("tensorwise"));
  }
  const std::string par = "    config.parallelism.";
  t += fmt::format("{}data_parallel_replicate_degree = {}\n", par, replicate);
  t += fmt::format("{}data_parallel_shard_degree = {}\n", par, shard);
  t += fmt::format("{}tensor_parallel_degree = {}\n", par, p.tp);
  t +=
      fmt::format("{}enable_sequence_parallel = {}\n", par, p.sequence_parallel ? "True" : "False");
  t += fmt::format("{}context_parallel_degree = {}\n", par, p.cp);
  if (p.tp_comm_overlap && p.tp > 1) {
    // Async TP (micro-pipelined all-gather and reduce-scatter matmuls) is a torch.compile pass:
    // TorchTitan runs it only with compile on (compile.enable_async_tensor_parallel).
    if (!stack_or_default(p.stack).compiled.empty())
      t += "    # async TP needs torch.compile: colossim priced the eager stack; set "
           "training.compile: true to price the compiled one\n";
    t += "    config.compile.enable = True\n    config.compile.enable_async_tensor_parallel = "
         "True\n";
  }
  t += fmt::format("{}expert_parallel_degree = {}\n", par, p.ep);
  t += fmt::format("{}pipeline_parallel_degree = {}\n", par, p.pp);
  if (p.pp > 1) {
    const long long stages = static_cast<long long>(p.pp) * p.virtual_stages;
    t += fmt::format("{}pipeline_parallel_schedule = \"{}\"\n", par, schedule);
    t += fmt::format("{}num_pp_microbatches = {}\n", par,
                     s.training.global_batch / (p.dp * p.micro_batch));
    if (s.model.layers % stages == 0)
      t += fmt::format("{}pipeline_parallel_layers_per_stage = {}\n", par, s.model.layers / stages);
  }
  t += fmt::format("    config.training.num_tokens_per_microbatch_per_dp_rank = {}\n",
                   p.micro_batch * seq);
  t += fmt::format("    config.training.num_tokens_per_train_step = {}\n",
                   s.training.global_batch * seq);
  t += fmt::format("    config.training.max_context_length = {}\n", seq);
  if (p.recompute == Recompute::full && p.recompute_fraction < 1) {
    t += fmt::format(
        "    # recompute_fraction {:g}: TorchTitan's layer-selective AC on every {}th block "
        "(selective_ac_option = \"{}\" in its TOML form); set it in SelectiveAC.Config\n",
        p.recompute_fraction, std::llround(1 / p.recompute_fraction),
        std::llround(1 / p.recompute_fraction));
  }
  t += fmt::format("    config.activation_checkpoint = {}\n",
                   p.recompute == Recompute::full        ? "FullAC.Config()"
                   : p.recompute == Recompute::selective ? "SelectiveAC.Config()"
                                                         : "None");
  t += "    return config\n";
  return t;
}

}  // namespace colossim
