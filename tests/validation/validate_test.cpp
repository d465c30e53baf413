// The calibration set must stay predicted at least as well as it is today: a change that makes
// the error grow fails here. Bounds are the figures reached when the constants were fitted
// (see validation/README.md), with a little headroom for rounding, not targets to tune to.
#include "validation/validate.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>

#include "app/app.hpp"
#include "test_support.hpp"
#include "validation/trust.hpp"

using namespace colossim;

namespace {

ValidationReport run_cases(const std::string& dir, const std::string& network_model = "") {
  const Catalog catalog = Catalog::builtin();
  const Calibration cal = Calibration::builtin();
  std::vector<CaseResult> results;
  for (const auto& f : case_files({dir}))
    results.push_back(validate_case(f, catalog, cal, network_model));
  return summarise(std::move(results));
}

}  // namespace

TEST(Validation, CalibrationSetErrorStaysWithinBound) {
  const ValidationReport r = run_cases(COLOSSIM_SOURCE_DIR "/validation/cases");
  EXPECT_GE(r.cases.size(), 100u);
  EXPECT_EQ(r.refused, 0);
  EXPECT_LE(r.mape, kMapeBound) << "mean absolute percentage error grew";
  EXPECT_LE(r.worst, kWorstBound) << "worst case grew: " << r.worst_id;
  for (const auto& [name, g] : r.groups) EXPECT_LE(g.mape, 0.15) << name;
  // Scaling series: how per-GPU throughput changes from the fewest to the most GPUs. Megatron's
  // and NeMo's series follow the measured trend within 2 points, as issue 13 asks (1.6 today).
  // FSDP's MPT series, whose per-layer collectives run on rings of 128-512 GPUs, lose up to 4.4
  // points more than predicted (7.9 before a ring across nodes paid its measured step cost):
  // bounded at 5 so that the gap cannot grow back unseen.
  int megatron_series = 0, fsdp_series = 0;
  for (const auto& s : r.series) {
    EXPECT_GE(s.points, 3) << s.name;
    const double gap = std::fabs(s.predicted_change - s.measured_change);
    if (s.name.rfind("MosaicML MPT", 0) == 0) {
      ++fsdp_series;
      EXPECT_LE(gap, 0.05) << s.name;
    }
    if (s.name.rfind("NVIDIA DGX Cloud", 0) != 0 && s.name.rfind("Megatron-LM 2021", 0) != 0)
      continue;
    ++megatron_series;
    EXPECT_LE(gap, 0.02) << s.name;
  }
  EXPECT_GE(megatron_series, 8);
  EXPECT_GE(fsdp_series, 6);
}

// The closed-form "bandwidth" model (no contention), which the constants were first fitted with,
// must keep within the same bounds.
TEST(Validation, BandwidthNetworkModelStaysWithinBound) {
  const ValidationReport r = run_cases(COLOSSIM_SOURCE_DIR "/validation/cases", "bandwidth");
  EXPECT_EQ(r.refused, 0);
  EXPECT_LE(r.mape, kMapeBound) << "mean absolute percentage error grew";
  EXPECT_LE(r.worst, kWorstBound) << "worst case grew: " << r.worst_id;
}

// The published production runs (validation/runs) judge generalisation: none of them is in the
// fit. Whole-run GPU-hours (LLaMA 1, Llama 2, BLOOM, DeepSeek-V3) and sustained throughput
// (BLOOM, OPT), each run described as its paper describes it. Bounds are what this model reaches
// today plus a little headroom; the misses (BLOOM's GPU-hours, Llama 2 7B-34B) are reported, not
// hidden.
TEST(Validation, PublishedRunsGeneralise) {
  const ValidationReport r = run_cases(COLOSSIM_SOURCE_DIR "/validation/runs");
  EXPECT_GE(r.cases.size(), 12u);
  EXPECT_EQ(r.refused, 0);
  EXPECT_LE(r.mape, 0.20) << "mean absolute percentage error over the production runs";
  int llama1 = 0;
  for (const auto& c : r.cases) {
    EXPECT_TRUE(std::isfinite(c.predicted) && c.predicted > 0) << c.id;
    // The runs with the fullest public description: within the 20% a planner needs.
    if (c.id.rfind("llama1_", 0) == 0 || c.id == "llama2_70B" || c.id == "opt_175B_throughput") {
      EXPECT_LE(std::fabs(c.error), 0.20) << c.id;
      llama1 += c.id.rfind("llama1_", 0) == 0;
    }
    // DeepSeek-V3 with its report's plan (DualPipe, EP 64, FP8): within 15% (issue 12).
    if (c.id == "deepseek_v3_pretraining") {
      EXPECT_LE(std::fabs(c.error), 0.15) << c.id;
    }
    if (c.metric == "gpu_hours_elapsed") {
      EXPECT_LE(std::fabs(c.error), 0.30) << c.id;
    }
  }
  EXPECT_EQ(llama1, 4);
}

