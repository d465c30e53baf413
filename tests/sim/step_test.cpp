#include "sim/step.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "plan/pipeline.hpp"
#include "report/report.hpp"
#include "run/prediction.hpp"
#include "sim/cost_model.hpp"
#include "test_support.hpp"

using namespace colossim;
using colossim::testing::FreeNetwork;
using colossim::testing::scenario;

namespace {

StepResult run(const Scenario& s) {
  const Calibration cal = Calibration::builtin();
  FreeNetwork net;
  return simulate_step(StepInputs{s.model, s.cluster, s.plan, s.training, net,
                                  cal.for_architecture(s.cluster.gpu.architecture)});
}

// A part of the breakdown by name; a missing part fails the test (NaN also fails any
// comparison it reaches).
double part(const StepResult& r, const std::string& name) {
  for (const auto& b : r.breakdown) {
    if (b.name == name) return b.time.value();
  }
  ADD_FAILURE() << "no part \"" << name << "\" in the breakdown";
  return std::nan("");
}

std::string pipeline_yaml(int pp, int m, int v) {
  const std::string sched = v > 1 ? "interleaved" : "1f1b";
  return "cluster: {gpu: h100-sxm-80gb, gpus: " + std::to_string(pp) +
         "}\n"
         // A small vocabulary keeps the first and last stages as loaded as the others.
         "model: {layers: 32, hidden: 4096, ffn_hidden: 16384, heads: 32, vocab: 1024, seq_len: "
         "2048, mlp: gelu}\n"
         "training: {global_batch: " +
         std::to_string(m) +
         "}\n"
         "parallelism: {pp: " +
         std::to_string(pp) + ", virtual_stages: " + std::to_string(v) + ", schedule: " + sched +
         ", zero: 0}\n";
}

// Every collective takes the same time.
class ConstantNetwork final : public NetworkModel {
 public:
  explicit ConstantNetwork(Seconds t) : t_(t) {}
  [[nodiscard]] Seconds time(Collective, Bytes, const CommGroup&) const override { return t_; }
  [[nodiscard]] std::string name() const override { return "constant"; }

 private:
  Seconds t_;
};

StepResult run_on(const Scenario& s, const NetworkModel& net) {
  const Calibration cal = Calibration::builtin();
  return simulate_step(StepInputs{s.model, s.cluster, s.plan, s.training, net,
                                  cal.for_architecture(s.cluster.gpu.architecture)});
}

// The step of `yaml` (which ends in an open boolean flag) with the flag on, then off.
std::pair<StepResult, StepResult> flag_on_off(const std::string& yaml, const NetworkModel& net) {
  return {run_on(scenario(yaml + "true}\n"), net), run_on(scenario(yaml + "false}\n"), net)};
}

}  // namespace

TEST(Step, BreakdownSumsToStepTime) {
  const Verdict v = predict(scenario(pipeline_yaml(4, 16, 2)), Calibration::builtin());
  ASSERT_TRUE(v.prediction);
  double sum = 0;
  for (const auto& b : v.prediction->step.breakdown) sum += b.time.value();
  EXPECT_NEAR(sum, v.prediction->step.step_time.value(), 1e-9 * sum);
}

// 1F1B on p stages with m micro-batches and free communication: the bubble is (p-1) forward and
// backward slots, a fraction (p-1)/(m+p-1) of the step (Narayanan et al. 2021, Sec 2.2.1). The
// first and last stages carry the embedding and loss, so allow a few percent.
TEST(Step, OneFOneBBubbleEmergesFromTheSchedule) {
  for (int m : {4, 8, 32}) {
    const StepResult r = run(scenario(pipeline_yaml(4, m, 1)));
    const double expected = 3.0 / (m + 3.0);
    EXPECT_NEAR(part(r, "pp_bubble") / r.step_time.value(), expected, 0.04) << "m=" << m;
  }
}

// Interleaving with v chunks per stage divides the bubble by v.
TEST(Step, InterleavingShrinksTheBubble) {
  const StepResult plain = run(scenario(pipeline_yaml(4, 8, 1)));
  const StepResult inter = run(scenario(pipeline_yaml(4, 8, 2)));
  EXPECT_LT(part(inter, "pp_bubble"), 0.65 * part(plain, "pp_bubble"));
  EXPECT_LT(inter.step_time.value(), plain.step_time.value());
}

