// Time of one operator on one GPU: the shape-aware efficiency model.
//
//  GEMM [m,k]x[k,n] (x count):   t = max(F / (P * e_gemm), bytes / (B_hbm * e_stream), launch)
//    e_gemm = e_max * q_tile(m) * q_tile(n) * q_wave * k / (k + k_half)
//    q_tile(x) = x / (128 * ceil(x / 128))            -- partial output tiles do full work
//    q_wave    = waves / ceil(waves), waves = tiles / SMs   -- a last, partly filled wave
//    Backward is two GEMMs priced with their own shapes: dX = dY W^T ([m,n]x[n,k]) and
//    dW = X^T dY ([k,m]x[m,n]), so small-token weight gradients come out slower.
//    FP8 runs at the FP8 peak with e_max_fp8 and pays Transformer Engine's casts at HBM speed
//    (fp8_cast_time). e_stream: how fast a GEMM bound by its operands (an expert's weights for
//    a few tokens) streams them.
//  attention (fused, causal):  t = max(F_exec / (P_bf16 * e_attn * s / (s + s_half))
//                                    + scores / (P_bf16 * r_exp), launch)
//    forward and backward each with their e_attn and s_half; scores = the score elements
//    computed, one exponential each on the special-function units (r_exp of them per tensor
//    FLOP), forward and again in backward; e_attn x triton_attention_factor for the Triton
//    FlashAttention kernel, x flash_v1_attention_factor for FlashAttention-1 / xformers,
//    x flash2_attention_factor for FlashAttention-2 where a faster kernel exists (Hopper)
//  element-wise:               t = max(bytes / (B_hbm * e_mem), launch)
// Launches are asynchronous: a kernel occupies the GPU for its work or, if shorter, for the
// interval at which the host can launch kernels (`launch`), plus the gap the GPU stands between
// two kernels of a stream (kernel_gap_us per kernel the operator launches). Each time is then
// stretched by the job's pace (its slowest GPU) and by step_slowdown, what a training step's
// kernels lose against the same kernels measured alone.
// e_max, k_half (each per precision), e_attn, s_half, r_exp, e_mem, the launch cost and
// step_slowdown are set per architecture
// (data/calibration.yaml). Attention stays in BF16 under FP8 training (as in the recipes).
#pragma once

#include "hw/catalog.hpp"
#include "sim/calibration.hpp"
#include "workload/fp8_recipe.hpp"
#include "workload/operators.hpp"

namespace colossim {

struct OpTime {
  Seconds forward;
  Seconds backward;        // all of it: input gradients, then weight gradients
  Seconds weight_grad{0};  // the weight-gradient GEMM's share of `backward`
};

class CostModel {
 public:
  // `pace`: how much slower than the mean GPU the job's compute runs (its slowest member's
  // speed, job_pace); 1 for one GPU.
  // `fp8_weights_cached`: under FP8 the weights are cast once a step (Stack::fp8_weight_cache),
  // not on every forward. `fp8_recipe`: how FP8 tensors are scaled (nullptr: the default,
  // delayed scaling).
  CostModel(const Gpu& gpu, Precision precision, const ArchCalibration& cal, double pace = 1.0,
            bool fp8_weights_cached = true, const Fp8Recipe* fp8_recipe = nullptr);
  [[nodiscard]] double pace() const { return pace_; }
  [[nodiscard]] OpTime time(const Operator& op, long long seq_len) const;
  [[nodiscard]] Seconds memory_time(Bytes bytes) const;
  [[nodiscard]] double gemm_efficiency(double m, double n, double k, double count) const;
  // Under FP8, quantizing `elements` BF16 elements in `splits` tensors as Transformer Engine
  // does (cost_model.cpp); 0 in other precisions.
  [[nodiscard]] Seconds fp8_cast_time(double elements, double splits = 1) const;
  // Under FP8, the quantization kernels a GEMM operator launches per micro-batch: forward (its
  // input) and backward (its output gradient); 0 for other operators and precisions.
  [[nodiscard]] double fp8_cast_kernels(const Operator& op) const;

 private:
  // The GEMM alone, operands already in the precision trained in.
  [[nodiscard]] Seconds gemm_time(double m, double n, double k, double count) const;
  [[nodiscard]] OpTime at_mean_speed(const Operator& op, long long seq_len) const;
  // The recipe's kernels to quantize a tensor in `splits` parts.
  [[nodiscard]] double cast_kernels(double splits) const;
  Gpu gpu_;
  Precision precision_;
  ArchCalibration cal_;
  double pace_ = 1.0;
  bool fp8_weights_cached_ = true;
  Fp8Recipe fp8_recipe_;
  // The compute-bound kernels' speed under the GPU's power limit (power_limited_speed).
  double compute_speed_ = 1.0;
};

// A synchronous job of `gpus` GPUs computes at its slowest GPU's speed: 1 + sigma Z_gpus, with
// sigma the per-GPU speed spread (data/variability.yaml, Sinha et al. SC'22) and Z_n the
// expected maximum of n standard normals.
[[nodiscard]] double job_pace(long long gpus);

// The speed of compute-bound kernels (products, attention) on `gpu` under its power limit,
// relative to the GPU at its TDP: 1 - (1 - limit / TDP) / power_elasticity, at least limit / TDP;
// 1 uncapped.
[[nodiscard]] double power_limited_speed(const Gpu& gpu, const ArchCalibration& cal);

}  // namespace colossim
