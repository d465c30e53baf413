#include "run/reliability.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "test_support.hpp"

using namespace colossim;
using colossim::testing::scenario;

namespace {

// Meta's Llama 3 405B job: 16,384 H100 of a 24,576-GPU cluster (the rest as spares), 16 GPUs
// per rack, Meta's plan (Llama 3 paper Table 4).
const std::string kLlama3 =
    "name: llama3\n"
    "cluster: {gpu: h100-sxm-80gb, gpus: 24576, spare_gpus: 8192, gpus_per_rack: 16,"
    " network: {nic: cx7-roce-400, topology: clos}}\n"
    "model: {preset: llama3-405b}\n"
    "training: {global_batch: 2048, tokens: 15.6e12}\n"
    "parallelism: {tp: 8, cp: 1, pp: 16, virtual_stages: 4, micro_batch: 1, recompute: none, ep: 1,"
    " tp_comm_overlap: true}\n";

ReliabilityReport report(const Scenario& s, std::optional<double> days, bool what_ifs = false) {
  return reliability_report(s, colossim::testing::predicted(s), days, what_ifs);
}

// A setup with no failures, to check the checkpoint accounting in closed form.
RunSetup failure_free(double work_s, double pause_s) {
  RunSetup s;
  s.work = Seconds(work_s);
  s.job_gpus = 8;
  s.job_nodes = 1;
  s.async_checkpoint = false;
  s.checkpoint_write = Seconds(pause_s);
  return s;
}

}  // namespace

// Llama 3 paper, Table 5 and Sec 3.3.4: 54 days on 16,384 H100, 419 unexpected + 47 planned
// interruptions by cause, effective training time above 90%. The rates come from that table,
// so the counts are a check of the bookkeeping (failures during restarts, units, scaling); the
// effective training time is the model's own prediction.
TEST(Reliability, ReproducesLlama3InterruptionsByCauseAndGoodput) {
  const Scenario s = scenario(kLlama3);
  const ReliabilityReport r = report(s, 54.0);
  const std::map<std::string, double> table5 = {{"faulty-gpu", 148},
                                                {"gpu-hbm3-memory", 72},
                                                {"software-bug", 54},
                                                {"network-switch-cable", 35},
                                                {"host-maintenance", 32},
                                                {"gpu-sram-memory", 19},
                                                {"gpu-system-processor", 17},
                                                {"nic", 7},
                                                {"nccl-watchdog-timeout", 7},
                                                {"silent-data-corruption", 6},
                                                {"gpu-thermal-sensor", 6},
                                                {"ssd", 3},
                                                {"power-supply", 3},
                                                {"server-chassis", 2},
                                                {"io-expansion-board", 2},
                                                {"dependency", 2},
                                                {"cpu", 2},
                                                {"system-memory", 2},
                                                {"planned-maintenance", 47}};
  for (const auto& [cause, count] : table5) {
    EXPECT_NEAR(r.result.interruptions_by_cause.at(cause), count, 0.10 * count) << cause;
  }
  EXPECT_NEAR(r.result.interruptions_mean, 466, 0.10 * 466);
  EXPECT_GT(r.result.goodput, 0.90);
}

TEST(Reliability, FailuresScaleWithTheCluster) {
  Scenario small = scenario(kLlama3);
  const RunSetup a = make_run_setup(small, colossim::testing::predicted(small));
  const Scenario big = default_scenario(colossim::testing::catalog());
  const RunSetup b = make_run_setup(big, colossim::testing::predicted(big));
  // 98,304 vs 16,384 GPUs: six times the GPU-driven failures; planned maintenance per job.
  double gpu_a = 0, gpu_b = 0;
  for (const auto& f : a.sources) gpu_a += f.unit == "gpu" ? f.rate_per_hour : 0;
  for (const auto& f : b.sources) gpu_b += f.unit == "gpu" ? f.rate_per_hour : 0;
  EXPECT_NEAR(gpu_b / gpu_a, 6.0, 1e-9);
  EXPECT_NEAR(a.sources.back().rate_per_hour, b.sources.back().rate_per_hour, 1e-12);
}

