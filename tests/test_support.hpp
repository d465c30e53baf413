// Helpers shared by the tests: scenarios from inline YAML, and a network with no cost.
#pragma once

#include <string>

#include "hw/catalog.hpp"
#include "net/network.hpp"
#include "scenario/scenario.hpp"

namespace colossim::testing {

inline const Catalog& catalog() {
  static const Catalog c = Catalog::builtin();
  return c;
}

inline Scenario scenario(const std::string& yaml) {
  return read_scenario_text(yaml, "test.yaml", catalog());
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
