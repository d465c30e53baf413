#include "run/plan_search.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>

#include "net/network.hpp"
#include "plan/memory.hpp"
#include "plan/pipeline.hpp"
#include "run/prediction.hpp"
#include "test_support.hpp"

using namespace colossim;
using colossim::testing::scenario;

TEST(PlanSearch, ScenarioWithoutAPlanGetsOneThatFits) {
  const Scenario s = scenario(
      "cluster: {gpu: h100-sxm-80gb, gpus: 64}\nmodel: {preset: llama3-70b}\n"
      "training: {global_batch: 256}\n");
  ASSERT_TRUE(s.plan_needs_search());
  const Verdict v = predict(s, Calibration::builtin());
  ASSERT_TRUE(v.prediction) << v.refusal;
  const Prediction& p = *v.prediction;
  EXPECT_TRUE(p.plan_chosen);
  EXPECT_EQ(static_cast<long long>(p.plan.tp) * p.plan.pp * p.plan.cp * p.plan.dp, 64);
  EXPECT_LE(p.memory.total(), s.cluster.gpu.hbm);
  EXPECT_GT(p.plan.tp * p.plan.pp, 1);  // 70B does not fit on one GPU
}

// The bound only skips candidates that cannot win: the search agrees with simulating every
// fitting candidate.
TEST(PlanSearch, BoundPruningFindsTheExhaustiveBest) {
  const Scenario s = scenario(
      "cluster: {gpu: h100-sxm-80gb, gpus: 32}\nmodel: {preset: llama3-8b}\n"
      "training: {global_batch: 64}\nparallelism: {cp: 1, ep: 1, recompute: none}\n");
  const Calibration cal = Calibration::builtin();
  const PlanSearch search = search_plans(s, cal);
  ASSERT_TRUE(search.best());
  EXPECT_LT(search.simulated, search.fitting);  // the bound did prune

  const ArchCalibration& arch = cal.for_architecture("hopper");
  const auto net = make_network("bandwidth", s.cluster, arch.network());
  double best = INFINITY;
  for (int tp : {1, 2, 4, 8}) {
    for (int pp : {1, 2, 4, 8, 16, 32}) {
      for (int v : {1, 2, 4, 8}) {
        for (int mb : {1, 2, 4, 8}) {
          if (32 % (tp * pp) != 0) continue;
          Plan p = s.plan;
          p.tp = tp;
          p.pp = pp;
          p.dp = 32 / (tp * pp);
          p.virtual_stages = v;
          p.micro_batch = mb;
          p.schedule = default_schedule(v);
          p.sequence_parallel = tp > 1;
          if (invalid_reason(p, s.model, s.cluster, s.training)) continue;
          if (does_not_fit(memory_per_gpu(p, s.model, s.cluster, s.training), s.cluster)) continue;
          best = std::min(
              best,
              simulate_step({s.model, s.cluster, p, s.training, *net, arch}).step_time.value());
        }
      }
    }
  }
  const double found =
      simulate_step({s.model, s.cluster, *search.best(), s.training, *net, arch}).step_time.value();
  EXPECT_DOUBLE_EQ(found, best);
}

TEST(PlanSearch, NothingFitsIsARefusalWithTheFigures) {
  const Scenario s = scenario(
      "cluster: {gpu: a100-sxm-40gb, gpus: 8}\nmodel: {preset: llama3-405b}\n"
      "training: {global_batch: 8}\n");
  const Verdict v = predict(s, Calibration::builtin());
  EXPECT_FALSE(v.prediction);
  EXPECT_NE(v.refusal.find("does not fit"), std::string::npos) << v.refusal;
}

// The ranking depends only on the scenario: one thread and several give the same plans.
TEST(PlanSearch, ThreadsDoNotChangeTheRanking) {
  const Scenario s = scenario(
      "cluster: {gpu: h100-sxm-80gb, gpus: 1024}\nmodel: {preset: llama3-70b}\n"
      "training: {global_batch: 512}\n");
  const Calibration cal = Calibration::builtin();
  ThreadEvaluator one(1), four(4);
  SearchOptions a, b;
  a.top = b.top = 8;
  a.evaluator = &one;
  b.evaluator = &four;
  a.search_framework_options = b.search_framework_options = true;
  const PlanSearch ra = search_plans(s, cal, a), rb = search_plans(s, cal, b);
  ASSERT_EQ(ra.ranked.size(), 8u);
  ASSERT_EQ(ra.ranked.size(), rb.ranked.size());
  EXPECT_EQ(ra.simulated, rb.simulated);
  for (size_t i = 0; i < ra.ranked.size(); ++i) {
    EXPECT_EQ(ra.ranked[i].step_s, rb.ranked[i].step_s) << i;
    EXPECT_EQ(ra.ranked[i].plan.tp, rb.ranked[i].plan.tp) << i;
    EXPECT_EQ(ra.ranked[i].plan.pp, rb.ranked[i].plan.pp) << i;
    EXPECT_EQ(ra.ranked[i].plan.micro_batch, rb.ranked[i].plan.micro_batch) << i;
    if (i > 0) {
      EXPECT_LE(ra.ranked[i - 1].step_s, ra.ranked[i].step_s);
    }
  }
}

