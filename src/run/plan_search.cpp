#include "run/plan_search.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <thread>

#include "net/network.hpp"
#include "plan/memory.hpp"
#include "plan/pipeline.hpp"
#include "plan/placement.hpp"

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

namespace {

// A recomputation level: none, selective with its modules, or full.
struct RecomputeLevel {
  Recompute recompute = Recompute::none;
  std::vector<std::string> modules;
};

// The values each plan key may take: the scenario's own, or the searched range when open.
struct SearchSpace {
  std::vector<long long> tps, cps, pps, mbs;
  std::vector<int> zeros;
  std::vector<Precision> precisions;
  std::vector<RecomputeLevel> recomputes;  // from the least recomputation to the most
};

SearchSpace search_space(const Scenario& s, const SearchOptions& options) {
  const bool widen = options.widen_given_keys;
  const auto open = [&](const char* key) { return widen || s.free_plan_keys.count(key) > 0; };
  const Model& m = s.model;
  const Plan& given = s.plan;
  const Stack& stack = stack_or_default(given.stack);
  SearchSpace x;
  x.tps = {given.tp};
  if (open("tp")) x.tps = divisors_up_to(m.heads, s.cluster.nvlink_domain);
  x.cps = {given.cp};
  if (open("cp") && stack.offers("cp")) {
    x.cps = {1};
    // Each CP rank keeps at least 1,024 tokens of the sequence (in two chunks for the causal
    // balance): CP is how a job uses more GPUs than global batch x TP x PP allows, so it is not
    // kept to long sequences alone (a 65,536-GPU Llama 3 405B job at 8k ran CP 2 at 2.5x the
    // step of CP 4 when only seq_len >= 4,096 x cp was tried).
    // Up to 32, 4,096 tokens per rank at a 128k context: a 128k-token Llama 3 405B batch of 128
    // on 16,384 H100 takes 20.1 s a step at CP 8 (its pipelines too short for their depth) and
    // 7.9 s at CP 32.
    for (long long c : {2, 4, 8, 16, 32}) {
      if (m.seq_len % (2 * c) == 0 && m.seq_len / c >= 1024) x.cps.push_back(c);
    }
  }
  x.pps = {given.pp};
  if (open("pp") && stack.offers("pp")) {
    x.pps.clear();
    for (long long p = 1; p <= std::min<long long>(m.layers, 128); ++p) {
      if (layers_split_evenly(m, static_cast<int>(p), 1) || given.uneven_stages) x.pps.push_back(p);
    }
  }
  x.mbs = {given.micro_batch};
  if (open("micro_batch")) x.mbs = {1, 2, 4, 8};
  x.zeros = {given.zero};
  if (options.search_framework_options && open("zero")) {
    x.zeros.clear();
    for (int z : {1, 2, 3}) {
      if (stack.runs_zero(z)) x.zeros.push_back(z);
    }
    if (x.zeros.empty()) x.zeros = {given.zero};
  }
  x.precisions = {given.precision};
  if (options.search_framework_options && !s.precision_given && s.cluster.gpu.peak_fp8) {
    x.precisions = {Precision::bf16, Precision::fp8};
  }
  x.recomputes = {{given.recompute, given.recompute_modules}};
  if (open("recompute")) {
    x.recomputes = {{Recompute::none, {}}, {Recompute::selective, given.recompute_modules}};
    // Mixture-of-experts models: the selective sets Megatron-Core's MoE recipes run, cheapest
    // first: the norms and the experts' activation (Megatron-MoE-ModelZoo's Qwen3 and
    // DeepSeek-V3 best practices), then MLA's up-projections too (NeMo's DeepSeek-V3 recipes).
    if (m.moe && open("recompute_modules")) {
      x.recomputes.push_back({Recompute::selective, {"layernorm", "moe_act"}});
      if (m.mla)
        x.recomputes.push_back({Recompute::selective, {"mla_up_proj", "layernorm", "moe_act"}});
    }
    x.recomputes.push_back({Recompute::full, given.recompute_modules});
  }
  if (widen) {
    include(x.tps, static_cast<long long>(given.tp));
    include(x.cps, static_cast<long long>(given.cp));
    include(x.pps, static_cast<long long>(given.pp));
    include(x.mbs, given.micro_batch);
  }
  return x;
}

// Walks the search space and keeps, for each valid layout and precision, the least
// recomputation that fits with the least ZeRO sharding that fits for it, with its bound.
class Enumeration {
 public:
  Enumeration(const Scenario& s, const SearchOptions& options, PlanSearch& result)
      : s_(s),
        widen_(options.widen_given_keys),
        framework_options_(options.search_framework_options),
        space_(search_space(s, options)),
        result_(result),
        model_flops_(model_flops_per_token(s.model, s.model.seq_len)),
        recompute_flops_(layer_forward_flops_per_token(s.model, s.model.seq_len)),
        tokens_(static_cast<double>(s.training.global_batch) *
                static_cast<double>(s.model.seq_len)) {}

