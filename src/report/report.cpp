#include "report/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "net/collectives.hpp"
#include "report/launch.hpp"
#include "sim/calibration.hpp"
#include "sim/cost_model.hpp"
#include "validation/trust.hpp"

namespace colossim {

std::string human_seconds(double s) {
  if (s < 1e-3) return fmt::format("{:.1f} us", s * 1e6);
  if (s < 1.0) return fmt::format("{:.1f} ms", s * 1e3);
  if (s < 120.0) return fmt::format("{:.2f} s", s);
  if (s < 7200.0) return fmt::format("{:.1f} min", s / 60);
  if (s < 3 * 86400.0) return fmt::format("{:.1f} h", s / 3600);
  return fmt::format("{:.1f} days", s / 86400);
}

std::string human_bytes(double b) {
  if (b >= 1024.0 * 1024 * 1024) return fmt::format("{:.2f} GiB", b / (1024.0 * 1024 * 1024));
  if (b >= 1024.0 * 1024) return fmt::format("{:.1f} MiB", b / (1024.0 * 1024));
  if (b >= 1024.0) return fmt::format("{:.1f} KiB", b / 1024.0);
  return fmt::format("{:.0f} B", b);
}

namespace {

// Who a collective's group competed with: the other groups of the same collective.
std::string others(long long groups) {
  return groups == 2 ? "the other group" : fmt::format("the other {} groups", groups - 1);
}

// Token-budget runs whose median trial hit the wall-time bound (run/reliability.hpp).
bool does_not_finish(const RunResult& r) { return !r.finishes(); }

std::string why_unfinished(const ReliabilityReport& rep) {
  const RunSetup& st = rep.setup;
  const double mtbi = st.rate_per_hour > 0 ? 3600.0 / st.rate_per_hour : 0;
  return fmt::format(
      "after {:.0f}x its failure-free {:.1f} days, goodput is {:.1f}% (an interruption every {} "
      "against {} to restart)",
      kMaxWallFactor, st.work.value() / 86400.0, 100 * rep.result.goodput, human_seconds(mtbi),
      human_seconds(st.restart.value()));
}

std::string human_count(double x) {
  if (x >= 1e12) return fmt::format("{:.2f}T", x / 1e12);
  if (x >= 1e9) return fmt::format("{:.1f}B", x / 1e9);
  if (x >= 1e6) return fmt::format("{:.1f}M", x / 1e6);
  if (x >= 1e3) return fmt::format("{:.1f}k", x / 1e3);
  return fmt::format("{:.0f}", x);
}

std::string plan_line(const Plan& p) {
  std::string s = fmt::format("TP {} x PP {} x CP {} x DP {}", p.tp, p.pp, p.cp, p.dp);
  if (p.ep > 1 && expert_tp(p) > 1) {
    s += fmt::format(" (EP {}, ETP {})", p.ep, expert_tp(p));
  } else if (p.ep > 1) {
    s += fmt::format(" (EP {})", p.ep);
  }
  s += fmt::format(", micro-batch {}, {} schedule", p.micro_batch, p.schedule);
  if (p.virtual_stages > 1) s += fmt::format(" ({} virtual stages)", p.virtual_stages);
  s += fmt::format(", recompute {}", to_string(p.recompute));
  if (p.recompute == Recompute::selective && p.recompute_modules != Plan{}.recompute_modules) {
    std::string modules;
    for (const auto& m : p.recompute_modules) modules += (modules.empty() ? "" : ", ") + m;
    s += " (" + modules + ")";
  }
  if (p.recompute == Recompute::full && p.recompute_fraction < 1)
    s += fmt::format(" ({:g} of the layers)", p.recompute_fraction);
  s += fmt::format(", ZeRO {}", p.zero);
  if (p.dp_shard > 0 && p.dp_shard < p.dp * p.cp)
    s += fmt::format(" (sharded over {}, {} replicas)", p.dp_shard, p.dp * p.cp / p.dp_shard);
  if (p.sequence_parallel && p.tp > 1) s += ", SP";
  if (p.ep > 1 && p.moe_dispatcher == "deepep") s += ", DeepEP";
  if (p.ep > 1 && p.moe_a2a_overlap) s += ", EP overlap";
  s += p.precision == Precision::fp8 ? ", FP8 (" + p.fp8_recipe + " scaling)" : ", BF16";
  s += ", on " + stack_or_default(p.stack).name;
  return s;
}

// The slowest expert-parallel rank's routed tokens over the mean (workload/routing.hpp), from
// the first MoE layer as the plan cuts it; 1 for a dense model.
double moe_load(const Scenario& s, const Plan& plan) {
  if (!s.model.moe) return 1.0;
  for (int l = 0; l < s.model.layers; ++l) {
    if (s.model.is_moe_layer(l)) return layer_work(s.model, l, shard_of(plan, s.model)).moe_load;
  }
  return 1.0;
}

// "1024 x h100-sxm-80gb", or with other kinds "512 x h100-sxm-80gb + 512 x b200".
std::string gpu_kinds(const Cluster& c) {
  std::string more;
  for (const auto& pool : c.pools) more += fmt::format(" + {} x {}", pool.gpus, pool.gpu.id);
  return fmt::format("{} x {}{}", c.base_gpus(), c.gpu.id, more);
}

// Products' and attention's speed under the GPU's power limit (sim/cost_model.hpp).
double capped_speed(const Gpu& gpu) {
  return power_limited_speed(gpu, Calibration::builtin().for_architecture(gpu.architecture));
}

}  // namespace

std::string prediction_text(const Scenario& s, const Prediction& p,
                            const std::optional<ReliabilityReport>& run) {
  std::string out;
  const Cluster& c = s.cluster;
  out += fmt::format("colossim: {}\n\n", s.name);
  const std::string host_capped = c.nic_bandwidth < c.nic_line_rate
                                      ? fmt::format(", {:.0f} Gb/s through the GPU's host link",
                                                    c.nic_bandwidth.value() * 8 / 1e9)
                                      : "";
  out += fmt::format(
      "  cluster   {} ({} per node, NVLink domain {}), {:.0f} Gb/s per GPU ({}{}), {} cooled\n",
      gpu_kinds(c), c.gpus_per_node, c.nvlink_domain, c.nic_line_rate.value() * 8 / 1e9, c.nic.name,
      host_capped, c.cooling == Cooling::liquid ? "liquid" : "air");
  if (c.gpu.capped()) {
    out += fmt::format(
        "            GPUs capped at {:.0f} W of {:.0f} W TDP: products and attention at {:.1f}% "
        "speed\n",
        c.gpu.power_limit.value(), c.gpu.tdp.value(), 100 * capped_speed(c.gpu));
  }
  if (c.spare_gpus > 0)
    out += fmt::format("            job on {} GPUs ({} over the fabric), {} held as spares\n",
                       c.job_gpus(), c.placement == "scattered" ? "scattered" : "packed",
                       c.spare_gpus);
  const std::string mtp = s.model.mtp_layers > 0
                              ? fmt::format(" + {} multi-token-prediction module{} ({})",
                                            s.model.mtp_layers, s.model.mtp_layers > 1 ? "s" : "",
                                            human_count(static_cast<double>(s.model.mtp_params())))
                              : "";
  out += fmt::format("  model     {}: {} parameters ({} active), {} layers{}, hidden {}, seq {}\n",
                     s.model.name, human_count(static_cast<double>(s.model.params())),
                     human_count(static_cast<double>(s.model.active_params())), s.model.layers, mtp,
                     s.model.hidden, s.model.seq_len);
  out +=
      fmt::format("  batch     {} sequences = {} tokens per step, {} micro-batches per pipeline\n",
                  s.training.global_batch,
                  human_count(static_cast<double>(s.training.global_batch) * s.model.seq_len),
                  micro_batches(p.plan, s.training));
  out += fmt::format("  plan      {}\n", plan_line(p.plan));
  if (!p.pools.empty()) {
    // A cluster of several GPU kinds: each kind's replicas, their micro-batches and step.
    std::string kinds;
    for (const auto& k : p.pools) {
      kinds += fmt::format("{}{} x {}: {} micro-batches per replica, {}", kinds.empty() ? "" : "; ",
                           k.gpus, k.gpu, k.micro_batches, human_seconds(k.step_s));
    }
    out += fmt::format("  kinds     {}\n", kinds);
    out += fmt::format(
        "            {}{}\n",
        p.balance == "micro_batches"
            ? "micro-batches balanced to each kind's speed"
            : "every replica runs the same micro-batches: the slowest kind paces the step",
        p.balance_chosen ? " (chosen by colossim; parallelism.balance)" : "");
  }
  if (s.model.moe) {
    out += fmt::format(
        "  experts   {} routed, top-{}, on EP {}: {} routing, the slowest EP rank gets {:.2f}x "
        "the mean tokens\n",
        s.model.moe->experts, s.model.moe->top_k, p.plan.ep, s.model.moe->balancing,
        moe_load(s, p.plan));
    const Seconds a2a = p.step.ep_alltoall;
    if (a2a.value() > 0) {
      const Seconds exposed = p.step.part("ep_comm");
      out += fmt::format(
          "            dispatch and combine {} per step on the critical stage, {} of it exposed\n",
          human_seconds(a2a.value()), human_seconds(exposed.value()));
    }
  }
  if (p.plan_chosen) {
    out += fmt::format(
        "            (open keys chosen by colossim: fastest of {} fitting plans, {} simulated)\n",
        p.plans_fitting, p.plans_simulated);
  }
  out += "\n";

  const double step = p.step.step_time.value();
  out += fmt::format("  step time            {}\n", human_seconds(step));
  const TrustBand band = trust_band(s);
  out += fmt::format(
      "                       80% band {} - {}: colossim's errors on {}\n",
      human_seconds(step / band.high), human_seconds(step / band.low),
      band.extrapolated
          ? fmt::format("every validated group, doubled (no {} run validated)", band.group)
      : band.unvalidated_stack.empty()
          ? fmt::format("{} validated {} runs", band.cases, band.group)
          : fmt::format("{} validated {} runs, doubled (none on {})", band.cases, band.group,
                        band.unvalidated_stack));
  out += fmt::format("  tokens/s             {}\n", human_count(p.tokens_per_s));
  out += fmt::format("  TFLOP/s per GPU      {:.0f} model, {:.0f} hardware (peak {:.0f})\n",
                     p.model_tflops_per_gpu, p.hardware_tflops_per_gpu, p.peak_tflops);
  out += fmt::format("  MFU / HFU            {:.1f}% / {:.1f}%\n", 100 * p.mfu, 100 * p.hfu);
  out += fmt::format(
      "  memory per GPU       {:.1f} GiB of {:.1f} (weights {:.1f}, grads {:.1f}, optimizer "
      "{:.1f}, "
      "activations {:.1f}, buffers {:.1f})\n",
      to_gib(p.memory.total()), to_gib(c.gpu.hbm), to_gib(p.memory.weights),
      to_gib(p.memory.gradients), to_gib(p.memory.optimizer), to_gib(p.memory.activations),
      to_gib(p.memory.comm_buffers + p.memory.runtime_reserve));
  const Stack& stack = stack_or_default(p.plan.stack);
  out +=
      stack.allocator == "xla"
          ? fmt::format("                       {:.1f} GiB of it XLA's planned peak of buffers\n",
                        to_gib(p.memory.allocated()))
          // The caching allocator's fragmentation on top: with expandable segments little
          // (the launch lines set them); without, Megatron-Bridge's memory-tuning skill
          // (NVIDIA-NeMo/Megatron-Bridge 067f987df skills/nemo-mbridge-perf-memory-tuning/SKILL.md,
          // "Measured Results": Llama 3 70B SFT on 80 GB H100) ran out of
          // memory at 58.8 GB allocated and fit with them: a third and more.
          : fmt::format(
                "                       {:.1f} GiB of it allocated at the peak "
                "(torch.cuda.max_memory_allocated); without "
                "PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True fragmentation can add a third\n",
                to_gib(p.memory.allocated()));
  if (p.time_to_train_days) {
    out += fmt::format(
        "  time to train        {:.1f} days ({:.1f}-{:.1f}) for {} tokens without failures",
        *p.time_to_train_days, *p.time_to_train_days / band.high, *p.time_to_train_days / band.low,
        human_count(*s.training.tokens));
    if (run && does_not_finish(run->result)) {
      out += fmt::format("; with them it does not finish: {}", why_unfinished(*run));
    } else if (run) {
      out += fmt::format("; {:.1f} days with them (median; p10 {:.1f}, p90 {:.1f})",
                         run->result.days_median, run->result.days_p10, run->result.days_p90);
    }
    out += "\n";
    if (run && run->fleets) {
      const FleetRange& f = *run->fleets;
      out +=
          f.finished
              ? fmt::format(
                    "                       {:.1f}-{:.1f} days at the failure rates other "
                    "published fleets measured ({} to {}; reliability.profile {})\n",
                    f.low_days, f.high_days, f.low_profile, f.high_profile, s.reliability.profile)
              : fmt::format(
                    "                       at {}'s failure rate ({} the highest published) "
                    "it does not finish\n",
                    f.high_profile, f.high_profile);
    }
  }
  if (run) {
    const RunResult& r = run->result;
    out += fmt::format(
        "  run                  goodput {:.1f}%, {:.1f} interruptions per day, checkpoint every "
        "{}, "
        "{:.1f} days lost ({} GPU-hours)\n",
        100 * r.goodput, r.interruptions_mean / std::max(r.days_mean, 1e-9),
        human_seconds(r.interval.value()), r.days_lost, human_count(r.gpu_hours_lost));
    // The assumptions the figure rests on (reliability.* keys), so none decides it unseen.
    out += fmt::format(
        "                       assuming {} spare nodes{}, repairs of {}, {} failure rates "
        "(reliability.*)\n",
        run->setup.spare_nodes,
        run->setup.spares_defaulted ? " (default: 99% of the repairs in flight covered)" : "",
        human_seconds(run->setup.repair.value()), s.reliability.profile);
  }
  out += fmt::format("\n  where the step goes (pipeline stage {}):\n", p.step.critical_stage);
  for (const auto& b : p.step.breakdown) {
    const double t = b.time.value();
    if (t <= 0) continue;
    const auto bar = static_cast<int>(std::lround(40.0 * t / step));
    out += fmt::format(
        "    {:<18} {:>10}  {:5.1f}%  {}{}\n", b.name, human_seconds(t), 100 * t / step,
        std::string(static_cast<size_t>(bar), '#'),
        b.name == "slowest_gpu"
            ? fmt::format("  (waiting for the slowest of {} GPUs)", s.cluster.job_gpus())
            : std::string());
  }
  if (!p.fabric.empty()) {
    out += fmt::format("\n  on the fabric ({} {} routing; every group of a collective at once):\n",
                       s.cluster.topology, s.cluster.routing);
    for (const auto& r : p.fabric) {
      const double slow = r.contended.value() / std::max(r.alone.value(), 1e-300);
      out += fmt::format(
          "    {:<20} {:>9} x {:>5} groups of {:<5} {:>9} alone, {:>9} together ({:.2f}x{}), "
          "busiest "
          "{} link {:.0f}%\n",
          fmt::format("{} {}", to_string(r.kind), r.algorithm), human_bytes(r.bytes.value()),
          r.groups, r.group_size, human_seconds(r.alone.value()),
          human_seconds(r.contended.value()), slow,
          slow > 1.01 ? ", slowed by " + others(r.groups) : "", r.busiest_tier,
          100 * r.busiest_utilisation);
      std::string busy;
      for (size_t t = 0; t < r.tier_utilisation.size(); ++t) {
        if (r.tier_utilisation[t] <= 0) continue;
        busy += fmt::format("{}{} {:.0f}%", busy.empty() ? "" : ", ", tier_name[t],
                            100 * r.tier_utilisation[t]);
      }
      out += fmt::format("      links in use, busy while it runs: {}\n", busy);
      std::string beside;
      for (const auto& by : r.other_jobs) {
        if (by.added.value() <= 0) continue;
        beside +=
            fmt::format("{}{} +{}{}", beside.empty() ? "" : ", ",
                        by.job == s.name ? "its own " + by.what : by.job + "'s " + by.what,
                        human_seconds(by.added.value()), by.tier.empty() ? "" : " on " + by.tier);
      }
      if (!beside.empty())
        out += fmt::format(
            "      beside the other traffic (weighed by the time it is on): {}, "
            "{} in all\n",
            beside, human_seconds(r.shared.value()));
    }
  }
  return out;
}

// The parallelism keys of SCENARIO.md, as a plan resolved them.
nlohmann::json plan_keys_json(const Plan& pl) {
  std::string order;
  for (const auto& d : pl.order) order += (order.empty() ? "" : "-") + d;
  nlohmann::json j = {{"order", order},
                      {"tp", pl.tp},
                      {"pp", pl.pp},
                      {"cp", pl.cp},
                      {"ep", pl.ep},
                      {"etp", expert_tp(pl)},
                      {"dp", pl.dp},
                      {"micro_batch", pl.micro_batch},
                      {"virtual_stages", pl.virtual_stages},
                      {"schedule", pl.schedule},
                      {"sequence_parallel", pl.sequence_parallel && pl.tp > 1},
                      {"recompute", to_string(pl.recompute)},
                      {"zero", pl.zero},
                      {"precision", pl.precision == Precision::fp8 ? "fp8" : "bf16"},
                      {"framework", stack_or_default(pl.stack).name}};
  if (pl.precision == Precision::fp8) j["fp8_recipe"] = pl.fp8_recipe;
  j["recompute_modules"] =
      pl.recompute == Recompute::selective ? pl.recompute_modules : std::vector<std::string>{};
  j["recompute_fraction"] = pl.recompute == Recompute::full ? pl.recompute_fraction : 0.0;
  j["dp_shard"] = pl.dp_shard > 0 ? pl.dp_shard : pl.dp * pl.cp;
  j["uneven_stages"] = pl.uneven_stages;
  j["overlap_grad_reduce"] = pl.overlap_grad_reduce;
  j["overlap_param_gather"] = pl.overlap_param_gather;
  j["tp_comm_overlap"] = pl.tp_comm_overlap;
  j["fp8_param_gather"] = pl.fp8_param_gather;
  j["moe_dispatcher"] = pl.moe_dispatcher;
  j["moe_a2a_overlap"] = pl.moe_a2a_overlap;
  if (!pl.offload_modules.empty()) {
    j["offload_modules"] = pl.offload_modules;
    j["activation_offload_fraction"] = pl.offload_fraction;
  }
  return j;
}

namespace {

nlohmann::json run_json(const ReliabilityReport& rep) {
  const RunResult& r = rep.result;
  nlohmann::json j;
  j["trials"] = r.trials;
  j["interruptions"] = r.interruptions_mean;
  j["interruptions_per_day"] = r.interruptions_mean / std::max(r.days_mean, 1e-9);
  j["interruptions_by_cause"] = r.interruptions_by_cause;
  j["goodput"] = r.goodput;
  j["finishes"] = !does_not_finish(r);
  j["unfinished_fraction"] = r.unfinished_fraction;
  j["extrapolated_fraction"] = r.extrapolated_fraction;
  j["goodput_stddev"] = r.goodput_stddev;
  if (rep.span_days) {
    j["span_days"] = *rep.span_days;
    j["budget_fraction_trained"] = r.progress_fraction;
  } else {
    j["time_to_train_days"] = r.days_median;
    j["time_to_train_days_p10"] = r.days_p10;
    j["time_to_train_days_p90"] = r.days_p90;
    j["time_to_train_days_mean"] = r.days_mean;
    j["time_to_train_days_no_failures"] = rep.setup.work.value() / 86400.0;
  }
  j["days_lost"] = r.days_lost;
  j["gpu_hours_lost"] = r.gpu_hours_lost;
  j["checkpoint_interval_s"] = r.interval.value();
  j["young_interval_s"] = rep.interval.young.value();
  j["daly_interval_s"] = rep.interval.daly.value();
  j["simulated_optimum_interval_s"] = rep.interval.simulated.value();
  j["checkpoint_gib"] = to_gib(rep.setup.checkpoint_bytes);
  j["checkpoint_pause_s"] = rep.setup.pause().value();
  j["checkpoint_write_s"] = rep.setup.checkpoint_write.value();
  j["checkpoint_mode"] = rep.setup.async_checkpoint ? "async" : "sync";
  j["restart_s"] = rep.setup.restart.value();
  j["spare_nodes"] = rep.setup.spare_nodes;
  j["spare_nodes_default"] = rep.setup.spares_defaulted;
  j["repair_s"] = rep.setup.repair.value();
  j["failure_profile"] = rep.setup.profile;
  const SlowHosts& h = rep.setup.slow;
  j["slow_hosts"] = {{"policy", h.policy},
                     {"per_node_day", h.per_node_hour * 24},
                     {"duration_s", h.duration.value()},
                     {"lemon_fraction", h.lemon_fraction},
                     {"slowdown", h.slowdown},
                     {"detection_s", h.detection.value()},
                     {"drops_spells", h.drops_spells},
                     {"slow_share", h.slow_share},
                     {"work_factor", h.work_factor},
                     {"drops_per_day", h.drops_per_day}};
  j["mean_time_between_interruptions_s"] =
      rep.setup.rate_per_hour > 0 ? 3600.0 / rep.setup.rate_per_hour : 0.0;
  nlohmann::json timeline = nlohmann::json::array();
  for (const auto& e : r.timeline) {
    timeline.push_back({{"day", e.day},
                        {"cause", e.cause},
                        {"lost_work_s", e.lost_work.value()},
                        {"downtime_s", e.downtime.value()}});
  }
  j["timeline_trial_0"] = timeline;
  if (!rep.what_ifs.empty()) {
    for (const auto& w : rep.what_ifs) {
      j["what_ifs"].push_back(
          {{"name", w.name}, {"goodput", w.goodput}, {"days_median", w.days_median}});
    }
  }
  return j;
}

}  // namespace

namespace {

// What the traffic beside a collective added to it: the job's own other collectives and other
// jobs' (CollectiveRecord::other_jobs).
nlohmann::json beside_json(const CollectiveRecord& r, const std::string& job) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& by : r.other_jobs) {
    out.push_back({{"job", by.job},
                   {"own", by.job == job},
                   {"traffic", by.what},
                   {"added_s", by.added.value()},
                   {"tier", by.tier}});
  }
  return out;
}

}  // namespace

