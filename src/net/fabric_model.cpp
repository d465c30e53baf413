// The "fabric" network model: each collective of the step priced on the generated fabric with
// every group of its shape running at once -- all DP groups' reduce-scatters together, all
// pipeline stages' sends together -- so oversubscription and hash collisions slow it as they do
// in a real cluster.
//
// Groups are the job's ranks in Megatron order (plan/placement.hpp): a group of `size`
// members `stride` ranks apart, one for each rank whose position along that stride is 0, on the
// cluster GPUs its placement gives them (Cluster::job_gpu: packed, or scattered over the fabric).
// All-reduce, all-gather and reduce-scatter run as NCCL runs them (run_nccl_collective: its
// algorithm, protocol, latency and channel bandwidth, the transfer no faster than the fabric
// carries every group at once); all-to-all and send/recv run on the fabric at the calibrated
// link efficiencies. On an uncontended fabric this model agrees with the "bandwidth" model and
// the difference is contention. Results are cached by collective and size: a step asks for few
// distinct ones.
//
// Traffic beside it (Cluster::cross_traffic): the job's own collectives of other kinds (its
// pipeline sends beside its gradient reduction) and, on a cluster several jobs share, the other
// jobs' traffic. A collective whose groups leave their NVLink domains is priced again beside each
// load -- its streams as persistent flows that take their max-min share of every link they
// cross -- and the expected time adds each such delay weighted by the share of the time that
// load is on (its duty), as if the two met at random: T = T_alone + sum over loads of
// duty x (T_beside - T_alone).
//
// A collective of more than 16,384 GPUs meets each load on a slice: its first groups up to that
// many GPUs, beside the load's streams that touch them, the delay measured on the slice alone
// and beside it.
//
// Limits: one group's time is the slowest group's. Loads are weighed one at a time (two of
// them on at once is not priced as such), and a job's own loads as if independent of the
// collective they meet, though its schedule decides when they overlap.
#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <tuple>

#include "net/collectives.hpp"
#include "net/nccl_model.hpp"
#include "net/network.hpp"

namespace colossim {
namespace {

// Beyond this many GPUs in a collective's groups, it meets other traffic on a slice of them.
constexpr long long kSliceMembers = 8192;

class FabricModel final : public NetworkModel {
 public:
  FabricModel(const Cluster& c, const NetworkCalibration& cal)
      : net_(c, cal),
        net_all_to_all_(net_.for_collective(Collective::all_to_all)),
        physical_(physical_fabric(c, cal)),
        cluster_(c) {}

  [[nodiscard]] std::string name() const override { return "fabric"; }