  std::vector<PlanCandidate> run() {
    const long long gpus = s_.cluster.job_gpus();
    const bool given_dp = s_.free_plan_keys.count("dp") == 0;
    for (long long tp : space_.tps) {
      for (long long cp : space_.cps) {
        for (long long pp : space_.pps) {
          const long long mp = tp * cp * pp;
          if (gpus % mp != 0) continue;
          const long long dp = gpus / mp;
          if (given_dp && !widen_ && dp != s_.plan.dp) continue;
          layout(tp, cp, pp, dp);
        }
      }
    }
    return std::move(fitting_);
  }

  // Why nothing fits, when nothing does: a combination that fails, or the written keys whose
  // product no layout can complete to the job's GPUs (the open keys are not to blame then).
  [[nodiscard]] std::string why_none() const {
    if (!first_invalid_.empty()) return "every combination is invalid, e.g. " + first_invalid_;
    const long long gpus = s_.cluster.job_gpus();
    std::string given;
    long long product = 1;
    const auto written = [&](const char* key, long long value) {
      if (open(key)) return;
      given += (given.empty() ? "" : " x ") + std::string("parallelism.") + key + " " +
               std::to_string(value);
      product *= value;
    };
    written("tp", s_.plan.tp);
    written("cp", s_.plan.cp);
    written("pp", s_.plan.pp);
    written("dp", s_.plan.dp);
    if (!open("tp") && !open("cp") && !open("pp") && !open("dp") && product != gpus)
      return given + " makes " + std::to_string(product) + " GPUs, not the job's " +
             std::to_string(gpus);
    if (!given.empty() && gpus % product != 0)
      return given + " does not divide the job's " + std::to_string(gpus) + " GPUs";
    return "no combination of the open keys divides the job's " + std::to_string(gpus) + " GPUs";
  }

 private:
  [[nodiscard]] bool open(const char* key) const {
    return widen_ || s_.free_plan_keys.count(key) > 0;
  }

  // Every EP degree, virtual-stage count and micro-batch of one TP x CP x PP x DP layout.
  void layout(long long tp, long long cp, long long pp, long long dp) {
    const Model& m = s_.model;
    const Plan& given = s_.plan;
    const Stack& stack = stack_or_default(given.stack);
    std::vector<long long> eps = {given.ep};
    if (open("ep") && stack.offers("ep")) {
      eps = {1};
      if (m.moe) eps = divisors_up_to(m.moe->experts, 256);
      if (widen_) include(eps, static_cast<long long>(given.ep));
    }
    std::vector<long long> vs = {given.virtual_stages};
    const PipelineSchedule* fixed_schedule =
        open("schedule") ? nullptr : find_schedule(given.schedule);
    if (open("virtual_stages") && fixed_schedule != nullptr && fixed_schedule->v_shape) {
      vs = {2};  // a V-shaped schedule (dualpipev) named in the scenario runs two chunks a stage
    } else if (open("virtual_stages")) {
      vs = {1};
      if (pp > 1 && stack.offers("interleaved")) {
        for (long long v : {2, 3, 4, 6, 8}) {
          if (layers_split_evenly(m, static_cast<int>(pp), static_cast<int>(v))) vs.push_back(v);
        }
        if (widen_) include(vs, static_cast<long long>(given.virtual_stages));
      }
    }
    for (long long ep : eps) {
      for (long long v : vs) {
        for (long long mb : space_.mbs) {
          Plan p = given;
          p.tp = static_cast<int>(tp);
          p.cp = static_cast<int>(cp);
          p.pp = static_cast<int>(pp);
          p.dp = dp;
          p.ep = static_cast<int>(ep);
          p.virtual_stages = static_cast<int>(v);
          p.micro_batch = mb;
          if (open("schedule") || widen_) {
            p.schedule = p.virtual_stages == 1 && !stack.schedule.empty()
                             ? stack.schedule
                             : default_schedule(p.virtual_stages);
          }
          if (open("sequence_parallel") || widen_) p.sequence_parallel = tp > 1;
          moe_options(p, stack);
          for (long long etp : expert_tps(ep, tp)) {
            p.etp = static_cast<int>(etp);
            candidate(p);
            // DualPipeV places the same 2 pp chunks in a V, where the stack runs it.
            if (v == 2 && (open("schedule") || widen_) && stack.offers("dualpipev")) {
              Plan q = p;
              q.schedule = "dualpipev";
              candidate(q);
            }
          }
        }
      }
    }
  }

