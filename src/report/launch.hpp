// A plan as launch arguments for the frameworks people run: Megatron-LM flags, NeMo 2.0 recipe
// overrides (NeMo-Run CLI syntax) and a TorchTitan TOML fragment.
#pragma once

#include <string>

#include "scenario/scenario.hpp"

namespace colossim {

[[nodiscard]] std::string megatron_args(const Scenario& s, const Plan& p);
[[nodiscard]] std::string nemo_overrides(const Scenario& s, const Plan& p);
[[nodiscard]] std::string torchtitan_toml(const Scenario& s, const Plan& p);

}  // namespace colossim
