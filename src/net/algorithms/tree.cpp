// NCCL's double binary tree, all-reduce only. Per channel, a chain inside each domain to the
// channel's leader and two binary trees over the domains' leaders (the second mirrored, so each
// leader is a leaf in one), each tree carrying half; reduce and broadcast pipeline, so all edges
// run at once: ~2S/B plus 2 log2(D) latencies of fill.
#include <algorithm>
#include <cmath>

#include "net/collective_algorithm.hpp"

namespace colossim::algorithms {
namespace {

int depth_of(size_t domains) {
  return std::max(1, static_cast<int>(std::ceil(std::log2(static_cast<double>(domains)))));
}

CollectiveSteps steps(const FabricNetwork& net, Collective, double bytes,
                      const RankGroups& groups) {
  Phase intra, inter;
  intra.label = "tree: chain inside each domain";
  inter.label = "tree: two binary trees across domains";
  int depth = 1;
  for (const auto& g : groups) {
    const Split s = split(net.fabric(), g);
    const size_t d = s.domains.size();
    depth = std::max(depth, depth_of(d));
    const long long channels = s.per_domain > 0 ? s.per_domain : channels_across(s);
    const double chunk = bytes / static_cast<double>(channels);
    for (long long c = 0; c < channels; ++c) {
      std::vector<long long> leader(d);
      for (size_t i = 0; i < d; ++i) {
        const auto& dom = s.domains[i];
        const auto m = static_cast<long long>(dom.size());
        leader[i] = dom[static_cast<size_t>(c % m)];
        // Chain to the leader: reduce flows towards it, broadcast flows back.
        for (long long k = 1; k < m; ++k) {
          const long long a = dom[static_cast<size_t>((c + k) % m)];
          const long long b = dom[static_cast<size_t>((c + k + 1) % m)];
          intra.transfers.push_back({a, b, chunk});
          intra.transfers.push_back({b, a, chunk});
        }
      }
      for (size_t i = 1; i < d; ++i) {
        const size_t parent_a = (i - 1) / 2;
        const size_t mirrored = d - 1 - i;  // tree B: tree A over the domains in reverse order
        const size_t child_b = mirrored, parent_b = d - 1 - parent_a;
        for (auto [child, parent] : {std::pair{i, parent_a}, std::pair{child_b, parent_b}}) {
          inter.transfers.push_back({leader[child], leader[parent], chunk / 2});
          inter.transfers.push_back({leader[parent], leader[child], chunk / 2});
        }
      }
    }
  }
  inter.extra_hops = 2 * depth - 1;
  CollectiveSteps steps(1);
  if (!intra.transfers.empty()) steps[0].push_back(std::move(intra));
  steps[0].push_back(std::move(inter));
  return steps;
}

std::optional<std::string> unsupported(const FabricNetwork& net, Collective kind,
                                       const RankGroups& groups) {
  if (kind != Collective::all_reduce) return "tree runs all-reduce only";
  if (split(net.fabric(), groups.front()).domains.size() < 2)
    return "tree needs a group spanning two or more NVLink domains";
  return std::nullopt;
}

double cost(const CostShape& c, Collective) {
  return tree_allreduce_cost(c.d, c.S, c.bw(), c.a_net) + 2 * (c.m - 1) * c.a_nvl;
}

}  // namespace

extern const CollectiveAlgorithm kTree{
    "tree", "NCCL double binary tree across domains, chains inside", &unsupported, &steps, &cost};

}  // namespace colossim::algorithms