TEST(Step, GPipeAndOneFOneBTakeTheSameTimeWithoutMemoryLimits) {
  Scenario a = scenario(pipeline_yaml(4, 8, 1));
  Scenario b = a;
  b.plan.schedule = "gpipe";
  EXPECT_NEAR(run(a).step_time.value(), run(b).step_time.value(), 0.02 * run(a).step_time.value());
}

TEST(Step, FullRecomputeCostsAboutOneMoreForward) {
  Scenario a = scenario(pipeline_yaml(1, 8, 1));
  Scenario b = a;
  b.plan.recompute = Recompute::full;
  const StepResult ra = run(a), rb = run(b);
  EXPECT_NEAR(part(rb, "recompute"), part(ra, "forward_compute"),
              0.05 * part(ra, "forward_compute"));
  // Hardware FLOPs count the recomputed forward: about 4/3 of model FLOPs.
  EXPECT_NEAR(rb.hardware_flops / rb.model_flops, 4.0 / 3.0, 0.03);
}

// Full recompute on a share of the layers re-runs that share of their forwards.
TEST(Step, RecomputeFractionRecomputesThatShareOfTheLayers) {
  Scenario full = scenario(pipeline_yaml(1, 8, 1));
  full.plan.recompute = Recompute::full;
  Scenario half = full;
  half.plan.recompute_fraction = 0.5;
  const StepResult rf = run(full), rh = run(half);
  EXPECT_NEAR(part(rh, "recompute"), 0.5 * part(rf, "recompute"), 1e-9 * part(rf, "recompute"));
  EXPECT_NEAR(rh.hardware_flops / rh.model_flops - 1,
              0.5 * (rf.hardware_flops / rf.model_flops - 1), 1e-9);
}

namespace {

// Records every collective's kind, bytes and group size; each takes 1 ms.
class RecordingNetwork final : public NetworkModel {
 public:
  struct Call {
    Collective kind;
    double bytes;
    long long size;
  };
  [[nodiscard]] Seconds time(Collective kind, Bytes bytes, const CommGroup& g) const override {
    calls.push_back({kind, bytes.value(), g.size});
    return Seconds(1e-3);
  }
  [[nodiscard]] std::string name() const override { return "recording"; }
  mutable std::vector<Call> calls;
};

}  // namespace

// Hybrid sharding (FSDP's HYBRID_SHARD): gathers and reduce-scatters run in the shard group, and
// each shard's gradients are then all-reduced across its replicas; a shard group of the whole
// data-parallel group is plain FSDP.
TEST(Step, HybridShardingGathersInShardsAndAllReducesAcrossReplicas) {
  const std::string yaml =
      "cluster: {gpu: h100-sxm-80gb, gpus: 32}\nmodel: {preset: llama3-8b, seq_len: 2048}\n"
      "training: {global_batch: 32, framework: pytorch-fsdp}\nparallelism: {zero: 3";
  RecordingNetwork hybrid_net, plain_net, whole_net;
  (void)run_on(scenario(yaml + ", dp_shard: 8}\n"), hybrid_net);
  double scattered = 0, all_reduced = 0;
  for (const auto& c : hybrid_net.calls) {
    if (c.kind == Collective::all_gather || c.kind == Collective::reduce_scatter)
      EXPECT_EQ(c.size, 8);
    if (c.kind == Collective::reduce_scatter) scattered += c.bytes;
    if (c.kind == Collective::all_reduce) {
      EXPECT_EQ(c.size, 4);
      all_reduced += c.bytes;
    }
  }
  ASSERT_GT(scattered, 0);
  EXPECT_NEAR(all_reduced, scattered / 8, 1e-6 * scattered);
  const StepResult plain = run_on(scenario(yaml + "}\n"), plain_net);
  const StepResult whole = run_on(scenario(yaml + ", dp_shard: 32}\n"), whole_net);
  EXPECT_DOUBLE_EQ(plain.step_time.value(), whole.step_time.value());
  for (const auto& c : plain_net.calls) EXPECT_NE(c.kind, Collective::all_reduce);
}

TEST(Step, DataParallelGradientReductionOverlapsBackward) {
  const std::string yaml =
      "cluster: {gpu: a100-sxm-80gb, gpus: 64}\nmodel: {preset: llama3-8b, seq_len: 4096}\n"
      "training: {global_batch: 64}\nparallelism: {tp: 1, zero: 1, grad_reduce_fp32: true, "
      "overlap_grad_reduce: ";
  const Calibration cal = Calibration::builtin();
  const Verdict on = predict(scenario(yaml + "true}\n"), cal);
  const Verdict off = predict(scenario(yaml + "false}\n"), cal);
  ASSERT_TRUE(on.prediction && off.prediction);
  EXPECT_LT(on.prediction->step.step_time.value(), off.prediction->step.step_time.value());
}

