#include "run/shared_fabric.hpp"

#include <algorithm>
#include <initializer_list>

#include "plan/placement.hpp"

namespace colossim {
namespace {

// Streams from rank to rank, on the job's GPUs, those that leave an NVLink domain.
class Streams {
 public:
  explicit Streams(const Cluster& c) : c_(c) {}
  void add(long long from_rank, long long to_rank) {
    const long long a = c_.job_gpu(from_rank), b = c_.job_gpu(to_rank);
    if (a / c_.nvlink_domain != b / c_.nvlink_domain) out_.emplace_back(a, b);
  }
  [[nodiscard]] std::vector<std::pair<long long, long long>> take() { return std::move(out_); }

 private:
  const Cluster& c_;
  std::vector<std::pair<long long, long long>> out_;
};

void ring(const RankGroups& groups, Streams& s) {
  for (const auto& g : groups) {
    const size_t n = g.size();
    if (n < 2) continue;
    for (size_t i = 0; i < n; ++i) s.add(g[i], g[(i + 1) % n]);
  }
}

}  // namespace

std::vector<CrossTraffic> job_traffic(const Scenario& job, const Prediction& alone, bool own) {
  std::vector<CrossTraffic> loads;
  const double step = alone.step.step_time.value();
  if (step <= 0) return loads;
  const Plan& plan = alone.plan;
  const Groups shapes = place_groups(plan, job.cluster);
  auto load = [&](const char* what, Seconds busy, Streams& s,
                  std::initializer_list<CommGroup> groups) {
    CrossTraffic t;
    t.job = job.name;
    t.what = what;
    t.duty = std::clamp(busy.value() / step, 0.0, 1.0);
    t.streams = s.take();
    t.own = own;
    for (const CommGroup& g : groups) t.groups.emplace_back(g.size, g.stride);
    if (t.duty > 0 && !t.streams.empty()) loads.push_back(std::move(t));
  };
  Streams dp(job.cluster);
  if (shapes.dp_replicate.size > 1) {
    // Hybrid sharding: rings in the shard groups, and across them for the replicas.
    const long long ranks = static_cast<long long>(plan.tp) * plan.cp * plan.dp * plan.pp;
    ring(strided_groups(shapes.dp_shard.size, shapes.dp_shard.stride, ranks), dp);
    ring(strided_groups(shapes.dp_replicate.size, shapes.dp_replicate.stride, ranks), dp);
    load("data-parallel", alone.step.dp_comm_busy, dp, {shapes.dp_shard, shapes.dp_replicate});
  } else {
    ring(rank_groups(plan, Dimension::dp), dp);
    if (plan.ep > 1) ring(rank_groups(plan, Dimension::edp), dp);
    load("data-parallel", alone.step.dp_comm_busy, dp, {shapes.dp, shapes.edp});
  }

  Streams pp(job.cluster);
  for (const auto& g : rank_groups(plan, Dimension::pp)) {
    for (size_t i = 0; i + 1 < g.size(); ++i) {
      pp.add(g[i], g[i + 1]);
      pp.add(g[i + 1], g[i]);
    }
  }
  load("pipeline", alone.step.pp_send_busy, pp, {shapes.pp});

  Streams ep(job.cluster);
  for (const auto& g : rank_groups(plan, Dimension::ep)) {
    const size_t n = g.size();
    if (n < 2) continue;
    for (size_t i = 0; i < n; ++i) ep.add(g[i], g[(i + n / 2) % n]);
  }
  load("expert all-to-all", alone.step.ep_alltoall, ep, {shapes.ep});
  return loads;
}

}  // namespace colossim
