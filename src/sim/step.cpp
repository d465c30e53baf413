#include "sim/step.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <deque>
#include <map>
#include <utility>

#include "net/nccl_model.hpp"
#include "plan/memory.hpp"
#include "plan/pipeline.hpp"
#include "plan/placement.hpp"
#include "sim/cost_model.hpp"
#include "workload/operators.hpp"
#include "workload/routing.hpp"

namespace colossim {
namespace {

// Kinds of busy time on a compute stream, and of idle time (what the stream waited for).
enum Part : int {
  kForward,
  kBackward,
  kRecompute,
  kTpComm,
  kCpComm,
  kEpComm,
  kOptimizer,
  kPipelineBubble,
  kDpComm,
  kInterference,
  kHost,
  kStraggler,
  kOffload,
  kNumParts
};
constexpr std::array<const char*, kNumParts> kPartNames = {
    "forward_compute", "backward_compute", "recompute",         "tp_comm", "cp_comm",
    "ep_comm",         "optimizer",        "pp_bubble",         "dp_comm", "comm_interference",
    "host_overhead",   "slowest_gpu",      "activation_offload"};

// Bytes per parameter moved by data-parallel communication: gradients in FP32 or BF16 as the
// plan keeps them (Plan::grad_reduce_fp32), parameters gathered in BF16.
constexpr double kParamGatherBytes = 2.0;
// Adam step, per parameter: read FP32 master, m, v and grad (16 B), write master, m, v (12 B)
// and the BF16 copy (2 B), plus reading the grad for the global norm (4 B).
constexpr double kOptimizerBytesPerParam = 34.0;
// Megatron-Core DDP bucket: max(40M parameters, 1M x data-parallel size)
// (megatron/core/distributed/distributed_data_parallel.py).
constexpr double kBucketParams = 40e6;
// SMs DeepEP's dispatch and combine kernels hold: DeepSeek-V3 dedicates 20 of the H800's 132
// SMs to communication (DeepSeek-V3 Technical Report, arXiv 2412.19437, Sec 3.2.2).
constexpr double kDeepEpSms = 20;
constexpr double kBucketParamsPerDpRank = 1e6;
// SMs Transformer Engine's userbuffers hold while they overlap TP communication with a GEMM
// (Megatron-Core --tp-comm-overlap): by default the all-gather side runs as a ring exchange on
// the copy engines with 1 SM, the reduce-scatter side ("pipeline" after proj/fc2 forward, "bulk"
// beside the dgrad/wgrad GEMMs) on 16 SMs (TransformerEngine transformer_engine/pytorch/module/
// base.py initialize_ub, get_default_config): half the overlapped communication each, 8.5 SMs.
constexpr double kUserbufferSms = (1.0 + 16.0) / 2.0;

using Profile = std::array<double, kNumParts>;

double total(const Profile& p) {
  double t = 0;
  for (double x : p) t += x;
  return t;
}

enum class TaskKind : unsigned char { compute, transfer, dp_comm };
// What a task is, for the timeline: forward/backward of a layer (or of the embedding, -1, or
// the output, -2), the optimizer, a send, a parameter gather or a gradient reduction.
enum class What : unsigned char {
  forward,
  backward,
  optimizer,
  send_forward,
  send_backward,
  gather,
  reduce
};
constexpr int kEmbeddingUnit = -1;
constexpr int kOutputUnit = -2;
constexpr int kMtpUnit = -3;  // a multi-token-prediction module

struct Task {
  int resource = 0;
  TaskKind kind = TaskKind::compute;
  int profile = -1;
  double duration = 0;
  std::vector<int> deps;
  int prev = -1;  // previous task on the same resource
  double start = 0;
  double end = 0;
  int binding = -1;  // the input that decided the start, when it was not the resource
  What what = What::forward;
  int unit = 0;  // layer index, kEmbeddingUnit, kOutputUnit or kMtpUnit
  long long micro_batch = -1;
};

// Max-plus evaluation of a task graph where each resource runs its tasks in creation order.
class Engine {
 public:
  explicit Engine(int resources) : last_(static_cast<size_t>(resources), -1) {}

  int add(int resource, TaskKind kind, double duration, int profile = -1) {
    Task t;
    t.resource = resource;
    t.kind = kind;
    t.duration = duration;
    t.profile = profile;
    t.prev = last_[static_cast<size_t>(resource)];
    const int id = static_cast<int>(tasks_.size());
    last_[static_cast<size_t>(resource)] = id;
    tasks_.push_back(std::move(t));
    return id;
  }
  void label(int task, What what, int unit = 0, long long micro_batch = -1) {
    Task& t = tasks_[static_cast<size_t>(task)];
    t.what = what;
    t.unit = unit;
    t.micro_batch = micro_batch;
  }
  void depend(int task, int on) {
    if (on >= 0) tasks_[static_cast<size_t>(task)].deps.push_back(on);
  }

  void run() {
    const size_t n = tasks_.size();
    std::vector<int> indegree(n, 0);
    std::vector<std::vector<int>> next(n);
    for (size_t i = 0; i < n; ++i) {
      const Task& t = tasks_[i];
      for (int d : t.deps) next[static_cast<size_t>(d)].push_back(static_cast<int>(i));
      if (t.prev >= 0) next[static_cast<size_t>(t.prev)].push_back(static_cast<int>(i));
      indegree[i] = static_cast<int>(t.deps.size()) + (t.prev >= 0 ? 1 : 0);
    }
    std::deque<int> ready;
    for (size_t i = 0; i < n; ++i) {
      if (indegree[i] == 0) ready.push_back(static_cast<int>(i));
    }
    size_t done = 0;
    while (!ready.empty()) {
      const int id = ready.front();
      ready.pop_front();
      Task& t = tasks_[static_cast<size_t>(id)];
      double start = t.prev >= 0 ? tasks_[static_cast<size_t>(t.prev)].end : 0.0;
      for (int d : t.deps) {
        const double e = tasks_[static_cast<size_t>(d)].end;
        if (e > start) {
          start = e;
          t.binding = d;
        }
      }
      t.start = start;
      t.end = start + t.duration;
      ++done;
      for (int s : next[static_cast<size_t>(id)]) {
        if (--indegree[static_cast<size_t>(s)] == 0) ready.push_back(s);
      }
    }
    assert(done == n && "the schedule's task graph has a cycle");
    (void)done;
  }

  [[nodiscard]] const std::vector<Task>& tasks() const { return tasks_; }
  [[nodiscard]] const Task& task(int id) const { return tasks_[static_cast<size_t>(id)]; }