// With every key opened and the published values among the candidates, the search is never
// slower than the published plan (a check of the bound and of the candidate sets), for a case
// of each source group.
TEST(PlanSearch, NeverSlowerThanThePublishedPlan) {
  const Calibration cal = Calibration::builtin();
  ThreadEvaluator threads(2);
  const std::string dir = COLOSSIM_SOURCE_DIR "/validation/cases/";
  for (const char* f :
       {"korthikanti2022/korthikanti22_22B_seqsel.yaml", "megatron2021/megatron21_t1_39.1B.yaml",
        "megatron_core_h100/mcore_h100_weak_7.1B.yaml",
        "nvidia_dgxc/dgxc_85380ff_llama8b_BF16_H100_8.yaml",
        "nvidia_dgxc/dgxc_85380ff_llama70b_FP8_H100_64.yaml",
        "mosaicml_mpt/mpt_h100_80gb_amp_bf16_7b_2048_128.yaml"}) {
    const Scenario s = read_scenario_file(dir + f, colossim::testing::catalog());
    const auto c = compare_with_published(s, cal, &threads);
    ASSERT_TRUE(c.has_value()) << f;
    EXPECT_LE(c->best_step_s, c->published_step_s * (1 + 1e-12)) << f;
  }
}

// The search proposes only what the scenario's stack offers: nanotron has neither interleaved
// pipelines nor context parallelism and runs all-forward-all-backward.
TEST(PlanSearch, ProposesOnlyWhatTheStackOffers) {
  const std::string yaml =
      "cluster: {gpu: h100-sxm-80gb, gpus: 64}\nmodel: {preset: llama3-70b, seq_len: 16384}\n"
      "training: {global_batch: 64, framework: ";
  bool cp_or_interleaved_elsewhere = false;
  for (const std::string stack : {"megatron-core", "nanotron"}) {
    const Scenario s = colossim::testing::scenario(yaml + stack + "}\n");
    const PlanSearch r = search_plans(s, Calibration::builtin(), {});
    ASSERT_FALSE(r.ranked.empty()) << stack;
    for (const auto& c : r.ranked) {
      const bool uses = c.plan.cp > 1 || c.plan.virtual_stages > 1;
      if (stack == "nanotron") {
        EXPECT_FALSE(uses) << "TP " << c.plan.tp << " CP " << c.plan.cp << " VP "
                           << c.plan.virtual_stages;
        if (c.plan.pp > 1) {
          EXPECT_EQ(c.plan.schedule, "gpipe");
        }
      } else {
        cp_or_interleaved_elsewhere = cp_or_interleaved_elsewhere || uses;
      }
    }
  }
  EXPECT_TRUE(cp_or_interleaved_elsewhere) << "the control: Megatron-Core's search uses them";
}

// A plan given in full is held to its stack too: LLM Foundry has no pipeline engine, nanotron no
// context parallelism; the same plans run on Megatron-Core or TorchTitan.
TEST(PlanSearch, AGivenPlanIsRefusedWhatItsStackDoesNotRun) {
  auto refusal = [](const std::string& framework, const std::string& parallelism) {
    const Scenario s = colossim::testing::scenario(
        "cluster: {gpu: h100-sxm-80gb, gpus: 64}\nmodel: {preset: llama3-70b}\n"
        "training: {global_batch: 64, framework: " +
        framework + "}\nparallelism: {tp: 8, dp: 2, micro_batch: 1, recompute: full, ep: 1, " +
        parallelism + "}\n");
    const auto why = invalid_reason(s.plan, s.model, s.cluster, s.training);
    return why.value_or("");
  };
  EXPECT_NE(refusal("llm-foundry", "pp: 4, cp: 1, virtual_stages: 1, schedule: 1f1b")
                .find("does not run pp"),
            std::string::npos);
  EXPECT_NE(refusal("nanotron", "pp: 2, cp: 2, virtual_stages: 1, schedule: gpipe")
                .find("does not run cp"),
            std::string::npos);
  EXPECT_EQ(refusal("megatron-core", "pp: 2, cp: 2, virtual_stages: 1, schedule: 1f1b"), "");
  EXPECT_EQ(refusal("torchtitan", "pp: 4, cp: 1, virtual_stages: 2, schedule: dualpipev"), "");
}

