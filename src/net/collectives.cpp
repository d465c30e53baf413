#include "net/collectives.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <unordered_map>

#include "core/registry.hpp"
#include "net/nccl_model.hpp"

namespace colossim {

// The registered algorithms, one line each; each is defined in net/algorithms/<name>.cpp.
// Adding one: its file (and its line in CMakeLists.txt's source list) and one line here.
#define COLOSSIM_COLLECTIVE_ALGORITHMS(X) \
  X(Ring)                                 \
  X(Tree)                                 \
  X(Hierarchical)                         \
  X(Nvls)                                 \
  X(Sharp)                                \
  X(Direct)                               \
  X(Pairwise)                             \
  X(P2p)                                  \
  X(Pat)                                  \
  /* one line per registered model, above this one */

namespace algorithms {
#define COLOSSIM_DECLARE(name) extern const CollectiveAlgorithm k##name;
COLOSSIM_COLLECTIVE_ALGORITHMS(COLOSSIM_DECLARE)
#undef COLOSSIM_DECLARE
}  // namespace algorithms

const std::vector<CollectiveAlgorithm>& collective_algorithms() {
#define COLOSSIM_ENTRY(name) algorithms::k##name,
  static const std::vector<CollectiveAlgorithm> all = {
      COLOSSIM_COLLECTIVE_ALGORITHMS(COLOSSIM_ENTRY)};
#undef COLOSSIM_ENTRY
  return all;
}

std::string collective_algorithm_names() { return joined_names(collective_algorithms()); }

Split split(const Fabric& f, const std::vector<long long>& group) {
  Split s;
  std::unordered_map<int, size_t> index;
  for (long long g : group) {
    auto [it, fresh] = index.emplace(f.domain_of(g), s.domains.size());
    if (fresh) s.domains.emplace_back();
    s.domains[it->second].push_back(g);
  }
  s.per_domain = static_cast<long long>(s.domains.front().size());
  for (const auto& d : s.domains) {
    if (static_cast<long long>(d.size()) != s.per_domain) s.per_domain = 0;
  }
  return s;
}

long long channels_across(const Split& s) {
  if (s.domains.size() < 2) return 1;
  size_t smallest = s.domains.front().size();
  for (const auto& d : s.domains) smallest = std::min(smallest, d.size());
  return static_cast<long long>(smallest);
}

// The c-th members of each domain, for every group and c.
RankGroups across_domains(const FabricNetwork& net, const RankGroups& groups) {
  RankGroups out;
  for (const auto& g : groups) {
    const Split s = split(net.fabric(), g);
    for (long long c = 0; c < s.per_domain; ++c) {
      std::vector<long long> members;
      for (const auto& d : s.domains) members.push_back(d[static_cast<size_t>(c)]);
      out.push_back(std::move(members));
    }
  }
  return out;
}

RankGroups within_domains(const FabricNetwork& net, const RankGroups& groups) {
  RankGroups out;
  for (const auto& g : groups) {
    for (auto& d : split(net.fabric(), g).domains) out.push_back(std::move(d));
  }
  return out;
}

CollectiveSteps across(const FabricNetwork& net, double bytes, const RankGroups& groups) {
  const RankGroups inter = across_domains(net, groups);
  const std::string algo =
      choose_algorithm(net, Collective::all_reduce, Bytes(bytes), inter, false);
  return find_collective_algorithm(algo)->steps(net, Collective::all_reduce, bytes, inter);
}

double tree_allreduce_cost(double d, double s, double b, double a) {
  return 2 * std::ceil(std::log2(d)) * a + (d > 2 ? 2 : 1) * s / b;
}

double across_cost(const CostShape& c, double s) {
  return std::min(ring_allreduce_cost(c.d, s, c.port, c.a_net),
                  tree_allreduce_cost(c.d, s, c.port, c.a_net));
}

const CollectiveAlgorithm* find_collective_algorithm(const std::string& name) {
  return find_named(collective_algorithms(), name);
}

std::optional<Seconds> estimate(const FabricNetwork& net, const std::string& algorithm,
                                Collective kind, Bytes bytes, const RankGroups& groups) {
  const CollectiveAlgorithm* a = find_collective_algorithm(algorithm);
  assert(a != nullptr);
  if (a->unsupported(net, kind, groups)) return std::nullopt;
  const Split s = split(net.fabric(), groups.front());
  CostShape c;
  c.n = group_size(groups);
  c.d = static_cast<double>(s.domains.size());
  c.m = static_cast<double>(std::max(1LL, s.per_domain));
  c.nvl = net.capacity(LinkTier::nvlink);
  c.port = net.capacity(LinkTier::host);
  c.a_nvl = 2 * net.latency(LinkTier::nvlink);
  c.a_net = 4 * net.latency(LinkTier::host);
  c.host_latency = net.latency(LinkTier::host);
  c.S = bytes.value();
  return Seconds(a->estimate(c, kind));
}

std::string choose_algorithm(const FabricNetwork& net, Collective kind, Bytes bytes,
                             const RankGroups& groups, bool nvls) {
  switch (kind) {
    case Collective::all_to_all:
      return "direct";
    case Collective::send_recv:
      return "p2p";
    case Collective::all_gather:
    case Collective::reduce_scatter:
      return "ring";
    case Collective::all_reduce:
      break;
  }
  std::string best = "ring";
  Seconds best_time = *estimate(net, "ring", kind, bytes, groups);
  // NVLS across domains (NCCL's NVLS-tree) carries start-up costs this estimate lacks, so auto
  // offers it inside one domain only.
  const bool one_domain = split(net.fabric(), groups.front()).domains.size() == 1;
  for (const char* name : {"tree", "nvls"}) {
    if (std::string(name) == "nvls" && (!nvls || !one_domain)) continue;
    if (auto t = estimate(net, name, kind, bytes, groups); t && *t < best_time) {
      best = name;
      best_time = *t;
    }
  }
  return best;
}

CollectiveResult run_collective(const FabricNetwork& net, Collective kind, Bytes bytes,
                                const RankGroups& groups, const std::string& algorithm) {
  assert(!groups.empty());
  assert(std::all_of(groups.begin(), groups.end(),
                     [&](const auto& g) { return g.size() == groups.front().size(); }));
  CollectiveResult r;
  r.algorithm = algorithm == "auto" ? choose_algorithm(net, kind, bytes, groups) : algorithm;
  r.time = Seconds(0);
  if (groups.front().size() < 2 || bytes.value() <= 0) return r;
  const CollectiveAlgorithm* a = find_collective_algorithm(r.algorithm);
  assert(a != nullptr && !a->unsupported(net, kind, groups));
  for (const auto& step : a->steps(net, kind, bytes.value(), groups)) {
    CollectiveStepResult s;
    s.time = Seconds(0);
    for (const Phase& p : step) {
      PhaseResult pr = net.run(p);
      r.flows += pr.flows;
      s.time = std::max(s.time, pr.total);
      s.labels.push_back(p.label);
      s.phases.push_back(pr);
    }
    r.time += s.time;
    r.steps.push_back(std::move(s));
  }
  // NCCL's send/recv across NVLink domains moves each peer's bytes on a few channels, whose
  // proxies carry no more than nccl_p2p_net_gbps however fast the links are.
  if (kind == Collective::send_recv && r.algorithm == "p2p") {
    const Split s = split(net.fabric(), groups.front());
    if (s.domains.size() > 1) {
      const auto ranks = static_cast<long long>(groups.front().size());
      const auto per_domain = static_cast<long long>(s.domains.front().size());
      const double cap = nccl_p2p_net_gbps(net.cluster(), ranks, per_domain);
      r.time = std::max(r.time, Seconds(bytes.value() / (cap * 1e9)));
    }
  }
  return r;
}

std::array<TierUse, kLinkTiers> tier_use(const CollectiveResult& r) {
  std::array<TierUse, kLinkTiers> use{};
  std::array<double, kLinkTiers> link_seconds{};
  for (const auto& step : r.steps) {
    for (const auto& p : step.phases) {
      for (size_t t = 0; t < kLinkTiers; ++t) {
        if (p.links_used[t] == 0) continue;
        use[t].links = std::max(use[t].links, p.links_used[t]);
        use[t].bytes += p.bytes[t] * (p.total.value() / std::max(p.time.value(), 1e-300));
        link_seconds[t] += static_cast<double>(p.links_used[t]) * p.capacity[t] * p.total.value();
        if (p.time.value() > 0)
          use[t].peak =
              std::max(use[t].peak, p.busiest_bytes[t] / (p.capacity[t] * p.time.value()));
      }
    }
  }
  for (size_t t = 0; t < kLinkTiers; ++t) {
    if (link_seconds[t] > 0) use[t].mean = use[t].bytes / link_seconds[t];
  }
  return use;
}

FabricNetwork physical_fabric(const Cluster& cluster, const NetworkCalibration& ceilings) {
  Cluster c = cluster;
  c.nic.latency = Seconds(0);
  NetworkCalibration physical = ceilings;
  physical.nvlink_efficiency = 1.0;
  physical.nvlink_latency = Seconds(0);
  return {c, physical};
}

std::optional<CollectiveResult> run_nccl_collective(const FabricNetwork& net, Collective kind,
                                                    Bytes bytes, const RankGroups& groups,
                                                    const std::string& algorithm) {
  static const std::vector<std::string> nccl_algorithms = {"auto", "ring", "tree", "nvls", "pat"};
  if (std::find(nccl_algorithms.begin(), nccl_algorithms.end(), algorithm) == nccl_algorithms.end())
    return std::nullopt;
  const auto ranks = static_cast<long long>(groups.front().size());
  const auto domains = static_cast<long long>(split(net.fabric(), groups.front()).domains.size());
  const auto nccl =
      nccl_choice(net.cluster(), kind, bytes, ranks, domains, algorithm == "auto" ? "" : algorithm);
  if (!nccl) return std::nullopt;
  // The same transfers on the fabric: NVLS-tree is NVLS across domains; a tree inside one
  // domain (a chain) moves what a ring does.
  std::string fabric_algorithm = nccl->algorithm == "nvls-tree" ? "nvls" : nccl->algorithm;
  const CollectiveAlgorithm* a = find_collective_algorithm(fabric_algorithm);
  if (a == nullptr || a->unsupported(net, kind, groups)) fabric_algorithm = "ring";
  // One GPU in each NVLink domain: each NIC carries one GPU's ring at its own ceiling.
  CollectiveResult r = run_collective(domains == ranks ? net.one_per_domain() : net, kind, bytes,
                                      groups, fabric_algorithm);
  if (nccl->algorithm == "nvls-tree") {
    // NCCL pipelines NVLS-tree's stages chunk by chunk on disjoint links (the NVSwitch, then the
    // network, then the NVSwitch): the slowest stage, not their sum, bounds the transfer.
    r.time = Seconds(0);
    for (const auto& step : r.steps) r.time = std::max(r.time, step.time);
  }
  const Seconds nccl_transfer = nccl->time - nccl->latency;
  r.algorithm = nccl->algorithm;
  r.protocol = nccl->protocol;
  r.latency = nccl->latency;
  r.chunk = nccl->chunk;
  r.chunk_efficiency = nccl->chunk_efficiency;
  r.time = nccl->latency + std::max(nccl_transfer, r.time);
  return r;
}

}  // namespace colossim