 private:
  std::vector<Task> tasks_;
  std::vector<int> last_;
};

// Parameters held by one GPU: dense ones, reduced over the data-parallel group, and the routed
// experts', reduced over the expert-data-parallel group (plan/placement.hpp).
struct Params {
  double dense = 0, expert = 0;
  [[nodiscard]] double total() const { return dense + expert; }
  Params& operator+=(const Params& o) {
    dense += o.dense;
    expert += o.expert;
    return *this;
  }
};

// Where a MoE layer's all-to-alls sit inside its pass when nothing hides them (for the
// timeline): `before` the first, each `one` long, `between` them.
struct AllToAllPlacement {
  double before = 0, one = 0, between = 0;
  [[nodiscard]] bool present() const { return one > 0; }
};

struct LayerProfiles {
  Profile forward{};
  Profile backward{};  // includes recomputation of the forward when the plan asks for it
  Params params;
  AllToAllPlacement forward_a2a, backward_a2a;
  double a2a_total = 0;  // the pass's dispatch and combine, each direction, hidden or not
};

// A MoE layer's compute on the two sides of its all-to-alls, as Megatron-Core's EP overlap
// splits it (TransformerLayerSchedulePlan in megatron/core/models/common/
// model_chunk_schedule_plan.py): "attn" (attention, norms, router, permutation) and "mlp" (the
// experts, shared experts, unpermutation). Backward of the mlp side in two: input gradients
// (with any recompute, which runs first) and weight gradients.
struct LayerSides {
  double attention_f = 0, attention_b = 0, mlp_f = 0, mlp_input_grad = 0, mlp_weight_grad = 0;
  void add(const Operator& op, const OpTime& t, double recomputed_share) {
    const bool mlp = (op.module == "moe" || op.module == "moe_act") && op.name != "router" &&
                     op.name != "permute";
    const double recompute = recomputed_share * t.forward.value();
    if (mlp) {
      mlp_f += t.forward.value();
      mlp_input_grad += recompute + (t.backward - t.weight_grad).value();
      mlp_weight_grad += t.weight_grad.value();
    } else {
      attention_f += t.forward.value();
      attention_b += recompute + t.backward.value();
    }
  }
};

// One forward and one backward of a MoE layer run together by Megatron-Core's EP overlap, on a
// compute and a communication stream, each node waiting for its inputs
// (TransformerLayerSchedulePlan.run):
//   communication: combine_bwd | dispatch_fwd -> dispatch_bwd              | combine_fwd
//   compute:       attn_fwd    | mlp_bwd -> mlp_bwd_dw -> mlp_fwd          | attn_bwd
// Every all-to-all takes `a2a`. Returns the pair's time beyond its compute: what the overlap
// leaves exposed (0 when each all-to-all fits under the compute beside it).
double paired_exposure(double a2a, const LayerSides& s) {
  const double phase1 = std::max(a2a, s.attention_f);  // combine_bwd | attn_fwd
  const double dispatch_f = phase1 + a2a;
  const double input_grad = phase1 + s.mlp_input_grad;
  const double weight_grad = input_grad + s.mlp_weight_grad;
  const double dispatch_b = std::max(dispatch_f, input_grad) + a2a;
  const double mlp_f = std::max(weight_grad, dispatch_f) + s.mlp_f;
  const double combine_f = std::max(mlp_f, dispatch_b) + a2a;
  const double attention_b = std::max(mlp_f, dispatch_b) + s.attention_b;
  const double compute =
      s.attention_f + s.attention_b + s.mlp_f + s.mlp_input_grad + s.mlp_weight_grad;
  const double exposed = std::max(combine_f, attention_b) - compute;
  return exposed > 1e-12 * compute ? exposed : 0.0;  // not a rounding residue
}

class StepBuilder {
 public:
  explicit StepBuilder(const StepInputs& in)
      : in_(in),
        plan_(in.plan),
        zero_(zero_in_effect(in.plan)),
        model_(in.model),
        shard_(shard_of(in.plan, in.model)),
        cost_(in.cluster.gpu, in.plan.precision, in.calibration,
              job_pace(static_cast<long long>(in.plan.tp) * in.plan.cp * in.plan.dp * in.plan.pp),
              stack_or_default(in.plan.stack).fp8_weight_cache,
              find_fp8_recipe(in.plan.fp8_recipe)),
        groups_(place_groups(in.plan, in.cluster)),
        layout_(layout_of(in.model, in.plan)),
        micro_batches_(micro_batches(in.plan, in.training)),
        engine_(4 * in.plan.pp) {
    bucket_params_ =
        std::max(kBucketParams, kBucketParamsPerDpRank * static_cast<double>(groups_.dp.size));
    // FSDP-style stacks gather and reduce each wrapped unit (a transformer block) on its own.
    const Stack& stack = stack_or_default(in.plan.stack);
    if (stack.dp_per_unit) bucket_params_ = 0;
  }

  // The MoE block of `layer` alone (moe_block_time).
  BlockTime moe_block(int layer) const {
    LayerWork w = layer_work(model_, layer, shard_);
    std::erase_if(w.ops,
                  [](const Operator& op) { return op.module != "moe" && op.module != "moe_act"; });
    w.comm.tp_collectives = 0;
    w.comm.cp_bytes = 0;
    const LayerProfiles p = profile_of(w, false);
    return {Seconds(total(p.forward)), Seconds(total(p.backward))};
  }

  StepResult run() {
    const int pp = plan_.pp;
    const int chunks = pp * plan_.virtual_stages;
    const size_t slots = static_cast<size_t>(chunks) * static_cast<size_t>(micro_batches_);
    first_fwd_.assign(slots, -1);
    last_fwd_.assign(slots, -1);
    first_bwd_.assign(slots, -1);
    last_bwd_.assign(slots, -1);
    send_fwd_.assign(slots, -1);
    send_bwd_.assign(slots, -1);
    for (int stage = 0; stage < pp; ++stage) build_stage(stage);
    // Inputs that come from other stages.
    for (int c = 0; c < chunks; ++c) {
      for (long long i = 0; i < micro_batches_; ++i) {
        if (c > 0) engine_.depend(first_fwd_[slot(c, i)], send_fwd_[slot(c - 1, i)]);
        if (c < chunks - 1) {
          engine_.depend(first_bwd_[slot(c, i)], send_bwd_[slot(c + 1, i)]);
        } else {
          engine_.depend(first_bwd_[slot(c, i)], last_fwd_[slot(c, i)]);
        }
      }
    }
    engine_.run();
    return summarise();
  }

 private:
  [[nodiscard]] size_t slot(int model_chunk, long long mb) const {
    return static_cast<size_t>(model_chunk) * static_cast<size_t>(micro_batches_) +
           static_cast<size_t>(mb);
  }
  int compute_res(int stage) const { return stage; }
  int dp_res(int stage) const { return plan_.pp + stage; }
  int fwd_link(int stage) const { return 2 * plan_.pp + stage; }
  int bwd_link(int stage) const { return 3 * plan_.pp + stage; }

  // The share of forward passes the schedule runs beside a backward (ScheduleItem::paired),
  // over all stages.
  double paired_share() const {
    if (paired_share_ < 0) {
      double paired = 0, forwards = 0;
      for (int stage = 0; stage < plan_.pp; ++stage) {
        for (const auto& item :
             stage_order(plan_.schedule, plan_.pp, plan_.virtual_stages, stage, micro_batches_)) {
          forwards += item.forward ? 1 : 0;
          paired += item.paired ? 1 : 0;
        }
      }
      paired_share_ = forwards > 0 ? paired / forwards : 0.0;
    }
    return paired_share_;
  }

  // Forward and backward passes overlap: under Megatron-Core's EP overlap, or always in a
  // schedule built on it (DualPipe).
  bool overlaps_passes() const {
    const PipelineSchedule* s = find_schedule(plan_.schedule);
    return plan_.moe_a2a_overlap || (s != nullptr && s->always_overlaps);
  }

