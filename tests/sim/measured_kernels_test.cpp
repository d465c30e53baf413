// The cost model against kernels measured alone on one H200 (validation/kernels/h200-2026-11-30:
// cuBLASLt GEMMs, cuDNN and FlashAttention-2 attention, whole eager PyTorch layers). Hopper's
// GEMM and attention constants are set from these measurements (data/calibration.yaml, "measured"),
// so the model must reproduce them; step_slowdown, what a training step adds, is left out here.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hw/catalog.hpp"
#include "sim/calibration.hpp"
#include "sim/cost_model.hpp"
#include "workload/operators.hpp"

using namespace colossim;
using json = nlohmann::json;

namespace {

const char* const kDir = COLOSSIM_SOURCE_DIR "/validation/kernels/h200-2026-11-30/";

json load(const std::string& file) {
  std::ifstream in(kDir + file);
  if (!in) throw std::runtime_error("cannot read " + std::string(kDir) + file);
  return json::parse(in);
}

struct Fixture {
  Catalog catalog = Catalog::builtin();
  Calibration calibration = Calibration::builtin();
  const Gpu& gpu() const { return *catalog.find_gpu("h200-sxm-141gb"); }
  // Hopper's constants for one kernel run alone: no training-step slowdown.
  ArchCalibration alone() const {
    ArchCalibration cal = calibration.for_architecture("hopper");
    cal.step_slowdown = 1.0;
    return cal;
  }
};

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1))];
}

double rms(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x * x;
  return std::sqrt(s / static_cast<double>(v.size()));
}

}  // namespace

// cuBLASLt's GEMMs, BF16 and FP8, on the shapes that fill every SM (at least 132 output tiles)
// with k >= 256: the model's e_max is the rate held at the power limit, so it runs about 5%
// under these short timings; the shape terms (tiles, waves, k / (k + k_half)) must follow them.
TEST(MeasuredKernels, GemmsFollowCublasAcrossShapes) {
  const Fixture f;
  const json data = load("kernels.json");
  for (const auto& [dtype, layout, precision] :
       {std::tuple{"bf16", "NT", Precision::bf16}, std::tuple{"fp8", "TN_fast", Precision::fp8}}) {
    const CostModel model(f.gpu(), precision, f.alone());
    std::vector<double> errors;
    for (const auto& row : data.at("gemm")) {
      if (row.at("dtype") != dtype || row.at("layout") != layout) continue;
      const double m = row.at("m"), n = row.at("n"), k = row.at("k");
      if (k < 256 || std::ceil(m / 128) * std::ceil(n / 128) < f.gpu().sms) continue;
      const double rate = f.gpu().peak(precision).value() * model.gemm_efficiency(m, n, k, 1);
      errors.push_back(std::fabs(2 * m * n * k / rate / row.at("s").get<double>() - 1));
    }
    ASSERT_GE(errors.size(), 150u) << dtype;
    EXPECT_LE(percentile(errors, 0.5), 0.08) << dtype;
    EXPECT_LE(percentile(errors, 0.9), 0.20) << dtype;
  }
}

// MoE expert GEMMs (DeepSeek-V3, Qwen3-235B, Qwen3-30B and Mixtral shapes; 4, 8 and 32 local
// experts of 32-8,192 tokens each) as cuBLASLt's grouped kernel ran them: few tokens per expert
// are bound by reading the weights (gemm_memory_efficiency), many by the tensor cores.
TEST(MeasuredKernels, ExpertGemmsFollowTheGroupedKernel) {
  const Fixture f;
  const CostModel model(f.gpu(), Precision::bf16, f.alone());
  const json data = load("kernels.json");
  std::vector<double> errors;
  for (const auto& row : data.at("grouped")) {
    if (!row.contains("grouped_s")) continue;
    Operator op;
    op.kind = OpKind::gemm;
    op.m = row.at("tokens_per_expert");
    op.k = row.at("k");
    op.n = row.at("n");
    op.count = row.at("experts");
    errors.push_back(model.time(op, 4096).forward.value() / row.at("grouped_s").get<double>() - 1);
  }
  ASSERT_GE(errors.size(), 150u);
  EXPECT_LE(rms(errors), 0.18);
  std::vector<double> size;
  for (double e : errors) size.push_back(std::fabs(e));
  EXPECT_LE(percentile(size, 0.5), 0.08);
}