// What Megatron-Core's own checks refuse is refused: a TP rank holds whole KV heads (Llama 3 70B
// has 8, so TP 16 cannot split them), and the EP all-to-all overlap needs expert parallelism, an
// interleaved pipeline when there is one, and no full recompute.
TEST(PlanSearch, AGivenPlanIsRefusedWhatMegatronCoreRefuses) {
  auto refusal = [](const std::string& model, const std::string& parallelism) {
    const Scenario s = colossim::testing::scenario(
        "cluster: {gpu: h100-sxm-80gb, gpus: 128}\nmodel: {preset: " + model +
        "}\ntraining: {global_batch: 256}\nparallelism: {micro_batch: 1, cp: 1, " + parallelism +
        "}\n");
    return invalid_reason(s.plan, s.model, s.cluster, s.training).value_or("");
  };
  EXPECT_NE(refusal("llama3-70b", "tp: 16, pp: 1, dp: 8, recompute: full").find("KV heads"),
            std::string::npos);
  EXPECT_EQ(refusal("llama3-70b", "tp: 8, pp: 1, dp: 16, recompute: full"), "");
  const std::string moe = "tp: 1, pp: 2, ep: 8, dp: 64, moe_a2a_overlap: true, ";
  EXPECT_NE(refusal("mixtral-8x7b", moe + "recompute: selective").find("virtual_stages"),
            std::string::npos);
  EXPECT_EQ(refusal("mixtral-8x7b", moe + "recompute: selective, virtual_stages: 2, "
                                          "schedule: interleaved"),
            "");
  EXPECT_NE(refusal("mixtral-8x7b", moe + "recompute: full, virtual_stages: 2, "
                                          "schedule: interleaved")
                .find("full"),
            std::string::npos);
  EXPECT_NE(
      refusal("mixtral-8x7b", "tp: 1, pp: 1, ep: 1, dp: 128, moe_a2a_overlap: true").find("ep > 1"),
      std::string::npos);
}

// FSDP beside pipeline stages runs on TorchTitan, whose stages keep their gathered weights for
// the step and reduce gradients once: the step and the memory of ZeRO-1. Megatron-Core refuses it.
TEST(PlanSearch, FsdpWithPipelineStagesRunsWhereTheStackKeepsTheWeightsGathered) {
  // zero_as: the stage to price it as, set past the reader (TorchTitan has no ZeRO-1 to write).
  auto run = [](const std::string& framework, int zero, int zero_as) {
    Scenario s = scenario(
        "cluster: {gpu: h100-sxm-80gb, gpus: 64}\nmodel: {preset: llama3-70b}\n"
        "training: {global_batch: 64, framework: " +
        framework +
        "}\nparallelism: {tp: 8, pp: 4, dp: 2, cp: 1, micro_batch: 1, "
        "virtual_stages: 1, recompute: full, zero: " +
        std::to_string(zero) + "}\n");
    s.plan.zero = zero_as;
    return predict(s, Calibration::builtin());
  };
  const Verdict fsdp = run("torchtitan", 3, 3), zero1 = run("torchtitan", 3, 1);
  ASSERT_TRUE(fsdp.prediction && zero1.prediction) << fsdp.refusal << zero1.refusal;
  EXPECT_DOUBLE_EQ(fsdp.prediction->step.step_time.value(),
                   zero1.prediction->step.step_time.value());
  EXPECT_DOUBLE_EQ(fsdp.prediction->memory.total().value(),
                   zero1.prediction->memory.total().value());
  const Verdict megatron = run("megatron-core", 3, 3);
  EXPECT_FALSE(megatron.prediction);
  EXPECT_NE(megatron.refusal.find("zero 3"), std::string::npos) << megatron.refusal;
}

