#include "sim/cost_model.hpp"

#include <algorithm>
#include <cmath>

#include "core/config.hpp"
#include "core/statistics.hpp"

namespace colossim {
namespace {

// Output tile edge of the tensor-core GEMM kernels: cuBLAS/CUTLASS's usual 128x128 thread-block
// tiles on Ampere and Hopper (NVIDIA, "Matrix Multiplication Background" guide, tile quantization).
constexpr double kTile = 128.0;

double tile_fill(double x) { return x <= 0 ? 1.0 : x / (kTile * std::ceil(x / kTile)); }

}  // namespace

CostModel::CostModel(const Gpu& gpu, Precision precision, const ArchCalibration& cal, double pace,
                     bool fp8_weights_cached, const Fp8Recipe* fp8_recipe)
    : gpu_(gpu),
      precision_(precision),
      cal_(cal),
      pace_(pace),
      fp8_weights_cached_(fp8_weights_cached),
      fp8_recipe_(fp8_recipe != nullptr ? *fp8_recipe : default_fp8_recipe()),
      compute_speed_(power_limited_speed(gpu, cal)) {}

// A GPU capped below its TDP holds the cap by lowering its SM clock, not its memory clock: the
// compute-bound kernels lose speed in proportion to the power given up over the measured
// elasticity (data/calibration.yaml power_elasticity).
double power_limited_speed(const Gpu& gpu, const ArchCalibration& cal) {
  if (!gpu.capped() || !(gpu.power_limit.value() > 0)) return 1.0;
  // Power falls at least as fast as the clock (dynamic power is linear in the clock at a fixed
  // voltage): the speed keeps at least the limit's share of TDP.
  const double kept = gpu.power_limit.value() / gpu.tdp.value();
  return std::max(kept, 1 - (1 - kept) / cal.power_elasticity);
}

double job_pace(long long gpus) {
  static const double sigma = [] {
    const auto data = ConfigNode::embedded("variability.yaml");
    if (!data) throw InputError("data/variability.yaml", "", "built-in data file is missing");
    const double s = data->number("gpu_speed_sigma");
    if (!(s >= 0 && s < 1)) data->fail("gpu_speed_sigma", "a fraction from 0 to 1");
    return s;
  }();
  return 1 + sigma * expected_max_normal(gpus);
}

double CostModel::gemm_efficiency(double m, double n, double k, double count) const {
  const double e_max =
      precision_ == Precision::fp8 ? cal_.gemm_efficiency_fp8 : cal_.gemm_efficiency;
  const double tiles = std::ceil(m / kTile) * std::ceil(n / kTile) * count;
  const double waves = tiles / std::max(1, gpu_.sms);
  const double wave_fill = waves / std::ceil(waves);
  const double k_half = precision_ == Precision::fp8 ? cal_.gemm_k_half_fp8 : cal_.gemm_k_half;
  const double depth = k / (k + k_half);
  return e_max * tile_fill(m) * tile_fill(n) * wave_fill * depth;
}

Seconds CostModel::memory_time(Bytes bytes) const {
  return bytes / (gpu_.hbm_bandwidth * cal_.memory_efficiency);
}

Seconds CostModel::gemm_time(double m, double n, double k, double count) const {
  if (m <= 0 || n <= 0 || k <= 0) return Seconds(0);
  const Flops flops(2.0 * m * n * k * count);
  const double recipe =
      precision_ == Precision::fp8 ? fp8_recipe_.gemm_speed_on(gpu_.architecture) : 1.0;
  const Seconds compute =
      flops / (gpu_.peak(precision_) * gemm_efficiency(m, n, k, count) * compute_speed_ * recipe);
  const Bytes operands(2.0 * count * (m * k + k * n + m * n));
  const Seconds traffic = operands / (gpu_.hbm_bandwidth * cal_.gemm_memory_efficiency);
  return std::max({compute, traffic, microseconds(cal_.kernel_overhead_us)});
}

// Transformer Engine quantizes what a Linear receives, once per micro-batch: the input in
// forward, the output gradient in backward, each in both layouts (the column-wise copy feeds the
// weight-gradient GEMM, which quantizes nothing of its own) at the recipe's cost
// (data/fp8_recipes.yaml: delayed scaling's fused cast-transpose reads the BF16 tensor and writes
// two FP8 copies, 4 B per element in one kernel; current scaling reads it once more for its amax,
// 6 B in three kernels). Each of the recipe's kernels leaves the architecture's kernel gap.
// The weights are cast on the first micro-batch of a step and kept for the rest
// (Linear.forward's is_first_microbatch, which Megatron-Core passes: TELinear in
// megatron/core/extensions/transformer_engine.py), or arrive in FP8 (fp8_param_gather): priced
// once per step with the optimizer (sim/step.cpp). A stack that does not keep them
// (Stack::fp8_weight_cache) casts them on every forward as well.
// A grouped GEMM's input split by expert is quantized split by split, each split its own
// kernels, unless the recipe has a multi-tensor cast (only delayed scaling does: Transformer
// Engine's split_quantize, pytorch/csrc/extensions/cast.cpp, loops over the splits for the
// others).
Seconds CostModel::fp8_cast_time(double elements, double splits) const {
  if (precision_ != Precision::fp8 || elements <= 0) return Seconds(0);
  return memory_time(Bytes(fp8_recipe_.cast_bytes * elements)) +
         microseconds(cal_.kernel_gap_us) * cast_kernels(splits);
}

double CostModel::cast_kernels(double splits) const {
  return fp8_recipe_.cast_kernels * (fp8_recipe_.multi_tensor_cast ? 1 : splits);
}

double CostModel::fp8_cast_kernels(const Operator& op) const {
  if (precision_ != Precision::fp8 || op.kind != OpKind::gemm) return 0;
  return cast_kernels(op.cast_splits);
}

OpTime CostModel::time(const Operator& op, long long seq_len) const {
  OpTime t = at_mean_speed(op, seq_len);
  const Seconds gap = microseconds(cal_.kernel_gap_us);
  t.forward = t.forward + gap * op.kernels_fwd;
  t.backward = t.backward + gap * op.kernels_bwd;
  const double slower = pace_ * cal_.step_slowdown;
  t.forward = t.forward * slower;
  t.backward = t.backward * slower;
  t.weight_grad = t.weight_grad * slower;
  return t;
}

OpTime CostModel::at_mean_speed(const Operator& op, long long seq_len) const {
  const Seconds launch = microseconds(cal_.kernel_overhead_us);
  switch (op.kind) {
    case OpKind::gemm: {
      const Seconds weight_grad = gemm_time(op.k, op.n, op.m, op.count);
      const double cast = op.m * op.k + (fp8_weights_cached_ ? 0.0 : op.k * op.n);
      const Seconds forward =
          gemm_time(op.m, op.n, op.k, op.count) + fp8_cast_time(cast * op.count, op.cast_splits);
      const Seconds input_grad = gemm_time(op.m, op.k, op.n, op.count) +
                                 fp8_cast_time(op.m * op.n * op.count, op.cast_splits);
      return {forward, input_grad + weight_grad, weight_grad};
    }
    case OpKind::attention: {
      const double s = static_cast<double>(seq_len);
      const double kernel =
          op.kernel == AttentionKernel::flash_triton ? cal_.triton_attention_factor
          : op.kernel == AttentionKernel::flash_v1   ? cal_.flash_v1_attention_factor
          : op.kernel == AttentionKernel::flash2     ? cal_.flash2_attention_factor
                                                     : 1.0;
      const auto peak = gpu_.peak_bf16;
      // The matrix products ramp up with the key length (a short sequence leaves the tiles'
      // pipelines short); each score's exponential runs on the special-function units, forward
      // and once more in backward (FlashAttention recomputes the probabilities), beside them.
      const auto clocked = peak * compute_speed_;
      const Seconds exps = Flops(op.scores) / (clocked * cal_.attention_exp_rate);
      const double fwd_eff =
          cal_.attention_fwd_efficiency * kernel * s / (s + cal_.attention_seq_half);
      const double bwd_eff =
          cal_.attention_bwd_efficiency * kernel * s / (s + cal_.attention_bwd_seq_half);
      const Seconds fwd = Flops(op.exec_flops) / (clocked * fwd_eff) + exps;
      const Seconds bwd = Flops(op.bwd_exec_flops) / (clocked * bwd_eff) + exps;
      return {std::max(fwd, launch), std::max(bwd, launch * 2.0)};
    }
    case OpKind::elementwise:
      return {std::max(memory_time(Bytes(op.bytes)), launch),
              std::max(memory_time(Bytes(op.bwd_bytes)), launch)};
  }
  return {};
}

}  // namespace colossim