nlohmann::json prediction_json(const Scenario& s, const Prediction& p,
                               const std::optional<ReliabilityReport>& run) {
  nlohmann::json j;
  j["name"] = s.name;
  j["step_time_s"] = p.step.step_time.value();
  const TrustBand band = trust_band(s);
  j["step_time_band_s"] = {{"low", p.step.step_time.value() / band.high},
                           {"high", p.step.step_time.value() / band.low},
                           {"coverage", 0.8},
                           {"group", band.group},
                           {"validated_cases", band.cases},
                           {"extrapolated", band.extrapolated},
                           {"stack_validated", band.unvalidated_stack.empty()}};
  j["tokens_per_s"] = p.tokens_per_s;
  j["model_tflops_per_gpu"] = p.model_tflops_per_gpu;
  j["hardware_tflops_per_gpu"] = p.hardware_tflops_per_gpu;
  j["mfu"] = p.mfu;
  j["hfu"] = p.hfu;
  // Rates scale inversely with the step: the same band, the other way round.
  j["tokens_per_s_band"] = {{"low", p.tokens_per_s * band.low},
                            {"high", p.tokens_per_s * band.high}};
  j["mfu_band"] = {{"low", p.mfu * band.low}, {"high", p.mfu * band.high}};
  j["peak_tflops_per_gpu"] = p.peak_tflops;
  if (s.cluster.gpu.capped()) {
    j["power_limit"] = {{"gpu_power_limit_w", s.cluster.gpu.power_limit.value()},
                        {"tdp_w", s.cluster.gpu.tdp.value()},
                        {"compute_speed", capped_speed(s.cluster.gpu)}};
  }
  if (!p.pools.empty()) {
    j["balance"] = p.balance;
    j["balance_chosen"] = p.balance_chosen;
    j["kinds"] = nlohmann::json::array();
    for (const auto& k : p.pools) {
      j["kinds"].push_back({{"gpu", k.gpu},
                            {"gpus", k.gpus},
                            {"replicas", k.replicas},
                            {"micro_batches_per_replica", k.micro_batches},
                            {"step_time_s", k.step_s}});
    }
  }
  if (s.model.moe) {
    j["moe"] = {{"balancing", s.model.moe->balancing},
                {"ep", p.plan.ep},
                {"etp", expert_tp(p.plan)},
                {"slowest_rank_load", moe_load(s, p.plan)},
                {"alltoall_s", p.step.ep_alltoall.value()},
                {"alltoall_exposed_s", p.step.part("ep_comm").value()}};
  }
  j["memory_gib_per_gpu"] = to_gib(p.memory.total());
  j["memory_gib_allocated"] = to_gib(p.memory.allocated());
  j["memory_allocator"] = stack_or_default(p.plan.stack).allocator;
  j["memory_gib"] = {{"weights", to_gib(p.memory.weights)},
                     {"gradients", to_gib(p.memory.gradients)},
                     {"optimizer", to_gib(p.memory.optimizer)},
                     {"activations", to_gib(p.memory.activations)},
                     {"comm_buffers", to_gib(p.memory.comm_buffers)},
                     {"runtime_reserve", to_gib(p.memory.runtime_reserve)},
                     {"stage", p.memory.stage}};
  if (p.time_to_train_days) {
    j["time_to_train_days_no_failures"] = *p.time_to_train_days;
    // A run that does not finish has no time to train (its days_median is the run model's cap).
    j["time_to_train_days"] = !run                     ? nlohmann::json(*p.time_to_train_days)
                              : run->result.finishes() ? nlohmann::json(run->result.days_median)
                                                       : nlohmann::json(nullptr);
    // The step band only: the failure model's own spread is the run's p10-p90.
    j["time_to_train_days_no_failures_band"] = {{"low", *p.time_to_train_days / band.high},
                                                {"high", *p.time_to_train_days / band.low}};
  }
  if (run && run->fleets) {
    j["time_to_train_days_fleet_range"] = {{"low", run->fleets->low_days},
                                           {"high", run->fleets->high_days},
                                           {"low_profile", run->fleets->low_profile},
                                           {"high_profile", run->fleets->high_profile},
                                           {"finished", run->fleets->finished}};
  }
  if (run) j["run"] = run_json(*run);
  nlohmann::json breakdown = nlohmann::json::object();
  for (const auto& b : p.step.breakdown) breakdown[b.name] = b.time.value();
  j["breakdown"] = breakdown;
  j["critical_stage"] = p.step.critical_stage;
  j["network_model"] = p.network_model;
  if (!p.fabric.empty()) {
    nlohmann::json fabric = nlohmann::json::array();
    for (const auto& r : p.fabric) {
      fabric.push_back({{"collective", to_string(r.kind)},
                        {"algorithm", r.algorithm},
                        {"bytes", r.bytes.value()},
                        {"group_size", r.group_size},
                        {"stride", r.stride},
                        {"groups", r.groups},
                        {"alone_s", r.alone.value()},
                        {"together_s", r.contended.value()},
                        {"slowdown", r.contended.value() / std::max(r.alone.value(), 1e-300)},
                        {"slowed_by", r.groups > 1 && r.contended.value() > 1.01 * r.alone.value()
                                          ? others(r.groups) + " of this collective"
                                          : ""},
                        {"beside_s", r.shared.value()},
                        {"beside", beside_json(r, s.name)},
                        {"busiest_tier", r.busiest_tier},
                        {"busiest_utilisation", r.busiest_utilisation},
                        {"tier_utilisation",
                         {{tier_name[0], r.tier_utilisation[0]},
                          {tier_name[1], r.tier_utilisation[1]},
                          {tier_name[2], r.tier_utilisation[2]},
                          {tier_name[3], r.tier_utilisation[3]}}}});
    }
    j["fabric"] = fabric;
  }
  const Plan& pl = p.plan;
  j["plan_chosen"] = p.plan_chosen;
  j["parallelism"] = plan_keys_json(pl);
  j["gpus"] = s.cluster.gpus;
  j["job_gpus"] = s.cluster.job_gpus();
  j["gpu"] = s.cluster.gpu.id;
  j["params"] = s.model.params();
  j["active_params"] = s.model.active_params();
  j["micro_batches"] = micro_batches(p.plan, s.training);
  return j;
}

