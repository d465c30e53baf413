// The plan search: the plan keys a scenario leaves open (SCENARIO.md: "omitted keys are chosen
// by the planner") are enumerated, invalid combinations dropped, and for each the least
// recomputation that fits in memory kept. Candidates are then simulated in order of a lower
// bound on their step time,
//   bound = hardware FLOPs per GPU / peak x (1 + (pp - 1) / (v x m))
// (no operator beats the peak, no 1F1B-family schedule beats its ideal bubble), in fixed-size
// batches, until the next bound exceeds the N-th best step found: the top N are then exact.
//
// Batches are evaluated by a BatchEvaluator: in this process on several threads, or across MPI
// ranks (run/mpi.hpp). Batch boundaries and the ranking depend only on the scenario, never on how
// many threads or ranks evaluate, so every configuration prints the same ranking.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "scenario/scenario.hpp"
#include "sim/calibration.hpp"
#include "sim/step.hpp"

namespace colossim {

struct PlanCandidate {
  Plan plan;
  double bound = 0;  // lower bound on the step time, seconds
  size_t order = 0;  // enumeration order: the tie-breaker
};

// Evaluates a batch of candidates: writes each one's simulated step time. Implementations must
// return exactly the value simulate_step gives (so all of them rank alike).
class BatchEvaluator {
 public:
  virtual ~BatchEvaluator() = default;
  virtual void evaluate(const Scenario& s, const Calibration& cal,
                        const std::vector<PlanCandidate>& batch, std::vector<double>& step_s) = 0;
};

// Evaluates on `threads` threads of this process.
class ThreadEvaluator final : public BatchEvaluator {
 public:
  explicit ThreadEvaluator(int threads) : threads_(threads < 1 ? 1 : threads) {}
  void evaluate(const Scenario& s, const Calibration& cal, const std::vector<PlanCandidate>& batch,
                std::vector<double>& step_s) override;

 private:
  int threads_;
};

// One candidate's step time (what every evaluator computes).
[[nodiscard]] double candidate_step_time(const Scenario& s, const Calibration& cal,
                                         const Plan& plan);

struct RankedPlan {
  Plan plan;
  double step_s = 0;
  double bound = 0;
};

struct SearchOptions {
  int top = 1;                          // plans to rank
  BatchEvaluator* evaluator = nullptr;  // null: one thread
  // Keys searched even though the scenario gives them: the given value stays a candidate.
  bool widen_given_keys = false;
  // Search the ZeRO stages 1-3 the stack runs when `zero` is open, FP8 when the GPU has it and
  // the scenario does not state a precision, and the stack's MoE options (DeepEP, EP overlap)
  // when their keys are open (`colossim plan`; `simulate` keeps the stack's default ZeRO stage,
  // BF16 and the frameworks' defaults).
  bool search_framework_options = false;
  // Called after each batch with (simulated so far, candidates that fit).
  std::function<void(long long, long long)> progress;
};

struct PlanSearch {
  std::vector<RankedPlan> ranked;  // best first
  long long candidates = 0;        // valid combinations of the open keys
  long long fitting = 0;           // of which fit in memory
  long long simulated = 0;         // of which were simulated before the bound stopped the search
  std::string why_none;            // when nothing fits
  [[nodiscard]] std::optional<Plan> best() const {
    return ranked.empty() ? std::nullopt : std::optional<Plan>(ranked.front().plan);
  }
};

// The search ranks plans with this network model (closed form, fast); a scenario on the fabric
// has its best kFabricRerank simulated there (predict, `colossim plan`).
inline constexpr const char* kRankingNetworkModel = "bandwidth";
// Not a fitted number: a cost bound (each re-simulation on the fabric takes ~0.2 s at 100k
// GPUs) that still lets contention reorder near-ties of the closed-form ranking.
constexpr int kFabricRerank = 3;
// Step time of `plan` with the named network model (infinity if the model is unknown).
[[nodiscard]] double step_time_with(const Scenario& s, const Calibration& calibration,
                                    const Plan& plan, const std::string& network_model);

// Batch size of the search: fixed, so the ranking does not depend on threads or ranks.
constexpr size_t kSearchBatch = 32;

[[nodiscard]] PlanSearch search_plans(const Scenario& scenario, const Calibration& calibration,
                                      const SearchOptions& options = {});

}  // namespace colossim

namespace colossim {

// For a case with a published plan: the best plan the search finds with every searchable key
// opened (the published values stay among the candidates, so the best is never slower unless
// the published plan cannot be expressed), against the published plan's own predicted step.
struct PublishedComparison {
  double published_step_s = 0;
  double best_step_s = 0;
  Plan best;
  std::string note;  // why the published plan wins, when it does
};
[[nodiscard]] std::optional<PublishedComparison> compare_with_published(
    const Scenario& s, const Calibration& cal, BatchEvaluator* evaluator = nullptr);

}  // namespace colossim
