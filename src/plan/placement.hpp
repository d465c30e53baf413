// The one rank-placement model: which GPUs form each TP, CP, EP, DP and PP group of a plan, for
// the step, the plan search and `collective --group` alike.
//
// Ranks are laid out as Megatron-Core's RankGenerator lays them out, the first dimension of
// `plan.order` varying fastest (default tp-cp-dp-pp: rank = tp + TP*(cp + CP*(dp + DP*pp)), so a
// TP group sits inside a node and pipeline stages are furthest apart). Rank r is GPU r of the
// job (GPUs 0 .. tp*cp*dp*pp - 1 of the cluster, spares after them).
//  - dp: the gradient-reduction group, DP x CP (the distributed optimizer shards over both, so
//    the order keeps cp next to dp and the group is one arithmetic sequence of ranks).
//  - ep: Megatron-Core's expert generator: the plan's order with tp of size etp (expert_tp()),
//    cp dropped and ep right before dp, so with the default order and etp 1 an EP group is ep
//    consecutive ranks, and with etp > 1 ep ranks etp apart.
//  - etp: the expert tensor-parallel group, etp consecutive ranks of the expert generator (with
//    ep 1: the tp group).
//  - edp: the expert-data-parallel group, the ranks holding the same experts: TP x CP x DP /
//    (EP x ETP) members of the expert generator (Megatron-Core's expert_data_parallel group); the
//    experts' gradients are reduced, and their optimizer state sharded, over it. With ep 1 the
//    experts are TP-split like the MLP and it is the dp group.
//  - pp: the whole pipeline; the step's sends run between neighbouring stages (place_groups).
// Every group of a dimension is an arithmetic sequence: `size` members `stride` ranks apart, one
// group per rank whose position along the stride is 0.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "plan/plan.hpp"
#include "topology/cluster.hpp"

namespace colossim {

enum class Dimension { tp, cp, ep, dp, pp, edp, etp };

// "tp", "cp", "ep", "dp", "pp", "edp": the names --group and error messages use.
[[nodiscard]] const std::vector<std::string>& dimension_names();
[[nodiscard]] std::string to_string(Dimension d);
// Throws std::invalid_argument for a name not in dimension_names().
[[nodiscard]] Dimension parse_dimension(const std::string& name);

// Why `order` is not a usable rank order (nullopt if it is): tp, cp, dp and pp each once, with
// cp next to dp.
[[nodiscard]] std::optional<std::string> order_problem(const std::vector<std::string>& order);

struct GroupLayout {
  long long size = 1;    // members per group
  long long stride = 1;  // ranks between consecutive members
};
// Asserts !order_problem(plan.order) and that ep divides tp x cp x dp.
[[nodiscard]] GroupLayout group_layout(const Plan& plan, Dimension dim);

using RankGroups = std::vector<std::vector<long long>>;  // members of each group, in rank order
// Every group of `size` members `stride` ranks apart among ranks 0 .. ranks-1.
[[nodiscard]] RankGroups strided_groups(long long size, long long stride, long long ranks);
// Every group of one dimension of the plan.
[[nodiscard]] RankGroups rank_groups(const Plan& plan, Dimension dim);

// The groups the step prices, with how many members share an NVLink domain.
struct Groups {
  CommGroup tp, cp, dp, ep, pp, edp, etp;  // pp: two neighbouring stages
  // The data-parallel group's ZeRO shards (Plan::dp_shard: its first dp_shard members, by
  // default all of it) and the replicas of one shard across them (size 1 without hybrid
  // sharding).
  CommGroup dp_shard, dp_replicate;
};
[[nodiscard]] Groups place_groups(const Plan& plan, const Cluster& cluster);

}  // namespace colossim
