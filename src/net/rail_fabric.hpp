// A rail-optimised two-tier fabric built link by link on the flow engine, and collectives run
// over it flow by flow -- the first topology generator and collective of the fabric issue.
//
// Each node's GPUs reach each other through the node's NVSwitch (one NVLink port per GPU). GPU r
// of every node has its NIC on rail r: the nodes are cut into groups of k/2 (half a leaf's ports
// face the hosts), and GPU r of a group's nodes plugs into that group's rail-r leaf. Each leaf has
// k/2 uplinks, one to each of the k/2 spines of its rail plane, thinned by the top tier's
// oversubscription (fewer spines). Routes: same node over NVLink; same leaf through it; otherwise
// leaf -> spine -> leaf, the spine picked by hashing the pair (ECMP).
//
// The ring all-reduce follows NCCL's ring: 2(n-1) steps, in each every member sends S/n to the
// next one at once; a step ends when its slowest flow does.
#pragma once

#include <string>
#include <vector>

#include "net/flow_engine.hpp"
#include "net/network.hpp"
#include "topology/cluster.hpp"

namespace colossim {

class RailFabric {
 public:
  // `gpus` GPUs of the cluster's kind (a multiple of gpus_per_node); the calibration's
  // efficiencies and NVLink latency apply to the links as in the bandwidth model.
  RailFabric(const Cluster& cluster, long long gpus, const NetworkCalibration& calibration);
  [[nodiscard]] long long gpus() const { return gpus_; }
  [[nodiscard]] int leaves() const { return leaves_; }
  [[nodiscard]] int spines_per_rail() const { return spines_; }
  // Links a message from `src` to `dst` crosses.
  [[nodiscard]] std::vector<int> route(long long src, long long dst) const;
  // Time until the last of these messages, all sent at once, arrives.
  [[nodiscard]] Seconds concurrent(const std::vector<std::pair<long long, long long>>& pairs,
                                   Bytes bytes) const;
  // Time of one ring step: every (member i -> member i+1) sends `bytes` at once.
  [[nodiscard]] Seconds ring_step(const std::vector<long long>& members, Bytes bytes) const;
  // A ring all-reduce of `bytes` (nccl-tests convention) over `members`.
  [[nodiscard]] Seconds ring_all_reduce(const std::vector<long long>& members, Bytes bytes) const;
  // An all-reduce over the first `gpus` GPUs as NCCL runs it: one ring per rail (channel), each
  // visiting every node's GPUs and crossing between nodes on its own rail, `bytes` split evenly.
  [[nodiscard]] Seconds all_reduce(long long gpus, Bytes bytes) const;

 private:
  void build(FlowNetwork& net) const;
  const Cluster& cluster_;
  long long gpus_;
  int per_node_;
  int nodes_per_leaf_;
  int leaves_;  // per rail
  int spines_;  // per rail
  double nvlink_bw_, nic_bw_;
  double nvlink_lat_, hop_lat_;
  // Link ids, laid out by build(): [gpu nvlink up][gpu nvlink down][gpu nic up][gpu nic down]
  // [leaf->spine][spine->leaf].
  [[nodiscard]] int nvl_up(long long g) const { return static_cast<int>(g); }
  [[nodiscard]] int nvl_down(long long g) const { return static_cast<int>(gpus_ + g); }
  [[nodiscard]] int nic_up(long long g) const { return static_cast<int>(2 * gpus_ + g); }
  [[nodiscard]] int nic_down(long long g) const { return static_cast<int>(3 * gpus_ + g); }
  [[nodiscard]] int leaf_index(long long g) const;
  [[nodiscard]] int uplink(int leaf, int spine) const;
  [[nodiscard]] int downlink(int leaf, int spine) const;
};

}  // namespace colossim