// Causal attention, head dims 64 and 128, sequences 512-32,768: cuDNN's kernel as `flash`,
// FlashAttention-2 as `flash2`. The exponentials are what make head dim 64 slower per FLOP.
TEST(MeasuredKernels, AttentionFollowsCudnnAndFlashAttention2) {
  const Fixture f;
  const CostModel model(f.gpu(), Precision::bf16, f.alone());
  const json data = load("kernels.json");
  for (const auto& [backend, kernel] :
       {std::pair{"cudnn", AttentionKernel::flash}, std::pair{"flash2", AttentionKernel::flash2}}) {
    std::vector<double> fwd, bwd;
    for (const auto& row : data.at("attention")) {
      if (row.at("backend") != backend || row.at("d_qk") != row.at("d_v")) continue;
      const double b = row.at("batch"), h = row.at("heads"), s = row.at("seq"), d = row.at("d_qk");
      Operator op;
      op.kind = OpKind::attention;
      op.kernel = kernel;
      op.exec_flops = 2 * b * h * s * s * 2 * d * 0.5;
      op.bwd_exec_flops = 2.5 * op.exec_flops;
      op.scores = b * h * s * s * 0.5;
      const OpTime t = model.time(op, static_cast<long long>(s));
      fwd.push_back(t.forward.value() / row.at("fwd_s").get<double>() - 1);
      bwd.push_back(t.backward.value() / row.at("bwd_s").get<double>() - 1);
    }
    ASSERT_GE(fwd.size(), 24u) << backend;
    EXPECT_LE(rms(fwd), 0.10) << backend;
    EXPECT_LE(rms(bwd), 0.10) << backend;
    EXPECT_LE(percentile(fwd, 1.0) - percentile(fwd, 0.0), 0.40) << backend;
  }
}

// Whole layers (norms, projections, cuDNN attention, MLP, residuals), forward and backward, as
// eager PyTorch ran them: the operators colossim lists for a layer, each priced alone, must add
// up to what the GPU took.
TEST(MeasuredKernels, LayersAddUpToWhatTheGpuTook) {
  const Fixture f;
  const CostModel model(f.gpu(), Precision::bf16, f.alone());
  const json data = load("layers.json");
  ASSERT_GE(data.at("layers").size(), 6u);
  for (const auto& row : data.at("layers")) {
    Model m;
    m.name = row.at("name");
    m.layers = 1;
    m.hidden = row.at("h");
    m.ffn_hidden = row.at("ffn");
    m.heads = row.at("heads");
    m.kv_heads = row.at("kv_heads");
    m.head_dim = row.at("head_dim");
    m.vocab = 32000;
    m.seq_len = row.at("seq");
    m.mlp = row.at("gated").get<bool>() ? MlpKind::swiglu : MlpKind::gelu;
    m.norm = row.at("norm") == "rms" ? NormKind::rmsnorm : NormKind::layernorm;
    m.learned_positions = true;  // the measured layer applies no rotary embedding
    Shard shard;
    shard.micro_batch = row.at("batch");
    shard.seq_len = m.seq_len;
    double total = 0;
    for (const auto& op : layer_work(m, 0, shard).ops) {
      const OpTime t = model.time(op, m.seq_len);
      total += t.forward.value() + t.backward.value();
    }
    EXPECT_NEAR(total / row.at("fwd_bwd_s").get<double>(), 1.0, 0.15) << m.name;
  }
}
