// The flow-level network engine (first piece of the fabric issue): concurrent flows share links
// by max-min fairness, re-solved whenever a flow starts or ends.
//
// Max-min fairness by progressive filling (Bertsekas & Gallager, Data Networks, Sec 6.5.2): every
// unfrozen flow's rate rises together until some link is full; the flows crossing that link are
// frozen at its fair share; repeat with the capacity that is left. Example: links A (1 GB/s) and
// B (2 GB/s); flow 1 crosses A, flow 2 crosses A and B, flow 3 crosses B. A fills first at 0.5 each
// (flows 1 and 2 frozen), then flow 3 takes B's remaining 1.5.
//
// Timing follows SimGrid's CM02 model with cross-traffic off: a flow first waits the latency of
// its path, then moves its bytes at its max-min rate, which changes as other flows come and go.
//
// Contract: links and flows are added before run(); run() may be called once; sizes >= 0,
// capacities > 0, paths name existing links. Not yet used by the step simulation: the
// "bandwidth" model still prices collectives (net/network.hpp).
#pragma once

#include <vector>

#include "core/units.hpp"

namespace colossim {

class FlowNetwork {
 public:
  int add_link(BytesPerSecond capacity, Seconds latency = Seconds(0));
  // `path`: the links the flow crosses, in order.
  int add_flow(std::vector<int> path, Bytes size, Seconds start = Seconds(0));
  // Completion time of every flow, indexed by flow id.
  [[nodiscard]] std::vector<Seconds> run();
  // Max-min fair rates of the flows whose ids are in `active` (bytes/s), for inspection.
  [[nodiscard]] std::vector<double> fair_rates(const std::vector<int>& active) const;

 private:
  struct Link {
    double capacity;
    double latency;
  };
  struct Flow {
    std::vector<int> path;
    double remaining;
    double ready;  // start + path latency
    double done = -1;
  };
  std::vector<Link> links_;
  std::vector<Flow> flows_;
};

}  // namespace colossim