nlohmann::json chrome_trace(const Scenario& s, const Prediction& p) {
  nlohmann::json events = nlohmann::json::array();
  std::map<std::pair<int, std::string>, int> threads;
  for (const auto& e : p.step.timeline) {
    auto key = std::make_pair(e.stage, e.stream);
    auto it = threads.find(key);
    if (it == threads.end()) {
      const int tid = static_cast<int>(threads.size());
      it = threads.emplace(key, tid).first;
      events.push_back({{"name", "thread_name"},
                        {"ph", "M"},
                        {"pid", e.stage},
                        {"tid", tid},
                        {"args", {{"name", e.stream}}}});
    }
    nlohmann::json event = {{"name", e.name},
                            {"ph", "X"},
                            {"pid", e.stage},
                            {"tid", it->second},
                            {"ts", e.start.value() * 1e6},
                            {"dur", (e.end - e.start).value() * 1e6}};
    // A pass's time by breakdown part, in milliseconds (shown when the slice is selected).
    for (const auto& [part, t] : e.parts) event["args"][part + "_ms"] = t.value() * 1e3;
    events.push_back(std::move(event));
  }
  // Flow arrows from each pipeline send to the pass that waited for it (a flow starts inside
  // its source slice and binds to the slice enclosing its end point).
  const auto thread_of = [&](const TimelineEvent& e) {
    return threads.at(std::make_pair(e.stage, e.stream));
  };
  long long flow = 0;
  for (const auto& e : p.step.timeline) {
    for (size_t from : e.waits_on) {
      const TimelineEvent& src = p.step.timeline[from];
      const double src_end = src.end.value() * 1e6;
      const double src_start = src.start.value() * 1e6;
      events.push_back({{"name", "pipeline send"},
                        {"cat", "p2p"},
                        {"ph", "s"},
                        {"id", flow},
                        {"pid", src.stage},
                        {"tid", thread_of(src)},
                        {"ts", std::max(src_start, src_end - 1e-3)}});
      events.push_back({{"name", "pipeline send"},
                        {"cat", "p2p"},
                        {"ph", "f"},
                        {"bp", "e"},
                        {"id", flow},
                        {"pid", e.stage},
                        {"tid", thread_of(e)},
                        {"ts", e.start.value() * 1e6}});
      ++flow;
    }
  }
  // The share of the job's GPUs computing over the step (what their power draw follows).
  const auto& share = p.step.compute_share;
  for (size_t i = 0; i < share.size(); ++i) {
    events.push_back({{"name", "GPUs computing"},
                      {"ph", "C"},
                      {"pid", 0},
                      {"ts", p.step.step_time.value() * 1e6 * static_cast<double>(i) /
                                 static_cast<double>(share.size())},
                      {"args", {{"share", share[i]}}}});
  }
  for (int stage = 0; stage < p.plan.pp; ++stage) {
    events.push_back({{"name", "process_name"},
                      {"ph", "M"},
                      {"pid", stage},
                      {"args", {{"name", fmt::format("pipeline stage {}", stage)}}}});
  }
  return {
      {"traceEvents", events}, {"displayTimeUnit", "ms"}, {"otherData", {{"scenario", s.name}}}};
}