  // Busy time of one layer-like unit of work, forward and backward, by part.
  LayerProfiles profile_of(const LayerWork& w, bool is_layer) const {
    LayerProfiles p;
    double gemm_f = 0, gemm_b = 0, attn_f = 0, attn_b = 0, recomputed_f = 0;
    LayerSides sides;
    for (const auto& op : w.ops) {
      const OpTime t = cost_.time(op, model_.seq_len);
      p.forward[kForward] += t.forward.value();
      p.backward[kBackward] += t.backward.value();
      recomputed_f += recomputed(op) * t.forward.value();
      sides.add(op, t, recomputed(op));
      if (op.kind == OpKind::gemm) {
        gemm_f += t.forward.value();
        gemm_b += t.backward.value();
      }
      if (op.attention_core) {
        attn_f += t.forward.value();
        attn_b += t.backward.value();
      }
    }
    const LayerComm& c = w.comm;
    if (c.tp_collectives > 0) {
      const double one =
          in_.network.time(Collective::all_reduce, Bytes(c.tp_bytes), groups_.tp).value();
      const double comm = c.tp_collectives * one;
      auto exposed = [&](double gemm) {
        if (!plan_.tp_comm_overlap) return comm;
        return std::max(comm - gemm, comm * in_.calibration.tp_overlap_exposed);
      };
      p.forward[kTpComm] = exposed(gemm_f);
      p.backward[kTpComm] = exposed(gemm_b);
      // The hidden part runs beside the GEMMs on SMs they lose (interference_of): the
      // userbuffers' SMs under TP overlap.
      const double share = std::min(1.0, kUserbufferSms / std::max(1, in_.cluster.gpu.sms));
      p.forward[kInterference] = share * (comm - p.forward[kTpComm]);
      p.backward[kInterference] = share * (comm - p.backward[kTpComm]);
      // Current scaling all-reduces the amax of each FP8 sequence-parallel tensor over the TP
      // group before gathering it (data/fp8_recipes.yaml): a column-parallel input forward and
      // a row-parallel output gradient backward per TP collective pair, each on the critical
      // path (its cast waits for the scale).
      const Fp8Recipe* recipe = find_fp8_recipe(plan_.fp8_recipe);
      if (is_layer && plan_.precision == Precision::fp8 && plan_.sequence_parallel &&
          recipe != nullptr && recipe->tp_amax_reduction) {
        const double amax =
            c.tp_collectives *
            in_.network.time(Collective::all_reduce, Bytes(sizeof(float)), groups_.tp).value();
        p.forward[kTpComm] += amax;
        p.backward[kTpComm] += amax;
      }
    }
    if (c.cp_bytes > 0) {
      // Every ring step waits for its slowest hop: across NVLink domains when the CP group
      // spans several, however many of its hops stay inside one.
      const bool across = groups_.cp.domains() > 1;
      CommGroup pair;
      pair.size = 2;
      pair.per_domain = !across && groups_.cp.per_domain >= 2 ? 2 : 1;
      pair.stride = across ? std::max<long long>(groups_.cp.stride, in_.cluster.nvlink_domain)
                           : groups_.cp.stride;
      const double steps = plan_.cp - 1;
      const double one =
          in_.network.time(Collective::send_recv, Bytes(c.cp_bytes / steps), pair).value();
      // Ring attention overlaps each K/V hop with the attention on the previous block.
      p.forward[kCpComm] = std::max(0.0, steps * one - attn_f);
      p.backward[kCpComm] = std::max(0.0, 2.0 * steps * one - attn_b);
    }
    if (c.ep_alltoalls > 0) {
      // A deduplicating dispatcher sends less: across nodes a token crosses the network once
      // per node (the all-to-all across nodes is network-bound, so its bytes scale by that
      // share), inside one NVLink domain it goes once to each rank.
      const long long domains = groups_.ep.domains();
      const double share = plan_.moe_dispatcher != "deepep" ? 1.0
                           : domains > 1 ? deduplicated_network_share(model_, domains)
                                         : deduplicated_rank_share(model_, groups_.ep.size);
      const Bytes bytes(c.ep_bytes * share);
      // With expert TP each all-to-all is followed (dispatch) or preceded (combine) by the ETP
      // group's all-gather or reduce-scatter of the same tokens: part of the same step.
      const double etp =
          c.etp_bytes > 0
              ? in_.network.time(Collective::all_gather, Bytes(c.etp_bytes), groups_.etp).value()
              : 0.0;
      const double comm =
          c.ep_alltoalls *
          (in_.network.time(Collective::all_to_all, bytes, groups_.ep).value() + etp);
      p.forward[kEpComm] = comm;
      p.backward[kEpComm] = comm;
      p.a2a_total = comm;
      // Forward: attention, dispatch, experts, combine; backward the reverse, after any
      // recompute (the timeline's placement; the overlap below hides them instead).
      const double one = comm / c.ep_alltoalls;
      p.forward_a2a = {sides.attention_f + p.forward[kTpComm] + p.forward[kCpComm], one,
                       sides.mlp_f};
      p.backward_a2a = {0, one, sides.mlp_input_grad + sides.mlp_weight_grad};
      if (overlaps_passes()) {
        p.forward_a2a = p.backward_a2a = {};
        // Megatron-Core's overlap_moe_expert_parallel_comm: in the 1F1B steady state one
        // micro-batch's forward of a layer runs beside another's backward of it, each one's
        // dispatch and combine under pieces of the other's compute (paired_exposure); warm-up
        // forwards and cool-down backwards have no partner and expose theirs. The pair's
        // exposure is split evenly between its forward and its backward; the hidden part holds
        // the dispatcher's SMs (interference).
        sides.attention_f += p.forward[kTpComm] + p.forward[kCpComm];
        sides.attention_b += p.backward[kTpComm] + p.backward[kCpComm];
        const double paired = paired_share();
        const double exposed =
            (1 - paired) * comm + paired * paired_exposure(comm / c.ep_alltoalls, sides) / 2;
        p.forward[kEpComm] = exposed;
        p.backward[kEpComm] = exposed;
        const double sms = plan_.moe_dispatcher == "deepep"
                               ? std::min(1.0, kDeepEpSms / std::max(1, in_.cluster.gpu.sms))
                               : sm_share(Collective::all_gather, bytes, groups_.ep);
        p.forward[kInterference] += sms * (comm - p.forward[kEpComm]);
        p.backward[kInterference] += sms * (comm - p.backward[kEpComm]);
      }
    }
    if (is_layer) {
      if (plan_.recompute == Recompute::full) {
        p.backward[kRecompute] = plan_.recompute_fraction *
                                 (p.forward[kForward] + p.forward[kTpComm] + p.forward[kCpComm] +
                                  p.forward[kEpComm] + p.forward[kInterference]);
      } else if (plan_.recompute == Recompute::selective) {
        // A recomputed MoE block dispatches and combines its tokens again.
        const bool moe = std::find(plan_.recompute_modules.begin(), plan_.recompute_modules.end(),
                                   "moe") != plan_.recompute_modules.end();
        p.backward[kRecompute] = recomputed_f + (moe ? p.forward[kEpComm] : 0.0);
      }
    }
    if (p.backward_a2a.present()) p.backward_a2a.before = p.backward[kRecompute];
    host_bound(w, p);
    if (is_layer) offload(w, p);
    p.params = {w.params - w.expert_params, w.expert_params};
    return p;
  }

