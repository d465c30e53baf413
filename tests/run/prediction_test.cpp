// One prediction of a scenario: here, a job over several GPU kinds (cluster.pools).
#include "run/prediction.hpp"

#include <gtest/gtest.h>

#include <string>

#include "test_support.hpp"

using namespace colossim;
using colossim::testing::scenario;

namespace {

// Llama 3.1 70B on 128 GPUs, 1F1B, 24 micro-batches per replica; `pools` other kinds.
std::string job(const std::string& pools, const std::string& balance = "") {
  return "cluster: {gpu: h100-sxm-80gb, gpus: 128" + pools +
         "}\n"
         "model: {preset: llama3-70b}\n"
         "training: {global_batch: 96}\n"
         "parallelism: {tp: 8, pp: 4, cp: 1, dp: 4, micro_batch: 1, schedule: 1f1b, "
         "virtual_stages: 1, sequence_parallel: true, recompute: none, zero: 1" +
         balance + "}\n";
}

double step_of(const std::string& yaml) {
  const Verdict v = predict(scenario(yaml), Calibration::builtin());
  EXPECT_TRUE(v.prediction.has_value()) << v.refusal;
  return v.prediction ? v.prediction->step.step_time.value() : 0.0;
}

}  // namespace

// A synchronous job over H100 and B200 pods: every replica running the same micro-batches, the
// step is the H100 pods' (as if the whole job were H100); balanced, the B200 replicas take more
// of the batch and the step shortens, the global batch unchanged. Left open, colossim balances.
TEST(Prediction, MixedKindsRunAtTheSlowestPaceUnlessBalanced) {
  const double h100 = step_of(job(""));
  const std::string pool = ", pools: [{gpu: b200, gpus: 64}]";
  const double even = step_of(job(pool, ", balance: none"));
  EXPECT_NEAR(even, h100, 0.01 * h100);
  const Verdict balanced = predict(scenario(job(pool)), Calibration::builtin());
  ASSERT_TRUE(balanced.prediction.has_value()) << balanced.refusal;
  const Prediction& p = *balanced.prediction;
  EXPECT_EQ(p.balance, "micro_batches");
  EXPECT_TRUE(p.balance_chosen);
  EXPECT_LT(p.step.step_time.value(), 0.9 * even);
  ASSERT_EQ(p.pools.size(), 2u);
  EXPECT_EQ(p.pools[0].gpu, "h100-sxm-80gb");
  EXPECT_EQ(p.pools[0].replicas, 2);
  EXPECT_LT(p.pools[0].micro_batches, 24);
  EXPECT_GT(p.pools[1].micro_batches, 24);
  // The global batch is kept: 4 replicas x 24 micro-batches.
  EXPECT_EQ(p.pools[0].replicas * p.pools[0].micro_batches +
                p.pools[1].replicas * p.pools[1].micro_batches,
            96);
  // H200 beside H100: without balancing, the H100 pace too.
  const double h200 = step_of(job(", pools: [{gpu: h200-sxm-141gb, gpus: 64}]", ", balance: none"));
  EXPECT_NEAR(h200, h100, 0.01 * h100);
}

// A kind whose GPUs are not whole model-parallel groups is refused with the reason.
TEST(Prediction, MixedKindsKeepModelParallelGroupsWhole) {
  const Verdict v =
      predict(scenario(job(", pools: [{gpu: b200, gpus: 16}]")), Calibration::builtin());
  EXPECT_FALSE(v.prediction.has_value());
  EXPECT_NE(v.refusal.find("model-parallel groups"), std::string::npos) << v.refusal;
}
