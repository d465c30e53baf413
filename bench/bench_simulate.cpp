// Speed of the core prediction path. Run:
//   cmake --preset bench && cmake --build --preset bench && ./build/bench/bench/colossim_bench
// Targets (issue 2): one simulate of the 100k-GPU default well under a second; the whole
// validation set in a few seconds.
#include <benchmark/benchmark.h>

#include "app/app.hpp"
#include "run/plan_search.hpp"
#include "run/prediction.hpp"
#include "run/reliability.hpp"
#include "scenario/scenario.hpp"
#include "validation/validate.hpp"

using namespace colossim;

namespace {

void predict_repeatedly(benchmark::State& state, const Scenario& s) {
  const Calibration cal = Calibration::builtin();
  size_t tasks = 0;
  for (auto _ : state) {
    const Verdict v = predict(s, cal);
    tasks = v.prediction->step.tasks;
    benchmark::DoNotOptimize(v.prediction->step.step_time);
  }
  state.counters["tasks"] = static_cast<double>(tasks);
}

void BM_SimulateDefault100k(benchmark::State& state) {
  predict_repeatedly(state, default_scenario(Catalog::builtin()));
}
BENCHMARK(BM_SimulateDefault100k)->Unit(benchmark::kMillisecond);

// Four jobs sharing the 100,000-H100 cluster (issue 16's target: a few seconds): each alone,
// then each beside the others' traffic on the one fabric.
void BM_SimulateFourJobs100k(benchmark::State& state) {
  const Scenario s = read_scenario_file(COLOSSIM_SOURCE_DIR "/examples/shared-cluster-memphis.yaml",
                                        Catalog::builtin());
  for (auto _ : state) {
    const auto r = app::simulate_jobs(s);
    benchmark::DoNotOptimize(r->jobs.back().shared.step.step_time);
  }
}
BENCHMARK(BM_SimulateFourJobs100k)->Unit(benchmark::kSecond)->Iterations(1)->UseRealTime();

// A deep pipeline with many micro-batches: GPT-3 175B, PP 16, 4 virtual stages, 512
// micro-batches per pipeline (the task graph grows as layers x micro-batches).
void BM_SimulateDeepPipeline(benchmark::State& state) {
  predict_repeatedly(
      state,
      read_scenario_text("cluster: {gpu: h100-sxm-80gb, gpus: 16384}\nmodel: {preset: gpt3-175b}\n"
                         "training: {global_batch: " +
                             std::to_string(state.range(0) * 128) +
                             "}\nparallelism: {tp: 8, pp: 16, cp: 1, virtual_stages: 3, "
                             "micro_batch: 1, recompute: selective}\n",
                         "bench", Catalog::builtin()));
}
BENCHMARK(BM_SimulateDeepPipeline)->Arg(16)->Arg(64)->Arg(512)->Unit(benchmark::kMillisecond);

void BM_ValidateCalibrationSet(benchmark::State& state) {
  const Catalog catalog = Catalog::builtin();
  const Calibration cal = Calibration::builtin();
  const auto files = case_files({COLOSSIM_SOURCE_DIR "/validation/cases"});
  for (auto _ : state) {
    std::vector<CaseResult> results;
    for (const auto& f : files) results.push_back(validate_case(f, catalog, cal));
    benchmark::DoNotOptimize(summarise(std::move(results)).mape);
  }
  state.counters["cases"] = static_cast<double>(files.size());
}
BENCHMARK(BM_ValidateCalibrationSet)->Unit(benchmark::kMillisecond);

// Issue 5's target: 1,000 trials of a 100-day run on the 100k-GPU default in under 10 s.
void BM_RunMonteCarlo100Days100k(benchmark::State& state) {
  const Scenario s = default_scenario(Catalog::builtin());
  const Verdict v = predict(s, Calibration::builtin());
  const RunSetup setup = make_run_setup(s, *v.prediction);
  double interruptions = 0;
  for (auto _ : state) {
    const RunResult r =
        simulate_run(setup, Seconds(600), static_cast<int>(state.range(0)), 1, 100.0);
    interruptions = r.interruptions_mean;
    benchmark::DoNotOptimize(r.goodput);
  }
  state.counters["interruptions_per_trial"] = interruptions;
}
BENCHMARK(BM_RunMonteCarlo100Days100k)->Arg(1000)->Unit(benchmark::kMillisecond);

// The interval search and full report `colossim reliability` runs on the default.
void BM_ReliabilityReportDefault(benchmark::State& state) {
  const Scenario s = default_scenario(Catalog::builtin());
  const Verdict v = predict(s, Calibration::builtin());
  for (auto _ : state)
    benchmark::DoNotOptimize(
        reliability_report(s, *v.prediction, std::nullopt, true).result.goodput);
}
BENCHMARK(BM_ReliabilityReportDefault)->Unit(benchmark::kMillisecond);

// Issue 4: plans evaluated per second, and the speed-up of threads (Arg = threads). The MPI
// speed-up is measured by bench/mpi_plan_speedup.sh.
void BM_PlanSearch70bOpen(benchmark::State& state) {
  const Scenario s =
      read_scenario_file(COLOSSIM_SOURCE_DIR "/tests/data/plan-70b-open.yaml", Catalog::builtin());
  const Calibration cal = Calibration::builtin();
  ThreadEvaluator evaluator(static_cast<int>(state.range(0)));
  SearchOptions options;
  options.top = 5;
  options.evaluator = &evaluator;
  options.search_framework_options = true;
  long long simulated = 0;
  for (auto _ : state) {
    const PlanSearch r = search_plans(s, cal, options);
    simulated = r.simulated;
    benchmark::DoNotOptimize(r.ranked.front().step_s);
  }
  state.counters["plans_simulated"] = static_cast<double>(simulated);
  state.counters["plans_per_s"] = benchmark::Counter(static_cast<double>(simulated),
                                                     benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_PlanSearch70bOpen)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// Issue 18: the built-in default's design block (the Memphis decision: 60 designs of up to
// 133,000 GPUs) on one thread; the target is under a minute on one core.
void BM_DesignMemphisOneThread(benchmark::State& state) {
  ThreadEvaluator evaluator(1);
  app::DesignOptions options;
  options.evaluator = &evaluator;
  long long searches = 0;
  for (auto _ : state) {
    const auto r = app::design("", {}, options);
    searches = r ? r->search.plan_searches : 0;
    benchmark::DoNotOptimize(searches);
  }
  state.counters["plan_searches"] = static_cast<double>(searches);
}
BENCHMARK(BM_DesignMemphisOneThread)->Unit(benchmark::kSecond)->Iterations(1)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