TEST(Step, SameInputSameOutput) {
  const Scenario s = default_scenario(colossim::testing::catalog());
  const Calibration cal = Calibration::builtin();
  const auto a = prediction_json(s, colossim::testing::predicted(s)).dump();
  const auto b = prediction_json(s, colossim::testing::predicted(s)).dump();
  EXPECT_EQ(a, b);
}

TEST(Pipeline, OneFOneBOrderHasWarmupSteadyCooldown) {
  const auto order = stage_order("1f1b", 4, 1, 0, 8);
  ASSERT_EQ(order.size(), 16u);
  // Stage 0 of 4: three warm-up forwards, then alternate, then three backwards.
  EXPECT_TRUE(order[0].forward && order[1].forward && order[2].forward && order[3].forward);
  EXPECT_FALSE(order[4].forward);
  EXPECT_FALSE(order[15].forward);
  EXPECT_EQ(order[15].micro_batch, 7);
}

TEST(Pipeline, UnevenLayersUseEmbeddingAndLossSlots) {
  Model m = *find_preset("llama3-405b");  // 126 layers on 8 x 8 chunks: 126 + 2 = 128
  EXPECT_TRUE(layers_split_evenly(m, 8, 8));
  const PipelineLayout l = make_layout(m, 8, 8);
  EXPECT_EQ(l.chunks.front().layers.size(), 1u);
  EXPECT_EQ(l.chunks.back().layers.size(), 1u);
  EXPECT_EQ(l.chunks[1].layers.size(), 2u);
}

// DualPipeV lays the 2 pp chunks out as a V: stage s holds chunk s and chunk 2 pp - 1 - s, so
// stage 0 holds the embedding and the loss. Each stage runs every micro-batch forward and
// backward once per chunk, forward first; its F&B pairs are the ones DualPipeV's steps 4 and 5
// overlap (2 per micro-batch of the steady state, one fewer at the turn of the V, plus step 5);
// stage 0 holds at most 2 pp + 1 chunks' activations (DualPipe README: PP + 1 stages).
TEST(Pipeline, DualPipeVRunsEveryPassOnceOnAV) {
  const Model m = *find_preset("llama3-8b");  // 32 layers
  const int pp = 4;
  const long long mbs = 12;
  const PipelineLayout l = make_layout(m, pp, 2, false, true);
  for (int s = 0; s < pp; ++s) {
    EXPECT_EQ(l.chunk(s, 0).model_chunk, s);
    EXPECT_EQ(l.chunk(s, 1).model_chunk, 2 * pp - 1 - s);
    EXPECT_EQ(l.chunk(s, 1).stage, s);
  }
  EXPECT_TRUE(l.chunk(0, 0).has_embedding);
  EXPECT_TRUE(l.chunk(0, 1).has_output);
  for (int s = 0; s < pp; ++s) {
    const auto order = stage_order("dualpipev", pp, 2, s, mbs);
    std::map<std::tuple<bool, int, long long>, size_t> at;
    long long live = 0, peak = 0, pairs = 0;
    for (size_t i = 0; i < order.size(); ++i) {
      const auto& it = order[i];
      EXPECT_TRUE(
          at.emplace(std::make_tuple(it.forward, it.local_chunk, it.micro_batch), i).second);
      live += it.forward ? 1 : -1;
      peak = std::max(peak, live);
      if (it.paired) {
        ++pairs;
        EXPECT_TRUE(it.forward && i + 1 < order.size() && !order[i + 1].forward);
      }
    }
    ASSERT_EQ(at.size(), static_cast<size_t>(4 * mbs)) << "stage " << s;
    for (const auto& [key, i] : at) {
      if (!std::get<0>(key)) continue;
      EXPECT_LT(i, at.at(std::make_tuple(false, std::get<1>(key), std::get<2>(key))));
    }
    const long long steady = mbs - 2 * pp + s + 1;
    EXPECT_EQ(pairs, 2 * steady - (s == pp - 1 ? 1 : 0) + (pp - s - 1)) << "stage " << s;
    if (s == 0) {
      EXPECT_EQ(peak, 2 * pp + 1);
    }
  }
}