// The MoE benchmarks outside the fit (validation/moe) all read, and each is predicted or refused
// with a reason: a check set, not yet a bound (validation/README.md).
namespace {

const ValidationReport& moe_benchmarks() {
  static const ValidationReport r = run_cases(COLOSSIM_SOURCE_DIR "/validation/moe");
  return r;
}

}  // namespace

TEST(Validation, MoeBenchmarksAreExpressible) {
  const ValidationReport& r = moe_benchmarks();
  EXPECT_GE(r.cases.size(), 10u);
  for (const auto& c : r.cases) {
    if (c.refusal.empty()) {
      EXPECT_TRUE(std::isfinite(c.predicted) && c.predicted > 0) << c.id;
    } else {
      EXPECT_NE(c.refusal.find("does not fit"), std::string::npos) << c.id << ": " << c.refusal;
    }
  }
}

// What the slowest expert-parallel rank costs, against measurement: Megatron-MoE-ModelZoo ran
// Qwen3-235B-A22B at 16k-128k tokens per sequence with forced balance and with the routing of
// the Qwen3 checkpoint (trained with the global-batch balancing loss), and each pair's
// throughput ratio is the imbalance's price. data/routing.yaml derives global-aux-loss's
// sequence_skew from the 32k-128k pairs, which must stay within 1%; the 16k pair, two sequences
// per dispatch, is out of sample (0.85 predicted against 0.80 measured).
TEST(Validation, RouterImbalanceCostsWhatForcedVersusDroplessMeasures) {
  std::map<std::string, const CaseResult*> by_id;
  for (const auto& c : moe_benchmarks().cases) by_id[c.id] = &c;
  for (const int k : {16, 32, 64, 128}) {
    const std::string stem = "modelzoo_q235_H100_256_" + std::to_string(k) + "k_";
    ASSERT_TRUE(by_id.contains(stem + "forced") && by_id.contains(stem + "dropless")) << stem;
    const CaseResult& forced = *by_id.at(stem + "forced");
    const CaseResult& dropless = *by_id.at(stem + "dropless");
    ASSERT_TRUE(forced.refusal.empty() && dropless.refusal.empty()) << stem;
    const double measured = dropless.measured / forced.measured;
    const double predicted = dropless.predicted / forced.predicted;
    EXPECT_NEAR(predicted / measured, 1.0, k == 16 ? 0.07 : 0.01) << stem;
  }
}

// The dense benchmarks outside the fit (validation/dense: Megatron-Bridge's B200 and H100 rows)
// stay close, B200 too: its constants are Hopper's with the GEMM efficiencies scaled by measured
// cuBLASLt (data/calibration.yaml). Their mean error went from 7.0% to 5.8% when Hopper's
// kernels were measured rather than fitted, and to 4.7% when their FP8 recipe (current scaling)
// was priced: Llama 3.1 405B on 1,024 H100 now comes out 2-13% fast (at scale the model is too
// fast, issue 13; NVIDIA's releases of the same plan differ by 12%), and Llama 3 8B 5-9% slow (as
// the calibration set's BF16 8B rows, +11%: small models run slower in the model than they do):
// the per-case bounds are set there.
TEST(Validation, DenseBenchmarksOutsideTheFitStayClose) {
  const ValidationReport r = run_cases(COLOSSIM_SOURCE_DIR "/validation/dense");
  EXPECT_GE(r.cases.size(), 16u);
  EXPECT_LE(r.mape, 0.05);
  for (const auto& c : r.cases) {
    ASSERT_TRUE(c.refusal.empty()) << c.id << ": " << c.refusal;
    EXPECT_LE(std::fabs(c.error), c.gpus >= 1024 ? 0.15 : 0.10) << c.id;
  }
}

// PyTorch FSDP as IBM ran it (validation/fsdp: Llama 2 7B-70B on 128 A100 and 96 H100, eager and
// compiled, FSDP and hybrid sharding, no, partial and full recompute), outside any fit: 7.0%
// mean error when added (worst: 7B on H100, eager, hybrid sharding, 17% fast).
TEST(Validation, PyTorchFsdpRunsOutsideTheFitStayClose) {
  const ValidationReport r = run_cases(COLOSSIM_SOURCE_DIR "/validation/fsdp");
  EXPECT_GE(r.cases.size(), 16u);
  EXPECT_LE(r.mape, 0.075);
  for (const auto& c : r.cases) {
    ASSERT_TRUE(c.refusal.empty()) << c.id << ": " << c.refusal;
    EXPECT_LE(std::fabs(c.error), 0.18) << c.id;
  }
}