  // The host launches every kernel of a unit (data/stacks.yaml host_us: the framework's Python
  // and the ATen dispatcher forward, the autograd engine backward, on the x86 hosts they were
  // measured on; the node's CPU takes host_slowdown times as long, data/hardware/nodes.yaml);
  // launches are asynchronous, so the GPU waits only when launching takes longer than running:
  // the excess is host_overhead.
  void host_bound(const LayerWork& w, LayerProfiles& p) const {
    const Stack& stack = stack_or_default(plan_.stack);
    const Launch us{stack.host_us_forward * in_.cluster.node.host_slowdown,
                    stack.host_us_backward * in_.cluster.node.host_slowdown};
    if (us.python <= 0 && us.native <= 0) return;
    // Launches from Python cost the forward figure, those from C++ loops (and backward's, from
    // autograd's C++ engine) the backward one.
    double fwd = 0, bwd = 0, recomputed_fwd = 0, native_fwd = 0, recomputed_native = 0;
    for (const auto& op : w.ops) {
      const Launch forward = forward_launches(op);
      fwd += forward.python;
      native_fwd += forward.native;
      // Transformer Engine quantizes a GEMM's FP8 output gradient from C++ too.
      bwd += op.kernels_bwd + cost_.fp8_cast_kernels(op);
      recomputed_fwd += recomputed(op) * forward.python;
      recomputed_native += recomputed(op) * forward.native;
    }
    const double collectives = w.comm.tp_collectives + w.comm.ep_alltoalls;
    fwd += collectives;
    bwd += collectives;
    if (p.backward[kRecompute] > 0 && plan_.recompute == Recompute::full) {
      recomputed_fwd = plan_.recompute_fraction * fwd;
      recomputed_native = plan_.recompute_fraction * native_fwd;
    }
    const double host_f = 1e-6 * (us.python * fwd + us.native * native_fwd);
    const double host_b =
        1e-6 * (us.native * (bwd + recomputed_native) + us.python * recomputed_fwd);
    p.forward[kHost] = std::max(0.0, host_f - total(p.forward));
    p.backward[kHost] = std::max(0.0, host_b - total(p.backward));
    p.forward[kHost] = std::max(p.forward[kHost], synced_forward_wait(w, p, us));
  }

  // Kernel launches from Python and from C++: host microseconds per launch, or an operator's
  // launch counts.
  struct Launch {
    double python = 0, native = 0;
  };
  // An operator's forward launches: from Python, and from C++ loops (a grouped GEMM's per-expert
  // calls, Transformer Engine's FP8 quantization of a GEMM's input).
  [[nodiscard]] Launch forward_launches(const Operator& op) const {
    return {op.kernels_fwd - op.native_launches_fwd,
            op.native_launches_fwd + cost_.fp8_cast_kernels(op)};
  }

  // A dropless MoE layer's forward stops the host once, to read how many tokens each rank and
  // expert gets: Megatron-Core's alltoall dispatcher synchronises before the EP all-to-all
  // (cuda_sync_point "before_ep_alltoall", or "before_finish" without EP, moe/token_dispatcher.py)
  // for the all-to-all's splits and the grouped GEMM's sizes; DeepEP's dispatch waits on its
  // receive counts; TorchTitan reads its splits with tolist(). (A capacity padded to, as the
  // recipes with a capacity factor set, needs no sync.) The GPU's queue drains there, so the
  // lead the host gains while attention runs cannot carry over to the experts' many launches
  // after it. From one sync to the next -- the experts' part of a layer, then the attention and
  // router of the next -- a kernel starts no sooner than the host has launched it, so the
  // stretch takes max over its kernels k of (launching those before k + running k and the rest).
  // Returns the GPU's wait beyond its own work.
  double synced_forward_wait(const LayerWork& w, const LayerProfiles& p, const Launch& us) const {
    if (!model_.moe || model_.moe->capacity_factor > 0) return 0;
    const auto permute = std::find_if(w.ops.begin(), w.ops.end(),
                                      [](const Operator& op) { return op.name == "permute"; });
    if (permute == w.ops.end()) return 0;  // a dense layer
    struct Item {
      double host = 0, gpu = 0;
    };
    std::vector<Item> post, pre;
    const double launch = 1e-6 * us.python;
    const auto item_of = [&](const Operator& op) {
      const Launch n = forward_launches(op);
      return Item{1e-6 * (us.python * n.python + us.native * n.native),
                  cost_.time(op, model_.seq_len).forward.value()};
    };
    const double a2a = w.comm.ep_alltoalls > 0 ? p.forward[kEpComm] / w.comm.ep_alltoalls : 0.0;
    if (w.comm.ep_alltoalls > 0) post.push_back({launch, a2a});  // the dispatch
    for (auto it = permute + 1; it != w.ops.end(); ++it) {
      if (it->name == "unpermute" && w.comm.ep_alltoalls > 1) post.push_back({launch, a2a});
      post.push_back(item_of(*it));
    }
    // The next layer's attention and router, with its TP collectives and whatever else its
    // forward holds (interference, context-parallel exchange) as GPU time.
    pre.push_back({launch * w.comm.tp_collectives, p.forward[kTpComm]});
    for (auto it = w.ops.begin(); it != permute + 1; ++it) pre.push_back(item_of(*it));
    double accounted = 0;
    for (const auto* part : {&post, &pre}) {
      for (const Item& i : *part) accounted += i.gpu;
    }
    const double gpu = total(p.forward) - p.forward[kHost];
    pre.push_back({0, std::max(0.0, gpu - accounted)});
    double host = 0, rest = gpu, finish = 0;
    for (const auto* part : {&post, &pre}) {
      for (const Item& i : *part) {
        finish = std::max(finish, host + rest);
        host += i.host;
        rest -= i.gpu;
      }
    }
    finish = std::max(finish, host);
    return std::max(0.0, finish - gpu);
  }

  // Fine-grained activation offloading (Plan::offload_modules): forward copies the offloaded
  // inputs to host memory on a stream of its own, backward copies them back a layer ahead
  // (Megatron-Core's offload manager), each over the GPU's host link at its rate
  // (data/hardware/gpus.yaml host_bandwidth): what a pass's compute does not cover of its copy
  // is exposed. The host link is not shared with the NICs here.
  void offload(const LayerWork& w, LayerProfiles& p) const {
    const double bytes = offloaded_bytes(plan_, w);
    if (bytes <= 0) return;
    const double copy = bytes / in_.cluster.gpu.host_bandwidth.value();
    p.forward[kOffload] = std::max(0.0, copy - total(p.forward));
    p.backward[kOffload] = std::max(0.0, copy - total(p.backward));
  }

  // The share of `op`'s forward selective recompute re-runs in backward (0 or 1 but for the
  // per-op policy's matrix products).
  [[nodiscard]] double recomputed(const Operator& op) const {
    if (plan_.recompute != Recompute::selective) return 0;
    double share = 0;
    for (const auto& m : plan_.recompute_modules) {
      if (m == "op") {
        share = std::max(share, op.op_policy_share);
      } else if (recomputed_by(op, m)) {
        return 1;
      }
    }
    return share;
  }

