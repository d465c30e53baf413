// The fabric: generators and their bill of materials, routes, placement, collectives on the flow
// engine against their closed forms, routing policies, oversubscription and the symmetry
// reduction.
#include "topology/fabric.hpp"

#include <gtest/gtest.h>

#include <set>

#include "net/collectives.hpp"
#include "net/fabric_network.hpp"
#include "run/prediction.hpp"
#include "test_support.hpp"

using namespace colossim;

namespace {

Cluster cluster(const std::string& network, long long gpus = 1024,
                const std::string& gpu = "h100-sxm-80gb") {
  return colossim::testing::scenario("cluster: {gpu: " + gpu + ", gpus: " + std::to_string(gpus) +
                                     ", network: {" + network +
                                     "}}\nmodel: {preset: llama3-8b}\ntraining: {global_batch: "
                                     "1024}\n")
      .cluster;
}

Cluster preset(const std::string& name) {
  return colossim::testing::scenario("cluster: {preset: " + name +
                                     "}\nmodel: {preset: llama3-8b}\ntraining: {global_batch: "
                                     "1024}\n")
      .cluster;
}

// Links at full line rate, as in the closed forms below.
NetworkCalibration ideal() {
  NetworkCalibration cal;
  cal.nvlink_efficiency = 1.0;
  cal.network_efficiency = 1.0;
  return cal;
}

double max_time(const FabricNetwork& net, const Phase& p) { return net.run(p).time.value(); }

}  // namespace

// Two tiers of 64-port switches for 1024 GPUs, rail-optimised: per rail, 128 nodes in groups of
// 32 = 4 leaves; 32 leaves with 32 uplinks each = 1024 spine ports = 16 spines of 64 ports -- the
// Clos count N/(k/2) leaves + N/k spines.
TEST(Fabric, TwoTierBillOfMaterialsFollowsTheClosArithmetic) {
  const Fabric f(cluster("nic: cx7-ndr-400"));
  ASSERT_EQ(f.tiers(), 2);
  const auto& t = f.switch_tiers();
  EXPECT_EQ(t[0].switches, 1024 / 32);
  EXPECT_EQ(t[1].switches, 1024 / 64);
  EXPECT_EQ(t[0].uplinks, 1024);
  EXPECT_DOUBLE_EQ(t[0].bisection_bytes, 1024 * 50e9 / 2);
}

// The Memphis preset: 12,500 servers, one rail of a 512-GPU block per 128-port leaf: 196 blocks
// per rail exceed one spine layer's 128 leaves, so three tiers: pods of 64 blocks (4 per rail),
// 64 logical spines per pod and rail, each with 64 uplinks into 2 core switches of its group.
TEST(Fabric, MemphisPresetHasThreeTiersOfRadix128Switches) {
  const Cluster c = preset("memphis-100k");
  EXPECT_EQ(c.gpus, 100000);
  EXPECT_EQ(c.gpus_per_rack, 64);
  const Fabric f(c);
  ASSERT_EQ(f.tiers(), 3);
  const auto& t = f.switch_tiers();
  EXPECT_EQ(t[0].switches, 8 * 196);
  // 64 x 64 ports per pod and rail, the last pod only 4 blocks full: packed onto 128-port switches.
  EXPECT_EQ(t[1].switches, (8 * 196 * 64 + 8 * 4 * 64 * 64) / 128);
  EXPECT_EQ(t[2].switches, 8 * 64 * 2);
}

// Meta's 24K cluster: 16-GPU racks under one ToR, 3,072-GPU pods, 1:7 above them: each pod's
// 192 ToRs x 16 uplinks reach 16 cluster switches, each with ceil(192/7) = 28 uplinks.
TEST(Fabric, Meta24kPresetOversubscribesAbovePods) {
  const Fabric f(preset("meta-24k"));
  ASSERT_EQ(f.tiers(), 3);
  const auto& t = f.switch_tiers();
  EXPECT_EQ(t[0].switches, 24576 / 16);
  EXPECT_EQ(t[0].uplinks, 24576);
  EXPECT_EQ(t[1].uplinks, 8 * 16 * 28);
  EXPECT_NEAR(t[0].bisection_bytes / t[1].bisection_bytes, 7, 0.2);
}

