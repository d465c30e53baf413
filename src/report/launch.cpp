#include "report/launch.hpp"

#include <fmt/format.h>

#include <optional>
#include <string>

#include "plan/pipeline.hpp"

namespace colossim {

namespace {

// Megatron-Core and NeMo run the 1F1B family and GPipe-like forward-only schedules, not DualPipe.
std::optional<std::string> megatron_lacks(const Plan& p) {
  if (p.schedule != "dualpipev") return std::nullopt;
  return "# not runnable: Megatron-Core has no DualPipe schedule (TorchTitan runs DualPipeV)";
}

}  // namespace

std::string megatron_args(const Scenario& s, const Plan& p) {
  if (auto why = megatron_lacks(p)) return *why;
  std::string a =
      fmt::format("--tensor-model-parallel-size {} --pipeline-model-parallel-size {}", p.tp, p.pp);
  if (p.virtual_stages > 1) {
    a += fmt::format(" --num-virtual-stages-per-pipeline-rank {}", p.virtual_stages);
  }
  if (p.cp > 1) a += fmt::format(" --context-parallel-size {}", p.cp);
  if (p.ep > 1) a += fmt::format(" --expert-model-parallel-size {}", p.ep);
  if (p.ep > 1) a += fmt::format(" --expert-tensor-parallel-size {}", expert_tp(p));
  a += fmt::format(" --micro-batch-size {} --global-batch-size {} --seq-length {}", p.micro_batch,
                   s.training.global_batch, s.model.seq_len);
  if (p.sequence_parallel && p.tp > 1) a += " --sequence-parallel";
  if (p.recompute == Recompute::selective) {
    a += " --recompute-granularity selective --recompute-modules";
    for (const auto& m : p.recompute_modules) a += " " + m;
  }
  if (p.ep > 1 && p.moe_dispatcher == "deepep")
    a += " --moe-token-dispatcher-type flex --moe-enable-deepep";
  if (p.ep > 1 && p.moe_a2a_overlap)
    a += " --overlap-moe-expert-parallel-comm --delay-wgrad-compute";
  if (p.recompute == Recompute::full)
    a += " --recompute-granularity full --recompute-method uniform --recompute-num-layers 1";
  if (p.zero >= 1) a += " --use-distributed-optimizer";
  if (p.zero >= 2)
    a += fmt::format(" --data-parallel-sharding-strategy {}",
                     p.zero == 2 ? "optim_grads" : "optim_grads_params");
  if (p.zero >= 2) a += " --use-custom-fsdp";
  a += " --bf16";
  if (p.precision == Precision::fp8) a += " --fp8-format hybrid";
  if (p.precision == Precision::fp8 && p.fp8_param_gather) a += " --fp8-param-gather";
  if (p.activation_fp8_input) a += " --activation-func-fp8-input-store";
  if (p.overlap_grad_reduce) a += " --overlap-grad-reduce";
  if (p.overlap_param_gather && p.zero >= 1) a += " --overlap-param-gather";
  if (p.tp_comm_overlap && p.tp > 1) a += " --tp-comm-overlap";
  if (p.attention != AttentionKernel::unfused) a += " --attention-backend flash";
  if (p.uneven_stages) a += "  # uneven stages: add --decoder-first/last-pipeline-num-layers";
  return a;
}

std::string nemo_overrides(const Scenario& s, const Plan& p) {
  if (auto why = megatron_lacks(p)) return *why;
  std::string a = fmt::format(
      "trainer.strategy.tensor_model_parallel_size={} "
      "trainer.strategy.pipeline_model_parallel_size={} "
      "trainer.strategy.context_parallel_size={} trainer.strategy.expert_model_parallel_size={} "
      "trainer.strategy.virtual_pipeline_model_parallel_size={} "
      "trainer.strategy.sequence_parallel={} "
      "data.micro_batch_size={} data.global_batch_size={} data.seq_length={}",
      p.tp, p.pp, p.cp, p.ep, p.virtual_stages > 1 ? std::to_string(p.virtual_stages) : "None",
      p.sequence_parallel && p.tp > 1 ? "True" : "False", p.micro_batch, s.training.global_batch,
      s.model.seq_len);
  if (p.recompute != Recompute::none) {
    a += fmt::format(" model.config.recompute_granularity={}",
                     p.recompute == Recompute::full ? "full" : "selective");
    if (p.recompute == Recompute::full)
      a += " model.config.recompute_method=uniform model.config.recompute_num_layers=1";
    if (p.recompute == Recompute::selective) {
      std::string modules;
      for (const auto& m : p.recompute_modules) modules += (modules.empty() ? "" : ",") + m;
      a += " model.config.recompute_modules=[" + modules + "]";
    }
  }
  if (p.ep > 1) a += fmt::format(" trainer.strategy.expert_tensor_parallel_size={}", expert_tp(p));
  if (p.ep > 1 && p.moe_dispatcher == "deepep")
    a += " model.config.moe_token_dispatcher_type=flex model.config.moe_enable_deepep=True";
  if (p.ep > 1 && p.moe_a2a_overlap)
    a +=
        " model.config.overlap_moe_expert_parallel_comm=True model.config.delay_wgrad_compute=True";
  if (p.activation_fp8_input) a += " model.config.activation_func_fp8_input_store=True";
  if (p.precision == Precision::fp8) a += " trainer.plugins=bf16_with_fp8_mixed";
  return a;
}

std::string torchtitan_toml(const Scenario& s, const Plan& p) {
  const std::string& schedule = find_schedule(p.schedule)->torchtitan;
  // TorchTitan shards data parallelism with FSDP2 (ZeRO-3); ZeRO 0-2 map to replication.
  const long long shard = p.zero >= 3 ? p.dp : 1;
  const long long replicate = p.zero >= 3 ? 1 : p.dp;
  std::string t = "[parallelism]\n";
  t += fmt::format("data_parallel_replicate_degree = {}\ndata_parallel_shard_degree = {}\n",
                   replicate, shard);
  t += fmt::format("tensor_parallel_degree = {}\npipeline_parallel_degree = {}\n", p.tp, p.pp);
  t += fmt::format("pipeline_parallel_schedule = \"{}\"\ncontext_parallel_degree = {}\n", schedule,
                   p.cp);
  if (p.ep > 1) t += fmt::format("expert_parallel_degree = {}\n", p.ep);
  if (p.pp > 1) t += fmt::format("pipeline_parallel_microbatch_size = {}\n", p.micro_batch);
  t += "\n[training]\n";
  t += fmt::format("local_batch_size = {}\nglobal_batch_size = {}\nseq_len = {}\n",
                   s.training.global_batch / p.dp, s.training.global_batch, s.model.seq_len);
  t += "\n[activation_checkpoint]\n";
  t += fmt::format("mode = \"{}\"\n", to_string(p.recompute));
  if (p.precision == Precision::fp8) t += "\n[model]\nconverters = [\"float8\"]\n";
  return t;
}

}  // namespace colossim
