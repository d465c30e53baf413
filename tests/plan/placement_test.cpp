#include "plan/placement.hpp"

#include <gtest/gtest.h>

namespace colossim {
namespace {

Plan plan(int tp, int cp, long long dp, int ep, int pp) {
  Plan p;
  p.tp = tp;
  p.cp = cp;
  p.dp = dp;
  p.ep = ep;
  p.pp = pp;
  return p;
}

// Megatron order tp-cp-dp-pp over TP 8, CP 2, DP 4, PP 2 (128 ranks):
//   rank = tp + 8 (cp + 2 (dp + 4 pp)), so TP groups are 8 consecutive ranks, the gradient group
//   (DP x CP) is 8 ranks 8 apart, a pipeline's two stages are 64 apart; experts (expert TP 1,
//   cp dropped, ep before dp) make EP groups of 2 consecutive ranks.
TEST(Placement, MegatronOrderPlacesEveryDimension) {
  const Plan p = plan(8, 2, 4, 2, 2);
  const auto tp = rank_groups(p, Dimension::tp);
  ASSERT_EQ(tp.size(), 16u);
  EXPECT_EQ(tp[1], (std::vector<long long>{8, 9, 10, 11, 12, 13, 14, 15}));
  const auto dp = rank_groups(p, Dimension::dp);
  ASSERT_EQ(dp.size(), 16u);
  EXPECT_EQ(dp[0], (std::vector<long long>{0, 8, 16, 24, 32, 40, 48, 56}));
  const auto cp = rank_groups(p, Dimension::cp);
  EXPECT_EQ(cp[0], (std::vector<long long>{0, 8}));
  const auto ep = rank_groups(p, Dimension::ep);
  ASSERT_EQ(ep.size(), 64u);
  EXPECT_EQ(ep[3], (std::vector<long long>{6, 7}));
  const auto pp = rank_groups(p, Dimension::pp);
  ASSERT_EQ(pp.size(), 64u);
  EXPECT_EQ(pp[0], (std::vector<long long>{0, 64}));
  // The expert-data-parallel group: the ranks holding the same experts, TP x CP x DP / EP = 32
  // per stage, EP = 2 apart (Megatron-Core's expert generator: tp(1)-ep-dp-pp).
  const auto edp = rank_groups(p, Dimension::edp);
  ASSERT_EQ(edp.size(), 4u);
  ASSERT_EQ(edp[0].size(), 32u);
  EXPECT_EQ(edp[0][1], 2);
  EXPECT_EQ(edp[1][0], 1);
  EXPECT_EQ(edp[2][0], 64);
  // Without EP the experts are TP-split like the MLP: the expert-DP group is the DP group.
  EXPECT_EQ(rank_groups(plan(8, 2, 4, 1, 2), Dimension::edp),
            rank_groups(plan(8, 2, 4, 1, 2), Dimension::dp));
}

// Expert TP: Megatron-Core's expert generator puts etp innermost, then ep, then the expert-data
// dimension (tp(etp)-ep-dp-pp). TP 4 x DP 16 = 64 ranks with EP 8, ETP 4: ETP groups are 4
// consecutive ranks, EP groups 8 ranks 4 apart, the experts' data-parallel groups 2 ranks 32
// apart; etp defaults to 1 with EP and to tp without.
TEST(Placement, ExpertTensorParallelGroupsSitInsideTheExpertGenerator) {
  Plan p = plan(4, 1, 16, 8, 1);
  p.etp = 4;
  EXPECT_EQ(rank_groups(p, Dimension::etp)[1], (std::vector<long long>{4, 5, 6, 7}));
  const auto ep = rank_groups(p, Dimension::ep);
  ASSERT_EQ(ep.size(), 8u);
  EXPECT_EQ(ep[1], (std::vector<long long>{1, 5, 9, 13, 17, 21, 25, 29}));
  EXPECT_EQ(rank_groups(p, Dimension::edp)[0], (std::vector<long long>{0, 32}));
  p.etp = 0;
  EXPECT_EQ(expert_tp(p), 1);
  EXPECT_EQ(rank_groups(p, Dimension::etp)[0], (std::vector<long long>{0}));
  EXPECT_EQ(expert_tp(plan(4, 1, 16, 1, 1)), 4);
}

// Every dimension's groups partition the ranks: each rank in exactly one group.
TEST(Placement, GroupsPartitionTheRanks) {
  for (const auto& order : std::vector<std::vector<std::string>>{
           {"tp", "cp", "dp", "pp"}, {"tp", "pp", "dp", "cp"}, {"pp", "tp", "cp", "dp"}}) {
    Plan p = plan(4, 2, 6, 3, 2);
    p.order = order;
    for (const auto& name : dimension_names()) {
      std::vector<int> seen(96, 0);
      for (const auto& g : rank_groups(p, parse_dimension(name)))
        for (long long r : g) seen[static_cast<size_t>(r)] += 1;
      EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), 96) << name;
    }
  }
}

// The step's groups come from the same layout: the order decides what shares an NVLink domain.
TEST(Placement, StepGroupsFollowTheOrder) {
  Cluster c;
  c.nvlink_domain = 8;
  Plan p = plan(8, 1, 16, 1, 4);
  Groups g = place_groups(p, c);
  EXPECT_EQ(g.tp.per_domain, 8);
  EXPECT_EQ(g.dp.stride, 8);
  EXPECT_EQ(g.dp.per_domain, 1);
  p.order = {"dp", "cp", "tp", "pp"};
  g = place_groups(p, c);
  EXPECT_EQ(g.tp.stride, 16);
  EXPECT_EQ(g.tp.per_domain, 1);
  EXPECT_EQ(g.dp.per_domain, 8);
  EXPECT_EQ(g.pp.stride, 128);
}

// On NVL72 racks, 64 consecutive ranks (an EP group) are cut by rack boundaries: ranks 64..127
// are 8 in the first rack and 56 in the second, and the 8's traffic to the 56 crosses the NICs.
// The group says so (at least 2 domains, 8 crossing) where 8 or 144 keep to whole racks; so a
// plan's ranking no longer prices such an all-to-all on NVLink alone.
TEST(Placement, GroupsCutByADomainBoundaryNameTheirSmallestPart) {
  Cluster c;
  c.nvlink_domain = 72;
  const auto ep = [&](int size) { return place_groups(plan(1, 1, 576, size, 1), c).ep; };
  EXPECT_EQ(ep(64).straddle, 8);
  EXPECT_EQ(ep(64).domains(), 2);
  EXPECT_EQ(ep(64).crossing_part(), 8);
  EXPECT_EQ(ep(8).straddle, 0);
  EXPECT_EQ(ep(8).domains(), 1);
  EXPECT_EQ(ep(144).straddle, 0);
  EXPECT_EQ(ep(144).crossing_part(), 72);
  EXPECT_EQ(ep(16).crossing_part(), 8);  // 64..79: 8 and 8
  c.nvlink_domain = 8;
  EXPECT_EQ(ep(64).straddle, 0);  // whole nodes
  EXPECT_EQ(ep(64).crossing_part(), 8);
}

TEST(Placement, OrderNeedsEachDimensionOnceWithCpNextToDp) {
  EXPECT_FALSE(order_problem({"tp", "cp", "dp", "pp"}));
  EXPECT_TRUE(order_problem({"tp", "dp", "pp", "cp"}));
  EXPECT_TRUE(order_problem({"tp", "cp", "dp"}));
  EXPECT_THROW((void)parse_dimension("xp"), std::invalid_argument);
}

}  // namespace
}  // namespace colossim