TEST(Fabric, RoutesClimbOnlyAsHighAsTheyMust) {
  const Fabric f(preset("memphis-100k"));
  auto hops = [&](long long a, long long b) {
    std::vector<int> p;
    f.path(a, b, 0, p);
    return p.size();
  };
  EXPECT_EQ(hops(0, 5), 2u);  // same node: NVLink
  EXPECT_EQ(hops(0, 8), 2u);  // same rail, same 512-GPU block: the leaf
  EXPECT_EQ(f.choices(0, 8), 1);
  EXPECT_EQ(hops(0, 512), 4u);  // next block, same pod: leaf-spine-leaf
  EXPECT_EQ(f.choices(0, 512), 64);
  EXPECT_EQ(hops(0, 64 * 512), 6u);  // another pod: through a core switch
  EXPECT_EQ(f.choices(0, 64 * 512), 64 * 64);
  EXPECT_EQ(hops(1, 64 * 512), 8u);  // other rail: NVLink to the right rail first (PXN)
}

// A ring on one rail inside one leaf crosses no shared link: 2(n-1) x (2 hops of latency +
// (S/n)/B), the closed form of the bandwidth model.
TEST(Collectives, UncontendedRingMatchesTheClosedForm) {
  const Cluster c = cluster("nic: cx7-ndr-400");
  const FabricNetwork net(c, ideal());
  std::vector<long long> ring;
  for (int node = 0; node < 16; ++node) ring.push_back(node * 8);  // GPU 0 of 16 nodes: one leaf
  const double s = 1e9, n = 16, bw = 50e9, hop = c.nic.latency.value() / 4;
  const auto r = run_collective(net, Collective::all_reduce, Bytes(s), {ring}, "ring");
  EXPECT_NEAR(r.time.value(), 2 * (n - 1) * (2 * hop + s / n / bw), 1e-9);
}

// PAT (Bruck) all-gather: log2 n rounds, each member sending 1, 2, 4, 8 blocks of S/n; on one
// leaf no two transfers share a link, so the time is (n-1)/n S/B + log2 n x (2 hops of latency);
// the ring pays n-1 latencies for the same bytes.
TEST(Collectives, PatAllGatherTakesLogRoundsOfTheClosedForm) {
  const Cluster c = cluster("nic: cx7-ndr-400");
  const FabricNetwork net(c, ideal());
  std::vector<long long> group;
  for (int node = 0; node < 16; ++node) group.push_back(node * 8);
  const double s = 16e6, n = 16, bw = 50e9, hop = c.nic.latency.value() / 4;
  const auto pat = run_collective(net, Collective::all_gather, Bytes(s), {group}, "pat");
  ASSERT_EQ(pat.steps.size(), 4u);
  EXPECT_NEAR(pat.time.value(), (n - 1) / n * s / bw + 4 * 2 * hop, 1e-9);
  const auto ring = run_collective(net, Collective::all_gather, Bytes(s), {group}, "ring");
  EXPECT_NEAR(ring.time.value() - pat.time.value(), (15 - 4) * 2 * hop, 1e-9);
  const auto rs = run_collective(net, Collective::reduce_scatter, Bytes(s), {group}, "pat");
  EXPECT_NEAR(rs.time.value(), pat.time.value(), 1e-12);
  // NCCL runs PAT with one GPU per node only.
  const auto* a = find_collective_algorithm("pat");
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->unsupported(net, Collective::all_gather, {{0, 1, 8, 9}}));
  EXPECT_TRUE(a->unsupported(net, Collective::all_reduce, {group}));
}

