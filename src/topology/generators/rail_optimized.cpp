// Rail-optimised (NVIDIA DGX SuperPOD reference architecture): GPU r of every node plugs into a
// rail-r leaf; the nodes are cut into groups of hosts_per_leaf, one leaf per rail per group (the
// 512-GPU block of 64 HGX nodes at radix 128). Each rail is its own plane up to the top.
#include "topology/fabric_generator.hpp"

namespace colossim::generators {
namespace {

std::optional<FabricProblem> problem(const Cluster&) { return std::nullopt; }

}  // namespace

extern const FabricGenerator kRailOptimized{
    "rail-optimized",
    "GPU r of every node on a rail-r leaf; one Clos plane per rail (DGX SuperPOD style)", true,
    &problem};

}  // namespace colossim::generators
