// The calibration set must stay predicted at least as well as it is today: a change that makes
// the error grow fails here. Bounds are the figures reached when the constants were fitted
// (see validation/README.md), with a little headroom for rounding, not targets to tune to.
#include <gtest/gtest.h>

#include "validation/validate.hpp"

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
}

// The closed-form "bandwidth" model (no contention), which the constants were first fitted with,
// must keep within the same bounds.
TEST(Validation, BandwidthNetworkModelStaysWithinBound) {
  const ValidationReport r = run_cases(COLOSSIM_SOURCE_DIR "/validation/cases", "bandwidth");
  EXPECT_EQ(r.refused, 0);
  EXPECT_LE(r.mape, kMapeBound) << "mean absolute percentage error grew";
  EXPECT_LE(r.worst, kWorstBound) << "worst case grew: " << r.worst_id;
}