// Inside one node NVLS moves S up and S down per GPU, the ring 2(n-1)/n S each way.
TEST(Collectives, NvlsHalvesTheRingsTrafficInsideANode) {
  const Cluster c = cluster("nic: cx7-ndr-400");
  const FabricNetwork net(c, ideal());
  const RankGroups node = {{0, 1, 2, 3, 4, 5, 6, 7}};
  const double s = 1e9, bw = c.gpu.nvlink_bandwidth.value();
  const double nvls =
      run_collective(net, Collective::all_reduce, Bytes(s), node, "nvls").time.value();
  const double ring =
      run_collective(net, Collective::all_reduce, Bytes(s), node, "ring").time.value();
  EXPECT_NEAR(nvls, s / bw + 2 * net.latency(LinkTier::nvlink), 1e-9);
  EXPECT_NEAR(ring / nvls, 2.0 * 7 / 8, 0.03);  // the ring's 14 latencies make it a bit more
  EXPECT_EQ(choose_algorithm(net, Collective::all_reduce, Bytes(s), node), "nvls");
  // Ampere's NVSwitch has no NVLink SHARP: the ring it is.
  const FabricNetwork a100(cluster("nic: cx6-hdr-200", 1024, "a100-sxm-80gb"), ideal());
  EXPECT_EQ(choose_algorithm(a100, Collective::all_reduce, Bytes(s), node), "ring");
}

// Across many nodes a small all-reduce is latency-bound: the tree's 2 log2(D) steps beat the
// ring's 2(n-1), and both the engine and the chooser say so; at large sizes the ring's lower
// traffic wins.
TEST(Collectives, TreeBeatsRingForSmallMessagesOverManyNodes) {
  const FabricNetwork net(cluster("nic: cx7-ndr-400"), ideal());
  RankGroups all(1);
  for (long long g = 0; g < 1024; ++g) all[0].push_back(g);
  const Bytes small(64e3);
  const double tree = run_collective(net, Collective::all_reduce, small, all, "tree").time.value();
  const double ring = run_collective(net, Collective::all_reduce, small, all, "ring").time.value();
  EXPECT_LT(tree * 10, ring);
  EXPECT_EQ(choose_algorithm(net, Collective::all_reduce, small, all), "tree");
  EXPECT_EQ(choose_algorithm(net, Collective::all_reduce, Bytes(4e9), {{0, 8, 16, 24}}), "ring");
}

// All-to-all inside one node: each GPU sends (n-1)/n S over its NVLink port.
TEST(Collectives, DirectAllToAllInsideANodeMatchesTheClosedForm) {
  const Cluster c = cluster("nic: cx7-ndr-400");
  const FabricNetwork net(c, ideal());
  const double s = 8e9, bw = c.gpu.nvlink_bandwidth.value();
  const double t =
      run_collective(net, Collective::all_to_all, Bytes(s), {{0, 1, 2, 3, 4, 5, 6, 7}}, "direct")
          .time.value();
  EXPECT_NEAR(t, 7.0 / 8 * s / bw + 2 * net.latency(LinkTier::nvlink), 1e-9);
  const double pairwise =
      run_collective(net, Collective::all_to_all, Bytes(s), {{0, 1, 2, 3, 4, 5, 6, 7}}, "pairwise")
          .time.value();
  EXPECT_NEAR(pairwise, t + 6 * 2 * net.latency(LinkTier::nvlink), 1e-9);
}

// 32 GPUs of one leaf send to 32 of another. ECMP hashing collides some flows on a spine and
// misses line rate; adaptive routing and spraying spread them and reach it.
TEST(Collectives, AdaptiveRoutingAndSprayingRemoveHashCollisions) {
  auto time = [](const std::string& routing) {
    const FabricNetwork net(cluster("nic: cx7-ndr-400, routing: " + routing), ideal());
    Phase p;
    for (int i = 0; i < 32; ++i) p.transfers.push_back({i * 8, (32 + i) * 8, 1e9});
    return max_time(net, p);
  };
  const double alone = 1e9 / 50e9;
  EXPECT_GT(time("ecmp"), 1.5 * alone);
  EXPECT_NEAR(time("adaptive"), alone, 0.01 * alone);
  EXPECT_NEAR(time("spray"), alone, 0.01 * alone);
}