TEST(Reliability, SameSeedSameResultOtherSeedOtherResult) {
  Scenario s = scenario(kLlama3);
  s.reliability.trials = 100;
  const auto a = report(s, 20.0);
  const auto b = report(s, 20.0);
  EXPECT_EQ(a.result.goodput, b.result.goodput);
  EXPECT_EQ(a.result.interruptions_mean, b.result.interruptions_mean);
  ASSERT_EQ(a.result.timeline.size(), b.result.timeline.size());
  s.reliability.seed = 2;
  EXPECT_NE(report(s, 20.0).result.goodput, a.result.goodput);
}

// The spread of the estimate falls as trials grow: the mean goodput of 16x more trials varies
// across seeds about 4x less.
TEST(Reliability, EstimatesConvergeWithTrials) {
  Scenario s = scenario(kLlama3);
  const RunSetup setup = make_run_setup(s, colossim::testing::predicted(s));
  auto spread = [&](int trials) {
    double sum = 0, sum2 = 0;
    const int seeds = 12;
    for (int seed = 1; seed <= seeds; ++seed) {
      const double g =
          simulate_run(setup, Seconds(600), trials, static_cast<unsigned long long>(seed), 10.0)
              .goodput;
      sum += g;
      sum2 += g * g;
    }
    const double mean = sum / seeds;
    return std::sqrt(std::max(0.0, sum2 / seeds - mean * mean));
  };
  const double few = spread(10), many = spread(160);
  EXPECT_LT(many, few / 2.5);
}

// Young: sqrt(2 delta M). Daly (2006): sqrt(2 delta M)(1 + sqrt(delta/2M)/3 + (delta/2M)/9) -
// delta.
TEST(Reliability, YoungAndDalyClosedForms) {
  EXPECT_NEAR(young_interval(Seconds(60), Seconds(3600)).value(), std::sqrt(2.0 * 60 * 3600), 1e-9);
  const double x = 60.0 / 7200.0;
  EXPECT_NEAR(daly_interval(Seconds(60), Seconds(3600)).value(),
              std::sqrt(2.0 * 60 * 3600) * (1 + std::sqrt(x) / 3 + x / 9) - 60, 1e-9);
  EXPECT_DOUBLE_EQ(daly_interval(Seconds(8000), Seconds(3600)).value(),
                   3600);  // delta >= 2M: checkpoint every M
}

// Young's and Daly's intervals count only interruptions that lose work: announced maintenance is
// checkpointed before it stops the job (on one node it made Young's interval 19 min, not 4.8 h).
TEST(Reliability, ClosedFormIntervalsIgnorePlannedMaintenance) {
  RunSetup setup = failure_free(86400, 60);
  FailureSource lost, planned;
  lost.rate_per_hour = 1.0 / 10;
  planned.rate_per_hour = 1.0;
  planned.planned = true;
  setup.sources = {lost, planned};
  setup.rate_per_hour = lost.rate_per_hour + planned.rate_per_hour;
  const IntervalChoice c = choose_interval(setup, colossim::testing::scenario(kLlama3));
  EXPECT_NEAR(c.young.value(), young_interval(Seconds(60), Seconds(36000)).value(), 1e-9);
  EXPECT_NEAR(c.daly.value(), daly_interval(Seconds(60), Seconds(36000)).value(), 1e-9);
}

// With exponential failures the simulated optimum sits near Daly's interval.
TEST(Reliability, SimulatedOptimumAgreesWithDaly) {
  const ReliabilityReport r = report(scenario(kLlama3), 30.0);
  EXPECT_GT(r.interval.simulated.value(), 0.5 * r.interval.daly.value());
  EXPECT_LT(r.interval.simulated.value(), 2.0 * r.interval.daly.value());
}

// No failures: the wall time is the work plus one pause per checkpoint taken.
TEST(Reliability, FailureFreeRunPaysOnlyForCheckpoints) {
  const RunSetup s = failure_free(10000, 5);
  const RunResult r = simulate_run(s, Seconds(1000), 3, 1);
  EXPECT_NEAR(r.days_mean * 86400, 10000 + 9 * 5, 1e-6);  // marks at 1000..9000; none at the end
  EXPECT_EQ(r.interruptions_mean, 0);
}

