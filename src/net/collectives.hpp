// Collectives on the fabric, registered by name: each algorithm turns "this collective over these
// groups" into steps of concurrent transfers, which FabricNetwork times with contention. Several
// groups run at once (every DP group of the job, say), so they compete for the links they share.
//
// Algorithms (bytes follow the nccl-tests convention of net/network.hpp; n ranks per group, m of
// them per NVLink domain, D domains):
//  - ring: NCCL's ring. One channel per member of a domain when the group spans domains, channel
//    c entering every domain at its member c (so it crosses domains on rail c), each carrying
//    1/m of the data. all-reduce: 2(n-1) identical steps of S/n per rank; all-gather and
//    reduce-scatter: n-1 steps. Uncontended: 2(n-1)/n S/B + 2(n-1) latencies.
//  - tree: NCCL's double binary tree, all-reduce only. Per channel, a chain inside each domain to
//    the channel's leader and two binary trees over the domains' leaders (the second mirrored,
//    so each leader is a leaf in one), each tree carrying half; reduce and broadcast pipeline, so
//    all edges run at once: ~2S/B plus 2 log2(D) latencies of fill.
//  - hierarchical: reduce-scatter inside each domain (ring over NVLink), all-reduce of S/m among
//    the domains' c-th members (ring or tree, whichever is cheaper), all-gather inside.
//  - nvls: NVLink SHARP (Hopper NVSwitch and later): inside a domain each rank sends S to the
//    switch, which reduces and multicasts S back (S/B, half a ring's traffic); across domains the
//    switch reduce-scatters, the c-th members all-reduce S/m, and the switch all-gathers.
//  - sharp: InfiniBand SHARP (Quantum switches), as NCCL's CollNet: reduce-scatter inside each
//    domain, the domains' c-th members reducing S/m in the switches -- each climbs to the lowest
//    tier covering its group, reduced at every switch, and the result is multicast down the same
//    links (S/m per link per direction instead of a ring's 2(n-1)/n) -- and all-gather inside,
//    the three pipelined.
//  - direct: all-to-all with every pair at once (NCCL's grouped send/recv), S/n to each peer.
//  - pairwise: all-to-all in n-1 rounds, rank i sending to i+k in round k.
//  - p2p: send/recv, member i to member i+1 of each group (pipeline stages).
// "auto" chooses as NCCL's tuner does: the cheapest by each algorithm's closed-form
// latency + bandwidth cost on the fabric (choose_algorithm).
//
// Limits: chunked pipelining inside a ring step and NCCL's protocols (LL, LL128, Simple) are not
// modelled; a step lasts as long as its slowest flow. SHARP's switch-side aggregation rate and
// its limit on concurrent trees are not modelled (the links are).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "net/fabric_network.hpp"

namespace colossim {

using RankGroups = std::vector<std::vector<long long>>;  // members of each group, in rank order

// Steps run one after another; the phases of one step are pipelined stages on disjoint links,
// so the step lasts as long as its slowest phase.
using CollectiveSteps = std::vector<std::vector<Phase>>;

struct CollectiveAlgorithm {
  std::string name;
  std::string description;
  // Why it cannot run this collective on this fabric; nullopt if it can.
  std::optional<std::string> (*unsupported)(const FabricNetwork&, Collective, const RankGroups&);
  CollectiveSteps (*steps)(const FabricNetwork&, Collective, double bytes, const RankGroups&);
};

[[nodiscard]] const std::vector<CollectiveAlgorithm>& collective_algorithms();
[[nodiscard]] const CollectiveAlgorithm* find_collective_algorithm(const std::string& name);
[[nodiscard]] std::string to_string(Collective kind);

// Closed-form cost (latency + bandwidth, no contention) used to choose; nullopt if unsupported.
[[nodiscard]] std::optional<Seconds> estimate(const FabricNetwork& net,
                                              const std::string& algorithm, Collective kind,
                                              Bytes bytes, const RankGroups& groups);
// `nvls` = false keeps to the algorithms the calibration was fitted with (ring and tree).
[[nodiscard]] std::string choose_algorithm(const FabricNetwork& net, Collective kind, Bytes bytes,
                                           const RankGroups& groups, bool nvls = true);

struct CollectiveStepResult {
  std::vector<std::string> labels;
  std::vector<PhaseResult> phases;
  Seconds time;  // the slowest phase
};

struct CollectiveResult {
  std::string algorithm;
  Seconds time;
  std::vector<CollectiveStepResult> steps;
  long long flows = 0;  // transfers simulated, all steps and repetitions counted once
};

// How a collective used each tier of links (LinkTier order).
struct TierUse {
  long long links = 0;  // in use
  double bytes = 0;
  double mean = 0;  // utilisation of the links in use, over the whole collective
  double peak = 0;  // the busiest link's utilisation in its busiest phase
};
[[nodiscard]] std::array<TierUse, kLinkTiers> tier_use(const CollectiveResult& r);
inline constexpr std::array<const char*, kLinkTiers> tier_name = {"nvlink", "gpu-leaf",
                                                                  "leaf-spine", "spine-core"};

// Runs `kind` over every group at once. `algorithm` is a registered name or "auto". The caller
// checks support first (find_collective_algorithm(...)->unsupported); asserts it.
[[nodiscard]] CollectiveResult run_collective(const FabricNetwork& net, Collective kind,
                                              Bytes bytes, const RankGroups& groups,
                                              const std::string& algorithm = "auto");

}  // namespace colossim
