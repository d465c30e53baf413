// colossim-calibrate: fits the per-architecture constants of data/calibration.yaml to the
// calibration set (validation/cases) and prints the fitted values with the error before and
// after. It never writes the data file: a person reads the result and commits it.
//
// Objective per architecture: mean absolute percentage error over that architecture's cases
// plus half the worst case (so no group is sacrificed for the mean); a refused case counts as
// 100%. Search: coordinate descent, multiplicative steps shrinking from 20% to 1%, each
// parameter kept inside its plausible range (sim/calibration.cpp). A constant that fewer than
// kMinCases cases respond to is not fitted at all (fitting it would tune it to one or two runs):
// it keeps its cited starting value and the tool says so.
//
//   colossim-calibrate [DIR...]      (default: validation/cases)
#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <map>

#include "run/prediction.hpp"
#include "scenario/scenario.hpp"
#include "validation/validate.hpp"

#ifndef COLOSSIM_SOURCE_DIR
#define COLOSSIM_SOURCE_DIR "."
#endif

using namespace colossim;

namespace {

struct Case {
  Scenario scenario;
  std::string metric;
  double measured = 0;
};

double predicted(const Case& c, const Calibration& cal) {
  const Verdict v = predict(c.scenario, cal);
  return v.prediction ? metric_value(*v.prediction, c.metric) : std::nan("");
}

constexpr int kMinCases = 5;

// How many cases' predictions move when `value` moves by 10%.
int cases_informing(const std::vector<Case>& cases, Calibration& cal, double* value) {
  const double old = *value;
  std::vector<double> base;
  for (const auto& c : cases) base.push_back(predicted(c, cal));
  *value = old == 0 ? 1.0 : old * 1.1;
  int n = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const double p = predicted(cases[i], cal);
    if (!(std::fabs(p - base[i]) <= 1e-6 * std::fabs(base[i]))) ++n;
  }
  *value = old;
  return n;
}

struct Score {
  double mape = 0, worst = 0;
  [[nodiscard]] double objective() const { return mape + 0.5 * worst; }
};

Score score(const std::vector<Case>& cases, const Calibration& cal) {
  Score s;
  for (const auto& c : cases) {
    const double p = predicted(c, cal);
    const double e = std::isnan(p) ? 1.0 : std::fabs(p - c.measured) / c.measured;
    s.mape += e;
    s.worst = std::max(s.worst, e);
  }
  s.mape /= std::max<size_t>(1, cases.size());
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::vector<std::string> dirs;
    for (int i = 1; i < argc; ++i) dirs.emplace_back(argv[i]);
    if (dirs.empty()) dirs.push_back(std::string(COLOSSIM_SOURCE_DIR) + "/validation/cases");
    const Catalog catalog = Catalog::builtin();
    Calibration cal = Calibration::builtin();
    std::map<std::string, std::vector<Case>> by_arch;
    for (const auto& f : case_files(dirs)) {
      Scenario scenario = read_scenario_file(f, catalog);
      if (!scenario.measured) continue;
      const auto [metric, measured] = judged_metric(*scenario.measured);
      // Whole-run GPU-hours fold in failures and the source's bookkeeping: they judge
      // generalisation (validation/runs), never the fit.
      if (metric.rfind("gpu_hours", 0) == 0) continue;
      Case c{std::move(scenario), metric, measured};
      by_arch[c.scenario.cluster.gpu.architecture].push_back(std::move(c));
    }
    for (auto& [arch, cases] : by_arch) {
      ArchCalibration& a = cal.architectures.at(arch);
      Score best = score(cases, cal);
      fmt::print("{}: {} cases, before: MAPE {:.2f}% worst {:.1f}%\n", arch, cases.size(),
                 100 * best.mape, 100 * best.worst);
      struct Knob {
        std::string name;
        double* value;
        double lo, hi;
        bool measured;
      };
      std::vector<Knob> knobs;
      for (const auto& p : calibration_parameters())
        knobs.push_back({p.name, &(a.*(p.field)), p.lo, p.hi, a.measured.count(p.name) > 0});
      std::vector<Knob> fitted;
      for (const auto& k : knobs) {
        if (k.measured) {
          fmt::print("    {} kept at {:.4g}: a measured ceiling\n", k.name, *k.value);
          continue;
        }
        const int n = cases_informing(cases, cal, k.value);
        if (n >= kMinCases) {
          fitted.push_back(k);
        } else {
          fmt::print("    {} kept at {:.4g}: only {} case(s) depend on it\n", k.name, *k.value, n);
        }
      }
      for (double step : {0.2, 0.1, 0.05, 0.02, 0.01}) {
        for (int round = 0; round < 4; ++round) {
          bool improved = false;
          for (auto& k : fitted) {
            for (double dir : {1.0, -1.0}) {
              const double old = *k.value;
              double candidate = old * (1.0 + dir * step);
              if (old == 0) candidate = dir > 0 ? step * (k.hi - k.lo) : 0;
              candidate = std::clamp(candidate, k.lo, k.hi);
              if (candidate == old) continue;
              *k.value = candidate;
              const Score s = score(cases, cal);
              if (s.objective() < best.objective() - 1e-9) {
                best = s;
                improved = true;
              } else {
                *k.value = old;
              }
            }
          }
          if (!improved) break;
        }
      }
      fmt::print("{}: after:  MAPE {:.2f}% worst {:.1f}%\n", arch, 100 * best.mape,
                 100 * best.worst);
      for (const auto& k : knobs) fmt::print("    {}: {:.4g}\n", k.name, *k.value);
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
}
