// Correctness oracle for the flow-level engine: the same links and flows through SimGrid (CM02
// network model, cross-traffic off: max-min sharing without TCP-era factors) and through
// colossim's FlowNetwork; flow completion times must agree within 1%.
//
//   simgrid_oracle CASE     (one case per process: SimGrid's engine is a singleton)
// Prints "1 passed, 0 failed" or the disagreement and exits non-zero.
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "net/flow_engine.hpp"
#include "simgrid_support.hpp"

namespace {

using colossim::testing::SimGridFlow;
using colossim::testing::SimGridLink;

struct Case {
  std::vector<SimGridLink> links;
  std::vector<SimGridFlow> flows;
};

// Small topologies whose answers exercise sharing, bottlenecks, re-solving and late arrivals.
// SimGrid's CM02 weights each flow's share by its route's latency (TCP's RTT unfairness);
// colossim shares plainly, as RDMA fabrics do, so routes that share a link are given equal total
// latency, under which the two models coincide.
std::map<std::string, Case> cases() {
  std::map<std::string, Case> c;
  c["two-flows-one-link"] = {{{10e9, 2e-6}}, {{{0}, 1e9, 0}, {{0}, 1e9, 0}}};
  // Links 2 and 3 are fast pads so every route has the same latency (see the note above).
  c["max-min-three-flows"] = {{{1e9, 1e-6}, {2e9, 1e-6}, {1e15, 1e-6}, {1e15, 1e-6}},
                              {{{0, 2}, 1e9, 0}, {{0, 1}, 1e9, 0}, {{1, 3}, 3e9, 0}}};
  c["uneven-sizes-resolve"] = {{{25e9, 5e-6}}, {{{0}, 1e9, 0}, {{0}, 2e9, 0}, {{0}, 4e9, 0}}};
  c["late-arrival"] = {{{10e9, 1e-6}}, {{{0}, 1e9, 0}, {{0}, 0.25e9, 0.05}}};
  // Four senders through their own uplinks into one shared spine link, one of them also crossing
  // a slow second hop: a leaf-spine in miniature.
  c["leaf-spine"] = {
      {{50e9, 1e-6}, {50e9, 1e-6}, {50e9, 1e-6}, {50e9, 0}, {100e9, 2e-6}, {10e9, 1e-6}},
      {{{0, 4}, 2e9, 0}, {{1, 4}, 2e9, 0}, {{2, 4}, 2e9, 0.01}, {{3, 4, 5}, 2e9, 0}}};
  return c;
}

std::vector<double> with_colossim(const Case& k) {
  colossim::FlowNetwork net;
  for (const auto& l : k.links)
    net.add_link(colossim::BytesPerSecond(l.bandwidth), colossim::Seconds(l.latency));
  for (const auto& f : k.flows)
    net.add_flow(f.links, colossim::Bytes(f.bytes), colossim::Seconds(f.start));
  std::vector<double> out;
  for (const auto& t : net.run()) out.push_back(t.value());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const auto all = cases();
  if (argc < 2 || all.count(argv[1]) == 0) {
    std::fprintf(stderr, "usage: simgrid_oracle CASE (one of:");
    for (const auto& [name, c] : all) std::fprintf(stderr, " %s", name.c_str());
    std::fprintf(stderr, ")\n");
    return 2;
  }
  const Case& k = all.at(argv[1]);
  const std::vector<double> ours = with_colossim(k);
  int sg_argc = 1;
  const std::vector<double> theirs =
      colossim::testing::simgrid_finish_times(k.links, k.flows, &sg_argc, argv);
  bool ok = true;
  for (size_t f = 0; f < ours.size(); ++f) {
    const double err = std::fabs(ours[f] - theirs[f]) / theirs[f];
    std::printf("flow %zu: colossim %.9f s, SimGrid %.9f s, difference %.4f%%\n", f, ours[f],
                theirs[f], 100 * err);
    ok = ok && err <= 0.01;
  }
  std::printf(ok ? "1 passed, 0 failed\n" : "0 passed, 1 failed\n");
  return ok ? 0 : 1;
}
