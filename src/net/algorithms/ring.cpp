// NCCL's ring. One channel per member of a domain when the group spans domains (of its smallest
// domain, where they differ), channel c entering every domain at its member c (so it crosses
// domains on rail c), each carrying 1/m of the data. all-reduce: 2(n-1) identical steps of S/n per
// rank; all-gather and reduce-scatter: n-1 steps. Uncontended: 2(n-1)/n S/B + 2(n-1) latencies.
#include <algorithm>
#include <cmath>

#include "net/collective_algorithm.hpp"

namespace colossim::algorithms {
namespace {

CollectiveSteps steps(const FabricNetwork& net, Collective kind, double bytes,
                      const RankGroups& groups) {
  const double n = group_size(groups);
  Phase p;
  p.label = "ring step";
  p.repeat = kind == Collective::all_reduce ? 2 * (n - 1) : n - 1;
  for (const auto& g : groups) {
    const Split s = split(net.fabric(), g);
    const long long channels = channels_across(s);
    const bool channelled = channels > 1;
    std::vector<long long> order;
    for (long long c = 0; c < channels; ++c) {
      order.clear();
      if (channelled) {
        for (const auto& d : s.domains) {
          // Member c of every domain, also of one larger than the channels: NCCL keeps a channel
          // on one rail, so no two channels share a NIC in one direction.
          const auto k = static_cast<long long>(d.size());
          for (long long i = 0; i < k; ++i) order.push_back(d[static_cast<size_t>((c + i) % k)]);
        }
      } else {
        order = g;
      }
      const double chunk = bytes / (n * static_cast<double>(channels));
      for (size_t i = 0; i < order.size(); ++i)
        p.transfers.push_back({order[i], order[(i + 1) % order.size()], chunk});
    }
  }
  return {{std::move(p)}};
}

std::optional<std::string> unsupported(const FabricNetwork&, Collective kind, const RankGroups&) {
  if (kind == Collective::all_reduce || kind == Collective::all_gather ||
      kind == Collective::reduce_scatter)
    return std::nullopt;
  return "ring runs all-reduce, all-gather and reduce-scatter";
}

double cost(const CostShape& c, Collective kind) {
  return kind == Collective::all_reduce ? ring_allreduce_cost(c.n, c.S, c.bw(), c.alpha())
                                        : (c.n - 1) * c.alpha() + (c.n - 1) / c.n * c.S / c.bw();
}

}  // namespace

extern const CollectiveAlgorithm kRing{"ring", "NCCL ring, one channel per member of a domain",
                                       &unsupported, &steps, &cost};

}  // namespace colossim::algorithms