// A sprayed bundle of uplinks is one link of their summed capacity in the flow network, but its
// report counts the uplinks, each with its equal share: an all-to-all over 256 GPUs of a
// fat-tree keeps every uplink within its line rate (it read 4,956% busy on 8 links).
TEST(Collectives, SprayedUplinksReportEachOnesShare) {
  const FabricNetwork net(cluster("nic: cx7-ndr-400, routing: spray, topology: fat-tree"), ideal());
  std::vector<long long> all(256);
  for (long long g = 0; g < 256; ++g) all[static_cast<size_t>(g)] = g;
  const auto r = run_collective(net, Collective::all_to_all, Bytes(1e9), {all}, "direct");
  const auto use = tier_use(r)[static_cast<size_t>(LinkTier::leaf_spine)];
  ASSERT_GT(use.links, 0);
  EXPECT_LE(use.peak, 1 + 1e-9);
  EXPECT_LE(use.mean, use.peak * (1 + 1e-9));
  EXPECT_GT(use.links, 8);  // every uplink of the leaves in use, not one per leaf
}

// 152 GB200: two full NVL72 domains and 8 GPUs of a third. The ring runs one channel per member
// of the smallest domain (8), each crossing the domains on its own NIC: (n-1)/n S over 8 NICs,
// not one ring through all 152 GPUs on a single NIC per boundary (20x slower).
TEST(Collectives, ARingOverUnequalDomainsRunsAChannelPerMemberOfTheSmallest) {
  const FabricNetwork net(cluster("nic: cx7-ndr-400", 152, "gb200"), ideal());
  std::vector<long long> all(152);
  for (long long g = 0; g < 152; ++g) all[static_cast<size_t>(g)] = g;
  const double s = 1e11, nic = 50e9;  // large enough that the 151 steps' latency is under 1%
  const double t =
      run_collective(net, Collective::all_gather, Bytes(s), {all}, "ring").time.value();
  const double closed = 151.0 / 152 * s / (8 * nic);
  EXPECT_GT(t, closed * (1 - 1e-9));
  EXPECT_LT(t, 1.02 * closed);
}

// Where a node's eight NICs share a leaf, each NIC's flow hashes on its own addresses: eight
// flows from one node to a node under another leaf spread over the spines as hashes fall, not
// all onto the one spine a node-pair hash would give them (8x the line-rate time).
TEST(Collectives, EcmpHashesEachNicsFlowWhereTheNicsShareALeaf) {
  const FabricNetwork net(cluster("nic: cx7-ndr-400, routing: ecmp, topology: fat-tree"), ideal());
  const Fabric& f = net.fabric();
  ASSERT_FALSE(f.rail_optimized());
  const long long far = f.gpus() - 8;  // the last node, under another leaf than node 0
  ASSERT_NE(f.leaf_of(0), f.leaf_of(far));
  Phase p;
  for (int i = 0; i < 8; ++i) p.transfers.push_back({i, far + i, 1e9});
  const double alone = 1e9 / 50e9;
  EXPECT_LT(max_time(net, p), 4 * alone);
  EXPECT_GE(max_time(net, p), alone * (1 - 1e-9));
}

// Cross-pod DP traffic on Meta's 1:7 fabric: DP groups with one member per pod, so every ring
// step leaves each pod through its 16 x 28 = 448 uplinks for 3,072 GPUs. No routing beats
// 3072/448 x the line-rate time; with full bisection above the pods the same rings run far faster.
TEST(Collectives, OversubscribedTopTierSlowsCrossPodDataParallelTraffic) {
  auto step = [](double over) {
    Cluster c = preset("meta-24k");
    c.oversubscription = over;
    c.routing = "spray";
    const FabricNetwork net(c, ideal());
    RankGroups dp;
    for (long long i = 0; i < 3072; ++i) {
      std::vector<long long> g;
      for (long long pod = 0; pod < 8; ++pod) g.push_back(pod * 3072 + i);
      dp.push_back(g);
    }
    const auto r = run_collective(net, Collective::all_reduce, Bytes(8e8), dp, "ring");
    return r.steps[0].phases[0].time.value();  // one ring step
  };
  const double line = 1e8 / 50e9;  // one step's S/n at line rate
  const double thin = step(7), full = step(1);
  EXPECT_GE(thin, 3072.0 / 448 * line * 0.999);
  EXPECT_NEAR(full, line, 0.05 * line + 1e-5);
  EXPECT_GT(thin, 5 * full);
}

