#include "workload/stack.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/registry.hpp"
#include "workload/fp8_recipe.hpp"
#include "workload/operators.hpp"

namespace colossim {
namespace {

constexpr const char* kFile = "data/stacks.yaml";
constexpr const char* kDefault = "megatron-core";

const std::vector<std::string>& block_names() {
  static const std::vector<std::string> names = {"rmsnorm",          "layernorm",  "rotary",
                                                 "gated_activation", "activation", "residual",
                                                 "cross_entropy",    "other"};
  return names;
}

using Blocks = std::array<BlockCost, static_cast<size_t>(BlockKind::count_)>;

Blocks read_blocks(const ConfigNode& level) {
  Blocks out{};
  const auto& names = block_names();
  std::set<std::string> known(names.begin(), names.end());
  known.insert("source");
  level.check_no_unknown_keys(known);
  for (size_t i = 0; i < names.size(); ++i) {
    if (!level.has(names[i])) continue;
    const ConfigNode b = level.child(names[i]);
    b.check_no_unknown_keys({"bytes", "kernels", "saved"});
    BlockCost c;
    c.bytes = b.number("bytes");
    if (!(c.bytes >= 1 && c.bytes <= 100))
      b.fail("bytes", "a multiple of the fused kernel's traffic from 1 to 100");
    const auto k = b.numbers("kernels");
    if (k.size() != 2 || !(k[0] >= 1 && k[0] <= 100) || !(k[1] >= 1 && k[1] <= 100))
      b.fail("kernels", "[forward, backward] kernel counts from 1 to 100");
    c.kernels_fwd = k[0];
    c.kernels_bwd = k[1];
    c.saved_bytes = b.number_or("saved", 0);
    if (!(c.saved_bytes >= 0 && c.saved_bytes <= 64))
      b.fail("saved", "bytes per element from 0 to 64");
    out[i] = c;
  }
  return out;
}

std::vector<Stack> load() {
  const auto data = ConfigNode::embedded("stacks.yaml");
  if (!data) throw InputError(kFile, "", "built-in data file is missing");
  data->check_no_unknown_keys({"fusion", "stacks"});
  std::map<std::string, Blocks> levels;
  const ConfigNode fusion = data->child("fusion");
  for (const auto& name : fusion.keys()) levels[name] = read_blocks(fusion.child(name));

  std::vector<Stack> out;
  const ConfigNode entries = data->child("stacks");
  for (const auto& name : entries.keys()) {
    const ConfigNode n = entries.child(name);
    n.check_no_unknown_keys({"label",
                             "source",
                             "fusion",
                             "blocks",
                             "host_us",
                             "fp32_logits_copy",
                             "attention",
                             "grad_reduce_fp32",
                             "tp_comm_overlap",
                             "compiled",
                             "selective_modules",
                             "allocator",
                             "dp_per_unit",
                             "fsdp_with_pp",
                             "schedule",
                             "lacks",
                             "moe_options",
                             "moe_output_kept",
                             "schedules",
                             "gemm_per_expert",
                             "fp8_weight_cache",
                             "fp8_recipe",
                             "zero_stages"});
    Stack s;
    s.name = name;
    s.label = n.str("label");
    s.source = n.str("source");
    s.fusion = n.str("fusion");
    const auto level = levels.find(s.fusion);
    if (level == levels.end()) n.fail("fusion", "a level of fusion: in this file");
    s.blocks = level->second;
    // Block kinds the stack runs at another level than the rest (its own fused norm in an
    // otherwise eager model, say).
    if (auto own = n.optional_child("blocks")) {
      const auto& names = block_names();
      own->check_no_unknown_keys(std::set<std::string>(names.begin(), names.end()));
      for (size_t i = 0; i < names.size(); ++i) {
        if (!own->has(names[i])) continue;
        const auto other = levels.find(own->str(names[i]));
        if (other == levels.end()) own->fail(names[i], "a level of fusion: in this file");
        s.blocks[i] = other->second[i];
      }
    }
    const auto host = n.numbers("host_us");
    if (host.size() != 2 || !(host[0] >= 0 && host[0] <= 1000) ||
        !(host[1] >= 0 && host[1] <= 1000))
      n.fail("host_us", "[forward, backward] microseconds per kernel launch, 0 to 1000");
    s.host_us_forward = host[0];
    s.host_us_backward = host[1];
    s.fp32_logits_copy = n.boolean_or("fp32_logits_copy", false);
    s.allocator = n.choice_or("allocator", {"caching", "xla"}, "caching");
    const auto& kernels = attention_kernel_names();
    s.attention = n.choice_or("attention", kernels, kernels.front());
    s.grad_reduce_fp32 = n.boolean_or("grad_reduce_fp32", false);
    s.tp_comm_overlap = n.boolean_or("tp_comm_overlap", false);
    s.dp_per_unit = n.boolean_or("dp_per_unit", false);
    s.fsdp_with_pp = n.boolean_or("fsdp_with_pp", false);
    s.moe_output_kept = n.boolean_or("moe_output_kept", false);
    s.gemm_per_expert = n.boolean_or("gemm_per_expert", false);
    s.fp8_weight_cache = n.boolean_or("fp8_weight_cache", false);
    s.fp8_recipe = n.choice_or("fp8_recipe", fp8_recipe_names(), "delayed");
    s.schedule = n.str_or("schedule", "");  // plan/ checks the name (its registry)
    if (n.has("lacks")) {
      for (const auto& f : n.strings("lacks")) {
        if (f != "pp" && f != "cp" && f != "ep" && f != "etp" && f != "interleaved")
          n.fail("lacks", "names among pp, cp, ep, etp, interleaved, got \"" + f + "\"");
        s.lacks.push_back(f);
      }
    }
    if (n.has("zero_stages")) {
      s.zero_stages.clear();
      for (const double z : n.numbers("zero_stages")) {
        if (!(z == 0 || z == 1 || z == 2 || z == 3) ||
            (!s.zero_stages.empty() && z <= s.zero_stages.back()))
          n.fail("zero_stages", "ZeRO stages in increasing order among 0, 1, 2, 3");
        s.zero_stages.push_back(static_cast<int>(z));
      }
      if (s.zero_stages.empty()) n.fail("zero_stages", "at least one ZeRO stage");
    }
    if (n.has("schedules")) {
      for (const auto& f : n.strings("schedules")) {
        if (f != "dualpipev") n.fail("schedules", "names among dualpipev, got \"" + f + "\"");
        s.schedules.push_back(f);
      }
    }
    if (n.has("moe_options")) {
      for (const auto& o : n.strings("moe_options")) {
        if (o != "deepep" && o != "a2a_overlap")
          n.fail("moe_options", "names among deepep, a2a_overlap, got \"" + o + "\"");
        s.moe_options.push_back(o);
      }
    }
    s.compiled = n.str_or("compiled", "");
    if (n.has("selective_modules")) {
      s.selective_modules = n.strings("selective_modules");
      const auto& known = recompute_module_names();
      for (const auto& m : s.selective_modules) {
        if (std::find(known.begin(), known.end(), m) == known.end())
          n.fail("selective_modules", "recompute module names, got \"" + m + "\"");
      }
      if (s.selective_modules.empty()) n.fail("selective_modules", "at least one module");
    }
    out.push_back(s);
  }
  for (const auto& s : out) {
    if (!s.compiled.empty() && !find_named(out, s.compiled))
      entries.child(s.name).fail("compiled", "the name of another stack in this file");
  }
  if (!find_named(out, kDefault)) entries.fail(kDefault, "the default stack's entry");
  return out;
}

}  // namespace

const std::vector<Stack>& stacks() {
  static const std::vector<Stack> all = load();
  return all;
}

const Stack* find_stack(const std::string& name) { return find_named(stacks(), name); }

const Stack& default_stack() { return *find_stack(kDefault); }

std::vector<std::string> stack_names() {
  std::vector<std::string> out;
  for (const auto& s : stacks()) out.push_back(s.name);
  return out;
}

}  // namespace colossim
