// How far to trust a predicted step time: the spread of colossim's own errors on published
// measurements of comparable runs (same GPU architecture; dense or mixture-of-experts), over
// every validation set (the calibration cases, the production runs, the MoE benchmarks).
//
// A band holds the 10th and 90th percentiles of predicted / true step time over a group's cases,
// so the true step lies in [predicted / high, predicted / low] for 80% of them. The shipped bands
// are data/trust.yaml, which `colossim validate --trust` rewrites from the cases; a test fails
// when they drift from what the model now does. The calibration cases were fitted to, so their
// spread understates the error on unseen runs; the production runs and the MoE benchmarks were
// not, and are counted alongside. A scenario unlike any validated group (say, Blackwell) gets the
// widest band of all groups, doubled, and says so.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "scenario/scenario.hpp"
#include "validation/validate.hpp"

namespace colossim {

struct TrustBand {
  std::string group;  // "hopper dense", ...
  int cases = 0;
  double low = 1, high = 1;         // 10th / 90th percentile of predicted over true step time
  bool extrapolated = false;        // no validated group matches: the widest band, doubled
  std::vector<std::string> stacks;  // the software stacks of the group's validated cases
  // A scenario on a stack none of the group's cases ran on: its name; the band is doubled.
  std::string unvalidated_stack;
};

// The band for a scenario's step time, or a group's ("hopper dense"; data/trust.yaml).
[[nodiscard]] std::string trust_group(const Scenario& scenario);
[[nodiscard]] TrustBand trust_band(const std::string& group);
[[nodiscard]] TrustBand trust_band(const Scenario& s);

// How many of `cases` (with their trust_group) have the measurement inside their band, of how
// many were predicted.
struct Coverage {
  int inside = 0, cases = 0;
};
[[nodiscard]] Coverage trust_coverage(const std::vector<CaseResult>& cases);

// Predicted / true step time of one validated case (1 + error for times, 1 / (1 + error) for
// rates); nullopt for a refused case.
[[nodiscard]] std::optional<double> step_ratio(const CaseResult& c);

// The bands measured over `cases` with their scenarios' groups (for --trust and the test), and
// as data/trust.yaml text.
struct GroupedCase {
  std::string group;
  std::string stack;
  CaseResult result;
};
[[nodiscard]] std::vector<TrustBand> measure_trust(const std::vector<GroupedCase>& cases);
[[nodiscard]] std::string trust_yaml(const std::vector<TrustBand>& bands);

}  // namespace colossim
