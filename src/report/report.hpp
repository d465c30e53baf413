// Presentation: readable text and machine JSON for predictions, the catalog and validation.
// Pure functions from values to strings/JSON; printing is cli/'s job.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "app/app.hpp"
#include "facility/facility.hpp"
#include "hw/catalog.hpp"
#include "run/plan_search.hpp"
#include "run/prediction.hpp"
#include "run/reliability.hpp"
#include "validation/validate.hpp"

namespace colossim {

// "412.5 ms", "3.05 s", "2.4 min", "14.1 days": a duration as people read it.
[[nodiscard]] std::string human_seconds(double seconds);
// 2^30-based, "1.23 GiB", "41.5 MiB".
[[nodiscard]] std::string human_bytes(double bytes);
// "$4.79B", "$388M": dollars as a table reads them.
[[nodiscard]] std::string human_dollars(double usd);

// `run`: the Monte Carlo of the whole run, when the scenario has a token budget.
[[nodiscard]] std::string prediction_text(
    const Scenario& s, const Prediction& p,
    const std::optional<ReliabilityReport>& run = std::nullopt);
[[nodiscard]] nlohmann::json prediction_json(
    const Scenario& s, const Prediction& p,
    const std::optional<ReliabilityReport>& run = std::nullopt);
// `colossim reliability`: the run in detail, with the what-ifs.
[[nodiscard]] std::string reliability_text(const Scenario& s, const ReliabilityReport& r);
[[nodiscard]] nlohmann::json reliability_json(const Scenario& s, const ReliabilityReport& r);
// The simulated step as Chrome trace / Perfetto JSON: one process per pipeline stage, one
// thread per stream (compute, data-parallel communication, sends). Needs the timeline.
[[nodiscard]] nlohmann::json chrome_trace(const Scenario& s, const Prediction& p);
// `colossim plan`: the ranked plans (each predicted in full), why the runner-up loses, and the
// winner's launch arguments.
[[nodiscard]] std::string plan_text(const Scenario& s, const PlanSearch& search,
                                    const std::vector<Prediction>& top);
[[nodiscard]] nlohmann::json plan_json(const Scenario& s, const PlanSearch& search,
                                       const std::vector<Prediction>& top);
[[nodiscard]] std::string runner_up_reason(const Prediction& best, const Prediction& runner_up);
// `colossim facility`: power (GPU-only to facility, both coolings), energy, carbon, cost, rent.
[[nodiscard]] std::string facility_text(const Scenario& s, const FacilityReport& f);
[[nodiscard]] nlohmann::json facility_json(const Scenario& s, const FacilityReport& f);
// `colossim compare`: scenarios side by side, ratios to the first.
using CompareEntry = app::FacilityResult;
[[nodiscard]] std::string compare_text(const std::vector<CompareEntry>& entries);
[[nodiscard]] nlohmann::json compare_json(const std::vector<CompareEntry>& entries);
// The parallelism keys of SCENARIO.md as a plan resolved them (simulate, plan, design).
[[nodiscard]] nlohmann::json plan_keys_json(const Plan& plan);
// `colossim design`: the ranked designs, the frontier, the runner-up and the sensitivity; CSV:
// one row per design, rejected ones with their limit.
[[nodiscard]] std::string design_text(const app::Design& d);
[[nodiscard]] nlohmann::json design_json(const app::Design& d);
[[nodiscard]] std::string design_csv(const app::Design& d);
[[nodiscard]] std::string catalog_text(const Catalog& c);
[[nodiscard]] nlohmann::json catalog_json(const Catalog& c);
[[nodiscard]] std::string validation_text(const ValidationReport& r);
[[nodiscard]] nlohmann::json validation_json(const ValidationReport& r);

}  // namespace colossim
