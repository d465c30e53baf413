#include "run/prediction.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "net/network.hpp"
#include "run/plan_search.hpp"

namespace colossim {

Verdict predict(const Scenario& s, const Calibration& calibration, bool timeline) {
  Verdict v;
  Prediction p;
  p.plan = s.plan;
  if (s.plan_needs_search()) {
    // The search ranks with the closed-form model; when the scenario prices communication on
    // the fabric, its best few are simulated there and the fastest is kept.
    SearchOptions options;
    options.top = s.network_model == kRankingNetworkModel ? 1 : kFabricRerank;
    const PlanSearch search = search_plans(s, calibration, options);
    if (!search.best()) {
      v.refusal = "no plan for the open parallelism keys: " + search.why_none;
      return v;
    }
    std::vector<RankedPlan> ranked = search.ranked;
    if (ranked.size() > 1) (void)rerank(s, calibration, ranked);
    p.plan = ranked.empty() ? *search.best() : ranked.front().plan;
    p.plan_chosen = true;
    p.plans_simulated = search.simulated;
    p.plans_fitting = search.fitting;
  }
  const Plan& plan = p.plan;
  if (auto reason = invalid_reason(plan, s.model, s.cluster, s.training)) {
    v.refusal = "invalid plan: " + *reason;
    return v;
  }
  p.memory = memory_per_gpu(plan, s.model, s.cluster, s.training);
  if (auto reason = does_not_fit(p.memory, s.cluster)) {
    v.refusal = *reason;
    return v;
  }
  const ArchCalibration& cal = calibration.for_architecture(s.cluster.gpu.architecture);
  const auto network = make_network(s.network_model, s.cluster, cal.network());
  if (!network) {
    throw InputError(s.file, "network_model",
                     "unknown network model \"" + s.network_model +
                         "\" (expected one of: " + network_model_names() + ")");
  }
  p.step = simulate_step(StepInputs{s.model, s.cluster, plan, s.training, *network, cal, timeline});
  p.network_model = network->name();
  p.fabric = network->records();
  const double step = p.step.step_time.value();
  const double gpus = static_cast<double>(s.cluster.job_gpus());
  const double tokens =
      static_cast<double>(s.training.global_batch) * static_cast<double>(s.model.seq_len);
  p.tokens_per_s = tokens / step;
  p.model_tflops_per_gpu = p.step.model_flops / step / gpus / 1e12;
  p.hardware_tflops_per_gpu = p.step.hardware_flops / step / gpus / 1e12;
  p.peak_tflops = to_tflops(s.cluster.gpu.peak(plan.precision));
  p.mfu = p.model_tflops_per_gpu / p.peak_tflops;
  p.hfu = p.hardware_tflops_per_gpu / p.peak_tflops;
  if (s.training.tokens) p.time_to_train_days = *s.training.tokens / p.tokens_per_s / 86400.0;
  v.prediction = p;
  return v;
}

std::vector<Prediction> rerank(const Scenario& s, const Calibration& calibration,
                               std::vector<RankedPlan>& ranked) {
  std::vector<std::pair<RankedPlan, Prediction>> simulated;
  for (const auto& r : ranked) {
    Scenario fixed = s;
    fixed.plan = r.plan;
    fixed.free_plan_keys.clear();
    const Verdict v = predict(fixed, calibration);
    if (v.prediction) simulated.emplace_back(r, *v.prediction);
  }
  std::stable_sort(simulated.begin(), simulated.end(), [](const auto& a, const auto& b) {
    return a.second.step.step_time.value() < b.second.step.step_time.value();
  });
  ranked.clear();
  std::vector<Prediction> predictions;
  for (auto& [r, p] : simulated) {
    r.step_s = p.step.step_time.value();
    ranked.push_back(r);
    predictions.push_back(std::move(p));
  }
  return predictions;
}

}  // namespace colossim
