#include "plan/memory.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

using namespace colossim;
using colossim::testing::scenario;

namespace {

// Korthikanti et al. 2022 configurations (GPT, A100 80GB, unfused attention, FP32 grads).
std::string gpt(const std::string& model, int gpus, const std::string& plan) {
  return "cluster: {gpu: a100-sxm-80gb, gpus: " + std::to_string(gpus) + "}\n" + model +
         "training: {global_batch: " + std::to_string(gpus / 8 * 8) + "}\n" + plan;
}

const std::string k22b =
    "model: {layers: 48, hidden: 6144, ffn_hidden: 24576, heads: 64, vocab: 51200, seq_len: 2048, "
    "mlp: gelu,"
    " tied_embeddings: true, learned_positions: true, dropout: true}\n";
const std::string k175b =
    "model: {layers: 96, hidden: 12288, ffn_hidden: 49152, heads: 96, vocab: 51200, seq_len: 2048, "
    "mlp: gelu,"
    " tied_embeddings: true, learned_positions: true, dropout: true}\n";

}  // namespace

// Korthikanti et al. 2022 Fig. 1 (values read off the chart, +-2%): parameters + optimizer state
// of GPT-22B at TP 8 = 45.6 GiB per GPU (18 B/param with FP32 gradients).
TEST(Memory, WeightsGradsOptimizerMatchKorthikanti) {
  const Scenario s = scenario(gpt(
      k22b, 8,
      "parallelism: {tp: 8, micro_batch: 4, zero: 0, attention: unfused, grad_reduce_fp32: true,"
      " recompute: selective, sequence_parallel: true}\n"));
  Training t = s.training;
  t.global_batch = 4;
  const MemoryBreakdown m = memory_per_gpu(s.plan, s.model, s.cluster, t);
  EXPECT_NEAR(to_gib(m.weights + m.gradients + m.optimizer), 45.5625, 0.03 * 45.5625);
}

// Activations: 22B, TP 8, micro-batch 4: 34 s b h L / t bytes with selective recompute + SP
// (9.56 GiB) and s b h L (10 + 24/t + 5 a s/(h t)) without recompute or SP (59.25 GiB).
TEST(Memory, ActivationsMatchKorthikantiFormulas) {
  const std::string base =
      "parallelism: {tp: 8, micro_batch: 4, zero: 0, attention: unfused, grad_reduce_fp32: true, ";
  Scenario sel = scenario(gpt(k22b, 8, base + "recompute: selective, sequence_parallel: true}\n"));
  sel.training.global_batch = 4;
  const double sel_gib =
      to_gib(memory_per_gpu(sel.plan, sel.model, sel.cluster, sel.training).activations);
  EXPECT_NEAR(sel_gib, 9.5625, 0.05 * 9.5625);

  Scenario none = scenario(gpt(k22b, 8, base + "recompute: none, sequence_parallel: false}\n"));
  none.training.global_batch = 4;
  const double none_gib =
      to_gib(memory_per_gpu(none.plan, none.model, none.cluster, none.training).activations);
  EXPECT_NEAR(none_gib, 59.25, 0.05 * 59.25);
}

// 175B at TP 8 x PP 8 with 3 virtual stages: the first stage holds (1 + (p-1)/(p v)) x p
// micro-batches' worth of its layers (Korthikanti eq. 5 setting) = 12.35 GiB with selective+SP.
// Here the peak comes from walking the interleaved schedule, not from that formula.
TEST(Memory, InterleavedInFlightActivationsComeFromTheSchedule) {
  Scenario s = scenario(gpt(
      k175b, 64,
      "parallelism: {tp: 8, pp: 8, virtual_stages: 3, micro_batch: 1, zero: 0, attention: unfused,"
      " grad_reduce_fp32: true, recompute: selective, sequence_parallel: true}\n"));
  s.training.global_batch = 64;
  const MemoryBreakdown m = memory_per_gpu(s.plan, s.model, s.cluster, s.training);
  EXPECT_NEAR(to_gib(m.activations), 12.3515625, 0.05 * 12.3515625);
}

