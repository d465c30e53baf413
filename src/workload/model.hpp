// A decoder-only transformer as trained: dense or mixture-of-experts, MHA/GQA or MLA attention,
// gated (SwiGLU/GeGLU) or plain (GELU, squared-ReLU) MLPs, tied or untied embeddings.
// Plain value type; counts (parameters, FLOPs) are exact sums over the layers, not 12*L*h^2.
#pragma once

#include <optional>
#include <string>

#include "core/config.hpp"

namespace colossim {

enum class MlpKind { swiglu, geglu, gelu, relu2 };
// The normalisation before each block: RMSNorm (Llama, Mistral, Qwen, DeepSeek) or LayerNorm
// (GPT, BLOOM, OPT, MPT, Nemotron).
enum class NormKind { rmsnorm, layernorm };
[[nodiscard]] inline bool is_gated(MlpKind k) {
  return k == MlpKind::swiglu || k == MlpKind::geglu;
}

struct MoeSpec {
  int experts = 0;                  // routed experts per MoE layer
  int top_k = 1;                    // routed experts per token
  long long expert_ffn_hidden = 0;  // FFN width of one routed expert
  int shared_experts = 0;           // always-on experts (DeepSeek, Llama 4)
  long long shared_ffn_hidden = 0;  // FFN width of one shared expert (default: expert_ffn_hidden)
  int dense_layers = 0;             // the first N layers use a dense MLP (DeepSeek-V3: 3)
  int every = 1;                    // every N-th layer (after dense_layers) is MoE; others dense
  // How the router balances the experts (workload/routing.hpp): aux-loss | global-aux-loss | aux-free | forced,
  // an optional override of that method's expert skew, and the capacity factor beyond which a
  // rank's tokens are dropped (0: dropless).
  std::string balancing = "aux-loss";
  std::optional<double> skew;
  double capacity_factor = 0;
  int node_limit = 0;  // a token's experts on at most this many nodes (DeepSeek-V3: 4); 0: any
};

// Multi-head latent attention (DeepSeek-V2/V3): low-rank Q and KV projections.
struct MlaSpec {
  long long q_lora_rank = 0;  // 0 = full-rank Q projection
  long long kv_lora_rank = 512;
  long long qk_nope_head_dim = 128;
  long long qk_rope_head_dim = 64;
  long long v_head_dim = 128;
};

struct Model {
  std::string name;
  int layers = 0;
  long long hidden = 0;
  long long ffn_hidden = 0;  // dense MLP width
  int heads = 0;
  int kv_heads = 0;        // = heads for MHA
  long long head_dim = 0;  // default hidden / heads
  long long vocab = 0;
  long long seq_len = 0;
  MlpKind mlp = MlpKind::swiglu;
  bool tied_embeddings = false;
  bool learned_positions = false;  // GPT-2/3 style position table
  bool dropout = false;            // GPT-3-era training used dropout; Llama-era does not
  // model.norm; when not given, RMSNorm for gated MLPs (the Llama family) and LayerNorm for
  // the others (the GPT family), as the published architectures pair them.
  std::optional<NormKind> norm;
  std::optional<MoeSpec> moe;
  std::optional<MlaSpec> mla;
  // Multi-token-prediction modules trained beside the model (DeepSeek-V3 Sec 2.2, D = 1): each
  // one a projection of [norm(h); norm(embedding)] (2h x h), one transformer block like the
  // last layer, and a second pass of the shared output head and loss. Megatron-Core runs them
  // on the last pipeline stage (--mtp-num-layers). Their parameters are outside params().
  int mtp_layers = 0;

  [[nodiscard]] bool is_moe_layer(int layer) const;
  [[nodiscard]] NormKind norm_kind() const {
    return norm.value_or(is_gated(mlp) ? NormKind::rmsnorm : NormKind::layernorm);
  }
  [[nodiscard]] long long attention_params() const;       // one layer
  [[nodiscard]] long long dense_mlp_params() const;       // one dense layer's MLP
  [[nodiscard]] long long expert_params() const;          // one routed expert
  [[nodiscard]] long long shared_expert_params() const;   // all shared experts of one layer
  [[nodiscard]] long long embedding_params() const;       // input embedding (+ positions)
  [[nodiscard]] long long output_params() const;          // output projection (0 when tied)
  [[nodiscard]] long long layer_params(int layer) const;  // one layer, norms included
  [[nodiscard]] long long params() const;                 // total
  [[nodiscard]] long long active_params() const;          // touched per token (MoE: top_k experts)
  [[nodiscard]] int moe_layers() const;
  [[nodiscard]] long long mtp_params() const;  // all MTP modules (projection and block)
};

// Reads a model: `preset: NAME` (then field overrides), `hf_config: path` (then overrides),
// or the fields themselves. `base_dir` resolves a relative hf_config path.
Model read_model(const ConfigNode& node, const std::string& base_dir);
// The built-in preset by id (data/models/ID.yaml); nullopt if there is none.
std::optional<Model> find_preset(const std::string& id);
std::string preset_ids();
// Imports a Hugging Face config.json (Llama, Mixtral, DeepSeek-V3, GPT-2, GPT-NeoX families).
Model import_hf_config(const std::string& path);

}  // namespace colossim
