// The launch lines `plan` prints, checked against the frameworks' own argument lists.
#include "report/launch.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.hpp"

using namespace colossim;
using colossim::testing::scenario;

namespace {

// Megatron-LM's flags at the release the lines target (tools/megatron_flags.py).
std::set<std::string> megatron_flags() {
  std::ifstream in(COLOSSIM_SOURCE_DIR "/tests/report/megatron-lm-flags-d98e8a64.txt");
  std::set<std::string> flags;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != '#') flags.insert(line);
  }
  return flags;
}

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

bool has(const std::vector<std::string>& w, const std::string& flag) {
  return std::find(w.begin(), w.end(), flag) != w.end();
}

}  // namespace

// Every flag the Megatron-LM line holds is one Megatron-LM's parser knows (at d98e8a64), and
// the pairs its validate_args requires hold: Megatron FSDP with the fsdp_dtensor checkpoint
// format, --overlap-param-gather with --overlap-grad-reduce and the distributed optimizer, a
// pipeline layout without --num-virtual-stages-per-pipeline-rank. The plans: an uneven dense
// pipeline with interleaving, DeepSeek-V3 with MLA, MoE, MTP and DeepEP, ZeRO 2 on an
// unfused-attention GPT, Mixtral with expert TP under FP8.
TEST(Launch, MegatronFlagsAreOnesMegatronParses) {
  const std::set<std::string> known = megatron_flags();
  ASSERT_GT(known.size(), 500u);
  const std::vector<std::string> yamls = {
      "cluster: {gpu: h100-sxm-80gb, gpus: 1024}\nmodel: {preset: llama3-405b}\ntraining: "
      "{global_batch: 512}\nparallelism: {tp: 8, pp: 16, virtual_stages: 8, cp: 1, "
      "uneven_stages: true, recompute: full}\n",
      "cluster: {gpu: h100-sxm-80gb, gpus: 1024}\nmodel: {preset: deepseek-v3}\ntraining: "
      "{global_batch: 1024, precision: fp8}\nparallelism: {tp: 2, pp: 8, virtual_stages: 4, ep: "
      "64, uneven_stages: true, recompute: selective, recompute_modules: [mla_up_proj, mlp], "
      "moe_dispatcher: deepep, moe_a2a_overlap: true, fp8_param_gather: true, "
      "activation_fp8_input: true}\n",
      "cluster: {gpu: a100-sxm-80gb, gpus: 64}\nmodel: {preset: gpt3-175b, seq_len: 2048}\n"
      "training: {global_batch: 256}\nparallelism: {tp: 8, pp: 8, zero: 2, attention: unfused, "
      "recompute: full}\n",
      "cluster: {gpu: h100-sxm-80gb, gpus: 64}\nmodel: {preset: mixtral-8x7b}\ntraining: "
      "{global_batch: 256, precision: fp8}\nparallelism: {tp: 2, pp: 2, ep: 8, etp: 2, "
      "overlap_grad_reduce: false}\n",
      "cluster: {gpu: h100-sxm-80gb, gpus: 64}\nmodel: {preset: qwen3-30b-a3b}\ntraining: "
      "{global_batch: 256}\nparallelism: {tp: 1, pp: 2, ep: 8, offload_modules: [core_attn, "
      "attn_proj, expert_fc1], activation_offload_fraction: 0.5}\n"};
  for (const auto& yaml : yamls) {
    const Scenario s = scenario(yaml);
    const std::string line = megatron_args(s, s.plan);
    const std::vector<std::string> w = words(line.substr(0, line.find("  #")));
    for (const auto& word : w) {
      if (word.rfind("--", 0) == 0) {
        EXPECT_TRUE(known.count(word)) << word << " in: " << line;
      }
    }
    if (has(w, "--use-megatron-fsdp")) {
      EXPECT_TRUE(has(w, "fsdp_dtensor")) << line;
    }
    if (has(w, "--overlap-param-gather")) {
      EXPECT_TRUE(has(w, "--overlap-grad-reduce") && has(w, "--use-distributed-optimizer")) << line;
    }
    if (has(w, "--pipeline-model-parallel-layout")) {
      EXPECT_FALSE(has(w, "--num-virtual-stages-per-pipeline-rank")) << line;
    }
    EXPECT_TRUE(has(w, "--num-layers") && has(w, "--hidden-size")) << line;
  }
}