namespace {

std::string slow_hosts_line(const SlowHosts& h) {
  if (h.per_node_hour <= 0 && h.lemon_fraction <= 0)
    return "  slow hosts           none (reliability.slow_hosts: no rate is published for a "
           "health-checked dedicated cluster)\n";
  std::string out = fmt::format(
      "  slow hosts           {:.3g} spells per node-day of {} and {:.2g}% lemons, each x{:.2f}: "
      "a slow node in the job {:.1f}% of the time, training {:.1f}% slower\n",
      h.per_node_hour * 24, human_seconds(h.duration.value()), 100 * h.lemon_fraction, h.slowdown,
      100 * h.slow_share, 100 * (h.work_factor - 1));
  if (h.policy == "drop") {
    out += fmt::format(
        "                       dropped {} after detection: {:.2f} planned restarts a day{}\n",
        h.drops_spells ? "spells and lemons" : "lemons", h.drops_per_day,
        h.drops_spells ? "" : " (a spell costs less than a restart: tolerated)");
  }
  return out;
}

}  // namespace

std::string reliability_text(const Scenario& s, const ReliabilityReport& rep) {
  const RunSetup& st = rep.setup;
  const RunResult& r = rep.result;
  std::string out = fmt::format("colossim reliability: {}\n\n", s.name);
  out +=
      fmt::format("  job                  {} GPUs in {} nodes, {} spare nodes, repairs take {}\n",
                  static_cast<long long>(st.job_gpus), st.job_nodes, st.spare_nodes,
                  human_seconds(st.repair.value()));
  const double mtbi = st.rate_per_hour > 0 ? 3600.0 / st.rate_per_hour : 0;
  out +=
      fmt::format("  interruptions        {:.1f} per day expected (one every {}), {} intervals\n",
                  st.rate_per_hour * 24, human_seconds(mtbi), st.distribution);
  out +=
      fmt::format("  checkpoint           {:.0f} GiB, {}: training pauses {}, durable after {}\n",
                  to_gib(st.checkpoint_bytes), st.async_checkpoint ? "asynchronous" : "synchronous",
                  human_seconds(st.pause().value()), human_seconds(st.checkpoint_write.value()));
  out += fmt::format(
      "  restart              {} (detection, relaunch, communicators, checkpoint load)\n",
      human_seconds(st.restart.value()));
  out += slow_hosts_line(st.slow);
  out += fmt::format(
      "  checkpoint interval  Young {}, Daly {}, simulated optimum {}; using {}\n",
      human_seconds(rep.interval.young.value()), human_seconds(rep.interval.daly.value()),
      human_seconds(rep.interval.simulated.value()), human_seconds(rep.interval.chosen.value()));
  out += fmt::format("\n  Monte Carlo, {} trials, seed {}:\n", r.trials, s.reliability.seed);
  if (r.extrapolated_fraction > 0) {
    out += fmt::format(
        "  (bounded work: {:.0f}% of the trials were simulated for their share of 4M events, then "
        "extended at the rate they ran; the p10-p90 spread is the simulated part's, wider than the "
        "whole run's)\n",
        100 * r.extrapolated_fraction);
  }
  if (rep.span_days) {
    out += fmt::format("  span                 {:.1f} days: {:.1f}% of the token budget trained\n",
                       *rep.span_days, 100 * r.progress_fraction);
  } else if (does_not_finish(r)) {
    out += fmt::format("  time to train        does not finish: {}\n", why_unfinished(rep));
  } else {
    out += fmt::format(
        "  time to train        {:.1f} days median (p10 {:.1f}, p90 {:.1f}); {:.1f} without "
        "failures\n",
        r.days_median, r.days_p10, r.days_p90, st.work.value() / 86400.0);
  }
  out += fmt::format(
      "  goodput              {:.1f}% (effective training time; stddev {:.1f} points)\n",
      100 * r.goodput, 100 * r.goodput_stddev);
  out += fmt::format("  interruptions        {:.0f} ({:.1f} per day)\n", r.interruptions_mean,
                     r.interruptions_mean / std::max(r.days_mean, 1e-9));
  out += fmt::format("  lost to failures     {:.1f} days, {} GPU-hours\n", r.days_lost,
                     human_count(r.gpu_hours_lost));
  out += "\n  interruptions by cause (mean per run):\n";
  std::vector<std::pair<double, std::string>> causes;
  for (const auto& [name, n] : r.interruptions_by_cause) causes.emplace_back(-n, name);
  std::sort(causes.begin(), causes.end());
  for (const auto& [neg, name] : causes) out += fmt::format("    {:<24} {:>8.1f}\n", name, -neg);
  if (!rep.what_ifs.empty()) {
    out += "\n  what if (fewer trials each):\n";
    for (const auto& w : rep.what_ifs) {
      out += fmt::format("    {:<34} goodput {:5.1f}%", w.name, 100 * w.goodput);
      if (!rep.span_days) out += fmt::format(", {:.1f} days", w.days_median);
      out += "\n";
    }
  }
  return out;
}

