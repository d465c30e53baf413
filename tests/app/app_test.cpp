// The facade, called directly: what every face gets from each job.
#include "app/app.hpp"

#include <gtest/gtest.h>

#include <numeric>

#include "test_support.hpp"

using namespace colossim;
using colossim::testing::scenario;

namespace {

const char* const kSmall =
    "cluster: {gpu: h100-sxm-80gb, gpus: 64}\nmodel: {preset: llama3-8b}\n"
    "training: {global_batch: 128, tokens: 1.0e9}\n"
    "parallelism: {tp: 2, pp: 2, cp: 1, ep: 1, micro_batch: 1, recompute: none}\n";

}  // namespace

TEST(App, SimulateReturnsTheStepAndTheRun) {
  const auto r = app::simulate(scenario(kSmall));
  ASSERT_TRUE(r) << r.refusal().line();
  const Prediction& p = r->prediction;
  double parts = 0;
  for (const auto& b : p.step.breakdown) parts += b.time.value();
  EXPECT_NEAR(parts, p.step.step_time.value(), 1e-9 * parts);  // the breakdown sums to the step
  ASSERT_TRUE(r->run.has_value());  // a token budget: the run with failures
  EXPECT_GE(r->run->result.days_median, *p.time_to_train_days);
  EXPECT_TRUE(r->prediction.step.timeline.empty());
  EXPECT_FALSE(app::simulate(scenario(kSmall), true)->prediction.step.timeline.empty());
}

// A job of an eighth of the cluster, its EP groups of 16 nodes: packed under one group of rail
// leaves, its all-to-alls never leave them; scattered over the cluster (cluster.placement), they
// cross the spines, which at 1:16 cannot carry them at line rate, and the step slows. On a 1:1
// fabric the spines carry them and the placement costs nothing.
TEST(App, AScatteredJobCrossesTheSpinesItsPackedTwinAvoids) {
  const auto step = [](const std::string& oversubscription, const std::string& placement) {
    const auto r = app::simulate(scenario(
        "cluster: {gpu: h100-sxm-80gb, gpus: 2048, spare_gpus: 1792, placement: " + placement +
        ", network: {oversubscription: " + oversubscription +
        "}}\nmodel: {preset: qwen3-30b-a3b, seq_len: 4096, moe: {balancing: forced}}\n"
        "training: {global_batch: 512}\nparallelism: {tp: 1, pp: 1, cp: 1, ep: 128, "
        "micro_batch: 1, zero: 1, recompute: none}\n"));
    EXPECT_TRUE(r) << r.refusal().line();
    return r ? r->prediction.step.step_time.value() : 0.0;
  };
  EXPECT_GT(step("16", "scattered"), 1.2 * step("16", "packed"));
  EXPECT_NEAR(step("1", "scattered"), step("1", "packed"), 0.01 * step("1", "packed"));
}

// Two Llama 3 70B jobs of 1,024 GPUs (TP 8, PP 4: their pipeline sends leave the leaf) on a
// 2,048-GPU cluster.
app::SharedCluster two_jobs(const std::string& network, const std::string& placement) {
  std::string yaml =
      "cluster: {gpu: h100-sxm-80gb, gpus: 2048, network: {" + network + "}}\njobs:\n";
  for (const char* name : {"a", "b"}) {
    yaml += std::string("  - {name: ") + name + ", gpus: 1024, placement: " + placement +
            ", model: {preset: llama3-70b}, training: {global_batch: 512}, parallelism: {tp: 8, "
            "pp: 4, cp: 1, micro_batch: 1, zero: 1, recompute: none}}\n";
  }
  const auto r = app::simulate_jobs(scenario(yaml));
  if (!r) throw std::runtime_error(r.refusal().line());
  return *r;
}

double slowdown(const app::JobOnCluster& j) {
  return j.shared.step.step_time.value() / j.alone.prediction.step.step_time.value() - 1;
}

