#include "run/plan_search.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <thread>

#include "net/network.hpp"
#include "plan/memory.hpp"
#include "plan/pipeline.hpp"

namespace colossim {
namespace {

std::vector<long long> divisors_up_to(long long n, long long cap) {
  std::vector<long long> out;
  for (long long d = 1; d <= std::min(n, cap); ++d) {
    if (n % d == 0) out.push_back(d);
  }
  return out;
}

// Adds `v` to a candidate list if missing, keeping it sorted.
template <class T>
void include(std::vector<T>& values, T v) {
  if (std::find(values.begin(), values.end(), v) == values.end()) {
    values.push_back(v);
    std::sort(values.begin(), values.end());
  }
}

}  // namespace

double step_time_with(const Scenario& s, const Calibration& calibration, const Plan& plan,
                      const std::string& network_model) {
  const ArchCalibration& cal = calibration.for_architecture(s.cluster.gpu.architecture);
  const auto network = make_network(network_model, s.cluster, cal.network());
  if (!network) return INFINITY;
  return simulate_step(StepInputs{s.model, s.cluster, plan, s.training, *network, cal})
      .step_time.value();
}

double candidate_step_time(const Scenario& s, const Calibration& calibration, const Plan& plan) {
  // The fabric model simulates every group of every collective: too slow to rank thousands of
  // plans, so the search ranks with the closed-form model (kRankingNetworkModel).
  const bool fabric = s.network_model == "fabric";
  return step_time_with(s, calibration, plan, fabric ? kRankingNetworkModel : s.network_model);
}

void ThreadEvaluator::evaluate(const Scenario& s, const Calibration& cal,
                               const std::vector<PlanCandidate>& batch,
                               std::vector<double>& step_s) {
  step_s.assign(batch.size(), 0.0);
  const size_t workers = std::min<size_t>(static_cast<size_t>(threads_), batch.size());
  if (workers <= 1) {
    for (size_t i = 0; i < batch.size(); ++i)
      step_s[i] = candidate_step_time(s, cal, batch[i].plan);
    return;
  }
  std::vector<std::thread> pool;
  for (size_t w = 0; w < workers; ++w) {
    pool.emplace_back([&, w] {
      for (size_t i = w; i < batch.size(); i += workers)
        step_s[i] = candidate_step_time(s, cal, batch[i].plan);
    });
  }
  for (auto& t : pool) t.join();
}

PlanSearch search_plans(const Scenario& s, const Calibration& calibration,
                        const SearchOptions& options) {
  PlanSearch result;
  const bool widen = options.widen_given_keys;
  const auto open = [&](const char* key) { return widen || s.free_plan_keys.count(key) > 0; };
  const Model& m = s.model;
  const long long gpus = s.cluster.job_gpus();
  const Plan& given = s.plan;
  const bool given_dp = s.free_plan_keys.count("dp") == 0;

  std::vector<long long> tps = {given.tp};
  if (open("tp")) tps = divisors_up_to(m.heads, s.cluster.nvlink_domain);
  std::vector<long long> cps = {given.cp};
  if (open("cp")) {
    cps = {1};
    for (long long c : {2, 4, 8}) {
      if (m.seq_len >= 4096 * c) cps.push_back(c);  // CP pays off only for long sequences
    }
  }
  std::vector<long long> pps = {given.pp};
  if (open("pp")) {
    pps.clear();
    for (long long p = 1; p <= std::min<long long>(m.layers, 128); ++p) {
      if (m.layers % p == 0 || (m.layers + 2) % p == 0 || given.uneven_stages) pps.push_back(p);
    }
  }
  std::vector<long long> mbs = {given.micro_batch};
  if (open("micro_batch")) mbs = {1, 2, 4, 8};
  std::vector<int> zeros = {given.zero};
  if (options.search_zero_and_precision && open("zero")) zeros = {1, 2, 3};
  std::vector<Precision> precisions = {given.precision};
  if (options.search_zero_and_precision && !s.precision_given && s.cluster.gpu.peak_fp8) {
    precisions = {Precision::bf16, Precision::fp8};
  }
  std::vector<Recompute> recomputes = {given.recompute};
  if (open("recompute")) recomputes = {Recompute::none, Recompute::selective, Recompute::full};
  if (widen) {
    include(tps, static_cast<long long>(given.tp));
    include(cps, static_cast<long long>(given.cp));
    include(pps, static_cast<long long>(given.pp));
    include(mbs, given.micro_batch);
  }

  // FLOPs per token for the bound, computed once.
  const double model_flops = model_flops_per_token(m, m.seq_len);
  const double recompute_flops = layer_forward_flops_per_token(m, m.seq_len);
  const double tokens =
      static_cast<double>(s.training.global_batch) * static_cast<double>(m.seq_len);
  std::vector<PlanCandidate> fitting;
  size_t order = 0;
  std::string first_invalid;
  long long too_large = 0;
  for (long long tp : tps) {
    for (long long cp : cps) {
      for (long long pp : pps) {
        const long long mp = tp * cp * pp;
        if (gpus % mp != 0) continue;
        const long long dp = gpus / mp;
        if (given_dp && !widen && dp != given.dp) continue;
        std::vector<long long> eps = {given.ep};
        if (open("ep")) {
          eps = {1};
          if (m.moe) eps = divisors_up_to(m.moe->experts, 256);
          if (widen) include(eps, static_cast<long long>(given.ep));
        }
        std::vector<long long> vs = {given.virtual_stages};
        if (open("virtual_stages")) {
          vs = {1};
          if (pp > 1) {
            for (long long v : {2, 3, 4, 6, 8}) {
              if (layers_split_evenly(m, static_cast<int>(pp), static_cast<int>(v)))
                vs.push_back(v);
            }
            if (widen) include(vs, static_cast<long long>(given.virtual_stages));
          }
        }
        for (long long ep : eps) {
          for (long long v : vs) {
            for (long long mb : mbs) {
              Plan p = given;
              p.tp = static_cast<int>(tp);
              p.cp = static_cast<int>(cp);
              p.pp = static_cast<int>(pp);
              p.dp = dp;
              p.ep = static_cast<int>(ep);
              p.virtual_stages = static_cast<int>(v);
              p.micro_batch = mb;
              if (open("schedule") || widen)
                p.schedule = default_schedule(v);
              if (open("sequence_parallel") || widen) p.sequence_parallel = tp > 1;
              if (auto reason = invalid_reason(p, m, s.cluster, s.training)) {
                if (first_invalid.empty()) first_invalid = *reason;
                continue;
              }
              if (step_task_bound(p, m, s.training) > kMaxStepTasks) {
                ++too_large;
                continue;
              }
              ++result.candidates;
              for (Precision precision : precisions) {
                p.precision = precision;
                const double peak = s.cluster.gpu.peak(precision).value();
                // The least recomputation that fits, with the least ZeRO sharding that fits for
                // it; more recomputation is worth trying only with less sharding. Less of either
                // is never slower, so every other combination is dominated.
                int zero_limit = INT_MAX;  // try only ZeRO stages below the last one that fitted
                for (Recompute r : recomputes) {
                  for (int z : zeros) {
                    if (z >= zero_limit) break;
                    p.recompute = r;
                    p.zero = z;
                    if (invalid_reason(p, m, s.cluster, s.training)) continue;
                    const MemoryBreakdown mem = memory_per_gpu(p, m, s.cluster, s.training);
                    if (auto why = does_not_fit(mem, s.cluster)) {
                      if (result.why_none.empty()) result.why_none = *why;
                      continue;
                    }
                    const double flops =
                        model_flops + (r == Recompute::full ? recompute_flops : 0.0);
                    const double per_gpu = flops * tokens / static_cast<double>(gpus);
                    const double mbatches = static_cast<double>(micro_batches(p, s.training));
                    const double bound =
                        per_gpu / peak * (1.0 + (pp - 1.0) / (static_cast<double>(v) * mbatches));
                    fitting.push_back({p, bound, order++});
                    zero_limit = z;
                    break;
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  result.fitting = static_cast<long long>(fitting.size());
  if (fitting.empty()) {
    if (result.why_none.empty()) {
      result.why_none =
          too_large > 0           ? "every valid combination has too many micro-batches to simulate"
          : first_invalid.empty() ? "no combination of the open keys divides the job's GPUs"
                                  : "every combination is invalid, e.g. " + first_invalid;
    }
    return result;
  }
  std::sort(fitting.begin(), fitting.end(), [](const PlanCandidate& a, const PlanCandidate& b) {
    return a.bound != b.bound ? a.bound < b.bound : a.order < b.order;
  });

  ThreadEvaluator single(1);
  BatchEvaluator& evaluator = options.evaluator != nullptr ? *options.evaluator : single;
  const size_t top = static_cast<size_t>(std::max(1, options.top));
  std::vector<std::pair<PlanCandidate, double>> done;  // simulated, in bound order
  auto threshold = [&]() -> double {
    if (done.size() < top) return INFINITY;
    std::vector<double> steps;
    steps.reserve(done.size());
    for (const auto& d : done) steps.push_back(d.second);
    std::nth_element(steps.begin(), steps.begin() + static_cast<long>(top - 1), steps.end());
    return steps[top - 1];
  };
  size_t next = 0;
  std::vector<double> step_s;
  while (next < fitting.size()) {
    const double limit = threshold();
    std::vector<PlanCandidate> batch;
    while (next < fitting.size() && batch.size() < kSearchBatch && fitting[next].bound < limit) {
      batch.push_back(fitting[next++]);
    }
    if (batch.empty()) break;
    evaluator.evaluate(s, calibration, batch, step_s);
    for (size_t i = 0; i < batch.size(); ++i) done.emplace_back(batch[i], step_s[i]);
    result.simulated = static_cast<long long>(done.size());
    if (options.progress) options.progress(result.simulated, result.fitting);
  }
  std::sort(done.begin(), done.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second < b.second : a.first.order < b.first.order;
  });
  for (size_t i = 0; i < std::min(top, done.size()); ++i) {
    result.ranked.push_back({done[i].first.plan, done[i].second, done[i].first.bound});
  }
  return result;
}

}  // namespace colossim

namespace colossim {

std::optional<PublishedComparison> compare_with_published(const Scenario& s, const Calibration& cal,
                                                          BatchEvaluator* evaluator) {
  if (invalid_reason(s.plan, s.model, s.cluster, s.training)) return std::nullopt;
  PublishedComparison c;
  c.published_step_s = candidate_step_time(s, cal, s.plan);
  SearchOptions options;
  options.widen_given_keys = true;
  options.evaluator = evaluator;
  const PlanSearch search = search_plans(s, cal, options);
  if (search.ranked.empty()) {
    c.best_step_s = c.published_step_s;
    c.best = s.plan;
    c.note = "no searched plan fits: " + search.why_none;
    return c;
  }
  c.best = search.ranked.front().plan;
  c.best_step_s = search.ranked.front().step_s;
  if (c.best_step_s > c.published_step_s) {
    c.note =
        "the published plan is outside the searched space (or needs more memory than colossim "
        "grants it)";
  }
  return c;
}

}  // namespace colossim