nlohmann::json reliability_json(const Scenario& s, const ReliabilityReport& rep) {
  nlohmann::json j = run_json(rep);
  j["name"] = s.name;
  if (rep.span_days) {
    // Extrapolated from the span's goodput, when there is a budget to extrapolate to.
    j["time_to_train_days"] =
        rep.setup.work.value() > 0 && rep.result.goodput > 0
            ? nlohmann::json(rep.setup.work.value() / 86400.0 / rep.result.goodput)
            : nlohmann::json(nullptr);
  }
  return j;
}

std::string runner_up_reason(const Prediction& best, const Prediction& runner_up) {
  const double loss = runner_up.step.step_time.value() - best.step.step_time.value();
  // Within a thousandth of the step the order is the search's, not a difference to explain.
  if (loss <= 1e-3 * best.step.step_time.value())
    return "the runner-up ties with it (the same step time within 0.1%)";
  std::string worst_part;
  double worst = 0;
  for (size_t i = 0; i < best.step.breakdown.size() && i < runner_up.step.breakdown.size(); ++i) {
    const double d = runner_up.step.breakdown[i].time.value() - best.step.breakdown[i].time.value();
    if (d > worst) {
      worst = d;
      worst_part = best.step.breakdown[i].name;
    }
  }
  std::string out = fmt::format("the runner-up takes {} longer per step", human_seconds(loss));
  if (worst_part.empty()) return out;
  // A part can lose more than the whole when another part gains back some of it.
  if (worst <= loss * (1 + 1e-9))
    return out + fmt::format(", most of it in {} (+{})", worst_part, human_seconds(worst));
  return out +
         fmt::format(": {} +{}, less what it gains elsewhere", worst_part, human_seconds(worst));
}