// Symmetry: identical components are solved once and copied; the answer equals solving each.
TEST(FlowEngineSymmetry, ReducedRunEqualsTheUnreducedOne) {
  const FabricNetwork net(cluster("nic: cx7-ndr-400"), ideal());
  RankGroups nodes;
  for (long long n = 0; n < 128; ++n) {
    std::vector<long long> g;
    for (long long i = 0; i < 8; ++i) g.push_back(n * 8 + i);
    nodes.push_back(g);
  }
  // Per-node rings and cross-leaf traffic of differing sizes in one flow network.
  FlowNetwork a, b;
  const Fabric& f = net.fabric();
  for (long long l = 0; l < f.links(); ++l) {
    const LinkTier t = f.tier(l);
    for (FlowNetwork* x : {&a, &b})
      x->add_link(BytesPerSecond(net.capacity(t)), Seconds(net.latency(t)));
  }
  std::vector<int> p;
  for (const auto& g : nodes) {
    for (size_t i = 0; i < g.size(); ++i) {
      p.clear();
      f.path(g[i], g[(i + 1) % g.size()], 0, p);
      for (FlowNetwork* x : {&a, &b}) x->add_flow(p, Bytes(1e8 * (1 + (i % 3))));
    }
  }
  for (long long i = 0; i < 40; ++i) {
    p.clear();
    f.path(i * 8, (40 + i) * 8 % 1024, (i * 7) % f.choices(i * 8, (40 + i) * 8 % 1024), p);
    for (FlowNetwork* x : {&a, &b}) x->add_flow(p, Bytes(3e8));
  }
  const auto reduced = a.run(true), plain = b.run(false);
  ASSERT_EQ(reduced.size(), plain.size());
  for (size_t i = 0; i < plain.size(); ++i)
    EXPECT_NEAR(reduced[i].value(), plain[i].value(), 1e-12 * plain[i].value());
  EXPECT_LT(a.stats().solved, a.stats().components / 10);
  EXPECT_EQ(b.stats().solved, b.stats().components);
}

// The "fabric" network model on an idle fabric prices a ring like the bandwidth model: the
// difference between them is contention only.
TEST(FabricModel, AgreesWithTheBandwidthModelWithoutContention) {
  const Cluster c = cluster("nic: cx7-ndr-400", 64);
  NetworkCalibration cal;
  const auto fabric = make_network("fabric", c, cal);
  const auto bandwidth = make_network("bandwidth", c, cal);
  ASSERT_TRUE(fabric && bandwidth);
  CommGroup dp;  // one member per node across 8 nodes of one leaf
  dp.size = 8;
  dp.per_domain = 1;
  dp.stride = 8;
  const Bytes s(1e9);
  for (Collective k :
       {Collective::all_reduce, Collective::reduce_scatter, Collective::all_gather}) {
    EXPECT_NEAR(fabric->time(k, s, dp).value() / bandwidth->time(k, s, dp).value(), 1.0, 0.01)
        << to_string(k);
  }
  ASSERT_EQ(fabric->records().size(), 3u);
  EXPECT_EQ(fabric->records()[0].groups, 8);  // every rail's group at once
}