// Multi-token-prediction modules sit on the last chunk before the loss and take a layer's slot:
// DeepSeek-V3's 61 layers + 1 MTP module split as NeMo's recipe sets them on 16 stages (3 layers
// first, 2 + MTP last) and as Megatron-Bridge's layout "Et|(tt|)*30mL" on 32 chunks.
TEST(Pipeline, MultiTokenPredictionTakesTheLastChunksSlot) {
  const Model m = *find_preset("deepseek-v3");
  ASSERT_EQ(m.mtp_layers, 1);
  const PipelineLayout sixteen = make_layout(m, 16, 1, true);
  EXPECT_EQ(sixteen.chunks.front().layers.size(), 3u);
  EXPECT_EQ(sixteen.chunks[1].layers.size(), 4u);
  EXPECT_EQ(sixteen.chunks.back().layers.size(), 2u);
  const PipelineLayout thirty_two = make_layout(m, 8, 4, true);
  EXPECT_EQ(thirty_two.chunks.front().layers.size(), 1u);
  EXPECT_EQ(thirty_two.chunks[1].layers.size(), 2u);
  EXPECT_EQ(thirty_two.chunks.back().layers.size(), 0u);
  EXPECT_TRUE(thirty_two.chunks.back().has_output);
  // Every layer placed once, every middle chunk holding one, even when the slots are tight.
  const PipelineLayout tight = make_layout(m, 63, 1, true);
  size_t placed = 0;
  for (size_t c = 0; c < tight.chunks.size(); ++c) {
    placed += tight.chunks[c].layers.size();
    if (c > 0 && c + 1 < tight.chunks.size()) {
      EXPECT_GE(tight.chunks[c].layers.size(), 1u) << c;
    }
  }
  EXPECT_EQ(placed, 61u);
}

// An MTP module is a block like the last layer plus the 2h x h projection and the shared head
// once more: model FLOPs grow by exactly that, and the last stage runs it before the loss.
TEST(Step, MultiTokenPredictionRunsOnTheLastStage) {
  Model with = *find_preset("deepseek-v3");
  Model without = with;
  without.mtp_layers = 0;
  const double s = 4096;
  Shard one;
  one.seq_len = 4096;
  double block = 0, head = 0;
  for (const auto& op : layer_work(with, with.layers - 1, one).ops) block += 3 * op.flops;
  for (const auto& op : output_work(with, one).ops) head += op.flops + op.bwd_flops;
  const double projection = 3 * 2.0 * s * 2 * with.hidden * with.hidden;
  EXPECT_NEAR((model_flops_per_token(with, 4096) - model_flops_per_token(without, 4096)) * s,
              block + head + projection, 1e-9 * (block + head + projection));
  const Scenario sc = scenario(
      "cluster: {gpu: h100-sxm-80gb, gpus: 1024}\nmodel: {preset: deepseek-v3}\n"
      "training: {global_batch: 256}\nparallelism: {tp: 2, pp: 16, ep: 64, dp: 32, "
      "uneven_stages: true, recompute: full}\n");
  const Calibration cal = Calibration::builtin();
  FreeNetwork net;
  StepInputs in{sc.model, sc.cluster, sc.plan, sc.training, net, cal.for_architecture("hopper")};
  in.record_timeline = true;
  const StepResult r = simulate_step(in);
  bool last_stage_runs_it = false, elsewhere = false;
  for (const auto& e : r.timeline) {
    if (e.name.find("multi-token prediction") == std::string::npos) continue;
    (e.stage == 15 ? last_stage_runs_it : elsewhere) = true;
  }
  EXPECT_TRUE(last_stage_runs_it);
  EXPECT_FALSE(elsewhere);
}

// TP communication hidden under the GEMMs holds Transformer Engine's userbuffer SMs: 1 for the
// all-gather side (a copy-engine ring exchange), 16 for the reduce-scatter side, 8.5 on average
// of the A100's 108, so the compute beside it loses 8.5/108 of the hidden time; with the overlap
// off nothing is hidden and nothing is lost.
TEST(Step, HiddenTpCommunicationSlowsTheGemmsBesideIt) {
  const std::string yaml =
      "cluster: {gpu: a100-sxm-80gb, gpus: 8}\nmodel: {preset: llama3-8b, seq_len: 4096}\n"
      "training: {global_batch: 8}\nparallelism: {tp: 8, sequence_parallel: true, "
      "recompute: none, tp_comm_overlap: ";
  const auto [on, off] = flag_on_off(yaml, ConstantNetwork(Seconds(1e-3)));
  const double hidden = part(off, "tp_comm") - part(on, "tp_comm");
  ASSERT_GT(hidden, 0);
  EXPECT_NEAR(part(on, "comm_interference"), 8.5 / 108 * hidden, 1e-9 * hidden);
  EXPECT_EQ(part(off, "comm_interference"), 0.0);
}

