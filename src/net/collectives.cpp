#include "net/collectives.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <set>
#include <unordered_map>

namespace colossim {
namespace {

// A group's members by NVLink domain, domains in order of first appearance.
struct Split {
  std::vector<std::vector<long long>> domains;
  long long per_domain = 0;  // members per domain when every domain holds as many; else 0
};

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

double group_size(const RankGroups& groups) { return static_cast<double>(groups.front().size()); }

// --- ring -----------------------------------------------------------------------------------

CollectiveSteps ring(const FabricNetwork& net, Collective kind, double bytes,
                     const RankGroups& groups) {
  const double n = group_size(groups);
  Phase p;
  p.label = "ring step";
  p.repeat = kind == Collective::all_reduce ? 2 * (n - 1) : n - 1;
  for (const auto& g : groups) {
    const Split s = split(net.fabric(), g);
    const long long m = s.per_domain;
    const bool channelled = s.domains.size() > 1 && m > 1;
    const long long channels = channelled ? m : 1;
    std::vector<long long> order;
    for (long long c = 0; c < channels; ++c) {
      order.clear();
      if (channelled) {
        for (const auto& d : s.domains) {
          for (long long i = 0; i < m; ++i) order.push_back(d[static_cast<size_t>((c + i) % m)]);
        }
      } else {
        order = g;
      }
      const double chunk = bytes / (n * static_cast<double>(channels));
      for (size_t i = 0; i < order.size(); ++i)
        p.transfers.push_back({order[i], order[(i + 1) % order.size()], chunk});
    }
  }
  return {{std::move(p)}};
}

std::optional<std::string> ring_unsupported(const FabricNetwork&, Collective kind,
                                            const RankGroups&) {
  if (kind == Collective::all_reduce || kind == Collective::all_gather ||
      kind == Collective::reduce_scatter)
    return std::nullopt;
  return "ring runs all-reduce, all-gather and reduce-scatter";
}

// --- double binary tree ------------------------------------------------------------------------

int depth_of(size_t domains) {
  return std::max(1, static_cast<int>(std::ceil(std::log2(static_cast<double>(domains)))));
}

CollectiveSteps tree(const FabricNetwork& net, Collective, double bytes, const RankGroups& groups) {
  Phase intra, inter;
  intra.label = "tree: chain inside each domain";
  inter.label = "tree: two binary trees across domains";
  int depth = 1;
  for (const auto& g : groups) {
    const Split s = split(net.fabric(), g);
    const size_t d = s.domains.size();
    depth = std::max(depth, depth_of(d));
    const long long channels = std::max(1LL, s.per_domain);
    const double chunk = bytes / static_cast<double>(channels);
    for (long long c = 0; c < channels; ++c) {
      std::vector<long long> leader(d);
      for (size_t i = 0; i < d; ++i) {
        const auto& dom = s.domains[i];
        const auto m = static_cast<long long>(dom.size());
        leader[i] = dom[static_cast<size_t>(c % m)];
        // Chain to the leader: reduce flows towards it, broadcast flows back.
        for (long long k = 1; k < m; ++k) {
          const long long a = dom[static_cast<size_t>((c + k) % m)];
          const long long b = dom[static_cast<size_t>((c + k + 1) % m)];
          intra.transfers.push_back({a, b, chunk});
          intra.transfers.push_back({b, a, chunk});
        }
      }
      for (size_t i = 1; i < d; ++i) {
        const size_t parent_a = (i - 1) / 2;
        const size_t mirrored = d - 1 - i;  // tree B: tree A over the domains in reverse order
        const size_t child_b = mirrored, parent_b = d - 1 - parent_a;
        for (auto [child, parent] : {std::pair{i, parent_a}, std::pair{child_b, parent_b}}) {
          inter.transfers.push_back({leader[child], leader[parent], chunk / 2});
          inter.transfers.push_back({leader[parent], leader[child], chunk / 2});
        }
      }
    }
  }
  inter.extra_hops = 2 * depth - 1;
  CollectiveSteps steps(1);
  if (!intra.transfers.empty()) steps[0].push_back(std::move(intra));
  steps[0].push_back(std::move(inter));
  return steps;
}

std::optional<std::string> tree_unsupported(const FabricNetwork& net, Collective kind,
                                            const RankGroups& groups) {
  if (kind != Collective::all_reduce) return "tree runs all-reduce only";
  if (split(net.fabric(), groups.front()).domains.size() < 2)
    return "tree needs a group spanning two or more NVLink domains";
  return std::nullopt;
}

// --- hierarchical and NVLS: inside the domain, then across ---------------------------------------

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

CollectiveSteps hierarchical(const FabricNetwork& net, Collective, double bytes,
                             const RankGroups& groups) {
  const RankGroups intra = within_domains(net, groups);
  const double m = group_size(intra);
  CollectiveSteps steps = ring(net, Collective::reduce_scatter, bytes, intra);
  for (auto& s : across(net, bytes / m, groups)) steps.push_back(std::move(s));
  for (auto& s : ring(net, Collective::all_gather, bytes, intra)) steps.push_back(std::move(s));
  return steps;
}

std::optional<std::string> hierarchical_unsupported(const FabricNetwork& net, Collective kind,
                                                    const RankGroups& groups) {
  if (kind != Collective::all_reduce) return "hierarchical runs all-reduce only";
  const Split s = split(net.fabric(), groups.front());
  if (s.domains.size() < 2 || s.per_domain < 2)
    return "hierarchical needs two or more NVLink domains with the same number (>= 2) of members "
           "in each";
  return std::nullopt;
}

// The NVSwitch reduces what every member sends up and multicasts `down` bytes to each.
Phase nvswitch(const RankGroups& intra, double up, double down, std::string label) {
  Phase p;
  p.label = std::move(label);
  p.extra_hops = 1;  // up, then the reduced data back down
  for (const auto& d : intra) {
    for (long long g : d) {
      p.transfers.push_back({g, g, up, Transfer::Via::to_nvswitch});
      p.transfers.push_back({g, g, down, Transfer::Via::from_nvswitch});
    }
  }
  return p;
}

CollectiveSteps nvls(const FabricNetwork& net, Collective, double bytes, const RankGroups& groups) {
  const RankGroups intra = within_domains(net, groups);
  if (intra.size() == groups.size())
    return {{nvswitch(intra, bytes, bytes, "nvls: reduce and multicast in the NVSwitch")}};
  const double m = group_size(intra);
  CollectiveSteps steps = {{nvswitch(intra, bytes, bytes / m, "nvls: reduce-scatter")}};
  for (auto& s : across(net, bytes / m, groups)) steps.push_back(std::move(s));
  steps.push_back({nvswitch(intra, bytes / m, bytes, "nvls: all-gather")});
  return steps;
}

std::optional<std::string> nvls_unsupported(const FabricNetwork& net, Collective kind,
                                            const RankGroups& groups) {
  if (kind != Collective::all_reduce) return "nvls runs all-reduce only";
  const std::string& arch = net.cluster().gpu.architecture;
  if (arch != "hopper" && arch != "blackwell")
    return "NVLink SHARP needs Hopper or later NVSwitches (this GPU is " + arch + ")";
  const Split s = split(net.fabric(), groups.front());
  if (s.per_domain < 2) return "nvls needs two or more members in each NVLink domain";
  return std::nullopt;
}

// --- in-network reduction in the scale-out switches (InfiniBand SHARP) -------------------------

// Every member's stream climbs to the lowest switch tier that covers its group, reduced at each
// switch on the way (so each uplink of the aggregation tree carries it once), and the result is
// multicast back down the same links: S per link per direction, pipelined.
Phase switch_tree(const FabricNetwork& net, double bytes, const RankGroups& groups) {
  const Fabric& f = net.fabric();
  Phase p;
  p.label = "sharp: reduce up the switches, multicast down";
  int levels = 0;
  for (const auto& g : groups) {
    std::set<long long> leaves, pods;
    for (long long m : g) leaves.insert(f.leaf_of(m));
    for (long long leaf : leaves) pods.insert(f.pod_of_leaf(leaf));
    const auto h = static_cast<long long>(std::hash<long long>{}(g.front()) >> 3);
    const long long j = leaves.size() > 1 ? h % f.spines_per_pod() : 0;
    const long long u = pods.size() > 1 ? (h / f.spines_per_pod()) % f.core_uplinks_per_spine() : 0;
    auto link = [&](int id) { p.transfers.push_back({id, id, bytes, Transfer::Via::link}); };
    for (long long m : g) {
      link(f.nic_uplink(m));
      link(f.nic_downlink(m));
    }
    if (leaves.size() > 1) {
      for (long long leaf : leaves) {
        link(f.leaf_uplink(leaf, j));
        link(f.leaf_downlink(leaf, j));
      }
    }
    if (pods.size() > 1) {
      for (long long pod : pods) {
        link(f.spine_uplink(pod, j, u));
        link(f.spine_downlink(pod, j, u));
      }
    }
    levels = std::max(levels, pods.size() > 1 ? 2 : leaves.size() > 1 ? 1 : 0);
  }
  p.extra_hops = 2 * (levels + 1) - 1;  // the first chunk climbs and comes back down
  return p;
}

CollectiveSteps sharp(const FabricNetwork& net, Collective, double bytes,
                      const RankGroups& groups) {
  const RankGroups intra = within_domains(net, groups);
  if (intra.front().size() == 1) return {{switch_tree(net, bytes, groups)}};
  // NCCL's CollNet pipelines the three stages chunk by chunk, so they run at once: the domains'
  // reduce-scatter and all-gather (a ring all-reduce's NVLink traffic) beside the switch tree.
  const double m = group_size(intra);
  CollectiveSteps steps = ring(net, Collective::all_reduce, bytes, intra);
  steps.front().front().label = "sharp: reduce-scatter and all-gather inside the domains";
  steps.front().push_back(switch_tree(net, bytes / m, across_domains(net, groups)));
  return steps;
}

std::optional<std::string> sharp_unsupported(const FabricNetwork& net, Collective kind,
                                             const RankGroups& groups) {
  if (kind != Collective::all_reduce) return "sharp runs all-reduce only";
  const std::string& fabric = net.cluster().nic.fabric;
  if (fabric.rfind("infiniband", 0) != 0)
    return "in-network reduction needs InfiniBand SHARP switches (this fabric is " + fabric + ")";
  const Split s = split(net.fabric(), groups.front());
  if (s.domains.size() < 2 || s.per_domain == 0)
    return "sharp needs a group spanning two or more NVLink domains with as many members in each";
  const RankGroups inter = s.per_domain > 1 ? across_domains(net, groups) : groups;
  for (const auto& g : inter) {
    const long long plane =
        net.fabric().leaf_of(g.front()) / std::max(1LL, net.fabric().leaves_per_plane());
    for (long long m : g) {
      if (net.fabric().leaf_of(m) / std::max(1LL, net.fabric().leaves_per_plane()) != plane)
        return "sharp needs each aggregation tree inside one rail plane";
    }
  }
  return std::nullopt;
}

// --- all-to-all and point to point ---------------------------------------------------------------

CollectiveSteps direct(const FabricNetwork&, Collective, double bytes, const RankGroups& groups) {
  const double n = group_size(groups);
  Phase p;
  p.label = "all-to-all: every pair at once";
  p.transfers.reserve(groups.size() * groups.front().size() * groups.front().size());
  for (const auto& g : groups) {
    for (long long a : g) {
      for (long long b : g) {
        if (a != b) p.transfers.push_back({a, b, bytes / n});
      }
    }
  }
  return {{std::move(p)}};
}

CollectiveSteps pairwise(const FabricNetwork&, Collective, double bytes, const RankGroups& groups) {
  const size_t n = groups.front().size();
  CollectiveSteps steps;
  for (size_t k = 1; k < n; ++k) {
    Phase p;
    p.label = "all-to-all round";
    for (const auto& g : groups) {
      for (size_t i = 0; i < n; ++i)
        p.transfers.push_back({g[i], g[(i + k) % n], bytes / static_cast<double>(n)});
    }
    steps.push_back({std::move(p)});
  }
  return steps;
}

std::optional<std::string> all_to_all_unsupported(const FabricNetwork&, Collective kind,
                                                  const RankGroups&) {
  if (kind == Collective::all_to_all) return std::nullopt;
  return "direct and pairwise run all-to-all only";
}

CollectiveSteps p2p(const FabricNetwork&, Collective, double bytes, const RankGroups& groups) {
  Phase p;
  p.label = "send/recv to the next member";
  for (const auto& g : groups) {
    for (size_t i = 0; i + 1 < g.size(); ++i) p.transfers.push_back({g[i], g[i + 1], bytes});
  }
  return {{std::move(p)}};
}

std::optional<std::string> p2p_unsupported(const FabricNetwork&, Collective kind,
                                           const RankGroups&) {
  if (kind == Collective::send_recv) return std::nullopt;
  return "p2p runs send/recv only";
}

}  // namespace

std::string to_string(Collective kind) {
  switch (kind) {
    case Collective::all_reduce:
      return "all-reduce";
    case Collective::all_gather:
      return "all-gather";
    case Collective::reduce_scatter:
      return "reduce-scatter";
    case Collective::all_to_all:
      return "all-to-all";
    case Collective::send_recv:
      return "send-recv";
  }
  return "?";
}

const std::vector<CollectiveAlgorithm>& collective_algorithms() {
  // Adding an algorithm: its two functions above and one line here.
  static const std::vector<CollectiveAlgorithm> all = {
      {"ring", "NCCL ring, one channel per member of a domain", &ring_unsupported, &ring},
      {"tree", "NCCL double binary tree across domains, chains inside", &tree_unsupported, &tree},
      {"hierarchical", "reduce-scatter inside domains, all-reduce across, all-gather inside",
       &hierarchical_unsupported, &hierarchical},
      {"nvls", "NVLink SHARP: the NVSwitch reduces and multicasts", &nvls_unsupported, &nvls},
      {"sharp", "InfiniBand SHARP: the scale-out switches reduce and multicast", &sharp_unsupported,
       &sharp},
      {"direct", "all-to-all, every pair at once", &all_to_all_unsupported, &direct},
      {"pairwise", "all-to-all in n-1 rounds of one peer each", &all_to_all_unsupported, &pairwise},
      {"p2p", "send/recv between consecutive members", &p2p_unsupported, &p2p},
  };
  return all;
}

const CollectiveAlgorithm* find_collective_algorithm(const std::string& name) {
  for (const auto& a : collective_algorithms()) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

std::optional<Seconds> estimate(const FabricNetwork& net, const std::string& algorithm,
                                Collective kind, Bytes bytes, const RankGroups& groups) {
  const CollectiveAlgorithm* a = find_collective_algorithm(algorithm);
  assert(a != nullptr);
  if (a->unsupported(net, kind, groups)) return std::nullopt;
  const Split s = split(net.fabric(), groups.front());
  const double n = group_size(groups), d = static_cast<double>(s.domains.size());
  const double m = static_cast<double>(std::max(1LL, s.per_domain));
  const double nvl = net.capacity(LinkTier::nvlink), port = net.capacity(LinkTier::host);
  const double a_nvl = 2 * net.latency(LinkTier::nvlink), a_net = 4 * net.latency(LinkTier::host);
  const double bw = d > 1 ? std::min(nvl, m * port) : nvl;
  const double alpha = d > 1 ? a_net : a_nvl;
  const double S = bytes.value();
  auto ring_ar = [](double n_, double s_, double b_, double a_) {
    return 2 * (n_ - 1) * a_ + 2 * (n_ - 1) / n_ * s_ / b_;
  };
  // A leader with children sends S (reduce up, broadcast down); between two domains no leader
  // has two children, so each sends S/2 per direction... S in all.
  auto tree_ar = [](double d_, double s_, double b_, double a_) {
    return 2 * std::ceil(std::log2(d_)) * a_ + (d_ > 2 ? 2 : 1) * s_ / b_;
  };
  auto inter = [&](double s_) {
    return std::min(ring_ar(d, s_, port, a_net), tree_ar(d, s_, port, a_net));
  };
  double t = 0;
  if (algorithm == "ring") {
    t = kind == Collective::all_reduce ? ring_ar(n, S, bw, alpha)
                                       : (n - 1) * alpha + (n - 1) / n * S / bw;
  } else if (algorithm == "tree") {
    t = tree_ar(d, S, bw, a_net) + 2 * (m - 1) * a_nvl;
  } else if (algorithm == "hierarchical") {
    t = 2 * ((m - 1) * a_nvl + (m - 1) / m * S / nvl) + inter(S / m);
  } else if (algorithm == "nvls") {
    t = d > 1 ? 2 * (a_nvl + S / nvl) + inter(S / m) : a_nvl + S / nvl;
  } else if (algorithm == "sharp") {
    const double intra = m > 1 ? 2 * ((m - 1) * a_nvl + (m - 1) / m * S / nvl) : 0;
    t = std::max(intra, 6 * net.latency(LinkTier::host) + S / m / port);
  } else if (algorithm == "direct" || algorithm == "pairwise") {
    const double rounds = algorithm == "direct" ? 1 : n - 1;
    t = rounds * alpha + std::max((m - 1) / n * S / nvl, (n - m) / n * S / port);
  } else {
    t = alpha + S / (d > 1 ? port : nvl);
  }
  return Seconds(t);
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

}  // namespace colossim
