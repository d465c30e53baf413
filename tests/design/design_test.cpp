// The design search on a small design space: its bounds, its ranking and frontier, and every
// feasible design re-checked by simulating it as a scenario of its own.
#include "design/design.hpp"

#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "app/app.hpp"
#include "core/error.hpp"
#include "test_support.hpp"

using namespace colossim;

namespace {

// Llama 3 8B on 128 to 512 H100 or B200; the B200 arrives 60 days later.
const char* kSpace =
    "name: small-design\n"
    "cluster: {gpu: h100-sxm-80gb, gpus: 128, gpus_per_node: 8, gpus_per_rack: 32,\n"
    "          network: {topology: rail-optimized}, cooling: liquid}\n"
    "model: {preset: llama3-8b}\n"
    "training: {global_batch: 512, precision: bf16, tokens: 2.0e12}\n"
    "design:\n"
    "  start: 2025-01-01\n"
    "  site_mw: 0.5\n"
    "  capital_usd: 2.0e7\n"
    "  deadline: 2025-06-30\n"
    "  gpus:\n"
    "    - {gpu: h100-sxm-80gb, available: 2025-01-01}\n"
    "    - {gpu: b200, available: 2025-03-02}\n"
    "  job_gpus: [128, 256, 512]\n"
    "  spare_fraction: 0.03\n"
    "  cooling: [liquid, air]\n";

std::string with_sets(std::string text, const std::vector<std::string>& sets) {
  for (const auto& set : sets) {
    const size_t eq = set.find('=');
    text = with_key(text, "test.yaml", set.substr(0, eq), set.substr(eq + 1));
  }
  return text;
}

DesignSearch searched(const std::string& text) {
  const Scenario base = colossim::testing::scenario(text);
  const DesignVariant variant = [&](const std::vector<std::string>& sets) {
    return app::checked(colossim::testing::scenario(with_sets(text, sets)));
  };
  return design_cluster(base, variant, Calibration::builtin());
}

// The design's scenario with the plan it was given, as a user would write it.
std::vector<std::string> as_sets(const DesignResult& r) {
  std::vector<std::string> sets = r.choice.sets;
  const Plan& p = r.plan;
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"tp", std::to_string(p.tp)},
           {"pp", std::to_string(p.pp)},
           {"cp", std::to_string(p.cp)},
           {"dp", std::to_string(p.dp)},
           {"micro_batch", std::to_string(p.micro_batch)},
           {"virtual_stages", std::to_string(p.virtual_stages)},
           {"schedule", p.schedule},
           {"recompute", to_string(p.recompute)},
           {"sequence_parallel", p.sequence_parallel ? "true" : "false"},
           {"zero", std::to_string(p.zero)}})
    sets.push_back("parallelism." + key + "=" + value);
  return sets;
}

// kSpace searched once for the tests that only read the result.
const DesignSearch& small_space() {
  static const DesignSearch d = searched(kSpace);
  return d;
}

}  // namespace

// Power and capital need no simulation: designs over them are set aside before any plan
// search, and designs that differ only in cooling share one search.
TEST(Design, BoundsSetDesignsAsideBeforeAnySearch) {
  const DesignSearch& d = small_space();
  EXPECT_EQ(d.designs, 2 * 3 * 2);
  EXPECT_GT(d.bounded, 0);
  for (const auto& r : d.rejected) {
    if (!r.bounded) continue;
    EXPECT_TRUE(r.limit == DesignLimit::power || r.limit == DesignLimit::capital) << r.why;
    if (r.limit == DesignLimit::power) {
      EXPECT_GT(r.peak_mw, 0.5) << r.why;
    }
    if (r.limit == DesignLimit::capital) {
      EXPECT_GT(r.capital_usd, 2.0e7) << r.why;
    }
  }
  // Every searched design is feasible or ruled out after; searches are shared across cooling.
  EXPECT_EQ(d.plan_searches + d.searches_shared + d.bounded, d.designs);
  EXPECT_GT(d.searches_shared, 0);
  ASSERT_FALSE(d.ranked.empty());
}