// Pipeline stages one 3,072-GPU pod apart on Meta's cluster: every stage-to-stage send crosses
// the 1:7 aggregation layer at once, so the step slows against the same cluster at full
// bisection, and the report says which collective was slowed, by whom and where.
TEST(FabricModel, OversubscriptionSlowsThePipelineSendsOfTheStep) {
  auto run = [](double over) {
    Scenario s = colossim::testing::scenario(
        "cluster: {preset: meta-24k}\nmodel: {preset: llama3-70b}\n"
        "training: {global_batch: 1536}\nnetwork_model: fabric\n"
        "parallelism: {tp: 8, pp: 8, dp: 384, micro_batch: 1, virtual_stages: 1, schedule: 1f1b,"
        " recompute: full, zero: 1, cp: 1, ep: 1, sequence_parallel: true}\n");
    s.cluster.oversubscription = over;
    return colossim::testing::predicted(s);
  };
  const Prediction thin = run(7), full = run(1);
  // Four micro-batches per pipeline: the sends are a small part of the step (2% here).
  EXPECT_GT(thin.step.step_time.value(), full.step.step_time.value() * 1.01);
  bool found = false;
  for (const auto& r : thin.fabric) {
    if (r.kind != Collective::send_recv || r.stride != 3072) continue;
    found = true;
    EXPECT_GT(r.contended.value(), 3 * r.alone.value());
    EXPECT_EQ(r.busiest_tier, "spine-core");
  }
  EXPECT_TRUE(found);
}

// The rank order decides which groups share a node: with DP fastest, a TP group of 8 spans 8
// nodes, its all-reduces leave NVLink for the NICs, and the step slows.
TEST(Placement, RankOrderMovesTensorParallelismOffTheNode) {
  auto step = [](const std::string& order) {
    const Scenario s = colossim::testing::scenario(
        "cluster: {gpu: h100-sxm-80gb, gpus: 512}\nmodel: {preset: llama3-70b}\n"
        "training: {global_batch: 512}\n"
        "parallelism: {tp: 8, pp: 4, cp: 1, ep: 1, micro_batch: 1, virtual_stages: 1, recompute: "
        "full, zero: 1, sequence_parallel: true, order: " +
        order + "}\n");
    return colossim::testing::predicted(s).step.step_time.value();
  };
  EXPECT_GT(step("dp-cp-tp-pp"), 1.2 * step("tp-cp-dp-pp"));
}

// SHARP: one GPU per node under one leaf; each sends S up once and gets the reduced S back:
// S/B plus a hop up and a hop down, against the ring's 2(n-1)/n S/B. Ethernet has no SHARP.
TEST(Collectives, SharpReducesInTheSwitch) {
  const Cluster c = cluster("nic: cx7-ndr-400");
  const FabricNetwork net(c, ideal());
  std::vector<long long> g;
  for (int node = 0; node < 16; ++node) g.push_back(node * 8);
  const double s = 1e9, bw = 50e9;
  const auto r = run_collective(net, Collective::all_reduce, Bytes(s), {g}, "sharp");
  EXPECT_NEAR(r.time.value(), s / bw + 2 * net.latency(LinkTier::host), 1e-9);
  const FabricNetwork ethernet(cluster("nic: cx7-roce-400"), ideal());
  EXPECT_TRUE(
      find_collective_algorithm("sharp")->unsupported(ethernet, Collective::all_reduce, {g}));
}

namespace {

// The last phase of the first step of `algorithm` over GPUs 0..gpus-1 (1 GB), routed.
FabricNetwork::Routed first_step_last_phase(const FabricNetwork& net, const std::string& algorithm,
                                            Collective kind, long long gpus) {
  RankGroups all(1);
  for (long long g = 0; g < gpus; ++g) all[0].push_back(g);
  const auto steps = find_collective_algorithm(algorithm)->steps(net, kind, 1e9, all);
  return net.route(steps.front().back());
}

}  // namespace