// Under current scaling each FP8 sequence-parallel tensor's amax is all-reduced over the TP group
// before its gather (data/fp8_recipes.yaml): one more TP collective beside each of a layer's
// gathers, forward and backward, and none without sequence parallelism or under delayed scaling.
TEST(Step, CurrentScalingReducesEachAmaxOverTheTpGroup) {
  const std::string yaml =
      "cluster: {gpu: h100-sxm-80gb, gpus: 8}\nmodel: {preset: llama3-8b, seq_len: 4096}\n"
      "training: {global_batch: 8, precision: fp8, fp8_recipe: ";
  const std::string plan = "}\nparallelism: {tp: 8, recompute: none, sequence_parallel: ";
  const ConstantNetwork net(Seconds(1e-3));
  const double delayed =
      part(run_on(scenario(yaml + "delayed" + plan + "true}\n"), net), "tp_comm");
  const double current =
      part(run_on(scenario(yaml + "current" + plan + "true}\n"), net), "tp_comm");
  // The layers' TP collectives double; the embedding's and the output layer's do not.
  EXPECT_GT(current, 1.8 * delayed);
  EXPECT_LT(current, 2.0 * delayed);
  EXPECT_EQ(part(run_on(scenario(yaml + "current" + plan + "false}\n"), net), "tp_comm"),
            part(run_on(scenario(yaml + "delayed" + plan + "false}\n"), net), "tp_comm"));
}

// Gradient reductions overlapping the backward slow it by their SM share (24/108 on A100) of
// the time they ran beside it: nothing when they take no time, more when they take longer, and
// never more than that share of the step they ran in.
TEST(Step, OverlappedGradientReductionsSlowTheBackward) {
  const Scenario s = scenario(
      "cluster: {gpu: a100-sxm-80gb, gpus: 64}\nmodel: {preset: llama3-8b, seq_len: 4096}\n"
      "training: {global_batch: 64}\nparallelism: {tp: 1, zero: 1, overlap_grad_reduce: true}\n");
  const StepResult fast = run_on(s, ConstantNetwork(Seconds(1e-3)));
  const StepResult slow = run_on(s, ConstantNetwork(Seconds(2e-3)));
  EXPECT_EQ(part(run(s), "comm_interference"), 0.0);
  EXPECT_GT(part(fast, "comm_interference"), 0.0);
  EXPECT_NEAR(part(slow, "comm_interference"), 2 * part(fast, "comm_interference"),
              0.05 * part(slow, "comm_interference"));
  const double before = slow.step_time.value() - part(slow, "comm_interference");
  EXPECT_LE(part(slow, "comm_interference"), 24.0 / 108 * before);
}

// Recomputing a whole MoE block re-runs its dispatch and combine: on 8 GPUs with EP 8, every
// layer's two all-to-alls come back in the recompute, and nothing else of the network does.
TEST(Step, RecomputedMoeBlocksDispatchAgain) {
  const Scenario s = scenario(
      "cluster: {gpu: h100-sxm-80gb, gpus: 8}\nmodel: {preset: mixtral-8x7b, seq_len: 4096}\n"
      "training: {global_batch: 8}\nparallelism: {tp: 1, ep: 8, dp: 8, recompute: selective, "
      "recompute_modules: [moe]}\n");
  const double t = 1e-3;
  const StepResult free = run(s);
  const StepResult busy = run_on(s, ConstantNetwork(Seconds(t)));
  ASSERT_GT(part(free, "recompute"), 0);
  EXPECT_NEAR(part(busy, "recompute") - part(free, "recompute"), s.model.layers * 2 * t, 1e-9);
}

// With the EP all-to-all overlapped (1F1B), a micro-batch's forward dispatch and combine hide
// under another's backward and its backward ones under a forward: all of it here (each piece of
// compute outlasts the all-to-all beside it) but the first forward's and the last backward's,
// which have no partner; the hidden time holds the dispatcher's SMs.
TEST(Step, OverlappedAllToAllsHideUnderTheOtherMicroBatch) {
  const std::string yaml =
      "cluster: {gpu: h100-sxm-80gb, gpus: 8}\nmodel: {preset: mixtral-8x7b, seq_len: 4096}\n"
      "training: {global_batch: 64}\nparallelism: {tp: 1, ep: 8, dp: 8, moe_dispatcher: deepep, "
      "moe_a2a_overlap: ";
  const auto [on, off] = flag_on_off(yaml, ConstantNetwork(Seconds(1e-4)));
  ASSERT_GT(part(off, "ep_comm"), 0);
  const Scenario s = scenario(yaml + "true}\n");
  EXPECT_NEAR(part(on, "ep_comm"), s.model.layers * 2 * 2 * 1e-4, 1e-9);
  // DeepEP's 20 SMs of 132 over the hidden time (the data-parallel part is the same in both).
  const double hidden = part(off, "ep_comm") - part(on, "ep_comm");
  EXPECT_NEAR(part(on, "comm_interference") - part(off, "comm_interference"), 20.0 / 132 * hidden,
              1e-3 * hidden);
}

