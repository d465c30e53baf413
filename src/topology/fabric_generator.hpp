// A fabric generator, the unit of the registry in topology/fabric.hpp: one file in
// topology/generators/ defines how GPUs attach to the leaves and what the generator requires of
// the cluster; one line of the registry list names it. The Clos above the leaves (tiers, pods,
// oversubscription, routes) is common to all (topology/fabric.hpp).
#pragma once

#include <optional>
#include <string>

#include "topology/cluster.hpp"

namespace colossim {

// Why the cluster's fabric cannot be built, naming the key (under cluster.) to change.
struct FabricProblem {
  std::string key;
  std::string expected;
};

struct FabricGenerator {
  std::string name;         // cluster.network.topology
  std::string description;  // one line, for --help
  // true: one Clos plane per GPU of a node, GPU r of every node on a rail-r leaf (a leaf port
  // per node and plane; traffic between rails crosses NVLink first, NCCL's PXN). false: one
  // plane of top-of-rack leaves, a leaf port per GPU.
  bool rail_planes = false;
  // Its own constraints on the cluster (nullopt when it can build it).
  std::optional<FabricProblem> (*problem)(const Cluster&);
};

}  // namespace colossim
