// Rank placement: which GPUs form each TP, CP, EP, DP and PP group, so each collective knows the
// links it crosses. Ranks are laid out with the first dimension of `order` varying fastest --
// Megatron-LM's default "tp-cp-ep-dp-pp" puts a TP group inside one node, then CP, then DP, with
// pipeline stages furthest apart (Megatron-Core parallel_state.RankGenerator). Expert parallelism
// splits the DP dimension: the EP ranks are the innermost ep of the dp ranks.
//
// Rank r is GPU r of the job (GPUs 0 .. tp*cp*dp*pp - 1 of the cluster, spares after them).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace colossim {

struct PlacementDims {
  long long tp = 1, cp = 1, ep = 1, dp = 1, pp = 1;  // ep divides dp
  std::vector<std::string> order = {"tp", "cp", "ep", "dp", "pp"};
  [[nodiscard]] long long ranks() const { return tp * cp * dp * pp; }
};

// Why `order` is not a permutation of tp, cp, ep, dp, pp with ep next to dp (nullopt if it is).
[[nodiscard]] std::optional<std::string> placement_problem(const PlacementDims& dims);

// Every group along `dim` ("tp", "cp", "ep", "dp" or "pp"), members in rank order.
[[nodiscard]] std::vector<std::vector<long long>> placement_groups(const PlacementDims& dims,
                                                                   const std::string& dim);

}  // namespace colossim
