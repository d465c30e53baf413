// All-to-all with every pair at once (NCCL's grouped send/recv), S/n to each peer.
#include <algorithm>
#include <cmath>

#include "net/collective_algorithm.hpp"

namespace colossim::algorithms {
namespace {

CollectiveSteps steps(const FabricNetwork&, Collective, double bytes, const RankGroups& groups) {
  const double n = group_size(groups);
  Phase p;
  p.label = "all-to-all: every pair at once";
  p.transfers.reserve(groups.size() * groups.front().size() * groups.front().size());
  for (const auto& g : groups) {
    for (long long a : g) {
      for (long long b : g) {
        if (a != b) p.transfers.push_back({a, b, bytes / n});
      }
    }
  }
  return {{std::move(p)}};
}

std::optional<std::string> unsupported(const FabricNetwork&, Collective kind, const RankGroups&) {
  if (kind == Collective::all_to_all) return std::nullopt;
  return "direct and pairwise run all-to-all only";
}

double cost(const CostShape& c, Collective) {
  return 1 * c.alpha() + std::max((c.m - 1) / c.n * c.S / c.nvl, (c.n - c.m) / c.n * c.S / c.port);
}

}  // namespace

extern const CollectiveAlgorithm kDirect{"direct", "all-to-all, every pair at once", &unsupported,
                                         &steps, &cost};

}  // namespace colossim::algorithms
