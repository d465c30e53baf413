#include "workload/model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/embedded_data.hpp"
#include "core/registry.hpp"
#include "workload/routing.hpp"

namespace colossim {

bool Model::is_moe_layer(int layer) const {
  if (!moe || layer < moe->dense_layers) return false;
  return (layer - moe->dense_layers) % moe->every == 0;
}

int Model::moe_layers() const {
  int n = 0;
  for (int i = 0; i < layers; ++i) n += is_moe_layer(i) ? 1 : 0;
  return n;
}

long long Model::attention_params() const {
  const long long h = hidden;
  if (mla) {
    const long long qk = mla->qk_nope_head_dim + mla->qk_rope_head_dim;
    const long long q = mla->q_lora_rank > 0 ? h * mla->q_lora_rank + mla->q_lora_rank * heads * qk
                                             : h * heads * qk;
    const long long kv = h * (mla->kv_lora_rank + mla->qk_rope_head_dim) +
                         mla->kv_lora_rank * heads * (mla->qk_nope_head_dim + mla->v_head_dim);
    return q + kv + heads * mla->v_head_dim * h;
  }
  return h * heads * head_dim + 2 * h * kv_heads * head_dim + heads * head_dim * h;
}

long long Model::dense_mlp_params() const { return (is_gated(mlp) ? 3 : 2) * hidden * ffn_hidden; }

long long Model::expert_params() const {
  return moe ? (is_gated(mlp) ? 3 : 2) * hidden * moe->expert_ffn_hidden : 0;
}

long long Model::shared_expert_params() const {
  return moe ? static_cast<long long>(moe->shared_experts) * (is_gated(mlp) ? 3 : 2) * hidden *
                   moe->shared_ffn_hidden
             : 0;
}

long long Model::embedding_params() const {
  return vocab * hidden + (learned_positions ? seq_len * hidden : 0);
}

long long Model::output_params() const { return tied_embeddings ? 0 : vocab * hidden; }

long long Model::mtp_params() const {
  if (mtp_layers == 0 || layers == 0) return 0;
  // The projection, two input norms and a block like the last layer; embedding and output
  // head are shared.
  return mtp_layers * (2 * hidden * hidden + 2 * hidden + layer_params(layers - 1));
}

long long Model::layer_params(int layer) const {
  const long long common = attention_params() + 2 * hidden;  // + two norms
  if (!is_moe_layer(layer)) return common + dense_mlp_params();
  return common + moe->experts * expert_params() + shared_expert_params() + hidden * moe->experts;
}

long long Model::params() const {
  long long total = embedding_params() + output_params() + hidden;  // + final norm
  for (int i = 0; i < layers; ++i) total += layer_params(i);
  return total;
}

long long Model::active_params() const {
  if (!moe) return params();
  long long total = params();
  total -= static_cast<long long>(moe_layers()) * (moe->experts - moe->top_k) * expert_params();
  return total;
}

namespace {

MlpKind parse_mlp(const ConfigNode& n, const std::string& key, MlpKind fallback) {
  const std::string v = n.choice_or(key, {"swiglu", "geglu", "gelu", "relu2"}, "");
  if (v == "swiglu") return MlpKind::swiglu;
  if (v == "geglu") return MlpKind::geglu;
  if (v == "gelu") return MlpKind::gelu;
  if (v == "relu2") return MlpKind::relu2;
  return fallback;
}

// Keeps products of dimensions (parameters, FLOPs) far inside 64-bit and double range.
constexpr int kMaxDimension = 100'000'000;
constexpr long long kMaxLayers = 100'000;
constexpr long long kMaxHeads = 1'000'000;
constexpr long long kMaxExperts = 1'000'000;
constexpr std::uintmax_t kMaxConfigBytes = 16U << 20U;

const std::set<std::string> kModelKeys = {
    "preset",   "hf_config", "name",  "layers",  "hidden", "ffn_hidden",      "heads",
    "kv_heads", "head_dim",  "vocab", "seq_len", "mlp",    "tied_embeddings", "learned_positions",
    "dropout",  "moe",       "mla",   "source",  "norm",   "mtp_layers"};

// Applies the fields present in `n` on top of `m` (a preset, an import, or empty).
void apply_fields(const ConfigNode& n, Model& m) {
  m.name = n.str_or("name", m.name);
  m.layers = n.count_or("layers", m.layers, 100'000);
  m.hidden = n.count_or("hidden", static_cast<int>(m.hidden), kMaxDimension);
  m.ffn_hidden = n.count_or("ffn_hidden", static_cast<int>(m.ffn_hidden), kMaxDimension);
  m.heads = n.count_or("heads", m.heads, 1'000'000);
  m.kv_heads = n.count_or("kv_heads", m.kv_heads, 1'000'000);
  m.head_dim = n.count_or("head_dim", static_cast<int>(m.head_dim), kMaxDimension);
  m.vocab = n.count_or("vocab", static_cast<int>(m.vocab), kMaxDimension);
  m.seq_len = n.count_or("seq_len", static_cast<int>(m.seq_len), kMaxDimension);
  m.mlp = parse_mlp(n, "mlp", m.mlp);
  m.tied_embeddings = n.boolean_or("tied_embeddings", m.tied_embeddings);
  m.learned_positions = n.boolean_or("learned_positions", m.learned_positions);
  m.dropout = n.boolean_or("dropout", m.dropout);
  if (n.has("mtp_layers")) {
    const long long mtp = n.integer_or("mtp_layers", 0);
    if (mtp < 0 || mtp > 16) n.fail("mtp_layers", "a count from 0 to 16");
    m.mtp_layers = static_cast<int>(mtp);
  }
  if (n.has("norm")) {
    m.norm = n.choice_or("norm", {"rmsnorm", "layernorm"}, "") == "rmsnorm" ? NormKind::rmsnorm
                                                                            : NormKind::layernorm;
  }
  if (auto moe = n.optional_child("moe")) {
    moe->check_no_unknown_keys({"experts", "top_k", "expert_ffn_hidden", "shared_experts",
                                "shared_ffn_hidden", "dense_layers", "every", "balancing", "skew",
                                "capacity_factor", "node_limit"});
    MoeSpec s = m.moe.value_or(MoeSpec{});
    s.experts = moe->count_or("experts", s.experts, 1'000'000);
    s.top_k = moe->count_or("top_k", s.top_k, 1'000'000);
    s.expert_ffn_hidden =
        moe->count_or("expert_ffn_hidden", static_cast<int>(s.expert_ffn_hidden), kMaxDimension);
    s.shared_experts = static_cast<int>(
        std::clamp<long long>(moe->integer_or("shared_experts", s.shared_experts), -1, 1'000'000));
    s.shared_ffn_hidden =
        moe->count_or("shared_ffn_hidden", static_cast<int>(s.shared_ffn_hidden), kMaxDimension);
    s.dense_layers = static_cast<int>(
        std::clamp<long long>(moe->integer_or("dense_layers", s.dense_layers), -1, 100'000));
    if (s.dense_layers < 0) moe->fail("dense_layers", "expected 0 or more");
    s.every = moe->count_or("every", s.every, 100'000);
    if (s.experts <= 0)
      moe->fail("experts", "required for a mixture-of-experts model (a positive integer)");
    if (s.expert_ffn_hidden <= 0)
      moe->fail("expert_ffn_hidden",
                "required for a mixture-of-experts model (a positive integer)");
    if (s.top_k > s.experts)
      moe->fail("top_k", "expected at most moe.experts (" + std::to_string(s.experts) + ")");
    if (s.shared_experts < 0) moe->fail("shared_experts", "expected 0 or more");
    if (s.shared_ffn_hidden == 0) s.shared_ffn_hidden = s.expert_ffn_hidden;
    s.balancing = moe->str_or("balancing", s.balancing);
    if (find_balancing(s.balancing) == nullptr)
      moe->fail("balancing",
                "one of " + joined_names(balancing_methods()) + ", got \"" + s.balancing + "\"");
    if (moe->has("skew")) {
      s.skew = moe->number("skew");
      if (!(*s.skew >= 0 && *s.skew <= 10)) moe->fail("skew", "a number from 0 to 10");
    }
    s.capacity_factor = moe->number_or("capacity_factor", s.capacity_factor);
    if (!(s.capacity_factor == 0 || (s.capacity_factor >= 1 && s.capacity_factor <= 1000)))
      moe->fail("capacity_factor", "0 (dropless) or a number from 1 to 1000");
    s.node_limit = static_cast<int>(
        std::clamp<long long>(moe->integer_or("node_limit", s.node_limit), -1, 1'000'000));
    if (s.node_limit < 0) moe->fail("node_limit", "expected 0 (no limit) or a node count");
    m.moe = s;
  }
  if (auto mla = n.optional_child("mla")) {
    mla->check_no_unknown_keys(
        {"q_lora_rank", "kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim"});
    MlaSpec s = m.mla.value_or(MlaSpec{});
    s.q_lora_rank = mla->integer_or("q_lora_rank", s.q_lora_rank);
    if (s.q_lora_rank < 0 || s.q_lora_rank > kMaxDimension)
      mla->fail("q_lora_rank", "0 (a full-rank Q projection) or a rank up to 100000000");
    s.kv_lora_rank = mla->count_or("kv_lora_rank", static_cast<int>(s.kv_lora_rank), kMaxDimension);
    s.qk_nope_head_dim =
        mla->count_or("qk_nope_head_dim", static_cast<int>(s.qk_nope_head_dim), kMaxDimension);
    s.qk_rope_head_dim =
        mla->count_or("qk_rope_head_dim", static_cast<int>(s.qk_rope_head_dim), kMaxDimension);
    s.v_head_dim = mla->count_or("v_head_dim", static_cast<int>(s.v_head_dim), kMaxDimension);
    m.mla = s;
  }
}

void finish_and_check(const ConfigNode& n, Model& m) {
  auto require = [&](long long v, const std::string& key) {
    if (v <= 0) n.fail(key, "required key is missing (a positive integer), or give model.preset");
  };
  require(m.layers, "layers");
  require(m.hidden, "hidden");
  require(m.heads, "heads");
  require(m.vocab, "vocab");
  require(m.seq_len, "seq_len");
  if (m.kv_heads == 0) m.kv_heads = m.heads;
  if (m.head_dim == 0) {
    if (m.hidden % m.heads != 0)
      n.fail("heads", "expected a divisor of hidden (" + std::to_string(m.hidden) +
                          ") or an explicit head_dim");
    m.head_dim = m.hidden / m.heads;
  }
  if (m.moe && m.moe->dense_layers >= m.layers) {
    const std::string expected = "expected fewer than the model's " + std::to_string(m.layers) +
                                 " layers (then no layer has experts), got " +
                                 std::to_string(m.moe->dense_layers);
    if (const auto moe = n.optional_child("moe")) moe->fail("dense_layers", expected);
    n.fail("moe", "dense_layers " + expected);
  }
  const bool has_dense_layers = !m.moe || m.moe->dense_layers > 0 || m.moe->every > 1;
  if (has_dense_layers && m.ffn_hidden <= 0)
    n.fail("ffn_hidden", "required key is missing (a positive integer)");
  if (m.heads % m.kv_heads != 0) {
    n.fail("kv_heads", "expected a divisor of heads (" + std::to_string(m.heads) + "), got " +
                           std::to_string(m.kv_heads));
  }
  if (m.name.empty()) m.name = "custom";
}

}  // namespace

std::optional<Model> find_preset(const std::string& id) {
  const auto node = ConfigNode::embedded("models/" + id + ".yaml");
  if (!node) return std::nullopt;
  const ConfigNode& n = *node;
  n.check_no_unknown_keys(kModelKeys);
  Model m;
  apply_fields(n, m);
  finish_and_check(n, m);
  return m;
}

std::string preset_ids() {
  std::string out;
  for (const auto& [path, text] : embedded_files()) {
    if (path.rfind("models/", 0) != 0) continue;
    std::string id(path.substr(7));
    id = id.substr(0, id.size() - 5);
    out += (out.empty() ? "" : ", ") + id;
  }
  return out;
}

Model read_model(const ConfigNode& n, const std::string& base_dir) {
  n.check_no_unknown_keys(kModelKeys);
  Model m;
  if (n.has("preset") && n.has("hf_config"))
    n.fail("hf_config", "give either model.preset or model.hf_config, not both");
  if (n.has("preset")) {
    const std::string id = n.str("preset");
    auto p = find_preset(id);
    if (!p)
      n.fail("preset",
             "unknown model preset \"" + id + "\" (expected one of: " + preset_ids() + ")");
    m = *p;
  } else if (n.has("hf_config")) {
    std::filesystem::path p(n.str("hf_config"));
    if (p.is_relative() && !base_dir.empty()) p = std::filesystem::path(base_dir) / p;
    try {
      m = import_hf_config(p.string());
    } catch (const InputError& e) {
      n.fail("hf_config", e.what());
    }
    // A config's max_position_embeddings is the longest context the model supports (131,072
    // for Qwen2), not the length it trains at: the file must say.
    if (!n.has("seq_len"))
      n.fail("seq_len",
             "the training sequence length beside hf_config (the config's "
             "max_position_embeddings, " +
                 std::to_string(m.seq_len) + ", is the longest context, not the training length)");
  }
  apply_fields(n, m);
  finish_and_check(n, m);
  return m;
}

namespace {

using nlohmann::json;

// Every field of an imported config is checked where it is read, as strictly as the scenario's
// own keys: type and range, naming the config file and its key.
long long jint_in(const json& j, const std::string& key, const std::string& file, long long lo,
                  long long hi) {
  if (!j.contains(key) || !j[key].is_number_integer())
    throw InputError(file, key, "expected an integer in the Hugging Face config");
  const auto v = j[key].get<long long>();
  if (v < lo || v > hi)
    throw InputError(file, key,
                     fmt::format("expected an integer from {} to {}, got {}", lo, hi, v));
  return v;
}

long long jint_or_in(const json& j, const std::string& key, const std::string& file,
                     long long fallback, long long lo, long long hi) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  return jint_in(j, key, file, lo, hi);
}

// A dimension: 1 .. kMaxDimension.
long long jint(const json& j, const std::string& key, const std::string& file) {
  return jint_in(j, key, file, 1, kMaxDimension);
}
long long jint_or(const json& j, const std::string& key, const std::string& file,
                  long long fallback) {
  return jint_or_in(j, key, file, fallback, 1, kMaxDimension);
}

std::string jstr_or(const json& j, const std::string& key, const std::string& file,
                    const std::string& fallback) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  if (!j[key].is_string())
    throw InputError(file, key, "expected a string in the Hugging Face config");
  return j[key].get<std::string>();
}

bool jbool_or(const json& j, const std::string& key, const std::string& file, bool fallback) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  if (!j[key].is_boolean())
    throw InputError(file, key, "expected true or false in the Hugging Face config");
  return j[key].get<bool>();
}

MlpKind act_to_mlp(const std::string& act, bool gated) {
  const bool gelu = act.find("gelu") != std::string::npos;
  if (gated) return gelu ? MlpKind::geglu : MlpKind::swiglu;
  if (act == "relu2" || act == "squared_relu") return MlpKind::relu2;
  return MlpKind::gelu;
}

}  // namespace

Model import_hf_config(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw InputError(path, "", "cannot read the Hugging Face config.json (not a regular file)");
  if (std::filesystem::file_size(path, ec) > kMaxConfigBytes)
    throw InputError(path, "", "a config.json of at most 16 MiB");
  std::ifstream in(path);
  if (!in) throw InputError(path, "", "cannot read the Hugging Face config.json (does it exist?)");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {  // a parse error, or a number beyond a double
    throw InputError(path, "", std::string("malformed JSON: ") + e.what());
  }
  if (!j.is_object()) throw InputError(path, "", "expected a JSON object");
  const std::string type = jstr_or(j, "model_type", path, "");
  Model m;
  m.name = jstr_or(j, "_name_or_path", path, type.empty() ? std::string("hf-model") : type);
  if (type == "gpt2") {
    m.layers = static_cast<int>(jint_in(j, "n_layer", path, 1, kMaxLayers));
    m.hidden = jint(j, "n_embd", path);
    m.heads = static_cast<int>(jint_in(j, "n_head", path, 1, kMaxHeads));
    m.kv_heads = m.heads;
    m.ffn_hidden = jint_or(j, "n_inner", path, 4 * m.hidden);
    m.vocab = jint(j, "vocab_size", path);
    m.seq_len = jint_or(j, "n_positions", path, 1024);
    m.mlp = MlpKind::gelu;
    m.tied_embeddings = true;
    m.learned_positions = true;
    m.dropout = true;
  } else if (type == "llama" || type == "mistral" || type == "mixtral" || type == "qwen2" ||
             type == "deepseek_v3" || type == "deepseek_v2" || type == "gpt_neox" ||
             type == "nemotron" || type.empty()) {
    m.layers = static_cast<int>(jint_in(j, "num_hidden_layers", path, 1, kMaxLayers));
    m.hidden = jint(j, "hidden_size", path);
    m.heads = static_cast<int>(jint_in(j, "num_attention_heads", path, 1, kMaxHeads));
    m.kv_heads = static_cast<int>(jint_or_in(j, "num_key_value_heads", path, m.heads, 1, m.heads));
    m.ffn_hidden = jint_or(j, "intermediate_size", path, 4 * m.hidden);
    m.vocab = jint(j, "vocab_size", path);
    m.seq_len = jint_or(j, "max_position_embeddings", path, 4096);
    m.head_dim = jint_or(j, "head_dim", path, 0);
    const bool neox = type == "gpt_neox";
    const bool nemotron = type == "nemotron";
    m.mlp = act_to_mlp(jstr_or(j, "hidden_act", path, neox ? "gelu" : "silu"), !neox && !nemotron);
    m.tied_embeddings = jbool_or(j, "tie_word_embeddings", path, false);
    if (type == "mixtral") {
      MoeSpec s;
      s.experts = static_cast<int>(jint_in(j, "num_local_experts", path, 1, kMaxExperts));
      s.top_k = static_cast<int>(jint_in(j, "num_experts_per_tok", path, 1, s.experts));
      s.expert_ffn_hidden = m.ffn_hidden;
      s.shared_ffn_hidden = m.ffn_hidden;
      m.moe = s;
    }
    if (type == "deepseek_v3" || type == "deepseek_v2") {
      MoeSpec s;
      s.experts = static_cast<int>(jint_in(j, "n_routed_experts", path, 1, kMaxExperts));
      s.top_k = static_cast<int>(jint_in(j, "num_experts_per_tok", path, 1, s.experts));
      s.expert_ffn_hidden = jint(j, "moe_intermediate_size", path);
      s.shared_experts =
          static_cast<int>(jint_or_in(j, "n_shared_experts", path, 0, 0, kMaxExperts));
      s.shared_ffn_hidden = s.expert_ffn_hidden;
      s.dense_layers =
          static_cast<int>(jint_or_in(j, "first_k_dense_replace", path, 0, 0, m.layers));
      s.every = static_cast<int>(jint_or_in(j, "moe_layer_freq", path, 1, 1, m.layers));
      m.moe = s;
      m.mtp_layers = static_cast<int>(jint_or_in(j, "num_nextn_predict_layers", path, 0, 0, 16));
      MlaSpec a;
      a.q_lora_rank = jint_or_in(j, "q_lora_rank", path, 0, 0, kMaxDimension);  // null: full rank
      a.kv_lora_rank = jint(j, "kv_lora_rank", path);
      a.qk_nope_head_dim = jint(j, "qk_nope_head_dim", path);
      a.qk_rope_head_dim = jint(j, "qk_rope_head_dim", path);
      a.v_head_dim = jint(j, "v_head_dim", path);
      m.mla = a;
      m.head_dim = a.qk_nope_head_dim + a.qk_rope_head_dim;
    }
  } else {
    throw InputError(
        path, "model_type",
        "unsupported model_type \"" + type +
            "\" (expected llama, mistral, mixtral, qwen2, deepseek_v3, gpt2, gpt_neox)");
  }
  if (m.layers <= 0 || m.hidden <= 0 || m.heads <= 0 || m.vocab <= 0 || m.kv_heads <= 0) {
    throw InputError(path, "", "expected positive layer, hidden, head and vocabulary sizes");
  }
  if (m.head_dim == 0) {
    if (m.hidden % m.heads != 0) {
      throw InputError(path, "num_attention_heads",
                       "expected a divisor of hidden_size (" + std::to_string(m.hidden) +
                           ") or an explicit head_dim, got " + std::to_string(m.heads));
    }
    m.head_dim = m.hidden / m.heads;
  }
  return m;
}

}  // namespace colossim
