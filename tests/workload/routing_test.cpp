// The router's load on the slowest expert-parallel rank, against order statistics and a Monte
// Carlo of the routing itself.
#include "workload/routing.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "core/error.hpp"
#include "test_support.hpp"

using namespace colossim;

namespace {

Model moe_model(int experts, int top_k, const std::string& balancing, double capacity = 0) {
  Model m = colossim::testing::present(find_preset("mixtral-8x7b"), "model preset mixtral-8x7b");
  m.moe->experts = experts;
  m.moe->top_k = top_k;
  m.moe->balancing = balancing;
  m.moe->capacity_factor = capacity;
  return m;
}

// Uniform top-k routing of `tokens` per rank over `ep` ranks holding experts/ep each: the mean
// over `trials` of the most loaded rank's routed tokens over the mean.
double simulated_max_load(int experts, int top_k, int ep, int tokens, int trials) {
  std::mt19937_64 rng(42);
  std::vector<int> pick(static_cast<size_t>(experts));
  for (int e = 0; e < experts; ++e) pick[static_cast<size_t>(e)] = e;
  double sum = 0;
  for (int t = 0; t < trials; ++t) {
    std::vector<double> load(static_cast<size_t>(ep), 0.0);
    for (long long i = 0; i < static_cast<long long>(tokens) * ep; ++i) {
      for (int j = 0; j < top_k; ++j) {  // k distinct experts: a partial shuffle
        std::uniform_int_distribution<int> d(j, experts - 1);
        std::swap(pick[static_cast<size_t>(j)], pick[static_cast<size_t>(d(rng))]);
        load[static_cast<size_t>(pick[static_cast<size_t>(j)] / (experts / ep))] += 1;
      }
    }
    sum += *std::max_element(load.begin(), load.end()) / (static_cast<double>(tokens) * top_k);
  }
  return sum / trials;
}

}  // namespace

// E[max of n standard normals]: 1/sqrt(pi) for 2; the tabulated 1.4236 (8) and 2.3477 (64).
TEST(Routing, ExpectedMaximumOfNormals) {
  EXPECT_DOUBLE_EQ(expected_max_normal(1), 0.0);
  EXPECT_NEAR(expected_max_normal(2), 0.5641896, 1e-4);
  EXPECT_NEAR(expected_max_normal(8), 1.4236, 2e-3);
  EXPECT_NEAR(expected_max_normal(64), 2.3477, 5e-3);
}

// With no persistent skew (s = 0) the slowest rank is the sampling noise alone: the model's
// normal approximation agrees with routing the tokens at random.
TEST(Routing, SamplingNoiseMatchesRandomRouting) {
  Model m = moe_model(64, 6, "aux-loss");
  m.moe->skew = 0.0;
  const double model = slowest_rank_load(m, 64, 8);
  const double simulated = simulated_max_load(64, 6, 8, 64, 400);
  EXPECT_GT(model, 1.05);
  EXPECT_NEAR(model, simulated, 0.02 * simulated);
}

// Forced balance, one rank, or a dense model: every rank gets the mean. A capacity factor caps
// what the slowest rank keeps. Over a dispatch of many sequences bias balancing (aux-free)
// beats the auxiliary loss; within one sequence its specialised experts crowd more.
TEST(Routing, ForcedBalanceCapacityAndMethodsOrder) {
  EXPECT_EQ(slowest_rank_load(moe_model(64, 6, "forced"), 4096, 8), 1.0);
  EXPECT_EQ(slowest_rank_load(moe_model(64, 6, "aux-loss"), 4096, 1), 1.0);
  const double aux = slowest_rank_load(moe_model(64, 6, "aux-loss"), 4096, 64, 64);
  const double free = slowest_rank_load(moe_model(64, 6, "aux-free"), 4096, 64, 64);
  EXPECT_GT(aux, free);
  EXPECT_GT(free, 1.0);
  EXPECT_GT(slowest_rank_load(moe_model(64, 6, "aux-free"), 4096, 8, 1),
            slowest_rank_load(moe_model(64, 6, "aux-loss"), 4096, 8, 1));
  EXPECT_EQ(slowest_rank_load(moe_model(64, 6, "aux-loss", 1.05), 4096, 8), 1.05);
}