TEST(Memory, ZeroStagesShardWhatTheySay) {
  auto mem = [](int zero) {
    Scenario s = scenario(
        "cluster: {gpu: h100-sxm-80gb, gpus: 64}\nmodel: {preset: llama3-8b}\n"
        "training: {global_batch: 64}\nparallelism: {tp: 1, zero: " +
        std::to_string(zero) + "}\n");
    return memory_per_gpu(s.plan, s.model, s.cluster, s.training);
  };
  const auto z0 = mem(0), z1 = mem(1), z2 = mem(2), z3 = mem(3);
  EXPECT_NEAR(z1.optimizer.value(), z0.optimizer.value() / 64, 1.0);
  EXPECT_DOUBLE_EQ(z1.gradients.value(), z0.gradients.value());
  EXPECT_NEAR(z2.gradients.value(), z0.gradients.value() / 64, 1.0);
  EXPECT_LT(z3.weights.value(), z0.weights.value() / 4);
}

// Hybrid sharding keeps a shard group's share of the state: 8 of 64 GPUs, 8 times a full
// shard's optimizer and gradients.
TEST(Memory, HybridShardingShardsOverTheShardGroupOnly) {
  auto mem = [](const std::string& extra) {
    Scenario s = scenario(
        "cluster: {gpu: h100-sxm-80gb, gpus: 64}\nmodel: {preset: llama3-8b}\n"
        "training: {global_batch: 64, framework: pytorch-fsdp}\nparallelism: {zero: 3" +
        extra + "}\n");
    return memory_per_gpu(s.plan, s.model, s.cluster, s.training);
  };
  const auto full = mem(""), hybrid = mem(", dp_shard: 8"), whole = mem(", dp_shard: 64");
  EXPECT_NEAR(hybrid.optimizer.value(), 8 * full.optimizer.value(), 1.0);
  EXPECT_NEAR(hybrid.gradients.value(), 8 * full.gradients.value(), 1.0);
  EXPECT_GT(hybrid.weights.value(), full.weights.value());  // beside the units gathered whole
  EXPECT_DOUBLE_EQ(whole.total().value(), full.total().value());
}

// Full recompute on half the layers keeps half of them whole: the activations fall between
// none and full, at the mean of the two (one layer rebuilt at a time on top of both).
TEST(Memory, RecomputeFractionKeepsTheRestOfTheLayersWhole) {
  auto act = [](const std::string& recompute) {
    Scenario s = scenario(
        "cluster: {gpu: h100-sxm-80gb, gpus: 8}\nmodel: {preset: llama3-8b}\n"
        "training: {global_batch: 8}\nparallelism: {tp: 8, zero: 1, recompute: " +
        recompute + "}\n");
    return memory_per_gpu(s.plan, s.model, s.cluster, s.training).activations.value();
  };
  const double none = act("none"), full = act("full"), half = act("full, recompute_fraction: 0.5");
  EXPECT_GT(half, full);
  EXPECT_LT(half, none + (full - none) / 4);  // none's top-up (one layer rebuilt) stays small
  EXPECT_GT(half, (none + full) / 2 - 0.1 * (none - full));
}

TEST(Memory, PlanThatDoesNotFitIsRefusedWithFigures) {
  const Scenario s = scenario(
      "cluster: {gpu: h100-sxm-80gb, gpus: 8}\nmodel: {preset: llama3-70b}\n"
      "training: {global_batch: 8}\nparallelism: {tp: 1, zero: 0}\n");
  const MemoryBreakdown m = memory_per_gpu(s.plan, s.model, s.cluster, s.training);
  const auto why = does_not_fit(m, s.cluster);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("does not fit"), std::string::npos);
  EXPECT_NE(why->find("GiB"), std::string::npos);
}

