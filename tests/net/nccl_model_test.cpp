// NCCL's cost model, regime by regime, against the closed forms of its tuner
// (data/nccl.yaml; times in us, bandwidths in GB/s, time = latency + bytes / (1000 x algbw)).
#include "net/nccl_model.hpp"

#include <gtest/gtest.h>

#include "net/collectives.hpp"
#include "test_support.hpp"

using namespace colossim;

namespace {

Cluster cluster(const std::string& gpu, long long gpus, const std::string& network = "") {
  return colossim::testing::scenario("cluster: {gpu: " + gpu + ", gpus: " + std::to_string(gpus) +
                                     (network.empty() ? "" : ", network: {" + network + "}") +
                                     "}\nmodel: {preset: llama3-8b}\ntraining: {global_batch: " +
                                     std::to_string(gpus) + "}\n")
      .cluster;
}

double us(Seconds s) { return s.value() * 1e6; }

}  // namespace

// Latency-bound: 1 KiB over 8 H100 runs ring LL: 6.6 + 14 x 0.6 us, at min(llMaxBw 141,
// 0.5 x 12 x 30) bus, x 8/14 for the algorithm bandwidth.
TEST(NcclModel, SmallMessagesRunRingLowLatency) {
  const auto c =
      nccl_choice(cluster("h100-sxm-80gb", 8), Collective::all_reduce, Bytes(1024), 8, 1);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->algorithm, "ring");
  EXPECT_EQ(c->protocol, "LL");
  EXPECT_NEAR(us(c->latency), 6.6 + 14 * 0.6, 1e-9);
  EXPECT_NEAR(c->algbw_gbps, 141.0 * 8 / 14, 1e-9);
  EXPECT_NEAR(us(c->time), 15.0 + 1024 / (1000 * 141.0 * 8 / 14), 1e-9);
}

// LL128 in the middle: 8 MiB over 8 A100 (no NVLS): LL128 40.6 us + S / (0.92 x 240 x 8/14)
// beats LL (15 us + S / (87.7 x 8/14)) and Simple (56 us + S / (240 x 8/14)).
TEST(NcclModel, MidSizesRunLl128) {
  const double s = 8.0 * 1024 * 1024;
  const auto c = nccl_choice(cluster("a100-sxm-80gb", 8), Collective::all_reduce, Bytes(s), 8, 1);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->protocol, "LL128");
  EXPECT_NEAR(us(c->time), 14.0 + 14 * 1.9 + s / (1000 * 0.92 * 240 * 8 / 14), 1e-6);
}

// Bandwidth-bound: 8 GiB over 8 A100 runs ring Simple at the channels' 12 x 20 GB/s bus.
TEST(NcclModel, LargeMessagesRunSimpleAtTheChannelsBandwidth) {
  const double s = 8.0 * 1024 * 1024 * 1024;
  const auto c = nccl_choice(cluster("a100-sxm-80gb", 8), Collective::all_reduce, Bytes(s), 8, 1);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->algorithm, "ring");
  EXPECT_EQ(c->protocol, "Simple");
  EXPECT_NEAR(c->algbw_gbps * 14 / 8, 240.0, 1e-9);  // bus bandwidth
  EXPECT_NEAR(us(c->time), 8.4 + 14 * 3.4 + s / (1000 * 240.0 * 8 / 14), 1e-6);
}

// NVLink SHARP: 8 H100 all-reduce 1 GiB at 8 heads x 40 x 0.85 x 7/8 x 2 bus and 25 us; with
// 4 GPUs of the node NCCL stays on the ring.
TEST(NcclModel, NvlsOnFullNodesOnly) {
  const double s = 1024.0 * 1024 * 1024;
  const auto eight =
      nccl_choice(cluster("h100-sxm-80gb", 8), Collective::all_reduce, Bytes(s), 8, 1);
  ASSERT_TRUE(eight.has_value());
  EXPECT_EQ(eight->algorithm, "nvls");
  EXPECT_NEAR(eight->algbw_gbps * 14 / 8, 8 * 40 * 0.85 * 7 / 8 * 2, 1e-9);
  EXPECT_NEAR(us(eight->latency), 25.0, 1e-9);
  const auto four =
      nccl_choice(cluster("h100-sxm-80gb", 4), Collective::all_reduce, Bytes(s), 4, 1);
  ASSERT_TRUE(four.has_value());
  EXPECT_EQ(four->algorithm, "ring");
  EXPECT_FALSE(nccl_choice(cluster("h100-sxm-80gb", 8), Collective::all_to_all, Bytes(s), 8, 1));
}