// Each in its own pod (pod_gpus 1,024), the jobs share no link: each runs as it does alone.
TEST(App, JobsOnDisjointPodsDoNotSlowEachOther) {
  const auto r = two_jobs("oversubscription: 7, pod_gpus: 1024", "packed");
  ASSERT_EQ(r.jobs.size(), 2u);
  EXPECT_EQ(r.jobs[1].alone.scenario.cluster.job_gpu(0), 1024);
  for (const auto& j : r.jobs) {
    EXPECT_FALSE(j.traffic.empty());
    EXPECT_DOUBLE_EQ(j.shared.step.step_time.value(), j.alone.prediction.step.step_time.value());
    for (const auto& rec : j.shared.fabric) {
      for (const auto& by : rec.other_jobs) EXPECT_EQ(by.job, j.alone.scenario.name);  // its own
    }
  }
}

// Scattered node by node over one 1:7 oversubscribed tier, each job's pipeline sends take their
// share of the leaf uplinks the other's collectives cross: both slow down alike, on those links.
// Sprayed over a non-blocking tier, the same placement costs nothing.
TEST(App, JobsScatteredAcrossAnOversubscribedTierSlowEachOther) {
  const auto r = two_jobs("oversubscription: 7, routing: spray", "scattered");
  ASSERT_EQ(r.jobs.size(), 2u);
  EXPECT_EQ(r.jobs[1].alone.scenario.cluster.job_gpu(0), 8);  // the nodes alternate
  EXPECT_GT(slowdown(r.jobs[0]), 1e-4);
  EXPECT_NEAR(slowdown(r.jobs[0]), slowdown(r.jobs[1]), 1e-9);
  bool met = false;
  for (const auto& rec : r.jobs[0].shared.fabric) {
    Seconds added(0);
    for (const auto& by : rec.other_jobs) {
      EXPECT_TRUE(by.job == "b" || by.job == "a") << by.job;
      added += by.added;
      met = met || (by.job == "b" && by.added.value() > 0 && by.tier == "leaf-spine");
    }
    EXPECT_NEAR(rec.shared.value(), (rec.contended + added).value(), 1e-15);
  }
  EXPECT_TRUE(met);
  const auto open = two_jobs("oversubscription: 1, routing: spray", "scattered");
  for (const auto& j : open.jobs) EXPECT_NEAR(slowdown(j), 0.0, 1e-12);
}

// The closed form. Two pods of 1,024 GPUs under a 1:7 core, sprayed (the core uplinks of a pod
// act as one link); two jobs scattered node by node, TP 8 x PP 2, so each job's stage 0 sits in
// the first pod and stage 1 in the second: its 512 pipeline sends all cross the core, bound by
// it. Beside the other job's 512 streams that way (its own sends, on for `duty` of its step) a
// send gets half the core: its bandwidth time doubles, its latency (six scale-out hops, 1.5 x
// the NIC's) does not, so the expected delay is duty x (T - latency).
TEST(App, AJobsSendsAcrossAnOversubscribedCoreShareItAsTheFlowEngineSays) {
  std::string yaml =
      "cluster: {gpu: h100-sxm-80gb, gpus: 2048, network: {oversubscription: 7, pod_gpus: 1024, "
      "routing: spray}}\njobs:\n";
  for (const char* name : {"a", "b"}) {
    yaml += std::string("  - {name: ") + name +
            ", gpus: 1024, placement: scattered, model: {preset: llama3-70b}, training: "
            "{global_batch: 256}, parallelism: {tp: 8, pp: 2, cp: 1, micro_batch: 1, zero: 1, "
            "recompute: full, virtual_stages: 1}}\n";
  }
  const auto r = app::simulate_jobs(scenario(yaml));
  ASSERT_TRUE(r) << r.refusal().line();
  const app::JobOnCluster& a = r->jobs[0];
  double duty = 0;
  for (const auto& t : r->jobs[1].traffic) {
    if (t.what == "pipeline") duty = t.duty;
  }
  ASSERT_GT(duty, 0);
  const double latency = 1.5 * a.alone.scenario.cluster.nic.latency.value();
  bool checked = false;
  for (const auto& rec : a.shared.fabric) {
    if (rec.kind != Collective::send_recv || rec.group_size != 2 || rec.stride != 512) continue;
    for (const auto& by : rec.other_jobs) {
      if (by.job != "b" || by.what != "pipeline") continue;
      EXPECT_EQ(by.tier, "spine-core");
      EXPECT_NEAR(by.added.value(), duty * (rec.contended.value() - latency),
                  1e-9 * rec.contended.value());
      checked = true;
    }
  }
  EXPECT_TRUE(checked);
}

