// The cluster as built, link by link: each GPU's NVLink port into its NVLink domain (the 8-GPU
// HGX node or the 72-GPU NVL72 rack) and its scale-out NIC into a multi-tier Clos of switches.
//
// Generators (registered by name, `fabric_generators()`; topology/generators/), chosen by
// cluster.network.topology, decide how GPUs attach to the leaves: rail-optimized (one plane per
// rail, DGX SuperPOD style; traffic between rails crosses NVLink first, NCCL's PXN, so the planes
// never meet in the fabric), fat-tree and clos (top-of-rack leaves holding `hosts_per_leaf`
// consecutive GPUs, one plane).
// Above the leaves (Al-Fares et al., SIGCOMM 2008, generalised with oversubscription): every leaf
// has u1 = ceil(hosts_per_leaf / o_leaf) uplinks, one to each of the u1 spines of its pod. Two
// tiers when one spine layer reaches all leaves of a plane (<= radix leaves): a single pod, with
// u1 = ceil(hosts_per_leaf / o_top). Otherwise three: pods of `pod_gpus` (default radix/2 leaves),
// spine j of every pod has u2 = ceil(leaves per pod / o_top) uplinks into core group j, whose
// ceil(pods x u2 / radix) core switches each reach every pod. More than radix pods would need a
// fourth tier, which is not modelled (fabric_problem says so).
//
// Routes are up-down: the lowest common tier, over one of the equal-cost spines (and core
// uplinks); `choices` counts them and `path` builds the one picked, so the network layer decides
// the routing (ECMP hashing, adaptive, spraying).
//
// Contract: a Fabric is immutable after construction; link ids are dense in [0, links()).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "topology/cluster.hpp"
#include "topology/fabric_generator.hpp"

namespace colossim {

enum class LinkTier { nvlink = 0, host = 1, leaf_spine = 2, spine_core = 3 };

// How routes are picked among the equal-cost ones (cluster.network.routing; net/fabric_network.hpp
// describes each). The names, in Routing order, are the one list the scenario reader, the
// catalog check and --routing use.
enum class Routing { ecmp, dmodk, adaptive, spray };
[[nodiscard]] const std::vector<std::string>& routing_names();
[[nodiscard]] Routing parse_routing(const std::string& name);  // asserts a known name

// Physical switches of one tier: its ports in use, packed onto radix-port switches.
struct FabricTierCount {
  std::string name;  // leaf, spine, core
  long long switches = 0;
  long long ports = 0;         // in use, down and up
  long long uplinks = 0;       // links from this tier to the next, in all
  double bisection_bytes = 0;  // per second, across this tier's uplinks (half of them)
};

// The registered generators (topology/generators/, one file each).
[[nodiscard]] const std::vector<FabricGenerator>& fabric_generators();
[[nodiscard]] const FabricGenerator* find_fabric_generator(const std::string& name);

// Why the cluster's fabric cannot be built (nullopt if it can), naming the key to change.
[[nodiscard]] std::optional<FabricProblem> fabric_problem(const Cluster& cluster);

// The GPUs under one pod's leaf and spine switches (the whole cluster when the fabric has fewer
// than three tiers, where there is no core tier between pods). Asserts !fabric_problem(cluster).
[[nodiscard]] long long fabric_pod_gpus(const Cluster& cluster);

class Fabric {
 public:
  // Asserts !fabric_problem(cluster).
  explicit Fabric(const Cluster& cluster);

  [[nodiscard]] long long gpus() const { return gpus_; }
  [[nodiscard]] int tiers() const { return tiers_; }
  [[nodiscard]] int planes() const { return planes_; }
  [[nodiscard]] bool rail_optimized() const { return rail_; }
  [[nodiscard]] long long links() const { return links_; }
  [[nodiscard]] LinkTier tier(long long link) const;
  [[nodiscard]] int domain_of(long long gpu) const { return static_cast<int>(gpu / domain_); }
  [[nodiscard]] long long node_of(long long gpu) const { return gpu / per_node_; }
  [[nodiscard]] long long leaf_of(long long gpu) const;
  [[nodiscard]] long long pod_of_leaf(long long leaf) const;

  // Equal-cost routes from `src` to `dst` (1 when the route has no choice).
  [[nodiscard]] long long choices(long long src, long long dst) const;
  // Appends the links of route `choice` (0 <= choice < choices) to `out`.
  void path(long long src, long long dst, long long choice, std::vector<int>& out) const;
  // The links a route's choice decides, above the leaves (for adaptive routing's load
  // estimate): spine j's leaf uplink and downlink, and across pods uplink u of spine j in both
  // pods. Link ids are base + j (leaf tier) and base + j * core_uplinks_per_spine() + u.
  struct UpRoute {
    int tiers_up = 0;  // 0 same leaf, 1 through a spine, 2 through a core switch
    long long leaf_up = 0, leaf_down = 0, spine_up = 0, spine_down = 0;
  };
  [[nodiscard]] UpRoute up_route(long long src, long long dst) const;
  // D-mod-K: the route choice that the destination's position under its leaf names (spine =
  // position mod spines, core uplink = the next digits), reduced mod choices() by the caller.
  [[nodiscard]] long long destination_choice(long long dst) const;
  // Link ids above the leaves: leaf `leaf` to/from its pod's spine j; spine j of pod `pod`
  // (global pod number, pod_of_leaf) to/from its core group over uplink u.
  [[nodiscard]] int leaf_uplink(long long leaf, long long j) const {
    return static_cast<int>(leaf_up_ + leaf * u1_ + j);
  }
  [[nodiscard]] int leaf_downlink(long long leaf, long long j) const {
    return static_cast<int>(leaf_down_ + leaf * u1_ + j);
  }
  [[nodiscard]] int spine_uplink(long long pod, long long j, long long u) const {
    return static_cast<int>(spine_up_ + (pod * u1_ + j) * u2_ + u);
  }
  [[nodiscard]] int spine_downlink(long long pod, long long j, long long u) const {
    return static_cast<int>(spine_down_ + (pod * u1_ + j) * u2_ + u);
  }
  [[nodiscard]] int nic_uplink(long long gpu) const { return static_cast<int>(2 * gpus_ + gpu); }
  [[nodiscard]] int nic_downlink(long long gpu) const { return static_cast<int>(3 * gpus_ + gpu); }
  [[nodiscard]] long long leaves_per_plane() const { return leaves_per_plane_; }
  [[nodiscard]] long long spines_per_pod() const { return u1_; }
  [[nodiscard]] long long core_uplinks_per_spine() const { return u2_; }

  // Bill of materials.
  [[nodiscard]] const std::vector<FabricTierCount>& switch_tiers() const { return counts_; }
  [[nodiscard]] long long switch_links() const;

 private:
  void scale_out(long long src, long long dst, long long choice, std::vector<int>& out) const;
  long long gpus_;
  int per_node_;
  long long domain_;
  bool rail_;
  int planes_;
  long long hosts_;  // per leaf: nodes (rail-optimized) or GPUs (top of rack)
  long long leaves_per_plane_;
  int tiers_;
  long long leaves_per_pod_, pods_;
  long long u1_ = 0, u2_ = 0, cores_per_group_ = 0;
  double port_rate_;  // bytes/s per port
  // Link id ranges, in this order: NVLink up, NVLink down, NIC up, NIC down, leaf->spine,
  // spine->leaf, spine->core, core->spine.
  long long leaf_up_, leaf_down_, spine_up_, spine_down_, links_;
  std::vector<FabricTierCount> counts_;
};

}  // namespace colossim
