// Helpers shared by the tests: scenarios from inline YAML, and a network with no cost.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

#include "hw/catalog.hpp"
#include "net/network.hpp"
#include "run/prediction.hpp"
#include "scenario/scenario.hpp"

namespace colossim::testing {

inline const Catalog& catalog() {
  static const Catalog c = Catalog::builtin();
  return c;
}

inline Scenario scenario(const std::string& yaml) {
  return read_scenario_text(yaml, "test.yaml", catalog());
}

// The prediction of a scenario; a refusal throws, which fails the calling test with the reason
// (instead of dereferencing an empty optional after a non-fatal check).
inline Prediction predicted(const Scenario& s) {
  const Verdict v = predict(s, Calibration::builtin());
  if (!v.prediction) throw std::runtime_error("no prediction: " + v.refusal);
  return *v.prediction;
}

// The value of an optional, or a thrown failure naming what was missing.
template <class T>
const T& present(const std::optional<T>& x, const std::string& what) {
  if (!x) throw std::runtime_error("missing: " + what);
  return *x;
}

// Scale-out links at their full line rate, whatever the group (for physical_fabric).
inline NetworkCalibration line_rate() {
  NetworkCalibration c;
  c.network_efficiency = 1.0;
  c.network_efficiency_one_per_node = 1.0;
  c.network_efficiency_all_to_all = 1.0;
  return c;
}

// Communication that takes no time, to isolate compute and schedule effects.
class FreeNetwork final : public NetworkModel {
 public:
  [[nodiscard]] Seconds time(Collective, Bytes, const CommGroup&) const override {
    return Seconds(0);
  }
  [[nodiscard]] std::string name() const override { return "free"; }
};

}  // namespace colossim::testing
