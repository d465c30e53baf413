#include "facility/facility.hpp"

#include <gtest/gtest.h>

#include "core/config.hpp"
#include "facility/claims.hpp"
#include "sim/calibration.hpp"
#include "sim/cost_model.hpp"
#include "sim/step.hpp"
#include "test_support.hpp"

using namespace colossim;

namespace {

struct DefaultRun {
  Scenario scenario;
  Prediction prediction;
};

DefaultRun default_run() {
  const Scenario s = default_scenario(colossim::testing::catalog());
  return {s, colossim::testing::predicted(s)};
}

}  // namespace

// IT power is the sum of its parts; facility power is IT x PUE; GPUs average below TDP because
// the step has waiting time.
TEST(Facility, PowerAddsUpAndScalesByPue) {
  const DefaultRun r = default_run();
  const PowerReport p = power_report(r.scenario, r.prediction);
  EXPECT_NEAR(p.it_avg.value(), (p.gpu_avg + p.host + p.network + p.storage).value(),
              1e-6 * p.it_avg.value());
  EXPECT_NEAR(p.facility_avg.value(), p.it_avg.value() * p.pue, 1e-6 * p.facility_avg.value());
  EXPECT_DOUBLE_EQ(p.gpu_tdp.value(), 100000 * 700.0);
  EXPECT_LT(p.gpu_avg, p.gpu_tdp);
  EXPECT_GT(p.gpu_avg, 0.5 * p.gpu_tdp);
  EXPECT_GE(p.facility_peak, p.facility_avg);
  EXPECT_GT(p.swing, Watts(0));
}

// Power through the step: every slice between all-waiting and all-busy, the average between
// the low and the high, and the default's pipeline (PP 16, an exposed data-parallel tail) swings
// by a large share of what all GPUs stopping would shed -- Llama 3's "tens of MW" (Sec 3.3.4).
TEST(Facility, PowerFollowsTheStepSliceBySlice) {
  const DefaultRun r = default_run();
  const PowerReport p = power_report(r.scenario, r.prediction);
  ASSERT_EQ(p.gpu_step.size(), static_cast<size_t>(kPowerSlices));
  // The draw of a computing and of a waiting H100 (data/facility.yaml, fractions of 700 W).
  const ConfigNode power = ConfigNode::embedded("facility.yaml")->child("power");
  const double busy_w = 700.0 * power.number("gpu_busy_fraction");
  const double waiting_w = 700.0 * power.number("gpu_waiting_fraction");
  const double all_busy = 100000 * busy_w;
  const double all_waiting = 100000 * waiting_w;
  for (Watts step : p.gpu_step) {
    const double w = step.value();
    EXPECT_LE(w, all_busy * (1 + 1e-9));
    EXPECT_GE(w, all_waiting * (1 - 1e-9));
  }
  EXPECT_LE(p.gpu_step_min, p.gpu_avg);
  EXPECT_GE(p.gpu_step_max, p.gpu_avg);
  EXPECT_GT(p.gpu_step_max - p.gpu_step_min, 0.25 * p.swing);
  // The same share by another route: the critical stage's busy time over the step, which the
  // slices average over all stages (so they may only differ by the other stages' idling).
  double busy = 0;
  for (const auto& b : r.prediction.step.breakdown)
    if (b.name == "forward_compute" || b.name == "backward_compute" || b.name == "recompute" ||
        b.name == "slowest_gpu" || b.name == "optimizer")
      busy += b.time.value();
  const double critical_share = busy / r.prediction.step.step_time.value();
  const double slice_share = (p.gpu_avg.value() / 100000 - waiting_w) / (busy_w - waiting_w);
  EXPECT_LE(slice_share, critical_share + 1e-6);
  EXPECT_GT(slice_share, critical_share - 0.1);
}

TEST(Facility, AirCoolingCostsMorePowerThanLiquid) {
  const DefaultRun r = default_run();
  const PowerReport liquid = power_report(r.scenario, r.prediction, Cooling::liquid);
  const PowerReport air = power_report(r.scenario, r.prediction, Cooling::air);
  EXPECT_GT(air.facility_avg, liquid.facility_avg);
  EXPECT_GT(air.host, liquid.host);  // server fans
  EXPECT_DOUBLE_EQ(air.pue, 1.58);
  EXPECT_DOUBLE_EQ(liquid.pue, 1.1);
}

