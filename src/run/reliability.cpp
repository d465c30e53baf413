#include "run/reliability.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <queue>
#include <random>

#include "core/config.hpp"
#include "core/registry.hpp"
#include "topology/fabric.hpp"

namespace colossim {
namespace {

constexpr double kHour = 3600.0;
constexpr double kDay = 86400.0;
// Checkpoint contents per parameter: BF16 weights (2) + FP32 master weights, Adam m and v (12).
constexpr double kCheckpointBytesPerParam = 14.0;

// Uniform in (0, 1) from 53 random bits, the same on every platform.
double uniform(std::mt19937_64& rng) {
  return (static_cast<double>(rng() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

// Interval samplers with a given mean; registered by name below.
using Sampler = double (*)(double mean, double shape, std::mt19937_64& rng);

double sample_exponential(double mean, double /*shape*/, std::mt19937_64& rng) {
  return -std::log(uniform(rng)) * mean;
}

// Weibull with shape k and the scale that keeps the mean: scale = mean / Gamma(1 + 1/k).
double sample_weibull(double mean, double shape, std::mt19937_64& rng) {
  const double scale = mean / std::tgamma(1.0 + 1.0 / shape);
  return scale * std::pow(-std::log(uniform(rng)), 1.0 / shape);
}

struct DistributionEntry {
  IntervalDistributionInfo info;
  Sampler sample;
};

const std::vector<DistributionEntry>& distributions() {
  static const std::vector<DistributionEntry> entries = {
      {{"exponential", "memoryless interruptions at a constant rate (the default)"},
       &sample_exponential},
      {{"weibull",
        "Weibull intervals with the same mean; shape < 1 clusters failures (Schroeder & Gibson, "
        "DSN 2006: "
        "0.7-0.8 for HPC systems)"},
       &sample_weibull},
  };
  return entries;
}

// Asserts a registered name (check_reliability has checked the scenario's).
Sampler sampler_of(const std::string& name) {
  for (const auto& d : distributions()) {
    if (d.info.name == name) return d.sample;
  }
  assert(false && "unknown interval distribution");
  return &sample_exponential;
}

long long blast_nodes(const std::string& blast, const Cluster& c, const ConfigNode& where) {
  if (blast == "none") return 0;
  if (blast == "node") return 1;
  if (blast == "rack") return std::max(1, c.gpus_per_rack / c.gpus_per_node);
  if (blast == "leaf") {
    // Rail-optimised: a leaf carries one rail of half its ports' worth of nodes (the other half
    // face the spines, as in topology/fabric_size.hpp); a ToR design: the nodes of one rack.
    const FabricGenerator* generator = find_fabric_generator(c.topology);
    return generator != nullptr && generator->rail_planes
               ? std::max(1, c.nic.switch_radix / 2)
               : std::max(1, c.gpus_per_rack / c.gpus_per_node);
  }
  where.fail("blast", "expected none, node, rack or leaf");
}

// The calibration run's own rate of unexpected interruptions per 1,000 GPU-days.
double calibration_rate(const ConfigNode& data) {
  double unexpected = 0;
  for (const auto& src : data.child("sources").items()) {
    if (!src.boolean_or("planned", false)) unexpected += src.number("interruptions");
  }
  const ConfigNode calib = data.child("calibration_run");
  return 1000.0 * unexpected / (calib.number("gpus") * calib.number("days"));
}

std::vector<FleetProfile> load_profiles() {
  const auto data = ConfigNode::embedded("reliability.yaml");
  if (!data) throw InputError("data/reliability.yaml", "", "built-in data file is missing");
  std::vector<FleetProfile> out;
  const ConfigNode profiles = data->child("profiles");
  for (const auto& name : profiles.keys()) {
    const ConfigNode p = profiles.child(name);
    p.check_no_unknown_keys({"label", "source", "rate_per_1000_gpu_days"});
    FleetProfile f;
    f.name = name;
    f.label = p.str("label");
    f.source = p.str("source");
    // Absent: the calibration run's own rate (the default profile).
    f.rate_per_1000_gpu_days = p.has("rate_per_1000_gpu_days") ? p.number("rate_per_1000_gpu_days")
                                                               : calibration_rate(*data);
    if (!(f.rate_per_1000_gpu_days > 0 && f.rate_per_1000_gpu_days < 1000))
      p.fail("rate_per_1000_gpu_days", "a positive rate below 1000");
    out.push_back(f);
  }
  if (out.empty()) profiles.fail("", "at least one profile");
  return out;
}

}  // namespace

const std::vector<FleetProfile>& fleet_profiles() {
  static const std::vector<FleetProfile> all = load_profiles();
  return all;
}

long long default_spare_nodes(const RunSetup& setup) {
  double in_repair = 0;  // mean nodes out of service at once
  for (const auto& f : setup.sources) {
    in_repair +=
        f.rate_per_hour * static_cast<double>(f.blast_nodes) * setup.repair.value() / kHour;
  }
  if (!(in_repair > 0)) return 0;
  // The Poisson 99th percentile: accumulate the probabilities (in logs, for large means).
  double cdf = 0;
  for (long long k = 0;; ++k) {
    const double log_p = static_cast<double>(k) * std::log(in_repair) - in_repair -
                         std::lgamma(static_cast<double>(k) + 1);
    cdf += std::exp(log_p);
    if (cdf >= 0.99 || k > 10 * static_cast<long long>(in_repair) + 100) return k;
  }
}

std::vector<IntervalDistributionInfo> interval_distributions() {
  std::vector<IntervalDistributionInfo> out;
  for (const auto& d : distributions()) out.push_back(d.info);
  return out;
}

Seconds young_interval(Seconds pause, Seconds mtbi) {
  return Seconds(std::sqrt(2.0 * pause.value() * mtbi.value()));
}

Seconds daly_interval(Seconds pause, Seconds mtbi) {
  const double pause_s = pause.value(), mtbi_s = mtbi.value();
  if (pause_s >= 2.0 * mtbi_s) return mtbi;
  const double x = pause_s / (2.0 * mtbi_s);
  return Seconds(std::sqrt(2.0 * pause_s * mtbi_s) * (1.0 + std::sqrt(x) / 3.0 + x / 9.0) -
                 pause_s);
}

void check_reliability(const Scenario& s) {
  if (find_named(fleet_profiles(), s.reliability.profile) == nullptr) {
    throw InputError(s.file, "reliability.profile",
                     "expected one of " + joined_names(fleet_profiles()) + ", got \"" +
                         s.reliability.profile + "\"");
  }
  std::string names;
  for (const auto& d : distributions()) {
    if (d.info.name == s.reliability.distribution) return;
    names += (names.empty() ? "" : " | ") + d.info.name;
  }
  throw InputError(s.file, "reliability.distribution",
                   "expected one of " + names + ", got \"" + s.reliability.distribution + "\"");
}

namespace {

// Slow hosts (SlowHosts in the header): the share of the training time the job holds a slow
// node, its training time at that pace, and under `drop` the planned restarts that remove them.
void add_slow_hosts(RunSetup& setup, const SlowHostSettings& given, const ConfigNode& data) {
  SlowHosts& h = setup.slow;
  h.per_node_hour = given.per_node_day.value_or(data.number("per_node_day")) / 24.0;
  h.duration = given.duration.value_or(data.duration("duration"));
  h.lemon_fraction = given.lemon_fraction.value_or(data.number("lemon_fraction"));
  h.slowdown = given.slowdown.value_or(data.number("slowdown"));
  h.policy = given.policy;
  h.detection = given.detection.value_or(data.duration("detection"));
  const auto nodes = static_cast<double>(setup.job_nodes);
  const double mean_h = h.duration.value() / kHour;
  const double restart_h = (setup.restart + setup.checkpoint_write).value() / kHour;
  const bool drop = h.policy == "drop";
  h.drops_spells = drop && (h.slowdown - 1) * mean_h > restart_h;
  // A spell found after `detection` and dropped is slow only until then: E[min(X, t)].
  const double caught = std::exp(-h.detection.value() / kHour / mean_h);
  const double slow_h = h.drops_spells ? mean_h * (1 - caught) : mean_h;
  const double spells = nodes * h.per_node_hour * slow_h;  // in progress, on average
  const double lemons_in = drop ? 0.0 : 1 - std::pow(1 - h.lemon_fraction, nodes);
  h.slow_share = 1 - std::exp(-spells) * (1 - lemons_in);
  h.work_factor = 1 + (h.slowdown - 1) * h.slow_share;
  const double work_h = setup.work.value() / kHour;
  // Dropped: every spell outlasting detection; every lemon of the job once, spread over the run.
  double drops_per_hour = h.drops_spells ? nodes * h.per_node_hour * caught : 0.0;
  if (drop && work_h > 0) drops_per_hour += nodes * h.lemon_fraction / (work_h * h.work_factor);
  h.drops_per_day = drops_per_hour * 24;
  setup.work = setup.work * h.work_factor;
  if (drops_per_hour > 0) {
    FailureSource f;
    f.name = "slow-host-dropped";
    f.category = "slow host";
    f.unit = "node";
    f.units = nodes;
    f.rate_per_hour = drops_per_hour;
    f.blast_nodes = 1;
    f.planned = true;
    setup.rate_per_hour += f.rate_per_hour;
    setup.sources.push_back(f);
  }
}

}  // namespace

RunSetup make_run_setup(const Scenario& s, const Prediction& p) {
  check_reliability(s);
  const auto data = ConfigNode::embedded("reliability.yaml");
  if (!data) throw InputError("data/reliability.yaml", "", "built-in data file is missing");
  const ConfigNode calib = data->child("calibration_run");
  const double calib_hours = calib.number("days") * 24.0;
  const ConfigNode defaults = data->child("defaults");
  const ReliabilitySettings& r = s.reliability;
  const Cluster& c = s.cluster;

  RunSetup setup;
  setup.job_gpus = static_cast<double>(c.job_gpus());
  setup.job_nodes = std::max(1LL, c.job_gpus() / c.gpus_per_node);
  const double units_of[] = {setup.job_gpus, static_cast<double>(setup.job_nodes),
                             setup.job_gpus * c.node.nics_per_gpu, 1.0};
  const double calib_units[] = {calib.number("gpus"), calib.number("nodes"), calib.number("gpus"),
                                1.0};
  // A fleet profile scales the unexpected sources to its rate, keeping the calibration run's
  // mix of causes; planned maintenance is the site's own.
  const double fleet =
      find_named(fleet_profiles(), r.profile)->rate_per_1000_gpu_days / calibration_rate(*data);
  for (const auto& src : data->child("sources").items()) {
    FailureSource f;
    f.name = src.str("name");
    f.category = src.str("category");
    f.unit = src.choice_or("unit", {"gpu", "node", "link", "job"}, "gpu");
    const int u = f.unit == "gpu" ? 0 : f.unit == "node" ? 1 : f.unit == "link" ? 2 : 3;
    f.units = units_of[u];
    f.rate_per_hour = src.number("interruptions") / (calib_units[u] * calib_hours) * f.units;
    f.blast_nodes = blast_nodes(src.str("blast"), c, src);
    f.planned = src.boolean_or("planned", false);
    if (!f.planned) f.rate_per_hour *= fleet;
    setup.rate_per_hour += f.rate_per_hour;
    setup.sources.push_back(f);
  }

  setup.step = p.step.step_time;
  if (s.training.tokens) setup.work = Seconds(*s.training.tokens / p.tokens_per_s);
  setup.checkpoint_bytes = Bytes(static_cast<double>(s.model.params()) * kCheckpointBytesPerParam);
  const double storage =
      r.storage_bandwidth
          ? r.storage_bandwidth->value()
          : defaults.bandwidth("storage_bandwidth_per_gpu").value() * setup.job_gpus;
  setup.checkpoint_write = Seconds(setup.checkpoint_bytes.value() / storage);
  setup.async_checkpoint = r.async_checkpoint;
  const Bytes shard = setup.checkpoint_bytes / setup.job_gpus;
  setup.checkpoint_overhead = defaults.duration("checkpoint_overhead");
  setup.snapshot = shard / defaults.bandwidth("snapshot_bandwidth_per_gpu");
  setup.min_interval =
      std::max(defaults.duration("min_checkpoint_interval"), setup.checkpoint_write);
  const double detection =
      r.detection ? r.detection->value() : defaults.duration("detection").value();
  const double relaunch = r.relaunch ? r.relaunch->value() : defaults.duration("relaunch").value();
  const double comm =
      defaults.duration("comm_init_base").value() +
      defaults.duration("comm_init_per_node").value() * static_cast<double>(setup.job_nodes);
  setup.restart = Seconds(detection + relaunch + comm +
                          setup.checkpoint_write.value());  // load at the write rate
  setup.repair = r.repair_time ? *r.repair_time : defaults.duration("repair_time");
  add_slow_hosts(setup, r.slow_hosts, data->child("slow_hosts"));  // before the spares' default
  setup.spare_nodes = r.spare_nodes ? *r.spare_nodes : c.spare_gpus / c.gpus_per_node;
  if (!r.spare_nodes && !c.spare_gpus_given) {
    setup.spare_nodes = default_spare_nodes(setup);
    setup.spares_defaulted = true;
  }
  setup.distribution = r.distribution;
  setup.profile = r.profile;
  setup.weibull_shape = r.weibull_shape ? *r.weibull_shape : defaults.number("weibull_shape");
  return setup;
}

namespace {

struct Trial {
  double wall_s = 0;
  double progress_s = 0;
  std::vector<double> by_source;
  std::vector<RunEvent> events;
  bool extrapolated = false;  // finished by its renewal-reward rate past the event budget
};

// A trial past its share of the Monte Carlo's step budget extends by the rate it ran at (the
// renewal-reward theorem: progress per wall second converges to a constant), so any run length
// costs the same; it simulates at least this many steps.
constexpr long long kMinStepsPerTrial = 2'000;
// The checkpoint-interval search's budget per candidate interval (17 candidates).
constexpr long long kSearchStepBudget = 250'000;
// Each what-if's (seven of them beside the run): comparisons, at a quarter of the run's.
constexpr long long kWhatIfStepBudget = 1'000'000;

// One run, event by event. Wall time and training progress advance together while training;
// checkpoints pause it, failures roll it back to the last durable checkpoint and restart it.
Trial run_trial(const RunSetup& setup, Seconds interval, std::mt19937_64& rng, double end_progress,
                double end_wall, bool record, long long max_steps) {
  const Sampler sample = sampler_of(setup.distribution);
  // Plain seconds through the event loop.
  const double interval_s = interval.value(), repair_s = setup.repair.value();
  const double restart_s = setup.restart.value(), write_s = setup.checkpoint_write.value();
  const double pause_s = setup.pause().value();
  const double mean_s = setup.rate_per_hour > 0 ? kHour / setup.rate_per_hour
                                                : std::numeric_limits<double>::infinity();
  const double inf = std::numeric_limits<double>::infinity();
  Trial tr;
  tr.by_source.assign(setup.sources.size(), 0);
  double t = 0, p = 0, durable = 0;
  double pending_value = 0, pending_done = inf;  // an asynchronous write in flight
  double next_mark = interval_s;
  double next_failure = std::isfinite(mean_s) ? sample(mean_s, setup.weibull_shape, rng) : inf;
  long long spares = setup.spare_nodes;
  std::priority_queue<std::pair<double, long long>, std::vector<std::pair<double, long long>>,
                      std::greater<>>
      repairs;

  auto pick_source = [&]() {
    double u = uniform(rng) * setup.rate_per_hour;
    for (size_t i = 0; i < setup.sources.size(); ++i) {
      u -= setup.sources[i].rate_per_hour;
      if (u <= 0) return i;
    }
    return setup.sources.size() - 1;
  };

  // Handles the failure at time t and every further one before the job is running again.
  auto fail = [&]() {
    while (true) {
      const size_t src = pick_source();
      const FailureSource& f = setup.sources[src];
      ++tr.by_source[src];
      double lost = 0;
      if (!f.planned) {
        lost = p - durable;
        p = durable;
      } else {
        durable = p;  // maintenance is announced: checkpoint, then stop
      }
      pending_done = inf;
      // Take the blast radius out of service; run on spares, or wait for repairs.
      while (!repairs.empty() && repairs.top().first <= t) {
        spares += repairs.top().second;
        repairs.pop();
      }
      double ready = t;
      if (f.blast_nodes > 0) {
        repairs.emplace(t + repair_s, f.blast_nodes);
        spares -= f.blast_nodes;
        while (spares < 0 && !repairs.empty()) {
          ready = std::max(ready, repairs.top().first);
          spares += repairs.top().second;
          repairs.pop();
        }
      }
      const double resume = ready + restart_s + (f.planned ? write_s : 0.0);
      next_failure = t + sample(mean_s, setup.weibull_shape, rng);
      if (record) tr.events.push_back({t / kDay, f.name, Seconds(lost), Seconds(resume - t)});
      if (next_failure < resume && next_failure < end_wall) {
        t = next_failure;
        continue;  // failed again while restarting
      }
      t = std::min(resume, end_wall);
      next_mark = p + interval_s;
      return;
    }
  };

  long long steps = 0;
  while (p < end_progress && t < end_wall) {
    if (++steps > max_steps && t > 0 && p > 0) {
      // Past the budget: the rest of the run at the rate this one has run at.
      const double rate = p / t;
      const double scale_from = t;
      const double finish = std::isfinite(end_progress) ? t + (end_progress - p) / rate : inf;
      if (finish <= end_wall) {
        t = finish;
        p = end_progress;
      } else {
        p += (end_wall - t) * rate;
        t = end_wall;
      }
      for (double& n : tr.by_source) n *= t / scale_from;
      tr.extrapolated = true;
      break;
    }
    // Step to the next event by the distance to it, landing exactly on progress marks (adding a
    // wall-clock difference back to p can round short of the mark and never reach it).
    const double to_mark = next_mark - p;
    const double to_finish = end_progress - p;
    const double step =
        std::min({next_failure - t, to_mark, to_finish, pending_done - t, end_wall - t});
    t += step;
    p += step;
    if (step == to_finish) p = end_progress;
    if (step == to_mark) p = next_mark;
    if (t >= pending_done) {
      durable = pending_value;
      pending_done = inf;
    }
    if (t >= end_wall || p >= end_progress) break;
    if (t >= next_failure) {
      fail();
      continue;
    }
    if (p >= next_mark) {
      // An asynchronous checkpoint first waits for the previous write to be durable.
      const double wait = pending_done < inf ? pending_done - t : 0.0;
      const double pause_end = t + wait + pause_s;
      if (next_failure < pause_end) {
        t = next_failure;
        fail();
        continue;
      }
      t = pause_end;
      if (pending_done <= t) {
        durable = pending_value;
        pending_done = inf;
      }
      if (setup.async_checkpoint) {
        pending_value = p;
        pending_done = t + write_s;
      } else {
        durable = p;
      }
      next_mark = p + interval_s;
    }
  }
  tr.wall_s = t;
  tr.progress_s = p;
  return tr;
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const size_t i = static_cast<size_t>(pos);
  const double frac = pos - static_cast<double>(i);
  return i + 1 < v.size() ? v[i] * (1 - frac) + v[i + 1] * frac : v[i];
}

// Independent, reproducible streams per trial (SplitMix64 of the seed and the trial index).
unsigned long long trial_seed(unsigned long long seed, int trial) {
  unsigned long long z = seed + 0x9E3779B97F4A7C15ULL * static_cast<unsigned long long>(trial + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

RunResult simulate_run(const RunSetup& setup, Seconds interval, int trials, unsigned long long seed,
                       std::optional<double> span_days, long long step_budget) {
  RunResult r;
  r.trials = trials;
  r.interval = interval;
  const double inf = std::numeric_limits<double>::infinity();
  const double work_s = setup.work.value();
  const double end_progress = span_days ? inf : work_s;
  const double end_wall = span_days ? *span_days * kDay : kMaxWallFactor * work_s;
  int unfinished = 0;
  std::vector<double> days, goodputs;
  std::vector<double> by_source(setup.sources.size(), 0.0);
  for (int i = 0; i < trials; ++i) {
    std::mt19937_64 rng(trial_seed(seed, i));
    const long long budget = std::max(kMinStepsPerTrial, step_budget / std::max(1, trials));
    const Trial tr = run_trial(setup, interval, rng, end_progress, end_wall, i == 0, budget);
    r.extrapolated_fraction += tr.extrapolated ? 1.0 : 0.0;
    days.push_back(tr.wall_s / kDay);
    const double g = tr.wall_s > 0 ? tr.progress_s / tr.wall_s : 1.0;
    goodputs.push_back(g);
    double total = 0;
    for (size_t k = 0; k < by_source.size(); ++k) {
      by_source[k] += tr.by_source[k];
      total += tr.by_source[k];
    }
    r.interruptions_mean += total;
    r.days_lost += (tr.wall_s - tr.progress_s) / kDay;
    if (span_days && work_s > 0) r.progress_fraction += tr.progress_s / work_s;
    if (i == 0) r.timeline = tr.events;
    if (!span_days && tr.progress_s < end_progress) ++unfinished;
    if (!span_days && i + 1 >= 10 && unfinished == i + 1) {
      r.trials = i + 1;  // every trial so far hit the bound: the run does not finish
      break;
    }
  }
  trials = r.trials;
  r.unfinished_fraction = static_cast<double>(unfinished) / std::max(1, trials);
  r.extrapolated_fraction /= std::max(1, trials);
  const double n = std::max(1, trials);
  r.interruptions_mean /= n;
  r.days_lost /= n;
  r.progress_fraction /= n;
  for (size_t k = 0; k < by_source.size(); ++k)
    r.interruptions_by_cause[setup.sources[k].name] = by_source[k] / n;
  double mean_g = 0;
  for (double g : goodputs) mean_g += g;
  mean_g /= n;
  double var = 0;
  for (double g : goodputs) var += (g - mean_g) * (g - mean_g);
  r.goodput = mean_g;
  r.goodput_stddev = std::sqrt(var / n);
  r.gpu_hours_lost = r.days_lost * 24.0 * setup.job_gpus;
  r.days_median = percentile(days, 0.5);
  r.days_p10 = percentile(days, 0.1);
  r.days_p90 = percentile(days, 0.9);
  double mean_days = 0;
  for (double d : days) mean_days += d;
  r.days_mean = mean_days / n;
  return r;
}

IntervalChoice choose_interval(const RunSetup& setup, const Scenario& s) {
  IntervalChoice c;
  // Young's and Daly's intervals trade checkpoint writes against work lost: only interruptions
  // that lose work count, not announced maintenance (checkpointed before it stops the job).
  double losing_per_hour = 0;
  for (const auto& f : setup.sources) losing_per_hour += f.planned ? 0.0 : f.rate_per_hour;
  const Seconds mtbi(losing_per_hour > 0 ? kHour / losing_per_hour
                                         : std::numeric_limits<double>::infinity());
  c.young = young_interval(setup.pause(), mtbi);
  c.daly = daly_interval(setup.pause(), mtbi);
  // Search a geometric grid from a quarter to four times Daly's interval, all candidates on the
  // same random numbers, for the shortest mean run (span mode: the most progress).
  const int trials = std::min(s.reliability.trials, 200);
  const double daly = c.daly.value();
  const double base = std::isfinite(daly) && daly > 0 ? daly : 3600.0;
  const std::optional<double> span =
      setup.work > Seconds(0) ? std::nullopt : std::optional<double>(30.0);
  double best = -1;
  for (int k = -8; k <= 8; ++k) {
    const Seconds interval = std::max(setup.min_interval, Seconds(base * std::pow(2.0, k / 4.0)));
    if (k > -8 && interval == setup.min_interval) continue;  // already tried at the floor
    const RunResult r =
        simulate_run(setup, interval, trials, s.reliability.seed, span, kSearchStepBudget);
    if (best < 0 || r.goodput > best) {
      best = r.goodput;
      c.simulated = interval;
    }
  }
  c.chosen = s.reliability.checkpoint_interval ? *s.reliability.checkpoint_interval : c.simulated;
  return c;
}

}  // namespace colossim

namespace colossim {

ReliabilityReport reliability_report(const Scenario& s, const Prediction& p,
                                     std::optional<double> span_days, bool what_ifs) {
  if (!s.training.tokens && !span_days) {
    throw InputError(s.file, "training.tokens",
                     "the run needs a token budget (or simulate a span with --days)");
  }
  ReliabilityReport rep;
  rep.setup = make_run_setup(s, p);
  rep.span_days = span_days;
  if (s.reliability.checkpoint_interval) {
    // Each checkpoint is an event of the simulation: keep a trial's count bounded.
    const double span_s = span_days ? *span_days * kDay : rep.setup.work.value();
    const double per_trial = span_s / s.reliability.checkpoint_interval->value();
    if (per_trial > 1e6) {
      throw InputError(
          s.file, "reliability.checkpoint_interval",
          fmt::format(
              "expected at least {:.0f} s for a run this long (at most a million checkpoints)",
              std::ceil(span_s / 1e6)));
    }
  }
  rep.interval = choose_interval(rep.setup, s);
  rep.result = simulate_run(rep.setup, rep.interval.chosen, s.reliability.trials,
                            s.reliability.seed, span_days);
  if (!what_ifs) return rep;
  const int trials = std::min(s.reliability.trials, 200);
  auto what_if = [&](const std::string& name, const RunSetup& setup, Seconds interval) {
    const RunResult r =
        simulate_run(setup, interval, trials, s.reliability.seed, span_days, kWhatIfStepBudget);
    rep.what_ifs.push_back({name, r.goodput, r.days_median});
  };
  const Seconds chosen = rep.interval.chosen;
  // Slow hosts: the other policy; or, with none set, the rates GREYHOUND measured on shared
  // nodes (data/reliability.yaml example_*), tolerated and dropped.
  {
    const SlowHosts& h = rep.setup.slow;
    const ConfigNode data = ConfigNode::embedded("reliability.yaml")->child("slow_hosts");
    Scenario other = s;
    SlowHostSettings& set = other.reliability.slow_hosts;
    const bool none = h.per_node_hour <= 0 && h.lemon_fraction <= 0;
    std::vector<std::string> policies = {h.policy == "drop" ? "tolerate" : "drop"};
    if (none) {
      set.per_node_day = data.number("example_per_node_day");
      set.lemon_fraction = data.number("example_lemon_fraction");
      policies = {"tolerate", "drop"};
    }
    for (const auto& policy : policies) {
      set.policy = policy;
      const RunSetup slow = make_run_setup(other, p);
      what_if(std::string(none ? "GREYHOUND's slow hosts, " : "slow hosts ") +
                  (policy == "drop" ? "dropped" : "tolerated"),
              slow, choose_interval(slow, other).chosen);
    }
  }
  what_if("checkpoint interval x 0.5", rep.setup, chosen * 0.5);
  what_if("checkpoint interval x 2", rep.setup, chosen * 2.0);
  RunSetup v = rep.setup;
  v.spare_nodes = 0;
  what_if("no spare nodes", v, chosen);
  v = rep.setup;
  v.spare_nodes = std::max<long long>(2 * rep.setup.spare_nodes, rep.setup.job_nodes / 50);
  what_if("spare nodes " + std::to_string(v.spare_nodes), v, chosen);
  v = rep.setup;
  v.restart *= 0.5;
  what_if("restart x 0.5", v, chosen);
  v = rep.setup;
  v.restart *= 2.0;
  what_if("restart x 2", v, chosen);
  v = rep.setup;
  v.async_checkpoint = !v.async_checkpoint;
  what_if(v.async_checkpoint ? "asynchronous checkpoints" : "synchronous checkpoints", v, chosen);
  return rep;
}

std::optional<ReliabilityReport> run_summary(const Scenario& s, const Prediction& p) {
  if (!s.training.tokens) return std::nullopt;
  Scenario quick = s;
  quick.reliability.trials = std::min(quick.reliability.trials, 200);
  ReliabilityReport rep = reliability_report(quick, p, std::nullopt, false);
  // The same run at the lowest and the highest rate published fleets measured.
  const auto& profiles = fleet_profiles();
  const auto [lo, hi] = std::minmax_element(
      profiles.begin(), profiles.end(), [](const FleetProfile& a, const FleetProfile& b) {
        return a.rate_per_1000_gpu_days < b.rate_per_1000_gpu_days;
      });
  FleetRange range;
  range.low_profile = lo->name;
  range.high_profile = hi->name;
  quick.reliability.trials = std::min(quick.reliability.trials, 40);  // medians only
  for (const FleetProfile* f : {&*lo, &*hi}) {
    quick.reliability.profile = f->name;
    const ReliabilityReport at = reliability_report(quick, p, std::nullopt, false);
    (f == &*lo ? range.low_days : range.high_days) = at.result.days_median;
    range.finished = range.finished && at.result.finishes();
  }
  rep.fleets = range;
  return rep;
}

}  // namespace colossim
