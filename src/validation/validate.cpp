#include "validation/validate.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "run/prediction.hpp"
#include "run/reliability.hpp"
#include "scenario/scenario.hpp"
#include "validation/trust.hpp"

namespace colossim {

std::vector<std::string> case_files(const std::vector<std::string>& dirs) {
  std::vector<std::string> files;
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(dir, ec)) {
      files.push_back(dir);
      continue;
    }
    if (!std::filesystem::is_directory(dir, ec))
      throw InputError(dir, "", "not a directory or file of validation cases");
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
      if (e.is_regular_file() && e.path().extension() == ".yaml")
        files.push_back(e.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::pair<std::string, double> judged_metric(const Measured& m) {
  if (m.gpu_hours) {
    return {m.gpu_hours_basis == Measured::HoursBasis::elapsed ? "gpu_hours_elapsed"
                                                               : "gpu_hours_steady",
            *m.gpu_hours};
  }
  if (m.step_time_s) return {"step_time_s", *m.step_time_s};
  if (m.tokens_per_s) return {"tokens_per_s", *m.tokens_per_s};
  if (m.tflops_per_gpu) {
    return {
        m.flops_basis == FlopsBasis::hardware ? "hardware_tflops_per_gpu" : "model_tflops_per_gpu",
        *m.tflops_per_gpu};
  }
  if (m.mfu) return {"mfu", *m.mfu};
  return {"memory_gib", m.memory_gib.value_or(0.0)};
}

double metric_value(const Prediction& p, const std::string& metric) {
  if (metric == "step_time_s") return p.step.step_time.value();
  if (metric == "tokens_per_s") return p.tokens_per_s;
  if (metric == "hardware_tflops_per_gpu") return p.hardware_tflops_per_gpu;
  if (metric == "model_tflops_per_gpu") return p.model_tflops_per_gpu;
  if (metric == "mfu") return p.mfu;
  return to_gib(p.memory.total());
}

CaseResult validate_case(const std::string& file, const Catalog& catalog,
                         const Calibration& calibration, const std::string& network_model) {
  Scenario s = read_scenario_file(file, catalog);
  check_reliability(s);
  if (!network_model.empty()) s.network_model = network_model;
  CaseResult r;
  r.id = s.name;
  r.group = s.group.empty() ? "ungrouped" : s.group;
  r.file = file;
  r.source = s.source;
  r.trust_group = trust_group(s);
  r.stack = stack_or_default(s.plan.stack).name;
  r.gpus = s.cluster.job_gpus();
  r.global_batch = s.training.global_batch;
  r.also_in.push_back("stack: " + r.stack);
  if (!s.measured) throw InputError(file, "measured", "a validation case needs a measured: block");
  const Measured& m = *s.measured;
  const Verdict v = predict(s, calibration);
  std::tie(r.metric, r.measured) = judged_metric(m);
  if (!v.prediction) {
    r.refusal = v.refusal;
    return r;
  }
  if (r.metric == "gpu_hours_elapsed") {
    // The simulated run, failures and restarts included (median over the Monte Carlo trials).
    const auto run = run_summary(s, *v.prediction);
    r.predicted = run->result.days_median * 24.0 * static_cast<double>(s.cluster.job_gpus());
  } else if (r.metric == "gpu_hours_steady") {
    r.predicted =
        *v.prediction->time_to_train_days * 24.0 * static_cast<double>(s.cluster.job_gpus());
  } else {
    r.predicted = metric_value(*v.prediction, r.metric);
  }
  r.error = (r.predicted - r.measured) / r.measured;
  r.series = r.group + " | " + s.model.name + " " + std::to_string(s.model.layers) + "L " +
             (s.plan.precision == Precision::fp8 ? "FP8" : "BF16") + " | " + r.metric;
  return r;
}

namespace {

// Per-GPU throughput of a case up to a factor shared by its measurement and its prediction:
// step times and GPU-hours per sequence of the batch and per GPU, job-wide rates per GPU.
double per_gpu_throughput(const CaseResult& c, double value) {
  const auto gpus = static_cast<double>(c.gpus);
  if (c.metric == "step_time_s") return static_cast<double>(c.global_batch) / (value * gpus);
  if (c.metric.rfind("gpu_hours", 0) == 0) return 1 / value;
  if (c.metric == "tokens_per_s") return value / gpus;
  return value;  // TFLOP/s per GPU, MFU
}

std::vector<ScalingSeries> scaling_series(const std::vector<CaseResult>& cases) {
  std::map<std::string, std::vector<const CaseResult*>> by_series;
  for (const auto& c : cases) {
    if (c.refusal.empty() && !c.series.empty() && c.metric != "memory_gib")
      by_series[c.series].push_back(&c);
  }
  std::vector<ScalingSeries> out;
  for (auto& [name, v] : by_series) {
    std::set<long long> counts;
    for (const CaseResult* c : v) counts.insert(c->gpus);
    if (counts.size() < 3) continue;
    // The fewest and the most GPUs; of several cases at one count, the first file's.
    const auto fewest =
        *std::min_element(v.begin(), v.end(), [](auto* a, auto* b) { return a->gpus < b->gpus; });
    const auto most =
        *std::max_element(v.begin(), v.end(), [](auto* a, auto* b) { return a->gpus < b->gpus; });
    ScalingSeries s;
    s.name = name;
    s.gpus_low = fewest->gpus;
    s.gpus_high = most->gpus;
    s.points = static_cast<int>(counts.size());
    s.measured_change =
        per_gpu_throughput(*most, most->measured) / per_gpu_throughput(*fewest, fewest->measured) -
        1;
    s.predicted_change = per_gpu_throughput(*most, most->predicted) /
                             per_gpu_throughput(*fewest, fewest->predicted) -
                         1;
    out.push_back(s);
  }
  return out;
}

}  // namespace

ValidationReport summarise(std::vector<CaseResult> cases) {
  ValidationReport rep;
  rep.cases = std::move(cases);
  int n = 0;
  for (const auto& c : rep.cases) {
    if (!c.refusal.empty()) {
      ++rep.refused;
      continue;
    }
    const double e = std::fabs(c.error);
    rep.mape += e;
    ++n;
    if (e >= rep.worst) {
      rep.worst = e;
      rep.worst_id = c.id;
    }
    std::vector<const std::string*> names = {&c.group};
    for (const auto& other : c.also_in) names.push_back(&other);
    for (const std::string* name : names) {
      GroupSummary& g = rep.groups[*name];
      g.mape += e;
      g.cases += 1;
      g.worst = std::max(g.worst, e);
    }
  }
  if (n > 0) rep.mape /= n;
  for (auto& [name, g] : rep.groups) g.mape /= std::max(1, g.cases);
  rep.series = scaling_series(rep.cases);
  const Coverage coverage = trust_coverage(rep.cases);
  rep.trust_inside = coverage.inside;
  rep.trust_cases = coverage.cases;
  return rep;
}

void to_json(nlohmann::json& j, const CaseResult& c) {
  j = {{"id", c.id},
       {"group", c.group},
       {"file", c.file},
       {"metric", c.metric},
       {"measured", c.measured},
       {"predicted", c.predicted},
       {"error", c.error},
       {"refusal", c.refusal},
       {"source", c.source},
       {"also_in", c.also_in},
       {"how", c.how},
       {"trust_group", c.trust_group},
       {"stack", c.stack},
       {"series", c.series},
       {"gpus", c.gpus},
       {"global_batch", c.global_batch}};
}

void from_json(const nlohmann::json& j, CaseResult& c) {
  j.at("id").get_to(c.id);
  j.at("group").get_to(c.group);
  j.at("file").get_to(c.file);
  j.at("metric").get_to(c.metric);
  j.at("measured").get_to(c.measured);
  j.at("predicted").get_to(c.predicted);
  j.at("error").get_to(c.error);
  j.at("refusal").get_to(c.refusal);
  j.at("source").get_to(c.source);
  j.at("also_in").get_to(c.also_in);
  j.at("how").get_to(c.how);
  j.at("trust_group").get_to(c.trust_group);
  j.at("stack").get_to(c.stack);
  j.at("series").get_to(c.series);
  j.at("gpus").get_to(c.gpus);
  j.at("global_batch").get_to(c.global_batch);
}

}  // namespace colossim
