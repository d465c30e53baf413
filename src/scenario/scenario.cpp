#include "scenario/scenario.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "core/embedded_data.hpp"
#include "core/registry.hpp"
#include "net/fabric_network.hpp"
#include "net/nccl_model.hpp"
#include "net/network.hpp"
#include "plan/pipeline.hpp"
#include "plan/placement.hpp"
#include "topology/fabric.hpp"
#include "workload/fp8_recipe.hpp"

namespace colossim {
namespace {

// 100 Tb/s per GPU: beyond any NIC built or announced (an upper bound that keeps rates finite).
constexpr double kMaxNicGbps = 100000;

// Position of `name` in `names` (a choice already checked against them).
size_t index_of(const std::vector<std::string>& names, const std::string& name) {
  return static_cast<size_t>(std::find(names.begin(), names.end(), name) - names.begin());
}

// Bounds that keep every count inside the program's integer fields and the simulation finite.
constexpr long long kMaxGpus = 100'000'000;
constexpr int kMaxDegree = 1'000'000;

// The built-in cluster presets (data/clusters/NAME.yaml), comma-separated.
std::string cluster_presets() {
  std::string out;
  for (const auto& [path, text] : embedded_files()) {
    const std::string_view dir = "clusters/";
    if (path.substr(0, dir.size()) != dir) continue;
    std::string name(path.substr(dir.size()));
    name = name.substr(0, name.size() - std::string_view(".yaml").size());
    out += (out.empty() ? "" : ", ") + name;
  }
  return out;
}

Cluster read_cluster(const ConfigNode& file_node, const Catalog& catalog) {
  file_node.check_no_unknown_keys({"preset", "gpu", "gpus", "gpus_per_node", "gpus_per_rack",
                                   "spare_gpus", "network", "cooling", "node", "nvlink_partition",
                                   "placement", "pools", "gpu_power_limit_w"});
  // A cluster preset (data/clusters) supplies every key the file leaves out.
  ConfigNode n = file_node;
  if (file_node.has("preset")) {
    const std::string name = file_node.str("preset");
    const auto preset = ConfigNode::embedded("clusters/" + name + ".yaml");
    if (!preset) {
      file_node.fail("preset", "unknown cluster preset \"" + name +
                                   "\" (expected one of: " + cluster_presets() + ")");
    }
    n = file_node.over(*preset);
  }
  Cluster c;
  const std::string gpu_id = n.str("gpu");
  const Gpu* gpu = catalog.find_gpu(gpu_id);
  if (gpu == nullptr)
    n.fail("gpu", "unknown GPU \"" + gpu_id + "\" (expected one of: " + catalog.gpu_ids() + ")");
  c.gpu = *gpu;
  if (n.has("gpu_power_limit_w")) {
    // The lowest limit with a measured effect on training speed is 200 W on a 700 W GPU
    // (data/calibration.yaml power_elasticity).
    const double w = n.number("gpu_power_limit_w");
    const double tdp = gpu->tdp.value();
    if (!(w >= tdp * 2 / 7 && w <= tdp)) {
      n.fail("gpu_power_limit_w", fmt::format("expected watts from {:.0f} to {:.0f} ({}'s TDP)",
                                              std::ceil(tdp * 2 / 7), tdp, gpu_id));
    }
    c.gpu.power_limit = Watts(w);
  }
  const std::string node_id = n.str_or("node", gpu->node);
  const Node* node = catalog.find_node(node_id);
  if (node == nullptr) n.fail("node", "unknown node \"" + node_id + "\"");
  c.node = *node;
  c.gpus = n.positive_integer("gpus");
  if (c.gpus > kMaxGpus) n.fail("gpus", "expected at most " + std::to_string(kMaxGpus) + " GPUs");
  c.gpus_per_node = n.count_or("gpus_per_node", node->gpus, 1024);
  c.gpus_per_rack = n.count_or("gpus_per_rack", node->rack_gpus, 1'000'000);
  if (c.gpus_per_rack % c.gpus_per_node != 0) {
    if (!n.has("gpus_per_rack")) {
      n.fail("gpus_per_node", std::to_string(c.gpus_per_node) +
                                  " GPUs per node do not divide the " +
                                  std::to_string(c.gpus_per_rack) + "-GPU rack of node " + node_id +
                                  "; set cluster.gpus_per_rack to a multiple of it");
    }
    n.fail("gpus_per_rack",
           "expected a multiple of gpus_per_node (" + std::to_string(c.gpus_per_node) + ")");
  }
  // A node's NVSwitch joins its own GPUs, however many cluster.gpus_per_node says it holds (a
  // 4-GPU H100 server has a domain of 4); a rack-scale domain (NVL72) spans the node's trays.
  c.nvlink_domain = node->nvlink_domain > node->gpus ? node->nvlink_domain : c.gpus_per_node;
  if (n.has("nvlink_partition")) {
    // Operators cut rack-scale NVLink domains into partitions of whole trays (NVIDIA Fabric
    // Manager NVLink partitions); between partitions traffic takes the NICs.
    const long long p = n.positive_integer("nvlink_partition");
    if (p % c.gpus_per_node != 0 || c.nvlink_domain % p != 0) {
      n.fail("nvlink_partition", "expected a multiple of gpus_per_node (" +
                                     std::to_string(c.gpus_per_node) +
                                     ") dividing the node's NVLink domain (" +
                                     std::to_string(c.nvlink_domain) + " GPUs)");
    }
    c.nvlink_domain = static_cast<int>(p);
  }
  if (n.has("pools")) {
    // Other GPU kinds among cluster.gpus, on nodes of the same size and the same fabric.
    const std::string expected =
        "a list of {gpu: ID, gpus: N} of other GPU kinds among cluster.gpus";
    const ConfigNode list = n.child("pools");
    if (!list.is_sequence() || list.items().empty()) n.fail("pools", expected);
    long long others = 0;
    for (const ConfigNode& item : list.items()) {
      if (!item.is_map()) n.fail("pools", expected);
      item.check_no_unknown_keys({"gpu", "gpus"});
      GpuPool pool;
      const std::string id = item.str("gpu");
      const Gpu* kind = catalog.find_gpu(id);
      if (kind == nullptr)
        item.fail("gpu", "unknown GPU \"" + id + "\" (expected one of: " + catalog.gpu_ids() + ")");
      if (kind->id == gpu->id)
        item.fail("gpu", "a GPU kind other than cluster.gpu (" + gpu->id + ")");
      const Node* kind_node = catalog.find_node(kind->node);
      if (kind_node == nullptr || kind_node->gpus != c.gpus_per_node)
        item.fail("gpu", "a GPU whose nodes hold " + std::to_string(c.gpus_per_node) +
                             " GPUs like cluster.gpu's (" + id + "'s hold " +
                             std::to_string(kind_node != nullptr ? kind_node->gpus : 0) + ")");
      pool.gpu = *kind;
      pool.gpus = item.positive_integer("gpus");
      if (pool.gpus % c.gpus_per_node != 0)
        item.fail("gpus", "a multiple of gpus_per_node (" + std::to_string(c.gpus_per_node) + ")");
      others += pool.gpus;
      if (others >= c.gpus)
        item.fail("gpus", "fewer GPUs in the pools than cluster.gpus (" + std::to_string(c.gpus) +
                              "): cluster.gpu's kind keeps the rest");
      c.pools.push_back(pool);
    }
  }
  c.spare_gpus = n.integer_or("spare_gpus", 0);
  c.spare_gpus_given = n.has("spare_gpus");
  if (c.spare_gpus < 0 || c.spare_gpus >= c.gpus)
    n.fail("spare_gpus", "expected 0 or more and fewer than cluster.gpus");
  c.placement = n.choice_or("placement", {"packed", "scattered"}, "packed");
  if (c.placement == "scattered" && !c.pools.empty())
    n.fail("placement", "packed on a cluster with pools (each kind's GPUs keep their own range)");
  const Nic* nic = catalog.find_nic(node->nic);
  if (nic == nullptr) n.fail("node", "node \"" + node_id + "\" names an unknown NIC");
  c.nic = *nic;
  c.nic_bandwidth = nic->bandwidth * static_cast<double>(node->nics_per_gpu);
  if (auto net = n.optional_child("network")) {
    net->check_no_unknown_keys({"nic_gbps", "topology", "oversubscription", "nic", "switch_radix",
                                "hosts_per_leaf", "pod_gpus", "leaf_oversubscription", "routing",
                                "nccl_version"});
    if (net->has("nic")) {
      const Nic* named = catalog.find_nic(net->str("nic"));
      if (named == nullptr) net->fail("nic", "unknown NIC \"" + net->str("nic") + "\"");
      c.nic = *named;
      c.nic_bandwidth = named->bandwidth;
    }
    if (net->has("nic_gbps")) {
      const double gbps = net->number("nic_gbps");
      if (gbps <= 0 || gbps > kMaxNicGbps)
        net->fail("nic_gbps", "expected a positive number of Gb/s per GPU, at most 100000");
      c.nic_bandwidth = gbits_per_s(gbps);
      if (!net->has("nic")) {
        if (const Nic* match = catalog.find_nic_by_speed(c.nic_bandwidth, c.nic.fabric))
          c.nic = *match;
      }
    }
    std::vector<std::string> generators;
    for (const auto& g : fabric_generators()) generators.push_back(g.name);
    c.topology = net->choice_or("topology", generators, c.topology);
    c.oversubscription = net->number_or("oversubscription", 1.0);
    if (c.oversubscription < 1.0) net->fail("oversubscription", "expected 1 or more (7 means 1:7)");
    c.leaf_oversubscription = net->number_or("leaf_oversubscription", 1.0);
    if (c.leaf_oversubscription < 1.0)
      net->fail("leaf_oversubscription", "expected 1 or more (3 means 1:3)");
    c.switch_radix = net->count_or("switch_radix", c.nic.switch_radix, 100'000);
    c.hosts_per_leaf = net->count_or("hosts_per_leaf", std::max(1, c.switch_radix / 2), 100'000);
    if (net->has("pod_gpus")) {
      c.pod_gpus = net->positive_integer("pod_gpus");
      if (c.pod_gpus > kMaxGpus) net->fail("pod_gpus", "expected at most cluster.gpus");
    }
    c.routing = net->choice_or("routing", routing_names(), c.nic.routing);
    if (net->has("nccl_version")) {
      c.nccl_version = net->str("nccl_version");
      if (auto problem = nccl_release_problem(c.nccl_version)) net->fail("nccl_version", *problem);
    }
  } else {
    c.routing = c.nic.routing;
  }
  // GPUDirect RDMA moves a GPU's network bytes over its own host link (PCIe behind the NIC's
  // switch): an 800 Gb/s NIC beside a PCIe Gen4 A100 carries what Gen4 x16 does.
  c.nic_line_rate = c.nic_bandwidth;
  BytesPerSecond host = c.gpu.host_bandwidth;
  for (const auto& pool : c.pools) host = std::min(host, pool.gpu.host_bandwidth);
  if (host.value() > 0) c.nic_bandwidth = std::min(c.nic_bandwidth, host);
  if (const auto problem = fabric_problem(c)) n.fail(problem->key, problem->expected);
  const std::string cooling = n.choice_or("cooling", {"liquid", "air"}, "liquid");
  c.cooling = cooling == "air" ? Cooling::air : Cooling::liquid;
  return c;
}

// training.framework names a stack of data/stacks.yaml; training.compile switches to its
// compiled profile.
const Stack* read_stack(const ConfigNode& n) {
  const Stack* stack = &default_stack();
  if (n.has("framework")) stack = find_stack(n.choice_or("framework", stack_names(), ""));
  if (n.boolean_or("compile", false)) {
    if (stack->compiled.empty()) {
      n.fail(
          "compile", "false: " + stack->name +
                         " has no compiled profile in data/stacks.yaml (stacks with one: " +
                         [] {
                           std::string names;
                           for (const auto& s : stacks()) {
                             if (!s.compiled.empty()) names += (names.empty() ? "" : ", ") + s.name;
                           }
                           return names;
                         }() +
                         ")");
    }
    stack = find_stack(stack->compiled);
  }
  return stack;
}

// training.fp8_recipe, or the stack's: one the GPU's tensor cores run, given only for FP8.
std::string read_fp8_recipe(const ConfigNode& training, const Stack& stack, const Gpu& gpu,
                            std::optional<Precision> precision) {
  std::string name = training.choice_or("fp8_recipe", fp8_recipe_names(), stack.fp8_recipe);
  if (!training.has("fp8_recipe")) return name;
  if (precision == Precision::bf16)
    training.fail("fp8_recipe", "precision: fp8 beside it (a recipe scales FP8 tensors)");
  const Fp8Recipe* recipe = find_fp8_recipe(name);
  if (recipe != nullptr && !recipe->runs_on(gpu.architecture)) {
    std::string runs;
    for (const auto& r : fp8_recipes()) {
      if (r.runs_on(gpu.architecture)) runs += (runs.empty() ? "" : ", ") + r.name;
    }
    training.fail("fp8_recipe", "a recipe " + gpu.id + "'s tensor cores run (" + gpu.architecture +
                                    "): " + (runs.empty() ? "none" : runs));
  }
  return name;
}

Training read_training(const ConfigNode& n, Precision& precision) {
  n.check_no_unknown_keys(
      {"global_batch", "precision", "tokens", "framework", "compile", "fp8_recipe"});
  Training t;
  t.global_batch = n.positive_integer("global_batch");
  if (t.global_batch > 1'000'000'000)
    n.fail("global_batch", "expected at most 1000000000 sequences");
  precision =
      n.choice_or("precision", {"bf16", "fp8"}, "bf16") == "fp8" ? Precision::fp8 : Precision::bf16;
  if (n.has("tokens")) {
    const double tokens = n.number("tokens");
    // 1,000T: some 25x the largest published pre-training budgets (about 36-40T tokens).
    if (!(tokens > 0 && tokens <= 1e15))
      n.fail("tokens", "expected a number of tokens from 1 to 1e15");
    t.tokens = tokens;
  }
  return t;
}

// The plan keys colossim chooses when a file leaves them out.
// schedule, sequence_parallel and dp are not searched: left open, they follow the choice
// (interleaved with virtual stages, SP with TP, DP = GPUs / (TP x PP x CP)).
const std::vector<std::string> kSearchableKeys = {"tp",
                                                  "pp",
                                                  "cp",
                                                  "ep",
                                                  "etp",
                                                  "micro_batch",
                                                  "virtual_stages",
                                                  "recompute",
                                                  "schedule",
                                                  "sequence_parallel",
                                                  "dp",
                                                  "zero",
                                                  "recompute_modules",
                                                  "moe_dispatcher",
                                                  "moe_a2a_overlap"};

// The list of module names under `key`, each one of `names`, each once.
std::vector<std::string> module_list(const ConfigNode& n, const std::string& key,
                                     const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const auto& m : n.strings(key)) {
    if (std::find(names.begin(), names.end(), m) == names.end())
      n.fail(key, "names among " + joined_strings(names) + ", got \"" + m + "\"");
    if (std::find(out.begin(), out.end(), m) != out.end())
      n.fail(key, "each module once, got \"" + m + "\" twice");
    out.push_back(m);
  }
  return out;
}

Plan read_plan(const std::optional<ConfigNode>& node, long long gpus, Precision precision,
               const Stack& stack, std::set<std::string>& free_keys) {
  Plan p;
  p.precision = precision;
  p.stack = &stack;
  // The framework's shipped defaults, for the keys the file leaves out.
  const auto& kernels = attention_kernel_names();
  p.attention = static_cast<AttentionKernel>(index_of(kernels, stack.attention));
  p.grad_reduce_fp32 = stack.grad_reduce_fp32;
  p.tp_comm_overlap = stack.tp_comm_overlap;
  p.recompute_modules = stack.selective_modules;
  for (const auto& k : kSearchableKeys) {
    if (!node || !node->has(k)) free_keys.insert(k);
  }
  // A stack without ZeRO-1 (FSDP) runs its own default stage when the file names none, and
  // `colossim plan` chooses among the stages it runs.
  if (!stack.runs_zero(1) && (!node || !node->has("zero"))) free_keys.insert("zero");
  if (!node) {
    p.dp = gpus;
    p.zero = stack.default_zero(p.pp);
    return p;
  }
  const ConfigNode& n = *node;
  n.check_no_unknown_keys({"tp",
                           "pp",
                           "cp",
                           "ep",
                           "etp",
                           "dp",
                           "micro_batch",
                           "virtual_stages",
                           "schedule",
                           "sequence_parallel",
                           "recompute",
                           "recompute_modules",
                           "recompute_fraction",
                           "zero",
                           "dp_shard",
                           "overlap_grad_reduce",
                           "moe_dispatcher",
                           "moe_a2a_overlap",
                           "overlap_param_gather",
                           "fp8_param_gather",
                           "activation_fp8_input",
                           "tp_comm_overlap",
                           "uneven_stages",
                           "balance",
                           "attention",
                           "grad_reduce_fp32",
                           "offload_modules",
                           "activation_offload_fraction",
                           "order"});
  p.tp = n.count_or("tp", 1, kMaxDegree);
  p.pp = n.count_or("pp", 1, kMaxDegree);
  p.cp = n.count_or("cp", 1, kMaxDegree);
  p.ep = n.count_or("ep", 1, kMaxDegree);
  p.etp = n.has("etp") ? n.count_or("etp", 1, kMaxDegree) : 0;
  const long long model_parallel = static_cast<long long>(p.tp) * p.pp * p.cp;
  const bool shape_fixed = n.has("tp") && n.has("pp") && n.has("cp");
  if (n.has("dp")) {
    p.dp = n.positive_integer("dp");
  } else if (shape_fixed || gpus % model_parallel == 0) {
    if (gpus % model_parallel != 0) {
      n.fail("tp", "tp x pp x cp = " + std::to_string(model_parallel) + " does not divide the " +
                       std::to_string(gpus) + " GPUs of the job");
    }
    p.dp = gpus / model_parallel;
  }
  p.micro_batch = n.count_or("micro_batch", 1, kMaxDegree);
  p.virtual_stages = n.count_or("virtual_stages", 1, kMaxDegree);
  std::vector<std::string> schedule_choices;
  for (const auto& x : pipeline_schedules()) schedule_choices.push_back(x.name);
  // Without virtual stages, the stack's own schedule (nanotron's all-forward-all-backward).
  const std::string fallback = p.virtual_stages == 1 && !stack.schedule.empty()
                                   ? stack.schedule
                                   : default_schedule(p.virtual_stages);
  if (!find_schedule(fallback))
    throw InputError("data/stacks.yaml", "stacks." + stack.name + ".schedule",
                     "a registered pipeline schedule, got \"" + fallback + "\"");
  p.schedule = n.choice_or("schedule", schedule_choices, fallback);
  const PipelineSchedule& schedule = *find_schedule(p.schedule);
  if (schedule.fixed_virtual_stages > 0) {
    if (!n.has("virtual_stages")) p.virtual_stages = schedule.fixed_virtual_stages;
    if (p.virtual_stages != schedule.fixed_virtual_stages)
      n.fail("virtual_stages",
             fmt::format("{} for the {} schedule, got {}", schedule.fixed_virtual_stages,
                         schedule.name, p.virtual_stages));
  }
  if (schedule.needs_virtual_stages && p.virtual_stages == 1 && !n.has("virtual_stages")) {
    n.fail("virtual_stages", "the " + schedule.name + " schedule needs virtual_stages > 1");
  }
  if (!schedule.runs_virtual_stages && p.virtual_stages > 1) {
    n.fail("schedule", "virtual_stages > 1 needs schedule: " + default_schedule(p.virtual_stages));
  }
  p.sequence_parallel = n.boolean_or("sequence_parallel", p.tp > 1);
  p.recompute = static_cast<Recompute>(index_of(
      recompute_names(), n.choice_or("recompute", recompute_names(), to_string(Recompute::none))));
  if (n.has("recompute_modules")) {
    if (p.recompute != Recompute::selective)
      n.fail("recompute_modules",
             "recompute: selective alongside it (modules are what it re-runs)");
    p.recompute_modules = module_list(n, "recompute_modules", recompute_module_names());
    if (p.recompute_modules.empty())
      n.fail("recompute_modules", "at least one module (or recompute: none)");
    if (p.recompute_modules.size() > 1 &&
        std::find(p.recompute_modules.begin(), p.recompute_modules.end(), "op") !=
            p.recompute_modules.end())
      n.fail("recompute_modules", "op alone (the per-op policy covers every block)");
  }
  if (n.has("recompute_fraction")) {
    p.recompute_fraction = n.number("recompute_fraction");
    if (!(p.recompute_fraction > 0 && p.recompute_fraction <= 1))
      n.fail("recompute_fraction", "expected a share of the layers above 0, up to 1");
    if (p.recompute != Recompute::full)
      n.fail("recompute_fraction", "recompute: full alongside it (the share that recomputes)");
  }
  if (n.has("offload_modules")) {
    p.offload_modules = module_list(n, "offload_modules", offload_module_names());
    const auto has = [&](const char* m) {
      return std::find(p.offload_modules.begin(), p.offload_modules.end(), m) !=
             p.offload_modules.end();
    };
    // Megatron-Core's TransformerConfig checks (transformer_config.py, d98e8a64).
    if (has("attn_proj") && !has("core_attn"))
      n.fail("offload_modules",
             "core_attn beside attn_proj (attn_proj's input is core_attn's "
             "output, which core_attn's backward needs)");
    if (p.recompute == Recompute::full)
      n.fail("offload_modules",
             "recompute: none or selective (full recompute keeps only each layer's input)");
    const bool moe_recomputed = p.recompute == Recompute::selective &&
                                std::find(p.recompute_modules.begin(), p.recompute_modules.end(),
                                          "moe") != p.recompute_modules.end();
    if (moe_recomputed && (has("expert_fc1") || has("moe_act")))
      n.fail("offload_modules",
             "no expert_fc1 or moe_act while recompute_modules holds moe (it re-runs them)");
  }
  if (n.has("activation_offload_fraction")) {
    p.offload_fraction = n.number("activation_offload_fraction");
    if (p.offload_fraction < 0 || p.offload_fraction > 1)
      n.fail("activation_offload_fraction", "expected a share of the layers from 0 to 1");
    if (p.offload_modules.empty())
      n.fail("activation_offload_fraction", "offload_modules beside it (what to offload)");
  }
  const long long zero = n.integer_or("zero", stack.default_zero(p.pp));
  if (zero < 0 || zero > 3) n.fail("zero", "expected 0, 1, 2 or 3, got " + std::to_string(zero));
  if (!stack.runs_zero(static_cast<int>(zero))) {
    n.fail("zero", fmt::format("a ZeRO stage {} runs ({}), got {}", stack.name,
                               fmt::join(stack.zero_stages, ", "), zero));
  }
  p.zero = static_cast<int>(zero);
  if (n.has("dp_shard")) {
    p.dp_shard = n.count_or("dp_shard", 1, kMaxDegree);
    if (p.zero == 0) n.fail("dp_shard", "zero 1, 2 or 3 alongside it (zero 0 shards nothing)");
    if (p.ep > 1) n.fail("dp_shard", "ep 1 (hybrid sharding of the experts is not modelled)");
  }
  p.overlap_grad_reduce = n.boolean_or("overlap_grad_reduce", true);
  p.overlap_param_gather = n.boolean_or("overlap_param_gather", true);
  p.fp8_param_gather = n.boolean_or("fp8_param_gather", false);
  p.activation_fp8_input = n.boolean_or("activation_fp8_input", false);
  p.tp_comm_overlap = n.boolean_or("tp_comm_overlap", p.tp_comm_overlap);
  p.moe_dispatcher = n.choice_or("moe_dispatcher", {"alltoall", "deepep"}, p.moe_dispatcher);
  p.moe_a2a_overlap = n.boolean_or("moe_a2a_overlap", false);
  p.uneven_stages = n.boolean_or("uneven_stages", false);
  if (n.has("balance")) p.balance = n.choice_or("balance", {"none", "micro_batches"}, "none");
  if (n.has("order")) {
    const std::string text = n.str("order");
    std::vector<std::string> order;
    for (size_t start = 0; start <= text.size();) {
      const size_t dash = std::min(text.find('-', start), text.size());
      order.push_back(text.substr(start, dash - start));
      start = dash + 1;
    }
    if (auto problem = order_problem(order)) n.fail("order", *problem);
    p.order = order;
  }
  p.attention = static_cast<AttentionKernel>(
      index_of(kernels, n.choice_or("attention", kernels, stack.attention)));
  p.grad_reduce_fp32 = n.boolean_or("grad_reduce_fp32", p.grad_reduce_fp32);
  return p;
}

Measured read_measured(const ConfigNode& n) {
  n.check_no_unknown_keys({"step_time_s", "tokens_per_s", "tflops_per_gpu", "flops_basis", "mfu",
                           "memory_gib", "gpu_hours", "gpu_hours_basis"});
  Measured m;
  auto positive = [&](const std::string& key) -> std::optional<double> {
    auto v = n.optional_number(key);
    if (v && *v <= 0) n.fail(key, "expected a positive number");
    return v;
  };
  m.step_time_s = positive("step_time_s");
  m.tokens_per_s = positive("tokens_per_s");
  m.tflops_per_gpu = positive("tflops_per_gpu");
  m.mfu = positive("mfu");
  m.memory_gib = positive("memory_gib");
  m.gpu_hours = positive("gpu_hours");
  m.gpu_hours_basis = n.choice_or("gpu_hours_basis", {"steady", "elapsed"}, "steady") == "elapsed"
                          ? Measured::HoursBasis::elapsed
                          : Measured::HoursBasis::steady;
  m.flops_basis = n.choice_or("flops_basis", {"model", "hardware"}, "model") == "hardware"
                      ? FlopsBasis::hardware
                      : FlopsBasis::model;
  if (!m.step_time_s && !m.tokens_per_s && !m.tflops_per_gpu && !m.mfu && !m.memory_gib &&
      !m.gpu_hours) {
    n.fail("",
           "expected at least one of step_time_s, tokens_per_s, tflops_per_gpu, mfu, "
           "memory_gib, gpu_hours");
  }
  return m;
}

ReliabilitySettings read_reliability(const ConfigNode& n) {
  n.check_no_unknown_keys({"checkpoint_interval", "checkpoint", "storage_bandwidth", "detection",
                           "relaunch", "repair_time", "spare_nodes", "distribution",
                           "weibull_shape", "trials", "seed", "profile", "slow_hosts"});
  ReliabilitySettings r;
  auto duration = [&](const std::string& key, bool positive) -> std::optional<Seconds> {
    if (!n.has(key)) return std::nullopt;
    const Seconds d = n.duration(key);
    if (positive && d.value() <= 0) n.fail(key, "expected a positive duration such as \"30min\"");
    return d;
  };
  r.checkpoint_interval = duration("checkpoint_interval", true);
  r.async_checkpoint = n.choice_or("checkpoint", {"async", "sync"}, "async") == "async";
  if (n.has("storage_bandwidth")) {
    r.storage_bandwidth = n.bandwidth("storage_bandwidth");
    // 1 PB/s: 100x the fastest parallel file systems' aggregate (about 10 TB/s).
    if (!(r.storage_bandwidth->value() > 0 && r.storage_bandwidth->value() <= 1e15)) {
      n.fail("storage_bandwidth",
             "expected a bandwidth above 0 and up to 1PB/s, such as \"2TB/s\"");
    }
  }
  r.detection = duration("detection", false);
  r.relaunch = duration("relaunch", false);
  r.repair_time = duration("repair_time", true);
  if (n.has("spare_nodes")) {
    const long long s = n.integer("spare_nodes");
    if (s < 0 || s > kMaxGpus) n.fail("spare_nodes", "expected 0 or more nodes");
    r.spare_nodes = s;
  }
  r.distribution = n.str_or("distribution", r.distribution);  // run/ checks it (its registry)
  r.profile = n.str_or("profile", r.profile);                 // run/ checks it (its data)
  if (n.has("weibull_shape")) {
    const double k = n.number("weibull_shape");
    if (k < 0.2 || k > 5) n.fail("weibull_shape", "expected a shape between 0.2 and 5");
    r.weibull_shape = k;
  }
  r.trials = n.count_or("trials", r.trials, 1'000'000);
  const long long seed = n.integer_or("seed", 1);
  if (seed < 0) n.fail("seed", "expected 0 or a positive integer");
  r.seed = static_cast<unsigned long long>(seed);
  if (n.has("slow_hosts")) {
    const ConfigNode h = n.child("slow_hosts");
    h.check_no_unknown_keys(
        {"per_node_day", "duration", "lemon_fraction", "slowdown", "policy", "detection"});
    SlowHostSettings& sh = r.slow_hosts;
    if (h.has("per_node_day")) {
      sh.per_node_day = h.number("per_node_day");
      if (*sh.per_node_day < 0 || *sh.per_node_day > 100)
        h.fail("per_node_day", "expected slow spells per node per day, 0 to 100");
    }
    if (h.has("duration")) {
      sh.duration = h.duration("duration");
      if (sh.duration->value() <= 0 || sh.duration->value() > 365 * 86400.0)
        h.fail("duration", "expected a positive duration of at most a year, such as \"10min\"");
    }
    if (h.has("lemon_fraction")) {
      sh.lemon_fraction = h.number("lemon_fraction");
      if (*sh.lemon_fraction < 0 || *sh.lemon_fraction >= 1)
        h.fail("lemon_fraction", "expected a share of nodes from 0 to below 1, such as 0.005");
    }
    if (h.has("slowdown")) {
      sh.slowdown = h.number("slowdown");
      if (*sh.slowdown < 1 || *sh.slowdown > 100)
        h.fail("slowdown", "expected a slow node's step over a healthy one's, 1 to 100");
    }
    sh.policy = h.choice_or("policy", {"tolerate", "drop"}, "tolerate");
    if (h.has("detection")) {
      sh.detection = h.duration("detection");
      if (sh.detection->value() < 0) h.fail("detection", "expected 0 or a positive duration");
    }
  }
  return r;
}

BringupSettings read_bringup(const ConfigNode& n, const Cluster& cluster) {
  n.check_no_unknown_keys({"racks_per_day", "delivery_days", "install_days", "burn_in_days",
                           "burn_in_failure", "rework_days", "start_gpus", "grow_gpus",
                           "restart_hours", "pod_fabric_days", "core_fabric_days",
                           "early_life_factor", "early_life_days"});
  BringupSettings b;
  const auto days = [&](const std::string& key, double min) {
    const double v = n.number_or(key, 0.0);
    if (!(v >= min && v <= 3650))
      n.fail(key, "expected days from " + fmt::format("{}", min) + " to 3650");
    return v;
  };
  if (n.has("racks_per_day") == n.has("delivery_days"))
    n.fail("racks_per_day", "either racks_per_day or delivery_days (all racks evenly over them)");
  const double racks = std::ceil(static_cast<double>(cluster.job_gpus()) / cluster.gpus_per_rack);
  if (n.has("racks_per_day")) {
    b.racks_per_day = n.number("racks_per_day");
    if (!(b.racks_per_day > 0 && b.racks_per_day <= 1e6))
      n.fail("racks_per_day", "expected a positive number of racks per day, at most 1000000");
  } else {
    b.racks_per_day = racks / days("delivery_days", 0.01);
  }
  b.install_days = days("install_days", 0);
  b.burn_in_days = days("burn_in_days", 0);
  b.rework_days = days("rework_days", 0);
  b.pod_fabric_days = days("pod_fabric_days", 0);
  b.core_fabric_days = days("core_fabric_days", 0);
  b.burn_in_failure = n.number_or("burn_in_failure", 0.0);
  if (!(b.burn_in_failure >= 0 && b.burn_in_failure < 1))
    n.fail("burn_in_failure", "expected a share from 0 to below 1");
  const long long job = cluster.job_gpus();
  // A start larger than the job waits for the whole job (a block kept while the job's size is
  // varied: --set cluster.gpus, sweep, design).
  b.start_gpus = std::min(n.has("start_gpus") ? n.positive_integer("start_gpus") : job, job);
  b.grow_gpus = n.has("grow_gpus") ? n.positive_integer("grow_gpus") : 0;
  b.early_life_factor = n.number_or("early_life_factor", b.early_life_factor);
  if (!(b.early_life_factor >= 1 && b.early_life_factor <= 20))
    n.fail("early_life_factor", "expected a multiple of the steady failure rate from 1 to 20");
  if (n.has("early_life_days")) b.early_life_days = days("early_life_days", 0.1);
  if (n.has("restart_hours")) {
    b.restart_hours = n.number("restart_hours");
    if (!(*b.restart_hours >= 0 && *b.restart_hours <= 1000))
      n.fail("restart_hours", "expected hours from 0 to 1000");
  }
  return b;
}

// A calendar date YYYY-MM-DD from 1990 to 2200.
std::string read_date(const ConfigNode& n, const std::string& key) {
  std::string d = n.str(key);
  int y = 0, m = 0, day = 0;
  char extra = 0;
  const bool parsed = std::sscanf(d.c_str(), "%4d-%2d-%2d%c", &y, &m, &day, &extra) == 3;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  const int month_days[] = {31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (!parsed || m < 1 || m > 12 || y < 1990 || y > 2200 || day < 1 || day > month_days[m - 1])
    n.fail(key, "expected a date YYYY-MM-DD, got \"" + d + "\"");
  return d;
}

FacilitySettings read_facility(const ConfigNode& n) {
  n.check_no_unknown_keys({"delivery", "electricity_usd_per_kwh", "grid_kg_co2_per_kwh", "pue",
                           "server_usd_per_gpu", "cloud_usd_per_gpu_hour", "facility_usd_per_mw",
                           "useful_life_years"});
  FacilitySettings f;
  if (n.has("delivery")) f.delivery = read_date(n, "delivery");
  auto positive = [&](const std::string& key, double max) -> std::optional<double> {
    auto v = n.optional_number(key);
    if (v && (*v <= 0 || *v > max))
      n.fail(key,
             "expected a positive number up to " + std::to_string(static_cast<long long>(max)));
    return v;
  };
  f.electricity_usd_per_kwh = positive("electricity_usd_per_kwh", 100);
  f.grid_kg_co2_per_kwh = positive("grid_kg_co2_per_kwh", 10);
  f.pue = positive("pue", 5);
  if (f.pue && *f.pue < 1.0) n.fail("pue", "expected 1 or more");
  f.server_usd_per_gpu = positive("server_usd_per_gpu", 1e7);
  f.cloud_usd_per_gpu_hour = positive("cloud_usd_per_gpu_hour", 1e4);
  f.facility_usd_per_mw = positive("facility_usd_per_mw", 1e10);
  f.useful_life_years = positive("useful_life_years", 50);
  return f;
}

// A design choice written as one value or a list of them.
std::vector<double> numbers_of(const ConfigNode& n, const std::string& key) {
  if (n.child(key).is_sequence()) {
    auto v = n.numbers(key);
    if (v.empty()) n.fail(key, "expected at least one value");
    return v;
  }
  return {n.number(key)};
}
std::vector<std::string> strings_of(const ConfigNode& n, const std::string& key) {
  if (n.child(key).is_sequence()) {
    auto v = n.strings(key);
    if (v.empty()) n.fail(key, "expected at least one value");
    return v;
  }
  return {n.str(key)};
}

DesignSettings read_design(const ConfigNode& n, const Scenario& s, const Catalog& catalog) {
  n.check_no_unknown_keys({"goal", "start", "site_mw", "capital_usd", "total_cost_usd", "deadline",
                           "max_racks", "gpus", "job_gpus", "spare_fraction", "cooling", "topology",
                           "oversubscription", "nic_gbps", "storage_bandwidth", "power_limit"});
  const Cluster& c = s.cluster;
  DesignSettings d;
  d.goal = n.choice_or("goal", {"earliest_finish", "cost_per_token", "tokens_per_mw"}, d.goal);
  if (!n.has("start")) n.fail("start", "expected the date the site takes racks (YYYY-MM-DD)");
  d.start = read_date(n, "start");
  const auto positive = [&](const std::string& key, double max) -> std::optional<double> {
    auto v = n.optional_number(key);
    if (v && !(*v > 0 && *v <= max))
      n.fail(key, fmt::format("expected a positive number up to {:g}", max));
    return v;
  };
  d.site_mw = positive("site_mw", 1e5);
  d.capital_usd = positive("capital_usd", 1e13);
  d.total_cost_usd = positive("total_cost_usd", 1e13);
  if (n.has("deadline")) {
    d.deadline = read_date(n, "deadline");
    if (*d.deadline < d.start)
      n.fail("deadline", "expected a date after design.start (" + d.start + ")");
  }
  if (n.has("max_racks")) d.max_racks = n.positive_integer("max_racks");
  if (n.has("gpus")) {
    const ConfigNode list = n.child("gpus");
    if (!list.is_sequence() || list.items().empty())
      n.fail("gpus", "expected a list of {gpu: ID, available: YYYY-MM-DD}");
    for (const ConfigNode& g : list.items()) {
      if (!g.is_map()) n.fail("gpus", "expected a list of {gpu: ID, available: YYYY-MM-DD}");
      g.check_no_unknown_keys({"gpu", "node", "available", "gpus_per_rack"});
      DesignGpuOption o;
      o.gpu = g.str("gpu");
      const Gpu* gpu = catalog.find_gpu(o.gpu);
      if (gpu == nullptr)
        g.fail("gpu", "unknown GPU \"" + o.gpu + "\" (colossim catalog lists them)");
      o.node = g.str_or("node", "");
      if (!o.node.empty() && catalog.find_node(o.node) == nullptr)
        g.fail("node", "unknown node \"" + o.node + "\"");
      o.available = g.has("available") ? read_date(g, "available") : d.start;
      o.gpus_per_rack = g.count_or("gpus_per_rack", 0, 1'000'000);
      d.gpus.push_back(o);
    }
  } else {
    d.gpus.push_back({c.gpu.id, "", d.start, 0});
  }
  if (n.has("job_gpus")) {
    const ConfigNode j = n.child("job_gpus");
    if (j.is_map()) {
      j.check_no_unknown_keys({"min", "max", "step"});
      const long long lo = j.positive_integer("min"), hi = j.positive_integer("max");
      const long long step = j.positive_integer("step");
      if (hi < lo) j.fail("max", "expected at least min (" + std::to_string(lo) + ")");
      if ((hi - lo) / step >= kMaxDesigns) j.fail("step", "expected at most 100000 sizes");
      for (long long g = lo; g <= hi; g += step) d.job_gpus.push_back(g);
    } else {
      for (const double g : numbers_of(n, "job_gpus")) {
        if (!(g >= 1 && g <= static_cast<double>(kMaxGpus) && g == std::floor(g)))
          n.fail("job_gpus", "expected whole GPU counts from 1 to " + std::to_string(kMaxGpus) +
                                 ", or {min, max, step}");
        d.job_gpus.push_back(static_cast<long long>(g));
      }
    }
  } else {
    d.job_gpus.push_back(c.job_gpus());
  }
  const auto numbers = [&](const std::string& key, double fallback, double lo, double hi,
                           const std::string& what) {
    std::vector<double> out;
    if (!n.has(key)) return std::vector<double>{fallback};
    for (const double x : numbers_of(n, key)) {
      if (!(x >= lo && x <= hi)) n.fail(key, what);
      out.push_back(x);
    }
    return out;
  };
  d.spare_fraction = numbers("spare_fraction",
                             static_cast<double>(c.spare_gpus) / static_cast<double>(c.job_gpus()),
                             0, 0.9, "expected shares of the job from 0 to 0.9");
  d.oversubscription = numbers("oversubscription", c.oversubscription, 1, 1000,
                               "expected oversubscriptions of 1 or more (7 means 1:7)");
  d.nic_gbps = numbers("nic_gbps", c.nic_bandwidth.value() * 8 / 1e9, 1, kMaxNicGbps,
                       "expected Gb/s per GPU, up to 100000");
  d.power_limit = numbers("power_limit", c.gpu.power_limit.value() / c.gpu.tdp.value(), 0.3, 1,
                          "expected fractions of the GPUs' TDP from 0.3 to 1");
  const auto names = [&](const std::string& key, const std::vector<std::string>& choices,
                         const std::string& fallback) {
    std::vector<std::string> out;
    if (!n.has(key)) return std::vector<std::string>{fallback};
    for (const std::string& x : strings_of(n, key)) {
      if (!choices.empty() && std::find(choices.begin(), choices.end(), x) == choices.end())
        n.fail(key, "expected one of: " + joined_strings(choices) + " (got \"" + x + "\")");
      out.push_back(x);
    }
    return out;
  };
  d.cooling = names("cooling", {"liquid", "air"}, c.cooling == Cooling::liquid ? "liquid" : "air");
  std::vector<std::string> generators;
  for (const auto& g : fabric_generators()) generators.push_back(g.name);
  d.topology = names("topology", generators, c.topology);
  d.storage_bandwidth = names("storage_bandwidth", {}, "");
  if (d.designs() > kMaxDesigns)
    n.fail("gpus", "expected at most 100000 designs in all (the lists multiply to " +
                       std::to_string(d.designs()) + ")");
  return d;
}

// One job's model, training and plan on s.cluster's job_gpus(), from `n`: the file's root, or
// an item of `jobs:`.
void read_job(const ConfigNode& n, Scenario& s, const std::string& base_dir) {
  s.model = read_model(n.child("model"), base_dir);
  Precision precision = Precision::bf16;
  s.training = read_training(n.child("training"), precision);
  s.precision_given = n.child("training").has("precision");
  const Stack* stack = read_stack(n.child("training"));
  s.plan = read_plan(n.optional_child("parallelism"), s.cluster.job_gpus(), precision, *stack,
                     s.free_plan_keys);
  s.plan.fp8_recipe = read_fp8_recipe(n.child("training"), *stack, s.cluster.gpu,
                                      s.precision_given ? std::optional(precision) : std::nullopt);
  for (const auto& m : s.plan.offload_modules) {
    if ((m == "expert_fc1" || m == "moe_act") && !s.model.moe)
      n.child("parallelism")
          .fail("offload_modules", m + " on a mixture-of-experts model (it offloads the experts')");
  }
  // Megatron-Core stores the activation's input in FP8 only for SwiGLU (TransformerConfig).
  if (s.plan.activation_fp8_input && s.model.mlp != MlpKind::swiglu)
    n.child("parallelism")
        .fail("activation_fp8_input",
              "a SwiGLU model (Megatron-Core stores only SwiGLU's input in FP8)");
}

// "A-B": the first and last GPU of an explicit placement; nullopt if `text` is not that form.
std::optional<std::pair<long long, long long>> gpu_range(const std::string& text) {
  long long first = 0, last = 0;
  const char* end = text.data() + text.size();
  const auto a = std::from_chars(text.data(), end, first);
  if (a.ec != std::errc() || a.ptr == end || *a.ptr != '-') return std::nullopt;
  const auto b = std::from_chars(a.ptr + 1, end, last);
  if (b.ec != std::errc() || b.ptr != end || first < 0 || last < first) return std::nullopt;
  return std::pair(first, last);
}

// `jobs:`: each item a job on `shared`'s cluster, with its own GPUs. Placement units (NVLink
// domains, or nodes where larger) are handed out in three passes: explicit ranges, then packed
// jobs in list order on the lowest free units, then scattered jobs in list order, each spread
// evenly over the units still free.
std::vector<Scenario> read_jobs(const ConfigNode& list, const Scenario& shared,
                                const std::string& base_dir) {
  const Cluster& c = shared.cluster;
  const std::vector<ConfigNode> items = list.items();
  if (!list.is_sequence() || items.empty())
    throw InputError(list.file(), list.path(),
                     "a list of jobs, each with name, gpus, model and training");
  if (!c.pools.empty())
    throw InputError(list.file(), list.path(),
                     "jobs on a cluster of one GPU kind (cluster.pools and jobs: do not combine)");
  const long long unit = c.placement_unit();
  const long long units = c.gpus / unit;
  std::vector<int> owner(static_cast<size_t>(units), -1);
  std::vector<std::vector<long long>> held(items.size());
  std::vector<std::string> placement(items.size());
  std::vector<long long> gpus(items.size());
  long long total = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    const ConfigNode& item = items[i];
    item.check_no_unknown_keys({"name", "gpus", "model", "training", "parallelism", "placement"});
    const std::string name = item.str("name");
    for (size_t k = 0; k < i; ++k) {
      if (items[k].str("name") == name)
        item.fail("name", "a name no other job has (\"" + name + "\" is taken)");
    }
    gpus[i] = item.positive_integer("gpus");
    if (gpus[i] % unit != 0)
      item.fail("gpus", fmt::format("a multiple of {} (whole NVLink domains or nodes)", unit));
    total += gpus[i];
    if (total > c.job_gpus())
      item.fail("gpus", fmt::format("at most the {} GPUs the earlier jobs leave of cluster.gpus "
                                    "less cluster.spare_gpus ({} asked for in all)",
                                    c.job_gpus() - (total - gpus[i]), total));
    placement[i] = item.str_or("placement", "packed");
    if (placement[i] == "packed" || placement[i] == "scattered") continue;
    const auto range = gpu_range(placement[i]);
    if (!range) item.fail("placement", "packed, scattered or a range of GPUs such as 0-4095");
    const auto [first, last] = *range;
    if (first % unit != 0 || (last + 1) % unit != 0 || last >= c.gpus ||
        last - first + 1 != gpus[i])
      item.fail("placement",
                fmt::format("a range of the job's {} GPUs within cluster.gpus, starting and "
                            "ending on a boundary of {} GPUs",
                            gpus[i], unit));
    for (long long u = first / unit; u <= last / unit; ++u) {
      int& o = owner[static_cast<size_t>(u)];
      if (o >= 0)
        item.fail("placement", "GPUs no other job holds (job \"" +
                                   items[static_cast<size_t>(o)].str("name") + "\" has " +
                                   std::to_string(u * unit) + ")");
      o = static_cast<int>(i);
      held[i].push_back(u);
    }
  }
  for (size_t i = 0; i < items.size(); ++i) {
    if (placement[i] != "packed") continue;
    for (long long u = 0; u < units && static_cast<long long>(held[i].size()) < gpus[i] / unit;
         ++u) {
      if (owner[static_cast<size_t>(u)] >= 0) continue;
      owner[static_cast<size_t>(u)] = static_cast<int>(i);
      held[i].push_back(u);
    }
  }
  for (size_t i = 0; i < items.size(); ++i) {
    if (placement[i] != "scattered") continue;
    std::vector<long long> free;
    for (long long u = 0; u < units; ++u) {
      if (owner[static_cast<size_t>(u)] < 0) free.push_back(u);
    }
    const long long want = gpus[i] / unit;
    const auto n = static_cast<long long>(free.size());
    for (long long k = 0; k < want; ++k) {
      const long long u = free[static_cast<size_t>(k * n / want)];
      owner[static_cast<size_t>(u)] = static_cast<int>(i);
      held[i].push_back(u);
    }
  }
  std::vector<Scenario> jobs;
  for (size_t i = 0; i < items.size(); ++i) {
    Scenario j = shared;
    j.name = items[i].str("name");
    j.cluster.spare_gpus = c.gpus - gpus[i];
    j.cluster.spare_gpus_given = true;
    j.cluster.placement = placement[i];
    j.cluster.job_units = std::make_shared<const std::vector<long long>>(std::move(held[i]));
    // The cluster's own spares stand by for every job; the other jobs' GPUs are not spares.
    if (!j.reliability.spare_nodes) j.reliability.spare_nodes = c.spare_gpus / c.gpus_per_node;
    read_job(items[i], j, base_dir);
    jobs.push_back(std::move(j));
  }
  return jobs;
}

Scenario read(const ConfigNode& root, const Catalog& catalog, const std::string& base_dir) {
  root.check_no_unknown_keys({"name", "cluster", "model", "training", "parallelism", "measured",
                              "source", "group", "network_model", "notes", "reliability", "bringup",
                              "facility", "design", "jobs"});
  Scenario s;
  s.file = root.file();
  s.name = root.str_or("name", std::filesystem::path(root.file()).stem().string());
  s.cluster = read_cluster(root.child("cluster"), catalog);
  if (root.has("jobs")) {
    for (const std::string key :
         {"model", "training", "parallelism", "measured", "bringup", "design"}) {
      if (root.has(key))
        root.fail(key, "no " + key +
                           ": beside jobs: (each job has its own model, training and "
                           "parallelism; measured, bringup and design take one job)");
    }
  } else {
    read_job(root, s, base_dir);
  }
  std::vector<std::string> network_names;
  for (const auto& m : network_models()) network_names.push_back(m.name);
  s.network_model = root.choice_or("network_model", network_names, "fabric");
  if (root.has("measured")) {
    s.measured = read_measured(root.child("measured"));
    if (s.measured->gpu_hours && !s.training.tokens)
      root.child("measured").fail("gpu_hours", "GPU-hours need training.tokens, the run's budget");
  }
  if (root.has("reliability")) s.reliability = read_reliability(root.child("reliability"));
  if (root.has("facility")) s.facility = read_facility(root.child("facility"));
  if (root.has("bringup")) s.bringup = read_bringup(root.child("bringup"), s.cluster);
  if (root.has("design")) s.design = read_design(root.child("design"), s, catalog);
  s.source = root.str_or("source", "");
  s.group = root.str_or("group", "");
  if (root.has("jobs")) {
    if (s.network_model != "fabric")
      root.fail("network_model", "fabric with jobs: (only the flow model shares links)");
    s.jobs = read_jobs(root.child("jobs"), s, base_dir);
    // The scenario's own model, training and plan are the first job's, for what reads one.
    const Scenario& first = s.jobs.front();
    s.model = first.model;
    s.training = first.training;
    s.plan = first.plan;
    s.free_plan_keys = first.free_plan_keys;
    s.precision_given = first.precision_given;
    s.cluster.spare_gpus = first.cluster.spare_gpus;
    s.cluster.job_units = first.cluster.job_units;
  }
  return s;
}

}  // namespace

long long DesignSettings::designs() const {
  long long n = 1;
  for (const size_t k :
       {gpus.size(), job_gpus.size(), spare_fraction.size(), cooling.size(), topology.size(),
        oversubscription.size(), nic_gbps.size(), storage_bandwidth.size(), power_limit.size()}) {
    n *= static_cast<long long>(std::max<size_t>(k, 1));
    if (n > kMaxDesigns) return kMaxDesigns + 1;
  }
  return n;
}

std::string with_key(const std::string& yaml_text, const std::string& file,
                     const std::string& dotted_key, const std::string& value) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw InputError(file, "",
                     "malformed YAML at line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!root.IsMap()) throw InputError(file, "", "expected a YAML mapping of keys at the top level");
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= dotted_key.size()) {
    const size_t dot = dotted_key.find('.', start);
    parts.push_back(
        dotted_key.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  for (const auto& p : parts) {
    if (p.empty()) throw InputError(file, dotted_key, "expected a dotted key such as cluster.gpus");
  }
  // yaml-cpp nodes are handles: walk with copies and assign through them.
  std::vector<YAML::Node> path = {root};
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    YAML::Node next = path.back()[parts[i]];
    if (next && !next.IsMap() && !next.IsNull()) {
      throw InputError(file, dotted_key,
                       "cannot set a key below " + parts[i] + ", which is not a mapping");
    }
    if (!next || next.IsNull()) {
      path.back()[parts[i]] = YAML::Node(YAML::NodeType::Map);
      next = path.back()[parts[i]];
    }
    path.push_back(next);
  }
  // A flow list or mapping ("[core_attn, mlp]") is set as one; anything else as the text.
  if (!value.empty() && (value.front() == '[' || value.front() == '{')) {
    try {
      path.back()[parts.back()] = YAML::Load(value);
    } catch (const YAML::Exception& e) {
      throw InputError(file, dotted_key, "a YAML flow list or mapping such as [a, b]: " + e.msg);
    }
  } else {
    path.back()[parts.back()] = value;
  }
  return YAML::Dump(root);
}

bool Scenario::plan_needs_search() const {
  for (const char* k : {"tp", "pp", "cp", "micro_batch", "virtual_stages", "recompute"}) {
    if (free_plan_keys.count(k) > 0) return true;
  }
  return model.moe.has_value() && free_plan_keys.count("ep") > 0;  // a dense model has EP 1
}

void open_plan_keys(Scenario& s) {
  s.free_plan_keys = {"tp",        "pp",          "cp",
                      "ep",        "micro_batch", "virtual_stages",
                      "recompute", "schedule",    "sequence_parallel",
                      "dp",        "zero"};
}

Scenario read_scenario_file(const std::string& path, const Catalog& catalog) {
  const ConfigNode root = ConfigNode::load_file(path);
  return read(root, catalog, std::filesystem::path(path).parent_path().string());
}

Scenario read_scenario_text(const std::string& text, const std::string& name,
                            const Catalog& catalog, const std::string& base_dir) {
  return read(ConfigNode::parse(text, name), catalog, base_dir);
}

const char* default_scenario_yaml() {
  const auto& files = embedded_files();
  const auto it = files.find("scenarios/default.yaml");
  return it == files.end() ? "" : it->second.data();
}

Scenario default_scenario(const Catalog& catalog) {
  Scenario s = read_scenario_text(default_scenario_yaml(), "<built-in default scenario>", catalog);
  return s;
}

}  // namespace colossim
