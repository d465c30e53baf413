// Hierarchical all-reduce: reduce-scatter inside each domain (ring over NVLink), all-reduce of
// S/m among the domains' c-th members (ring or tree, whichever is cheaper), all-gather inside.
#include <algorithm>
#include <cmath>

#include "net/collective_algorithm.hpp"

namespace colossim::algorithms {
namespace {

CollectiveSteps steps(const FabricNetwork& net, Collective, double bytes,
                      const RankGroups& groups) {
  const RankGroups intra = within_domains(net, groups);
  const double m = group_size(intra);
  CollectiveSteps steps = kRing.steps(net, Collective::reduce_scatter, bytes, intra);
  for (auto& s : across(net, bytes / m, groups)) steps.push_back(std::move(s));
  for (auto& s : kRing.steps(net, Collective::all_gather, bytes, intra))
    steps.push_back(std::move(s));
  return steps;
}

std::optional<std::string> unsupported(const FabricNetwork& net, Collective kind,
                                       const RankGroups& groups) {
  if (kind != Collective::all_reduce) return "hierarchical runs all-reduce only";
  const Split s = split(net.fabric(), groups.front());
  if (s.domains.size() < 2 || s.per_domain < 2)
    return "hierarchical needs two or more NVLink domains with the same number (>= 2) of members "
           "in each";
  return std::nullopt;
}

double cost(const CostShape& c, Collective) {
  return 2 * ((c.m - 1) * c.a_nvl + (c.m - 1) / c.m * c.S / c.nvl) + across_cost(c, c.S / c.m);
}

}  // namespace

extern const CollectiveAlgorithm kHierarchical{
    "hierarchical", "reduce-scatter inside domains, all-reduce across, all-gather inside",
    &unsupported, &steps, &cost};

}  // namespace colossim::algorithms
