// How evenly a mixture-of-experts router spreads tokens over the expert-parallel ranks: the
// slowest rank's load over the mean, which paces every MoE layer (its expert GEMMs, and the
// dispatch and combine all-to-alls it receives and sends).
//
// Model. T tokens per rank each pick k of E experts; a rank holds g = E / EP of them. Its load
// is a sum of hypergeometric draws: mean mu = T k, relative variance c / mu with
// c = (1 - 1/EP) (E - k) / (E - 1). A trained router also prefers some experts: per-expert
// popularity with relative spread s over the whole corpus (persistent), and, where the router
// has specialised by domain, a spread s_seq within one sequence that independent sequences
// average out: a dispatch of n sequences sees s^2 + s_seq^2 / n, which a rank of g experts
// averages to (1 - 1/EP) / g of it. The slowest of EP ranks sits Z_EP standard deviations
// above the mean (Z_n: the expected maximum of n standard normals):
//     R = 1 + Z_EP sqrt(c / mu + (s^2 + s_seq^2 / n) (1 - 1/EP) / g),
// capped by the capacity factor when tokens beyond it are dropped (or padded to it).
//
// s and s_seq per balancing method (data/routing.yaml). A micro-batch auxiliary loss balances
// every sequence, so its router keeps only a corpus-wide skew: Wang et al. 2024,
// "Auxiliary-Loss-Free Load Balancing Strategy for Mixture-of-Experts" (arXiv 2408.15664),
// Table 2: MaxVio_global (max expert load / mean - 1, 64 experts top-6) 0.52 with an auxiliary
// loss and 0.04 with bias balancing on the 3B model, so s = MaxVio / Z_64. A global-batch loss
// (Qwen3's; Qiu et al. 2025, arXiv 2501.11873) or bias balancing (DeepSeek-V3's) balances only
// the batch and lets the experts specialise by domain: s_seq from forced-versus-dropless
// throughput of Qwen3-235B-A22B.
// "forced" is Megatron-Core's moe_router_force_load_balancing (benchmarks): every rank gets the
// mean.
#pragma once

#include <string>
#include <vector>

#include "core/statistics.hpp"
#include "workload/model.hpp"

namespace colossim {

struct Balancing {
  std::string name;
  double skew = 0;           // s: relative spread of the experts' popularity over the corpus
  double sequence_skew = 0;  // s_seq: its spread within one sequence, beyond the corpus's
  bool forced = false;
  std::string source;
};

// The registered methods (data/routing.yaml), and one by name (nullptr if unknown).
[[nodiscard]] const std::vector<Balancing>& balancing_methods();
[[nodiscard]] const Balancing* find_balancing(const std::string& name);

// A node-deduplicating dispatcher (DeepEP's internode kernels; Megatron-Core's flex dispatcher)
// sends a token over the network once per destination node, then forwards it to that node's
// experts over NVLink; a plain all-to-all sends every routed copy. With the EP group's experts
// spread evenly over `nodes` NVLink domains, the share of the plain all-to-all's network bytes
// it sends: nodes (1 - P0) / k, P0 = C(E - E/nodes, k) / C(E, k) the chance a token picks no
// expert on a given node, capped by node-limited routing (moe.node_limit) at node_limit / k
// times nodes / (nodes - 1) of the remote copies. 1 within one node or without MoE.
[[nodiscard]] double deduplicated_network_share(const Model& model, long long nodes);
// Inside one NVLink domain the same dispatcher sends a token once to each rank holding any of
// its experts (DeepEP's intranode kernels: get_dispatch_layout's is_token_in_rank), which
// expands it to those experts: the share of the plain all-to-all's bytes, the formula above
// over `ranks` EP ranks (no node limit). 1 for one rank or without MoE.
[[nodiscard]] double deduplicated_rank_share(const Model& model, long long ranks);

// The slowest expert-parallel rank's routed tokens over the mean, for `tokens_per_rank` tokens
// dispatched by each of `ep` ranks, drawn from `sequences` independent sequences (at least 1:
// ranks splitting one sequence by tensor or context parallelism share it); 1 when ep <= 1 or
// the model is dense.
[[nodiscard]] double slowest_rank_load(const Model& model, double tokens_per_rank, long long ep,
                                       double sequences = 1);

}  // namespace colossim
