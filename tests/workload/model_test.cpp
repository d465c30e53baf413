#include "workload/model.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "test_support.hpp"
#include "workload/operators.hpp"

using namespace colossim;

namespace {

Model preset(const std::string& id) {
  return colossim::testing::present(find_preset(id), "model preset " + id);
}

}  // namespace

// Parameter counts of the presets against the published totals (within 2%; published figures
// are rounded and some include small terms like biases that the model leaves out).
TEST(Model, PresetParameterCountsMatchPublishedTotals) {
  struct Row {
    const char* id;
    double total_b;
    double active_b;
  };
  const Row rows[] = {
      {"llama3-8b", 8.03, 8.03},      // Llama 3 paper, Table 3 / model card
      {"llama3-70b", 70.6, 70.6},     // model card
      {"llama3-405b", 405.9, 405.9},  // model card: 405B
      {"gpt3-175b", 174.6, 174.6},    // Narayanan et al. 2021 Table 2 (51200 vocab)
      {"nemotron4-15b", 15.7,
       15.7},  // Nemotron-4 15B report: 15.7B (12.5B non-embedding + 3.2B embedding)
      {"mixtral-8x7b", 46.7, 12.9},  // Mixtral paper: 47B total, 13B active
      {"deepseek-v3", 671.0,
       37.0},  // DeepSeek-V3 report: 671B total, 37B active (MTP module excluded)
      {"grok1-314b", 314.0, 86.0},  // xai-org/grok-1: 314B, ~25% of weights active
      // xai-org/grok-2 config.json: 269,515,497,472 counted (HF discussion 24), ~115B active
      {"grok2-270b", 269.5, 114.9},
  };
  for (const auto& r : rows) {
    const Model m = preset(r.id);
    EXPECT_NEAR(m.params() / 1e9, r.total_b, 0.02 * r.total_b) << r.id;
    EXPECT_NEAR(m.active_params() / 1e9, r.active_b, 0.03 * r.active_b) << r.id;
  }
}

// Model FLOPs per token of a GPT equal Megatron's closed form (Narayanan et al. 2021, eq. 3
// without the recompute term): 72 l h^2 (1 + s/(6h) + V/(12 l h)).
TEST(Model, GptFlopsMatchMegatronFormula) {
  const Model m = preset("gpt3-175b");
  const double l = m.layers, h = m.hidden, s = m.seq_len, v = m.vocab;
  const double expected = 72 * l * h * h * (1 + s / (6 * h) + v / (12 * l * h));
  EXPECT_NEAR(model_flops_per_token(m, m.seq_len), expected, 1e-9 * expected);
  // With full recompute, eq. 3: 96 l h^2 (1 + s/(6h) + V/(16 l h)).
  const double hardware =
      model_flops_per_token(m, m.seq_len) + layer_forward_flops_per_token(m, m.seq_len);
  const double eq3 = 96 * l * h * h * (1 + s / (6 * h) + v / (16 * l * h));
  EXPECT_NEAR(hardware, eq3, 1e-9 * eq3);
}

// NVIDIA's DGXC Llama 3.1 8B row (BF16, 8 GPUs): MFU 62.47% of 989 TFLOP/s at 12.27 s per step
// of 128 x 8192 tokens implies 5.784e10 model FLOPs per token; our convention must agree.
TEST(Model, LlamaFlopsMatchNvidiaConvention) {
  const Model m = preset("llama3-8b");
  const double implied = 0.6247 * 989e12 * 8 * 12.27 / (128.0 * 8192);
  EXPECT_NEAR(model_flops_per_token(m, 8192), implied, 0.005 * implied);
}