// Megatron's EP overlap pairs each all-to-all with one piece of the other micro-batch's compute
// (combine_bwd beside attn_fwd, dispatch_fwd beside the experts' backward, dispatch_bwd before
// the experts' forward, combine_fwd beside attn_bwd): an all-to-all longer than the attention
// forward beside it shows by the difference, although the backward pass alone would cover all
// four. With 1F1B on one stage every forward but the first is paired; each pair exposes T - A_f,
// the unpaired forward and backward their two all-to-alls each.
TEST(Step, OverlappedAllToAllsHideOnlyUnderThePieceBesideThem) {
  const std::string yaml =
      "cluster: {gpu: h100-sxm-80gb, gpus: 8}\nmodel: {preset: mixtral-8x7b, seq_len: 4096}\n"
      "training: {global_batch: 64}\nparallelism: {tp: 1, ep: 8, dp: 8, recompute: none, "
      "moe_dispatcher: deepep, moe_a2a_overlap: true}\n";
  const Scenario s = scenario(yaml);
  const Calibration calibration = Calibration::builtin();
  const CostModel cost(s.cluster.gpu, s.plan.precision, calibration.for_architecture("hopper"),
                       job_pace(8));
  double attention_f = 0, experts_f = 0, experts_b = 0, attention_b = 0;
  for (const auto& op : layer_work(s.model, 0, shard_of(s.plan, s.model)).ops) {
    const OpTime t = cost.time(op, s.model.seq_len);
    const bool mlp = (op.module == "moe" || op.module == "moe_act") && op.name != "router" &&
                     op.name != "permute";
    (mlp ? experts_f : attention_f) += t.forward.value();
    (mlp ? experts_b : attention_b) += t.backward.value();
  }
  const double a2a = 1.5 * attention_f;
  // The other pieces cover their all-to-all; the whole backward covers all four.
  ASSERT_GT(attention_b, a2a);
  ASSERT_GT(experts_b / 2, a2a);
  ASSERT_GT(experts_b + attention_b, 4 * a2a);
  const StepResult r = run_on(s, ConstantNetwork(Seconds(a2a)));
  // Every pass's two all-to-alls count in the step's total, hidden or not.
  EXPECT_NEAR(r.ep_alltoall.value(), s.model.layers * 8 * 2 * 2 * a2a, 1e-9 * a2a);
  EXPECT_EQ(r.part("ep_comm").value(), part(r, "ep_comm"));
  const double micro_batches = 64.0 / 8;
  const double expected = s.model.layers * ((micro_batches - 1) * (a2a - attention_f) / 2 * 2 +
                                            /* the unpaired forward and backward */ 2 * 2 * a2a);
  EXPECT_NEAR(part(r, "ep_comm"), expected, 1e-6 * expected);
}

// DualPipeV on pp stages runs each stage's work with less idle time than 1F1B on the same
// stages (the V sends each micro-batch back up the stages it came down), and its F&B pairs
// overlap the all-to-alls whether or not the stack's EP overlap is asked for.
TEST(Step, DualPipeVShrinksTheBubbleAndOverlapsAllToAlls) {
  Scenario one = scenario(pipeline_yaml(4, 16, 1));
  Scenario dual = one;
  dual.plan.schedule = "dualpipev";
  dual.plan.virtual_stages = 2;
  const StepResult a = run(one), b = run(dual);
  EXPECT_GT(part(b, "pp_bubble"), 0);
  EXPECT_LT(part(b, "pp_bubble"), 0.75 * part(a, "pp_bubble"));
  EXPECT_NEAR(part(b, "forward_compute"), part(a, "forward_compute"),
              0.01 * part(a, "forward_compute"));

  const std::string moe =
      "cluster: {gpu: h100-sxm-80gb, gpus: 16}\nmodel: {preset: mixtral-8x7b, seq_len: 4096}\n"
      "training: {global_batch: 64}\nparallelism: {tp: 1, pp: 2, ep: 8, dp: 8, "
      "schedule: dualpipev, moe_a2a_overlap: ";
  const auto [on, off] = flag_on_off(moe, ConstantNetwork(Seconds(1e-4)));
  EXPECT_EQ(part(on, "ep_comm"), part(off, "ep_comm"));
  Scenario looped = scenario(moe + "false}\n");
  looped.plan.schedule = "interleaved";
  const StepResult plain = run_on(looped, ConstantNetwork(Seconds(1e-4)));
  EXPECT_LT(part(off, "ep_comm"), 0.5 * part(plain, "ep_comm"));
}

