// The scale-out fabric's size, for power and cost: the generated fabric's switch, link and
// transceiver count (topology/fabric.hpp). Host links are optical on rail-optimised fabrics
// (leaves sit away from the racks) and copper in a top-of-rack design; every switch-to-switch link
// is optical, with a transceiver at each end. Where the generator cannot build the fabric (more
// than three tiers), the Clos arithmetic estimates it (Al-Fares et al., SIGCOMM 2008): enough
// tiers t for the ports (2 (k/2)^t >= ports), ports / (k/2) switches per tier below the top,
// ports / k / oversubscription at the top.
#pragma once

#include <vector>

#include "topology/cluster.hpp"

namespace colossim {

struct FabricSize {
  int tiers = 1;                    // 0: one NVLink domain, no scale-out fabric
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
