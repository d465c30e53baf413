// All-to-all in n-1 rounds, rank i sending to rank i+k in round k.
#include <algorithm>
#include <cmath>

#include "net/collective_algorithm.hpp"

namespace colossim::algorithms {
namespace {

CollectiveSteps steps(const FabricNetwork&, Collective, double bytes, const RankGroups& groups) {
  const size_t n = groups.front().size();
  CollectiveSteps steps;
  for (size_t k = 1; k < n; ++k) {
    Phase p;
    p.label = "all-to-all round";
    for (const auto& g : groups) {
      for (size_t i = 0; i < n; ++i)
        p.transfers.push_back({g[i], g[(i + k) % n], bytes / static_cast<double>(n)});
    }
    steps.push_back({std::move(p)});
  }
  return steps;
}

std::optional<std::string> unsupported(const FabricNetwork&, Collective kind, const RankGroups&) {
  if (kind == Collective::all_to_all) return std::nullopt;
  return "direct and pairwise run all-to-all only";
}

double cost(const CostShape& c, Collective) {
  return (c.n - 1) * c.alpha() +
         std::max((c.m - 1) / c.n * c.S / c.nvl, (c.n - c.m) / c.n * c.S / c.port);
}

}  // namespace

extern const CollectiveAlgorithm kPairwise{"pairwise", "all-to-all in n-1 rounds of one peer each",
                                           &unsupported, &steps, &cost};

}  // namespace colossim::algorithms