// A cluster that names an older NCCL gets that release's tuner (data/nccl.yaml history): before
// 2.21 ring LL ran at 1/4 of the bus for an all-reduce (1/3 for one node's all-gather), before
// 2.19 NVLS paid its 23 us as a base latency, and PAT came in 2.23.
TEST(NcclModel, OlderReleasesRunTheirOwnTuner) {
  const double s = 1024.0 * 1024;
  const auto old = nccl_choice(cluster("a100-sxm-80gb", 8, "nccl_version: \"2.18.5\""),
                               Collective::all_reduce, Bytes(s), 8, 1);
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->protocol, "LL");
  EXPECT_NEAR(us(old->time), 6.6 + 14 * 0.6 + s / (1000 * 0.25 * 240 * 8 / 14), 1e-6);
  const auto gather = nccl_choice(cluster("a100-sxm-80gb", 8, "nccl_version: \"2.20\""),
                                  Collective::all_gather, Bytes(1024), 8, 1);
  ASSERT_TRUE(gather.has_value());
  EXPECT_NEAR(gather->algbw_gbps, std::min(87.7, 0.333333 * 240) * 8 / 7, 1e-6);
  const auto now = nccl_choice(cluster("a100-sxm-80gb", 8), Collective::all_reduce, Bytes(s), 8, 1);
  ASSERT_TRUE(now.has_value());
  EXPECT_NEAR(now->algbw_gbps, std::min(87.7, 0.5 * 240) * 8 / 14, 1e-9);
  const auto nvls = nccl_choice(cluster("h100-sxm-80gb", 8, "nccl_version: \"2.18\""),
                                Collective::all_reduce, Bytes(1 << 30), 8, 1);
  ASSERT_TRUE(nvls.has_value());
  EXPECT_EQ(nvls->algorithm, "nvls");
  EXPECT_NEAR(us(nvls->latency), 23.0, 1e-9);
  // PAT (one GPU per node) exists from 2.23 on.
  const auto pat_of = [](const std::string& network) {
    return nccl_choice(cluster("h100-sxm-80gb", 16, network), Collective::all_gather,
                       Bytes(1 << 20), 2, 2, "pat");
  };
  EXPECT_TRUE(pat_of("").has_value());
  EXPECT_FALSE(pat_of("nccl_version: \"2.22.3\"").has_value());
  // Later releases than the constants' own run with them; malformed or too old ones are input
  // errors naming the key.
  EXPECT_EQ(nccl_release_problem("2.30.7"), std::nullopt);
  EXPECT_TRUE(nccl_release_problem("2.17.1").has_value());
  for (const char* bad : {"2", "2.", "two", "2.18.5.1", ".18", "2..18"})
    EXPECT_TRUE(nccl_release_problem(bad).has_value()) << bad;
  EXPECT_THROW(cluster("h100-sxm-80gb", 8, "nccl_version: \"2.17\""), InputError);
}

// Across nodes the network's latency enters every inter-node step; a net plugin's reported
// latency (EFA: 75 us) adds to it, twice for Simple.
TEST(NcclModel, PluginLatencyAddsToEveryNetworkStep) {
  const double s = 1024;
  const auto ib = nccl_choice(cluster("h100-sxm-80gb", 16, "nic: cx7-ndr-400"),
                              Collective::all_gather, Bytes(s), 16, 2, "ring");
  const auto efa = nccl_choice(cluster("h100-sxm-80gb", 16, "nic: efa-400"), Collective::all_gather,
                               Bytes(s), 16, 2, "ring");
  ASSERT_TRUE(ib && efa);
  ASSERT_EQ(ib->protocol, efa->protocol);
  // One inter-node step for an all-gather over 2 nodes; LL adds the plugin's latency once.
  EXPECT_NEAR(us(efa->latency) - us(ib->latency), efa->protocol == "Simple" ? 150.0 : 75.0, 1e-9);
}

// The transfer is no faster than the fabric carries it: on an idle node NCCL's channels bound
// it; with every group of a job sharing a thin top tier, the fabric does.
TEST(NcclModel, TheFabricBoundsTheTransferUnderContention) {
  const Cluster node = cluster("h100-sxm-80gb", 8);
  const FabricNetwork idle = physical_fabric(node, colossim::testing::line_rate());
  const double s = 1024.0 * 1024 * 1024;
  const auto alone =
      run_nccl_collective(idle, Collective::all_reduce, Bytes(s), {{0, 1, 2, 3, 4, 5, 6, 7}});
  const auto choice = nccl_choice(node, Collective::all_reduce, Bytes(s), 8, 1);
  ASSERT_TRUE(alone && choice);
  EXPECT_NEAR(alone->time.value(), choice->time.value(), 1e-12);

  Cluster thin =
      cluster("h100-sxm-80gb", 1024, "nic: cx7-roce-400, topology: clos, oversubscription: 8");
  const FabricNetwork fabric = physical_fabric(thin, colossim::testing::line_rate());
  RankGroups rails;  // GPU r of every node: 8 groups of 128 across the whole fabric
  for (long long r = 0; r < 8; ++r) {
    rails.emplace_back();
    for (long long n = 0; n < 128; ++n) rails.back().push_back(n * 8 + r);
  }
  const auto contended =
      run_nccl_collective(fabric, Collective::all_gather, Bytes(s), rails, "ring");
  const auto nccl = nccl_choice(thin, Collective::all_gather, Bytes(s), 128, 128, "ring");
  ASSERT_TRUE(contended && nccl);
  EXPECT_GT(contended->time.value(), 2 * nccl->time.value());
}

