#include "net/fabric_network.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace colossim {
namespace {

unsigned long long pair_hash(long long src, long long dst) {
  unsigned long long h = static_cast<unsigned long long>(src) * 0x9E3779B97F4A7C15ULL ^
                         static_cast<unsigned long long>(dst) * 0xC2B2AE3D27D4EB4FULL;
  h ^= h >> 31;
  h *= 0xBF58476D1CE4E5B9ULL;
  return h ^ (h >> 29);
}

}  // namespace

FabricNetwork::FabricNetwork(const Cluster& c, const NetworkCalibration& cal)
    : cluster_(c),
      fabric_(c),
      routing_(parse_routing(c.routing)),
      nvlink_bw_(c.gpu.nvlink_bandwidth.value() * cal.nvlink_efficiency),
      port_bw_(c.nic_bandwidth.value() * cal.network_efficiency),
      port_bw_one_per_domain_(c.nic_bandwidth.value() * cal.network_efficiency_one_per_node),
      port_bw_all_to_all_(c.nic_bandwidth.value() * cal.network_efficiency_all_to_all),
      nvlink_lat_(cal.nvlink_latency.value() / 2),
      hop_lat_(c.nic.latency.value() / 4) {}

double FabricNetwork::capacity(LinkTier tier) const {
  return tier == LinkTier::nvlink ? nvlink_bw_ : port_bw_;
}

double FabricNetwork::latency(LinkTier tier) const {
  return tier == LinkTier::nvlink ? nvlink_lat_ : hop_lat_;
}

FabricNetwork FabricNetwork::with_background(std::vector<Transfer> background) const {
  FabricNetwork copy = *this;
  copy.background_ = std::make_shared<const std::vector<Transfer>>(std::move(background));
  return copy;
}

FabricNetwork FabricNetwork::one_per_domain() const {
  FabricNetwork copy = *this;
  copy.port_bw_ = port_bw_one_per_domain_;
  return copy;
}

FabricNetwork FabricNetwork::for_collective(Collective kind) const {
  FabricNetwork copy = *this;
  if (kind == Collective::all_to_all) copy.port_bw_ = port_bw_all_to_all_;
  return copy;
}