TEST(Reliability, WeibullKeepsTheMeanRate) {
  Scenario s = scenario(kLlama3);
  s.reliability.distribution = "weibull";
  s.reliability.trials = 300;
  const ReliabilityReport r = report(s, 54.0);
  EXPECT_NEAR(r.result.interruptions_mean, 466, 0.08 * 466);
  std::set<std::string> names;
  for (const auto& d : interval_distributions()) names.insert(d.name);
  EXPECT_EQ(names.count("weibull") + names.count("exponential"), 2u);
}

TEST(Reliability, SparesAndRestartTimeMatter) {
  Scenario s = scenario(kLlama3);
  s.reliability.trials = 100;
  const ReliabilityReport r = report(s, 30.0, true);
  std::map<std::string, double> g;
  for (const auto& w : r.what_ifs) g[w.name] = w.goodput;
  EXPECT_LT(g.at("no spare nodes"), r.result.goodput);
  EXPECT_GT(g.at("restart x 0.5"), g.at("restart x 2"));
}

TEST(Reliability, NeedsATokenBudgetOrASpan) {
  const Scenario s = scenario(
      "cluster: {gpu: h100-sxm-80gb, gpus: 8}\nmodel: {preset: llama3-8b}\n"
      "training: {global_batch: 8}\nparallelism: {tp: 8, pp: 1, cp: 1, micro_batch: 1,"
      " virtual_stages: 1, recompute: none}\n");
  const Verdict v = predict(s, Calibration::builtin());
  ASSERT_TRUE(v.prediction);
  EXPECT_THROW((void)reliability_report(s, *v.prediction, std::nullopt, false), InputError);
  EXPECT_NO_THROW((void)reliability_report(s, *v.prediction, 1.0, false));
}

TEST(Reliability, BadReliabilityKeysAreInputErrors) {
  const std::string base =
      "cluster: {gpu: h100-sxm-80gb, gpus: 8}\nmodel: {preset: llama3-8b}\ntraining: "
      "{global_batch: 8}\n";
  // The distribution's name is the run model's to check (its registry), not the reader's.
  EXPECT_THROW(check_reliability(scenario(base + "reliability: {distribution: gamma}\n")),
               InputError);
  EXPECT_THROW((void)scenario(base + "reliability: {checkpoint_interval: -5min}\n"), InputError);
  EXPECT_THROW((void)scenario(base + "reliability: {storage_bandwidth: fast}\n"), InputError);
  EXPECT_THROW((void)scenario(base + "reliability: {weibull_shape: 40}\n"), InputError);
  EXPECT_THROW((void)scenario(base + "reliability: {spare_nodes: -1}\n"), InputError);
  EXPECT_THROW((void)scenario(base + "reliability: {checkpoint_every: 5}\n"), InputError);
}

// When interruptions come faster than restarts finish, the run does not finish: the Monte Carlo
// stops at kMaxWallFactor x the failure-free time and after ten such trials, and says so rather
// than simulating years of restarts.
TEST(Reliability, ARunThatCannotOutpaceItsFailuresIsReportedAsNotFinishing) {
  Scenario s = scenario(kLlama3);
  s.reliability.relaunch = Seconds(20 * 3600.0);  // MTBI ~2.8 h on 16k GPUs (Llama 3)
  const auto r = report(s, std::nullopt).result;
  EXPECT_EQ(r.trials, 10);
  EXPECT_DOUBLE_EQ(r.unfinished_fraction, 1.0);
  EXPECT_LT(r.goodput, 1.0 / kMaxWallFactor + 1e-9);
  const auto fine = report(scenario(kLlama3), std::nullopt).result;
  EXPECT_DOUBLE_EQ(fine.unfinished_fraction, 0.0);
}

