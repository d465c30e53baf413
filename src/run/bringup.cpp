#include "run/bringup.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <utility>

#include "topology/fabric.hpp"

namespace colossim {
namespace {

struct Rack {
  double arrives = 0, powered = 0, accepted = 0;
  long long gpus = 0;
};

// Every rack's arrival, power-up and acceptance; the share that fails burn-in spread evenly
// (rack i fails when floor((i + 1) f) > floor(i f)). Racks fill pods of `pod_gpus` in order; a
// rack is accepted no earlier than its pod's switches carry traffic.
std::vector<Rack> racks_of(const Scenario& s, long long pod_gpus) {
  const BringupSettings& b = *s.bringup;
  const long long job = s.cluster.job_gpus();
  const long long per_rack = s.cluster.gpus_per_rack;
  const long long count = (job + per_rack - 1) / per_rack;
  std::vector<Rack> racks(static_cast<size_t>(count));
  double pod_ready = 0;
  long long pod = -1;
  for (long long i = 0; i < count; ++i) {
    Rack& r = racks[static_cast<size_t>(i)];
    r.gpus = std::min(per_rack, job - i * per_rack);
    r.arrives = static_cast<double>(i) / b.racks_per_day;
    if (i * per_rack / pod_gpus != pod) {  // the first rack of a pod
      pod = i * per_rack / pod_gpus;
      pod_ready = r.arrives + b.pod_fabric_days;
    }
    r.powered = r.arrives + b.install_days;
    r.accepted = r.powered + b.burn_in_days;
    const double f = b.burn_in_failure;
    if (std::floor(static_cast<double>(i + 1) * f) > std::floor(static_cast<double>(i) * f))
      r.accepted += b.rework_days + b.burn_in_days;
    r.accepted = std::max(r.accepted, pod_ready);
  }
  return racks;
}

// The GPUs of `racks` whose `when` is at or before `t`.
long long count_by(const std::vector<Rack>& racks, double Rack::*when, double t) {
  long long n = 0;
  for (const Rack& r : racks) n += r.*when <= t ? r.gpus : 0;
  return n;
}

}  // namespace

BringupReport bringup_timeline(const Scenario& s, double tokens_per_gpu_s, double goodput,
                               double restart_s, double facility_watts) {
  assert(s.bringup && s.training.tokens && tokens_per_gpu_s > 0);
  const BringupSettings& b = *s.bringup;
  BringupReport rep;
  rep.goodput = goodput;
  rep.tokens_per_gpu_s = tokens_per_gpu_s;
  rep.restart_hours = b.restart_hours.value_or(restart_s / 3600.0);
  const long long pod_gpus = std::max<long long>(1, fabric_pod_gpus(s.cluster));
  rep.pod_gpus = pod_gpus;
  const std::vector<Rack> racks = racks_of(s, pod_gpus);
  // The core tier joins the pods: a job larger than one pod waits for it.
  const double core_ready = b.core_fabric_days;
  rep.racks = static_cast<long long>(racks.size());
  std::vector<std::pair<double, long long>> accepted;  // (day, GPUs) in order of acceptance
  for (const Rack& r : racks) {
    accepted.emplace_back(r.accepted, r.gpus);
    rep.all_delivered_day = std::max(rep.all_delivered_day, r.arrives);
  }
  std::sort(accepted.begin(), accepted.end());
  rep.all_accepted_day = accepted.back().first;

  // The job's sizes: whole model-parallel replicas, from start_gpus up in grow_gpus steps; each
  // starts the day enough GPUs are accepted.
  const long long job = s.cluster.job_gpus();
  const long long unit = static_cast<long long>(s.plan.tp) * s.plan.pp * s.plan.cp;
  const auto replicas = [&](long long gpus) { return std::max(unit, gpus / unit * unit); };
  long long size = replicas(b.start_gpus);
  long long have = 0;
  size_t next = 0;
  while (true) {
    while (have < size && next < accepted.size()) have += accepted[next++].second;
    const double day = accepted[next - 1].first;
    rep.growth.push_back(
        {std::min(size, job) > pod_gpus ? std::max(day, core_ready) : day, std::min(size, job)});
    if (size >= job) break;
    size = b.grow_gpus > 0 ? std::min(job, replicas(size + b.grow_gpus)) : job;
  }
  rep.growth.back().gpus = job;
  rep.first_training_day = rep.growth.front().day;
  rep.full_job_day = rep.growth.back().day;

  // Tokens between growths; each growth after the first pays a restart.
  const double budget = *s.training.tokens;
  const double per_day = tokens_per_gpu_s * goodput * 86400.0;
  const double restart_days = rep.restart_hours / 24.0;
  double tokens = 0;
  rep.finish_day = kBringupHorizonDays;
  rep.finishes = false;
  std::vector<double> starts;  // the day each size trains from (after its restart)
  for (size_t k = 0; k < rep.growth.size(); ++k) {
    const double start = rep.growth[k].day + (k > 0 ? restart_days : 0.0);
    starts.push_back(start);
    const double end = k + 1 < rep.growth.size() ? rep.growth[k + 1].day : kBringupHorizonDays;
    const double rate = static_cast<double>(rep.growth[k].gpus) * per_day;
    const double span = std::max(0.0, end - start);
    if (tokens + rate * span >= budget) {
      rep.finish_day = start + (budget - tokens) / rate;
      rep.finishes = true;
      break;
    }
    tokens += rate * span;
  }
  rep.finish_day_waiting = rep.full_job_day + budget / (static_cast<double>(job) * per_day);

  // The days, to the finish (or the horizon).
  const int last = static_cast<int>(
      std::ceil(rep.finishes ? rep.finish_day : std::max(rep.full_job_day, rep.all_accepted_day)));
  double trained = 0;
  for (int d = 0; d <= last; ++d) {
    BringupDay day;
    day.day = d;
    const double t = d + 1.0;  // end of the day
    day.racks_delivered =
        std::min(static_cast<double>(racks.size()), std::floor(t * b.racks_per_day));
    day.gpus_powered = count_by(racks, &Rack::powered, t);
    day.gpus_accepted = count_by(racks, &Rack::accepted, t);
    for (size_t k = 0; k < rep.growth.size(); ++k) {
      if (rep.growth[k].day <= t) day.gpus_training = rep.growth[k].gpus;
    }
    // Tokens trained during the day: each size over its share of [d, d + 1].
    for (size_t k = 0; k < rep.growth.size(); ++k) {
      const double from = std::max(static_cast<double>(d), starts.size() > k ? starts[k] : t);
      const double to =
          std::min({t, rep.finish_day, k + 1 < rep.growth.size() ? rep.growth[k + 1].day : t});
      if (to > from) trained += static_cast<double>(rep.growth[k].gpus) * per_day * (to - from);
    }
    day.tokens = std::min(trained, budget);
    day.power_mw =
        facility_watts * static_cast<double>(day.gpus_powered) / static_cast<double>(job) / 1e6;
    rep.days.push_back(day);
  }
  return rep;
}

}  // namespace colossim