// Megatron-Core shards the routed experts' optimizer state over the expert-data-parallel group
// (TP x CP x DP / EP ranks), the rest over DP x CP: Mixtral 8x7B, TP 2, EP 8, DP 8 on 16 GPUs
// keeps 12 B per expert parameter over 2 ranks and per dense parameter over 8.
TEST(Memory, ExpertOptimizerStateShardsOverTheExpertDataParallelGroup) {
  const Scenario s = scenario(
      "cluster: {gpu: h100-sxm-80gb, gpus: 16}\nmodel: {preset: mixtral-8x7b}\n"
      "training: {global_batch: 64}\nparallelism: {tp: 2, ep: 8, dp: 8, zero: 1}\n");
  const MemoryBreakdown m = memory_per_gpu(s.plan, s.model, s.cluster, s.training);
  const Shard shard = shard_of(s.plan, s.model);
  double dense = 0, expert = 0;
  for (int l = 0; l < s.model.layers; ++l) {
    const LayerWork w = layer_work(s.model, l, shard);
    dense += w.params - w.expert_params;
    expert += w.expert_params;
  }
  dense += embedding_work(s.model, shard).params + output_work(s.model, shard).params;
  ASSERT_GT(expert, 0);
  EXPECT_NEAR(m.optimizer.value(), 12 * (dense / 8 + expert / 2), 1e-6 * m.optimizer.value());
}

// Megatron-Bridge's theoretical memory estimator (NVIDIA-NeMo/Megatron-Bridge @067f987d,
// src/megatron/bridge/training/utils/theoretical_memory_utils.py, estimate_training_memory) on
// two MoE models, coarse and fine-grained experts: per GPU, dense parameters are the layers'
// attention (2 h^2 (1 + groups/heads) q/h), 4 h of norms and the final norm over PP x TP plus the
// embedding over TP; routed experts 3 h f E per layer over PP x EP x ETP; each parameter costs
// 6 + 12 / shard bytes with the distributed optimizer (BF16 weight, FP32 gradient, Adam state
// sharded over DP x CP, the experts' over DP x TP x CP / (EP x ETP)). colossim's weights,
// gradients and optimizer state (with FP32 gradients, as the estimator assumes) agree within 10%;
// the estimator leaves out the router, QK norms and the output layer's stage, colossim counts them.
TEST(Memory, ModelStateMatchesMegatronBridgesEstimatorOnMoeModels) {
  struct Config {
    std::string preset;
    int tp, pp, ep, etp;
    long long dp;
    double q_per_head;  // kv_channels
  };
  for (const Config& c :
       {Config{"qwen3-30b-a3b", 1, 2, 8, 1, 8, 128}, Config{"mixtral-8x22b", 2, 8, 8, 1, 8, 128}}) {
    const long long gpus = static_cast<long long>(c.tp) * c.pp * c.dp;
    const Scenario s =
        scenario("cluster: {gpu: h100-sxm-80gb, gpus: " + std::to_string(gpus) +
                 "}\nmodel: {preset: " + c.preset +
                 "}\ntraining: {global_batch: " + std::to_string(4 * c.dp) +
                 "}\nparallelism: {tp: " + std::to_string(c.tp) + ", pp: " + std::to_string(c.pp) +
                 ", ep: " + std::to_string(c.ep) + ", etp: " + std::to_string(c.etp) +
                 ", dp: " + std::to_string(c.dp) + ", zero: 1, grad_reduce_fp32: true}\n");
    const Model& m = s.model;
    const double h = static_cast<double>(m.hidden), heads = m.heads, groups = m.kv_heads;
    const double attention = 2 * h * h * ((1 + groups / heads) * (c.q_per_head * heads / h));
    const double dense = m.layers * (attention + 4 * h) + 2 * h;
    const double embedding = h * static_cast<double>(m.vocab);
    const double routed = m.layers * 3 * h * static_cast<double>(m.moe->expert_ffn_hidden) *
                          static_cast<double>(m.moe->experts);
    const double dense_per_gpu = dense / (c.pp * c.tp) + embedding / c.tp;
    const double expert_per_gpu = routed / (c.pp * c.ep * c.etp);
    const double expert_shard = static_cast<double>(c.dp) * c.tp / (c.ep * c.etp);
    const double expected = dense_per_gpu * (6 + 12.0 / static_cast<double>(c.dp)) +
                            expert_per_gpu * (6 + 12.0 / expert_shard);
    const MemoryBreakdown mb = memory_per_gpu(s.plan, m, s.cluster, s.training);
    const double state = (mb.weights + mb.gradients + mb.optimizer).value();
    EXPECT_NEAR(state / expected, 1.0, 0.10)
        << c.preset << ": " << state / 1e9 << " GB vs " << expected / 1e9 << " GB";
  }
}

