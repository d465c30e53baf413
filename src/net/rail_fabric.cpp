#include "net/rail_fabric.hpp"

#include <algorithm>
#include <cmath>

namespace colossim {

RailFabric::RailFabric(const Cluster& c, long long gpus, const NetworkCalibration& cal)
    : cluster_(c), gpus_(gpus), per_node_(c.gpus_per_node) {
  const int k = c.nic.switch_radix;
  nodes_per_leaf_ = std::max(1, k / 2);
  const long long nodes = gpus / per_node_;
  leaves_ = static_cast<int>((nodes + nodes_per_leaf_ - 1) / nodes_per_leaf_);
  spines_ = std::max(1, static_cast<int>(std::ceil(k / 2.0 / c.oversubscription)));
  nvlink_bw_ = c.gpu.nvlink_bandwidth.value() * cal.nvlink_efficiency;
  nic_bw_ = c.nic_bandwidth.value() * cal.network_efficiency;
  nvlink_lat_ = cal.nvlink_latency.value() / 2;  // an NCCL NVLink step crosses two ports
  hop_lat_ = c.nic.latency.value() / 4.0;        // the NIC-to-NIC latency spread over up to 4 hops
}

int RailFabric::leaf_index(long long g) const {
  const long long node = g / per_node_;
  const int rail = static_cast<int>(g % per_node_);
  return rail * leaves_ + static_cast<int>(node / nodes_per_leaf_);
}

int RailFabric::uplink(int leaf, int spine) const {
  return static_cast<int>(4 * gpus_) + leaf * spines_ + spine;
}

int RailFabric::downlink(int leaf, int spine) const {
  return static_cast<int>(4 * gpus_) + per_node_ * leaves_ * spines_ + leaf * spines_ + spine;
}

void RailFabric::build(FlowNetwork& net) const {
  // Uplink capacity: k/2 host ports share k/2 uplinks, thinned by the oversubscription (fewer
  // spines, each uplink at line rate).
  for (long long g = 0; g < gpus_; ++g)
    net.add_link(BytesPerSecond(nvlink_bw_), Seconds(nvlink_lat_));
  for (long long g = 0; g < gpus_; ++g)
    net.add_link(BytesPerSecond(nvlink_bw_), Seconds(nvlink_lat_));
  for (long long g = 0; g < gpus_; ++g) net.add_link(BytesPerSecond(nic_bw_), Seconds(hop_lat_));
  for (long long g = 0; g < gpus_; ++g) net.add_link(BytesPerSecond(nic_bw_), Seconds(hop_lat_));
  for (int i = 0; i < 2 * per_node_ * leaves_ * spines_; ++i)
    net.add_link(BytesPerSecond(nic_bw_), Seconds(hop_lat_));
}

std::vector<int> RailFabric::route(long long src, long long dst) const {
  if (src / per_node_ == dst / per_node_) return {nvl_up(src), nvl_down(dst)};
  if (src % per_node_ != dst % per_node_) {
    // Cross-rail: over NVLink to the source node's GPU on the destination's rail first (NCCL PXN).
    const long long hop = (src / per_node_) * per_node_ + dst % per_node_;
    std::vector<int> r = {nvl_up(src), nvl_down(hop)};
    const auto rest = route(hop, dst);
    r.insert(r.end(), rest.begin(), rest.end());
    return r;
  }
  const int a = leaf_index(src), b = leaf_index(dst);
  if (a == b) return {nic_up(src), nic_down(dst)};
  // ECMP: a deterministic hash of the pair picks the spine.
  const unsigned long long h = static_cast<unsigned long long>(src) * 0x9E3779B97F4A7C15ULL ^
                               static_cast<unsigned long long>(dst) * 0xC2B2AE3D27D4EB4FULL;
  const int spine = static_cast<int>((h >> 17) % static_cast<unsigned long long>(spines_));
  return {nic_up(src), uplink(a, spine), downlink(b, spine), nic_down(dst)};
}

Seconds RailFabric::concurrent(const std::vector<std::pair<long long, long long>>& pairs,
                               Bytes bytes) const {
  FlowNetwork net;
  build(net);
  for (const auto& [src, dst] : pairs) net.add_flow(route(src, dst), bytes);
  double end = 0;
  for (const auto& t : net.run()) end = std::max(end, t.value());
  return Seconds(end);
}

Seconds RailFabric::ring_step(const std::vector<long long>& members, Bytes bytes) const {
  std::vector<std::pair<long long, long long>> pairs;
  for (size_t i = 0; i < members.size(); ++i)
    pairs.emplace_back(members[i], members[(i + 1) % members.size()]);
  return concurrent(pairs, bytes);
}

Seconds RailFabric::all_reduce(long long gpus, Bytes bytes) const {
  if (gpus < 2) return Seconds(0);
  const long long nodes = std::max(1LL, gpus / per_node_);
  const int per = static_cast<int>(std::min<long long>(per_node_, gpus));
  const int channels = nodes > 1 ? per : 1;
  const double n = static_cast<double>(gpus);
  std::vector<std::pair<long long, long long>> pairs;
  for (int c = 0; c < channels; ++c) {
    // Channel c visits each node's GPUs starting at rail c, so it leaves every node from rail
    // c - 1 and (through NCCL's PXN hop) enters the next node on rail c.
    std::vector<long long> ring;
    for (long long node = 0; node < nodes; ++node) {
      for (int i = 0; i < per; ++i) ring.push_back(node * per_node_ + (c + i) % per);
    }
    for (size_t i = 0; i < ring.size(); ++i)
      pairs.emplace_back(ring[i], ring[(i + 1) % ring.size()]);
  }
  return concurrent(pairs, bytes / (n * channels)) * (2.0 * (n - 1));
}

Seconds RailFabric::ring_all_reduce(const std::vector<long long>& members, Bytes bytes) const {
  const double n = static_cast<double>(members.size());
  if (members.size() < 2) return Seconds(0);
  // Every step moves the same bytes over the same links, so one step stands for all 2(n-1).
  return ring_step(members, bytes / n) * (2.0 * (n - 1));
}

}  // namespace colossim