// A synchronous job computes at its slowest GPU's pace: with 1.1% per-GPU speed spread
// (data/variability.yaml) the compute of the same per-GPU work grows by 1.1% x (Z_2048 - Z_8)
// from 8 to 2,048 data-parallel GPUs.
TEST(Step, TheSlowestGpuPacesTheJob) {
  EXPECT_EQ(job_pace(1), 1.0);
  EXPECT_NEAR(job_pace(8), 1 + 0.011 * 1.4236, 1e-4);
  const auto at = [](int gpus) {
    return run(
        scenario("cluster: {gpu: h100-sxm-80gb, gpus: " + std::to_string(gpus) +
                 "}\nmodel: {preset: llama3-8b}\ntraining: {global_batch: " + std::to_string(gpus) +
                 "}\nparallelism: {tp: 1, pp: 1, dp: " + std::to_string(gpus) + "}\n"));
  };
  const StepResult small = at(8), large = at(2048);
  // At the mean GPU's speed the compute is the same; the rest waits for the slowest GPU.
  EXPECT_NEAR(part(large, "forward_compute") / part(small, "forward_compute"), 1.0, 1e-9);
  const auto compute = [](const StepResult& r) {
    return part(r, "forward_compute") + part(r, "backward_compute");
  };
  EXPECT_NEAR(part(large, "slowest_gpu"), compute(large) * (job_pace(2048) - 1), 1e-12);
  EXPECT_NEAR(
      (compute(large) + part(large, "slowest_gpu")) / (compute(small) + part(small, "slowest_gpu")),
      job_pace(2048) / job_pace(8), 1e-9);
}

// The host launches every kernel (data/stacks.yaml host_us); a layer too small to keep the GPU
// busy for that long waits for its launches. Tiny layers on an eager stack: the step is at
// least the launches of every layer and micro-batch; a compiled XLA stack launches for less.
TEST(Step, SmallLayersWaitForTheHost) {
  const std::string yaml =
      "cluster: {gpu: h100-sxm-80gb, gpus: 1}\n"
      "model: {layers: 4, hidden: 256, ffn_hidden: 1024, heads: 4, vocab: 1024, seq_len: 128}\n"
      "training: {global_batch: 4, framework: ";
  const Scenario eager = scenario(yaml + "torchtitan}\nparallelism: {recompute: none}\n");
  const StepResult r = run(eager);
  ASSERT_GT(part(r, "host_overhead"), 0);
  Shard shard = shard_of(eager.plan, eager.model);
  double kernels_fwd = 0, kernels_bwd = 0;
  for (const auto& op : layer_work(eager.model, 0, shard).ops) {
    kernels_fwd += op.kernels_fwd;
    kernels_bwd += op.kernels_bwd;
  }
  const double launches = 4.0 * 4.0 * (kernels_fwd * 6.8e-6 + kernels_bwd * 3.6e-6);
  EXPECT_GE(r.step_time.value(), launches);
  const StepResult xla = run(scenario(yaml + "maxtext}\nparallelism: {recompute: none}\n"));
  EXPECT_LT(part(xla, "host_overhead"), part(r, "host_overhead"));
  // Llama 3 8B layers at 8k tokens keep the GPU busy far longer than their launches.
  const StepResult big =
      run(scenario("cluster: {gpu: h100-sxm-80gb, gpus: 8}\nmodel: {preset: llama3-8b}\n"
                   "training: {global_batch: 8, framework: torchtitan}\nparallelism: {tp: 8}\n"));
  EXPECT_EQ(part(big, "host_overhead"), 0.0);
}