std::string plan_text(const Scenario& s, const PlanSearch& search,
                      const std::vector<Prediction>& top) {
  std::string out = fmt::format("colossim plan: {}\n\n", s.name);
  Cluster job = s.cluster;
  job.gpus = job.job_gpus();
  out += fmt::format("  {}, {} ({} parameters), {} sequences of {} per step\n", gpu_kinds(job),
                     s.model.name, human_count(static_cast<double>(s.model.params())),
                     s.training.global_batch, s.model.seq_len);
  out += fmt::format(
      "  {} parallel layouts, {} configurations fit in memory, {} simulated (the rest bounded "
      "out)\n\n",
      search.candidates, search.fitting, search.simulated);
  // EP column: "EP" or "EPxETP" with expert TP; VP column: "2V" for DualPipeV's V of chunks.
  out += fmt::format(
      "  {:>2} {:>3} {:>3} {:>3} {:>5} {:>6} {:>3} {:>2} {:>9} {:>4} {:>4} {:>10} {:>6} {:>8}", "#",
      "TP", "PP", "CP", "EP", "DP", "VP", "MB", "recompute", "ZeRO", "prec", "step", "MFU",
      "GiB/GPU");
  const bool moe = s.model.moe.has_value();
  if (moe) out += fmt::format(" {:>10}", "dispatch");
  if (s.training.tokens) out += fmt::format(" {:>8}", "days*");
  out += "\n";
  bool expert_tp_shown = false, v_shown = false;
  std::string selective;  // each selective plan's recomputed modules
  bool selective_differ = false;
  for (size_t i = 0; i < top.size(); ++i) {
    const Prediction& p = top[i];
    const Plan& pl = p.plan;
    const bool etp = pl.ep > 1 && expert_tp(pl) > 1;
    const PipelineSchedule* schedule = find_schedule(pl.schedule);
    const bool v = schedule != nullptr && schedule->v_shape;
    expert_tp_shown = expert_tp_shown || etp;
    v_shown = v_shown || v;
    out += fmt::format(
        "  {:>2} {:>3} {:>3} {:>3} {:>5} {:>6} {:>3} {:>2} {:>9} {:>4} {:>4} {:>10} {:>5.1f}% "
        "{:>8.1f}",
        i + 1, pl.tp, pl.pp, pl.cp,
        etp ? fmt::format("{}x{}", pl.ep, expert_tp(pl)) : std::to_string(pl.ep), pl.dp,
        v ? fmt::format("{}V", pl.virtual_stages) : std::to_string(pl.virtual_stages),
        pl.micro_batch, to_string(pl.recompute), pl.zero,
        pl.precision == Precision::fp8 ? "fp8" : "bf16", human_seconds(p.step.step_time.value()),
        100 * p.mfu, to_gib(p.memory.total()));
    if (moe) {
      const std::string dispatch = pl.ep > 1 ? pl.moe_dispatcher : "-";
      out += fmt::format(" {:>10}", pl.ep > 1 && pl.moe_a2a_overlap ? dispatch + "+ov" : dispatch);
    }
    if (p.time_to_train_days) out += fmt::format(" {:>8.1f}", *p.time_to_train_days);
    out += "\n";
    if (pl.recompute == Recompute::selective) {
      std::string modules;
      for (const auto& m : pl.recompute_modules) modules += (modules.empty() ? "" : ", ") + m;
      if (!selective.empty() && selective.find(modules) == std::string::npos)
        selective_differ = true;
      selective += fmt::format("{}#{} {}", selective.empty() ? "" : "; ", i + 1, modules);
    }
  }
  if (!selective.empty()) {
    if (!selective_differ) selective = selective.substr(selective.find(' ') + 1);
    out += "  selective recompute re-runs " + selective + "\n";
  }
  if (moe) {
    out +=
        "  dispatch: the MoE token dispatcher (alltoall, or deepep: once per node); +ov: EP "
        "all-to-all overlapped with the other micro-batch (moe_a2a_overlap)\n";
  }
  if (s.training.tokens) out += "  days*: time to train without failures (simulate gives both)\n";
  if (expert_tp_shown) out += "  EP 8x2: expert parallel 8, each expert split over 2 GPUs (etp)\n";
  if (v_shown) out += "  VP 2V: the dualpipev schedule, two chunks per stage in a V\n";
  if (top.size() >= 2) out += "\n  why not #2: " + runner_up_reason(top[0], top[1]) + "\n";
  if (!top.empty()) {
    out += "\n  launch the winner with\n";
    out += "    Megatron-LM (@d98e8a64, 2026-08): " + megatron_command(s, top[0].plan) + "\n";
    out += "    NeMo 2.0 (@8cfedd72): " + nemo_command(s, top[0].plan) + "\n";
    out += "    TorchTitan (Python config, 2026+):\n";
    std::string toml = torchtitan_config(s, top[0].plan);
    size_t start = 0;
    while (start < toml.size()) {
      const size_t end = toml.find('\n', start);
      const std::string line = toml.substr(start, end - start);
      out += (line.empty() ? "" : "      " + line) + "\n";
      start = end == std::string::npos ? toml.size() : end + 1;
    }
  }
  return out;
}

nlohmann::json plan_json(const Scenario& s, const PlanSearch& search,
                         const std::vector<Prediction>& top) {
  nlohmann::json j;
  j["name"] = s.name;
  j["candidates"] = search.candidates;
  j["fitting"] = search.fitting;
  j["simulated"] = search.simulated;
  j["plans"] = nlohmann::json::array();
  for (const auto& p : top) {
    const Plan& pl = p.plan;
    nlohmann::json e = plan_keys_json(pl);
    e["step_time_s"] = p.step.step_time.value();
    e["tokens_per_s"] = p.tokens_per_s;
    e["mfu"] = p.mfu;
    e["memory_gib_per_gpu"] = to_gib(p.memory.total());
    if (p.time_to_train_days) {
      e["time_to_train_days_no_failures"] = *p.time_to_train_days;
      // The old key, which meant the failure-free time here; kept one release.
      e["time_to_train_days"] = *p.time_to_train_days;
    }
    j["plans"].push_back(e);
  }
  if (top.size() >= 2) j["runner_up_loses_because"] = runner_up_reason(top[0], top[1]);
  if (!top.empty()) {
    j["launch"] = {{"megatron_lm", megatron_args(s, top[0].plan)},
                   {"megatron_lm_command", megatron_command(s, top[0].plan)},
                   {"nemo", nemo_overrides(s, top[0].plan)},
                   {"nemo_command", nemo_command(s, top[0].plan)},
                   {"torchtitan", torchtitan_config(s, top[0].plan)},
                   // The TOML of TorchTitan before its 2026 Python configs; kept one release.
                   {"torchtitan_toml", torchtitan_toml(s, top[0].plan)}};
  }
  return j;
}

namespace {

std::string mw(Watts w) { return fmt::format("{:.1f} MW", w.value() / 1e6); }
nlohmann::json mw_list(const std::vector<Watts>& watts) {
  nlohmann::json j = nlohmann::json::array();
  for (Watts w : watts) j.push_back(w.value() / 1e6);
  return j;
}
std::string usd(Dollars dollars) {
  const double x = dollars.value();
  if (x >= 1e9) return fmt::format("${:.2f}B", x / 1e9);
  if (x >= 1e6) return fmt::format("${:.1f}M", x / 1e6);
  if (x >= 1e3) return fmt::format("${:.1f}k", x / 1e3);
  return fmt::format("${:.2f}", x);
}

}  // namespace

namespace {

// The run at the two ends of the step-time band (data/trust.yaml): its days scale with the step
// (the failures' share with them), its energy and cost with its days; the capital does not move.
std::pair<CostReport, CostReport> cost_band(const Scenario& s, const FacilityReport& f) {
  const TrustBand band = trust_band(s);
  return {cost_report(s, f.power, f.cost.run_days / band.high),
          cost_report(s, f.power, f.cost.run_days / band.low)};
}

}  // namespace

