// The flow-level network engine: concurrent flows share links by max-min fairness, re-solved
// whenever a flow starts or ends.
//
// Max-min fairness by progressive filling (Bertsekas & Gallager, Data Networks, Sec 6.5.2): every
// unfrozen flow's rate rises together until some link is full; the flows crossing that link are
// frozen at its fair share; repeat with the capacity that is left. Example: links A (1 GB/s) and
// B (2 GB/s); flow 1 crosses A, flow 2 crosses A and B, flow 3 crosses B. A fills first at 0.5 each
// (flows 1 and 2 frozen), then flow 3 takes B's remaining 1.5. The links wait in a heap keyed by
// their fair share, refreshed lazily (a link's share only grows as others freeze), so one solve
// costs O(P + L log L) for P path entries over L links.
//
// Timing follows SimGrid's CM02 model with cross-traffic off: a flow first waits the latency of
// its path, then moves its bytes at its max-min rate, which changes as other flows come and go.
//
// Events: when flows finish, only flows at or above the slowest finished one's rate and linked to
// it through shared links can change rate, so only those are re-solved (flow_engine.cpp).
//
// Finishing together: a flow whose time left is at most kFinishTolerance (1%) of its duration
// so far finishes at the current event, so flows that would end within 1% of one another share
// one event and one re-solve; and finish events come at least 1% of the youngest live flow's age
// apart, so a flow that a re-solve speeds up to end sooner than that ends at the next event.
// Each flow ends early or late by at most 1% of its duration. Without it an all-to-all of 1,024
// GPUs on an ECMP fat-tree, whose hash collisions give hundreds of thousands of slightly
// different finish times, each freeing bandwidth that makes the others a little faster, re-solved
// a million flows at over a hundred events (over 2 minutes); it takes 14 events (13.5 s on a
// 2-core machine), its time unchanged to 4 digits. A modelling error far below the model's own
// (10% on measured collectives).
//
// Symmetry: flows that share no link, directly or through other flows, cannot affect each other,
// so run() splits the flows into such components and simulates each alone. Components that are
// the same up to renaming links -- the same flows in the same order, over links of the same
// capacity and latency, with the same sizes and start times -- have the same completion times,
// so each distinct one is solved once and its answer copied (thousands of identical DP groups or
// nodes cost one solve). The answer equals the unreduced simulation (tests/flow_engine_test).
//
// Persistent flows: a flow of infinite size takes its fair share until the run ends, when every
// finite flow has finished; its completion time is +infinity (other jobs' traffic on a shared
// fabric, FabricNetwork's background).
//
// Contract: links and flows are added before run(); run() may be called once; sizes >= 0,
// capacities > 0, paths name existing links.
#pragma once

#include <initializer_list>
#include <span>
#include <vector>

#include "core/units.hpp"

namespace colossim {

inline constexpr double kFinishTolerance = 1e-2;

class FlowNetwork {
 public:
  int add_link(BytesPerSecond capacity, Seconds latency = Seconds(0));
  // `path`: the links the flow crosses, in order.
  int add_flow(std::span<const int> path, Bytes size, Seconds start = Seconds(0));
  // With the latency given rather than summed over the path's links.
  int add_flow(std::span<const int> path, Bytes size, Seconds start, Seconds latency);
  int add_flow(std::initializer_list<int> path, Bytes size, Seconds start = Seconds(0)) {
    return add_flow(std::span<const int>(path.begin(), path.size()), size, start);
  }
  void reserve(size_t links, size_t flows, size_t path_entries);
  [[nodiscard]] size_t links() const { return capacity_.size(); }
  [[nodiscard]] size_t flows() const { return size_.size(); }
  [[nodiscard]] double capacity(size_t link) const { return capacity_[link]; }
  [[nodiscard]] double latency(size_t link) const { return latency_[link]; }
  [[nodiscard]] double size(size_t flow) const { return size_[flow]; }
  [[nodiscard]] std::span<const int> path(size_t flow) const {
    return {path_.data() + path_begin_[flow], path_begin_[flow + 1] - path_begin_[flow]};
  }
  // Completion time of every flow, indexed by flow id. For checking the reductions:
  // `use_symmetry` = false solves every component even when an identical one was solved;
  // `incremental` = false re-solves every live flow at every event.
  // `tolerance`: a flow finishes at the first event where at most this share of its bytes is
  // left (0: each at its own instant; see above).
  [[nodiscard]] std::vector<Seconds> run(bool use_symmetry = true, bool incremental = true,
                                         double tolerance = kFinishTolerance);
  // Max-min fair rates of the flows whose ids are in `active` (bytes/s), for inspection.
  [[nodiscard]] std::vector<double> fair_rates(const std::vector<int>& active) const;

  struct Stats {
    long long components = 0;     // independent flow sets
    long long solved = 0;         // of which simulated (the rest copied from an identical one)
    long long rate_solves = 0;    // max-min solves over all simulated components
    long long finish_events = 0;  // instants at which flows finished, over the same
  };
  [[nodiscard]] const Stats& stats() const { return stats_; }

 private:
  std::vector<double> capacity_, latency_;
  std::vector<size_t> path_begin_ = {0};
  std::vector<int> path_;
  std::vector<double> size_, ready_;
  Stats stats_;
};

}  // namespace colossim
