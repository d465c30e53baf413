// libFuzzer target: any bytes as a scenario file. The contract (DEVELOPERS.md): bad input is an
// InputError (exit 2, one line); anything else escaping — another exception, a crash, a
// sanitizer report, a hang — is a bug. A scenario that reads is also checked and its memory
// and one step priced with the closed-form network model on its own plan, so the numbers that
// come out of a valid file are finite.
//
//   cmake --preset fuzz && cmake --build --preset fuzz
//   build/fuzz/colossim_fuzz_scenario -max_total_time=60 fuzz/corpus
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "app/app.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace colossim;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    Scenario s = app::checked(read_scenario_text(text, "fuzz.yaml", app::catalog()));
    if (!s.jobs.empty()) {  // several jobs on the fabric: each alone and beside the others
      if (s.cluster.gpus > 1024) return 0;
      for (auto& job : s.jobs) {
        if (!job.free_plan_keys.empty()) return 0;
        job.training.tokens.reset();
      }
      const auto shared = app::simulate_jobs(s);
      if (shared) {
        for (const auto& j : shared.value().jobs) {
          const double step = j.shared.step.step_time.value();
          if (!(std::isfinite(step) && step > 0)) std::abort();  // a step that is no number
        }
      }
      return 0;
    }
    if (!s.free_plan_keys.empty() || s.cluster.gpus > 4096) return 0;  // the search: too slow here
    s.network_model = "bandwidth";
    s.training.tokens.reset();  // the run's Monte Carlo is not what this target exercises
    const auto sim = app::simulate(s);
    if (sim && !(std::isfinite(sim.value().prediction.step.step_time.value()) &&
                 sim.value().prediction.step.step_time.value() > 0))
      std::abort();  // a valid plan with a step time that is not a positive number
  } catch (const InputError&) {
    // the contract: one line, exit 2
  }
  return 0;
}