// NCCL chooses by its tuner, but NVLS synchronises once per chunk and shrinks the chunk for
// smaller messages (calcCollChunking): 16 MiB over 8 H100 runs 32 KiB chunks (under 8 x 16
// channels x 8 heads x 64 KiB), each paying the barrier that NCCL's 0.85 efficiency leaves at
// 128 KiB: 128 KiB x (1 / 0.85 - 1) of transfer.
TEST(NcclModel, NvlsSmallChunksPayTheirBarrierMoreOften) {
  const double s = 16.0 * 1024 * 1024;
  const auto c = nccl_choice(cluster("h100-sxm-80gb", 8), Collective::all_reduce, Bytes(s), 8, 1);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->algorithm, "nvls");
  const double tuned_algbw = 8 * 40 * 0.85 * 7 / 8 * 2 * 8 / 14;
  EXPECT_NEAR(us(c->tuned), 25.0 + s / (1000 * tuned_algbw), 1e-6);  // NCCL's own estimate
  EXPECT_NEAR(c->chunk.value(), 32768, 0);
  const double barrier = 131072 * (1 / 0.85 - 1);
  const double efficiency = (32768 / (32768 + barrier)) / (131072 / (131072 + barrier));
  EXPECT_NEAR(c->chunk_efficiency, efficiency, 1e-12);
  EXPECT_NEAR(us(c->time), 25.0 + s / (1000 * tuned_algbw * efficiency), 1e-6);
  // At 1 GiB and more the chunk is NCCL's full 128 KiB: the tuner's bandwidth holds.
  const auto large = nccl_choice(cluster("h100-sxm-80gb", 8), Collective::all_reduce,
                                 Bytes(4 * 1024.0 * 1024 * 1024), 8, 1);
  ASSERT_TRUE(large.has_value());
  EXPECT_EQ(large->chunk_efficiency, 1.0);
}

// A Simple ring in one NVLink domain: 128 MiB over 8 A100 on 24 CTAs (2 x 12 channels) is one
// loop of 699 KB chunks per rank, sent in two slices; each slice ends in a fence and a flag
// costing Simple's step latency over LL's (3.4 - 0.6 us) of a CTA's 240 / 24 GB/s.
TEST(NcclModel, RingSimpleSlicesPayTheirFlagAtMidSizes) {
  const double s = 128.0 * 1024 * 1024;
  const auto c =
      nccl_choice(cluster("a100-sxm-80gb", 8), Collective::all_reduce, Bytes(s), 8, 1, "ring");
  ASSERT_TRUE(c.has_value());
  ASSERT_EQ(c->protocol, "Simple");
  const double slice = s / 24 / 8 / 2;
  const double flag = 2.8e-6 * 240e9 / 24;
  const double efficiency = (slice / (slice + flag)) / (1048576 / (1048576 + flag));
  EXPECT_NEAR(c->chunk.value(), slice, 1e-6);
  EXPECT_NEAR(c->chunk_efficiency, efficiency, 1e-12);
  EXPECT_NEAR(us(c->time), 8.4 + 14 * 3.4 + s / (1000 * 240.0 * 8 / 14 * efficiency), 1e-6);
  // Across nodes the NICs, not the NVLink hops, bound a channel: no chunk cost.
  const auto across =
      nccl_choice(cluster("a100-sxm-80gb", 16), Collective::all_reduce, Bytes(s), 16, 2, "ring");
  ASSERT_TRUE(across.has_value());
  EXPECT_EQ(across->chunk_efficiency, 1.0);
}

