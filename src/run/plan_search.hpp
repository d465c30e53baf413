// Choosing the plan keys a scenario leaves open (SCENARIO.md: "omitted keys are chosen by the
// planner"). Every combination of the open keys is enumerated; invalid ones are dropped; for
// each, the least recomputation that fits in memory is kept; candidates are then simulated in
// order of a lower bound on their step time, stopping once the bound exceeds the best found:
//   bound = hardware FLOPs per GPU / peak x (1 + (pp - 1) / (v x m))
// (no operator beats the peak, and no 1F1B-family schedule beats its ideal bubble). The full
// planner (ranking, launch arguments, MPI) is `colossim plan`'s; this is its core.
#pragma once

#include <optional>
#include <string>

#include "scenario/scenario.hpp"
#include "sim/calibration.hpp"

namespace colossim {

struct PlanSearch {
  std::optional<Plan> best;
  long long candidates = 0;  // valid combinations of the open keys
  long long fitting = 0;     // of which fit in memory
  long long simulated = 0;   // of which were simulated before the bound stopped the search
  std::string why_none;      // when nothing fits
};

[[nodiscard]] PlanSearch search_plan(const Scenario& scenario, const Calibration& calibration);

}  // namespace colossim
