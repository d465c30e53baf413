// NVLink SHARP (Hopper NVSwitch and later): inside a domain each rank sends S to the switch,
// which reduces and multicasts S back (S/B, half a ring's traffic); across domains the switch
// reduce-scatters, the c-th members all-reduce S/m, and the switch all-gathers.
#include <algorithm>
#include <cmath>

#include "net/collective_algorithm.hpp"

namespace colossim::algorithms {
namespace {

// The NVSwitch reduces what every member sends up and multicasts `down` bytes to each.
Phase nvswitch(const RankGroups& intra, double up, double down, std::string label) {
  Phase p;
  p.label = std::move(label);
  p.extra_hops = 1;  // up, then the reduced data back down
  for (const auto& d : intra) {
    for (long long g : d) {
      p.transfers.push_back({g, g, up, Transfer::Via::to_nvswitch});
      p.transfers.push_back({g, g, down, Transfer::Via::from_nvswitch});
    }
  }
  return p;
}

CollectiveSteps steps(const FabricNetwork& net, Collective, double bytes,
                      const RankGroups& groups) {
  const RankGroups intra = within_domains(net, groups);
  if (intra.size() == groups.size())
    return {{nvswitch(intra, bytes, bytes, "nvls: reduce and multicast in the NVSwitch")}};
  const double m = group_size(intra);
  CollectiveSteps steps = {{nvswitch(intra, bytes, bytes / m, "nvls: reduce-scatter")}};
  for (auto& s : across(net, bytes / m, groups)) steps.push_back(std::move(s));
  steps.push_back({nvswitch(intra, bytes / m, bytes, "nvls: all-gather")});
  return steps;
}

std::optional<std::string> unsupported(const FabricNetwork& net, Collective kind,
                                       const RankGroups& groups) {
  if (kind != Collective::all_reduce) return "nvls runs all-reduce only";
  const std::string& arch = net.cluster().gpu.architecture;
  if (arch != "hopper" && arch != "blackwell")
    return "NVLink SHARP needs Hopper or later NVSwitches (this GPU is " + arch + ")";
  const Split s = split(net.fabric(), groups.front());
  if (s.per_domain < 2) return "nvls needs two or more members in each NVLink domain";
  return std::nullopt;
}

double cost(const CostShape& c, Collective) {
  return c.d > 1 ? 2 * (c.a_nvl + c.S / c.nvl) + across_cost(c, c.S / c.m) : c.a_nvl + c.S / c.nvl;
}

}  // namespace

extern const CollectiveAlgorithm kNvls{"nvls", "NVLink SHARP: the NVSwitch reduces and multicasts",
                                       &unsupported, &steps, &cost};

}  // namespace colossim::algorithms
