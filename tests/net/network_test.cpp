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

// Across nodes with one member per node (TP = 8 data parallelism) one NIC carries the ring, at
// the ceiling a ring of one GPU per node measures (0.973 of the line rate), held to NCCL's
// search speed of 48 GB/s; with 8 members per node, NCCL's channels run over 8 NICs in
// parallel, each at the 8-GPU ring's measured ceiling (0.82).
TEST(Network, CrossNodeBandwidthScalesWithMembersPerNode) {
  const Cluster c = h100_cluster();
  NetworkCalibration cal;
  cal.network_efficiency = 0.82;
  cal.network_efficiency_one_per_node = 0.973;
  const auto net = make_network("bandwidth", c, cal);
  const double s = 8e9;
  const double one = net->time(Collective::all_reduce, Bytes(s), CommGroup{64, 1}).value();
  const double eight = net->time(Collective::all_reduce, Bytes(s), CommGroup{64, 8}).value();
  EXPECT_NEAR(one, 2.0 * 63 / 64 * s / 48e9, 0.03 * one);
  EXPECT_NEAR(eight, 2.0 * 63 / 64 * s / (8 * 0.82 * 50e9), 0.03 * eight);
  // The fabric model prices the same rings alike.
  const auto fabric = make_network("fabric", c, cal);
  EXPECT_NEAR(fabric->time(Collective::all_reduce, Bytes(s), CommGroup{8, 1, 8}).value(),
              2.0 * 7 / 8 * s / 48e9, 0.03 * one);
}

// A pipeline stage's send to the next stage on another node runs in the pipeline group's NCCL
// communicator, whose size sets the channels each network peer gets (nccl_p2p_channels): in a
// group of 8 (NCCL 2.28's rule, the default) 2 channels of 12.5 GB/s, under the NIC's 0.82 x 50;
// in a group of 16 one. Both network models price it alike; inside a node NVLink carries it.
TEST(Network, PipelineSendsAcrossNodesRunOnTheirGroupsP2pChannels) {
  const Cluster c = h100_cluster();
  NetworkCalibration cal;
  cal.network_efficiency = 0.82;
  const double s = 64e6;
  CommGroup pair{2, 1, 8};  // stages on neighbouring nodes
  for (const char* model : {"bandwidth", "fabric"}) {
    const auto net = make_network(model, c, cal);
    pair.communicator = 8;
    EXPECT_NEAR(net->time(Collective::send_recv, Bytes(s), pair).value(), s / 25e9, 0.02 * s / 25e9)
        << model;
    pair.communicator = 16;
    EXPECT_NEAR(net->time(Collective::send_recv, Bytes(s), pair).value(), s / 12.5e9,
                0.02 * s / 12.5e9)
        << model;
  }
  const auto net = make_network("bandwidth", c, cal);
  EXPECT_LT(net->time(Collective::send_recv, Bytes(s), CommGroup{2, 2, 1}).value(), s / 100e9);
}

TEST(Network, TrivialGroupsCostNothingAndUnknownModelsAreNull) {
  const Cluster c = h100_cluster();
  const auto net = make_network("bandwidth", c, NetworkCalibration{});
  EXPECT_EQ(net->time(Collective::all_reduce, Bytes(1e9), CommGroup{1, 1}).value(), 0.0);
  EXPECT_EQ(make_network("no-such-model", c, NetworkCalibration{}), nullptr);
}

// A job's own collectives of another kind compete with this one (Cluster::cross_traffic): a
// reduce-scatter over GPU 0 of eight nodes, beside the same job's sends from those GPUs to
// others half the cluster away, on for half the time, shares their NICs: the send load adds
// half its delay, at most the whole transfer's time again. The load that stands for this very
// collective (its groups) adds nothing: its groups already run together.
TEST(Network, AJobsOtherCollectivesSlowThisOneByTheShareOfTimeTheyAreOn) {
  Cluster c = h100_cluster();
  auto traffic = std::make_shared<std::vector<CrossTraffic>>();
  CrossTraffic sends{"job", "pipeline", 0.5, {}, true, {{2, 32}}};
  CrossTraffic itself{"job", "data-parallel", 0.5, {}, true, {{8, 8}}};
  for (long long node = 0; node < 8; ++node) {
    sends.streams.emplace_back(node * 8, (node * 8 + 32) % 64);
    itself.streams.emplace_back(node * 8, (node + 1) % 8 * 8);
  }
  traffic->push_back(sends);
  traffic->push_back(itself);
  c.cross_traffic = traffic;
  const auto net = make_network("fabric", c, NetworkCalibration{});
  const CommGroup dp{8, 1, 8};
  const double shared = net->time(Collective::reduce_scatter, Bytes(1e9), dp).value();
  const auto records = net->records();
  ASSERT_EQ(records.size(), 1u);
  const CollectiveRecord& r = records.front();
  ASSERT_EQ(r.other_jobs.size(), 1u);
  EXPECT_EQ(r.other_jobs[0].what, "pipeline");
  EXPECT_EQ(r.other_jobs[0].tier, "gpu-leaf");
  EXPECT_GT(r.other_jobs[0].added.value(), 0.01 * r.contended.value());
  EXPECT_LE(r.other_jobs[0].added.value(), 0.5 * r.contended.value() * (1 + 1e-9));
  EXPECT_DOUBLE_EQ(shared, (r.contended + r.other_jobs[0].added).value());
}