// Ranked by the goal (earliest finish; ties to the lower total cost); the frontier holds the
// designs no other one beats on both finish and total cost.
TEST(Design, RankingFollowsTheGoalAndTheFrontierIsUndominated) {
  const DesignSearch& d = small_space();
  ASSERT_GE(d.ranked.size(), 2u);
  for (size_t i = 1; i < d.ranked.size(); ++i)
    EXPECT_LE(d.ranked[i - 1].finish_day, d.ranked[i].finish_day);
  ASSERT_FALSE(d.frontier.empty());
  EXPECT_EQ(d.frontier.front(), 0u);  // the earliest finish is on it
  for (const size_t f : d.frontier) {
    for (const auto& r : d.ranked) {
      const bool dominates =
          r.finish_day <= d.ranked[f].finish_day && r.total_cost_usd < d.ranked[f].total_cost_usd &&
          (r.finish_day < d.ranked[f].finish_day || r.total_cost_usd < d.ranked[f].total_cost_usd);
      EXPECT_FALSE(dominates) << design_label(r.choice) << " beats "
                              << design_label(d.ranked[f].choice);
    }
  }
  // The B200 arrives 60 days in: no B200 design trains before then.
  for (const auto& r : d.ranked) {
    if (r.choice.gpu.gpu == "b200") {
      EXPECT_GE(r.first_training_day, 60.0);
    }
  }
  EXPECT_EQ(d.sensitivity.size(), 4u);
  EXPECT_FALSE(d.why_runner_up.empty());
}

// Each feasible design, written out as a scenario with its plan and simulated on its own,
// meets the constraints: the facility's peak within the site, capital within budget, trained
// by the deadline; and it is the step and the money the search reported.
TEST(Design, EveryFeasibleDesignMeetsItsConstraintsWhenSimulatedAlone) {
  const DesignSearch& d = small_space();
  ASSERT_FALSE(d.ranked.empty());
  for (const auto& r : d.ranked) {
    const Scenario s = app::checked(colossim::testing::scenario(with_sets(kSpace, as_sets(r))));
    const auto f = app::facility(s);
    ASSERT_TRUE(static_cast<bool>(f)) << f.refusal().line();
    EXPECT_NEAR(f->prediction.step.step_time.value(), r.step_s, 1e-9 * r.step_s);
    EXPECT_LE(f->facility.power.facility_peak.value() / 1e6, 0.5);
    EXPECT_LE(f->facility.cost.capital.value(), 2.0e7);
    ASSERT_TRUE(f->run.has_value());
    const double ready = days_between("2025-01-01", r.choice.gpu.available);
    EXPECT_LE(ready + f->run->result.days_median, days_between("2025-01-01", "2025-06-30"))
        << design_label(r.choice);
    EXPECT_NEAR(ready + f->run->result.days_median, r.finish_day, 1e-9 * r.finish_day);
  }
}

// A budget no design meets names the constraint and what it would take.
TEST(Design, AnImpossibleBudgetNamesTheConstraint) {
  const DesignSearch power = searched(with_sets(kSpace, {"design.site_mw=0.01"}));
  EXPECT_TRUE(power.ranked.empty());
  EXPECT_EQ(power.why_none.rfind("design.site_mw:", 0), 0u) << power.why_none;
  const DesignSearch money = searched(with_sets(kSpace, {"design.capital_usd=1e5"}));
  EXPECT_EQ(money.why_none.rfind("design.capital_usd:", 0), 0u) << money.why_none;
  const DesignSearch late = searched(with_sets(kSpace, {"design.deadline=2025-01-01"}));
  EXPECT_EQ(late.why_none.rfind("design.deadline:", 0), 0u) << late.why_none;
  EXPECT_NE(late.why_none.find("peak FLOP/s"), std::string::npos) << late.why_none;
}

