// NCCL's own cost model: for an all-reduce, all-gather or reduce-scatter over a group, every
// algorithm (ring, tree, NVLS, NVLS-tree, PAT) with every protocol it runs (LL, LL128, Simple)
// gets a latency and an algorithm bandwidth as NCCL's tuner computes them, and the cheapest
// latency + bytes / bandwidth is what NCCL runs (NVIDIA/nccl src/graph/tuning.cc; the constants
// and their sources in data/nccl.yaml, the derivations in docs/research/nccl-cost-model.md).
//
// The channel bandwidths are the GPU side's ceiling (what NCCL's kernels move per channel); the
// links' ceiling and contention come from the fabric (net/collectives.hpp), and
// nccl_collective_time combines the two.
//
// Limits: the tuner's constants follow the release (data/nccl.yaml history, 2.18 to 2.28.9); the
// chunking rules and channel search are 2.28's for every release; CollNet (SHARP) and
// symmetric-memory kernels are not modelled; NVLS runs all-reduce only; a tuner plugin's overrides
// (aws-ofi-nccl's) are not modelled; LL and LL128 carry their flags in the data and pay no chunk
// cost.
//
// Chunks: NCCL's tuner bandwidths hold at its full chunk. A Simple ring and NVLS synchronise
// once per chunk (a fence and a flag, or a multimem barrier); messages whose chunks NCCL shrinks
// (calcCollChunking and the ring kernel's tail in NCCL's source) pay that cost more often:
// bandwidth x c / (c + overhead) relative to the full chunk. The overhead is not fitted: for a
// Simple ring it is NCCL's own Simple-over-LL step latency on NVLink, for NVLS what NCCL's NVLS
// efficiency factor leaves at the full 128 KiB chunk (data/nccl.yaml).
#pragma once

#include <optional>
#include <string>

#include "core/units.hpp"
#include "net/network.hpp"
#include "topology/cluster.hpp"

namespace colossim {

// What is wrong with `text` as cluster.network.nccl_version (not a release such as "2.21.5", or
// older than the oldest release whose tuner data/nccl.yaml holds); nullopt if it is modelled.
// Releases after the constants' own (data/nccl.yaml `version`) run with its figures.
[[nodiscard]] std::optional<std::string> nccl_release_problem(const std::string& text);

struct NcclChoice {
  std::string algorithm;  // ring | tree | nvls | nvls-tree | pat
  std::string protocol;   // LL | LL128 | Simple
  Seconds latency;
  double algbw_gbps = 0;  // algorithm bandwidth reached at this size, GB/s (bytes / transfer time)
  Seconds time;           // latency + bytes / algorithm bandwidth
  Seconds tuned;          // NCCL's own estimate (its tuner's bandwidth), what it chooses by
  Bytes chunk;            // what a channel moves between two synchronisations (0: not modelled)
  double chunk_efficiency = 1;  // bandwidth at this chunk over the tuner's (at its full chunk)
  double ctas = 0;  // thread blocks the kernel runs, one SM each (runtime channels, NVLS CTAs)
};

// What NCCL chooses for `kind` of `bytes` (nccl-tests' size) over `ranks` GPUs spread evenly
// over `domains` NVLink domains of `cluster`, with the tuner of the cluster's NCCL release. `only`
// restricts the choice to one algorithm. nullopt when NCCL's tuner does not time this collective
// (all-to-all, send/recv) or no algorithm (or not `only`) applies.
[[nodiscard]] std::optional<NcclChoice> nccl_choice(const Cluster& cluster, Collective kind,
                                                    Bytes bytes, long long ranks, long long domains,
                                                    const std::string& only = "");

// Point-to-point between GPUs of different NVLink domains (a pipeline group's sends, nccl-tests
// sendrecv_perf), in a communicator of `ranks` GPUs, `per_domain` of them in each domain: the
// channels the cluster's NCCL release gives one network peer (data/nccl.yaml `p2p.rules`), and
// what they carry at most, each channel at the measured p2p.channel_gbps, in GB/s.
// Limits: every transport (EFA's plugin included) gets InfiniBand's rule and channel rate.
[[nodiscard]] double nccl_p2p_channels(const Cluster& cluster, long long ranks,
                                       long long per_domain);
[[nodiscard]] double nccl_p2p_net_gbps(const Cluster& cluster, long long ranks,
                                       long long per_domain);

// The share of the GPU's SMs NCCL's kernel for this collective over `group` occupies while it
// runs (one CTA per channel, each on its own SM): what compute overlapped with it loses. 0 where
// NCCL's tuner does not time the collective.
[[nodiscard]] double nccl_sm_share(const Cluster& cluster, Collective kind, Bytes bytes,
                                   const CommGroup& group);

}  // namespace colossim
