// The fabric as the flow engine sees it: every link of topology/fabric.hpp at its line rate times
// the calibration's efficiency, routes picked by the cluster's routing policy, and phases of
// concurrent transfers timed by max-min sharing (net/flow_engine.hpp).
//
// Routing (cluster.network.routing):
//  - ecmp: a hash picks one of the equal-cost routes, as switches hash a flow's 5-tuple; flows
//    may collide on an uplink while others idle. On a rail-optimized fabric the hash sees the
//    (source node, destination node) pair, so every rail plane sees the same collisions:
//    statistically what independent per-rail hashes give, and it lets identical planes be
//    solved once (flow_engine.hpp). Where all of a node's NICs share a leaf (fat-tree, clos)
//    it sees the (source GPU, destination GPU) pair: each NIC's flow has its own addresses and
//    queue pairs, so the NICs of one node pair do not all take one uplink.
//  - dmodk: InfiniBand's destination-based fat-tree routing (OpenSM ftree): the route to a GPU
//    climbs through the spine its position under its leaf names (position mod spines) and the
//    core uplink the next digits name, so no two destinations of a leaf share a downlink and
//    shift patterns (rings) never collide (Zahavi et al., CCPE 2010).
//  - adaptive: each flow takes the route, one per spine, whose uplinks carry the fewest flows
//    placed so far in the phase -- a static stand-in for Spectrum-X / InfiniBand adaptive
//    routing, which steers by queue depth.
//  - spray: each flow is split evenly over every equal-cost route (per-packet spraying), which
//    spreads load perfectly at the price of reordering that RDMA NICs absorb; as a fluid, the
//    uplinks of a leaf and of a pod then act as one link of their summed capacity.
//
// Latency: NVLink ports carry half the calibrated NVLink step latency each; every scale-out hop
// (NIC to leaf, leaf to spine, ...) a quarter of the NIC family's NIC-to-NIC latency, so a
// leaf-spine-leaf route pays it once, as the bandwidth model does. That latency is measured GPU
// to GPU, so a route that leaves the node pays nothing extra for its NVLink (PXN) hop.
//
// Contract: immutable after construction and safe to share between threads; run() builds its
// own flow network per call.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "net/flow_engine.hpp"
#include "net/network.hpp"
#include "topology/fabric.hpp"

namespace colossim {

// Bytes moved from one GPU to another, between a GPU and its NVLink switch (NVLS: the switch
// reduces or multicasts, so the transfer crosses one port only), or over one given fabric link
// (in-network reduction: a switch forwards the reduced stream up or multicasts it down).
struct Transfer {
  enum class Via { route, to_nvswitch, from_nvswitch, link };  // link: `src` is the link id
  long long src = 0;
  long long dst = 0;
  double bytes = 0;
  Via via = Via::route;
};

// Transfers that start together; the phase lasts until the last arrives, `repeat` times in a
// row (a ring's identical steps), plus `extra_hops` more crossings of its longest route's
// latency (a pipelined tree's fill: the first chunk climbs and descends its depth).
struct Phase {
  std::string label;
  std::vector<Transfer> transfers;
  double repeat = 1;
  int extra_hops = 0;
};

constexpr size_t kLinkTiers = 4;  // LinkTier values

struct PhaseResult {
  Seconds time;   // one repetition, with the fill latency
  Seconds total;  // time x repeat
  long long flows = 0;
  FlowNetwork::Stats stats;
  // Per link tier: bytes carried by one repetition, links in use, and the busiest link's bytes.
  std::array<double, kLinkTiers> bytes{};
  std::array<long long, kLinkTiers> links_used{};
  std::array<double, kLinkTiers> busiest_bytes{};
  std::array<double, kLinkTiers> capacity{};  // bytes/s of one link of the tier
  // Links the phase shared with the background (other traffic), per tier, and the longest any of
  // them takes to carry the phase's own bytes at its rate (where the phase meets it hardest).
  std::array<long long, kLinkTiers> shared_links{};
  std::array<double, kLinkTiers> shared_drain{};
};

class FabricNetwork {
 public:
  FabricNetwork(const Cluster& cluster, const NetworkCalibration& calibration);
  [[nodiscard]] const Fabric& fabric() const { return fabric_; }
  [[nodiscard]] const Cluster& cluster() const { return cluster_; }
  [[nodiscard]] Routing routing() const { return routing_; }
  [[nodiscard]] double capacity(LinkTier tier) const;
  [[nodiscard]] double latency(LinkTier tier) const;
  [[nodiscard]] PhaseResult run(const Phase& phase) const;

  // The same fabric with `background` running beside every phase: persistent flows (other
  // jobs' traffic on a shared cluster) that take their max-min share of every link they cross
  // for as long as the phase lasts; the phase ends when its own transfers have arrived.
  [[nodiscard]] FabricNetwork with_background(std::vector<Transfer> background) const;

  // The same fabric for a collective whose group has one GPU in each NVLink domain: its
  // scale-out links at the ceiling such a ring reaches (network_efficiency_one_per_node).
  [[nodiscard]] FabricNetwork one_per_domain() const;
  // The same fabric for a collective of `kind`: an all-to-all's scale-out links at the ceiling
  // NCCL's grouped send/recv to every peer reaches (network_efficiency_all_to_all).
  [[nodiscard]] FabricNetwork for_collective(Collective kind) const;

  // A phase's flows on the links they use, numbered compactly (for run(), and for putting the
  // same flows through another simulator).
  struct Routed {
    FlowNetwork net;
    std::vector<long long> fabric_link;  // compact id -> fabric link id
    std::vector<double> carried;         // bytes per compact link (the phase's own)
    std::vector<char> shared;            // per compact link: the background crosses it too
    double longest = 0;                  // latency of the phase's longest route
    long long background_flows = 0;
  };
  [[nodiscard]] Routed route(const Phase& phase) const;

 private:
  Cluster cluster_;
  Fabric fabric_;
  Routing routing_;
  double nvlink_bw_, port_bw_, port_bw_one_per_domain_, port_bw_all_to_all_, nvlink_lat_, hop_lat_;
  std::shared_ptr<const std::vector<Transfer>> background_;
};

}  // namespace colossim