  // Expert TP degrees for an open etp: 1 (what published recipes run) and, with TP, tp
  // (Megatron-Core's default); 0 keeps the plan's default.
  [[nodiscard]] std::vector<long long> expert_tps(long long ep, long long tp) const {
    if (!open("etp") || ep <= 1 || tp <= 1 || !stack_or_default(s_.plan.stack).offers("etp"))
      return {s_.plan.etp};
    return {0, tp};
  }

  // The stack's MoE options for open keys, where the model says they are never slower: DeepEP
  // sends a token across the network once per node (only fewer bytes when the EP group spans
  // NVLink domains); the combined-1F1B overlap hides all-to-all time and costs at most the SMs
  // beside what it hides (it needs pairs of passes: one stage, or virtual stages, and no full
  // recompute). Only when
  // `colossim plan` proposes software options: `simulate` runs the frameworks' defaults
  // (alltoall, no overlap) for keys a scenario leaves out.
  void moe_options(Plan& p, const Stack& stack) const {
    if (!s_.model.moe || p.ep <= 1 || !framework_options_) return;
    if (open("moe_dispatcher") && stack.has_moe_option("deepep") &&
        place_groups(p, s_.cluster).ep.domains() > 1)
      p.moe_dispatcher = "deepep";
    if (open("moe_a2a_overlap") && stack.has_moe_option("a2a_overlap"))
      p.moe_a2a_overlap = (p.pp == 1 || p.virtual_stages > 1) && p.recompute != Recompute::full;
  }

  void candidate(Plan p) {
    if (auto reason = invalid_reason(p, s_.model, s_.cluster, s_.training)) {
      if (first_invalid_.empty()) first_invalid_ = *reason;
      return;
    }
    ++result_.candidates;
    for (Precision precision : space_.precisions) {
      p.precision = precision;
      least_that_fits(p);
    }
  }

  // Less recomputation and less sharding are never slower, so every other combination is
  // dominated: more recomputation is worth trying only with less sharding.
  void least_that_fits(Plan p) {
    const double peak = s_.cluster.gpu.peak(p.precision).value();
    int zero_limit = INT_MAX;  // try only ZeRO stages below the last one that fitted
    for (const RecomputeLevel& level : space_.recomputes) {
      const Recompute r = level.recompute;
      for (int z : space_.zeros) {
        if (z >= zero_limit) break;
        p.recompute = r;
        p.recompute_modules = level.modules;
        p.zero = z;
        if (invalid_reason(p, s_.model, s_.cluster, s_.training)) continue;
        const MemoryBreakdown mem = memory_per_gpu(p, s_.model, s_.cluster, s_.training);
        if (auto why = does_not_fit(mem, s_.cluster)) {
          if (result_.why_none.empty()) result_.why_none = *why;
          continue;
        }
        const double flops = model_flops_ + (r == Recompute::full ? recompute_flops_ : 0.0);
        const double per_gpu = flops * tokens_ / static_cast<double>(s_.cluster.job_gpus());
        const double mbatches = static_cast<double>(micro_batches(p, s_.training));
        const double bound =
            per_gpu / peak *
            (1.0 + (p.pp - 1.0) / (static_cast<double>(p.virtual_stages) * mbatches));
        fitting_.push_back({p, bound, order_++});
        zero_limit = z;
        break;
      }
    }
  }

  const Scenario& s_;
  bool widen_;
  bool framework_options_;
  SearchSpace space_;
  PlanSearch& result_;
  double model_flops_, recompute_flops_, tokens_;  // FLOPs per token for the bound, once
  std::vector<PlanCandidate> fitting_;
  size_t order_ = 0;
  std::string first_invalid_;
};

// Simulates candidates in bound order, in fixed-size batches, until the next bound exceeds the
// top-th best step found; the top are then exact.
void simulate_in_bound_order(const Scenario& s, const Calibration& calibration,
                             const SearchOptions& options, std::vector<PlanCandidate> fitting,
                             PlanSearch& result) {
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
}

}  // namespace

PlanSearch search_plans(const Scenario& s, const Calibration& calibration,
                        const SearchOptions& options) {
  PlanSearch result;
  Enumeration enumeration(s, options, result);
  std::vector<PlanCandidate> fitting = enumeration.run();
  result.fitting = static_cast<long long>(fitting.size());
  if (fitting.empty()) {
    if (result.why_none.empty()) result.why_none = enumeration.why_none();
    return result;
  }
  simulate_in_bound_order(s, calibration, options, std::move(fitting), result);
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