  int profile_id(const Profile& p, const AllToAllPlacement& a2a = {}, double a2a_total = 0) {
    profiles_.push_back(p);
    a2a_.push_back(a2a);
    a2a_total_.push_back(a2a_total);
    return static_cast<int>(profiles_.size()) - 1;
  }

  struct Unit {
    int fwd_profile;
    int bwd_profile;
    Params params;
    bool is_layer;
    int id = 0;  // layer index, kEmbeddingUnit, kOutputUnit or kMtpUnit
  };

  const Unit& layer_unit(int layer) {
    const bool moe = model_.is_moe_layer(layer);
    auto it = layer_units_.find(moe);
    if (it == layer_units_.end()) {
      const LayerProfiles p = profile_of(layer_work(model_, layer, shard_), true);
      it = layer_units_
               .emplace(moe,
                        Unit{profile_id(p.forward, p.forward_a2a, p.a2a_total),
                             profile_id(p.backward, p.backward_a2a, p.a2a_total), p.params, true})
               .first;
    }
    return it->second;
  }

  Unit extra_unit(const LayerWork& w) {
    const LayerProfiles p = profile_of(w, false);
    return Unit{profile_id(p.forward), profile_id(p.backward), p.params, false};
  }

  // Compute overlapped with a communication kernel loses the SMs the kernel holds: a GEMM of
  // work W beside a collective of time T on a share f of the SMs ends f x T later (it runs at
  // 1 - f while the collective runs). NCCL runs one CTA per channel on its own SM (NCCL's
  // CTA = channel design, data/nccl.yaml `chunking`); measured GEMM slowdowns under concurrent
  // NCCL collectives average 18.9% (arXiv 2507.03114), as 24 of 132 H100 SMs predict. HBM
  // contention is not modelled.
  double sm_share(Collective kind, Bytes bytes, const CommGroup& group) const {
    return nccl_sm_share(in_.cluster, kind, bytes, group);
  }

  // A data-parallel collective of `bytes_per_param` per parameter: the dense parameters over
  // the DP group, then the experts' over the expert-DP group (Megatron-Core keeps them in
  // separate buffers); its time, and the larger SM share of the two.
  struct DpCollective {
    double time = 0, share = 0;
  };
  DpCollective dp_collective(Collective kind, const Params& params, double bytes_per_param) const {
    DpCollective c;
    const auto one = [&](double n, const CommGroup& group, Collective op) {
      if (n <= 0 || group.size <= 1) return;
      const Bytes bytes(n * bytes_per_param);
      c.time += in_.network.time(op, bytes, group).value();
      c.share = std::max(c.share, sm_share(op, bytes, group));
    };
    if (kind == Collective::all_reduce) {
      one(params.dense, groups_.dp, kind);
    } else {
      // Hybrid sharding (Plan::dp_shard): gathers and reduce-scatters within the shard group,
      // then each shard's gradients all-reduced across its replicas (FSDP's HYBRID_SHARD).
      one(params.dense, groups_.dp_shard, kind);
      if (kind == Collective::reduce_scatter) {
        one(params.dense / static_cast<double>(groups_.dp_shard.size), groups_.dp_replicate,
            Collective::all_reduce);
      }
    }
    one(params.expert, groups_.edp, kind);
    return c;
  }
  DpCollective gather(const Params& params) const {
    const bool fp8 = plan_.fp8_param_gather && plan_.precision == Precision::fp8;
    return dp_collective(Collective::all_gather, params, fp8 ? 1.0 : kParamGatherBytes);
  }
  DpCollective reduce(const Params& params) const {
    const Collective kind = zero_ == 0 ? Collective::all_reduce : Collective::reduce_scatter;
    return dp_collective(kind, params, plan_.grad_reduce_fp32 ? 4.0 : 2.0);
  }
  int add_dp_task(int stage, const DpCollective& c) {
    const int id = engine_.add(dp_res(stage), TaskKind::dp_comm, c.time);
    dp_shares_.emplace_back(id, c.share);
    return id;
  }

  // What data-parallel collectives overlapping the compute of `stage` cost it: each one's SM
  // share times the time it ran beside compute (sm_share).
  double dp_interference(int stage) const {
    std::vector<std::pair<double, double>> busy;  // compute intervals, by start
    for (const auto& t : engine_.tasks()) {
      if (t.resource == compute_res(stage) && t.kind == TaskKind::compute && t.duration > 0)
        busy.emplace_back(t.start, t.end);
    }
    std::sort(busy.begin(), busy.end());
    double extra = 0;
    for (const auto& [id, share] : dp_shares_) {
      const Task& d = engine_.task(id);
      if (d.resource != dp_res(stage) || share <= 0) continue;
      auto it = std::lower_bound(busy.begin(), busy.end(), std::make_pair(d.start, d.start));
      if (it != busy.begin()) --it;
      double beside = 0;
      for (; it != busy.end() && it->first < d.end; ++it)
        beside += std::max(0.0, std::min(d.end, it->second) - std::max(d.start, it->first));
      extra += share * beside;
    }
    return extra;
  }

  // What one stage's tasks depend on as they are built, in order.
  struct StageState {
    int stage = 0;
    std::vector<std::vector<Unit>> chunk_units;  // units of each local chunk, forward order
    Params params;                               // on this stage
    std::vector<std::vector<int>> unit_gather;   // ZeRO-1/2: each unit's parameter all-gather
    std::vector<int> all_gathers;
    std::vector<int> reductions;
    std::vector<Params> deferred;  // buckets reduced only after the whole backward
    int last_compute = -1;
    int prev_compute = -1;  // ZeRO-3 prefetch: the gather for unit j may start when j-2 ends
  };

  void build_stage(int stage) {
    StageState st;
    st.stage = stage;
    stage_units(st);
    parameter_gathers(st);
    const bool dp_comm = groups_.dp.size > 1 || groups_.edp.size > 1;
    for (const auto& item :
         stage_order(plan_.schedule, plan_.pp, plan_.virtual_stages, stage, micro_batches_)) {
      pass(st, item, dp_comm);
      sends(stage, item);
    }
    optimizer(st);
  }

  void stage_units(StageState& st) {
    const int v = plan_.virtual_stages;
    Unit embedding = extra_unit(embedding_work(model_, shard_));
    embedding.id = kEmbeddingUnit;
    Unit output = extra_unit(output_work(model_, shard_));
    output.id = kOutputUnit;
    // Multi-token prediction runs on the last stage, between the last layer and the loss
    // (Megatron-Core's pipeline layout "...mL"); it recomputes like a layer.
    Unit mtp{};
    if (model_.mtp_layers > 0) {
      const LayerProfiles p = profile_of(mtp_work(model_, shard_), true);
      mtp = Unit{profile_id(p.forward, p.forward_a2a, p.a2a_total),
                 profile_id(p.backward, p.backward_a2a, p.a2a_total), p.params, true, kMtpUnit};
    }
    st.chunk_units.resize(static_cast<size_t>(v));
    for (int c = 0; c < v; ++c) {
      const Chunk& ch = layout_.chunk(st.stage, c);
      auto& units = st.chunk_units[static_cast<size_t>(c)];
      if (ch.has_embedding) units.push_back(embedding);
      for (int layer : ch.layers) {
        units.push_back(layer_unit(layer));
        units.back().id = layer;
      }
      if (ch.has_output) {
        for (int i = 0; i < model_.mtp_layers; ++i) units.push_back(mtp);
        units.push_back(output);
      }
      for (const auto& u : units) st.params += u.params;
    }
  }

