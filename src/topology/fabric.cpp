#include "topology/fabric.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

#include "core/registry.hpp"

namespace colossim {
namespace {

long long ceil_div(long long a, long long b) { return (a + b - 1) / b; }
long long ceil_ratio(long long a, double over) {
  return std::max(1LL, static_cast<long long>(std::ceil(static_cast<double>(a) / over - 1e-9)));
}

// The shape both fabric_problem and Fabric derive from the cluster.
struct Shape {
  bool rail = true;
  int planes = 1;
  long long hosts = 0;   // per leaf
  long long leaves = 0;  // per plane
  int tiers = 1;
  long long leaves_per_pod = 1, pods = 1, u1 = 0, u2 = 0, cores = 0;
  long long radix = 0;
};

Shape shape_of(const Cluster& c) {
  Shape s;
  s.radix = c.radix();
  const FabricGenerator* generator = find_fabric_generator(c.topology);
  assert(generator != nullptr);
  s.rail = generator->rail_planes;
  s.planes = s.rail ? c.gpus_per_node : 1;
  s.hosts = c.hosts_per_leaf > 0 ? c.hosts_per_leaf : std::max(1LL, s.radix / 2);
  // Host ports per plane (a cluster smaller than a node is one partial node).
  const long long units = s.rail ? ceil_div(c.gpus, c.gpus_per_node) : c.gpus;
  s.leaves = ceil_div(units, s.hosts);
  long long pod_leaves = 0;
  if (c.pod_gpus > 0) {
    pod_leaves = std::max(1LL, c.pod_gpus / (s.hosts * (s.rail ? c.gpus_per_node : 1)));
  }
  if (s.leaves <= 1) {
    s.tiers = 1;
    s.leaves_per_pod = s.leaves;
  } else if (pod_leaves > 0 ? pod_leaves >= s.leaves : s.leaves <= s.radix) {
    s.tiers = 2;
    s.leaves_per_pod = s.leaves;
    s.u1 = ceil_ratio(s.hosts, c.oversubscription);
  } else {
    s.tiers = 3;
    s.leaves_per_pod = pod_leaves > 0 ? pod_leaves : std::max(1LL, s.radix / 2);
    s.pods = ceil_div(s.leaves, s.leaves_per_pod);
    s.u1 = ceil_ratio(s.hosts, c.leaf_oversubscription);
    s.u2 = ceil_ratio(s.leaves_per_pod, c.oversubscription);
    s.cores = ceil_div(s.pods * s.u2, s.radix);
  }
  return s;
}

}  // namespace

long long fabric_pod_gpus(const Cluster& cluster) {
  const Shape s = shape_of(cluster);
  if (s.tiers < 3) return cluster.gpus;
  return s.leaves_per_pod * s.hosts * (s.rail ? cluster.gpus_per_node : 1);
}

// The registered generators, one line each; each is defined in topology/generators/<name>.cpp.
// Adding one: its file (and its line in CMakeLists.txt's source list) and one line here.
#define COLOSSIM_FABRIC_GENERATORS(X) \
  X(RailOptimized)                    \
  X(FatTree)                          \
  X(Clos)                             \
  /* one line per registered model, above this one */

namespace generators {
#define COLOSSIM_DECLARE(name) extern const FabricGenerator k##name;
COLOSSIM_FABRIC_GENERATORS(COLOSSIM_DECLARE)
#undef COLOSSIM_DECLARE
}  // namespace generators

const std::vector<FabricGenerator>& fabric_generators() {
#define COLOSSIM_ENTRY(name) generators::k##name,
  static const std::vector<FabricGenerator> all = {COLOSSIM_FABRIC_GENERATORS(COLOSSIM_ENTRY)};
#undef COLOSSIM_ENTRY
  return all;
}

const FabricGenerator* find_fabric_generator(const std::string& name) {
  return find_named(fabric_generators(), name);
}

const std::vector<std::string>& routing_names() {
  static const std::vector<std::string> names = {"ecmp", "dmodk", "adaptive", "spray"};
  return names;
}

Routing parse_routing(const std::string& name) {
  const auto& names = routing_names();
  const auto it = std::find(names.begin(), names.end(), name);
  assert(it != names.end());
  return static_cast<Routing>(it - names.begin());
}

std::optional<FabricProblem> fabric_problem(const Cluster& c) {
  const auto& routes = routing_names();
  if (std::find(routes.begin(), routes.end(), c.routing) == routes.end())
    return FabricProblem{"network.routing", "expected one of: " + joined_strings(routes)};
  if (find_fabric_generator(c.topology) == nullptr)
    return FabricProblem{"network.topology",
                         "expected one of: " + joined_names(fabric_generators())};
  if (c.gpus > c.gpus_per_node && c.gpus % c.gpus_per_node != 0)
    return FabricProblem{"gpus", "expected a multiple of gpus_per_node (whole nodes)"};
  const Shape s = shape_of(c);
  if (s.radix < 2) return FabricProblem{"network.switch_radix", "expected at least 2 ports"};
  if (s.hosts + s.u1 > s.radix && c.hosts_per_leaf > 0) {
    return FabricProblem{"network.hosts_per_leaf", "expected at most " +
                                                       std::to_string(s.radix - s.u1) +
                                                       " (the leaf's radix less its uplinks)"};
  }
  if (auto problem = find_fabric_generator(c.topology)->problem(c)) return problem;
  if (s.tiers == 3 && s.pods > s.radix) {
    return FabricProblem{
        "network.switch_radix",
        "the fabric needs " + std::to_string(s.pods) + " pods under one core layer but a " +
            std::to_string(s.radix) +
            "-port core switch reaches at most that many; four tiers are not modelled (raise "
            "switch_radix, hosts_per_leaf or pod_gpus)"};
  }
  return std::nullopt;
}

Fabric::Fabric(const Cluster& c)
    : gpus_(c.gpus),
      per_node_(c.gpus_per_node),
      domain_(std::max(c.nvlink_domain, c.gpus_per_node)),
      port_rate_(c.nic_bandwidth.value()) {
  assert(!fabric_problem(c));
  const Shape s = shape_of(c);
  rail_ = s.rail;
  planes_ = s.planes;
  hosts_ = s.hosts;
  leaves_per_plane_ = s.leaves;
  tiers_ = s.tiers;
  leaves_per_pod_ = s.leaves_per_pod;
  pods_ = s.pods;
  u1_ = s.u1;
  u2_ = s.u2;
  cores_per_group_ = s.cores;
  const long long leaves = planes_ * leaves_per_plane_;
  const long long leaf_uplinks = leaves * u1_;
  const long long spines = planes_ * pods_ * u1_;
  const long long spine_uplinks = spines * u2_;
  leaf_up_ = 4 * gpus_;
  leaf_down_ = leaf_up_ + leaf_uplinks;
  spine_up_ = leaf_down_ + leaf_uplinks;
  spine_down_ = spine_up_ + spine_uplinks;
  links_ = spine_down_ + spine_uplinks;

  // Leaves hold their hosts and uplinks; the logical spines and cores above are packed onto
  // radix-port switches (a pod smaller than the radix shares spines, as small clusters do).
  const long long k = s.radix;
  counts_.push_back({"leaf", leaves, gpus_ + leaf_uplinks, leaf_uplinks,
                     static_cast<double>(leaf_uplinks) * port_rate_ / 2});
  if (tiers_ >= 2) {
    const long long ports = leaf_uplinks + spine_uplinks;
    counts_.push_back({"spine", ceil_div(ports, k), ports, spine_uplinks,
                       static_cast<double>(spine_uplinks) * port_rate_ / 2});
  }
  if (tiers_ == 3) {
    counts_.push_back({"core",
                       std::max(planes_ * u1_ * cores_per_group_, ceil_div(spine_uplinks, k)),
                       spine_uplinks, 0, 0});
  }
}

long long Fabric::switch_links() const {
  long long n = 0;
  for (const auto& t : counts_) n += t.uplinks;
  return n;
}

LinkTier Fabric::tier(long long link) const {
  assert(link >= 0 && link < links_);
  if (link < 2 * gpus_) return LinkTier::nvlink;
  if (link < leaf_up_) return LinkTier::host;
  if (link < spine_up_) return LinkTier::leaf_spine;
  return LinkTier::spine_core;
}

long long Fabric::leaf_of(long long g) const {
  if (!rail_) return g / hosts_;
  const long long node = g / per_node_;
  return (g % per_node_) * leaves_per_plane_ + node / hosts_;
}

long long Fabric::pod_of_leaf(long long leaf) const {
  const long long plane = leaf / leaves_per_plane_;
  return plane * pods_ + (leaf % leaves_per_plane_) / leaves_per_pod_;
}

long long Fabric::choices(long long src, long long dst) const {
  if (src / domain_ == dst / domain_) return 1;
  if (rail_ && src % per_node_ != dst % per_node_) src = src - src % per_node_ + dst % per_node_;
  const long long a = leaf_of(src), b = leaf_of(dst);
  if (a == b) return 1;
  return pod_of_leaf(a) == pod_of_leaf(b) ? u1_ : u1_ * u2_;
}

void Fabric::path(long long src, long long dst, long long choice, std::vector<int>& out) const {
  assert(src != dst && choice >= 0 && choice < choices(src, dst));
  if (src / domain_ == dst / domain_) {
    out.push_back(static_cast<int>(src));
    out.push_back(static_cast<int>(gpus_ + dst));
    return;
  }
  if (rail_ && src % per_node_ != dst % per_node_) {
    // NCCL's PXN: over NVLink to the GPU of the source's node that sits on the destination's rail.
    const long long proxy = src - src % per_node_ + dst % per_node_;
    out.push_back(static_cast<int>(src));
    out.push_back(static_cast<int>(gpus_ + proxy));
    src = proxy;
  }
  scale_out(src, dst, choice, out);
}

long long Fabric::destination_choice(long long dst) const {
  const long long position = rail_ ? (dst / per_node_) % hosts_ : dst % hosts_;
  const long long leaf_in_pod = (leaf_of(dst) % leaves_per_plane_) % leaves_per_pod_;
  if (u1_ == 0) return 0;
  const long long j = position % u1_;
  const long long u = u2_ > 0 ? (position / u1_ + leaf_in_pod) % u2_ : 0;
  return j + u1_ * u;
}

Fabric::UpRoute Fabric::up_route(long long src, long long dst) const {
  UpRoute r;
  if (src / domain_ == dst / domain_) return r;
  if (rail_ && src % per_node_ != dst % per_node_) src = src - src % per_node_ + dst % per_node_;
  const long long a = leaf_of(src), b = leaf_of(dst);
  if (a == b) return r;
  r.tiers_up = 1;
  r.leaf_up = leaf_uplink(a, 0);
  r.leaf_down = leaf_downlink(b, 0);
  const long long pa = pod_of_leaf(a), pb = pod_of_leaf(b);
  if (pa != pb) {
    r.tiers_up = 2;
    r.spine_up = spine_uplink(pa, 0, 0);
    r.spine_down = spine_downlink(pb, 0, 0);
  }
  return r;
}

void Fabric::scale_out(long long src, long long dst, long long choice,
                       std::vector<int>& out) const {
  out.push_back(nic_uplink(src));
  const long long a = leaf_of(src), b = leaf_of(dst);
  if (a != b) {
    const long long j = choice % u1_;
    out.push_back(leaf_uplink(a, j));
    const long long pa = pod_of_leaf(a), pb = pod_of_leaf(b);
    if (pa != pb) {
      const long long u = choice / u1_;
      out.push_back(spine_uplink(pa, j, u));
      out.push_back(spine_downlink(pb, j, u));
    }
    out.push_back(leaf_downlink(b, j));
  }
  out.push_back(nic_downlink(dst));
}

}  // namespace colossim
