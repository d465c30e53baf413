// The network as the step simulation sees it: the time of one collective on one group.
// Swappable by name (`make_network`); the core's "bandwidth" model prices each collective with
// its algorithm's cost on NVLink and the NICs; the flow-level fabric model (max-min sharing,
// contention, routing) plugs in behind the same interface.
//
// Contract: `bytes` follows the nccl-tests convention -- all-reduce: the buffer; all-gather: the
// gathered output; reduce-scatter: the input; all-to-all: what one rank sends in all;
// send-recv: the message. Implementations are immutable after construction and thread-safe.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/units.hpp"
#include "topology/cluster.hpp"

namespace colossim {

enum class Collective { all_reduce, all_gather, reduce_scatter, all_to_all, send_recv };
// Every collective, in enum order, and their names ("all-reduce", ...) for options and errors.
[[nodiscard]] const std::vector<Collective>& collective_kinds();
[[nodiscard]] std::string to_string(Collective kind);
[[nodiscard]] std::string collective_names();  // "all-reduce, all-gather, ..."
[[nodiscard]] std::optional<Collective> find_collective(const std::string& name);
// nccl-tests' bus bandwidth factor (PERFORMANCE.md) for `kind` over n ranks: bus bandwidth =
// algorithm bandwidth x this, what each rank's busiest link must carry.
[[nodiscard]] double bus_factor(Collective kind, double n);

// Calibrated constants of the interconnect; see data/calibration.yaml for values and sources.
struct NetworkCalibration {
  double nvlink_efficiency = 0.8;   // achieved bus bandwidth / NVLink per-direction bandwidth
  double network_efficiency = 0.9;  // achieved bus bandwidth / NIC line rate
  Seconds nvlink_latency = Seconds(3e-6);  // per algorithm step inside a node
  // Achieved bus bandwidth / NIC line rate of a collective whose group has one GPU in each
  // NVLink domain: each NIC carries one GPU's ring, and nothing crosses NVLink on the way.
  double network_efficiency_one_per_node = 0.9;
  // Achieved share of the NIC line rate for the bytes an all-to-all sends across NVLink
  // domains (NCCL's grouped send/recv to every peer at once, no ring to pace it).
  double network_efficiency_all_to_all = 0.9;
};

// What a model that simulates the whole fabric saw of one collective (for the step report):
// every group of its shape ran at once, and each competed with the others for shared links.
struct CollectiveRecord {
  Collective kind = Collective::all_reduce;
  Bytes bytes;
  long long group_size = 0;
  long long stride = 1;
  long long groups = 0;  // running at once
  std::string algorithm;
  Seconds alone;      // one group on the idle fabric
  Seconds contended;  // all groups at once
  // On a cluster other jobs share (Cluster::cross_traffic): the expected time beside their
  // traffic, contended + the sum of `other_jobs`; equal to contended when the job is alone.
  Seconds shared;
  struct OtherJob {
    std::string job, what;  // the other job and which of its traffic
    Seconds added;          // expected: its duty x (time beside it - contended)
    std::string tier;       // where they met: the tier of the shared link slowest to drain
  };
  std::vector<OtherJob> other_jobs;
  std::string busiest_tier;  // where the busiest link sat
  double busiest_utilisation = 0;
  // Per link tier (nvlink, gpu-leaf, leaf-spine, spine-core): mean utilisation of the links in
  // use while the collective runs; 0 where it uses none.
  std::array<double, 4> tier_utilisation{};
};

class NetworkModel {
 public:
  virtual ~NetworkModel() = default;
  [[nodiscard]] virtual Seconds time(Collective kind, Bytes bytes,
                                     const CommGroup& group) const = 0;
  [[nodiscard]] virtual std::string name() const = 0;
  // The collectives priced so far, for models that simulate contention (empty otherwise).
  [[nodiscard]] virtual std::vector<CollectiveRecord> records() const { return {}; }
};

struct NetworkModelInfo {
  std::string name;
  std::string description;
};

// Registered models, for --help and error messages.
[[nodiscard]] std::vector<NetworkModelInfo> network_models();
[[nodiscard]] bool find_network_model(const std::string& name);
[[nodiscard]] std::string network_model_names();  // "bandwidth, fabric"
// nullptr if `name` is not registered.
[[nodiscard]] std::unique_ptr<NetworkModel> make_network(const std::string& name,
                                                         const Cluster& cluster,
                                                         const NetworkCalibration& calibration);

}  // namespace colossim
