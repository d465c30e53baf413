// The cost of one operator on one GPU: here, what FP8 adds to a matrix product.
#include "sim/cost_model.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "hw/catalog.hpp"
#include "sim/calibration.hpp"
#include "workload/operators.hpp"

using namespace colossim;

namespace {

Operator gemm(double m, double k, double n) {
  Operator op;
  op.name = "linear";
  op.kind = OpKind::gemm;
  op.m = m;
  op.k = k;
  op.n = n;
  op.flops = 2 * m * n * k;
  return op;
}

// An H100 with its calibration, priced under an FP8 recipe.
struct H100 {
  Catalog catalog = Catalog::builtin();
  Gpu gpu = *catalog.find_gpu("h100-sxm-80gb");
  Calibration calibration = Calibration::builtin();
  const ArchCalibration& cal = calibration.for_architecture(gpu.architecture);
  double gap = cal.kernel_gap_us * 1e-6;
  [[nodiscard]] CostModel with(Precision precision, const char* recipe) const {
    return {gpu, precision, cal, 1.0, true, find_fp8_recipe(recipe)};
  }
};

}  // namespace

// Transformer Engine quantizes a Linear's input in forward and its output gradient in backward
// once per micro-batch (a cast-transpose: 2 B read, 1 + 1 B written per element); the weights
// are cast once a step, not once per micro-batch. So under FP8 a GEMM costs its product plus
// 4 B per input element forward, however wide its weight.
TEST(CostModel, Fp8QuantizesEachMicroBatchsInputsNotTheWeights) {
  const Catalog catalog = Catalog::builtin();
  const Gpu* found = catalog.find_gpu("h100-sxm-80gb");
  ASSERT_NE(found, nullptr);
  const Gpu& h100 = *found;
  const Calibration calibration = Calibration::builtin();
  const ArchCalibration& cal = calibration.for_architecture(h100.architecture);
  const CostModel fp8(h100, Precision::fp8, cal);
  // Each kernel an operator launches waits the gap between kernels (one forward, two backward),
  // and the whole is stretched by what a training step loses against its kernels alone.
  const double slow = cal.step_slowdown;
  const double gap = cal.kernel_gap_us * 1e-6;
  const double m = 8192, k = 8192;
  for (const double n : {4096.0, 32768.0}) {
    const Operator op = gemm(m, k, n);
    const double product =
        2 * m * n * k / (h100.peak(Precision::fp8).value() * fp8.gemm_efficiency(m, n, k, 1));
    // Delayed scaling (the default recipe): one cast-transpose kernel, with its own gap.
    const double cast = fp8.memory_time(Bytes(4 * m * k)).value() + gap;
    EXPECT_NEAR(fp8.time(op, 4096).forward.value(), slow * (product + cast + gap), 1e-9) << n;
    // Backward: the input gradient's product plus the output gradient's cast, then the
    // weight gradient's product on the already-quantized copies.
    const double dgrad =
        2 * m * n * k / (h100.peak(Precision::fp8).value() * fp8.gemm_efficiency(m, k, n, 1));
    const double wgrad =
        2 * m * n * k / (h100.peak(Precision::fp8).value() * fp8.gemm_efficiency(k, n, m, 1));
    const OpTime t = fp8.time(op, 4096);
    EXPECT_NEAR(t.backward.value(),
                slow * (dgrad + fp8.memory_time(Bytes(4 * m * n)).value() + gap + wgrad + 2 * gap),
                1e-9)
        << n;
    EXPECT_NEAR(t.weight_grad.value(), slow * wgrad, 1e-9) << n;
  }
  // A stack that keeps no FP8 copy of the weights (llm-foundry's te.Linear) casts them on every
  // forward as well: 4 B per weight element more.
  const CostModel uncached(h100, Precision::fp8, cal, 1.0, false);
  const Operator op = gemm(m, k, 8192);
  EXPECT_NEAR(uncached.time(op, 4096).forward.value() - fp8.time(op, 4096).forward.value(),
              slow * fp8.memory_time(Bytes(4 * k * 8192)).value(), 1e-9);
  // BF16 casts nothing.
  const CostModel bf16(h100, Precision::bf16, cal);
  EXPECT_EQ(bf16.fp8_cast_time(1e9).value(), 0.0);
}

