// Fat tree (Al-Fares et al., SIGCOMM 2008): top-of-rack leaves holding hosts_per_leaf
// consecutive GPUs (whole nodes) under a non-blocking folded Clos, one plane.
#include "topology/fabric_generator.hpp"

namespace colossim::generators {
namespace {

std::optional<FabricProblem> problem(const Cluster& c) {
  if (c.oversubscription == 1 && c.leaf_oversubscription == 1) return std::nullopt;
  return FabricProblem{"network.topology",
                       "a fat-tree is non-blocking; use clos for an oversubscribed fabric"};
}

}  // namespace

extern const FabricGenerator kFatTree{
    "fat-tree", "top-of-rack leaves under a non-blocking folded Clos", false, &problem};

}  // namespace colossim::generators
