// FP8 recipes as data (data/fp8_recipes.yaml): what Transformer Engine's scaling recipes cost
// beyond the FP8 GEMMs themselves. Each quantization of a Linear's input (forward) or output
// gradient (backward) moves `cast_bytes` per element through HBM in `cast_kernels` kernels;
// under current scaling a sequence-parallel tensor's amax is first all-reduced over the TP group.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace colossim {

struct Fp8Recipe {
  std::string name;
  std::string label;
  std::string source;
  double cast_bytes = 4;    // HBM bytes per element quantized (both FP8 layouts and scales)
  double cast_kernels = 1;  // kernels per quantization
  // Whether the splits of a grouped GEMM's input (one per expert) are quantized by one
  // multi-tensor kernel; otherwise each split costs cast_kernels of its own.
  bool multi_tensor_cast = false;
  // An all-reduce of the amax over the TP group before each FP8 sequence-parallel all-gather
  // (column-parallel inputs forward, row-parallel output gradients backward).
  bool tp_amax_reduction = false;
  std::vector<std::string> architectures;  // GPU architectures whose tensor cores run it
  // The GEMMs' speed against per-tensor-scaled FP8 GEMMs of the same shape, by architecture
  // (1 where not given): block scales a GPU's tensor cores do not apply themselves are applied
  // in software inside the GEMM.
  std::map<std::string, double> gemm_speed;
  [[nodiscard]] double gemm_speed_on(const std::string& architecture) const {
    const auto it = gemm_speed.find(architecture);
    return it == gemm_speed.end() ? 1.0 : it->second;
  }
  [[nodiscard]] bool runs_on(const std::string& architecture) const {
    for (const auto& a : architectures) {
      if (a == architecture) return true;
    }
    return false;
  }
};

// The registered recipes, one by name (nullptr if unknown), their names, and the default
// (delayed scaling: Transformer Engine's and Megatron-Core's --fp8-recipe default).
[[nodiscard]] const std::vector<Fp8Recipe>& fp8_recipes();
[[nodiscard]] const Fp8Recipe* find_fp8_recipe(const std::string& name);
[[nodiscard]] const Fp8Recipe& default_fp8_recipe();
[[nodiscard]] std::vector<std::string> fp8_recipe_names();

}  // namespace colossim