// A fleet profile scales the unexpected sources by its rate over the Llama 3 run's (419
// interruptions in 54 days on 16,384 GPUs: 0.4736 per 1,000 GPU-days), keeping planned
// maintenance; run_summary prices the run at the lowest and highest published rates too.
TEST(Reliability, FleetProfilesScaleTheUnexpectedRate) {
  const Scenario base = scenario(kLlama3);
  Scenario opt = base;
  opt.reliability.profile = "opt-175b";
  const RunSetup a = make_run_setup(base, colossim::testing::predicted(base));
  const RunSetup b = make_run_setup(opt, colossim::testing::predicted(opt));
  ASSERT_EQ(a.sources.size(), b.sources.size());
  const double llama3 = 1000.0 * 419 / (16384.0 * 54);
  for (size_t i = 0; i < a.sources.size(); ++i) {
    const double expected = a.sources[i].planned ? 1.0 : 1.76 / llama3;
    EXPECT_NEAR(b.sources[i].rate_per_hour / a.sources[i].rate_per_hour, expected, 1e-9)
        << a.sources[i].name;
  }
  Scenario bad = base;
  bad.reliability.profile = "sunshine";
  try {
    check_reliability(bad);
    ADD_FAILURE() << "an unknown profile was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("reliability.profile"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("meta-rsc1"), std::string::npos) << e.what();
  }
  const auto run = run_summary(base, colossim::testing::predicted(base));
  ASSERT_TRUE(run && run->fleets);
  EXPECT_EQ(run->fleets->low_profile, "meta-rsc2");
  EXPECT_EQ(run->fleets->high_profile, "opt-175b");
  EXPECT_LT(run->fleets->low_days, run->result.days_median);
  EXPECT_GT(run->fleets->high_days, run->result.days_median);
}