FabricNetwork::Routed FabricNetwork::route(const Phase& phase) const {
  const Fabric& f = fabric_;
  const long long links = f.links();
  Routed routed;
  FlowNetwork& net = routed.net;
  const size_t background = background_ ? background_->size() : 0;
  net.reserve(0, phase.transfers.size() + background, 4 * (phase.transfers.size() + background));
  // Spraying splits every flow evenly over all equal-cost routes, so the uplinks of a leaf (and
  // of a pod) carry equal shares of whatever leaves it: exactly one link of their summed
  // capacity. Sprayed flows take route 0, whose links stand for those bundles.
  const bool spray = routing_ == Routing::spray;
  const double leaf_bundle = spray ? static_cast<double>(f.spines_per_pod()) : 1.0;
  const double pod_bundle =
      leaf_bundle * (spray ? static_cast<double>(f.core_uplinks_per_spine()) : 1.0);
  // Indexed by fabric link, kept per thread from one call to the next and put back as found on
  // leaving: a 100,000-GPU fabric has millions of links, and filling two such arrays for every
  // phase cost more than routing the phase.
  struct Scratch {
    std::vector<int> compact;  // the link's id in `net`, or -1
    std::vector<int> load;     // flows per fabric link so far (adaptive routing)
    std::vector<size_t> touched;
  };
  thread_local Scratch scratch;
  struct Restore {
    Scratch& s;
    explicit Restore(Scratch& scratch) : s(scratch) {}
    Restore(const Restore&) = delete;
    Restore& operator=(const Restore&) = delete;
    ~Restore() {
      for (const size_t l : s.touched) {
        s.compact[l] = -1;
        s.load[l] = 0;
      }
      s.touched.clear();
    }
  } restore(scratch);
  if (scratch.compact.size() < static_cast<size_t>(links)) {
    scratch.compact.resize(static_cast<size_t>(links), -1);
    scratch.load.resize(static_cast<size_t>(links), 0);
  }
  std::vector<int>& compact = scratch.compact;
  std::vector<int>& load = scratch.load;
  auto count_flow = [&](long long l) {
    int& n = load[static_cast<size_t>(l)];
    if (n++ == 0) scratch.touched.push_back(static_cast<size_t>(l));
  };
  std::vector<int> path, best, local;
  // Background transfers come first (persistent flows of infinite size), so that adaptive
  // routing steers the phase's own flows around them as it would around busy queues.
  bool in_background = false;
  auto add = [&](const std::vector<int>& p, double bytes) {
    local.clear();
    double lat = 0, nvlink_lat = 0;
    for (int l : p) {
      int& id = compact[static_cast<size_t>(l)];
      const LinkTier t = f.tier(l);
      if (id < 0) {
        scratch.touched.push_back(static_cast<size_t>(l));
        const double bundle = t == LinkTier::leaf_spine   ? leaf_bundle
                              : t == LinkTier::spine_core ? pod_bundle
                                                          : 1.0;
        id = net.add_link(BytesPerSecond(capacity(t) * bundle), Seconds(latency(t)));
        routed.fabric_link.push_back(l);
        routed.carried.push_back(0);
        routed.shared.push_back(0);
      }
      if (in_background) {
        routed.shared[static_cast<size_t>(id)] = 1;
      } else {
        routed.carried[static_cast<size_t>(id)] += bytes;
      }
      (t == LinkTier::nvlink ? nvlink_lat : lat) += latency(t);
      local.push_back(id);
    }
    // The NIC-to-NIC latency is measured GPU to GPU, the NVLink hop of PXN included.
    if (lat == 0) lat = nvlink_lat;
    if (in_background) {
      net.add_flow(local, Bytes(std::numeric_limits<double>::infinity()), Seconds(0), Seconds(0));
      ++routed.background_flows;
      return;
    }
    net.add_flow(local, Bytes(bytes), Seconds(0), Seconds(lat));
    routed.longest = std::max(routed.longest, lat);
  };
  std::vector<const Transfer*> order;
  order.reserve(phase.transfers.size() + background);
  if (background > 0) {
    for (const Transfer& x : *background_) order.push_back(&x);
  }
  for (const Transfer& x : phase.transfers) order.push_back(&x);
  for (size_t i = 0; i < order.size(); ++i) {
    const Transfer& x = *order[i];
    in_background = i < background;
    if (x.bytes <= 0) continue;
    path.clear();
    if (x.via == Transfer::Via::to_nvswitch) {
      path.push_back(static_cast<int>(x.src));
      add(path, x.bytes);
      continue;
    }
    if (x.via == Transfer::Via::from_nvswitch) {
      path.push_back(static_cast<int>(f.gpus() + x.dst));
      add(path, x.bytes);
      continue;
    }
    if (x.via == Transfer::Via::link) {
      path.push_back(static_cast<int>(x.src));
      add(path, x.bytes);
      continue;
    }
    if (x.src == x.dst) continue;
    const long long n = f.choices(x.src, x.dst);
    // On rail planes the hash sees the node pair, so every plane collides alike (see the
    // header); where a node's NICs share a leaf, each NIC's flow hashes on its own.
    const unsigned long long h = f.rail_optimized() ? pair_hash(f.node_of(x.src), f.node_of(x.dst))
                                                    : pair_hash(x.src, x.dst);
    if (n == 1 || routing_ != Routing::adaptive) {
      long long choice = static_cast<long long>(h % static_cast<unsigned long long>(n));
      if (spray) choice = 0;
      if (routing_ == Routing::dmodk) choice = f.destination_choice(x.dst) % n;
      f.path(x.src, x.dst, choice, path);
      add(path, x.bytes);
      continue;
    }
    // Adaptive: one candidate per spine; across pods each takes a hash-spread core uplink.
    const long long u1 = f.spines_per_pod();
    const long long u2 = std::max(1LL, n / u1);
    const unsigned long long h2 = pair_hash(h, 0x5bd1e995);  // independent of h's spine choice
    auto candidate = [&](long long j) {
      return j + u1 * static_cast<long long>((h2 + static_cast<unsigned long long>(j)) %
                                             static_cast<unsigned long long>(u2));
    };
    const Fabric::UpRoute up = f.up_route(x.src, x.dst);
    auto load_of = [&](long long j) {
      const long long c = candidate(j), u = c / u1;
      int worst = std::max(load[static_cast<size_t>(up.leaf_up + j)],
                           load[static_cast<size_t>(up.leaf_down + j)]);
      if (up.tiers_up == 2) {
        worst = std::max({worst, load[static_cast<size_t>(up.spine_up + j * u2 + u)],
                          load[static_cast<size_t>(up.spine_down + j * u2 + u)]});
      }
      return worst;
    };
    int best_load = -1;
    long long best_j = 0;
    for (long long k = 0; k < u1; ++k) {
      const long long j =
          (static_cast<long long>(h % static_cast<unsigned long long>(u1)) + k) % u1;
      const int worst = load_of(j);
      if (best_load < 0 || worst < best_load) {
        best_load = worst;
        best_j = j;
        if (worst == 0) break;
      }
    }
    const long long best_choice = candidate(best_j);
    count_flow(up.leaf_up + best_j);
    count_flow(up.leaf_down + best_j);
    if (up.tiers_up == 2) {
      count_flow(up.spine_up + best_j * u2 + best_choice / u1);
      count_flow(up.spine_down + best_j * u2 + best_choice / u1);
    }
    best.clear();
    f.path(x.src, x.dst, best_choice, best);
    add(best, x.bytes);
  }
  return routed;
}

PhaseResult FabricNetwork::run(const Phase& phase) const {
  Routed routed = route(phase);
  PhaseResult r;
  r.flows = static_cast<long long>(routed.net.flows()) - routed.background_flows;
  double end = 0;
  for (const Seconds& t : routed.net.run()) {
    if (std::isfinite(t.value())) end = std::max(end, t.value());  // not the background's
  }
  r.stats = routed.net.stats();
  r.time = Seconds(end + phase.extra_hops * routed.longest);
  r.total = r.time * phase.repeat;
  for (size_t l = 0; l < routed.carried.size(); ++l) {
    if (routed.carried[l] <= 0) continue;  // the background's alone
    const LinkTier tier = fabric_.tier(routed.fabric_link[l]);
    const auto t = static_cast<size_t>(tier);
    // A sprayed bundle stands for its uplinks, each carrying an equal share.
    const double bundle = std::max(1.0, std::round(routed.net.capacity(l) / capacity(tier)));
    r.bytes[t] += routed.carried[l];
    r.links_used[t] += static_cast<long long>(bundle);
    r.busiest_bytes[t] = std::max(r.busiest_bytes[t], routed.carried[l] / bundle);
    if (routed.shared[l] != 0) {
      ++r.shared_links[t];
      r.shared_drain[t] = std::max(r.shared_drain[t], routed.carried[l] / routed.net.capacity(l));
    }
  }
  for (size_t t = 0; t < kLinkTiers; ++t) r.capacity[t] = capacity(static_cast<LinkTier>(t));
  return r;
}

}  // namespace colossim