// Partial re-solves: after each event only the flows a finish can affect are re-solved. On the
// across-node phase of a tree all-reduce under ECMP -- hundreds of rate levels -- the times equal
// those of re-solving every flow at every event.
TEST(FlowEngineSymmetry, IncrementalRunEqualsFullReSolves) {
  const FabricNetwork net(cluster("nic: cx7-ndr-400, routing: ecmp"), ideal());
  FabricNetwork::Routed routed = first_step_last_phase(net, "tree", Collective::all_reduce, 1024);
  const auto fast = routed.net.run(true, true);
  const long long fast_solves = routed.net.stats().rate_solves;
  const auto full = routed.net.run(true, false);
  ASSERT_EQ(fast.size(), full.size());
  for (size_t i = 0; i < full.size(); ++i)
    EXPECT_NEAR(fast[i].value(), full[i].value(), 1e-9 * full[i].value()) << "flow " << i;
  EXPECT_GT(routed.net.stats().rate_solves, 0);
  EXPECT_GT(fast_solves, 0);
  std::set<double> levels;  // the case must have many distinct finishes to test anything
  for (const auto& t : full) levels.insert(t.value());
  EXPECT_GE(levels.size(), 10u);
}

// Finishing together within the tolerance: on an all-to-all over 128 GPUs of an ECMP fat-tree,
// whose hash collisions give each flow its own finish time, every flow ends within the
// tolerance of its duration of where it ends with every finish its own event, in far fewer
// events.
TEST(FlowEngineSymmetry, FinishingTogetherMovesEachFlowByLessThanTheTolerance) {
  const FabricNetwork net(cluster("nic: cx7-roce-400, routing: ecmp, topology: fat-tree"), ideal());
  FabricNetwork::Routed routed = first_step_last_phase(net, "direct", Collective::all_to_all, 128);
  const auto exact = routed.net.run(true, true, 0);
  const long long exact_events = routed.net.stats().finish_events;
  const auto batched = routed.net.run(true, true, kFinishTolerance);
  const long long batched_events = routed.net.stats().finish_events;
  std::set<double> finishes;
  for (size_t i = 0; i < exact.size(); ++i) {
    finishes.insert(std::round(exact[i].value() * 1e9));  // to the nanosecond
    EXPECT_NEAR(batched[i].value(), exact[i].value(), 2 * kFinishTolerance * exact[i].value())
        << "flow " << i;
  }
  EXPECT_GE(finishes.size(), 100u);  // the case must have many distinct finishes
  EXPECT_LT(batched_events * 5, exact_events);
}

// The catalog names its NICs' default routing as topology/ knows them (hw/ sits below and does
// not check).
TEST(Fabric, EveryCatalogNicRoutesByAKnownPolicy) {
  const auto& names = routing_names();
  for (const auto& nic : colossim::testing::catalog().nics()) {
    EXPECT_NE(std::find(names.begin(), names.end(), nic.routing), names.end()) << nic.id;
  }
  Cluster c = cluster("nic: cx7-ndr-400");
  c.routing = "telepathy";
  const auto problem = fabric_problem(c);
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->key, "network.routing");
}

// An NVL72 rack cut into 36-GPU NVLink partitions: an all-reduce over the whole rack now
// crosses the NICs between the partitions, where the uncut rack keeps it on NVLink; a partition
// must be whole trays that divide the rack's domain.
TEST(Fabric, NvlinkPartitionsSplitARackScaleDomain) {
  const auto make = [](const std::string& partition) {
    return colossim::testing::scenario(
               "cluster: {gpu: gb200, gpus: 144" + partition +
               "}\nmodel: {preset: llama3-8b}\ntraining: {global_batch: 144}\n")
        .cluster;
  };
  const Cluster whole = make("");
  const Cluster cut = make(", nvlink_partition: 36");
  EXPECT_EQ(whole.nvlink_domain, 72);
  EXPECT_EQ(cut.nvlink_domain, 36);
  RankGroups rack(1);
  for (long long g = 0; g < 72; ++g) rack.front().push_back(g);
  const double s = 1024.0 * 1024 * 1024;
  const auto one = run_collective(physical_fabric(whole, colossim::testing::line_rate()),
                                  Collective::all_reduce, Bytes(s), rack, "ring");
  const auto two = run_collective(physical_fabric(cut, colossim::testing::line_rate()),
                                  Collective::all_reduce, Bytes(s), rack, "ring");
  const size_t host = static_cast<size_t>(LinkTier::host);
  EXPECT_EQ(tier_use(one)[host].links, 0);
  EXPECT_GT(tier_use(two)[host].links, 0);
  EXPECT_THROW((void)make(", nvlink_partition: 6"), InputError);   // not whole trays of 4
  EXPECT_THROW((void)make(", nvlink_partition: 48"), InputError);  // does not divide 72
}

