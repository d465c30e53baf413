#include "run/plan_search.hpp"

#include <algorithm>
#include <cmath>

#include "net/network.hpp"
#include "plan/memory.hpp"
#include "plan/pipeline.hpp"
#include "sim/step.hpp"

namespace colossim {
namespace {

std::vector<long long> divisors_up_to(long long n, long long cap) {
  std::vector<long long> out;
  for (long long d = 1; d <= std::min(n, cap); ++d) {
    if (n % d == 0) out.push_back(d);
  }
  return out;
}

struct Candidate {
  Plan plan;
  double bound = 0;
  size_t order = 0;
};

}  // namespace

PlanSearch search_plan(const Scenario& s, const Calibration& calibration) {
  PlanSearch result;
  const auto open = [&](const char* key) { return s.free_plan_keys.count(key) > 0; };
  const Model& m = s.model;
  const long long gpus = s.cluster.job_gpus();
  const Plan& given = s.plan;

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
  const std::vector<Recompute> all_recompute = {Recompute::none, Recompute::selective,
                                                Recompute::full};
  const ArchCalibration& cal = calibration.for_architecture(s.cluster.gpu.architecture);
  const double peak = s.cluster.gpu.peak(given.precision).value();

  std::vector<Candidate> fitting;
  size_t order = 0;
  std::string first_invalid;
  long long too_large = 0;
  for (long long tp : tps) {
    for (long long cp : cps) {
      for (long long pp : pps) {
        const long long mp = tp * cp * pp;
        if (gpus % mp != 0) continue;
        const long long dp = gpus / mp;
        if (!open("dp") && dp != given.dp) continue;
        std::vector<long long> eps = {given.ep};
        if (open("ep")) {
          eps = {1};
          if (m.moe) eps = divisors_up_to(m.moe->experts, 256);
        }
        std::vector<long long> vs = {given.virtual_stages};
        if (open("virtual_stages")) {
          vs = {1};
          if (pp > 1) {
            for (long long v : {2, 3, 4, 6, 8}) {
              if (layers_split_evenly(m, static_cast<int>(pp), static_cast<int>(v)))
                vs.push_back(v);
            }
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
              if (open("schedule"))
                p.schedule = v > 1 ? Schedule::interleaved : Schedule::one_f_one_b;
              if (open("sequence_parallel")) p.sequence_parallel = tp > 1;
              if (auto reason = invalid_reason(p, m, s.cluster, s.training)) {
                if (first_invalid.empty()) first_invalid = *reason;
                continue;
              }
              if (step_task_bound(p, m, s.training) > kMaxStepTasks) {
                ++too_large;
                continue;
              }
              ++result.candidates;
              const std::vector<Recompute> options =
                  open("recompute") ? all_recompute : std::vector<Recompute>{given.recompute};
              for (Recompute r : options) {
                p.recompute = r;
                const MemoryBreakdown mem = memory_per_gpu(p, m, s.cluster, s.training);
                if (does_not_fit(mem, s.cluster)) {
                  if (result.why_none.empty()) result.why_none = *does_not_fit(mem, s.cluster);
                  continue;
                }
                // Lower bound on the step time (see the header).
                const double tokens =
                    static_cast<double>(s.training.global_batch) * static_cast<double>(m.seq_len);
                double flops = model_flops_per_token(m, m.seq_len);
                if (r == Recompute::full) flops += layer_forward_flops_per_token(m, m.seq_len);
                const double per_gpu = flops * tokens / static_cast<double>(gpus);
                const double mbatches = static_cast<double>(micro_batches(p, s.training));
                const double bound =
                    per_gpu / peak * (1.0 + (pp - 1.0) / (static_cast<double>(v) * mbatches));
                fitting.push_back({p, bound, order++});
                break;  // less recomputation is never slower
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
      result.why_none = too_large > 0      ? "every valid combination has too many micro-batches to simulate"
                        : first_invalid.empty() ? "no combination of the open keys divides the job's GPUs"
                                                : "every combination is invalid, e.g. " + first_invalid;
    }
    return result;
  }
  std::sort(fitting.begin(), fitting.end(), [](const Candidate& a, const Candidate& b) {
    return a.bound != b.bound ? a.bound < b.bound : a.order < b.order;
  });
  const auto network = make_network(s.network_model, s.cluster, cal.network());
  if (!network) return result;  // predict() reports the unknown model
  double best = INFINITY;
  for (const auto& c : fitting) {
    if (c.bound >= best) break;
    const StepResult r = simulate_step(StepInputs{m, s.cluster, c.plan, s.training, *network, cal});
    ++result.simulated;
    if (r.step_time.value() < best) {
      best = r.step_time.value();
      result.best = c.plan;
    }
  }
  return result;
}

}  // namespace colossim