// The whole launch: the environment validate_args asserts (CUDA_DEVICE_MAX_CONNECTIONS=1 with TP
// or CP, unless Megatron FSDP or the MoE all-to-all overlap is on) and the allocator's expandable
// segments, torchrun over every GPU of the
// job, and flags all known to Megatron-LM's parser. tools/megatron_accepts.py runs the lines
// through Megatron-LM's own parse_args and validate_args where a Megatron-LM checkout is at hand.
TEST(Launch, MegatronCommandIsAWholeLaunch) {
  const std::set<std::string> known = megatron_flags();
  struct Case {
    std::string yaml;
    bool one_connection;
    long long nodes;
  };
  const std::vector<Case> cases = {
      {"cluster: {gpu: h100-sxm-80gb, gpus: 1024}\nmodel: {preset: llama3-70b}\ntraining: "
       "{global_batch: 512}\nparallelism: {tp: 4, pp: 4, cp: 2}\n",
       true, 128},
      {"cluster: {gpu: h100-sxm-80gb, gpus: 64}\nmodel: {preset: llama3-8b}\ntraining: "
       "{global_batch: 512}\nparallelism: {tp: 1, pp: 1, cp: 1}\n",
       false, 8},
      {"cluster: {gpu: a100-sxm-80gb, gpus: 64}\nmodel: {preset: gpt3-175b, seq_len: 2048}\n"
       "training: {global_batch: 256}\nparallelism: {tp: 8, pp: 8, zero: 2, recompute: full}\n",
       false, 8},
      {"cluster: {gpu: h100-sxm-80gb, gpus: 1024}\nmodel: {preset: deepseek-v3}\ntraining: "
       "{global_batch: 1024}\nparallelism: {tp: 2, pp: 8, virtual_stages: 4, ep: 64, "
       "uneven_stages: true, recompute: selective, moe_a2a_overlap: true}\n",
       false, 128}};
  for (const auto& c : cases) {
    const Scenario s = scenario(c.yaml);
    const std::string line = megatron_command(s, s.plan);
    const std::vector<std::string> w = words(line.substr(0, line.find("  #")));
    ASSERT_TRUE(has(w, "pretrain_gpt.py")) << line;
    EXPECT_EQ(has(w, "CUDA_DEVICE_MAX_CONNECTIONS=1"), c.one_connection) << line;
    // The allocator the predicted memory assumes: expandable segments, little fragmentation.
    EXPECT_TRUE(has(w, "PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True")) << line;
    const auto after = [&](const std::string& flag) {
      const auto it = std::find(w.begin(), w.end(), flag);
      return it == w.end() || it + 1 == w.end() ? -1LL : std::stoll(*(it + 1));
    };
    EXPECT_EQ(after("--nnodes"), c.nodes) << line;
    EXPECT_EQ(after("--nnodes") * after("--nproc_per_node"), s.cluster.job_gpus()) << line;
    const auto script = std::find(w.begin(), w.end(), "pretrain_gpt.py");
    for (auto it = script; it != w.end(); ++it) {
      if (it->rfind("--", 0) == 0) {
        EXPECT_TRUE(known.count(*it)) << *it << " in: " << line;
      }
    }
    EXPECT_NE(line.find(megatron_args(s, s.plan).substr(0, 40)), std::string::npos) << line;
  }
}

// The layout string of DeepSeek-V3 over 8 x 4 chunks is Megatron-Bridge's own recipe layout
// "Et|(tt|)*30mL" (one layer beside the embedding, two per chunk, MTP and loss last).
TEST(Launch, MegatronPipelineLayoutForUnevenSplits) {
  const Scenario s = scenario(
      "cluster: {gpu: h100-sxm-80gb, gpus: 1024}\nmodel: {preset: deepseek-v3}\ntraining: "
      "{global_batch: 1024}\nparallelism: {tp: 2, pp: 8, virtual_stages: 4, ep: 64, "
      "uneven_stages: true, recompute: full}\n");
  EXPECT_NE(megatron_args(s, s.plan).find("--pipeline-model-parallel-layout \"Et|(t*2|)*30mL\""),
            std::string::npos)
      << megatron_args(s, s.plan);
}

// FP8 recipes by the name each stack knows them: current scaling is torchao's and Megatron's
// "tensorwise"; torchao's row-wise scaling runs under TorchTitan, and Megatron-Core has none.
TEST(Launch, Fp8RecipesGoByTheNamesTheStacksKnow) {
  const auto titan = [](const std::string& recipe) {
    return scenario(
        "cluster: {gpu: h100-sxm-80gb, gpus: 64}\nmodel: {preset: llama3-8b}\ntraining: "
        "{global_batch: 256, precision: fp8, framework: torchtitan, fp8_recipe: " +
        recipe + "}\nparallelism: {tp: 1, pp: 1, cp: 1, zero: 3}\n");
  };
  const Scenario current = titan("current");
  EXPECT_NE(torchtitan_config(current, current.plan).find("recipe_name=\"tensorwise\""),
            std::string::npos);
  EXPECT_NE(torchtitan_toml(current, current.plan).find("recipe_name = \"tensorwise\""),
            std::string::npos);
  const Scenario rowwise = titan("rowwise");
  EXPECT_NE(torchtitan_config(rowwise, rowwise.plan).find("recipe_name=\"rowwise\""),
            std::string::npos);
  EXPECT_EQ(megatron_command(rowwise, rowwise.plan).rfind("# not runnable", 0), 0u);
  const Scenario delayed = titan("delayed");
  EXPECT_NE(torchtitan_config(delayed, delayed.plan).find("does not run: tensorwise here"),
            std::string::npos);
  EXPECT_NE(megatron_args(current, current.plan).find("--fp8-recipe tensorwise"),
            std::string::npos);
}

