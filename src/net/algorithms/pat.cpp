// PAT, NCCL's Parallel Aggregated Trees (NCCL 2.23, 2024): all-gather and reduce-scatter in
// ceil(log2 n) rounds instead of a ring's n-1, for groups with one GPU per NVLink domain (NCCL
// uses it only with one GPU per node). Modelled as Bruck's all-gather (Bruck et al., IEEE TPDS
// 1997): in round k member i sends the 2^k blocks it holds to member i - 2^k (the last round
// the n - 2^k it still lacks), each block S/n; reduce-scatter runs the same rounds in reverse,
// largest first. Every member sends (n-1)/n S in all, as in the ring, with log2 n latencies.
// Limit: NCCL's PAT pipelines the rounds through a bounded buffer; here they run one after
// another, each as long as its slowest transfer.
#include <algorithm>
#include <cmath>

#include "net/collective_algorithm.hpp"

namespace colossim::algorithms {
namespace {

CollectiveSteps steps(const FabricNetwork&, Collective kind, double bytes,
                      const RankGroups& groups) {
  const auto n = static_cast<long long>(groups.front().size());
  CollectiveSteps out;
  for (long long d = 1; d < n; d *= 2) {
    Phase p;
    p.label = "pat round";
    const double blocks = static_cast<double>(std::min(d, n - d));
    for (const auto& g : groups) {
      for (long long i = 0; i < n; ++i) {
        p.transfers.push_back({g[static_cast<size_t>(i)], g[static_cast<size_t>((i - d + n) % n)],
                               blocks * bytes / static_cast<double>(n)});
      }
    }
    out.push_back({std::move(p)});
  }
  if (kind == Collective::reduce_scatter) std::reverse(out.begin(), out.end());
  return out;
}

std::optional<std::string> unsupported(const FabricNetwork& net, Collective kind,
                                       const RankGroups& groups) {
  if (kind != Collective::all_gather && kind != Collective::reduce_scatter)
    return "pat runs all-gather and reduce-scatter";
  if (split(net.fabric(), groups.front()).domains.size() != groups.front().size())
    return "pat needs one member per NVLink domain (NCCL uses it with one GPU per node)";
  return std::nullopt;
}

double cost(const CostShape& c, Collective) {
  return std::ceil(std::log2(c.n)) * c.alpha() + (c.n - 1) / c.n * c.S / c.bw();
}

}  // namespace

extern const CollectiveAlgorithm kPat{
    "pat", "all-gather/reduce-scatter in log2 n rounds, one GPU per node (NCCL 2.23+)",
    &unsupported, &steps, &cost};

}  // namespace colossim::algorithms