// A run longer than the Monte Carlo's step budget is simulated for its share, then extended at
// the rate it ran (renewal-reward): the result agrees with simulating every event, within the
// Monte Carlo's own spread, at a fraction of the work.
TEST(Reliability, LongRunsExtendAtTheirOwnRate) {
  const Scenario s = scenario(kLlama3);
  const RunSetup setup = make_run_setup(s, colossim::testing::predicted(s));
  const Seconds interval(600);
  const RunResult full = simulate_run(setup, interval, 40, 7, 20.0, 1'000'000'000);
  const RunResult bounded = simulate_run(setup, interval, 40, 7, 20.0, 1);
  EXPECT_EQ(full.extrapolated_fraction, 0.0);
  EXPECT_EQ(bounded.extrapolated_fraction, 1.0);
  EXPECT_NEAR(bounded.goodput, full.goodput, 3 * full.goodput_stddev + 0.005);
  EXPECT_NEAR(bounded.progress_fraction, full.progress_fraction, 0.02 * full.progress_fraction);
  EXPECT_NEAR(bounded.interruptions_mean, full.interruptions_mean, 0.1 * full.interruptions_mean);
}

// With no spare pool named, the run keeps the 99th percentile of the nodes in repair at once
// (Poisson, mean = hardware failures per hour x nodes each takes x repair hours) beside the
// job, and says it did; a pool named in the file is kept as given, even zero.
TEST(Reliability, DefaultSparesCoverTheRepairsInFlight) {
  const std::string base =
      "cluster: {gpu: h100-sxm-80gb, gpus: 16384, network: {nic: cx7-roce-400, topology: clos}}\n"
      "model: {preset: llama3-405b}\ntraining: {global_batch: 2048, tokens: 15.6e12}\n"
      "parallelism: {tp: 8, cp: 1, pp: 16, virtual_stages: 4, micro_batch: 1, recompute: none}\n";
  const Scenario s = scenario(base);
  const RunSetup setup = make_run_setup(s, colossim::testing::predicted(s));
  EXPECT_TRUE(setup.spares_defaulted);
  double mean = 0;
  for (const auto& f : setup.sources)
    mean += f.rate_per_hour * static_cast<double>(f.blast_nodes) * setup.repair.value() / 3600;
  ASSERT_GT(mean, 1.0);
  // P(N <= k) >= 0.99 > P(N <= k - 1) for N ~ Poisson(mean).
  const auto cdf = [&](long long k) {
    double p = std::exp(-mean), sum = 0;
    for (long long i = 0; i <= k; ++i) {
      sum += p;
      p *= mean / static_cast<double>(i + 1);
    }
    return sum;
  };
  EXPECT_GE(cdf(setup.spare_nodes), 0.99);
  EXPECT_LT(cdf(setup.spare_nodes - 1), 0.99);
  const Scenario none = scenario(base + "reliability: {spare_nodes: 0}\n");
  const RunSetup zero = make_run_setup(none, colossim::testing::predicted(none));
  EXPECT_FALSE(zero.spares_defaulted);
  EXPECT_EQ(zero.spare_nodes, 0);
}

// Slow hosts in closed form: with none set, nothing changes; transient spells at rate r per
// node-hour lasting D hours leave exp(-nodes r D) of the time free of them, and the training
// time grows by (slowdown - 1) x the rest. Dropped, a spell is slow only until detection
// (D (1 - exp(-t/D))) and every one outlasting it is a planned restart, when that pays: a
// 2-hour spell at 1.5x loses an hour, more than a restart; a 10-minute one at 1.2x does not.
TEST(Reliability, SlowHostsSlowTheRunAsTheirShareOfTimeSays) {
  const Scenario base = scenario(kLlama3);
  const Prediction p = colossim::testing::predicted(base);
  const RunSetup healthy = make_run_setup(base, p);
  EXPECT_DOUBLE_EQ(healthy.slow.work_factor, 1.0);
  EXPECT_DOUBLE_EQ(healthy.slow.slow_share, 0.0);
  const double nodes = 2048;
  ASSERT_EQ(healthy.job_nodes, 2048);

  Scenario s = base;
  s.reliability.slow_hosts.per_node_day = 0.01;
  s.reliability.slow_hosts.duration = Seconds(2 * 3600.0);
  s.reliability.slow_hosts.slowdown = 1.5;
  const RunSetup tolerated = make_run_setup(s, p);
  const double share = 1 - std::exp(-nodes * 0.01 / 24 * 2);
  EXPECT_NEAR(tolerated.slow.slow_share, share, 1e-12);
  EXPECT_NEAR(tolerated.work.value() / healthy.work.value(), 1 + 0.5 * share, 1e-12);
  EXPECT_DOUBLE_EQ(tolerated.slow.drops_per_day, 0.0);
  EXPECT_EQ(tolerated.sources.size(), healthy.sources.size());

  s.reliability.slow_hosts.policy = "drop";
  s.reliability.slow_hosts.detection = Seconds(600);
  const RunSetup dropped = make_run_setup(s, p);
  ASSERT_TRUE(dropped.slow.drops_spells);
  const double caught = std::exp(-(600.0 / 3600) / 2);
  EXPECT_NEAR(dropped.slow.slow_share, 1 - std::exp(-nodes * 0.01 / 24 * 2 * (1 - caught)), 1e-12);
  EXPECT_NEAR(dropped.slow.drops_per_day, nodes * 0.01 * caught, 1e-9);
  ASSERT_EQ(dropped.sources.size(), healthy.sources.size() + 1);
  EXPECT_TRUE(dropped.sources.back().planned);
  EXPECT_EQ(dropped.sources.back().blast_nodes, 1);
  EXPECT_LT(dropped.work.value(), tolerated.work.value());

  s.reliability.slow_hosts.duration = Seconds(600);
  s.reliability.slow_hosts.slowdown = 1.2;
  const RunSetup short_spells = make_run_setup(s, p);
  EXPECT_FALSE(short_spells.slow.drops_spells);
  EXPECT_DOUBLE_EQ(short_spells.slow.drops_per_day, 0.0);

  // Lemons: tolerated, the job almost surely holds one all run; dropped, each is one restart.
  Scenario lemons = base;
  lemons.reliability.slow_hosts.lemon_fraction = 0.005;
  const RunSetup kept = make_run_setup(lemons, p);
  EXPECT_NEAR(kept.slow.slow_share, 1 - std::pow(0.995, nodes), 1e-12);
  lemons.reliability.slow_hosts.policy = "drop";
  const RunSetup swapped = make_run_setup(lemons, p);
  EXPECT_DOUBLE_EQ(swapped.slow.slow_share, 0.0);
  EXPECT_NEAR(swapped.slow.drops_per_day * swapped.work.value() / 86400, nodes * 0.005, 1e-6);
}
