#include "workload/fp8_recipe.hpp"

#include "core/config.hpp"
#include "core/error.hpp"

namespace colossim {
namespace {

constexpr const char* kFile = "data/fp8_recipes.yaml";

std::vector<Fp8Recipe> load() {
  const auto data = ConfigNode::embedded("fp8_recipes.yaml");
  if (!data) throw InputError(kFile, "", "built-in data file is missing");
  data->check_no_unknown_keys({"fp8_recipes"});
  std::vector<Fp8Recipe> out;
  const ConfigNode entries = data->child("fp8_recipes");
  for (const auto& name : entries.keys()) {
    const ConfigNode n = entries.child(name);
    n.check_no_unknown_keys({"label", "source", "cast_bytes", "cast_kernels", "multi_tensor_cast",
                             "tp_amax_reduction", "architectures", "gemm_speed"});
    Fp8Recipe r;
    r.name = name;
    r.label = n.str("label");
    r.source = n.str("source");
    r.cast_bytes = n.number("cast_bytes");
    if (!(r.cast_bytes >= 3 && r.cast_bytes <= 16))
      n.fail("cast_bytes", "bytes per element quantized, from 3 to 16");
    r.cast_kernels = n.number("cast_kernels");
    if (!(r.cast_kernels >= 1 && r.cast_kernels <= 10))
      n.fail("cast_kernels", "kernels per quantization, from 1 to 10");
    r.multi_tensor_cast = n.boolean_or("multi_tensor_cast", false);
    r.tp_amax_reduction = n.boolean_or("tp_amax_reduction", false);
    for (const auto& a : n.strings("architectures")) {
      if (a != "hopper" && a != "blackwell")
        n.fail("architectures", "names among hopper, blackwell, got \"" + a + "\"");
      r.architectures.push_back(a);
    }
    if (n.has("gemm_speed")) {
      const ConfigNode speeds = n.child("gemm_speed");
      for (const auto& a : speeds.keys()) {
        if (!r.runs_on(a))
          speeds.fail(a, "an architecture the recipe runs on (" + a + " is not among them)");
        const double x = speeds.number(a);
        if (!(x > 0 && x <= 1)) speeds.fail(a, "a speed relative to per-tensor FP8, from 0 to 1");
        r.gemm_speed[a] = x;
      }
    }
    out.push_back(std::move(r));
  }
  if (out.empty()) data->fail("fp8_recipes", "at least one recipe");
  return out;
}

}  // namespace

const std::vector<Fp8Recipe>& fp8_recipes() {
  static const std::vector<Fp8Recipe> all = load();
  return all;
}

const Fp8Recipe* find_fp8_recipe(const std::string& name) {
  for (const auto& r : fp8_recipes()) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

const Fp8Recipe& default_fp8_recipe() {
  const Fp8Recipe* r = find_fp8_recipe("delayed");
  if (r == nullptr) throw InputError(kFile, "fp8_recipes", "a recipe named delayed (the default)");
  return *r;
}

std::vector<std::string> fp8_recipe_names() {
  std::vector<std::string> names;
  for (const auto& r : fp8_recipes()) names.push_back(r.name);
  return names;
}

}  // namespace colossim
