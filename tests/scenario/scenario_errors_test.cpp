// Every error path of the scenario reader: InputError naming the file and the key, never a crash.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "core/config.hpp"
#include "core/error.hpp"
#include "run/prediction.hpp"
#include "test_support.hpp"

using namespace colossim;
using colossim::testing::scenario;

namespace {

const std::string kGood =
    "cluster: {gpu: h100-sxm-80gb, gpus: 16}\nmodel: {preset: llama3-8b}\ntraining: {global_batch: "
    "32}\n"
    "parallelism: {tp: 2}\n";

// The message of the InputError `yaml` raises ("" if none).
std::string error_of(const std::string& yaml) {
  try {
    (void)scenario(yaml);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

void expect_error(const std::string& yaml, const std::string& key, const std::string& words) {
  const std::string msg = error_of(yaml);
  ASSERT_FALSE(msg.empty()) << "no error for:\n" << yaml;
  EXPECT_EQ(msg.rfind("test.yaml: ", 0), 0u) << msg;
  EXPECT_NE(msg.find(key), std::string::npos) << msg;
  EXPECT_NE(msg.find(words), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
}

}  // namespace

TEST(ScenarioErrors, GoodScenarioReads) { EXPECT_EQ(error_of(kGood), ""); }

TEST(ScenarioErrors, MissingKey) {
  expect_error(
      "cluster: {gpu: h100-sxm-80gb}\nmodel: {preset: llama3-8b}\ntraining: {global_batch: 32}\n",
      "cluster.gpus", "required");
  expect_error("cluster: {gpu: h100-sxm-80gb, gpus: 8}\nmodel: {preset: llama3-8b}\n", "training",
               "required");
  expect_error(
      "cluster: {gpu: h100-sxm-80gb, gpus: 8}\nmodel: {layers: 4, hidden: 64}\ntraining: "
      "{global_batch: 8}\n",
      "model.heads", "required");
}

TEST(ScenarioErrors, WrongType) {
  expect_error(
      "cluster: {gpu: h100-sxm-80gb, gpus: lots}\nmodel: {preset: llama3-8b}\ntraining: "
      "{global_batch: 32}\n",
      "cluster.gpus", "integer");
  expect_error(
      "cluster: {gpu: h100-sxm-80gb, gpus: 8}\nmodel: {preset: llama3-8b}\ntraining: "
      "{global_batch: -4}\n",
      "training.global_batch", "positive");
  expect_error(kGood + "measured: {step_time_s: [1, 2]}\n", "measured.step_time_s", "number");
  expect_error(kGood + "measured: {gpu_hours: 1000}\n", "measured.gpu_hours", "training.tokens");
  expect_error(kGood + "measured: {gpu_hours: 0}\n", "measured.gpu_hours", "positive");
  expect_error(
      "cluster: {gpu: h100-sxm-80gb, gpus: 8}\nmodel: {preset: llama3-8b}\ntraining: "
      "{global_batch: 8, tokens: 1e30}\n",
      "training.tokens", "1e15");
  expect_error(kGood + "reliability: {storage_bandwidth: \"1e30TB/s\"}\n",
               "reliability.storage_bandwidth", "1PB/s");
  // FSDP has no stage that shards the optimizer alone (data/stacks.yaml zero_stages).
  expect_error(
      "cluster: {gpu: h100-sxm-80gb, gpus: 16}\nmodel: {preset: llama3-8b}\ntraining: "
      "{global_batch: 32, framework: torchtitan}\nparallelism: {zero: 1}\n",
      "parallelism.zero", "torchtitan runs (0, 2, 3), got 1");
  expect_error(kGood + "measured: {gpu_hours: 10, gpu_hours_basis: wall}\n",
               "measured.gpu_hours_basis", "elapsed");
  expect_error(
      "cluster: {gpu: h100-sxm-80gb, gpus: 16}\nmodel: {preset: llama3-8b}\ntraining: "
      "{global_batch: 32}\nparallelism: {attention: xformers}\n",
      "parallelism.attention", "flash-v1");
  expect_error(
      "cluster: {gpu: h100-sxm-80gb, gpus: 8, network: {nic_gbps: fast}}\nmodel: {preset: "
      "llama3-8b}\n"
      "training: {global_batch: 8}\n",
      "cluster.network.nic_gbps", "number");
  // A power limit above TDP, or below the lowest one measured (2/7 of TDP).
  expect_error(
      "cluster: {gpu: h100-sxm-80gb, gpus: 8, gpu_power_limit_w: 800}\nmodel: {preset: "
      "llama3-8b}\ntraining: {global_batch: 8}\n",
      "cluster.gpu_power_limit_w", "from 200 to 700");
  expect_error(
      "cluster: {gpu: h100-sxm-80gb, gpus: 8, gpu_power_limit_w: 150}\nmodel: {preset: "
      "llama3-8b}\ntraining: {global_batch: 8}\n",
      "cluster.gpu_power_limit_w", "from 200 to 700");
}

TEST(ScenarioErrors, UnknownNames) {
  expect_error(
      "cluster: {gpu: h100-sxm-81gb, gpus: 8}\nmodel: {preset: llama3-8b}\ntraining: "
      "{global_batch: 8}\n",
      "cluster.gpu", "h100-sxm-80gb");
  expect_error(
      "cluster: {gpu: h100-sxm-80gb, gpus: 8}\nmodel: {preset: llama9}\ntraining: {global_batch: "
      "8}\n",
      "model.preset", "llama3-8b");
  expect_error(
      "cluster: {gpu: h100-sxm-80gb, gpus: 16}\nmodel: {preset: llama3-8b}\ntraining: "
      "{global_batch: 32}\n"
      "parallelism: {tp: 2, tensor_paralel: 4}\n",
      "parallelism.tensor_paralel", "unknown key");
  expect_error(
      "cluster: {gpu: h100-sxm-80gb, gpus: 8}\nmodel: {preset: llama3-8b}\ntraining: "
      "{global_batch: 8}\n"
      "paralelism: {tp: 2}\n",
      "paralelism", "unknown key");
  expect_error(
      "cluster: {gpu: h100-sxm-80gb, gpus: 8}\nmodel: {preset: llama3-8b}\ntraining: "
      "{global_batch: 8, precision: fp4}\n",
      "training.precision", "bf16 | fp8");
}

// DualPipeV runs exactly two chunks per stage: it sets virtual_stages itself, and refuses another.
TEST(ScenarioErrors, DualPipeVTakesTwoChunksPerStage) {
  const std::string head =
      "cluster: {gpu: h100-sxm-80gb, gpus: 8}\nmodel: {preset: llama3-8b}\ntraining: "
      "{global_batch: 64}\nparallelism: {pp: 4, schedule: dualpipev";
  EXPECT_EQ(scenario(head + "}\n").plan.virtual_stages, 2);
  expect_error(head + ", virtual_stages: 3}\n", "parallelism.virtual_stages",
               "2 for the dualpipev schedule");
}

// A MoE model whose dense layers are all of its layers has no experts left: refused by name.
TEST(ScenarioErrors, DenseLayersLeaveSomeLayersToTheExperts) {
  expect_error(
      "cluster: {gpu: h100-sxm-80gb, gpus: 8}\nmodel: {preset: mixtral-8x7b, moe: "
      "{dense_layers: 32}}\ntraining: {global_batch: 64}\n",
      "model.moe.dense_layers", "fewer than the model's 32 layers");
}

// Expert TP needs experts to split: EP (or etp equal to tp), and a width it divides.
TEST(ScenarioErrors, ExpertTensorParallelismIsRefusedWhereItCannotSplitExperts) {
  const std::string head =
      "cluster: {gpu: h100-sxm-80gb, gpus: 16}\nmodel: {preset: mixtral-8x7b}\ntraining: "
      "{global_batch: 64}\nparallelism: {tp: 2, ";
  EXPECT_EQ(expert_tp(scenario(head + "ep: 8, etp: 2}\n").plan), 2);
  const auto refusal = [&](const std::string& keys) {
    const Verdict v = predict(scenario(head + keys + "}\n"), Calibration::builtin());
    return v.prediction ? std::string() : v.refusal;
  };
  EXPECT_NE(refusal("ep: 1, etp: 1").find("etp 1 needs ep > 1"), std::string::npos);
  EXPECT_NE(refusal("ep: 2, etp: 3").find("etp 3 does not divide"), std::string::npos);
  EXPECT_NE(refusal("ep: 8, etp: 4").find("ep x etp = 32 does not divide"), std::string::npos);
}

TEST(ScenarioErrors, OutOfRangeCountsAreRefusedNotWrapped) {
  expect_error(
      "cluster: {gpu: h100-sxm-80gb, gpus: 8}\nmodel: {preset: llama3-8b}\ntraining: "
      "{global_batch: 8}\n"
      "parallelism: {tp: 4294967304}\n",
      "parallelism.tp", "at most");
  expect_error(
      "cluster: {gpu: h100-sxm-80gb, gpus: 1e15}\nmodel: {preset: llama3-8b}\ntraining: "
      "{global_batch: 8}\n",
      "cluster.gpus", "at most");
  expect_error(
      "cluster: {gpu: h100-sxm-80gb, gpus: 8}\nmodel: {preset: llama3-8b, hidden: 1e11}\ntraining: "
      "{global_batch: 8}\n",
      "model.hidden", "at most");
  expect_error(
      "cluster: {gpu: h100-sxm-80gb, gpus: 8}\nmodel: llama\ntraining: {global_batch: 8}\n",
      "model", "expected a mapping");
  expect_error(
      "cluster: {gpu: h100-sxm-80gb, gpus: 8}\nmodel: {preset: deepseek-v3, mtp_layers: -1}\n"
      "training: {global_batch: 8}\n",
      "model.mtp_layers", "from 0 to 16");
}

// A step of 10^8 micro-batches is simulated at two smaller counts and extended by its steady
// state: twice the batch takes twice the time, less the pipeline's fixed parts, and the answer
// agrees with simulating a batch small enough to run task by task.
TEST(ScenarioErrors, HugeBatchesExtendTheSteadyState) {
  const auto step = [](long long batch, int pp) {
    const Scenario s = scenario(
        "cluster: {gpu: h100-sxm-80gb, gpus: 32}\nmodel: {preset: llama3-8b}\n"
        "training: {global_batch: " +
        std::to_string(batch) + "}\nparallelism: {tp: 8, pp: " + std::to_string(pp) +
        ", cp: 1, micro_batch: 1, virtual_stages: 1, recompute: full}\n");
    const Verdict v = predict(s, Calibration::builtin());
    EXPECT_TRUE(v.prediction) << v.refusal;
    return v.prediction ? v.prediction->step.step_time.value() : 0.0;
  };
  const double big = step(100'000'000, 4), twice = step(200'000'000, 4);
  EXPECT_NEAR(twice / big, 2.0, 1e-3);
  // Two steps small enough to simulate task by task (256 and 512 micro-batches, 220 tasks
  // each) draw the line the extended one (65,536) must lie on.
  const double m256 = step(256, 4), m512 = step(512, 4), extended = step(65536, 4);
  const double line = m512 + (65536 - 512) * (m512 - m256) / 256;
  EXPECT_NEAR(extended, line, 0.005 * line);
}

TEST(ScenarioErrors, MalformedYaml) {
  expect_error("cluster: {gpu: h100-sxm-80gb, gpus: 8\nmodel: [", "", "malformed YAML at line");
  expect_error("- just\n- a list\n", "", "mapping");
}

TEST(ScenarioErrors, InvalidPlansAreRefusedWithTheReason) {
  const Calibration cal = Calibration::builtin();
  // Every searchable key is given, so the plan is refused rather than searched around.
  auto refusal = [&](int tp, int pp, long long dp, int mb, int ep, int v) {
    const std::string plan = "{tp: " + std::to_string(tp) + ", pp: " + std::to_string(pp) +
                             ", dp: " + std::to_string(dp) +
                             ", micro_batch: " + std::to_string(mb) +
                             ", ep: " + std::to_string(ep) +
                             ", virtual_stages: " + std::to_string(v) + ", cp: 1, recompute: none}";
    const Scenario s = scenario(
        "cluster: {gpu: h100-sxm-80gb, gpus: 64}\nmodel: {preset: llama3-8b}\n"
        "training: {global_batch: 64}\nparallelism: " +
        plan + "\n");
    EXPECT_FALSE(s.plan_needs_search()) << plan;
    return predict(s, cal).refusal;
  };
  EXPECT_NE(refusal(3, 1, 21, 1, 1, 1).find("tp x pp x cp x dp"), std::string::npos);
  EXPECT_NE(refusal(64, 1, 1, 1, 1, 1).find("does not divide the 32 attention heads"),
            std::string::npos);
  EXPECT_NE(refusal(1, 64, 1, 1, 1, 1).find("layers"), std::string::npos);
  EXPECT_NE(refusal(8, 3, 2, 1, 1, 1).find("GPUs"), std::string::npos);
  EXPECT_NE(refusal(8, 1, 8, 3, 1, 1).find("global_batch"), std::string::npos);
  EXPECT_NE(refusal(8, 1, 8, 1, 2, 1).find("mixture-of-experts"), std::string::npos);
  EXPECT_NE(refusal(8, 8, 1, 1, 1, 3).find("layers"), std::string::npos);
}

TEST(ScenarioErrors, PlanThatDoesNotFitIsRefused) {
  const Scenario s = scenario(
      "cluster: {gpu: a100-sxm-40gb, gpus: 8}\nmodel: {preset: llama3-70b}\n"
      "training: {global_batch: 8}\nparallelism: {tp: 8, zero: 0}\n");
  const Verdict v = predict(s, Calibration::builtin());
  EXPECT_FALSE(v.prediction.has_value());
  EXPECT_NE(v.refusal.find("does not fit"), std::string::npos);
}

TEST(ScenarioErrors, WithKeySetsNestedKeysAndRefusesNonMaps) {
  const std::string text = with_key(kGood, "test.yaml", "cluster.network.nic_gbps", "800");
  EXPECT_DOUBLE_EQ(scenario(text).cluster.nic_line_rate.value(), 100e9);
  EXPECT_EQ(scenario(with_key(kGood, "test.yaml", "cluster.gpus", "64")).cluster.gpus, 64);
  EXPECT_THROW((void)with_key(kGood, "test.yaml", "cluster.gpu.name", "x"), InputError);
  // A flow list sets a list key (it was set as the text "[core_attn,mlp]" and refused).
  const Scenario listed =
      scenario(with_key(with_key(kGood, "test.yaml", "parallelism.recompute", "selective"),
                        "test.yaml", "parallelism.recompute_modules", "[core_attn,mlp]"));
  EXPECT_EQ(listed.plan.recompute_modules, (std::vector<std::string>{"core_attn", "mlp"}));
  EXPECT_THROW((void)with_key(kGood, "test.yaml", "parallelism.recompute_modules", "[a,"),
               InputError);
  EXPECT_THROW((void)with_key(kGood, "test.yaml", "cluster..gpus", "x"), InputError);
}

// GPUDirect RDMA carries a GPU's network bytes over its own host link: an 800 Gb/s NIC beside a
// PCIe Gen4 A100 moves 32 GB/s, beside a Gen5 H100 64 GB/s; a 400 Gb/s NIC is below both.
TEST(Scenario, TheNicCarriesNoMoreThanTheGpusHostLink) {
  auto nic = [](const std::string& gpu, const std::string& gbps) {
    const Cluster c = scenario("cluster: {gpu: " + gpu + ", gpus: 16, network: {nic_gbps: " + gbps +
                               "}}\nmodel: {preset: llama3-8b}\ntraining: {global_batch: 16}\n")
                          .cluster;
    return std::pair(c.nic_bandwidth.value(), c.nic_line_rate.value());
  };
  EXPECT_DOUBLE_EQ(nic("a100-sxm-80gb", "800").first, 32e9);
  EXPECT_DOUBLE_EQ(nic("a100-sxm-80gb", "800").second, 100e9);
  EXPECT_DOUBLE_EQ(nic("h100-sxm-80gb", "800").first, 64e9);
  EXPECT_DOUBLE_EQ(nic("h100-sxm-80gb", "400").first, 50e9);
  EXPECT_DOUBLE_EQ(nic("a100-sxm-80gb", "200").first, 25e9);
}

// A node's NVSwitch joins its own GPUs: 4-GPU H100 servers make domains of 4 (they made 8,
// spanning two servers), 16-GPU ones of 16; an NVL72 rack's domain spans its 4-GPU trays.
TEST(Scenario, TheNvlinkDomainIsTheNodesUnlessItSpansTrays) {
  auto domain = [](const std::string& gpu, int per_node) {
    return scenario("cluster: {gpu: " + gpu +
                    ", gpus: 144, gpus_per_node: " + std::to_string(per_node) +
                    ", gpus_per_rack: 144}\nmodel: {preset: llama3-8b}\ntraining: "
                    "{global_batch: 144}\n")
        .cluster.nvlink_domain;
  };
  EXPECT_EQ(domain("h100-sxm-80gb", 4), 4);
  EXPECT_EQ(domain("h100-sxm-80gb", 8), 8);
  EXPECT_EQ(domain("h100-sxm-80gb", 16), 16);
  EXPECT_EQ(domain("gb200", 4), 72);
}

TEST(ScenarioErrors, MissingFile) {
  try {
    (void)read_scenario_file("/no/such/scenario.yaml", colossim::testing::catalog());
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/no/such/scenario.yaml"), std::string::npos);
  }
}

// The fabric keys: unknown presets and routings, and fabrics the generator cannot build.
TEST(ScenarioErrors, FabricKeys) {
  const std::string rest =
      "model: {preset: llama3-8b}\ntraining: {global_batch: 32}\nparallelism: {tp: 2}\n";
  expect_error("cluster: {preset: colossus-9}\n" + rest, "cluster.preset", "memphis-100k");
  expect_error("cluster: {gpu: h100-sxm-80gb, gpus: 16, network: {routing: random}}\n" + rest,
               "cluster.network.routing", "adaptive");
  expect_error(
      "cluster: {gpu: h100-sxm-80gb, gpus: 16, network: {topology: fat-tree, oversubscription: "
      "3}}\n" +
          rest,
      "cluster.network.topology", "non-blocking");
  expect_error(
      "cluster: {gpu: h100-sxm-80gb, gpus: 128, network: {switch_radix: 8, hosts_per_leaf: 8}}\n" +
          rest,
      "cluster.network.hosts_per_leaf", "radix");
  // 1M GPUs of 64-port switches: 128 pods under one core layer of 64 ports.
  expect_error("cluster: {gpu: h100-sxm-80gb, gpus: 1048576, network: {nic: cx7-ndr-400}}\n" + rest,
               "cluster.network.switch_radix", "four tiers");
  expect_error("cluster: {gpu: h100-sxm-80gb, gpus: 20}\n" + rest, "cluster.gpus", "whole nodes");
  expect_error("cluster: {gpu: h100-sxm-80gb, gpus: 16, network: {pod_gpus: 0}}\n" + rest,
               "cluster.network.pod_gpus", "positive");
  // A preset's keys are defaults: the file's win.
  EXPECT_EQ(scenario("cluster: {preset: meta-24k, gpus: 6144}\n" + rest).cluster.gpus, 6144);
}

TEST(ScenarioErrors, RankOrder) {
  const std::string head =
      "cluster: {gpu: h100-sxm-80gb, gpus: 16}\nmodel: {preset: llama3-8b}\ntraining: "
      "{global_batch: 32}\n";
  expect_error(head + "parallelism: {tp: 2, order: tp-cp-dp}\n", "parallelism.order", "pp");
  expect_error(head + "parallelism: {tp: 2, order: tp-dp-pp-cp}\n", "parallelism.order",
               "cp next to dp");
  EXPECT_EQ(scenario(head + "parallelism: {tp: 2, order: dp-cp-tp-pp}\n").plan.order.front(), "dp");
}

TEST(ScenarioErrors, RecomputeModulesAreNamedOnceWithSelectiveRecompute) {
  const std::string base =
      "cluster: {gpu: h100-sxm-80gb, gpus: 16}\nmodel: {preset: llama3-8b}\ntraining: "
      "{global_batch: 32}\nparallelism: {tp: 2, ";
  EXPECT_EQ(error_of(base + "recompute: selective, recompute_modules: [mlp, layernorm]}\n"), "");
  expect_error(base + "recompute: full, recompute_modules: [mlp]}\n", "recompute_modules",
               "recompute: selective");
  expect_error(base + "recompute: selective, recompute_modules: [attention]}\n",
               "recompute_modules", "core_attn");
  expect_error(base + "recompute: selective, recompute_modules: [mlp, mlp]}\n", "recompute_modules",
               "twice");
}

// A share of the layers recomputes only under full recompute, and it is a share.
TEST(ScenarioErrors, RecomputeFractionIsAShareOfFullRecompute) {
  const std::string base =
      "cluster: {gpu: h100-sxm-80gb, gpus: 16}\nmodel: {preset: llama3-8b}\ntraining: "
      "{global_batch: 32}\nparallelism: {tp: 2, ";
  EXPECT_EQ(scenario(base + "recompute: full, recompute_fraction: 0.5}\n").plan.recompute_fraction,
            0.5);
  expect_error(base + "recompute: selective, recompute_fraction: 0.5}\n",
               "parallelism.recompute_fraction", "recompute: full");
  expect_error(base + "recompute: full, recompute_fraction: 0}\n", "parallelism.recompute_fraction",
               "above 0, up to 1");
  expect_error(base + "recompute: full, recompute_fraction: 1.5}\n",
               "parallelism.recompute_fraction", "above 0, up to 1");
}

// Hybrid sharding: a shard group that divides the data-parallel group, under ZeRO 1-3.
TEST(ScenarioErrors, HybridShardingNeedsAShardGroupThatDividesDataParallelism) {
  const std::string head =
      "cluster: {gpu: h100-sxm-80gb, gpus: 32}\nmodel: {preset: llama3-8b}\ntraining: "
      "{global_batch: 64, framework: pytorch-fsdp}\nparallelism: {";
  EXPECT_EQ(scenario(head + "zero: 3, dp_shard: 8}\n").plan.dp_shard, 8);
  expect_error(head + "zero: 0, dp_shard: 8}\n", "parallelism.dp_shard", "zero 1, 2 or 3");
  expect_error(head + "zero: 3, dp_shard: 0}\n", "parallelism.dp_shard", "");
  const Verdict v = predict(scenario(head + "zero: 3, dp_shard: 12}\n"), Calibration::builtin());
  ASSERT_FALSE(v.prediction);
  EXPECT_NE(v.refusal.find("dp_shard 12 does not divide dp x cp = 32"), std::string::npos)
      << v.refusal;
}

// What YAML would take silently, refused: a key given twice (anywhere), a second document,
// bytes that are not UTF-8; only regular files of a scenario's size are read.
TEST(ScenarioErrors, AmbiguousOrUnreadableInputIsRefused) {
  expect_error(kGood + "training: {global_batch: 64}\n", "training", "twice");
  expect_error(
      "cluster: {gpu: h100-sxm-80gb, gpus: 16, gpus: 8}\nmodel: {preset: llama3-8b}\n"
      "training: {global_batch: 32}\n",
      "cluster.gpus", "twice");
  expect_error(kGood + "---\nname: other\n", "", "one YAML document");
  expect_error("name: \"\xff\"\n" + kGood, "", "UTF-8");
  EXPECT_THROW((void)ConfigNode::load_file("/dev/zero"), InputError);
  EXPECT_THROW((void)ConfigNode::load_file(COLOSSIM_SOURCE_DIR "/tests"), InputError);
}

// Inputs the fuzzer (fuzz/scenario_fuzzer.cpp) found that hung yaml-cpp 0.7 or escaped as an
// internal error: each is now one input error, quickly.
TEST(ScenarioErrors, FuzzerFindingsAreInputErrors) {
  int found = 0;
  for (const auto& e : std::filesystem::directory_iterator(COLOSSIM_SOURCE_DIR "/fuzz/corpus")) {
    if (e.path().filename().string().rfind("regression-", 0) != 0) continue;
    ++found;
    std::ifstream in(e.path(), std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_THROW((void)scenario(text), InputError) << e.path();
  }
  EXPECT_GE(found, 7);
}

// training.framework names a stack of data/stacks.yaml; its defaults fill the plan keys the
// file leaves out, never the ones it gives.
TEST(ScenarioErrors, FrameworksAreNamedAndTheirDefaultsGiveWay) {
  const std::string head =
      "cluster: {gpu: h100-sxm-80gb, gpus: 8}\nmodel: {preset: llama3-8b}\ntraining: "
      "{global_batch: 8, ";
  expect_error(head + "framework: pytorch-lightning}\n", "training.framework", "torchtitan");
  expect_error(head + "framework: megatron-core, compile: true}\n", "training.compile",
               "torchtitan");
  const Scenario titan = scenario(head + "framework: torchtitan}\n");
  EXPECT_TRUE(titan.plan.grad_reduce_fp32);
  ASSERT_NE(titan.plan.stack, nullptr);
  EXPECT_EQ(titan.plan.stack->name, "torchtitan");
  EXPECT_EQ(scenario(head + "framework: torchtitan, compile: true}\n").plan.stack->name,
            "torchtitan-compiled");
  EXPECT_FALSE(scenario(head + "framework: torchtitan}\nparallelism: {grad_reduce_fp32: false}\n")
                   .plan.grad_reduce_fp32);
  EXPECT_EQ(titan.plan.recompute_modules, std::vector<std::string>{"op"});
  expect_error(head +
                   "framework: torchtitan}\nparallelism: {recompute: selective, "
                   "recompute_modules: [op, mlp]}\n",
               "parallelism.recompute_modules", "op alone");
  EXPECT_EQ(scenario(head + "framework: llm-foundry}\n").plan.attention,
            AttentionKernel::flash_triton);
  EXPECT_EQ(
      scenario(head + "framework: llm-foundry}\nparallelism: {attention: flash}\n").plan.attention,
      AttentionKernel::flash);
}

// training.fp8_recipe names a recipe the GPU runs, with FP8; the stack's is the default
// (delayed scaling; dynamic scaling under TorchTitan's torchao).
TEST(ScenarioErrors, Fp8RecipesAreNamedAndRunOnTheirGpus) {
  const std::string head = "model: {preset: llama3-8b}\ntraining: {global_batch: 8, ";
  const std::string h100 = "cluster: {gpu: h100-sxm-80gb, gpus: 8}\n";
  expect_error(h100 + head + "precision: fp8, fp8_recipe: nvfp4}\n", "training.fp8_recipe",
               "delayed");
  expect_error(h100 + head + "precision: fp8, fp8_recipe: mxfp8}\n", "training.fp8_recipe",
               "hopper");
  expect_error(h100 + head + "precision: bf16, fp8_recipe: current}\n", "training.fp8_recipe",
               "precision: fp8");
  EXPECT_EQ(scenario(h100 + head + "precision: fp8}\n").plan.fp8_recipe, "delayed");
  EXPECT_EQ(scenario(h100 + head + "precision: fp8, framework: torchtitan}\n").plan.fp8_recipe,
            "current");
  EXPECT_EQ(scenario("cluster: {gpu: b200, gpus: 8}\n" + head +
                     "precision: fp8, fp8_recipe: "
                     "mxfp8}\n")
                .plan.fp8_recipe,
            "mxfp8");
}

// cluster.placement names a placement; scattered GPUs of several kinds would mix the kinds.
TEST(ScenarioErrors, PlacementIsNamedAndKeepsPoolsApart) {
  const std::string tail = "model: {preset: llama3-8b}\ntraining: {global_batch: 8}\n";
  expect_error("cluster: {gpu: h100-sxm-80gb, gpus: 16, spare_gpus: 8, placement: spread}\n" + tail,
               "cluster.placement", "scattered");
  expect_error(
      "cluster: {gpu: h100-sxm-80gb, gpus: 32, placement: scattered, pools: [{gpu: "
      "h200-sxm-141gb, gpus: 16}]}\n" +
          tail,
      "cluster.placement", "packed");
  // A 2-node job on 4 nodes: its second node is the cluster's third.
  EXPECT_EQ(scenario("cluster: {gpu: h100-sxm-80gb, gpus: 32, spare_gpus: 16, placement: "
                     "scattered}\n" +
                     tail)
                .cluster.job_gpu(8),
            16);
}

// Dates are checked against the calendar, and a node size that does not divide the default
// rack blames the key the file gave.
TEST(ScenarioErrors, CalendarDatesAndTheKeyTheFileGave) {
  const std::string rest = "model: {preset: llama3-8b}\ntraining: {global_batch: 8}\n";
  const std::string cluster = "cluster: {gpu: h100-sxm-80gb, gpus: 8}\n";
  expect_error(cluster + rest + "facility: {delivery: 2025-02-31}\n", "facility.delivery",
               "YYYY-MM-DD");
  expect_error(cluster + rest + "facility: {delivery: 2023-02-29}\n", "facility.delivery",
               "YYYY-MM-DD");
  EXPECT_EQ(error_of(cluster + rest + "facility: {delivery: 2024-02-29}\n"), "");
  expect_error("cluster: {gpu: h100-sxm-80gb, gpus: 8192, gpus_per_node: 1024}\n" + rest,
               "cluster.gpus_per_node", "set cluster.gpus_per_rack");
}

// An imported config's max_position_embeddings is not the training length: the file says it.
TEST(ScenarioErrors, ImportedConfigsNeedTheTrainingLength) {
  const std::string config = std::string(COLOSSIM_SOURCE_DIR) + "/tests/data/llama3-8b-config.json";
  const std::string head = "cluster: {gpu: h100-sxm-80gb, gpus: 8}\nmodel: {hf_config: " + config;
  const std::string tail = "}\ntraining: {global_batch: 8}\n";
  expect_error(head + tail, "model.seq_len", "max_position_embeddings");
  EXPECT_EQ(scenario(head + ", seq_len: 4096" + tail).model.seq_len, 4096);
}

// cluster.pools: other GPU kinds among cluster.gpus, on nodes of the same size.
TEST(ScenarioErrors, GpuPools) {
  const auto with = [](const std::string& pools) {
    return "cluster: {gpu: h100-sxm-80gb, gpus: 16, pools: " + pools +
           "}\nmodel: {preset: llama3-8b}\ntraining: {global_batch: 32}\n";
  };
  EXPECT_EQ(error_of(with("[{gpu: b200, gpus: 8}]")), "");
  expect_error(with("{gpu: b200}"), "cluster.pools", "a list of {gpu: ID, gpus: N}");
  expect_error(with("[{gpu: z100, gpus: 8}]"), "gpu", "unknown GPU \"z100\"");
  expect_error(with("[{gpu: h100-sxm-80gb, gpus: 8}]"), "gpu", "other than cluster.gpu");
  expect_error(with("[{gpu: gb200, gpus: 8}]"), "gpu", "nodes hold 8 GPUs");
  expect_error(with("[{gpu: b200, gpus: 4}]"), "gpus", "a multiple of gpus_per_node (8)");
  expect_error(with("[{gpu: b200, gpus: 16}]"), "gpus", "fewer GPUs in the pools than");
  expect_error(with("[{gpu: b200, gpus: 8, tdp: 1}]"), "tdp", "unknown key");
  expect_error(
      "cluster: {gpu: h100-sxm-80gb, gpus: 16}\nmodel: {preset: llama3-8b}\ntraining: "
      "{global_batch: 32}\nparallelism: {balance: even}\n",
      "parallelism.balance", "none");
}

// jobs: (several jobs on one cluster): every key named, GPUs that do not overlap or overflow.
TEST(ScenarioErrors, JobsShareTheClusterWithoutOverlapping) {
  const std::string cluster = "cluster: {gpu: h100-sxm-80gb, gpus: 64}\n";
  const auto job = [](const std::string& name, const std::string& extra) {
    return "  - {name: " + name +
           ", gpus: 16, model: {preset: llama3-8b}, training: "
           "{global_batch: 32}, parallelism: {tp: 8}" +
           extra + "}\n";
  };
  const Scenario ok = scenario(cluster + "jobs:\n" + job("a", "") + job("b", ", placement: 32-47") +
                               job("c", ", placement: scattered"));
  ASSERT_EQ(ok.jobs.size(), 3u);
  EXPECT_EQ(ok.jobs[0].cluster.job_gpu(0), 0);
  EXPECT_EQ(ok.jobs[1].cluster.job_gpu(0), 32);
  EXPECT_EQ(ok.jobs[2].cluster.job_gpu(0), 16);  // spread over 16-31 and 48-63
  EXPECT_EQ(ok.jobs[2].cluster.job_gpu(8), 48);
  EXPECT_EQ(ok.jobs[0].cluster.job_gpus(), 16);
  expect_error(cluster + "jobs: {name: a}\n", "jobs", "list");
  expect_error(cluster + "jobs: []\n", "jobs", "a list of jobs");
  expect_error(cluster + "jobs:\n" + job("a", "") + job("a", ""), "jobs[1].name", "taken");
  expect_error(cluster + "jobs:\n" + job("a", ", placement: 20-35"), "jobs[0].placement",
               "boundary of 8");
  expect_error(cluster + "jobs:\n" + job("a", ", placement: near"), "jobs[0].placement",
               "packed, scattered or a range");
  for (const char* bad : {"99999999999999999999-99999999999999999999", "8-", "-8", "16-8", "8-15x"})
    expect_error(cluster + "jobs:\n" + job("a", std::string(", placement: \"") + bad + "\""),
                 "jobs[0].placement", "packed, scattered or a range");
  expect_error(cluster + "jobs:\n" + job("a", ", placement: 0-15") + job("b", ", placement: 8-23"),
               "jobs[1].placement", "job \"a\" has 8");
  expect_error(cluster + "jobs:\n" + job("a", "") + job("b", "") + job("c", "") + job("d", "") +
                   job("e", ""),
               "jobs[4].gpus", "at most the 0 GPUs");
  expect_error(cluster + "jobs:\n" + job("a", ", colour: red"), "jobs[0].colour", "");
  expect_error(cluster + "model: {preset: llama3-8b}\njobs:\n" + job("a", ""), "model",
               "beside jobs");
  expect_error(cluster + "network_model: bandwidth\njobs:\n" + job("a", ""), "network_model",
               "fabric");
  expect_error(
      "cluster: {gpu: h100-sxm-80gb, gpus: 64, pools: [{gpu: h200-sxm-141gb, gpus: 32}]}\njobs:\n" +
          job("a", ""),
      "jobs", "pools");
  expect_error(cluster +
                   "jobs:\n  - {name: a, gpus: 12, model: {preset: llama3-8b}, training: "
                   "{global_batch: 32}}\n",
               "jobs[0].gpus", "a multiple of 8");
  expect_error(cluster +
                   "jobs:\n  - {name: a, gpus: 16, model: {preset: nope}, training: "
                   "{global_batch: 32}}\n",
               "jobs[0].model.preset", "");
}

TEST(ScenarioErrors, SlowHostsAreNamedAndBounded) {
  const std::string base = kGood + "reliability:\n  slow_hosts: ";
  EXPECT_EQ(error_of(base + "{per_node_day: 0.1, duration: 10min, lemon_fraction: 0.005, "
                            "slowdown: 1.2, policy: drop, detection: 30s}\n"),
            "");
  expect_error(base + "{per_node_day: -1}\n", "reliability.slow_hosts.per_node_day", "0 to 100");
  expect_error(base + "{duration: 0s}\n", "reliability.slow_hosts.duration", "positive");
  expect_error(base + "{lemon_fraction: 1}\n", "reliability.slow_hosts.lemon_fraction", "below 1");
  expect_error(base + "{slowdown: 0.5}\n", "reliability.slow_hosts.slowdown", "1 to 100");
  expect_error(base + "{policy: fix}\n", "reliability.slow_hosts.policy", "tolerate");
  expect_error(base + "{speed: 2}\n", "reliability.slow_hosts.speed", "");
}

// parallelism.offload_modules: Megatron-Core's module names and its TransformerConfig checks.
TEST(ScenarioErrors, OffloadModulesAreMegatronCoresAndCheckedAsIt) {
  const std::string moe =
      "cluster: {gpu: h100-sxm-80gb, gpus: 16}\nmodel: {preset: qwen3-30b-a3b}\ntraining: "
      "{global_batch: 32}\nparallelism: {tp: 1, ep: 8, ";
  EXPECT_EQ(error_of(moe + "offload_modules: [core_attn, attn_proj, expert_fc1, moe_act], "
                           "activation_offload_fraction: 0.5}\n"),
            "");
  expect_error(moe + "offload_modules: [logits]}\n", "parallelism.offload_modules",
               "names among attn_norm");
  expect_error(moe + "offload_modules: [core_attn, core_attn]}\n", "parallelism.offload_modules",
               "twice");
  expect_error(moe + "offload_modules: [attn_proj]}\n", "parallelism.offload_modules",
               "core_attn beside attn_proj");
  expect_error(moe + "recompute: full, offload_modules: [core_attn]}\n",
               "parallelism.offload_modules", "recompute: none or selective");
  expect_error(moe +
                   "recompute: selective, recompute_modules: [moe], offload_modules: "
                   "[expert_fc1]}\n",
               "parallelism.offload_modules", "no expert_fc1 or moe_act");
  expect_error(moe + "offload_modules: [core_attn], activation_offload_fraction: 2}\n",
               "parallelism.activation_offload_fraction", "0 to 1");
  expect_error(moe + "activation_offload_fraction: 0.5}\n",
               "parallelism.activation_offload_fraction", "offload_modules beside it");
  expect_error(kGood.substr(0, kGood.size() - 2) + ", offload_modules: [moe_act]}\n",
               "parallelism.offload_modules", "mixture-of-experts");
}
