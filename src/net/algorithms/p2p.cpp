// Send/recv: member i to member i+1 of each group (pipeline stages).
#include <algorithm>
#include <cmath>

#include "net/collective_algorithm.hpp"

namespace colossim::algorithms {
namespace {

CollectiveSteps steps(const FabricNetwork&, Collective, double bytes, const RankGroups& groups) {
  Phase p;
  p.label = "send/recv to the next member";
  for (const auto& g : groups) {
    for (size_t i = 0; i + 1 < g.size(); ++i) p.transfers.push_back({g[i], g[i + 1], bytes});
  }
  return {{std::move(p)}};
}

std::optional<std::string> unsupported(const FabricNetwork&, Collective kind, const RankGroups&) {
  if (kind == Collective::send_recv) return std::nullopt;
  return "p2p runs send/recv only";
}

double cost(const CostShape& c, Collective) { return c.alpha() + c.S / (c.d > 1 ? c.port : c.nvl); }

}  // namespace

extern const CollectiveAlgorithm kP2p{"p2p", "send/recv between consecutive members", &unsupported,
                                      &steps, &cost};

}  // namespace colossim::algorithms