// Energy = facility power x time; cost parts add up; renting scales with hours and GPUs.
TEST(Facility, CostAndEnergyFollowFromPowerAndTime) {
  const DefaultRun r = default_run();
  const PowerReport p = power_report(r.scenario, r.prediction);
  const CostReport ten = cost_report(r.scenario, p, 10.0);
  const CostReport twenty = cost_report(r.scenario, p, 20.0);
  EXPECT_NEAR(ten.energy_mwh, p.facility_avg.value() * 240 / 1e6, 1e-9 * ten.energy_mwh);
  EXPECT_NEAR(ten.run.value(), (ten.depreciation + ten.maintenance + ten.electricity).value(),
              1e-6);
  EXPECT_NEAR(twenty.run.value(), 2 * ten.run.value(), 1e-6 * twenty.run.value());
  EXPECT_NEAR(ten.rent.value(), 98304 * 240 * 2.49, 1e-6 * ten.rent.value());
  EXPECT_NEAR(ten.capital.value(), (ten.servers + ten.network + ten.facility).value(), 1.0);
  EXPECT_GT(ten.per_million_tokens, Dollars(0));
}

// The generated fabric's count: 16,384 GPUs on 64-port switches, one Clos plane per rail, each
// of 2,048 nodes in 64 groups of 32: two tiers, 512 leaves, and the leaves' 16,384 uplinks on
// 256 spines -- fewer than a one-plane 3-tier fat tree's 5N/k = 1,280 (Al-Fares et al. 2008),
// because a rail plane of 2,048 ports fits under one spine layer. Beyond three tiers of the
// generator, the Clos estimate counts.
TEST(Facility, FabricSizeCountsTheGeneratedFabric) {
  Scenario s = colossim::testing::scenario(
      "cluster: {gpu: h100-sxm-80gb, gpus: 16384, network: {nic: cx7-ndr-400}}\nmodel: {preset: "
      "llama3-8b}\n"
      "training: {global_batch: 16384}\n");
  const FabricSize f = estimate_fabric(s.cluster);
  EXPECT_EQ(f.tiers, 2);
  EXPECT_EQ(f.total_switches, 512 + 256);
  EXPECT_EQ(f.transceivers, 2 * (16384 + 16384));
  s.cluster.topology = "clos";  // one plane of 16,384 ports: 3 tiers, 5N/k switches
  const FabricSize clos = estimate_fabric(s.cluster);
  EXPECT_EQ(clos.tiers, 3);
  EXPECT_EQ(clos.total_switches, 16384 / 32 * 2 + 16384 / 64);
  s.cluster.gpus = 1 << 20;  // 1M GPUs: more than 64 pods, the generator's limit
  EXPECT_EQ(estimate_fabric(s.cluster).tiers, 4);
}

TEST(Facility, DeliveryDatePlusTrainingDays) {
  EXPECT_EQ(add_days("2026-12-01", 30.2), "2027-01-01");
  EXPECT_EQ(add_days("2028-02-28", 1.0), "2028-02-29");
}

TEST(Facility, ClaimsAreCheckedWithTheirAssumptions) {
  const auto claims = check_claims(colossim::testing::catalog(), Calibration::builtin());
  ASSERT_EQ(claims.size(), 6u);
  for (const auto& c : claims) {
    EXPECT_FALSE(c.computed.empty());
    EXPECT_FALSE(c.assumption.empty());
  }
  EXPECT_TRUE(claims[1].holds);  // 70 MW for the GPUs alone
  EXPECT_TRUE(claims[3].holds);  // $3-4B
  // The bring-up's dates inverted into rates, and the model run with them meets the dates.
  EXPECT_TRUE(claims[5].holds) << claims[5].computed;
}

TEST(Facility, BadFacilityKeysAreInputErrors) {
  const std::string base =
      "cluster: {gpu: h100-sxm-80gb, gpus: 8}\nmodel: {preset: llama3-8b}\ntraining: "
      "{global_batch: 8}\n";
  EXPECT_THROW((void)colossim::testing::scenario(base + "facility: {delivery: next-june}\n"),
               InputError);
  EXPECT_THROW((void)colossim::testing::scenario(base + "facility: {pue: 0.9}\n"), InputError);
  EXPECT_THROW(
      (void)colossim::testing::scenario(base + "facility: {electricity_usd_per_kwh: -1}\n"),
      InputError);
  EXPECT_THROW((void)colossim::testing::scenario(base + "facility: {power_price: 1}\n"),
               InputError);
}

