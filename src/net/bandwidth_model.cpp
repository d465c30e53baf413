// The "bandwidth" network model: all-reduce, all-gather and reduce-scatter as NCCL's own cost
// model times them (net/nccl_model.hpp: its latencies, protocols and channel bandwidths); the
// rest (all-to-all, send/recv) by their algorithm's cost on the bottleneck link at the
// calibrated efficiencies. No contention between concurrent collectives.
//
// For all-to-all and send/recv:
// For a group of n ranks, k of them per NVLink domain (where groups straddle a domain boundary,
// the fewest any group has on one side: CommGroup::crossing_part), message S:
//   bottleneck B = NVLink (x efficiency) inside one domain; across domains
//   min(NVLink, k x NIC x efficiency): NCCL runs one ring per NIC, so k co-located members
//   drive k NICs in parallel (rail-optimised: each GPU has its own NIC).
//   all-reduce      2(n-1)/n * S/B + min(ring 2(n-1), tree 2 log2 n) * alpha
//   all-gather, reduce-scatter   (n-1)/n * S/B + (n-1) * alpha          (ring)
//   all-to-all      max(intra-domain share / B_nvlink, inter-domain share / B_nic) + alpha
//   send-recv       S/B + alpha, across domains B no more than NCCL's p2p channels carry
//                   (nccl_p2p_net_gbps)
// (Thakur, Rabenseifner & Gropp, "Optimization of collective communication operations in
// MPICH", IJHPCA 2005; the NCCL tests' bus-bandwidth definitions, nccl-tests PERFORMANCE.md.)
#include <algorithm>
#include <cmath>

#include "net/collective_algorithm.hpp"
#include "net/collectives.hpp"
#include "net/nccl_model.hpp"
#include "net/network.hpp"

namespace colossim {
namespace {

class BandwidthModel final : public NetworkModel {
 public:
  BandwidthModel(const Cluster& c, const NetworkCalibration& cal)
      : cluster_(c),
        nvlink_(c.gpu.nvlink_bandwidth * cal.nvlink_efficiency),
        nic_(c.nic_bandwidth * cal.network_efficiency),
        nic_one_per_domain_(c.nic_bandwidth * cal.network_efficiency_one_per_node),
        nic_all_to_all_(c.nic_bandwidth * cal.network_efficiency_all_to_all),
        nvlink_latency_(cal.nvlink_latency),
        network_latency_(c.nic.latency) {}

  [[nodiscard]] std::string name() const override { return "bandwidth"; }

  [[nodiscard]] Seconds time(Collective kind, Bytes bytes, const CommGroup& g) const override {
    const double n = static_cast<double>(g.size);
    if (g.size <= 1 || bytes.value() <= 0) return Seconds(0);
    // All-reduce, all-gather, reduce-scatter as NCCL's tuner times them (net/nccl_model.hpp),
    // across domains no faster than the links allow: the algorithm's closed form with the NICs
    // at their measured ceiling and NVLink at its link rate, as the fabric model bounds it.
    if (auto c = nccl_choice(cluster_, kind, bytes, g.size, g.domains())) {
      if (g.domains() <= 1) return c->time;
      const CollectiveAlgorithm* a =
          find_collective_algorithm(c->algorithm == "nvls-tree" ? "nvls" : c->algorithm);
      if (a == nullptr) return c->time;
      CostShape shape;
      shape.n = n;
      shape.d = static_cast<double>(g.domains());
      shape.m = static_cast<double>(std::min(g.crossing_part(), g.size));
      shape.nvl = cluster_.gpu.nvlink_bandwidth.value();
      // One GPU in each NVLink domain: each NIC carries one GPU's ring at its own ceiling.
      shape.port = (g.domains() == g.size ? nic_one_per_domain_ : nic_).value();
      shape.S = bytes.value();
      const Seconds links(a->estimate(shape, kind));
      return c->latency + std::max(c->time - c->latency, links);
    }
    const bool one_domain = g.domains() <= 1;
    const double k = static_cast<double>(std::min(g.crossing_part(), g.size));
    const BytesPerSecond bus =
        one_domain ? nvlink_ : BytesPerSecond(std::min(nvlink_.value(), k * nic_.value()));
    const Seconds alpha = one_domain ? nvlink_latency_ : network_latency_;
    switch (kind) {
      case Collective::all_reduce: {
        const double steps = std::min(2.0 * (n - 1), 2.0 * std::ceil(std::log2(n)));
        return bytes * (2.0 * (n - 1) / n) / bus + alpha * steps;
      }
      case Collective::all_gather:
      case Collective::reduce_scatter:
        return bytes * ((n - 1) / n) / bus + alpha * (n - 1);
      case Collective::all_to_all: {
        const Bytes intra = bytes * ((k - 1) / n);
        const Bytes inter = bytes * ((n - k) / n);
        const Seconds t_intra = intra / nvlink_;
        const Seconds t_inter = inter / nic_all_to_all_;
        return std::max(t_intra, t_inter) + alpha;
      }
      case Collective::send_recv: {
        if (one_domain) return bytes / nvlink_ + alpha;
        // Across domains no faster than the channels NCCL gives one network peer.
        BytesPerSecond b = nic_;
        const long long ranks = std::max(g.size, g.communicator);
        b = BytesPerSecond(std::min(
            b.value(),
            nccl_p2p_net_gbps(cluster_, ranks, g.communicator_per_domain(cluster_.nvlink_domain)) *
                1e9));
        return bytes / b + alpha;
      }
    }
    return Seconds(0);
  }

 private:
  Cluster cluster_;
  BytesPerSecond nvlink_;
  BytesPerSecond nic_;
  BytesPerSecond nic_one_per_domain_;
  BytesPerSecond nic_all_to_all_;
  Seconds nvlink_latency_;
  Seconds network_latency_;
};

}  // namespace

std::unique_ptr<NetworkModel> make_bandwidth_model(const Cluster& cluster,
                                                   const NetworkCalibration& calibration) {
  return std::make_unique<BandwidthModel>(cluster, calibration);
}

}  // namespace colossim