TEST(App, APlanThatDoesNotFitIsARefusalNamingTheFile) {
  const auto r =
      app::simulate(scenario("cluster: {gpu: a100-sxm-40gb, gpus: 8}\nmodel: {preset: llama3-70b}\n"
                             "training: {global_batch: 8}\nparallelism: {tp: 8, zero: 0}\n"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.refusal().file, "test.yaml");
  EXPECT_NE(r.refusal().reason.find("GiB"), std::string::npos) << r.refusal().reason;
}

// The ranking is re-simulated on the scenario's own network model and ordered by it.
TEST(App, PlanRanksBestFirstWithAPredictionEach) {
  app::PlanOptions options;
  options.top = 3;
  const auto r = app::plan(scenario("cluster: {gpu: h100-sxm-80gb, gpus: 32}\n"
                                    "model: {preset: llama3-8b}\ntraining: {global_batch: 64}\n"),
                           options);
  ASSERT_TRUE(r) << r.refusal().line();
  ASSERT_EQ(r->search.ranked.size(), r->predictions.size());
  ASSERT_GE(r->predictions.size(), 2u);
  for (size_t i = 0; i < r->predictions.size(); ++i) {
    EXPECT_DOUBLE_EQ(r->search.ranked[i].step_s, r->predictions[i].step.step_time.value());
    if (i > 0) {
      EXPECT_LE(r->search.ranked[i - 1].step_s, r->search.ranked[i].step_s);
    }
  }
}

TEST(App, SweepCoversTheGridLastAxisFastest) {
  const std::string file = std::string(COLOSSIM_SOURCE_DIR) + "/tests/data/plan-70b-open.yaml";
  const auto sweep = app::sweep(file, {app::parse_sweep_axis("training.global_batch=256,7"),
                                       app::parse_sweep_axis("model.preset=llama3-8b,nope")});
  ASSERT_EQ(sweep.rows.size(), 4u);
  EXPECT_EQ(sweep.rows[1].values, (std::vector<std::string>{"256", "nope"}));
  EXPECT_NE(sweep.rows[1].refusal.find("unknown model preset"), std::string::npos);
  EXPECT_FALSE(sweep.rows[1].prediction);
  EXPECT_TRUE(sweep.rows[0].prediction) << sweep.rows[0].refusal;
  // A misspelled key makes every point bad input: the sweep itself is refused (exit 2).
  EXPECT_THROW((void)app::sweep(file, {app::parse_sweep_axis("cluster.gpuz=8,16")}), InputError);
  EXPECT_THROW((void)app::parse_sweep_axis("cluster.gpus"), InputError);
  EXPECT_THROW((void)app::parse_sweep_axis("=1,2"), InputError);
}

// nccl-tests' bus bandwidth: all-reduce moves 2(n-1)/n of the buffer per rank.
TEST(App, CollectiveReportsBusBandwidthAsNcclTests) {
  app::CollectiveOptions o;
  o.gpus = 16;
  o.sizes = app::parse_sizes({"64MiB"});
  const auto r = app::collective(app::load(""), o);
  ASSERT_EQ(r.rows.size(), 1u);
  const auto& row = r.rows.front();
  EXPECT_NEAR(row.algbw_gbps, 64.0 * 1024 * 1024 / row.result.time.value() / 1e9, 1e-9);
  EXPECT_NEAR(row.busbw_gbps, row.algbw_gbps * 2 * 15 / 16, 1e-9);
  EXPECT_EQ(r.groups.size(), 1u);
  EXPECT_THROW((void)app::parse_collective("all-gossip"), InputError);
  EXPECT_THROW((void)app::parse_sizes({"lots"}), InputError);
  o.algorithm = "warp";
  EXPECT_THROW((void)app::collective(app::load(""), o), InputError);
}

// --group uses the one placement model: the groups are the plan's, as the step prices them.
TEST(App, CollectiveGroupsAreThePlansGroups) {
  app::CollectiveOptions o;
  o.group_dim = "tp";
  o.sizes = app::parse_sizes({"1MiB"});
  const Scenario s =
      app::load(std::string(COLOSSIM_SOURCE_DIR) + "/examples/llama3-70b-on-1024-h100.yaml");
  const auto r = app::collective(s, o);
  EXPECT_EQ(r.groups, rank_groups(s.plan, Dimension::tp));
  EXPECT_EQ(static_cast<long long>(r.groups.front().size()), s.plan.tp);
}

TEST(App, ClusterCountsTheFabricAsBuilt) {
  const auto v = app::cluster(app::load(""));
  const Fabric f(v.scenario.cluster);
  EXPECT_EQ(v.tiers, f.tiers());
  ASSERT_EQ(v.switch_tiers.size(), f.switch_tiers().size());
  long long switches = 0;
  for (const auto& t : v.switch_tiers) switches += t.switches;
  EXPECT_EQ(switches, v.size.total_switches);
}

TEST(App, CompareStopsAtTheFirstRefusal) {
  const auto ok = app::compare({scenario(kSmall), scenario(kSmall)});
  ASSERT_TRUE(ok) << ok.refusal().line();
  EXPECT_EQ(ok->entries.size(), 2u);
  const auto no = app::compare(
      {scenario(kSmall), scenario("cluster: {gpu: a100-sxm-40gb, gpus: 8}\n"
                                  "model: {preset: llama3-70b}\ntraining: {global_batch: 8}\n"
                                  "parallelism: {tp: 8, zero: 0}\n")});
  EXPECT_FALSE(no);
}

TEST(App, ReliabilityTakesTrialsAndSeed) {
  app::ReliabilityOptions o;
  o.trials = 20;
  o.seed = 7;
  const auto r = app::reliability(scenario(kSmall), o);
  ASSERT_TRUE(r) << r.refusal().line();
  EXPECT_EQ(r->scenario.reliability.trials, 20);
  EXPECT_EQ(r->scenario.reliability.seed, 7u);
  EXPECT_FALSE(r->report.what_ifs.empty());
}

TEST(App, ValidateRefusesUnknownModelsAndMixedInputs) {
  app::ValidateOptions o;
  o.network_model = "telepathy";
  EXPECT_THROW((void)app::validate(o), InputError);
  o.network_model.clear();
  o.runs = true;
  o.paths = {"validation/cases"};
  EXPECT_THROW((void)app::validate(o), InputError);
}

TEST(App, ClaimsAreRecomputed) {
  const auto c = app::claims();
  ASSERT_FALSE(c.claims.empty());
  for (const auto& claim : c.claims) EXPECT_FALSE(claim.computed.empty()) << claim.claim;
}

// The run model checks its own names in the scenario (the reader below it does not list them).
TEST(App, TheRunModelChecksItsDistributionName) {
  Scenario s = scenario(kSmall);
  s.reliability.distribution = "lognormal";
  try {
    (void)app::checked(s);
    FAIL() << "lognormal is not a registered distribution";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("reliability.distribution"), std::string::npos) << what;
    EXPECT_NE(what.find("weibull"), std::string::npos) << what;
  }
  s.reliability.distribution = "weibull";
  EXPECT_NO_THROW((void)app::checked(s));
}
