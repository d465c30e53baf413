#include "plan/memory.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "plan/placement.hpp"

namespace colossim {
namespace {

constexpr double kWeightBytes = 2.0;
constexpr double kFp8WeightCopyBytes = 1.0;
constexpr double kGradBytesFp32 = 4.0;
constexpr double kGradBytesBf16 = 2.0;
constexpr double kOptimizerBytes = 12.0;
// NCCL keeps NCCL_BUFFSIZE (4 MiB default) per channel and direction; with up to 32 channels
// that is 256 MiB per communicator (NCCL environment-variable documentation, NCCL_BUFFSIZE).
constexpr double kCommBufferPerCommunicator = 256.0 * 1024 * 1024;
// CUDA context, cuBLAS/cuDNN workspaces and allocator slack. PyTorch reports 0.3-0.5 GiB for
// the context alone; 2 GiB in all is the usual planning figure (an estimate, not calibrated).
constexpr double kRuntimeReserve = 2.0 * 1024 * 1024 * 1024;

// DeepEP's NVLink and RDMA buffers for an EP group of `ep` ranks, as Megatron-Core sizes them
// (megatron/core/transformer/moe/fused_a2a.py get_buffer: the larger of the dispatch and
// combine configs' hints for hidden x 2 bytes per token) from DeepEP's own formulas
// (deepseek-ai/DeepEP @dd758ca, csrc/legacy/config.hpp get_nvl_buffer_size_hint and
// get_rdma_buffer_size_hint; deep_ep/buffers/legacy.py: 20 SMs, 2 per channel, and the tokens
// each channel receives per config). Per buffered token: the hidden state, an 8-byte source
// record, 128 top-k indices (int64), 128 weights and 128 scales (FP32).
double deepep_buffer_bytes(double hidden, int ep) {
  constexpr double kChannels = 20.0 / 2, kMaxNvlPeers = 8, kMaxTopK = 128, kMaxScales = 128;
  const double token_bytes = hidden * 2;
  const double meta = 8 + kMaxTopK * 8 + kMaxTopK * 4 + kMaxScales * 4;
  const double nvl_ranks = std::min<double>(ep, kMaxNvlPeers);
  const double rdma_ranks = std::max(1.0, ep / kMaxNvlPeers);
  const double nvl_recv_tokens = ep <= 8     ? 256
                                 : ep <= 64  ? 288
                                 : ep <= 96  ? 480
                                 : ep <= 128 ? 560
                                             : 720;
  double bytes = kChannels * nvl_ranks * (2 * rdma_ranks + 3) * 4 +
                 kChannels * nvl_ranks * nvl_recv_tokens * (token_bytes + meta);
  if (ep > kMaxNvlPeers) {
    constexpr double kRdmaRecvTokens = 128;
    bytes += kChannels * rdma_ranks * (kMaxNvlPeers * 2 + 2) * 2 * 4 +
             kChannels * rdma_ranks * kRdmaRecvTokens * 2 * (token_bytes + meta + 16);
  }
  return bytes;
}

}  // namespace

double offloaded_bytes(const Plan& plan, const LayerWork& w) {
  double bytes = 0;
  for (const auto& m : plan.offload_modules) {
    const auto it = w.offload_saves.find(m);
    if (it != w.offload_saves.end()) bytes += it->second;
  }
  return bytes * plan.offload_fraction;
}

MemoryBreakdown memory_per_gpu(const Plan& plan, const Model& model, const Cluster& cluster,
                               const Training& training) {
  (void)cluster;
  const Shard shard = shard_of(plan, model);
  const PipelineLayout layout = layout_of(model, plan);
  const long long m = micro_batches(plan, training);
  // The distributed-optimizer group, or its shard group under hybrid sharding.
  const double dp_shards = plan.dp_shard > 0 ? static_cast<double>(plan.dp_shard)
                                             : static_cast<double>(plan.dp) * plan.cp;
  // The routed experts' state is sharded over the ranks holding the same experts only.
  const auto edp_shards = static_cast<double>(group_layout(plan, Dimension::edp).size);

  // Per-layer figures differ only between dense and MoE layers: compute each kind once.
  std::map<bool, LayerWork> kinds;
  auto work = [&](int layer) -> const LayerWork& {
    const bool moe = model.is_moe_layer(layer);
    auto it = kinds.find(moe);
    if (it == kinds.end()) it = kinds.emplace(moe, layer_work(model, layer, shard)).first;
    return it->second;
  };
  const LayerWork emb = embedding_work(model, shard);
  const LayerWork out = output_work(model, shard);
  const LayerWork mtp = model.mtp_layers > 0 ? mtp_work(model, shard) : LayerWork{};
  // What a layer-like unit keeps on the GPU for backward under the plan's recompute, less what
  // it offloads to host memory.
  double largest_offload = 0;
  const auto held = [&](const LayerWork& w) {
    const double offloaded = offloaded_bytes(plan, w);
    largest_offload = std::max(largest_offload, offloaded);
    switch (plan.recompute) {
      case Recompute::none:
        return w.activation_bytes - offloaded;
      case Recompute::selective:
        return activation_bytes_with(w, plan.recompute_modules) - offloaded;
      case Recompute::full:  // the recomputed share keeps its input, the rest everything
        return plan.recompute_fraction * w.input_bytes +
               (1 - plan.recompute_fraction) * w.activation_bytes;
    }
    return w.activation_bytes;
  };

  MemoryBreakdown best;
  double best_total = -1;
  for (int stage = 0; stage < plan.pp; ++stage) {
    double params = 0, expert_params = 0;
    std::vector<double> chunk_act(static_cast<size_t>(plan.virtual_stages), 0.0);
    double largest_layer_act = 0;
    for (int c = 0; c < plan.virtual_stages; ++c) {
      const Chunk& ch = layout.chunk(stage, c);
      double act = 0;
      for (int layer : ch.layers) {
        const LayerWork& w = work(layer);
        params += w.params;
        expert_params += w.expert_params;
        largest_layer_act = std::max(largest_layer_act, w.activation_bytes);
        act += held(w);
      }
      if (ch.has_embedding) params += emb.params;
      if (ch.has_output && (!model.tied_embeddings || plan.pp > 1)) params += out.params;
      if (ch.has_output) {
        act += out.activation_bytes;
        for (int i = 0; i < model.mtp_layers; ++i) {  // multi-token prediction, last stage
          params += mtp.params;
          expert_params += mtp.expert_params;
          act += held(mtp);
          largest_layer_act = std::max(largest_layer_act, mtp.activation_bytes);
        }
      }
      chunk_act[static_cast<size_t>(c)] = act;
    }
    // Peak of the activations held by forward passes whose backward has not run yet.
    const auto peak_of = [&](long long count) {
      double live = 0, top = 0;
      for (const auto& item :
           stage_order(plan.schedule, plan.pp, plan.virtual_stages, stage, count)) {
        live += (item.forward ? 1 : -1) * chunk_act[static_cast<size_t>(item.local_chunk)];
        // The loss's short-lived logits copies sit on top while the output chunk runs forward.
        const bool loss = item.forward && layout.chunk(stage, item.local_chunk).has_output;
        top = std::max(top, live + (loss ? out.transient_bytes : 0.0));
      }
      return top;
    };
    // Past a few hundred micro-batches the peak is either reached (1F1B and its interleaved
    // form keep a bounded number in flight) or grows by the same amount per micro-batch (all
    // forwards first): two counts tell which, and the peak extends linearly.
    const long long unit = static_cast<long long>(plan.pp) * plan.virtual_stages;
    const long long cap = std::max(256LL, 8 * unit) / unit * unit;
    double peak = 0;
    if (m <= cap) {
      peak = peak_of(m);
    } else {
      const long long half = cap / 2 / unit * unit;  // whole rounds of the schedule
      const double p1 = peak_of(cap), p0 = peak_of(half);
      const double per = (p1 - p0) / static_cast<double>(cap - half);
      peak = p1 + per * static_cast<double>(m - cap);
    }
    // Full recompute rebuilds one layer's activations at a time during backward.
    if (plan.recompute == Recompute::full) peak += largest_layer_act;
    // Backward reloads offloaded activations a layer ahead: two layers' worth are back.
    peak += 2 * largest_offload;

    MemoryBreakdown mb;
    mb.stage = stage;
    // Under FP8 a weight is held in BF16 with its FP8 copy, or (fp8_param_gather) in FP8 with
    // the transposed FP8 copy the backward GEMMs read: 2 bytes, no BF16.
    const double weight_bytes = plan.precision != Precision::fp8 ? kWeightBytes
                                : plan.fp8_param_gather          ? 2 * kFp8WeightCopyBytes
                                                        : kWeightBytes + kFp8WeightCopyBytes;
    // Bytes per parameter, sharded over the distributed-optimizer group from `zero` on: dense
    // parameters over DP x CP, the routed experts' over the expert-DP group.
    const double dense = params - expert_params;
    const auto sharded = [&](double bytes_per_param, int from_zero) {
      if (zero_in_effect(plan) < from_zero) return params * bytes_per_param;
      return dense * bytes_per_param / dp_shards + expert_params * bytes_per_param / edp_shards;
    };
    mb.weights = Bytes(sharded(weight_bytes, 3));
    if (zero_in_effect(plan) >= 3) {
      // The gathered weights of the layer being computed; the next one is gathered as this
      // one's parameters are released (DeepSpeed and FSDP bound the live set per parameter or
      // module), so about one layer is live at a time.
      mb.weights += Bytes(work(0).params * weight_bytes);
    }
    mb.gradients = Bytes(sharded(plan.grad_reduce_fp32 ? kGradBytesFp32 : kGradBytesBf16, 2));
    mb.optimizer = Bytes(sharded(kOptimizerBytes, 1));
    mb.activations = Bytes(peak);
    int communicators = 1;  // data parallel
    communicators += plan.tp > 1 ? 1 : 0;
    communicators += plan.pp > 1 ? 1 : 0;
    communicators += plan.cp > 1 ? 1 : 0;
    communicators += plan.ep > 1 ? 1 : 0;
    mb.comm_buffers = Bytes(communicators * kCommBufferPerCommunicator);
    if (plan.ep > 1 && plan.moe_dispatcher == "deepep")
      mb.comm_buffers += Bytes(deepep_buffer_bytes(static_cast<double>(model.hidden), plan.ep));
    mb.runtime_reserve = Bytes(kRuntimeReserve);
    if (mb.total().value() > best_total) {
      best_total = mb.total().value();
      best = mb;
    }
  }
  return best;
}

std::optional<std::string> does_not_fit(const MemoryBreakdown& m, const Cluster& cluster) {
  if (m.total() <= cluster.gpu.hbm) return std::nullopt;
  return fmt::format(
      "plan does not fit: {:.1f} GiB per GPU on pipeline stage {} (weights {:.1f}, gradients "
      "{:.1f}, "
      "optimizer {:.1f}, activations {:.1f}, buffers and runtime {:.1f}) > {:.1f} GiB of {}",
      to_gib(m.total()), m.stage, to_gib(m.weights), to_gib(m.gradients), to_gib(m.optimizer),
      to_gib(m.activations), to_gib(m.comm_buffers + m.runtime_reserve), to_gib(cluster.gpu.hbm),
      cluster.gpu.id);
}

}  // namespace colossim
