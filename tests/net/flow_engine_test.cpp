#include "net/flow_engine.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace colossim;

TEST(FlowEngine, SingleFlowPaysLatencyThenBandwidth) {
  FlowNetwork net;
  const int l = net.add_link(gbytes_per_s(10), microseconds(5));
  net.add_flow({l}, gb(1));
  EXPECT_NEAR(net.run()[0].value(), 5e-6 + 0.1, 1e-12);
}

TEST(FlowEngine, TwoFlowsShareALinkEqually) {
  FlowNetwork net;
  const int l = net.add_link(gbytes_per_s(10));
  net.add_flow({l}, gb(1));
  net.add_flow({l}, gb(1));
  const auto t = net.run();
  EXPECT_NEAR(t[0].value(), 0.2, 1e-12);
  EXPECT_NEAR(t[1].value(), 0.2, 1e-12);
}

// The worked example of the header: A = 1, B = 2 (GB/s); f1 on A, f2 on A and B, f3 on B.
TEST(FlowEngine, MaxMinFairnessGivesTheBottleneckedFlowItsShareAndTheRestToOthers) {
  FlowNetwork net;
  const int a = net.add_link(gbytes_per_s(1));
  const int b = net.add_link(gbytes_per_s(2));
  const int f1 = net.add_flow({a}, gb(1));
  const int f2 = net.add_flow({a, b}, gb(1));
  const int f3 = net.add_flow({b}, gb(1));
  const auto r = net.fair_rates({f1, f2, f3});
  EXPECT_NEAR(r[0], 0.5e9, 1);
  EXPECT_NEAR(r[1], 0.5e9, 1);
  EXPECT_NEAR(r[2], 1.5e9, 1);
}

// Rates are re-solved as flows finish: the survivor speeds up.
TEST(FlowEngine, RatesAreResolvedWhenAFlowFinishes) {
  FlowNetwork net;
  const int l = net.add_link(gbytes_per_s(10));
  net.add_flow({l}, gb(1));
  net.add_flow({l}, gb(2));
  const auto t = net.run();
  EXPECT_NEAR(t[0].value(), 0.2, 1e-12);  // 1 GB at 5 GB/s
  EXPECT_NEAR(t[1].value(), 0.3, 1e-12);  // 1 GB at 5 GB/s, then 1 GB at 10 GB/s
}

// A ring all-reduce on an uncontended ring: 2(n-1) steps, each moving S/n over every link at
// once: 2(n-1)/n * S/B + 2(n-1) * latency.
TEST(FlowEngine, RingAllReduceMatchesItsClosedForm) {
  const int n = 8;
  const double s = 8e9, bw = 50e9, lat = 5e-6;
  double t = 0;
  for (int step = 0; step < 2 * (n - 1); ++step) {
    FlowNetwork net;
    std::vector<int> links;
    for (int i = 0; i < n; ++i) links.push_back(net.add_link(BytesPerSecond(bw), Seconds(lat)));
    for (int i = 0; i < n; ++i) net.add_flow({links[static_cast<size_t>(i)]}, Bytes(s / n));
    double end = 0;
    for (const auto& c : net.run()) end = std::max(end, c.value());
    t += end;
  }
  EXPECT_NEAR(t, 2.0 * (n - 1) / n * s / bw + 2 * (n - 1) * lat, 1e-9);
}

TEST(FlowEngine, LateFlowsJoinAndShare) {
  FlowNetwork net;
  const int l = net.add_link(gbytes_per_s(10));
  net.add_flow({l}, gb(1));                    // alone for 0.05 s (0.5 GB), then shares
  net.add_flow({l}, gb(0.25), Seconds(0.05));  // 0.25 GB at 5 GB/s: done at 0.10
  const auto t = net.run();
  EXPECT_NEAR(t[1].value(), 0.10, 1e-12);
  EXPECT_NEAR(t[0].value(), 0.10 + 0.25e9 / 10e9, 1e-12);  // 0.25 GB left after 0.10 s, alone again
}

// A persistent flow (infinite size: another job's traffic) takes its max-min share while the
// finite flows run and never finishes; the run ends when they have, with or without the
// reductions. A component of persistent flows alone ends at once.
TEST(FlowEngine, PersistentFlowsShareUntilTheOthersFinish) {
  for (const bool reduced : {true, false}) {
    FlowNetwork net;
    const int a = net.add_link(gbytes_per_s(10));
    const int b = net.add_link(gbytes_per_s(10));
    const int c = net.add_link(gbytes_per_s(10));
    const Bytes forever(std::numeric_limits<double>::infinity());
    const int background = net.add_flow({a}, forever);
    const int shared = net.add_flow({a}, gb(1));  // 5 GB/s beside the background: 0.2 s
    const int alone = net.add_flow({b}, gb(1));   // 10 GB/s: 0.1 s
    const int lone = net.add_flow({c}, forever);
    const auto t = net.run(reduced, reduced);
    EXPECT_NEAR(t[static_cast<size_t>(shared)].value(), 0.2, 1e-12);
    EXPECT_NEAR(t[static_cast<size_t>(alone)].value(), 0.1, 1e-12);
    EXPECT_TRUE(std::isinf(t[static_cast<size_t>(background)].value()));
    EXPECT_TRUE(std::isinf(t[static_cast<size_t>(lone)].value()));
  }
}

// Flows that would end within the tolerance (1% of their duration) of the next finish end with
// it, in one event: A (1 GB/s) carries 1 GB and 1.005 GB; the first ends at 2 s, the second
// 5 ms later alone on A. With the tolerance it ends at 2 s too, 0.25% early; at 1.03 GB it is
// 1.5% from the event and keeps its own time (the next event may come 1% of 2 s after the first).
TEST(FlowEngine, FlowsWithinTheToleranceOfAFinishEndWithIt) {
  auto times = [](double second, double tolerance) {
    FlowNetwork net;
    const int a = net.add_link(BytesPerSecond(1e9));
    net.add_flow({a}, Bytes(1e9));
    net.add_flow({a}, Bytes(second));
    const auto t = net.run(true, true, tolerance);
    return std::pair(t[0].value(), t[1].value());
  };
  EXPECT_NEAR(times(1.005e9, 0).second, 2.005, 1e-12);
  EXPECT_NEAR(times(1.005e9, kFinishTolerance).second, 2.0, 1e-12);
  EXPECT_NEAR(times(1.03e9, kFinishTolerance).second, 2.03, 1e-12);
  EXPECT_NEAR(times(1.03e9, kFinishTolerance).first, 2.0, 1e-12);
}

// Finish events come at least the tolerance of the youngest live flow's age apart: the second
// flow of 1.015 GB, alone on A after the first ends at 2 s, would end at 2.015 s; the next event
// is at 2.02 s (1% of 2 s later), so it ends then: 5 ms late, within 1% of its duration.
TEST(FlowEngine, FinishEventsAreTheToleranceOfTheYoungestFlowsAgeApart) {
  FlowNetwork net;
  const int a = net.add_link(BytesPerSecond(1e9));
  net.add_flow({a}, Bytes(1e9));
  net.add_flow({a}, Bytes(1.015e9));
  const auto t = net.run(true, true, kFinishTolerance);
  EXPECT_NEAR(t[0].value(), 2.0, 1e-12);
  EXPECT_NEAR(t[1].value(), 2.0 + kFinishTolerance * 2.0, 1e-12);
  EXPECT_LE(t[1].value() - 2.015, kFinishTolerance * 2.015);
}
