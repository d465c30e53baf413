#include "run/plan_search.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "net/network.hpp"
#include "plan/memory.hpp"
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
          p.schedule = v > 1 ? Schedule::interleaved : Schedule::one_f_one_b;
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