// DeepEP's buffers as Megatron-Core allocates them for DeepSeek-V3 (hidden 7,168) over EP 64 =
// 8 nodes of 8: 10 channels (20 SMs), 8 NVLink peers x 288 tokens and 8 RDMA peers x 128
// tokens x 2, each token 7,168 x 2 B plus 2,056 B of routing records and 16 B RDMA tail
// (DeepEP csrc/legacy/config.hpp): 377,677,760 + 336,047,360 bytes beside NCCL's buffers.
TEST(Memory, DeepEpBuffersAsMegatronSizesThem) {
  const std::string head =
      "cluster: {gpu: h800-sxm-80gb, gpus: 1024}\nmodel: {preset: deepseek-v3}\n"
      "training: {global_batch: 1024, precision: fp8}\nparallelism: {tp: 1, pp: 16, ep: 64, "
      "uneven_stages: true, recompute: full, moe_dispatcher: ";
  const Scenario deepep = scenario(head + "deepep}\n"), nccl = scenario(head + "alltoall}\n");
  const auto buffers = [](const Scenario& s) {
    return memory_per_gpu(s.plan, s.model, s.cluster, s.training).comm_buffers.value();
  };
  EXPECT_NEAR(buffers(deepep) - buffers(nccl), 377677760.0 + 336047360.0, 1.0);
}

// Offloading modules' inputs to host memory takes them off every layer in flight and brings two
// layers' worth back for the reload: the saving is linear in the offloaded share (half the share,
// half the saving), the experts' inputs count only on a mixture of experts, and the inputs of
// attention, its projection and the norms are what the accounting keeps for them.
TEST(Memory, OffloadedActivationsLeaveTheGpuInProportion) {
  const std::string base =
      "cluster: {gpu: h100-sxm-80gb, gpus: 64}\nmodel: {preset: qwen3-30b-a3b}\ntraining: "
      "{global_batch: 256}\nparallelism: {tp: 1, pp: 1, cp: 1, ep: 8, micro_batch: 1, zero: 1, "
      "recompute: none";
  const auto activations = [&](const std::string& offload) {
    const Scenario s = scenario(base + offload + "}\n");
    return memory_per_gpu(s.plan, s.model, s.cluster, s.training).activations.value();
  };
  const double none = activations("");
  const double all = activations(
      ", offload_modules: [attn_norm, qkv_linear, core_attn, "
      "attn_proj, mlp_norm, expert_fc1, moe_act]");
  const double half = activations(
      ", offload_modules: [attn_norm, qkv_linear, core_attn, "
      "attn_proj, mlp_norm, expert_fc1, moe_act], "
      "activation_offload_fraction: 0.5");
  EXPECT_GT(none - all, 0.3 * none);
  EXPECT_NEAR(none - half, (none - all) / 2, 1e-6 * none);
  // What each module moves is its input as the layer keeps it.
  const Scenario s = scenario(base + "}\n");
  Shard shard;
  shard.tp = 1;
  shard.ep = 8;
  shard.micro_batch = 1;
  shard.seq_len = s.model.seq_len;
  const LayerWork w = layer_work(s.model, 0, shard);
  const double tokens = static_cast<double>(s.model.seq_len);
  EXPECT_DOUBLE_EQ(w.offload_saves.at("attn_norm"), 2.0 * s.model.hidden * tokens);
  EXPECT_DOUBLE_EQ(w.offload_saves.at("mlp_norm"), 2.0 * s.model.hidden * tokens);
  EXPECT_GT(w.offload_saves.at("expert_fc1"), 0);
  Plan plan = s.plan;
  plan.offload_modules = {"core_attn"};
  plan.offload_fraction = 0.25;
  EXPECT_DOUBLE_EQ(offloaded_bytes(plan, w), 0.25 * w.offload_saves.at("core_attn"));
}
