#include "net/network.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "test_support.hpp"

using namespace colossim;

namespace {

Cluster h100_cluster() {
  return colossim::testing::scenario(
             "cluster: {gpu: h100-sxm-80gb, gpus: 64}\nmodel: {preset: llama3-8b}\ntraining: "
             "{global_batch: 64}\n")
      .cluster;
}

}  // namespace

// Ring all-reduce inside one NVLink domain: 2(n-1)/n * S / B + latency steps.
TEST(Network, RingAllReduceClosedForm) {
  const Cluster c = h100_cluster();
  NetworkCalibration cal;
  cal.nvlink_efficiency = 1.0;
  cal.nvlink_latency = Seconds(0);
  const auto net = make_network("bandwidth", c, cal);
  ASSERT_TRUE(net);
  CommGroup g{8, 8};
  const double s = 1e9;
  const double expected = 2.0 * 7.0 / 8.0 * s / 450e9;  // H100 NVLink 450 GB/s per direction
  EXPECT_NEAR(net->time(Collective::all_reduce, Bytes(s), g).value(), expected, 1e-12);
  // All-gather moves half of an all-reduce.
  EXPECT_NEAR(net->time(Collective::all_gather, Bytes(s), g).value(), expected / 2, 1e-12);
}

// Across nodes with one member per node (TP = 8 data parallelism) the NIC is the bottleneck;
// with 8 members per node, 8 NICs carry NCCL's 8 rings in parallel.
TEST(Network, CrossNodeBandwidthScalesWithMembersPerNode) {
  const Cluster c = h100_cluster();
  NetworkCalibration cal;
  cal.nvlink_efficiency = 1.0;
  cal.network_efficiency = 1.0;
  const auto net = make_network("bandwidth", c, cal);
  const double s = 8e9;
  const double one = net->time(Collective::all_reduce, Bytes(s), CommGroup{64, 1}).value();
  const double eight = net->time(Collective::all_reduce, Bytes(s), CommGroup{64, 8}).value();
  EXPECT_NEAR(one, 2.0 * 63 / 64 * s / 50e9, 0.01 * one);  // 400 Gb/s = 50 GB/s
  EXPECT_NEAR(eight, 2.0 * 63 / 64 * s / 400e9, 0.01 * eight);
}

TEST(Network, TrivialGroupsCostNothingAndUnknownModelsAreNull) {
  const Cluster c = h100_cluster();
  const auto net = make_network("bandwidth", c, NetworkCalibration{});
  EXPECT_EQ(net->time(Collective::all_reduce, Bytes(1e9), CommGroup{1, 1}).value(), 0.0);
  EXPECT_EQ(make_network("no-such-model", c, NetworkCalibration{}), nullptr);
}
