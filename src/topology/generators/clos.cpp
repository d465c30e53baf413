// Clos: top-of-rack leaves as in fat-tree, with per-tier oversubscription
// (cluster.network.oversubscription, leaf_oversubscription), as Meta's 24k RoCE clusters are
// built (1:7 above the pods).
#include "topology/fabric_generator.hpp"

namespace colossim::generators {
namespace {

std::optional<FabricProblem> problem(const Cluster&) { return std::nullopt; }

}  // namespace

extern const FabricGenerator kClos{
    "clos", "top-of-rack leaves under a folded Clos with per-tier oversubscription", false,
    &problem};

}  // namespace colossim::generators