// Across NVLink domains a ring still forwards (ppn - 1) / ppn of its bytes over each GPU's NVLink:
// two NVL72 racks' all-gather reaches at most 72/71 of the bus bandwidth one rack's ring does,
// though the network graph's 32 channels at 48 GB/s would allow 1,536 GB/s.
TEST(NcclModel, ARingAcrossDomainsIsNoFasterOnNvlinkThanOneInside) {
  const double s = 16.0 * (1LL << 30);
  const auto one =
      nccl_choice(cluster("gb200", 72), Collective::all_gather, Bytes(s), 72, 1, "ring");
  const auto two =
      nccl_choice(cluster("gb200", 144), Collective::all_gather, Bytes(s), 144, 2, "ring");
  ASSERT_TRUE(one && two);
  const double bus_one = one->algbw_gbps * 71 / 72, bus_two = two->algbw_gbps * 143 / 144;
  EXPECT_NEAR(bus_one, 16 * 45.0, 1e-9);
  EXPECT_LE(bus_two, bus_one * 72 / 71 * (1 + 1e-12));
  EXPECT_GT(bus_two, bus_one);
}

// A ring across nodes runs every step at the measured step cost (data/nccl.yaml
// ring_step_us_multi_node: 8 us on Hopper), whichever link the step crosses, where the tuner
// charges NVLink steps 1.9 us: 31 MiB gathered over 10 nodes of 8 H100 takes 14 + 79 x 8 us
// beside its transfer (measured 0.68 ms in all; the tuner's latency gave 0.29). NCCL still
// chooses by its tuner's figures; one node, and A100 (nothing measured), keep them.
TEST(NcclModel, ARingAcrossNodesPaysTheMeasuredStepCostOnEveryStep) {
  const double s = 31.0 * 1024 * 1024;
  const auto across =
      nccl_choice(cluster("h100-sxm-80gb", 80), Collective::all_gather, Bytes(s), 80, 10, "ring");
  ASSERT_TRUE(across.has_value());
  ASSERT_NE(across->protocol, "LL");
  EXPECT_NEAR(us(across->latency), (across->protocol == "LL128" ? 14.0 : 8.4) + 79 * 8.0, 1e-9);
  EXPECT_LT(us(across->tuned), us(across->time));  // the tuner expects it sooner
  const auto inside =
      nccl_choice(cluster("h100-sxm-80gb", 8), Collective::all_gather, Bytes(s), 8, 1, "ring");
  ASSERT_TRUE(inside.has_value());
  EXPECT_LT(us(inside->latency), 7 * 8.0);
  const auto ampere =
      nccl_choice(cluster("a100-sxm-80gb", 80), Collective::all_gather, Bytes(s), 80, 10, "ring");
  ASSERT_TRUE(ampere.has_value());
  EXPECT_LT(us(ampere->latency), 79 * 8.0);
}

// Send/recv across nodes: the channels one network peer gets, by release (data/nccl.yaml
// p2p.rules), in a pipeline group of one GPU per node on 400 Gb/s NICs (50 GB/s): 2.29 starts at
// ceil(50 / 14) = 4 and halves while 4 x ceil(ranks / 8) exceeds the communicator's 4 channels;
// 2.20-2.28 give 2 up to 2 x 4 ranks, then 1; 2.18-2.19 always 2; before 2.12 one. Each channel
// carries p2p.channel_gbps, 12.5 GB/s.
TEST(NcclModel, SendRecvAcrossNodesGetsTheReleasesChannelsPerPeer) {
  const auto channels = [](const std::string& release, long long ranks, long long per_node = 1) {
    Cluster c = cluster("h100-sxm-80gb", 1024);
    c.nccl_version = release;
    return nccl_p2p_channels(c, ranks, per_node);
  };
  EXPECT_EQ(channels("2.29.2", 2), 4);
  EXPECT_EQ(channels("2.29.2", 8), 4);
  EXPECT_EQ(channels("2.29.2", 9), 2);
  EXPECT_EQ(channels("2.29.2", 16), 2);
  EXPECT_EQ(channels("2.29.2", 17), 1);
  EXPECT_EQ(channels("2.28.9", 8), 2);
  EXPECT_EQ(channels("2.28.9", 9), 1);
  EXPECT_EQ(channels("2.18.6", 64), 2);
  EXPECT_EQ(channels("2.10.3", 2), 1);
  // More GPUs of each node in the communicator give it more channels (4 each, at most 16):
  // 20 ranks of 2 per node keep 2 a peer where 20 of one per node get 1.
  EXPECT_EQ(channels("2.29.2", 20, 2), 2);
  EXPECT_EQ(channels("2.29.2", 20, 1), 1);
  EXPECT_EQ(channels("2.29.2", 80, 8), 1);
  // The newest release's rule where the cluster names none.
  EXPECT_EQ(nccl_p2p_channels(cluster("h100-sxm-80gb", 1024), 8, 1), channels("2.28.9", 8));
  Cluster c = cluster("h100-sxm-80gb", 1024);
  c.nccl_version = "2.29.2";
  EXPECT_NEAR(nccl_p2p_net_gbps(c, 10, 1), 2 * 12.5, 1e-9);
}