// A rank holding g experts gets at most min(k, g) of each token's k copies: with every token on
// every expert each rank gets exactly the mean, and however skewed the router, Mixtral's 8
// experts over EP 8 (one per rank, top-2) put at most 8 x 1/2 = 4 times the mean on one rank.
TEST(Routing, NoRankGetsMoreThanEveryTokensCopiesToItsExperts) {
  EXPECT_DOUBLE_EQ(slowest_rank_load(moe_model(8, 8, "aux-loss"), 4096, 8), 1.0);
  Model skewed = moe_model(8, 2, "aux-loss");
  skewed.moe->skew = 10;
  EXPECT_DOUBLE_EQ(slowest_rank_load(skewed, 4096, 8), 4.0);
  EXPECT_DOUBLE_EQ(slowest_rank_load(moe_model(2, 2, "aux-loss"), 16, 2), 1.0);
}

// A router balanced over the global batch specialises by domain: one sequence's tokens crowd
// onto some experts, and a dispatch holding more independent sequences averages that out (part
// of one sequence counts as one). A micro-batch loss keeps only the corpus-wide skew, which no
// number of sequences averages; a written skew is the whole spread a dispatch sees.
TEST(Routing, SequenceSkewAveragesOverIndependentSequences) {
  const Model global = moe_model(128, 8, "global-aux-loss");
  const double one = slowest_rank_load(global, 4096, 8, 1);
  const double four = slowest_rank_load(global, 4096, 8, 4);
  EXPECT_DOUBLE_EQ(slowest_rank_load(global, 4096, 8, 0.25), one);
  EXPECT_LT(four, one);
  EXPECT_NEAR((four - 1) / (one - 1), 0.5, 0.02);  // the per-sequence spread dominates
  const Model aux = moe_model(128, 8, "aux-loss");
  EXPECT_GT(one, slowest_rank_load(aux, 4096, 8, 1));
  EXPECT_DOUBLE_EQ(slowest_rank_load(aux, 4096, 8, 1), slowest_rank_load(aux, 4096, 8, 16));
  Model written = global;
  written.moe->skew = 0.3;
  EXPECT_DOUBLE_EQ(slowest_rank_load(written, 4096, 8, 1), slowest_rank_load(written, 4096, 8, 4));
}

TEST(Routing, UnknownBalancingIsAnInputError) {
  EXPECT_THROW((void)colossim::testing::scenario(
                   "cluster: {gpu: h100-sxm-80gb, gpus: 8}\nmodel: {preset: mixtral-8x7b, moe: "
                   "{balancing: magic}}\ntraining: {global_batch: 8}\n"),
               InputError);
}

// A node-deduplicating dispatcher sends a token once per remote node it routes to: with one
// expert per token that is every copy (share 1); with DeepSeek-V3's 8 of 256 experts over 8
// nodes and at most 4 nodes per token, 4 x 7/8 remote nodes against 8 x 7/8 remote copies; and
// without a limit, what routing tokens at random gives.
TEST(Routing, DeduplicatedDispatchSendsATokenOncePerNode) {
  EXPECT_NEAR(deduplicated_network_share(moe_model(64, 1, "forced"), 4), 1.0, 1e-12);
  EXPECT_EQ(deduplicated_network_share(moe_model(64, 6, "forced"), 1), 1.0);
  Model dsv3 = moe_model(256, 8, "forced");
  dsv3.moe->node_limit = 4;
  EXPECT_NEAR(deduplicated_network_share(dsv3, 8), 0.5, 1e-12);
  // Monte Carlo: 128 experts top-8 over 4 nodes, node 0 sending.
  std::mt19937_64 rng(7);
  std::vector<int> pick(128);
  for (int e = 0; e < 128; ++e) pick[static_cast<size_t>(e)] = e;
  double remote_nodes = 0;
  constexpr int kTokens = 200000;
  for (int t = 0; t < kTokens; ++t) {
    bool hit[4] = {false, false, false, false};
    for (int j = 0; j < 8; ++j) {
      std::uniform_int_distribution<int> d(j, 127);
      std::swap(pick[static_cast<size_t>(j)], pick[static_cast<size_t>(d(rng))]);
      hit[pick[static_cast<size_t>(j)] / 32] = true;
    }
    remote_nodes += hit[1] + hit[2] + hit[3];
  }
  const double simulated = remote_nodes / kTokens / (8.0 * 3 / 4);
  EXPECT_NEAR(deduplicated_network_share(moe_model(128, 8, "forced"), 4), simulated, 0.01);
}
