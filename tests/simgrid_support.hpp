// Flows through SimGrid (Debian libsimgrid-dev), for the engine's oracle test and the side-by-side
// benchmark: the CM02 network model with cross-traffic, TCP's window bound and its RTT weighting
// of shares off, which leaves max-min sharing with latency paid first -- the model colossim's
// flow engine implements. SimGrid's engine is a singleton: one call per process.
#pragma once

#include <cstdint>
#include <simgrid/s4u.hpp>
#include <string>
#include <vector>

namespace colossim::testing {

struct SimGridLink {
  double bandwidth;  // bytes/s
  double latency;    // s
};
struct SimGridFlow {
  std::vector<int> links;
  double bytes;
  double start;
};

// Built without `"x" + std::to_string(i)`, which trips GCC 12's -Wrestrict false positive.
inline std::string simgrid_name(char prefix, size_t i) {
  std::string s(1, prefix);
  s += std::to_string(i);
  return s;
}

// Completion time of each flow; `argv` may carry SimGrid options such as --log=...
inline std::vector<double> simgrid_finish_times(const std::vector<SimGridLink>& links,
                                                const std::vector<SimGridFlow>& flows, int* argc,
                                                char** argv) {
  namespace sg4 = simgrid::s4u;
  sg4::Engine engine(argc, argv);
  sg4::Engine::set_config("network/model:CM02");
  sg4::Engine::set_config("network/crosstraffic:0");
  sg4::Engine::set_config("network/TCP-gamma:0");
  sg4::Engine::set_config("network/weight-S:0");
  auto* zone = sg4::create_full_zone("fabric");
  std::vector<sg4::Link*> sg_links;
  for (size_t i = 0; i < links.size(); ++i) {
    sg_links.push_back(zone->create_link(simgrid_name('l', i), links[i].bandwidth)
                           ->set_latency(links[i].latency)
                           ->seal());
  }
  // One source and one destination host per flow, routed over the flow's links.
  std::vector<std::pair<sg4::Host*, sg4::Host*>> ends;
  for (size_t f = 0; f < flows.size(); ++f) {
    auto* src = zone->create_host(simgrid_name('s', f), 1e9)->seal();
    auto* dst = zone->create_host(simgrid_name('d', f), 1e9)->seal();
    std::vector<sg4::LinkInRoute> route;
    for (int l : flows[f].links) route.emplace_back(sg_links[static_cast<size_t>(l)]);
    zone->add_route(src->get_netpoint(), dst->get_netpoint(), nullptr, nullptr, route, false);
    ends.emplace_back(src, dst);
  }
  zone->seal();
  std::vector<double> finish(flows.size(), -1);
  for (size_t f = 0; f < flows.size(); ++f) {
    sg4::Actor::create(simgrid_name('a', f), ends[f].first, [&, f]() {
      if (flows[f].start > 0) sg4::this_actor::sleep_until(flows[f].start);
      sg4::Comm::sendto(ends[f].first, ends[f].second, static_cast<std::uint64_t>(flows[f].bytes));
      finish[f] = sg4::Engine::get_clock();
    });
  }
  engine.run();
  return finish;
}

}  // namespace colossim::testing
