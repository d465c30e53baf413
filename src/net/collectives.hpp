// Collectives on the fabric, registered by name: each algorithm turns "this collective over these
// groups" into steps of concurrent transfers, which FabricNetwork times with contention. Several
// groups run at once (every DP group of the job, say), so they compete for the links they share.
//
// Algorithms (net/algorithms/, one file each, documented there; bytes follow the nccl-tests
// convention of net/network.hpp): ring, tree (double binary), hierarchical, nvls (NVLink SHARP),
// sharp (InfiniBand SHARP), direct and pairwise all-to-all, p2p.
// "auto" chooses as NCCL's tuner does: the cheapest by each algorithm's closed-form
// latency + bandwidth cost on the fabric (choose_algorithm).
//
// Limits: on the fabric alone (run_collective) a step lasts as long as its slowest flow; NCCL's
// protocols, chunks and latencies enter through run_nccl_collective (net/nccl_model.hpp), for
// the collectives NCCL's tuner times. SHARP's switch-side aggregation rate and its limit on
// concurrent trees are not modelled (the links are).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "net/collective_algorithm.hpp"

namespace colossim {

[[nodiscard]] const std::vector<CollectiveAlgorithm>& collective_algorithms();
[[nodiscard]] std::string collective_algorithm_names();  // "ring, tree, ..."
[[nodiscard]] const CollectiveAlgorithm* find_collective_algorithm(const std::string& name);

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
  long long flows = 0;          // transfers simulated, all steps and repetitions counted once
  std::string protocol;         // NCCL's (LL, LL128, Simple) where its cost model timed it
  Seconds latency;              // of that time, NCCL's latency term
  Bytes chunk;                  // NCCL's chunk (or slice) where its cost is modelled, else 0
  double chunk_efficiency = 1;  // the bandwidth that chunk reaches over NCCL's tuner's
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

// The fabric with no per-hop latency: what the transfers of a collective alone take, for the
// NCCL cost model to add its own latency to. NVLink at its link rate (NCCL's channel bandwidths
// already stand below it); the scale-out links at the share of a NIC's line rate nccl-tests
// measures (`ceilings`: data/calibration.yaml network_efficiency, and
// network_efficiency_one_per_node for a group of one GPU per NVLink domain; measured): NCCL's
// search speeds (48 of 50 GB/s) are classes, not throughputs.
[[nodiscard]] FabricNetwork physical_fabric(const Cluster& cluster,
                                            const NetworkCalibration& ceilings);

// A collective as NCCL runs it (net/nccl_model.hpp): NCCL's choice of algorithm and protocol,
// its latency, and the transfer at NCCL's channel bandwidth or the fabric's, whichever is slower
// (contention among `groups` included). `net` is a physical_fabric. `algorithm`: "auto" or one
// NCCL runs (ring, tree, nvls, pat). nullopt where NCCL's tuner does not time the collective
// (all-to-all, send/recv) or the algorithm; run_collective then prices it alone.
[[nodiscard]] std::optional<CollectiveResult> run_nccl_collective(
    const FabricNetwork& net, Collective kind, Bytes bytes, const RankGroups& groups,
    const std::string& algorithm = "auto");

// Runs `kind` over every group at once. `algorithm` is a registered name or "auto". The caller
// checks support first (find_collective_algorithm(...)->unsupported); asserts it.
[[nodiscard]] CollectiveResult run_collective(const FabricNetwork& net, Collective kind,
                                              Bytes bytes, const RankGroups& groups,
                                              const std::string& algorithm = "auto");

}  // namespace colossim