  [[nodiscard]] Seconds time(Collective kind, Bytes bytes, const CommGroup& g) const override {
    if (g.size <= 1 || bytes.value() <= 0) return Seconds(0);
    const auto key =
        std::make_tuple(static_cast<int>(kind), bytes.value(), g.size, g.stride, g.communicator);
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second.shared;
    RankGroups groups = strided_groups(g.size, g.stride, cluster_.job_gpus());
    // The job's ranks on the cluster's GPUs (cluster.placement).
    for (auto& members : groups) {
      for (auto& rank : members) rank = cluster_.job_gpu(rank);
    }
    CollectiveRecord r;
    r.groups = static_cast<long long>(groups.size());
    // Groups each inside one NVLink domain cross only their own GPUs' NVLink ports: every one
    // runs as it would alone, so the first stands for all (a large saving at 100k GPUs).
    const Fabric& f = net_.fabric();
    const bool inside = std::all_of(groups.begin(), groups.end(), [&](const auto& members) {
      return f.domain_of(members.front()) == f.domain_of(members.back());
    });
    if (!groups.empty() && inside) groups.resize(1);
    r.kind = kind;
    r.bytes = bytes;
    r.group_size = g.size;
    r.stride = g.stride;
    if (groups.empty()) return Seconds(0);
    CollectiveResult all;
    std::string fabric_algorithm;  // where NCCL's tuner does not time it
    if (auto nccl = run_nccl_collective(physical_, kind, bytes, groups)) {
      all = std::move(*nccl);
      r.algorithm = all.algorithm + "/" + all.protocol;
      r.alone = groups.size() == 1
                    ? all.time
                    : run_nccl_collective(physical_, kind, bytes, {groups.front()})->time;
    } else {
      r.algorithm = fabric_algorithm = choose_algorithm(net_, kind, bytes, groups, /*nvls=*/false);
      all = run_collective(net_for(kind), kind, bytes, groups, r.algorithm);
      r.alone =
          groups.size() == 1
              ? all.time
              : run_collective(net_for(kind), kind, bytes, {groups.front()}, r.algorithm).time;
    }
    // A pipeline pair's sends run in their whole pipeline group's communicator, whose size sets
    // the channels NCCL gives each network peer (run_collective priced the pair's own).
    if (kind == Collective::send_recv && g.communicator > g.size && !inside) {
      const double cap = nccl_p2p_net_gbps(cluster_, g.communicator,
                                           g.communicator_per_domain(cluster_.nvlink_domain));
      const Seconds floor(bytes.value() / (cap * 1e9));
      all.time = std::max(all.time, floor);
      r.alone = std::max(r.alone, floor);
    }
    r.contended = r.shared = all.time;
    if (cluster_.cross_traffic && !inside) {
      // The same algorithm beside each load: NCCL's choice does not see other traffic.
      const auto price = [&](const RankGroups& on, std::vector<Transfer> background) {
        std::optional<CollectiveResult> out;
        if (fabric_algorithm.empty()) {
          const FabricNetwork shared_fabric = physical_.with_background(std::move(background));
          out = run_nccl_collective(shared_fabric, kind, bytes, on, all.algorithm);
          if (!out) out = run_nccl_collective(shared_fabric, kind, bytes, on);
        } else {
          out = run_collective(net_for(kind).with_background(std::move(background)), kind, bytes,
                               on, fabric_algorithm);
        }
        return out;
      };
      // A large collective meets each load on a slice of it: its first groups, up to
      // kSliceMembers GPUs, beside the streams that touch them; the delay measured there stands
      // for every group's (bounded work at 100k GPUs).
      RankGroups slice = groups;
      std::vector<char> in_slice;
      Seconds base = all.time;
      long long members = 0;
      for (size_t k = 0; k < groups.size(); ++k) {
        members += static_cast<long long>(groups[k].size());
        if (members > kSliceMembers && k > 0) {
          slice.resize(k);
          in_slice.assign(static_cast<size_t>(f.gpus()), 0);
          for (const auto& members_of : slice) {
            for (long long gpu : members_of) in_slice[static_cast<size_t>(gpu)] = 1;
          }
          if (auto alone = price(slice, {})) base = alone->time;
          break;
        }
      }
      for (const CrossTraffic& load : *cluster_.cross_traffic) {
        if (load.duty <= 0 || load.streams.empty()) continue;
        if (load.own && std::find(load.groups.begin(), load.groups.end(),
                                  std::pair(g.size, g.stride)) != load.groups.end())
          continue;  // the collective's own traffic: its groups already run at once
        std::vector<Transfer> streams;
        streams.reserve(load.streams.size());
        for (const auto& [src, dst] : load.streams) {
          if (in_slice.empty() || in_slice[static_cast<size_t>(src)] != 0 ||
              in_slice[static_cast<size_t>(dst)] != 0)
            streams.push_back({src, dst, 1.0});
        }
        const std::optional<CollectiveResult> beside = price(slice, std::move(streams));
        if (!beside) continue;
        const double added = load.duty * std::max(0.0, (beside->time - base).value());
        // Where they met: the tier of the shared link slowest to carry the collective's bytes.
        std::array<double, kLinkTiers> drain{};
        for (const auto& step : beside->steps) {
          for (const auto& phase : step.phases) {
            for (size_t t = 0; t < kLinkTiers; ++t)
              drain[t] = std::max(drain[t], phase.shared_drain[t]);
          }
        }
        const auto most = std::max_element(drain.begin(), drain.end());
        if (added <= 0 && *most <= 0) continue;
        r.other_jobs.push_back(
            {load.job, load.what, Seconds(added),
             *most > 0 ? tier_name[static_cast<size_t>(most - drain.begin())] : ""});
        r.shared += Seconds(added);
      }
    }
    const auto use = tier_use(all);
    for (size_t t = 0; t < kLinkTiers; ++t) {
      r.tier_utilisation[t] = use[t].mean;
      if (use[t].peak > r.busiest_utilisation) {
        r.busiest_utilisation = use[t].peak;
        r.busiest_tier = tier_name[t];
      }
    }
    cache_.emplace(key, r);
    return r.shared;
  }

  [[nodiscard]] std::vector<CollectiveRecord> records() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<CollectiveRecord> out;
    for (const auto& [key, r] : cache_) out.push_back(r);
    return out;
  }

 private:
  // The calibrated fabric for what NCCL's tuner does not time: all-to-all at its own ceiling.
  [[nodiscard]] const FabricNetwork& net_for(Collective kind) const {
    return kind == Collective::all_to_all ? net_all_to_all_ : net_;
  }

  FabricNetwork net_;             // calibrated: all-to-all and send/recv
  FabricNetwork net_all_to_all_;  // net_ at the all-to-all ceiling
  FabricNetwork physical_;  // link rates, no latency: NCCL's collectives (run_nccl_collective)
  Cluster cluster_;         // the job's size and placement
  mutable std::mutex mutex_;
  mutable std::map<std::tuple<int, double, long long, long long, long long>, CollectiveRecord>
      cache_;
};

}  // namespace

std::unique_ptr<NetworkModel> make_fabric_model(const Cluster& cluster,
                                                const NetworkCalibration& calibration) {
  return std::make_unique<FabricModel>(cluster, calibration);
}

}  // namespace colossim
