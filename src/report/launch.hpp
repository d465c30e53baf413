// A plan as launch arguments for the frameworks people run: Megatron-LM flags, NeMo 2.0 recipe
// overrides (NeMo-Run CLI syntax; NeMo 8cfedd72 with Megatron-Core 0.14), a TorchTitan config
// module (the Python config TorchTitan reads since 2026) and the TOML fragment of TorchTitan
// releases before it.
#pragma once

#include <string>

#include "scenario/scenario.hpp"

namespace colossim {

[[nodiscard]] std::string megatron_args(const Scenario& s, const Plan& p);
// The whole Megatron-LM launch (Megatron-LM @d98e8a64, 2026-08): the environment validate_args
// asks for, torchrun over the job's nodes, pretrain_gpt.py with megatron_args, and a short
// mock-data run (100 steps, cosine learning rate) to replace with the real data, tokenizer and
// schedule.
[[nodiscard]] std::string megatron_command(const Scenario& s, const Plan& p);
[[nodiscard]] std::string nemo_overrides(const Scenario& s, const Plan& p);
// The NeMo-Run command: `nemo llm pretrain --factory <the model's recipe>` with the overrides
// (NeMo 8cfedd72); a comment naming what to start from where NeMo has no recipe for the model.
[[nodiscard]] std::string nemo_command(const Scenario& s, const Plan& p);
[[nodiscard]] std::string torchtitan_toml(const Scenario& s, const Plan& p);
// A Python module defining colossim_plan() -> Trainer.Config, derived from TorchTitan's own
// config of the model (pytorch/torchtitan @b5bcd76c): parallel degrees, schedule, micro-batches,
// tokens per micro-batch and step, activation checkpointing, Float8 rowwise for FP8.
[[nodiscard]] std::string torchtitan_config(const Scenario& s, const Plan& p);

}  // namespace colossim