// A cluster of several GPU kinds draws and costs each kind's figures: 2,048 H100 at 700 W and
// 1,024 B200 at 1,000 W (data/hardware/gpus.yaml), servers and rent at each kind's price.
TEST(Facility, MixedKindsDrawTheirOwnPower) {
  const Scenario mixed = colossim::testing::scenario(
      "cluster: {gpu: h100-sxm-80gb, gpus: 3072, pools: [{gpu: b200, gpus: 1024}]}\n"
      "model: {preset: llama3-8b}\ntraining: {global_batch: 3072, tokens: 1e12}\n"
      "parallelism: {tp: 1, pp: 1, cp: 1, micro_batch: 1, recompute: none, zero: 1}\n");
  const Prediction p = colossim::testing::predicted(mixed);
  const PowerReport power = power_report(mixed, p);
  EXPECT_DOUBLE_EQ(power.gpu_tdp.value(), 2048 * 700.0 + 1024 * 1000.0);
  Scenario h100 = mixed;
  h100.cluster.pools.clear();
  const CostReport both = cost_report(mixed, power, 10);
  const CostReport one = cost_report(h100, power_report(h100, p), 10);
  EXPECT_GT(both.servers, one.servers);
  EXPECT_GT(both.rent, one.rent);
}

// Every node's power is per node: an NVL72 rack's ~132 kW spread over its 18 four-GPU trays, so
// GPUs and hosts of 128 racks come to about 128 x 132 kW, not 132 kW per tray (9x).
TEST(Facility, Nvl72RacksDrawTheirDatasheetPower) {
  const Scenario s = colossim::testing::scenario(
      "cluster: {gpu: gb200, gpus: 9216}\nmodel: {preset: llama3-8b}\n"
      "training: {global_batch: 9216}\nparallelism: {tp: 1, pp: 1, cp: 1}\n");
  const PowerReport p = power_report(s, colossim::testing::predicted(s));
  const double racks = 9216.0 / 72;
  EXPECT_GT((p.gpu_tdp + p.host).value(), 0.6 * racks * 132e3);  // liquid: no fans
  EXPECT_LT((p.gpu_tdp + p.host).value(), 1.05 * racks * 132e3);
}

// One HGX node trains over NVLink: no scale-out switches, transceivers or their power (it was
// charged 8 rail switches, $489k and 12 kW).
TEST(Facility, OneNvlinkDomainBuildsNoScaleOutFabric) {
  const Scenario s = colossim::testing::scenario(
      "cluster: {gpu: h100-sxm-80gb, gpus: 8}\nmodel: {preset: llama3-8b}\n"
      "training: {global_batch: 64}\nparallelism: {tp: 1, pp: 1, cp: 1}\n");
  const PowerReport p = power_report(s, colossim::testing::predicted(s));
  EXPECT_EQ(p.fabric.tiers, 0);
  EXPECT_EQ(p.fabric.total_switches, 0);
  EXPECT_EQ(p.fabric.transceivers, 0);
  EXPECT_EQ(p.network.value(), 0);
  EXPECT_EQ(p.fabric.ports, 8);
}

// GPUs capped below TDP draw no more than their limit while they compute, and the step takes
// longer, but by less than the products slow (memory-bound kernels and communication keep
// their speed).
TEST(Facility, APowerLimitCapsTheDrawAndSlowsTheStep) {
  const std::string yaml = "cluster: {gpu: h100-sxm-80gb, gpus: 16, gpu_power_limit_w: ";
  const std::string rest =
      "}\nmodel: {preset: llama3-8b, seq_len: 4096}\ntraining: {global_batch: 64}\n"
      "parallelism: {tp: 2, pp: 1, dp: 8, micro_batch: 1}\n";
  const Scenario at_tdp = colossim::testing::scenario(yaml + "700" + rest);
  const Scenario capped = colossim::testing::scenario(yaml + "500" + rest);
  const Prediction fast = colossim::testing::predicted(at_tdp);
  const Prediction slow = colossim::testing::predicted(capped);
  const PowerReport p = power_report(capped, slow);
  EXPECT_LE(p.gpu_step_max.value(), 16 * 500.0 * (1 + 1e-9));
  EXPECT_LT(p.it_peak, power_report(at_tdp, fast).it_peak);
  const double speed =
      power_limited_speed(capped.cluster.gpu, Calibration::builtin().for_architecture("hopper"));
  EXPECT_LT(speed, 0.9);
  const double ratio = slow.step.step_time.value() / fast.step.step_time.value();
  EXPECT_GT(ratio, 1.05);
  EXPECT_LT(ratio, 1 / speed);
}