// Context parallelism is how a job uses more GPUs than its batch spreads over: Llama 3 405B at
// 8k tokens with 2,048 sequences on 65,536 H100 needs CP 4 or more, and the open search must
// find a plan at least as fast as CP 4 given (it kept CP to 2 below 16k tokens: 4.1 s a step
// against 1.7 s).
TEST(PlanSearch, ContextParallelismIsSearchedWhereTheBatchRunsOut) {
  const std::string yaml =
      "cluster: {gpu: h100-sxm-80gb, gpus: 65536}\nmodel: {preset: llama3-405b}\n"
      "training: {global_batch: 2048}\n";
  const PlanSearch open = search_plans(scenario(yaml), Calibration::builtin(), {});
  const PlanSearch cp4 =
      search_plans(scenario(yaml + "parallelism: {cp: 4}\n"), Calibration::builtin(), {});
  ASSERT_FALSE(open.ranked.empty() || cp4.ranked.empty()) << open.why_none << cp4.why_none;
  EXPECT_LE(open.ranked.front().step_s, cp4.ranked.front().step_s * (1 + 1e-12));
  EXPECT_GE(open.ranked.front().plan.cp, 4);
}

// FSDP stacks shard parameters, gradients and optimizer state together or not at all: the
// search tries their own stages (TorchTitan: 2 and 3), never Megatron's distributed optimizer
// (ZeRO-1), which it used to propose for TorchTitan and print as DDP, which ran out of memory.
TEST(PlanSearch, FsdpStacksAreSearchedOverTheirOwnZeroStages) {
  SearchOptions options;
  options.search_framework_options = true;
  options.top = 20;
  auto zeros = [&](const std::string& framework) {
    const PlanSearch r = search_plans(
        scenario("cluster: {gpu: h100-sxm-80gb, gpus: 64}\nmodel: {preset: llama3-8b}\n"
                 "training: {global_batch: 256, framework: " +
                 framework + "}\n"),
        Calibration::builtin(), options);
    std::set<int> out;
    for (const auto& c : r.ranked) out.insert(c.plan.zero);
    return out;
  };
  const std::set<int> titan = zeros("torchtitan");
  EXPECT_FALSE(titan.empty());
  EXPECT_EQ(titan.count(1), 0u);
  EXPECT_EQ(zeros("megatron-core").count(1), 1u) << "the control: Megatron-Core's search uses it";
}

// At a 128k context the search goes past CP 8: 128 sequences of Llama 3 405B on 16,384 H100
// with TP 8 leave CP x PP x DP = 2,048, and CP 8 forces pipelines of 4 micro-batches at depth 8
// or more (20.1 s a step); CP 32 runs 7.9 s. The open search must beat CP 8 given by a third.
TEST(PlanSearch, LongContextsAreSearchedPastCpEight) {
  const std::string yaml =
      "cluster: {gpu: h100-sxm-80gb, gpus: 16384}\nmodel: {preset: llama3-405b, seq_len: "
      "131072}\ntraining: {global_batch: 128}\n";
  const PlanSearch open =
      search_plans(scenario(yaml + "parallelism: {tp: 8}\n"), Calibration::builtin(), {});
  const PlanSearch cp8 =
      search_plans(scenario(yaml + "parallelism: {tp: 8, cp: 8}\n"), Calibration::builtin(), {});
  ASSERT_FALSE(open.ranked.empty() || cp8.ranked.empty()) << open.why_none << cp8.why_none;
  EXPECT_GE(open.ranked.front().plan.cp, 16);
  EXPECT_LT(open.ranked.front().step_s, cp8.ranked.front().step_s / 1.5);
}

// When no combination of the open keys runs, the reason names a key the scenario fixed: with
// DualPipeV named, the open virtual_stages take its 2 chunks, so EP 256 on 2,048 GPUs at PP 16
// (tp x cp x dp = 128) is what is reported, not "dualpipev runs two model chunks".
TEST(PlanSearch, WhenNothingRunsTheFixedKeyIsNamed) {
  const Scenario s = scenario(
      "cluster: {gpu: h100-sxm-80gb, gpus: 2048}\nmodel: {preset: deepseek-v3}\n"
      "training: {global_batch: 4096}\nparallelism: {pp: 16, ep: 256, schedule: dualpipev}\n");
  const PlanSearch r = search_plans(s, Calibration::builtin(), {});
  EXPECT_TRUE(r.ranked.empty());
  EXPECT_NE(r.why_none.find("ep x etp = 256"), std::string::npos) << r.why_none;
  // A written TP that divides no layout of the GPUs is named, not the open keys.
  const PlanSearch tp3 = search_plans(
      scenario("cluster: {gpu: h100-sxm-80gb, gpus: 1024}\nmodel: {preset: llama3-70b}\n"
               "training: {global_batch: 1024}\nparallelism: {tp: 3}\n"),
      Calibration::builtin(), {});
  EXPECT_TRUE(tp3.ranked.empty());
  EXPECT_NE(tp3.why_none.find("parallelism.tp 3 does not divide the job's 1024 GPUs"),
            std::string::npos)
      << tp3.why_none;
  // Every layout key written: their product is the job's GPU count or nothing runs.
  const PlanSearch all = search_plans(
      scenario("cluster: {gpu: gb200, gpus: 72}\nmodel: {preset: llama3-8b}\n"
               "training: {global_batch: 72}\nparallelism: {tp: 1, cp: 1, pp: 1, dp: 8}\n"),
      Calibration::builtin(), {});
  EXPECT_TRUE(all.ranked.empty());
  EXPECT_NE(all.why_none.find("parallelism.dp 8 makes 8 GPUs, not the job's 72"),
            std::string::npos)
      << all.why_none;
}

