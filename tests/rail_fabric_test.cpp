#include "net/rail_fabric.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

using namespace colossim;

namespace {

Cluster cluster(double oversubscription) {
  Scenario s = colossim::testing::scenario(
      "cluster: {gpu: h100-sxm-80gb, gpus: 1024, network: {nic: cx7-ndr-400}}\nmodel: {preset: "
      "llama3-8b}\n"
      "training: {global_batch: 1024}\n");
  s.cluster.oversubscription = oversubscription;
  return s.cluster;
}

// Links at full line rate, as in the closed forms below.
NetworkCalibration ideal() {
  NetworkCalibration cal;
  cal.nvlink_efficiency = 1.0;
  cal.network_efficiency = 1.0;
  return cal;
}

}  // namespace

// A ring on one rail inside one leaf crosses no shared link: its all-reduce takes
// 2(n-1) x (2 hops of latency + (S/n)/B), the closed form of the bandwidth model.
TEST(RailFabric, UncontendedRingMatchesTheClosedForm) {
  const Cluster c = cluster(1);
  const RailFabric f(c, 1024, ideal());
  std::vector<long long> ring;
  for (int node = 0; node < 16; ++node) ring.push_back(node * 8);  // GPU 0 of nodes 0..15: one leaf
  const double s = 1e9, n = 16, bw = 50e9, hop = c.nic.latency.value() / 4;
  EXPECT_NEAR(f.ring_all_reduce(ring, Bytes(s)).value(), 2 * (n - 1) * (2 * hop + s / n / bw),
              1e-9);
}

// Routes: NVLink inside a node, through the leaf on one rail and leaf, leaf-spine-leaf across
// leaves, and over NVLink to the right rail first when rails differ.
TEST(RailFabric, RoutesFollowRailsLeavesAndSpines) {
  const RailFabric f(cluster(1), 1024, ideal());
  EXPECT_EQ(f.route(0, 5).size(), 2u);       // same node
  EXPECT_EQ(f.route(0, 8).size(), 2u);       // same rail, same leaf
  EXPECT_EQ(f.route(0, 8 * 40).size(), 4u);  // same rail, another leaf (32 nodes per leaf)
  EXPECT_EQ(f.route(1, 8 * 40).size(), 6u);  // other rail: NVLink hop first
}

// 32 GPUs of one leaf send 1 GB each to 32 GPUs of another (line rate 50 GB/s: 20 ms alone).
// At 1:7 only ceil(32/7) = 5 spines remain: no routing can beat 32/5 x 20 ms = 128 ms. At 1:1
// there are 32 spines, but ECMP hashing collides several flows on some of them, so even the
// non-blocking fabric misses line rate -- the effect adaptive routing removes.
TEST(RailFabric, OversubscribedTopTierSlowsCrossLeafTraffic) {
  auto time = [](double over) {
    const RailFabric f(cluster(over), 1024, ideal());
    std::vector<std::pair<long long, long long>> pairs;
    for (int i = 0; i < 32; ++i) pairs.emplace_back(i * 8, (32 + i) * 8);
    return f.concurrent(pairs, Bytes(1e9)).value();
  };
  const double alone = 1e9 / 50e9;
  const double full = time(1), thin = time(7);
  EXPECT_GE(thin, 32.0 / 5.0 * alone * 0.999);  // the physical bound at 1:7
  EXPECT_GT(thin, 1.5 * full);
  EXPECT_GT(full, 1.5 * alone);  // hash collisions at 1:1
}
