#include "plan/plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <map>

#include "plan/pipeline.hpp"

namespace colossim {

const std::vector<std::string>& recompute_names() {
  static const std::vector<std::string> names = {"none", "selective", "full"};
  return names;
}

std::string to_string(Recompute r) { return recompute_names()[static_cast<size_t>(r)]; }

std::optional<std::string> invalid_reason(const Plan& p, const Model& m, const Cluster& c,
                                          const Training& t) {
  const long long product = static_cast<long long>(p.tp) * p.pp * p.cp * p.dp;
  if (product != c.job_gpus()) {
    return fmt::format("tp x pp x cp x dp = {} x {} x {} x {} = {} but the job has {} GPUs", p.tp,
                       p.pp, p.cp, p.dp, product, c.job_gpus());
  }
  if (m.heads % p.tp != 0)
    return fmt::format("tp {} does not divide the {} attention heads", p.tp, m.heads);
  // Each TP rank holds whole KV heads: Megatron-Core splits the query groups over TP
  // (num_query_groups_per_partition = divide(num_query_groups, tp), transformer/attention.py)
  // and does not replicate them, nor do the PyTorch stacks' column-parallel K and V projections.
  if (m.kv_heads % p.tp != 0)
    return fmt::format("tp {} does not divide the {} KV heads", p.tp, m.kv_heads);
  if (p.virtual_stages > 1 && p.pp == 1) return "virtual_stages > 1 needs pp > 1";
  const int layer_slots = m.layers + m.mtp_layers;  // MTP modules take a layer's slot
  const std::string what = m.mtp_layers > 0 ? fmt::format("{} layers and MTP modules", layer_slots)
                                            : fmt::format("{} layers", layer_slots);
  if (m.layers + 2 < p.pp * p.virtual_stages) {  // every chunk but the first and last a layer
    return fmt::format("{} layers cannot fill pp x virtual_stages = {} chunks", m.layers,
                       p.pp * p.virtual_stages);
  }
  if (!p.uneven_stages && !layers_split_evenly(m, p.pp, p.virtual_stages)) {
    return fmt::format(
        "pp x virtual_stages = {} does not divide the {} (nor {} counting embedding and loss; "
        "set uneven_stages: true for an uneven split)",
        p.pp * p.virtual_stages, what, layer_slots + 2);
  }
  if (t.global_batch % (p.dp * p.micro_batch) != 0) {
    return fmt::format("global_batch {} is not a multiple of dp x micro_batch = {} x {}",
                       t.global_batch, p.dp, p.micro_batch);
  }
  const long long mbs = micro_batches(p, t);
  const PipelineSchedule* schedule = find_schedule(p.schedule);
  if (schedule == nullptr)
    return "unknown pipeline schedule \"" + p.schedule +
           "\" (expected one of: " + schedule_names() + ")";
  if (auto why = schedule->invalid(p.pp, p.virtual_stages, mbs)) return *why;
  // What the training framework runs (data/stacks.yaml `lacks`). A named schedule the stack does
  // not ship (DualPipeV outside TorchTitan) stays a what-if: the search alone keeps to the
  // stack's `schedules`.
  const Stack& stack = stack_or_default(p.stack);
  const std::pair<bool, const char*> features[] = {
      {p.pp > 1, "pp"},
      {p.cp > 1, "cp"},
      {p.ep > 1, "ep"},
      {p.ep > 1 && expert_tp(p) > 1, "etp"},
      {p.schedule == "interleaved" && p.virtual_stages > 1, "interleaved"}};
  for (const auto& [used, feature] : features) {
    if (used && !stack.offers(feature)) {
      const std::string f = feature;
      return fmt::format("{} does not run {} ({})",
                         stack.label.empty() ? "the framework" : stack.label, f,
                         f == "interleaved" ? "virtual_stages > 1" : f + " > 1");
    }
  }
  if (p.cp > 1 && m.seq_len % (2LL * p.cp) != 0) {
    return fmt::format("cp {} needs seq_len ({}) divisible by 2 x cp", p.cp, m.seq_len);
  }
  if (p.etp > 0) {
    if (!m.moe) return "etp needs a mixture-of-experts model";
    if (p.ep <= 1 && p.etp != p.tp)
      return fmt::format(
          "etp {} needs ep > 1 (without expert parallelism the experts split over tp "
          "{})",
          p.etp, p.tp);
    if (m.moe->expert_ffn_hidden % p.etp != 0)
      return fmt::format("etp {} does not divide the experts' hidden size {}", p.etp,
                         m.moe->expert_ffn_hidden);
  }
  if (p.ep > 1) {
    if (!m.moe) return "ep > 1 needs a mixture-of-experts model";
    if (m.moe->experts % p.ep != 0)
      return fmt::format("ep {} does not divide the {} experts", p.ep, m.moe->experts);
    const long long expert_group = static_cast<long long>(p.ep) * expert_tp(p);
    if ((static_cast<long long>(p.tp) * p.cp * p.dp) % expert_group != 0) {
      return fmt::format("ep x etp = {} does not divide tp x cp x dp = {}", expert_group,
                         static_cast<long long>(p.tp) * p.cp * p.dp);
    }
  }
  // Megatron-Core's EP all-to-all overlap (overlap_moe_expert_parallel_comm) pairs two
  // micro-batches' layers, which its TransformerConfig allows only with expert parallelism, with
  // no pipeline or an interleaved one, and without full recomputation.
  if (p.moe_a2a_overlap) {
    if (p.ep <= 1) return "moe_a2a_overlap needs ep > 1 (it overlaps the expert all-to-all)";
    if (p.pp > 1 && p.virtual_stages <= 1) {
      return fmt::format(
          "moe_a2a_overlap with pp {} needs virtual_stages > 1 (Megatron-Core pairs micro-batches "
          "only in the interleaved schedule)",
          p.pp);
    }
    if (p.recompute == Recompute::full)
      return "moe_a2a_overlap needs recompute none or selective (Megatron-Core refuses full)";
  }
  if (p.zero < 0 || p.zero > 3) return fmt::format("zero stage {} is not 0, 1, 2 or 3", p.zero);
  if (p.dp_shard > 0) {
    const long long dp_group = p.dp * p.cp;
    if (dp_group % p.dp_shard != 0)
      return fmt::format("dp_shard {} does not divide dp x cp = {}", p.dp_shard, dp_group);
    if (p.zero == 0) return "dp_shard needs zero 1, 2 or 3 (zero 0 shards nothing)";
    if (p.ep > 1) return "dp_shard needs ep 1 (hybrid sharding of the experts is not modelled)";
  }
  if (p.zero == 3 && p.pp > 1 && !stack.fsdp_with_pp) {
    return fmt::format(
        "{} does not run zero 3 (FSDP) with pipeline parallelism (TorchTitan does: framework "
        "torchtitan)",
        stack.label.empty() ? "the framework" : stack.label);
  }
  if (p.precision == Precision::fp8 && !c.gpu.peak_fp8) {
    return fmt::format("{} has no FP8 tensor cores", c.gpu.id);
  }
  return std::nullopt;
}

Shard shard_of(const Plan& p, const Model& m) {
  Shard s;
  s.micro_batch = p.micro_batch;
  s.seq_len = m.seq_len;
  s.tp = p.tp;
  s.cp = p.cp;
  s.ep = p.ep;
  s.etp = expert_tp(p);
  s.sequence_parallel = p.sequence_parallel && p.tp > 1;
  s.attention = p.attention;
  s.stack = p.stack;
  s.bytes_per_gemm_input = p.precision == Precision::fp8 ? 1 : 2;
  s.bytes_per_activation_input = p.activation_fp8_input ? 1 : 2;
  s.moe_chunk_sort = p.moe_dispatcher != "deepep";
  return s;
}

}  // namespace colossim
