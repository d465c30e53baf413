#include "topology/fabric_size.hpp"

#include <cmath>

#include "topology/fabric.hpp"

namespace colossim {

FabricSize estimate_fabric(const Cluster& c) {
  FabricSize f;
  f.ports = c.gpus * c.node.nics_per_gpu;
  f.link_gbps = c.nic_bandwidth.value() * 8 / 1e9 / c.node.nics_per_gpu;
  // GPUs that fit in one NVLink domain train over NVLink: no scale-out switches to build (the
  // servers' NICs stay, unconnected).
  if (c.gpus <= c.nvlink_domain) {
    f.tiers = 0;
    return f;
  }
  const FabricGenerator* generator = find_fabric_generator(c.topology);
  const bool rail = generator != nullptr && generator->rail_planes;
  if (!fabric_problem(c)) {
    // The generated fabric's own count.
    const Fabric fabric(c);
    f.tiers = fabric.tiers();
    for (const auto& t : fabric.switch_tiers()) {
      f.switches.push_back(t.switches);
      f.total_switches += t.switches;
    }
    (rail ? f.optical_links : f.copper_links) += f.ports;
    f.optical_links += fabric.switch_links();
    f.transceivers = 2 * f.optical_links;
    return f;
  }
  const double k = c.nic.switch_radix;
  const double ports = static_cast<double>(f.ports);
  if (ports <= k) {
    f.tiers = 1;
    f.switches = {1};
  } else {
    f.tiers = 2;
    while (2.0 * std::pow(k / 2.0, f.tiers) < ports) ++f.tiers;
    for (int t = 0; t < f.tiers - 1; ++t)
      f.switches.push_back(static_cast<long long>(std::ceil(ports / (k / 2.0))));
    f.switches.push_back(static_cast<long long>(std::ceil(ports / k / c.oversubscription)));
  }
  for (long long s : f.switches) f.total_switches += s;
  (rail ? f.optical_links : f.copper_links) += f.ports;
  for (int boundary = 1; boundary < f.tiers; ++boundary) {
    const bool top = boundary == f.tiers - 1;
    f.optical_links += static_cast<long long>(std::ceil(ports / (top ? c.oversubscription : 1.0)));
  }
  f.transceivers = 2 * f.optical_links;
  return f;
}

}  // namespace colossim