// The shipped step-time bands (data/trust.yaml) are what the model's errors on the validated
// cases now are: a change that moves the errors must rewrite them (colossim validate --trust).
TEST(Validation, TrustBandsMatchTheModelsErrors) {
  const Catalog catalog = Catalog::builtin();
  const Calibration cal = Calibration::builtin();
  std::vector<GroupedCase> cases;
  for (const auto& f :
       case_files({COLOSSIM_SOURCE_DIR "/validation/cases", COLOSSIM_SOURCE_DIR "/validation/runs",
                   COLOSSIM_SOURCE_DIR "/validation/moe", COLOSSIM_SOURCE_DIR "/validation/dense",
                   COLOSSIM_SOURCE_DIR "/validation/fsdp"})) {
    CaseResult r = validate_case(f, catalog, cal);
    cases.push_back({r.trust_group, r.stack, std::move(r)});
  }
  const auto bands = measure_trust(cases);
  ASSERT_GE(bands.size(), 3u);
  for (const auto& b : bands) {
    const TrustBand shipped = trust_band(b.group);
    EXPECT_EQ(shipped.group, b.group) << "data/trust.yaml lacks " << b.group;
    EXPECT_NEAR(shipped.low, b.low, 0.02) << b.group << ": run colossim validate --trust";
    EXPECT_NEAR(shipped.high, b.high, 0.02) << b.group << ": run colossim validate --trust";
    EXPECT_EQ(shipped.stacks, b.stacks) << b.group << ": run colossim validate --trust";
    // A group the model is biased on shows it: Blackwell MoE comes out too fast on most cases
    // (Qwen3-235B 0.50-0.67), and its band sits mostly below 1.
    EXPECT_LT(b.low, b.high) << b.group;
    EXPECT_GT(b.low, 0.0) << b.group;
  }
  // A GPU generation no case covers gets a wider band than any validated group.
  const TrustBand unknown = trust_band("rubin dense");
  EXPECT_TRUE(unknown.extrapolated);
  for (const auto& b : bands) EXPECT_GT(unknown.high - unknown.low, b.high - b.low);
}

// Every row of the shipped nccl-tests table is rebuilt and predicted; the error may not grow past
// today's figure (kCollectivesMapeBound, tests/CMakeLists.txt).
TEST(Validation, CollectivesTableIsPredictedWithinBound) {
  colossim::app::ValidateOptions o;
  o.collectives = true;
  const auto r = colossim::app::validate(o);
  EXPECT_GE(r.cases.size(), 39u);
  EXPECT_EQ(r.refused, 0);
  EXPECT_LE(r.mape, kCollectivesMapeBound);
  // Every row counts in a scope, a size class and an op group.
  int scopes = 0;
  for (const auto& [name, g] : r.groups) scopes += name.rfind("scope: ", 0) == 0 ? g.cases : 0;
  EXPECT_EQ(scopes, static_cast<int>(r.cases.size()));
}

// Measurements gathered after the model's constants were set (validation/collectives-held-out.json:
// 2 to 64 nodes on InfiniBand and RoCE): the error may not grow past today's figures, overall and
// for 1 GiB and more (kHeldOutCollectivesMapeBound, kHeldOutLargeMapeBound, tests/CMakeLists.txt).
TEST(Validation, HeldOutCollectivesArePredictedWithinBound) {
  colossim::app::ValidateOptions o;
  o.collectives = true;
  o.paths = {COLOSSIM_SOURCE_DIR "/validation/collectives-held-out.json"};
  const auto r = colossim::app::validate(o);
  EXPECT_GE(r.cases.size(), 120u);
  EXPECT_EQ(r.refused, 0);
  EXPECT_LE(r.mape, kHeldOutCollectivesMapeBound);
  ASSERT_EQ(r.groups.count("size: 1 GiB and more"), 1u);
  EXPECT_LE(r.groups.at("size: 1 GiB and more").mape, kHeldOutLargeMapeBound);
}

// A scenario on a stack none of its group's validated cases ran on gets its group's band
// doubled and says so; one on a validated stack gets the group's band.
TEST(Validation, BandsWidenOnUnvalidatedStacks) {
  const std::string head =
      "cluster: {gpu: h100-sxm-80gb, gpus: 8}\nmodel: {preset: llama3-8b}\ntraining: "
      "{global_batch: 8, framework: ";
  const TrustBand nemo = trust_band(colossim::testing::scenario(head + "nemo}\n"));
  const TrustBand titan = trust_band(colossim::testing::scenario(head + "torchtitan}\n"));
  EXPECT_TRUE(nemo.unvalidated_stack.empty());
  EXPECT_EQ(titan.unvalidated_stack, "torchtitan");
  EXPECT_NEAR(1 - titan.low, 2 * (1 - nemo.low), 1e-12);
  EXPECT_NEAR(titan.high - 1, 2 * (nemo.high - 1), 1e-12);
}