  // ZeRO-1/2: this step's parameters are all-gathered (after the previous optimizer step)
  // bucket by bucket in forward order; a unit's first forward waits for its bucket.
  void parameter_gathers(StageState& st) {
    const int v = plan_.virtual_stages;
    st.unit_gather.resize(static_cast<size_t>(v));
    const bool replicated = groups_.dp.size > 1 || groups_.edp.size > 1;
    if (!(replicated && (zero_ == 1 || zero_ == 2))) return;
    for (int c = 0; c < v; ++c) {
      const auto& units = st.chunk_units[static_cast<size_t>(c)];
      auto& ug = st.unit_gather[static_cast<size_t>(c)];
      ug.assign(units.size(), -1);
      Params bucket;
      size_t begin = 0;
      for (size_t u = 0; u < units.size(); ++u) {
        bucket += units[u].params;
        if (bucket.total() >= bucket_params_ || u + 1 == units.size()) {
          const int g = add_dp_task(st.stage, gather(bucket));
          engine_.label(g, What::gather, units[begin].id);
          st.all_gathers.push_back(g);
          for (size_t k = begin; k <= u; ++k) ug[k] = g;
          bucket = {};
          begin = u + 1;
        }
      }
    }
  }

  // One forward or backward pass of one chunk over one micro-batch, unit by unit, with the
  // parameter gathers it waits for and the gradient buckets it fills.
  void pass(StageState& st, const ScheduleItem& item, bool dp_comm) {
    const int stage = st.stage;
    const long long m = micro_batches_;
    const Chunk& ch = layout_.chunk(stage, item.local_chunk);
    const auto& units = st.chunk_units[static_cast<size_t>(item.local_chunk)];
    const auto& gathers = st.unit_gather[static_cast<size_t>(item.local_chunk)];
    const size_t s = slot(ch.model_chunk, item.micro_batch);
    const bool reduce_now = (zero_ >= 2) || item.micro_batch == m - 1;
    Params bucket;
    int bucket_last = -1;
    const auto unit_at = [&](size_t k) -> const Unit& {
      return units[item.forward ? k : units.size() - 1 - k];
    };
    // ZeRO-3 / FSDP: a unit's parameters are gathered while the unit before it computes
    // (prefetch one ahead: at most two units gathered at once), and the gather goes out before
    // that unit's gradients do (FSDP issues it in the unit's pre-hook, ahead of the
    // reduce-scatter its backward ends with).
    const bool gathers_each_unit = dp_comm && zero_ == 3;
    const auto gather_of = [&](size_t k) {
      const int g = add_dp_task(stage, this->gather(unit_at(k).params));
      engine_.label(g, What::gather, unit_at(k).id, item.micro_batch);
      engine_.depend(g, st.prev_compute);
      return g;
    };
    int next_gather = gathers_each_unit && !units.empty() ? gather_of(0) : -1;
    for (size_t k = 0; k < units.size(); ++k) {
      const size_t u = item.forward ? k : units.size() - 1 - k;
      const Unit& unit = units[u];
      const int profile = item.forward ? unit.fwd_profile : unit.bwd_profile;
      const int gather = next_gather;
      const int id = engine_.add(compute_res(stage), TaskKind::compute,
                                 total(profiles_[static_cast<size_t>(profile)]), profile);
      engine_.label(id, item.forward ? What::forward : What::backward, unit.id, item.micro_batch);
      engine_.depend(id, gather);
      if (item.forward && item.micro_batch == 0 && !gathers.empty()) {
        if (plan_.overlap_param_gather) {
          engine_.depend(id, gathers[u]);
        } else {
          for (int g : st.all_gathers) engine_.depend(id, g);
        }
      }
      st.prev_compute = st.last_compute;
      st.last_compute = id;
      next_gather = gathers_each_unit && k + 1 < units.size() ? gather_of(k + 1) : -1;
      if (k == 0) (item.forward ? first_fwd_ : first_bwd_)[s] = id;
      (item.forward ? last_fwd_ : last_bwd_)[s] = id;
      // Gradient buckets fill as backward passes over the layers.
      if (item.forward || !dp_comm || !reduce_now) continue;
      bucket += unit.params;
      bucket_last = id;
      const bool full = zero_ == 3 || bucket.total() >= bucket_params_ || k + 1 == units.size();
      if (!full) continue;
      if (plan_.overlap_grad_reduce || zero_ >= 2) {
        const int r = add_dp_task(stage, reduce(bucket));
        engine_.label(r, What::reduce, unit.id, item.micro_batch);
        engine_.depend(r, bucket_last);
        st.reductions.push_back(r);
      } else {
        st.deferred.push_back(bucket);
      }
      bucket = {};
    }
  }

  // Activations (forward) or their gradients (backward) go to the neighbouring stage.
  void sends(int stage, const ScheduleItem& item) {
    const Chunk& ch = layout_.chunk(stage, item.local_chunk);
    const size_t s = slot(ch.model_chunk, item.micro_batch);
    const int chunks = plan_.pp * plan_.virtual_stages;
    const double p2p_bytes = static_cast<double>(shard_.micro_batch) * model_.seq_len / plan_.cp *
                             model_.hidden * 2.0 / plan_.tp;
    // To the stage holding the neighbouring chunk: nothing to send when it is this stage (the
    // turn of a V), else over the link toward it (stage s + 1 or s - 1, with wrap-around).
    const auto add_send = [&](int to_chunk, What what, int after) {
      const int to = layout_.chunks[static_cast<size_t>(to_chunk)].stage;
      if (to == stage) return after;
      const int link = to == (stage + 1) % plan_.pp ? fwd_link(stage) : bwd_link(stage);
      const int t = engine_.add(
          link, TaskKind::transfer,
          in_.network.time(Collective::send_recv, Bytes(p2p_bytes), groups_.pp).value());
      engine_.label(t, what, ch.model_chunk, item.micro_batch);
      engine_.depend(t, after);
      return t;
    };
    if (item.forward && ch.model_chunk < chunks - 1)
      send_fwd_[s] = add_send(ch.model_chunk + 1, What::send_forward, last_fwd_[s]);
    if (!item.forward && ch.model_chunk > 0)
      send_bwd_[s] = add_send(ch.model_chunk - 1, What::send_backward, last_bwd_[s]);
  }