// Designs that differ only in the fabric's shape share one plan search (the closed-form network
// the search ranks on does not read it): each shared plan is what its own search finds.
TEST(Design, SharedSearchesFindWhatTheirOwnWould) {
  const std::string text = std::string(kSpace) +
                           "  topology: [rail-optimized, clos]\n"
                           "  oversubscription: [1, 3]\n";
  const DesignSearch d = searched(text);
  EXPECT_EQ(d.designs, 2 * 3 * 2 * 2 * 2);
  ASSERT_FALSE(d.ranked.empty());
  EXPECT_GE(d.searches_shared, static_cast<long long>(d.ranked.size()) / 2);
  // The first eight: designs of each GPU and size, some sharing a search, some not.
  for (size_t i = 0; i < d.ranked.size() && i < 8; ++i) {
    const DesignResult& r = d.ranked[i];
    Scenario s = app::checked(colossim::testing::scenario(with_sets(text, r.choice.sets)));
    open_plan_keys(s);
    s.network_model = kRankingNetworkModel;
    SearchOptions options;
    options.search_framework_options = true;
    const PlanSearch own = search_plans(s, Calibration::builtin(), options);
    ASSERT_TRUE(own.best().has_value()) << design_label(r.choice);
    const Plan& p = *own.best();
    EXPECT_EQ(std::tie(p.tp, p.pp, p.cp, p.dp, p.micro_batch, p.virtual_stages, p.zero),
              std::tie(r.plan.tp, r.plan.pp, r.plan.cp, r.plan.dp, r.plan.micro_batch,
                       r.plan.virtual_stages, r.plan.zero))
        << design_label(r.choice);
    EXPECT_EQ(p.recompute, r.plan.recompute) << design_label(r.choice);
  }
}

TEST(Design, BadBlocksAreInputErrors) {
  const auto key_of = [](const std::string& text) {
    try {
      (void)colossim::testing::scenario(text);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string base = kSpace;
  EXPECT_NE(key_of(with_sets(base, {"design.gpus=h100"})).find("design.gpus"), std::string::npos);
  EXPECT_NE(key_of(with_sets(base, {"design.start=2025-02-30"})).find("design.start"),
            std::string::npos);
  EXPECT_NE(key_of(with_sets(base, {"design.deadline=2024-12-31"})).find("design.deadline"),
            std::string::npos);
  EXPECT_NE(key_of(with_sets(base, {"design.goal=fastest"})).find("design.goal"),
            std::string::npos);
  EXPECT_NE(key_of(with_sets(base, {"design.cooling=water"})).find("design.cooling"),
            std::string::npos);
  std::string wide = base;
  wide.replace(wide.find("[128, 256, 512]"), 15, "{min: 8, max: 8000000, step: 8}");
  EXPECT_NE(key_of(wide).find("design.job_gpus"), std::string::npos) << key_of(wide);
  EXPECT_NE(key_of(with_sets(base, {"design.site_mw=-1"})).find("design.site_mw"),
            std::string::npos);
  EXPECT_NE(key_of(with_sets(base, {"design.power_limit=[0.1]"})).find("design.power_limit"),
            std::string::npos);
}

// GPUs capped below TDP (design.power_limit) draw less at peak and train slower: a site too small
// for the job at TDP takes it capped.
TEST(Design, CappedGpusFitASiteTheUncappedDoNot) {
  std::string text = kSpace;
  const std::string b200 = "    - {gpu: b200, available: 2025-03-02}\n";
  text.replace(text.find(b200), b200.size(), "");
  text = with_sets(
      text, {"design.job_gpus=[512]", "design.cooling=[liquid]", "design.power_limit=[1, 0.6]",
             "design.site_mw=100", "design.capital_usd=1e9", "design.deadline=2027-12-31"});
  const DesignSearch open = searched(text);
  ASSERT_EQ(open.ranked.size(), 2u);
  const auto find = [](const std::vector<DesignResult>& rs, double cap) {
    for (const auto& r : rs) {
      if (r.choice.power_limit == cap) return r;
    }
    ADD_FAILURE() << "no design at " << cap;
    return DesignResult{};
  };
  const DesignResult full = find(open.ranked, 1.0);
  const DesignResult capped = find(open.ranked, 0.6);
  EXPECT_LT(capped.peak_mw, full.peak_mw);
  EXPECT_GT(capped.step_s, full.step_s);
  const double site = (capped.peak_mw + full.peak_mw) / 2;
  const DesignSearch tight = searched(with_sets(text, {"design.site_mw=" + std::to_string(site)}));
  ASSERT_EQ(tight.ranked.size(), 1u);
  EXPECT_EQ(tight.ranked[0].choice.power_limit, 0.6);
  ASSERT_EQ(tight.rejected.size(), 1u);
  EXPECT_EQ(tight.rejected[0].limit, DesignLimit::power);
}