// cluster.placement: a job smaller than the cluster sits on its first GPUs (packed) or has its
// NVLink domains (nodes where larger) spread evenly over the cluster's (scattered).
TEST(Cluster, JobRanksSitWhereThePlacementPutsThem) {
  Cluster c;
  c.gpus = 1024;
  c.gpus_per_node = 8;
  c.nvlink_domain = 8;
  c.spare_gpus = 768;  // a 256-GPU job: 32 of 128 nodes
  EXPECT_EQ(c.job_gpu(37), 37);
  c.placement = "scattered";
  EXPECT_EQ(c.job_gpu(0), 0);
  EXPECT_EQ(c.job_gpu(7), 7);
  EXPECT_EQ(c.job_gpu(8), 32);     // node 1 of the job is the cluster's node 4
  EXPECT_EQ(c.job_gpu(255), 999);  // node 31 -> node 124, its last GPU
  std::set<long long> used;
  for (long long r = 0; r < c.job_gpus(); ++r) used.insert(c.job_gpu(r));
  EXPECT_EQ(static_cast<long long>(used.size()), c.job_gpus());  // one GPU per rank
  // NVL72 racks move whole: the job's second 72-GPU domain is the cluster's third.
  c.gpus = 72 * 6;
  c.gpus_per_node = 4;
  c.nvlink_domain = 72;
  c.spare_gpus = 72 * 4;
  EXPECT_EQ(c.job_gpu(71), 71);
  EXPECT_EQ(c.job_gpu(72), 72 * 3);
  // A job of the whole cluster is placed the same either way.
  c.spare_gpus = 0;
  EXPECT_EQ(c.job_gpu(100), 100);
}

// Another job's streams through the same oversubscribed leaf uplinks take half of them: 32 flows
// from one leaf to the next are bound by the uplinks (1:7, sprayed so they act as one link), and
// 32 persistent streams beside them double the time exactly; streams on another rail's plane
// share no link and change nothing.
TEST(Collectives, BackgroundStreamsTakeTheirShareOfTheLinksTheyCross) {
  const Cluster c = cluster("nic: cx7-ndr-400, oversubscription: 7, routing: spray");
  const FabricNetwork net(c, ideal());
  Phase phase;
  std::vector<Transfer> same_rail, other_rail;
  for (long long node = 0; node < 32; ++node) {
    phase.transfers.push_back({node * 8, (node + 32) * 8, 1e9});
    same_rail.push_back({node * 8, (node + 32) * 8, 1});
    other_rail.push_back({node * 8 + 1, (node + 32) * 8 + 1, 1});
  }
  const PhaseResult alone = net.run(phase);
  ASSERT_GT(alone.links_used[static_cast<size_t>(LinkTier::leaf_spine)], 0);
  const double uplinks = 32 * 1e9 / (alone.time.value() - c.nic.latency.value());  // bytes/s
  EXPECT_LT(uplinks, 32 * c.nic_bandwidth.value() / 2);  // the uplinks bind, not the NICs
  const PhaseResult beside = net.with_background(same_rail).run(phase);
  // Twice the bytes' time; the route's latency (four scale-out hops: the NIC-to-NIC latency)
  // once.
  EXPECT_NEAR(beside.time.value(), 2 * alone.time.value() - c.nic.latency.value(), 1e-12);
  EXPECT_GT(beside.shared_links[static_cast<size_t>(LinkTier::leaf_spine)], 0);
  EXPECT_EQ(beside.flows, alone.flows);
  const PhaseResult apart = net.with_background(other_rail).run(phase);
  EXPECT_NEAR(apart.time.value(), alone.time.value(), 1e-12);
  for (const long long shared : apart.shared_links) EXPECT_EQ(shared, 0);
}