  // Deferred reductions after the whole backward; then the optimizer updates this rank's shard
  // once every gradient is reduced.
  void optimizer(StageState& st) {
    for (const Params& params : st.deferred) {
      const int r = add_dp_task(st.stage, reduce(params));
      engine_.label(r, What::reduce);
      engine_.depend(r, st.last_compute);
      st.reductions.push_back(r);
    }
    // The distributed optimizer updates this rank's shard: dense over DP, experts over EDP.
    const bool sharded = zero_ >= 1;
    const double updated =
        st.params.dense / (sharded ? static_cast<double>(groups_.dp_shard.size) : 1.0) +
        st.params.expert / (sharded ? static_cast<double>(groups_.edp.size) : 1.0);
    Profile opt{};
    opt[kOptimizer] = cost_.memory_time(Bytes(updated * kOptimizerBytesPerParam)).value();
    // Under FP8 with BF16 weights, Transformer Engine casts each weight it holds once a step,
    // on the first micro-batch (CostModel::fp8_cast_time), priced here with the optimizer;
    // with FP8 weights (fp8_param_gather) the optimizer writes them in FP8 itself.
    if (!plan_.fp8_param_gather && stack_or_default(plan_.stack).fp8_weight_cache)
      opt[kOptimizer] += cost_.fp8_cast_time(st.params.dense + st.params.expert).value();
    const int o =
        engine_.add(compute_res(st.stage), TaskKind::compute, opt[kOptimizer], profile_id(opt));
    engine_.label(o, What::optimizer);
    for (int r : st.reductions) engine_.depend(o, r);
  }

  StepResult summarise() {
    StepResult r;
    double end = 0;
    for (const auto& t : engine_.tasks()) end = std::max(end, t.end);
    // The busiest stage explains the step: its work by kind, and its idle time by what it
    // waited for; whatever follows its last task is the wait for other stages to drain.
    std::vector<double> busy(static_cast<size_t>(plan_.pp), 0.0);
    for (const auto& t : engine_.tasks()) {
      if (t.kind == TaskKind::compute) busy[static_cast<size_t>(t.resource)] += t.duration;
    }
    const int critical =
        static_cast<int>(std::max_element(busy.begin(), busy.end()) - busy.begin());
    // The critical stage's traffic, hidden or not (what other jobs on the fabric meet).
    double forward_sends = 0, backward_sends = 0;
    for (const auto& t : engine_.tasks()) {
      if (t.kind == TaskKind::dp_comm && t.resource == dp_res(critical))
        r.dp_comm_busy += Seconds(t.duration);
      if (t.kind == TaskKind::transfer && t.resource == fwd_link(critical))
        forward_sends += t.duration;
      if (t.kind == TaskKind::transfer && t.resource == bwd_link(critical))
        backward_sends += t.duration;
    }
    r.pp_send_busy = Seconds(std::max(forward_sends, backward_sends));
    Profile parts{};
    double cursor = 0;
    for (const auto& t : engine_.tasks()) {
      if (t.resource != critical || t.kind != TaskKind::compute) continue;
      const double gap = t.start - cursor;
      if (gap > 0) {
        const Task* cause = t.binding >= 0 ? &engine_.task(t.binding) : nullptr;
        const bool dp = cause != nullptr && cause->kind == TaskKind::dp_comm;
        parts[dp ? kDpComm : kPipelineBubble] += gap;
      }
      const Profile& p = profiles_[static_cast<size_t>(t.profile)];
      for (int i = 0; i < kNumParts; ++i)
        parts[static_cast<size_t>(i)] += p[static_cast<size_t>(i)];
      r.ep_alltoall += Seconds(a2a_total_[static_cast<size_t>(t.profile)]);
      cursor = t.end;
    }
    parts[kPipelineBubble] += end - cursor;
    // The compute runs at the slowest GPU's pace (job_pace): what the forward and backward
    // passes take beyond the mean GPU's speed is its own part, waiting for the slowest of the
    // job's GPUs. (Recompute keeps its share: it holds re-dispatches too.)
    const double beyond_mean = 1 - 1 / cost_.pace();
    for (const int i : {kForward, kBackward}) {
      const double wait = parts[static_cast<size_t>(i)] * beyond_mean;
      parts[static_cast<size_t>(i)] -= wait;
      parts[kStraggler] += wait;
    }
    // Compute slowed by the data-parallel collectives beside it delays the critical stage's end.
    const double interference = dp_interference(critical);
    parts[kInterference] += interference;
    end += interference;
    r.step_time = Seconds(end);
    for (int i = 0; i < kNumParts; ++i)
      r.breakdown.push_back(
          {kPartNames[static_cast<size_t>(i)], Seconds(parts[static_cast<size_t>(i)])});
    r.critical_stage = critical;
    r.tasks = engine_.tasks().size();
    r.compute_share = compute_share(end);
    if (in_.record_timeline) r.timeline = timeline();

    const double tokens =
        static_cast<double>(in_.training.global_batch) * static_cast<double>(model_.seq_len);
    r.model_flops = model_flops_per_token(model_, model_.seq_len) * tokens;
    double recompute_per_token = 0;
    if (plan_.recompute == Recompute::full) {
      recompute_per_token =
          plan_.recompute_fraction * layer_forward_flops_per_token(model_, model_.seq_len);
    } else if (plan_.recompute == Recompute::selective) {
      Shard one;
      one.seq_len = model_.seq_len;
      double per_kind[2] = {-1, -1};  // a layer's work depends only on being MoE or not
      for (int l = 0; l < model_.layers; ++l) {
        double& f = per_kind[model_.is_moe_layer(l) ? 1 : 0];
        if (f < 0) {
          f = 0;
          for (const auto& op : layer_work(model_, l, one).ops) {
            f += recomputed(op) * op.flops / static_cast<double>(model_.seq_len);
          }
        }
        recompute_per_token += f;
      }
    }
    r.hardware_flops = r.model_flops + recompute_per_token * tokens;
    return r;
  }

  std::vector<double> compute_share(double end) const {
    std::vector<double> share(kPowerSlices, 0.0);
    if (end <= 0) return share;
    const double width = end / kPowerSlices;
    for (const auto& t : engine_.tasks()) {
      if (t.kind != TaskKind::compute || t.duration <= 0 || t.profile < 0) continue;
      const Profile& p = profiles_[static_cast<size_t>(t.profile)];
      const double computing = p[kForward] + p[kBackward] + p[kRecompute] + p[kOptimizer];
      const double fraction = std::min(1.0, computing / t.duration);
      const int first = std::min(kPowerSlices - 1, static_cast<int>(t.start / width));
      const int last = std::min(kPowerSlices - 1, static_cast<int>(t.end / width));
      for (int b = first; b <= last; ++b) {
        const double overlap = std::min(t.end, (b + 1) * width) - std::max(t.start, b * width);
        if (overlap > 0) share[static_cast<size_t>(b)] += fraction * overlap;
      }
    }
    for (double& s : share) s = std::min(1.0, s / (width * plan_.pp));
    return share;
  }

