// A collective algorithm, the unit of the registry in net/collectives.hpp: one file in
// net/algorithms/ defines it (what it supports, the transfers it makes, its closed-form cost)
// and one line of the registry list names it.
//
// Contract: the functions are pure; `steps` and `estimate` are called only for collectives that
// `unsupported` accepts. Bytes follow the nccl-tests convention of net/network.hpp.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "net/fabric_network.hpp"
#include "plan/placement.hpp"

namespace colossim {

// Steps run one after another; the phases of one step are pipelined stages on disjoint links,
// so the step lasts as long as its slowest phase.
using CollectiveSteps = std::vector<std::vector<Phase>>;

// What an algorithm's closed-form cost needs of the fabric and the group (no contention):
// n ranks per group in d NVLink domains, m per domain; link capacities in bytes/s; latencies
// per hop in seconds; S the message in bytes.
struct CostShape {
  double n = 1, d = 1, m = 1;
  double nvl = 0, port = 0;     // one NVLink port, one NIC port
  double a_nvl = 0, a_net = 0;  // per algorithm step: 2 NVLink hops; 4 network hops
  double host_latency = 0;      // one network hop
  double S = 0;
  // The ring's bottleneck: NVLink inside a domain; across, m NICs in parallel or NVLink.
  [[nodiscard]] double bw() const { return d > 1 ? std::min(nvl, m * port) : nvl; }
  [[nodiscard]] double alpha() const { return d > 1 ? a_net : a_nvl; }
};

struct CollectiveAlgorithm {
  std::string name;
  std::string description;
  // Why it cannot run this collective on this fabric; nullopt if it can.
  std::optional<std::string> (*unsupported)(const FabricNetwork&, Collective, const RankGroups&);
  CollectiveSteps (*steps)(const FabricNetwork&, Collective, double bytes, const RankGroups&);
  // Closed-form latency + bandwidth cost in seconds, used to choose among algorithms.
  double (*estimate)(const CostShape&, Collective);
};

namespace algorithms {
extern const CollectiveAlgorithm kRing;  // a building block of hierarchical and sharp
}

// --- shared by the implementations ---------------------------------------------------------

// A group's members by NVLink domain, domains in order of first appearance.
struct Split {
  std::vector<std::vector<long long>> domains;
  long long per_domain = 0;  // members per domain when every domain holds as many; else 0
};
[[nodiscard]] Split split(const Fabric& f, const std::vector<long long>& group);
// The channels a ring or tree runs when a group spans domains: one per member of its smallest
// domain (NCCL's search builds the channels its most constrained node allows), 1 inside one.
[[nodiscard]] long long channels_across(const Split& s);
[[nodiscard]] inline double group_size(const RankGroups& groups) {
  return static_cast<double>(groups.front().size());
}
// The c-th members of each domain, for every group and c; and each group's domains.
[[nodiscard]] RankGroups across_domains(const FabricNetwork& net, const RankGroups& groups);
[[nodiscard]] RankGroups within_domains(const FabricNetwork& net, const RankGroups& groups);
// An all-reduce of `bytes` among the domains' c-th members, ring or tree as the tuner picks.
[[nodiscard]] CollectiveSteps across(const FabricNetwork& net, double bytes,
                                     const RankGroups& groups);

// Closed forms: ring all-reduce of s over n ranks at bandwidth b and latency a per step; the
// double binary tree over d domains; the cheaper of the two across the domains.
[[nodiscard]] inline double ring_allreduce_cost(double n, double s, double b, double a) {
  return 2 * (n - 1) * a + 2 * (n - 1) / n * s / b;
}
// A leader with children sends S (reduce up, broadcast down); between two domains no leader
// has two children, so each sends S/2 per direction... S in all.
[[nodiscard]] double tree_allreduce_cost(double d, double s, double b, double a);
[[nodiscard]] double across_cost(const CostShape& c, double s);

}  // namespace colossim
