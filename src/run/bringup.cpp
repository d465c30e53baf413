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

  // Tokens between growths; each growth after the first pays a restart. The run model's lost
  // time (1 - goodput, the full job's) scales with the interruptions: with the job's GPUs, and
  // with their racks' early-life failure rate, factor M on a rack's acceptance decaying over tau
  // days. Size k, trained from t0 on the first racks accepted, loses at time t
  //   L_k (1 + (M - 1) e^{-(t - t0) / tau} S_k),  L_k = (1 - goodput) gpus_k / job,
  //   S_k = sum over its racks of gpus_r e^{-(t0 - accepted_r) / tau} / gpus_k,
  // capped at all of its time; tokens over [a, b] integrate that in closed form.
  const double budget = *s.training.tokens;
  const double per_gpu_day = tokens_per_gpu_s * 86400.0;
  const double lost = 1.0 - goodput;
  const double tau = b.early_life_days;
  const double restart_days = rep.restart_hours / 24.0;
  struct Segment {
    double start = 0, end = 0, rate = 0, base = 0, extra = 0;  // rate: tokens/day with no loss
  };
  const auto segment = [&](long long size, double start, double end) {
    Segment g;
    g.start = start;
    g.end = end;
    const auto gpus = static_cast<double>(size);
    g.rate = gpus * per_gpu_day;
    g.base = lost * gpus / static_cast<double>(job);
    double young = 0, counted = 0;
    for (const auto& [day, n] : accepted) {
      if (counted >= gpus) break;
      const double take = std::min(static_cast<double>(n), gpus - counted);
      young += take * std::exp(-std::max(0.0, g.start - day) / tau);
      counted += take;
    }
    g.extra = std::min(g.base * (b.early_life_factor - 1.0) * young / gpus, 1.0 - g.base);
    return g;
  };
  std::vector<Segment> segments;
  for (size_t k = 0; k < rep.growth.size(); ++k) {
    segments.push_back(
        segment(rep.growth[k].gpus, rep.growth[k].day + (k > 0 ? restart_days : 0.0),
                k + 1 < rep.growth.size() ? rep.growth[k + 1].day : kBringupHorizonDays));
  }
  // Tokens segment k trains over [a, b] inside it.
  const auto trained_in = [&](const Segment& g, double a, double b_end) {
    a = std::max(a, g.start);
    b_end = std::min(b_end, g.end);
    if (b_end <= a) return 0.0;
    const double decay =
        tau * (std::exp(-(a - g.start) / tau) - std::exp(-(b_end - g.start) / tau));
    return g.rate * ((1.0 - g.base) * (b_end - a) - g.extra * decay);
  };
  // The day `segments` have trained the budget (the horizon if they never do).
  const auto finish = [&](const std::vector<Segment>& run, bool& finishes) {
    double tokens = 0;
    finishes = false;
    for (const Segment& g : run) {
      const double here = trained_in(g, g.start, g.end);
      if (tokens + here >= budget) {
        double lo = g.start, hi = g.end;  // by bisection: tokens grow with the day
        for (int i = 0; i < 100; ++i) {
          const double mid = 0.5 * (lo + hi);
          (tokens + trained_in(g, g.start, mid) >= budget ? hi : lo) = mid;
        }
        finishes = true;
        return hi;
      }
      tokens += here;
    }
    return kBringupHorizonDays;
  };
  rep.finish_day = finish(segments, rep.finishes);
  bool waiting_finishes = false;
  rep.finish_day_waiting =
      finish({segment(job, rep.full_job_day, kBringupHorizonDays)}, waiting_finishes);

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
    for (const Segment& g : segments)
      trained += trained_in(g, static_cast<double>(d), std::min(t, rep.finish_day));
    day.tokens = std::min(trained, budget);
    day.power_mw =
        facility_watts * static_cast<double>(day.gpus_powered) / static_cast<double>(job) / 1e6;
    rep.days.push_back(day);
  }
  return rep;
}

}  // namespace colossim
