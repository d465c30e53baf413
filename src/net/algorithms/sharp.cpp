// InfiniBand SHARP (Quantum switches), as NCCL's CollNet: reduce-scatter inside each domain,
// the domains' c-th members reducing S/m in the switches -- each climbs to the lowest tier
// covering its group, reduced at every switch, and the result is multicast down the same links
// (S/m per link per direction instead of a ring's 2(n-1)/n) -- and all-gather inside, the three
// pipelined. The switches' aggregation rate and their limit on concurrent trees are not modelled
// (the links are).
#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

#include "net/collective_algorithm.hpp"

namespace colossim::algorithms {
namespace {

// Every member's stream climbs to the lowest switch tier that covers its group, reduced at each
// switch on the way (so each uplink of the aggregation tree carries it once), and the result is
// multicast back down the same links: S per link per direction, pipelined.
Phase switch_tree(const FabricNetwork& net, double bytes, const RankGroups& groups) {
  const Fabric& f = net.fabric();
  Phase p;
  p.label = "sharp: reduce up the switches, multicast down";
  int levels = 0;
  for (const auto& g : groups) {
    std::set<long long> leaves, pods;
    for (long long m : g) leaves.insert(f.leaf_of(m));
    for (long long leaf : leaves) pods.insert(f.pod_of_leaf(leaf));
    const auto h = static_cast<long long>(std::hash<long long>{}(g.front()) >> 3);
    const long long j = leaves.size() > 1 ? h % f.spines_per_pod() : 0;
    const long long u = pods.size() > 1 ? (h / f.spines_per_pod()) % f.core_uplinks_per_spine() : 0;
    auto link = [&](int id) { p.transfers.push_back({id, id, bytes, Transfer::Via::link}); };
    for (long long m : g) {
      link(f.nic_uplink(m));
      link(f.nic_downlink(m));
    }
    if (leaves.size() > 1) {
      for (long long leaf : leaves) {
        link(f.leaf_uplink(leaf, j));
        link(f.leaf_downlink(leaf, j));
      }
    }
    if (pods.size() > 1) {
      for (long long pod : pods) {
        link(f.spine_uplink(pod, j, u));
        link(f.spine_downlink(pod, j, u));
      }
    }
    levels = std::max(levels, pods.size() > 1 ? 2 : leaves.size() > 1 ? 1 : 0);
  }
  p.extra_hops = 2 * (levels + 1) - 1;  // the first chunk climbs and comes back down
  return p;
}

CollectiveSteps steps(const FabricNetwork& net, Collective, double bytes,
                      const RankGroups& groups) {
  const RankGroups intra = within_domains(net, groups);
  if (intra.front().size() == 1) return {{switch_tree(net, bytes, groups)}};
  // NCCL's CollNet pipelines the three stages chunk by chunk, so they run at once: the domains'
  // reduce-scatter and all-gather (a ring all-reduce's NVLink traffic) beside the switch tree.
  const double m = group_size(intra);
  CollectiveSteps steps = kRing.steps(net, Collective::all_reduce, bytes, intra);
  steps.front().front().label = "sharp: reduce-scatter and all-gather inside the domains";
  steps.front().push_back(switch_tree(net, bytes / m, across_domains(net, groups)));
  return steps;
}

std::optional<std::string> unsupported(const FabricNetwork& net, Collective kind,
                                       const RankGroups& groups) {
  if (kind != Collective::all_reduce) return "sharp runs all-reduce only";
  const std::string& fabric = net.cluster().nic.fabric;
  if (fabric.rfind("infiniband", 0) != 0)
    return "in-network reduction needs InfiniBand SHARP switches (this fabric is " + fabric + ")";
  const Split s = split(net.fabric(), groups.front());
  if (s.domains.size() < 2 || s.per_domain == 0)
    return "sharp needs a group spanning two or more NVLink domains with as many members in each";
  const RankGroups inter = s.per_domain > 1 ? across_domains(net, groups) : groups;
  for (const auto& g : inter) {
    const long long plane =
        net.fabric().leaf_of(g.front()) / std::max(1LL, net.fabric().leaves_per_plane());
    for (long long m : g) {
      if (net.fabric().leaf_of(m) / std::max(1LL, net.fabric().leaves_per_plane()) != plane)
        return "sharp needs each aggregation tree inside one rail plane";
    }
  }
  return std::nullopt;
}

double cost(const CostShape& c, Collective) {
  const double intra = c.m > 1 ? 2 * ((c.m - 1) * c.a_nvl + (c.m - 1) / c.m * c.S / c.nvl) : 0;
  return std::max(intra, 6 * c.host_latency + c.S / c.m / c.port);
}

}  // namespace

extern const CollectiveAlgorithm kSharp{
    "sharp", "InfiniBand SHARP: the scale-out switches reduce and multicast", &unsupported, &steps,
    &cost};

}  // namespace colossim::algorithms
