// The scale-out fabric's size, for power and cost: a folded Clos (fat tree) of switches with the
// NIC family's radix k, enough tiers t for the cluster's ports (2 (k/2)^t >= ports), the top
// tier thinned by the oversubscription. Per tier below the top: ports / (k/2) switches; the top:
// ports / k / oversubscription. Host links are optical on rail-optimised fabrics (leaves sit
// away from the racks) and copper in a ToR design; every switch-to-switch link is optical, with a
// transceiver at each end. An estimate from the Clos arithmetic (Al-Fares et al., SIGCOMM 2008)
// until the fabric issue's generators count the real topology.
#pragma once

#include <vector>

#include "topology/cluster.hpp"

namespace colossim {

struct FabricSize {
  int tiers = 1;
  long long ports = 0;              // host ports (NICs)
  std::vector<long long> switches;  // per tier, leaf first
  long long total_switches = 0;
  long long copper_links = 0;
  long long optical_links = 0;
  long long transceivers = 0;  // two per optical link
  double link_gbps = 0;
};

[[nodiscard]] FabricSize estimate_fabric(const Cluster& cluster);

}  // namespace colossim
