// The bring-up timeline against its closed form on a small cluster.
#include "run/bringup.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/error.hpp"
#include "test_support.hpp"
#include "topology/fabric.hpp"

using namespace colossim;
using colossim::testing::scenario;

namespace {

// Four racks of 8 GPUs, one a day from day 0, a day to install and a day of burn-in: rack i is
// accepted on day i + 2 (or later, re-worked).
Scenario four_racks(const std::string& extra, double tokens) {
  return scenario(
      "cluster: {gpu: h100-sxm-80gb, gpus: 32, gpus_per_node: 8, gpus_per_rack: 8}\n"
      "model: {preset: llama3-8b}\ntraining: {global_batch: 32, tokens: " +
      std::to_string(tokens) +
      "}\nparallelism: {tp: 1, pp: 1}\n"
      "bringup: {racks_per_day: 1, install_days: 1, burn_in_days: 1, " +
      extra + "}\n");
}

}  // namespace

// Training starts on the first rack (day 2) and grows a rack at a time (days 3, 4, 5); with
// r tokens per GPU-day the budget 8 + 16 + 24 + 2 x 32 = 112 rack-GPU-days of r ends on day 7,
// and waiting for all 32 GPUs (day 5) ends on day 5 + 112 / 32 = 8.5.
TEST(Bringup, TheJobGrowsAsRacksPassBurnIn) {
  const double per_gpu_s = 1000, per_day = per_gpu_s * 86400;
  const Scenario s = four_racks("start_gpus: 8, grow_gpus: 8, restart_hours: 0", 112 * per_day);
  const BringupReport r = bringup_timeline(s, per_gpu_s, 1.0, 0.0, 32 * 1000.0);
  ASSERT_EQ(r.growth.size(), 4u);
  for (size_t k = 0; k < 4; ++k) {
    EXPECT_DOUBLE_EQ(r.growth[k].day, 2.0 + static_cast<double>(k));
    EXPECT_EQ(r.growth[k].gpus, 8 * static_cast<long long>(k + 1));
  }
  EXPECT_TRUE(r.finishes);
  EXPECT_NEAR(r.finish_day, 7.0, 1e-9);
  EXPECT_NEAR(r.finish_day_waiting, 8.5, 1e-9);
  EXPECT_NEAR(r.days.back().tokens, 112 * per_day, 1e-6 * per_day);
  // Day 2 (to the end of day 2, t = 3): racks 0-2 delivered and powered, 0-1 accepted.
  EXPECT_EQ(r.days[2].gpus_powered, 24);
  EXPECT_EQ(r.days[2].gpus_accepted, 16);
  EXPECT_NEAR(r.days[2].power_mw, 32 * 1000.0 * 24 / 32 / 1e6, 1e-15);  // 24 of 32 powered
}

// Half the racks fail burn-in (racks 1 and 3, spread evenly) and take 2 days of re-work and the
// burn-in again; each growth restart costs 12 hours of training.
TEST(Bringup, ReworkAndRestartsDelayTheRamp) {
  const double per_gpu_s = 1000, per_day = per_gpu_s * 86400;
  const Scenario s = four_racks(
      "start_gpus: 16, burn_in_failure: 0.5, rework_days: 2, restart_hours: 12", 1e3 * per_day);
  const BringupReport r = bringup_timeline(s, per_gpu_s, 1.0, 0.0, 1.0);
  // Accepted: rack 0 day 2, rack 1 day 3 + 3 = 6, rack 2 day 4, rack 3 day 5 + 3 = 8.
  ASSERT_EQ(r.growth.size(), 2u);
  EXPECT_DOUBLE_EQ(r.growth[0].day, 4.0);  // 16 GPUs: racks 0 and 2
  EXPECT_DOUBLE_EQ(r.growth[1].day, 8.0);  // the rest at once
  EXPECT_DOUBLE_EQ(r.all_accepted_day, 8.0);
  // 16 GPUs for 4 days, then the restart, then 32.
  EXPECT_NEAR(r.finish_day, 8.5 + (1e3 - 64) / 32.0, 1e-9);
}

