// Validation: every case file (a scenario plus what a published run measured) is predicted and
// compared on the source's own basis -- step time, tokens/s, TFLOP/s per GPU (model or hardware
// FLOPs as the source counts them), MFU, or memory per GPU.
#pragma once

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <utility>
#include <vector>

#include "hw/catalog.hpp"
#include "sim/calibration.hpp"

namespace colossim {

struct CaseResult {
  std::string id;
  std::string group;
  std::string file;
  // step_time_s | tokens_per_s | {model,hardware}_tflops_per_gpu | mfu | memory_gib |
  // gpu_hours_{steady,elapsed}
  std::string metric;
  double measured = 0;
  double predicted = 0;
  double error = 0;     // (predicted - measured) / measured
  std::string refusal;  // non-empty when the case could not be predicted
  std::string source;
  std::vector<std::string> also_in;  // further groups the case counts in (beside `group`)
  std::string how;  // how it was predicted, where that varies (a collective's algorithm/protocol)
  std::string trust_group;  // the group its step-time band comes from (validation/trust.hpp)
  std::string stack;        // the software stack it ran on (training.framework)
  // Scaling series: cases of one source group, model, precision and metric at several GPU
  // counts; the per-GPU throughput's change from the fewest to the most GPUs is compared.
  std::string series;
  long long gpus = 0;
  long long global_batch = 0;
};

// A case's result as JSON and back, every field (MPI ranks exchange them; doubles round-trip).
void to_json(nlohmann::json& j, const CaseResult& c);
void from_json(const nlohmann::json& j, CaseResult& c);

// One scaling series: per-GPU throughput at the most GPUs over the fewest, minus 1.
struct ScalingSeries {
  std::string name;
  long long gpus_low = 0, gpus_high = 0;
  int points = 0;
  double measured_change = 0, predicted_change = 0;
};

struct GroupSummary {
  int cases = 0;
  double mape = 0;
  double worst = 0;
};

struct ValidationReport {
  std::vector<CaseResult> cases;  // sorted by file
  std::map<std::string, GroupSummary> groups;
  double mape = 0;   // mean absolute percentage error over predicted cases, as a fraction
  double worst = 0;  // largest absolute error, as a fraction
  std::string worst_id;
  int refused = 0;
  // Cases whose measured step time lies inside their group's band (validation/trust.hpp).
  int trust_inside = 0, trust_cases = 0;
  std::vector<ScalingSeries> series;  // with 3 or more GPU counts
};

struct Prediction;
struct Measured;
// The measurement a case is judged on (the first of whole-run GPU-hours, step time, tokens/s,
// TFLOP/s, MFU, memory that the source reports) and the same figure of a prediction (a step
// figure: GPU-hours need the scenario and, when elapsed, the simulated run -- validate_case).
[[nodiscard]] std::pair<std::string, double> judged_metric(const Measured& measured);
[[nodiscard]] double metric_value(const Prediction& prediction, const std::string& metric);

// Case files are the *.yaml under each directory (recursively), read in sorted order.
[[nodiscard]] std::vector<std::string> case_files(const std::vector<std::string>& dirs);
// `network_model`: overrides each case's (empty: the case's own, "bandwidth" by default).
[[nodiscard]] CaseResult validate_case(const std::string& file, const Catalog& catalog,
                                       const Calibration& calibration,
                                       const std::string& network_model = "");
[[nodiscard]] ValidationReport summarise(std::vector<CaseResult> cases);

}  // namespace colossim