// TP communication overlap under TorchTitan is its async TP, a torch.compile pass: the config
// turns compile on, and says so when colossim priced the eager stack.
TEST(Launch, TorchTitanAsyncTpNeedsCompile) {
  const auto titan = [](const std::string& compile) {
    return scenario(
        "cluster: {gpu: h100-sxm-80gb, gpus: 64}\nmodel: {preset: llama3-70b}\ntraining: "
        "{global_batch: 64, framework: torchtitan, compile: " +
        compile + "}\nparallelism: {tp: 8, pp: 1, cp: 1, zero: 3, tp_comm_overlap: true}\n");
  };
  const Scenario eager = titan("false");
  const std::string e = torchtitan_config(eager, eager.plan);
  EXPECT_NE(e.find("config.compile.enable_async_tensor_parallel = True"), std::string::npos) << e;
  EXPECT_NE(e.find("async TP needs torch.compile"), std::string::npos) << e;
  const Scenario compiled = titan("true");
  const std::string c = torchtitan_config(compiled, compiled.plan);
  EXPECT_NE(c.find("config.compile.enable_async_tensor_parallel = True"), std::string::npos) << c;
  EXPECT_EQ(c.find("async TP needs torch.compile"), std::string::npos) << c;
}

// Fine-grained activation offloading is Megatron-Core's (d98e8a64): its flags in the Megatron-LM
// line, none in NeMo's Megatron-Core 0.14.
TEST(Launch, ActivationOffloadingIsMegatronCoresFlags) {
  const Scenario s = scenario(
      "cluster: {gpu: h100-sxm-80gb, gpus: 64}\nmodel: {preset: qwen3-30b-a3b}\ntraining: "
      "{global_batch: 256}\nparallelism: {tp: 1, pp: 2, ep: 8, offload_modules: [core_attn, "
      "attn_proj, expert_fc1], activation_offload_fraction: 0.5}\n");
  EXPECT_NE(megatron_args(s, s.plan).find(
                "--fine-grained-activation-offloading --offload-modules core_attn attn_proj "
                "expert_fc1 --activation-offload-fraction 0.5"),
            std::string::npos);
  EXPECT_EQ(nemo_overrides(s, s.plan).rfind("# not runnable", 0), 0u);
}

// Full recompute on a share of the layers is Megatron's block method (the first N layers of
// each pipeline chunk) and TorchTitan's layer-selective AC (every k-th block); hybrid sharding
// is Megatron's distributed-optimizer instances and TorchTitan's replicate x shard degrees.
TEST(Launch, PartialRecomputeAndHybridShardingAreTheStacksFlags) {
  const Scenario m = scenario(
      "cluster: {gpu: h100-sxm-80gb, gpus: 64}\nmodel: {preset: llama3-8b}\ntraining: "
      "{global_batch: 64}\nparallelism: {tp: 2, pp: 2, zero: 1, dp_shard: 8, recompute: full, "
      "recompute_fraction: 0.25}\n");
  const std::string line = megatron_args(m, m.plan);
  EXPECT_NE(line.find("--recompute-granularity full --recompute-method block "
                      "--recompute-num-layers 4"),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("--num-distributed-optimizer-instances 2"), std::string::npos) << line;
  const Scenario t = scenario(
      "cluster: {gpu: h100-sxm-80gb, gpus: 64}\nmodel: {preset: llama3-8b}\ntraining: "
      "{global_batch: 64, framework: torchtitan}\nparallelism: {zero: 3, dp_shard: 8, recompute: "
      "full, recompute_fraction: 0.5}\n");
  const std::string toml = torchtitan_toml(t, t.plan);
  EXPECT_NE(toml.find("data_parallel_replicate_degree = 8\ndata_parallel_shard_degree = 8"),
            std::string::npos)
      << toml;
  EXPECT_NE(toml.find("mode = \"selective\"\nselective_ac_option = \"2\""), std::string::npos)
      << toml;
}
