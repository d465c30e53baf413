// The cluster as built: how many GPUs, how they group into NVLink domains, nodes and racks, what
// each GPU's scale-out NIC delivers, and the parameters of the fabric generator that wires them
// (topology/fabric.hpp builds the switches and links from these).
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "hw/catalog.hpp"

namespace colossim {

enum class Cooling { liquid, air };

// GPUs of another kind in the same cluster, on the same nodes' form and the same fabric
// (cluster.pools): an H200 pod beside H100 pods.
struct GpuPool {
  Gpu gpu;
  long long gpus = 0;
};

// Traffic on the fabric beside a job's collectives: another job's (a scenario's `jobs:`), or the
// job's own collectives of another kind. Streams from GPU to GPU (cluster GPU ids) that are on
// for a share `duty` of the time, as that job's collectives of one kind are.
struct CrossTraffic {
  std::string job;   // whose
  std::string what;  // which of its collectives ("data-parallel", "pipeline", "expert all-to-all")
  double duty = 0;   // share of that job's step its traffic is on the fabric, 0..1
  std::vector<std::pair<long long, long long>> streams;
  // The job's own traffic (its collectives of one kind, beside its others): the groups it stands
  // for, as (size, stride) of CommGroup, which it does not slow (they are that traffic).
  bool own = false;
  std::vector<std::pair<long long, long long>> groups;
};

struct Cluster {
  Gpu gpu;
  Node node;
  Nic nic;
  long long gpus = 0;
  long long spare_gpus = 0;       // kept out of the training job (hot spares)
  bool spare_gpus_given = false;  // cluster.spare_gpus was in the file
  int gpus_per_node = 8;
  int nvlink_domain = 8;         // GPUs that reach each other over NVLink
  int gpus_per_rack = 32;        // sharing a rack's power and cooling (failure blast radius)
  BytesPerSecond nic_bandwidth;  // per GPU, per direction: nic_line_rate within the host link
  BytesPerSecond nic_line_rate;  // NIC speed x NICs per GPU, as the NICs offer it
  std::string topology = "rail-optimized";  // fabric generator (topology/fabric.hpp)
  double oversubscription = 1.0;            // top tier, e.g. 7 for 1:7
  double leaf_oversubscription = 1.0;       // leaf -> spine when there are three tiers
  int switch_radix = 0;                     // ports per switch; 0 = the NIC family's
  int hosts_per_leaf = 0;                   // 0 = half the radix
  long long pod_gpus = 0;                   // GPUs under one spine layer; 0 = derived
  std::string routing = "ecmp";             // ecmp | dmodk | adaptive | spray (default: the NIC's)
  std::string nccl_version;                 // the NCCL release whose tuner runs; "" = the newest
  Cooling cooling = Cooling::liquid;
  // GPUs of other kinds among `gpus` (the rest are `gpu`); empty for one kind. A job's
  // model-parallel groups stay inside one kind; its data-parallel replicas span them.
  std::vector<GpuPool> pools;
  // Where a job smaller than the cluster (spare GPUs) sits on the fabric: "packed" on the first
  // job_gpus() GPUs, or "scattered", its NVLink domains spread evenly over the cluster's.
  std::string placement = "packed";
  // On a cluster several jobs share (scenario `jobs:`): the placement units (placement_unit()
  // GPUs each) this job holds, in the order its ranks fill them; null: `placement` decides.
  std::shared_ptr<const std::vector<long long>> job_units;
  // The traffic beside which this job's collectives run: other jobs', and its own collectives of
  // other kinds (run/shared_fabric.hpp); null when none is known yet.
  std::shared_ptr<const std::vector<CrossTraffic>> cross_traffic;

  [[nodiscard]] long long nodes() const { return gpus / gpus_per_node; }
  [[nodiscard]] long long job_gpus() const { return gpus - spare_gpus; }
  // The cluster GPU that job rank `rank` runs on (`placement`). Scattered, the job's k-th
  // NVLink domain (or node, where a node is larger) is the cluster's floor(k x domains / job's
  // domains)-th, as a scheduler that takes free nodes wherever they are leaves them; its
  // model-parallel groups inside a domain stay together.
  [[nodiscard]] long long placement_unit() const {
    return nvlink_domain > gpus_per_node ? nvlink_domain : gpus_per_node;
  }
  [[nodiscard]] long long job_gpu(long long rank) const {
    const long long unit = placement_unit();
    if (job_units) return (*job_units)[static_cast<size_t>(rank / unit)] * unit + rank % unit;
    if (placement != "scattered" || job_gpus() >= gpus) return rank;
    const long long units = gpus / unit;
    const long long job_units = (job_gpus() + unit - 1) / unit;
    return (rank / unit) * units / job_units * unit + rank % unit;
  }
  // The GPUs of `gpu`'s kind: all of them but the pools'.
  [[nodiscard]] long long base_gpus() const {
    long long n = gpus;
    for (const auto& pool : pools) n -= pool.gpus;
    return n;
  }
  [[nodiscard]] int radix() const { return switch_radix > 0 ? switch_radix : nic.switch_radix; }
};

}  // namespace colossim

namespace colossim {

// Where the members of one communication group sit: how many there are, and how many of them
// share an NVLink domain (the rest are reached over the scale-out NICs).
struct CommGroup {
  long long size = 1;
  long long per_domain = 1;  // members inside one NVLink domain (1 = every member on its own node)
  long long stride = 1;      // ranks between consecutive members (Megatron order)
  // Where some groups straddle a domain boundary (64 ranks in NVL72 racks: 64..127 are 8 in one
  // rack and 56 in the next), the fewest members one of them has in a domain, whose traffic
  // crosses the boundary: the slowest group's; 0 where every group keeps to whole domains.
  long long straddle = 0;
  // The NCCL communicator the group's operations run in, where it is larger than the group: a
  // pipeline pair's sends run in their whole pipeline group's (nccl_p2p_channels); 0: the group.
  long long communicator = 0;
  [[nodiscard]] long long domains() const {
    const long long d = (size + per_domain - 1) / per_domain;
    return straddle > 0 ? std::max(2LL, d) : d;
  }
  // Members of `communicator` in one NVLink domain of `domain` GPUs: the group's members
  // `stride` ranks apart, whole domains apart or several to a domain.
  [[nodiscard]] long long communicator_per_domain(long long domain) const {
    const long long ranks = std::max(size, communicator);
    return stride >= domain ? 1 : std::min(ranks, std::max(1LL, domain / stride));
  }
  // Members in the slowest group's smallest domain part: what crosses the network.
  [[nodiscard]] long long crossing_part() const {
    return straddle > 0 ? std::min(straddle, per_domain) : per_domain;
  }
};

}  // namespace colossim