// `colossim plan` proposes the stack's MoE options for open keys: DeepEP where the EP group spans
// nodes and the combined-1F1B overlap where the schedule pairs passes (Megatron-Core offers both,
// NeMo AutoModel DeepEP only); `simulate` keeps the frameworks' defaults. DeepSeek-V3's 61 layers
// and its MTP module split over 8 stages (62 slots + embedding and loss).
TEST(PlanSearch, PlanProposesTheStacksMoeOptions) {
  const std::string yaml =
      "cluster: {gpu: h100-sxm-80gb, gpus: 1024}\nmodel: {preset: deepseek-v3}\n"
      "training: {global_batch: 1024, precision: fp8, framework: ";
  const std::string plan = "}\nparallelism: {tp: 2, pp: 8, ep: 64, micro_batch: 1}\n";
  SearchOptions options;
  options.search_framework_options = true;
  for (const std::string stack : {"megatron-core", "nemo-automodel"}) {
    const Scenario s = scenario(yaml + stack + plan);
    const PlanSearch r = search_plans(s, Calibration::builtin(), options);
    ASSERT_FALSE(r.ranked.empty()) << stack << ": " << r.why_none;
    for (const auto& c : r.ranked) {
      EXPECT_EQ(c.plan.moe_dispatcher, "deepep") << stack;  // EP 64 spans 16 nodes
      const bool pairs =
          (c.plan.pp == 1 || c.plan.virtual_stages > 1) && c.plan.recompute != Recompute::full;
      EXPECT_EQ(c.plan.moe_a2a_overlap, stack == "megatron-core" && pairs) << stack;
    }
    const PlanSearch kept = search_plans(s, Calibration::builtin(), {});
    ASSERT_FALSE(kept.ranked.empty());
    EXPECT_EQ(kept.ranked.front().plan.moe_dispatcher, "alltoall");
    EXPECT_FALSE(kept.ranked.front().plan.moe_a2a_overlap);
  }
  Model m = *find_preset("deepseek-v3");
  EXPECT_TRUE(layers_split_evenly(m, 8, 1));
  m.mtp_layers = 0;
  EXPECT_FALSE(layers_split_evenly(m, 8, 1));
}

// With the schedule and expert TP open, the search proposes what each stack runs: DualPipeV
// where the stack has it (TorchTitan, through PyTorch's ScheduleDualPipeV) and expert TP equal
// to TP where it has that (Megatron-Core), never the other way round.
TEST(PlanSearch, ProposesDualPipeVAndExpertTpWhereTheStackRunsThem) {
  const std::string yaml =
      "cluster: {gpu: h100-sxm-80gb, gpus: 64}\nmodel: {preset: mixtral-8x7b}\n"
      "training: {global_batch: 256, framework: ";
  const std::string plan = "}\nparallelism: {tp: 2, pp: 4, ep: 8, micro_batch: 1}\n";
  SearchOptions every;
  every.top = 100000;  // rank every candidate that fits
  for (const std::string stack : {"megatron-core", "torchtitan"}) {
    const PlanSearch r = search_plans(scenario(yaml + stack + plan), Calibration::builtin(), every);
    ASSERT_FALSE(r.ranked.empty()) << stack << ": " << r.why_none;
    int dualpipev = 0, split_experts = 0;
    for (const auto& c : r.ranked) {
      dualpipev += c.plan.schedule == "dualpipev" ? 1 : 0;
      split_experts += expert_tp(c.plan) > 1 ? 1 : 0;
      if (c.plan.schedule == "dualpipev") {
        EXPECT_EQ(c.plan.virtual_stages, 2);
      }
    }
    EXPECT_EQ(dualpipev > 0, stack == "torchtitan") << stack;
    EXPECT_EQ(split_experts > 0, stack == "megatron-core") << stack;
  }
}
