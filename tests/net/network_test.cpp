#include "net/network.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "net/nccl_model.hpp"
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

// All-reduce, all-gather and reduce-scatter are NCCL's (net/nccl_model.hpp); the rest keep the
// closed forms: an all-to-all inside one NVLink domain moves (n-1)/n of S over each NVLink.
TEST(Network, NcclTimesItsCollectivesAndTheRestKeepTheirClosedForms) {
  const Cluster c = h100_cluster();
  NetworkCalibration cal;
  cal.nvlink_efficiency = 1.0;
  cal.nvlink_latency = Seconds(0);
  const auto net = make_network("bandwidth", c, cal);
  ASSERT_TRUE(net);
  CommGroup g{8, 8};
  const double s = 1e9;
  const auto nccl = nccl_choice(c, Collective::all_reduce, Bytes(s), 8, 1);
  ASSERT_TRUE(nccl.has_value());
  EXPECT_DOUBLE_EQ(net->time(Collective::all_reduce, Bytes(s), g).value(), nccl->time.value());
  EXPECT_NEAR(net->time(Collective::all_to_all, Bytes(s), g).value(), 7.0 / 8.0 * s / 450e9,
              1e-12);  // H100 NVLink 450 GB/s per direction
}

// Across nodes with one member per node (TP = 8 data parallelism) one NIC carries the ring;
// with 8 members per node, NCCL's 8 channels run over 8 NICs in parallel: 48 GB/s of each
// 400 Gb/s NIC (NCCL's search speed), 8 x 48 in all.
TEST(Network, CrossNodeBandwidthScalesWithMembersPerNode) {
  const Cluster c = h100_cluster();
  NetworkCalibration cal;
  cal.network_efficiency = 0.82;  // the NICs' measured ceiling bounds NCCL's ring (48 of 50 GB/s)
  const auto net = make_network("bandwidth", c, cal);
  const double s = 8e9;
  const double one = net->time(Collective::all_reduce, Bytes(s), CommGroup{64, 1}).value();
  const double eight = net->time(Collective::all_reduce, Bytes(s), CommGroup{64, 8}).value();
  EXPECT_NEAR(one, 2.0 * 63 / 64 * s / (0.82 * 50e9), 0.03 * one);
  EXPECT_NEAR(eight, 2.0 * 63 / 64 * s / (8 * 0.82 * 50e9), 0.03 * eight);
}

TEST(Network, TrivialGroupsCostNothingAndUnknownModelsAreNull) {
  const Cluster c = h100_cluster();
  const auto net = make_network("bandwidth", c, NetworkCalibration{});
  EXPECT_EQ(net->time(Collective::all_reduce, Bytes(1e9), CommGroup{1, 1}).value(), 0.0);
  EXPECT_EQ(make_network("no-such-model", c, NetworkCalibration{}), nullptr);
}