std::string facility_text(const Scenario& s, const FacilityReport& f) {
  const PowerReport& p = f.power;
  const PowerReport& o = f.other_cooling;
  const CostReport& c = f.cost;
  auto cooling = [](Cooling k) { return k == Cooling::liquid ? "liquid" : "air"; };
  std::string out = fmt::format("colossim facility: {}\n\n", s.name);
  out += fmt::format("  power ({}-cooled, PUE {:.2f})\n", cooling(p.cooling), p.pue);
  const std::string capped = s.cluster.gpu.capped() ? fmt::format(", each capped at {:.0f} W",
                                                                  s.cluster.gpu.power_limit.value())
                                                    : "";
  out += fmt::format("    GPUs at TDP                {:>10}   ({} x {:.0f} W{})\n", mw(p.gpu_tdp),
                     s.cluster.gpus, s.cluster.gpu.tdp.value(), capped);
  out += fmt::format(
      "    GPUs over the step         {:>10}   (average; busy vs waiting from the step)\n",
      mw(p.gpu_avg));
  out += fmt::format("    hosts                      {:>10}\n", mw(p.host));
  out += p.fabric.tiers == 0
             ? fmt::format(
                   "    network                    {:>10}   (one NVLink domain: no "
                   "scale-out fabric)\n",
                   mw(p.network))
             : fmt::format(
                   "    network                    {:>10}   ({} tiers, {} switches, {} "
                   "transceivers)\n",
                   mw(p.network), p.fabric.tiers, p.fabric.total_switches, p.fabric.transceivers);
  out += fmt::format("    storage                    {:>10}\n", mw(p.storage));
  out += fmt::format("    IT average / peak          {:>10} / {}\n", mw(p.it_avg), mw(p.it_peak));
  out += fmt::format("    facility average / peak    {:>10} / {}\n", mw(p.facility_avg),
                     mw(p.facility_peak));
  out += fmt::format(
      "    GPUs within a step         {:>10} to {} ({} swing: pipeline fill and drain, exposed "
      "communication)\n",
      mw(p.gpu_step_min), mw(p.gpu_step_max), mw(p.gpu_step_max - p.gpu_step_min));
  out += fmt::format(
      "    swing when all GPUs stop   {:>10}   (checkpoints, restarts, synchronisation)\n",
      mw(p.swing));
  out += fmt::format(
      "    {}-cooled instead          {:>10} / {} facility average / peak (PUE {:.2f})\n",
      cooling(o.cooling), mw(o.facility_avg), mw(o.facility_peak), o.pue);
  out += fmt::format("\n  energy and cost (prices as of {})\n", c.price_date);
  if (f.unfinished) {
    out +=
        "    run                        does not finish under its failures (colossim "
        "reliability says why): no run time, energy or run cost\n";
  }
  if (c.run_days > 0) {
    out += fmt::format(
        "    run                        {:.1f} days, {:.0f} MWh, {} of electricity, {:.0f} t CO2\n",
        c.run_days, c.energy_mwh, usd(c.electricity), c.carbon_tonnes);
    const auto [low, high] = cost_band(s, f);
    out += fmt::format(
        "    80% band                   {:.1f} - {:.1f} days, {:.0f} - {:.0f} MWh, {} - {} to "
        "run (the step's band)\n",
        low.run_days, high.run_days, low.energy_mwh, high.energy_mwh, usd(low.run), usd(high.run));
  }
  out += fmt::format("    average draw equals        {:.0f} US households ({:.0f} people)\n",
                     c.households, c.people);
  out += fmt::format("    capital                    {} (servers {}, network {}, facility {})\n",
                     usd(c.capital), usd(c.servers), usd(c.network), usd(c.facility));
  if (c.run_days > 0) {
    out += fmt::format(
        "    build: the run costs       {} (depreciation {}, maintenance {}, electricity {})",
        usd(c.run), usd(c.depreciation), usd(c.maintenance), usd(c.electricity));
    out += c.per_million_tokens > Dollars(0)
               ? fmt::format(", {} per million tokens\n", usd(c.per_million_tokens))
               : "\n";
    out += fmt::format("    rent: the same hours cost  {}", usd(c.rent));
    out += c.rent_per_million_tokens > Dollars(0)
               ? fmt::format(", {} per million tokens\n", usd(c.rent_per_million_tokens))
               : "\n";
  }
  if (f.trained_on)
    out += fmt::format("    trained on                 {} (delivered {})\n", *f.trained_on,
                       *s.facility.delivery);
  return out;
}

nlohmann::json facility_json(const Scenario& s, const FacilityReport& f) {
  auto power = [](const PowerReport& p) {
    return nlohmann::json{{"cooling", p.cooling == Cooling::liquid ? "liquid" : "air"},
                          {"pue", p.pue},
                          {"gpu_tdp_mw", p.gpu_tdp.value() / 1e6},
                          {"gpu_average_mw", p.gpu_avg.value() / 1e6},
                          {"host_mw", p.host.value() / 1e6},
                          {"network_mw", p.network.value() / 1e6},
                          {"storage_mw", p.storage.value() / 1e6},
                          {"it_average_mw", p.it_avg.value() / 1e6},
                          {"it_peak_mw", p.it_peak.value() / 1e6},
                          {"facility_average_mw", p.facility_avg.value() / 1e6},
                          {"facility_peak_mw", p.facility_peak.value() / 1e6},
                          {"swing_mw", p.swing.value() / 1e6},
                          {"gpu_step_min_mw", p.gpu_step_min.value() / 1e6},
                          {"gpu_step_max_mw", p.gpu_step_max.value() / 1e6},
                          {"gpu_step_mw", mw_list(p.gpu_step)},
                          {"fabric",
                           {{"tiers", p.fabric.tiers},
                            {"switches", p.fabric.total_switches},
                            {"switches_by_tier", p.fabric.switches},
                            {"optical_links", p.fabric.optical_links},
                            {"copper_links", p.fabric.copper_links},
                            {"transceivers", p.fabric.transceivers}}}};
  };
  const CostReport& c = f.cost;
  nlohmann::json j;
  j["name"] = s.name;
  j["power"] = power(f.power);
  j["other_cooling"] = power(f.other_cooling);
  j["cost"] = {{"price_date", c.price_date},
               {"capital_usd", c.capital.value()},
               {"servers_usd", c.servers.value()},
               {"network_usd", c.network.value()},
               {"facility_usd", c.facility.value()},
               {"run_days", c.run_days},
               {"energy_mwh", c.energy_mwh},
               {"electricity_usd", c.electricity.value()},
               {"carbon_tonnes", c.carbon_tonnes},
               {"households", c.households},
               {"people", c.people},
               {"depreciation_usd", c.depreciation.value()},
               {"maintenance_usd", c.maintenance.value()},
               {"run_usd", c.run.value()},
               {"usd_per_million_tokens", c.per_million_tokens.value()},
               {"rent_usd", c.rent.value()},
               {"rent_usd_per_million_tokens", c.rent_per_million_tokens.value()},
               {"run_finishes", !f.unfinished}};
  if (c.run_days > 0) {
    const auto [low, high] = cost_band(s, f);
    j["cost"]["run_days_band"] = {{"low", low.run_days}, {"high", high.run_days}};
    j["cost"]["energy_mwh_band"] = {{"low", low.energy_mwh}, {"high", high.energy_mwh}};
    j["cost"]["run_usd_band"] = {{"low", low.run.value()}, {"high", high.run.value()}};
  }
  if (f.trained_on) j["trained_on"] = *f.trained_on;
  return j;
}

std::string compare_text(const std::vector<CompareEntry>& entries) {
  std::string out = fmt::format(
      "{:<34} {:>8} {:>9} {:>12} {:>6} {:>9} {:>9} {:>9} {:>10} {:>9} {:>10}\n", "scenario", "GPUs",
      "days", "trained on", "MFU", "avg MW", "peak MW", "MWh", "run cost", "$/Mtok", "rent");
  const CompareEntry* base = entries.empty() ? nullptr : &entries.front();
  auto days = [](const CompareEntry& e) { return e.facility.cost.run_days; };
  // Without a run time (no token budget, or a run that does not finish) the run's columns are
  // "-" and its ratios are not given.
  const auto has_run = [&](const CompareEntry& e) { return days(e) > 0; };
  for (const auto& e : entries) {
    const CostReport& c = e.facility.cost;
    const bool run = has_run(e);
    out += fmt::format(
        "{:<34} {:>8} {:>9} {:>12} {:>5.1f}% {:>9.1f} {:>9.1f} {:>9} {:>10} {:>9} {:>10}\n",
        e.scenario.name.substr(0, 34), e.scenario.cluster.gpus,
        run                     ? fmt::format("{:.1f}", days(e))
        : e.facility.unfinished ? std::string("no finish")
                                : std::string("-"),
        e.facility.trained_on.value_or("-"), 100 * e.prediction.mfu,
        e.facility.power.facility_avg.value() / 1e6, e.facility.power.facility_peak.value() / 1e6,
        run ? fmt::format("{:.0f}", c.energy_mwh) : "-", run ? usd(c.run) : "-",
        run && c.per_million_tokens > Dollars(0) ? usd(c.per_million_tokens) : "-",
        run ? usd(c.rent) : "-");
  }
  if (entries.size() >= 2 && base != nullptr) {
    out += fmt::format("\nratios to {}:\n", base->scenario.name);
    for (size_t i = 1; i < entries.size(); ++i) {
      const CompareEntry& e = entries[i];
      auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
      out += fmt::format(
          "  {:<32} MFU {:.2f}x, facility power {:.2f}x", e.scenario.name.substr(0, 32),
          ratio(e.prediction.mfu, base->prediction.mfu),
          ratio(e.facility.power.facility_avg.value(), base->facility.power.facility_avg.value()));
      if (has_run(e) && has_run(*base)) {
        out += fmt::format(", days {:.2f}x, energy {:.2f}x, run cost {:.2f}x, rent {:.2f}x",
                           ratio(days(e), days(*base)),
                           ratio(e.facility.cost.energy_mwh, base->facility.cost.energy_mwh),
                           ratio(e.facility.cost.run.value(), base->facility.cost.run.value()),
                           ratio(e.facility.cost.rent.value(), base->facility.cost.rent.value()));
      }
      out += "\n";
    }
  }
  return out;
}