  std::vector<TimelineEvent> timeline() const {
    static const char* const stream_names[] = {"compute", "data-parallel comm",
                                               "send to next stage", "send to previous stage"};
    std::vector<TimelineEvent> out;
    out.reserve(engine_.tasks().size());
    std::vector<size_t> event_of;  // by task id
    event_of.reserve(engine_.tasks().size());
    for (const auto& t : engine_.tasks()) {
      event_of.push_back(out.size());
      TimelineEvent e;
      e.stage = t.resource % plan_.pp;
      e.stream = stream_names[t.resource / plan_.pp];
      const std::string unit = t.unit == kEmbeddingUnit ? "embedding"
                               : t.unit == kMtpUnit     ? "multi-token prediction"
                               : t.unit == kOutputUnit  ? "output"
                                                        : "layer " + std::to_string(t.unit);
      const std::string mb = t.micro_batch >= 0 ? " mb " + std::to_string(t.micro_batch) : "";
      switch (t.what) {
        case What::forward:
          e.name = "F " + unit;
          e.name += mb;
          break;
        case What::backward:
          e.name = "B " + unit;
          e.name += mb;
          break;
        case What::optimizer:
          e.name = "optimizer";
          break;
        case What::send_forward:
          e.name = "activations chunk " + std::to_string(t.unit) + mb;
          break;
        case What::send_backward:
          e.name = "gradients chunk " + std::to_string(t.unit) + mb;
          break;
        case What::gather:
          e.name = "all-gather params from " + unit;
          e.name += mb;
          break;
        case What::reduce:
          e.name = "reduce grads to " + unit;
          e.name += mb;
          break;
      }
      e.start = Seconds(t.start);
      e.end = Seconds(t.end);
      // A forward or backward pass with work to divide among its parts.
      const bool pass = (t.what == What::forward || t.what == What::backward) && t.profile >= 0 &&
                        total(profiles_[static_cast<size_t>(t.profile)]) > 0;
      if (pass) {
        const Profile& p = profiles_[static_cast<size_t>(t.profile)];
        for (int k = 0; k < kNumParts; ++k) {
          if (p[static_cast<size_t>(k)] > 0)
            e.parts.emplace_back(kPartNames[static_cast<size_t>(k)],
                                 Seconds(p[static_cast<size_t>(k)] * t.duration / total(p)));
        }
      }
      const TimelineEvent parent = e;
      out.push_back(std::move(e));
      // A MoE layer's dispatch and combine as their own slices inside the pass.
      const AllToAllPlacement a2a =
          pass ? a2a_[static_cast<size_t>(t.profile)] : AllToAllPlacement{};
      if (!a2a.present()) continue;
      const double scale = t.duration / total(profiles_[static_cast<size_t>(t.profile)]);
      const bool forward = t.what == What::forward;
      const double first = t.start + a2a.before * scale;
      const double second = first + (a2a.one + a2a.between) * scale;
      for (const auto& [at, what] :
           {std::pair{first, forward ? "dispatch" : "combine (backward)"},
            std::pair{second, forward ? "combine" : "dispatch (backward)"}}) {
        TimelineEvent slice;
        slice.stage = parent.stage;
        slice.stream = parent.stream;
        slice.name = std::string(what) + " " + parent.name.substr(2);
        slice.start = Seconds(std::min(at, t.end));
        slice.end = Seconds(std::min(at + a2a.one * scale, t.end));
        out.push_back(std::move(slice));
      }
    }
    // The pipeline sends each pass waited for (a send may come later in task order).
    for (size_t id = 0; id < engine_.tasks().size(); ++id) {
      const Task& t = engine_.tasks()[id];
      if (t.what != What::forward && t.what != What::backward) continue;
      for (int d : t.deps) {
        const What from = engine_.task(d).what;
        if (from == What::send_forward || from == What::send_backward)
          out[event_of[id]].waits_on.push_back(event_of[static_cast<size_t>(d)]);
      }
    }
    return out;
  }

  const StepInputs& in_;
  const Plan& plan_;
  int zero_;  // the ZeRO stage the plan runs as (zero_in_effect)
  const Model& model_;
  Shard shard_;
  CostModel cost_;
  Groups groups_;
  PipelineLayout layout_;
  long long micro_batches_;
  Engine engine_;
  double bucket_params_ = kBucketParams;
  std::vector<Profile> profiles_;
  std::vector<AllToAllPlacement> a2a_;             // by profile id
  std::vector<double> a2a_total_;                  // by profile id
  std::vector<std::pair<int, double>> dp_shares_;  // data-parallel task, its SM share
  std::map<bool, Unit> layer_units_;
  mutable double paired_share_ = -1;  // paired_share(), once computed
  std::vector<int> first_fwd_, last_fwd_, first_bwd_, last_bwd_, send_fwd_, send_bwd_;
};

}  // namespace

namespace {

// Steps of more micro-batches than this many tasks' worth are simulated at two smaller counts
// and extended linearly: past the pipeline's fill, each further micro-batch adds the same work
// to every stage (the steady state of 1F1B and its interleaved form), so step time, its parts
// and the FLOPs are affine in the micro-batch count.
constexpr double kExactStepTasks = 150e3;

StepResult extended(const StepInputs& in, long long m) {
  const long long unit = static_cast<long long>(in.plan.pp) * in.plan.virtual_stages;
  const double per_micro_batch =
      step_task_bound(in.plan, in.model, in.training) / static_cast<double>(m);
  long long m1 = static_cast<long long>(kExactStepTasks / per_micro_batch) / unit * unit;
  m1 = std::max(m1, 4 * unit);
  const long long m0 = m1 / 2 / unit * unit;
  const auto at = [&](long long count) {
    Training t = in.training;
    t.global_batch = count * in.plan.dp * in.plan.micro_batch;
    StepInputs sub{in.model,   in.cluster,     in.plan,           t,
                   in.network, in.calibration, in.record_timeline};
    return StepBuilder(sub).run();
  };
  const StepResult r0 = at(m0);
  StepResult r = at(m1);
  const double x = static_cast<double>(m - m1) / static_cast<double>(m1 - m0);
  double step = 0;
  for (size_t i = 0; i < r.breakdown.size(); ++i) {
    const double a = r0.breakdown[i].time.value(), b = r.breakdown[i].time.value();
    r.breakdown[i].time = Seconds(std::max(0.0, b + x * (b - a)));
    step += r.breakdown[i].time.value();
  }
  r.step_time = Seconds(step);
  r.model_flops += x * (r.model_flops - r0.model_flops);
  r.ep_alltoall += (r.ep_alltoall - r0.ep_alltoall) * x;
  r.dp_comm_busy += (r.dp_comm_busy - r0.dp_comm_busy) * x;
  r.pp_send_busy += (r.pp_send_busy - r0.pp_send_busy) * x;
  r.hardware_flops += x * (r.hardware_flops - r0.hardware_flops);
  r.tasks += r0.tasks;
  return r;
}

}  // namespace

StepResult simulate_step(const StepInputs& in) {
  const long long m = micro_batches(in.plan, in.training);
  const long long unit = static_cast<long long>(in.plan.pp) * in.plan.virtual_stages;
  if (step_task_bound(in.plan, in.model, in.training) <= kExactStepTasks || m < 16 * unit)
    return StepBuilder(in).run();
  return extended(in, m);
}

BlockTime moe_block_time(const StepInputs& in, int layer) {
  assert(in.model.is_moe_layer(layer));
  return StepBuilder(in).moe_block(layer);
}

double step_task_bound(const Plan& plan, const Model& model, const Training& training) {
  // Per micro-batch and layer: forward, backward, and (ZeRO-3) two gathers and a reduction;
  // plus sends per chunk and the buckets; 6 per layer covers all of them.
  const double m = static_cast<double>(micro_batches(plan, training));
  return 6.0 * (model.layers + 2.0) * m + 4.0 * plan.pp * plan.virtual_stages * m;
}

}  // namespace colossim