// Offloaded activations cross the GPU's host link beside the compute: over an H100's PCIe Gen5
// (64 GB/s) a layer's copies outlast its compute and the rest is exposed; over a GB200's
// NVLink-C2C (450 GB/s) the compute covers them.
TEST(Step, ActivationOffloadIsExposedWhereTheHostLinkIsSlowerThanTheCompute) {
  const auto offload = [](const std::string& gpu) {
    const Prediction p = colossim::testing::predicted(colossim::testing::scenario(
        "cluster: {gpu: " + gpu +
        ", gpus: 64}\nmodel: {preset: qwen3-30b-a3b}\ntraining: {global_batch: 128, "
        "precision: bf16}\nparallelism: {tp: 1, pp: 2, cp: 1, ep: 8, micro_batch: 2, zero: 1, "
        "recompute: none, offload_modules: [attn_norm, qkv_linear, core_attn, attn_proj, "
        "mlp_norm, expert_fc1, moe_act]}\n"));
    return p.step.part("activation_offload").value();
  };
  EXPECT_GT(offload("h100-sxm-80gb"), 0);
  EXPECT_DOUBLE_EQ(offload("gb200"), 0);
}

// A dropless MoE layer's forward stops the host to read its token counts, so the host's lead
// during attention does not carry over to the experts' launches: where launching a layer takes
// as long as running it (Qwen3-30B-A3B at 256 tokens a micro-batch on B200), the GPU waits for
// the host more than the layer's launches exceed its work. Padded to a capacity, the same layer
// needs no sync and waits only for that excess (here none).
TEST(Step, ADroplessMoeLayerWaitsForTheHostAfterItsSync) {
  const std::string yaml =
      "cluster: {gpu: b200, gpus: 8}\nmodel: {preset: qwen3-30b-a3b, seq_len: 256, moe: "
      "{balancing: forced, capacity_factor: ";
  const std::string plan =
      "}}\ntraining: {global_batch: 64, precision: bf16}\nparallelism: {tp: 1, pp: 1, ep: 8, "
      "dp: 8, micro_batch: 1, recompute: none}\n";
  const StepResult dropless = run(scenario(yaml + "0" + plan));
  const StepResult padded = run(scenario(yaml + "1.0" + plan));
  EXPECT_NEAR(part(dropless, "forward_compute"), part(padded, "forward_compute"),
              1e-9 * part(padded, "forward_compute"));
  EXPECT_GT(part(dropless, "host_overhead"), part(padded, "host_overhead") + 1e-3);
  EXPECT_GT(dropless.step_time.value(), padded.step_time.value());
}

// A context-parallel ring step waits for its slowest hop: with CP 16 over two 8-GPU nodes one
// hop of each step crosses the network, so a slower NIC slows the ring (it was priced on NVLink
// whatever the NIC: the same step at 25 and 400 Gb/s).
TEST(Step, AContextParallelRingAcrossNodesWaitsForTheNetwork) {
  const std::string yaml = "cluster: {gpu: h100-sxm-80gb, gpus: 16, network: {nic_gbps: ";
  const std::string rest =
      "}}\nmodel: {preset: llama3-8b, seq_len: 131072}\ntraining: {global_batch: 1}\n"
      "parallelism: {tp: 1, pp: 1, cp: 16, dp: 1, micro_batch: 1, recompute: full}\n";
  const StepResult fast = colossim::testing::predicted(scenario(yaml + "400" + rest)).step;
  const StepResult slow = colossim::testing::predicted(scenario(yaml + "25" + rest)).step;
  EXPECT_GT(part(slow, "cp_comm"), part(fast, "cp_comm") + 0.1);
}

// A GB200 tray's Grace CPU takes 2.75x an x86 host's time per launch (data/hardware/nodes.yaml):
// a small model the x86 host keeps ahead of becomes host-bound there, the same GPUs otherwise.
TEST(Step, AGraceHostLaunchesSlowerThanAnX86One) {
  const auto on = [](const std::string& node) {
    return run(scenario("cluster: {gpu: gb200, gpus: 8, node: " + node +
                        "}\nmodel: {preset: llama3-8b, seq_len: 256}\ntraining: {global_batch: "
                        "64, precision: bf16}\nparallelism: {tp: 1, pp: 1, dp: 8, micro_batch: 1, "
                        "recompute: none}\n"));
  };
  const StepResult grace = on("gb200-nvl72");
  const StepResult x86 = on("hgx-b200-8");
  EXPECT_NEAR(part(grace, "forward_compute"), part(x86, "forward_compute"),
              1e-9 * part(x86, "forward_compute"));
  EXPECT_GT(part(grace, "host_overhead"), part(x86, "host_overhead") + 1e-3);
  EXPECT_GT(grace.step_time.value(), x86.step_time.value());
}