nlohmann::json compare_json(const std::vector<CompareEntry>& entries) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& e : entries) {
    nlohmann::json row = prediction_json(e.scenario, e.prediction, e.run);
    row["facility"] = facility_json(e.scenario, e.facility);
    j.push_back(row);
  }
  return nlohmann::json{{"scenarios", j}};
}

std::string catalog_text(const Catalog& c) {
  std::string out = "GPUs (dense peaks; memory as the driver reports it):\n";
  out += fmt::format("  {:<16} {:>9} {:>9} {:>9} {:>10} {:>12} {:>10} {:>6}\n", "id", "BF16 TF",
                     "FP8 TF", "HBM GiB", "HBM TB/s", "NVLink GB/s", "host GB/s", "TDP W");
  for (const auto& g : c.gpus()) {
    out +=
        fmt::format("  {:<16} {:>9.0f} {:>9} {:>9.1f} {:>10.2f} {:>12.0f} {:>10.0f} {:>6.0f}\n",
                    g.id, to_tflops(g.peak_bf16),
                    g.peak_fp8 ? fmt::format("{:.0f}", to_tflops(*g.peak_fp8)) : std::string("-"),
                    to_gib(g.hbm), g.hbm_bandwidth.value() / 1e12, g.nvlink_bandwidth.value() / 1e9,
                    g.host_bandwidth.value() / 1e9, g.tdp.value());
  }
  out += "\nNodes:\n";
  for (const auto& n : c.nodes()) {
    out += fmt::format("  {:<16} {} GPUs, NVLink domain {}, NIC {}, {:.1f} kW   {}\n", n.id, n.gpus,
                       n.nvlink_domain, n.nic, n.power_kw, n.name);
  }
  out += "\nNICs:\n";
  for (const auto& n : c.nics()) {
    out += fmt::format("  {:<16} {:>5.0f} Gb/s  {:<16} {}\n", n.id, n.bandwidth.value() * 8 / 1e9,
                       n.fabric, n.name);
  }
  out += "\nSources: `colossim catalog --json` lists the source of every entry.\n";
  return out;
}

nlohmann::json catalog_json(const Catalog& c) {
  nlohmann::json j;
  for (const auto& g : c.gpus()) {
    nlohmann::json e = {{"id", g.id},
                        {"name", g.name},
                        {"architecture", g.architecture},
                        {"sms", g.sms},
                        {"peak_bf16_tflops", to_tflops(g.peak_bf16)},
                        {"hbm_gib", to_gib(g.hbm)},
                        {"hbm_bandwidth_gbyte_s", g.hbm_bandwidth.value() / 1e9},
                        {"nvlink_bandwidth_gbyte_s", g.nvlink_bandwidth.value() / 1e9},
                        {"host_bandwidth_gbyte_s", g.host_bandwidth.value() / 1e9},
                        // The old names (GB/s despite "gbps"), kept one release.
                        {"hbm_bandwidth_gbps", g.hbm_bandwidth.value() / 1e9},
                        {"nvlink_bandwidth_gbps", g.nvlink_bandwidth.value() / 1e9},
                        {"tdp_w", g.tdp.value()},
                        {"node", g.node},
                        {"source", g.source}};
    if (g.peak_fp8) e["peak_fp8_tflops"] = to_tflops(*g.peak_fp8);
    j["gpus"].push_back(e);
  }
  for (const auto& n : c.nodes()) {
    j["nodes"].push_back({{"id", n.id},
                          {"name", n.name},
                          {"gpus", n.gpus},
                          {"nvlink_domain", n.nvlink_domain},
                          {"nic", n.nic},
                          {"nics_per_gpu", n.nics_per_gpu},
                          {"power_kw", n.power_kw},
                          {"host_slowdown", n.host_slowdown},
                          {"source", n.source}});
  }
  for (const auto& n : c.nics()) {
    j["nics"].push_back({{"id", n.id},
                         {"name", n.name},
                         {"gbps", n.bandwidth.value() * 8 / 1e9},
                         {"fabric", n.fabric},
                         {"latency_us", n.latency.value() * 1e6},
                         {"source", n.source}});
  }
  return j;
}

std::string validation_text(const ValidationReport& r) {
  std::string out = fmt::format("{:<44} {:<24} {:>12} {:>12} {:>8}\n", "case", "metric", "measured",
                                "predicted", "error");
  for (const auto& c : r.cases) {
    if (!c.refusal.empty()) {
      out += fmt::format("{:<44} {:<24} {:>12.4g} {:>12} {:>8}  {}\n", c.id, c.metric, c.measured,
                         "-", "refused", c.refusal);
      continue;
    }
    out += fmt::format("{:<44} {:<24} {:>12.4g} {:>12.4g} {:>+7.1f}%{}\n", c.id, c.metric,
                       c.measured, c.predicted, 100 * c.error, c.how.empty() ? "" : "  " + c.how);
  }
  out += "\nby group:\n";
  for (const auto& [name, g] : r.groups) {
    out += fmt::format("  {:<58} {:>3} cases  MAPE {:5.1f}%  worst {:5.1f}%\n", name, g.cases,
                       100 * g.mape, 100 * g.worst);
  }
  if (!r.series.empty()) {
    out +=
        "\nscaling series (per-GPU throughput, most GPUs against fewest: measured, predicted):\n";
    for (const auto& s : r.series) {
      out += fmt::format("  {:<66} {:>5}-{:<5} {:>+6.1f}% {:>+6.1f}%  ({:+.1f} points)\n", s.name,
                         s.gpus_low, s.gpus_high, 100 * s.measured_change, 100 * s.predicted_change,
                         100 * (s.predicted_change - s.measured_change));
    }
  }
  const int predicted = static_cast<int>(r.cases.size()) - r.refused;
  out +=
      fmt::format("\n{} cases, {} predicted, {} refused\n", r.cases.size(), predicted, r.refused);
  out += fmt::format("mean absolute percentage error: {:.1f}%\n", 100 * r.mape);
  out += fmt::format("worst case: {} ({:.1f}%)\n", r.worst_id, 100 * r.worst);
  if (r.trust_cases > 0) {
    out += fmt::format(
        "step-time bands (80%, data/trust.yaml) hold the measurement for {} of {} cases\n",
        r.trust_inside, r.trust_cases);
  }
  return out;
}

nlohmann::json validation_json(const ValidationReport& r) {
  nlohmann::json j;
  j["mape"] = r.mape;
  j["worst"] = r.worst;
  j["worst_case"] = r.worst_id;
  j["refused"] = r.refused;
  if (r.trust_cases > 0)
    j["trust_coverage"] = {{"inside", r.trust_inside}, {"cases", r.trust_cases}};
  j["cases"] = nlohmann::json::array();
  for (const auto& c : r.cases) {
    nlohmann::json e = {{"id", c.id},         {"group", c.group},       {"file", c.file},
                        {"metric", c.metric}, {"measured", c.measured}, {"source", c.source}};
    if (c.refusal.empty()) {
      e["predicted"] = c.predicted;
      e["error"] = c.error;
      if (!c.how.empty()) e["how"] = c.how;
    } else {
      e["refusal"] = c.refusal;
    }
    j["cases"].push_back(e);
  }
  for (const auto& [name, g] : r.groups)
    j["groups"][name] = {{"cases", g.cases}, {"mape", g.mape}, {"worst", g.worst}};
  for (const auto& s : r.series) {
    j["scaling_series"].push_back({{"series", s.name},
                                   {"gpus_low", s.gpus_low},
                                   {"gpus_high", s.gpus_high},
                                   {"points", s.points},
                                   {"measured_change", s.measured_change},
                                   {"predicted_change", s.predicted_change}});
  }
  return j;
}

}  // namespace colossim