// The recipe prices the quantization (data/fp8_recipes.yaml): current scaling reads each tensor
// once more for its amax and launches three kernels (amax, scale, cast) where delayed scaling's
// cast-transpose is one; block scaling adds its scales' bytes. BF16 quantizes nothing.
TEST(CostModel, Fp8RecipesPriceTheirQuantization) {
  const H100 h100;
  const ArchCalibration& cal = h100.cal;
  const double gap = h100.gap;
  const double elements = 8192.0 * 8192.0;
  const CostModel delayed = h100.with(Precision::fp8, "delayed");
  const CostModel current = h100.with(Precision::fp8, "current");
  const CostModel blockwise = h100.with(Precision::fp8, "blockwise");
  const CostModel bf16 = h100.with(Precision::bf16, "current");
  EXPECT_NEAR(delayed.fp8_cast_time(elements).value(),
              delayed.memory_time(Bytes(4 * elements)).value() + gap, 1e-12);
  EXPECT_NEAR(current.fp8_cast_time(elements).value(),
              current.memory_time(Bytes(6 * elements)).value() + 3 * gap, 1e-12);
  EXPECT_NEAR(blockwise.fp8_cast_time(elements).value(),
              blockwise.memory_time(Bytes((4 + 2 * 4.0 / 128) * elements)).value() + gap, 1e-12);
  EXPECT_EQ(bf16.fp8_cast_time(elements).value(), 0.0);
  // A whole GEMM: current scaling costs more than delayed by its extra pass and kernels only.
  const Operator op = gemm(8192, 8192, 8192);
  EXPECT_NEAR(current.time(op, 4096).forward.value() - delayed.time(op, 4096).forward.value(),
              cal.step_slowdown * (current.memory_time(Bytes(2 * elements)).value() + 2 * gap),
              1e-12);
}

// A grouped GEMM (Transformer Engine's GroupedLinear, one split per expert) quantizes each
// expert's rows as a tensor of its own: the kernels of a cast times the splits, unless the recipe
// casts them all in one multi-tensor kernel (delayed scaling's nvte_multi_cast_transpose).
TEST(CostModel, Fp8GroupedGemmsCastEachExpertsSplit) {
  const H100 h100;
  const ArchCalibration& cal = h100.cal;
  const double gap = h100.gap;
  const CostModel delayed = h100.with(Precision::fp8, "delayed");
  const CostModel current = h100.with(Precision::fp8, "current");
  const CostModel bf16 = h100.with(Precision::bf16, "current");
  Operator experts = gemm(4096, 2048, 768);
  experts.cast_splits = 16;
  EXPECT_EQ(delayed.fp8_cast_kernels(experts), 1);
  EXPECT_EQ(current.fp8_cast_kernels(experts), 3 * 16);
  EXPECT_EQ(current.fp8_cast_kernels(gemm(4096, 2048, 768)), 3);
  EXPECT_EQ(bf16.fp8_cast_kernels(experts), 0);
  // Forward, the 16 splits' casts wait 16 times the gaps of one cast.
  const Operator one = gemm(4096, 2048, 768);
  EXPECT_NEAR(current.time(experts, 4096).forward.value() - current.time(one, 4096).forward.value(),
              cal.step_slowdown * 15 * 3 * gap, 1e-12);
  EXPECT_NEAR(delayed.time(experts, 4096).forward.value(), delayed.time(one, 4096).forward.value(),
              1e-12);
}

// A GPU held below its TDP (nvidia-smi -pl) lowers its SM clock, not its memory clock: a
// product bound by its arithmetic slows by the measured elasticity's share of the power given
// up, an element-wise kernel bound by HBM does not.
TEST(CostModel, APowerLimitSlowsTheProductsNotTheMemoryBoundKernels) {
  const H100 at_tdp;
  const ArchCalibration& cal = at_tdp.cal;
  Gpu h100 = at_tdp.gpu;
  const CostModel full(h100, Precision::bf16, cal);
  EXPECT_EQ(power_limited_speed(h100, cal), 1.0);
  h100.power_limit = Watts(500);
  const double speed = power_limited_speed(h100, cal);
  EXPECT_NEAR(speed, 1 - (1 - 500.0 / 700) / cal.power_elasticity, 1e-12);
  const CostModel capped(h100, Precision::bf16, cal);
  const double gap = cal.kernel_gap_us * 1e-6 * cal.step_slowdown;
  const Operator product = gemm(8192, 8192, 8192);
  EXPECT_NEAR(capped.time(product, 4096).forward.value() - gap,
              (full.time(product, 4096).forward.value() - gap) / speed, 1e-12);
  Operator norm;
  norm.name = "norm";
  norm.kind = OpKind::elementwise;
  norm.bytes = 1e9;
  norm.bwd_bytes = 1.5e9;
  EXPECT_EQ(capped.time(norm, 4096).forward.value(), full.time(norm, 4096).forward.value());
}