// The fabric gates the ramp: pods of 16 GPUs (two racks), each pod's switches up 4 days after
// its first rack arrives, the core between pods 7 days after the first rack. Accepted: racks 0
// and 1 on day 4 (their pod, not burn-in, decides), racks 2 and 3 on day 6; a job beyond one pod
// waits for the core, day 7.
TEST(Bringup, PodsJoinWhenTheirSwitchesAreUp) {
  const Scenario s = scenario(
      "cluster: {gpu: h100-sxm-80gb, gpus: 32, gpus_per_node: 8, gpus_per_rack: 8, network: "
      "{hosts_per_leaf: 1, pod_gpus: 16}}\nmodel: {preset: llama3-8b}\ntraining: {global_batch: "
      "32, tokens: 1.0e+12}\nparallelism: {tp: 1, pp: 1}\n"
      "bringup: {racks_per_day: 1, install_days: 1, burn_in_days: 1, start_gpus: 8, grow_gpus: 8, "
      "restart_hours: 0, pod_fabric_days: 4, core_fabric_days: 7}\n");
  ASSERT_EQ(fabric_pod_gpus(s.cluster), 16);
  const BringupReport r = bringup_timeline(s, 1000, 1.0, 0.0, 1.0);
  ASSERT_EQ(r.growth.size(), 4u);
  const double days[] = {4, 4, 7, 7};
  for (size_t k = 0; k < 4; ++k) EXPECT_DOUBLE_EQ(r.growth[k].day, days[k]) << k;
  EXPECT_EQ(r.pod_gpus, 16);
  EXPECT_EQ(r.days[3].gpus_accepted, 16);  // by the end of day 3 (t = 4): the first pod
  EXPECT_EQ(r.days[4].gpus_accepted, 16);
  EXPECT_EQ(r.days[5].gpus_accepted, 32);  // t = 6: the second pod
  EXPECT_GT(r.finish_day, 7.0);
}

TEST(Bringup, BadBlocksAreInputErrors) {
  // A start beyond the job is the whole job (the block outlives a change of the job's size).
  EXPECT_EQ(four_racks("start_gpus: 64", 1e12).bringup->start_gpus, 32);
  EXPECT_THROW((void)four_racks("start_gpus: 0", 1e12), InputError);
  EXPECT_THROW((void)four_racks("burn_in_failure: 1.5", 1e12), InputError);
  EXPECT_THROW((void)four_racks("delivery_days: 4", 1e12), InputError);  // and racks_per_day
  EXPECT_THROW((void)four_racks("pod_fabric_days: -1", 1e12), InputError);
  EXPECT_THROW((void)four_racks("early_life_factor: 0.5", 1e12), InputError);
  EXPECT_THROW((void)four_racks("early_life_days: 0", 1e12), InputError);
}

// The run model's lost time scales with the job's GPUs and with its racks' early-life failure
// rate. The four racks with a goodput of 0.5 for the full job and no early-life excess: waiting
// for all 32 GPUs (day 5) trains 112 GPU-days at half speed, to day 5 + 7 = 12; the ramp's
// first sizes lose less (8 of 32 GPUs lose a quarter as much). Racks failing at 3x the steady
// rate on acceptance, decaying over 2 days, lose more and finish later.
TEST(Bringup, YoungRacksFailMoreAndSmallJobsLoseLess) {
  const double per_gpu_s = 1000, per_day = per_gpu_s * 86400;
  const std::string plan = "start_gpus: 8, grow_gpus: 8, restart_hours: 0, ";
  const BringupReport steady = bringup_timeline(
      four_racks(plan + "early_life_factor: 1", 112 * per_day), per_gpu_s, 0.5, 0.0, 1.0);
  EXPECT_NEAR(steady.finish_day_waiting, 5.0 + 112.0 / 32 / 0.5, 1e-6);
  // Day 2-3 on 8 GPUs at goodput 1 - 0.5 x 8/32 = 0.875.
  EXPECT_NEAR(steady.days[2].tokens, 8 * per_day * 0.875, 1e-6 * per_day);
  const BringupReport young =
      bringup_timeline(four_racks(plan + "early_life_factor: 3, early_life_days: 2", 112 * per_day),
                       per_gpu_s, 0.5, 0.0, 1.0);
  EXPECT_GT(young.finish_day, steady.finish_day);
  EXPECT_GT(young.finish_day_waiting, steady.finish_day_waiting);
  // On its first day rack 0 loses 0.125 x (1 + 2 e^{-t/2}): tokens over [2, 3] in closed form.
  EXPECT_NEAR(young.days[2].tokens,
              8 * per_day * (1 - 0.125 - 0.125 * 2 * 2 * (1 - std::exp(-0.5))), 1e-6 * per_day);
}