TEST(Model, ImportsHuggingFaceConfigs) {
  const std::string dir = COLOSSIM_SOURCE_DIR "/tests/data/";
  const Model llama = import_hf_config(dir + "llama3-8b-config.json");
  EXPECT_EQ(llama.layers, 32);
  EXPECT_EQ(llama.kv_heads, 8);
  EXPECT_EQ(llama.ffn_hidden, 14336);
  EXPECT_EQ(llama.mlp, MlpKind::swiglu);
  EXPECT_NEAR(llama.params() / 1e9, 8.03, 0.05);

  const Model mixtral = import_hf_config(dir + "mixtral-8x7b-config.json");
  ASSERT_TRUE(mixtral.moe.has_value());
  EXPECT_EQ(mixtral.moe->experts, 8);
  EXPECT_EQ(mixtral.moe->top_k, 2);
  EXPECT_NEAR(mixtral.params() / 1e9, 46.7, 0.5);

  const Model gpt2 = import_hf_config(dir + "gpt2-config.json");
  EXPECT_TRUE(gpt2.tied_embeddings);
  EXPECT_EQ(gpt2.ffn_hidden, 4 * 768);
  EXPECT_NEAR(gpt2.params() / 1e6, 124.4, 1.0);  // GPT-2 small: 124M

  const Model ds = import_hf_config(dir + "deepseek-v3-config.json");
  ASSERT_TRUE(ds.mla.has_value());
  EXPECT_EQ(ds.moe->dense_layers, 3);
  EXPECT_NEAR(ds.params() / 1e9, preset("deepseek-v3").params() / 1e9, 0.01);
  // One MTP module (num_nextn_predict_layers): the checkpoint's 685B hold 14B for it, which
  // counts its stored copies of the shared embedding and output head (DeepSeek-V3 README).
  EXPECT_EQ(ds.mtp_layers, 1);
  const double shared_copies = 2.0 * ds.vocab * ds.hidden;
  EXPECT_NEAR((ds.mtp_params() + shared_copies) / 1e9, 14.0, 0.6);

  const Model neox = import_hf_config(dir + "pythia-1b-config.json");
  EXPECT_EQ(neox.mlp, MlpKind::gelu);
  EXPECT_FALSE(neox.tied_embeddings);
}

TEST(Model, BadHuggingFaceConfigIsAnInputError) {
  const std::string dir = COLOSSIM_SOURCE_DIR "/tests/data/";
  EXPECT_THROW(import_hf_config(dir + "does-not-exist.json"), InputError);
  EXPECT_THROW(import_hf_config(dir + "malformed-config.json"), InputError);
  try {
    import_hf_config(dir + "unsupported-config.json");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("model_type"), std::string::npos);
  }
}

// Every field of an imported config is checked for type and range where it is read, naming the
// file and the key (a zero divisor, a wrapped layer count, a negative width, a string for a
// number, more experts per token than experts, a directory for a file).
TEST(Model, ImportedConfigFieldsAreCheckedWhereTheyAreRead) {
  const std::string dir = COLOSSIM_SOURCE_DIR "/tests/data/";
  std::ifstream in(dir + "deepseek-v3-config.json");
  const nlohmann::json base = nlohmann::json::parse(in);
  const std::vector<std::pair<std::string, nlohmann::json>> bad = {
      {"moe_layer_freq", 0},
      {"model_type", 1},
      {"hidden_act", 5},
      {"moe_intermediate_size", -100000},
      {"num_experts_per_tok", 1000},
      {"num_hidden_layers", 4294967298LL},
      {"head_dim", -4},
      {"first_k_dense_replace", -1},
      {"tie_word_embeddings", "yes"},
      {"num_nextn_predict_layers", -1},
  };
  const std::string file = ::testing::TempDir() + "mutated-config.json";
  for (const auto& [key, value] : bad) {
    nlohmann::json j = base;
    j[key] = value;
    std::ofstream(file) << j.dump();
    try {
      (void)import_hf_config(file);
      ADD_FAILURE() << key << " = " << value.dump() << " was accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW((void)import_hf_config(dir), InputError);  // a directory
  // Found by fuzz/hf_config_fuzzer.cpp: a number beyond a double escaped as nlohmann's
  // out_of_range, not a parse error.
  EXPECT_THROW(
      (void)import_hf_config(COLOSSIM_SOURCE_DIR "/fuzz/hf_corpus/regression-number-overflow.json"),
      InputError);
  // Found by the seeded fuzz run in CI: 8 heads on a hidden size of 2 gave head_dim 0.
  EXPECT_THROW((void)import_hf_config(COLOSSIM_SOURCE_DIR
                                      "/fuzz/hf_corpus/regression-heads-above-hidden.json"),
               InputError);
}
