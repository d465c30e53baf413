// The MoE block as the step prices it (moe_block_time) against one Megatron-Core MoE layer
// timed alone on 8 H100 (validation/layers/megatron-lm-moe-perf.json: Megatron-LM's own MoE
// performance regression test). The benchmark times the layer outside a training step, so the
// step's slowdown is left out here, and it quantizes FP8 weights on every forward.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "net/network.hpp"
#include "sim/cost_model.hpp"
#include "sim/step.hpp"
#include "test_support.hpp"

using namespace colossim;
using json = nlohmann::json;

namespace {

const char* const kFile = COLOSSIM_SOURCE_DIR "/validation/layers/megatron-lm-moe-perf.json";

json rows() {
  std::ifstream in(kFile);
  if (!in) throw std::runtime_error(std::string("cannot read ") + kFile);
  return json::parse(in).at("rows");
}

struct Predicted {
  double forward_ms = 0, backward_ms = 0;
};

// The row's layer on its 8 GPUs, EP 8, as a one-layer model.
Predicted predict_row(const json& row) {
  const int shared = row.at("shared_ffn_hidden").get<int>() > 0 ? 1 : 0;
  const bool fp8 = row.at("precision") == "fp8";
  const std::string yaml =
      "cluster: {gpu: h100-sxm-80gb, gpus: 8}\n"
      "model: {layers: 1, hidden: " +
      std::to_string(row.at("hidden").get<int>()) +
      ", heads: 32, kv_heads: 8, vocab: 32000, seq_len: " +
      std::to_string(row.at("tokens_per_gpu").get<int>()) +
      ", mlp: swiglu, moe: {experts: " + std::to_string(row.at("experts").get<int>()) +
      ", top_k: " + std::to_string(row.at("top_k").get<int>()) +
      ", expert_ffn_hidden: " + std::to_string(row.at("expert_ffn_hidden").get<int>()) +
      ", shared_experts: " + std::to_string(shared) + ", balancing: forced}}\n" +
      "training: {global_batch: 8, precision: " + (fp8 ? "fp8, fp8_recipe: blockwise" : "bf16") +
      ", framework: megatron-core}\n"
      "parallelism: {tp: 1, pp: 1, ep: 8, dp: 8, micro_batch: 1, sequence_parallel: false, "
      "moe_dispatcher: " +
      (row.at("dispatcher") == "alltoall" ? "alltoall" : "deepep") + "}\n";
  const Scenario s = colossim::testing::scenario(yaml);
  ArchCalibration cal = Calibration::builtin().for_architecture("hopper");
  cal.step_slowdown = 1.0;  // a layer timed alone
  // at the GPU's short-run clocks: the GEMM rates measured before the GPU reaches its power
  // limit (data/calibration.yaml derives the held rates from them, x 0.947 BF16, x 0.970 FP8)
  cal.gemm_efficiency /= 0.947;
  cal.gemm_efficiency_fp8 /= 0.970;
  const auto net = make_network("bandwidth", s.cluster, cal.network());
  const BlockTime t =
      moe_block_time(StepInputs{s.model, s.cluster, s.plan, s.training, *net, cal}, 0);
  Predicted p{1e3 * t.forward.value(), 1e3 * t.backward.value()};
  if (fp8) {
    // Called outside a micro-batch loop, Transformer Engine quantizes every weight each forward.
    const CostModel cost(s.cluster.gpu, s.plan.precision, cal, 1.0, false,
                         find_fp8_recipe(s.plan.fp8_recipe));
    const double h = row.at("hidden").get<double>();
    const double f = row.at("expert_ffn_hidden").get<double>();
    const double local = row.at("experts").get<double>() / 8;
    p.forward_ms += 1e3 * cost.fp8_cast_time(local * 3 * h * f, 2 * local).value();
    if (shared > 0)
      p.forward_ms +=
          1e3 * cost.fp8_cast_time(3 * h * row.at("shared_ffn_hidden").get<double>(), 2).value();
  }
  return p;
}

struct Row {
  std::string id;
  double forward_ms = 0, backward_ms = 0;
  Predicted predicted;
};

// The rows colossim's dispatchers cover (alltoall, DeepEP; not HybridEP), by id.
std::map<std::string, Row> predicted_rows() {
  std::map<std::string, Row> out;
  for (const auto& r : rows()) {
    if (r.at("dispatcher") == "flex/hybridep") continue;
    const auto id = r.at("id").get<std::string>();
    out[id] = Row{id, r.at("forward_ms").get<double>(), r.at("backward_ms").get<double>(),
                  predict_row(r)};
  }
  return out;
}

}  // namespace

// Block-scaled FP8 barely speeds up an MoE layer on Hopper (0.86x BF16's time on the Mixtral
// proxy, 0.95-1.08x on the fine-grained DeepSeek proxy): its GEMMs apply the scales in software
// (data/fp8_recipes.yaml gemm_speed), each expert's input and gradient is quantized on its own,
// the weights on every forward, and the all-to-alls stay in BF16. The model's FP8-over-BF16
// ratio must follow the measured one within 17%; priced with per-tensor FP8 speed it came out
// 24-28% low on the backward passes.
TEST(MeasuredMoeLayers, BlockScaledFp8GainsWhatTheLayerMeasures) {
  const auto rows = predicted_rows();
  int pairs = 0;
  for (const auto& [id, fp8] : rows) {
    if (!id.ends_with("_fp8")) continue;
    const Row& bf16 = rows.at(id.substr(0, id.size() - 3) + "bf16");
    ++pairs;
    const double fwd =
        (fp8.predicted.forward_ms / bf16.predicted.forward_ms) / (fp8.forward_ms / bf16.forward_ms);
    const double bwd = (fp8.predicted.backward_ms / bf16.predicted.backward_ms) /
                       (fp8.backward_ms / bf16.backward_ms);
    EXPECT_NEAR(fwd, 1.0, 0.17) << id << " forward";
    EXPECT_NEAR(bwd, 1.0, 0.17) << id << " backward";
  }
  EXPECT_EQ(pairs, 4);
}

// DeepEP against the alltoall dispatcher on the same layer: no chunk sorts, and inside one node
// a token goes once to each rank holding its experts (workload/routing.hpp
// deduplicated_rank_share). Measured: 0.78x (forward) and 0.87x (backward) the time on the
// DeepSeek proxy, 1.08x and 1.03x on the Mixtral proxy (one expert per rank: nothing to
// deduplicate, a kernel of its own to pay); the model within 10%.
TEST(MeasuredMoeLayers, DeepEpAgainstAllToAllFollowsTheLayer) {
  const auto rows = predicted_rows();
  int pairs = 0;
  for (const auto& [id, deepep] : rows) {
    const auto at = id.find("_deepep_");
    if (at == std::string::npos) continue;
    const Row& a2a = rows.at(id.substr(0, at) + "_a2a_" + id.substr(at + 8));
    ++pairs;
    EXPECT_NEAR((deepep.predicted.forward_ms / a2a.predicted.forward_ms) /
                    (deepep.forward_ms / a2a.forward_ms),
                1.0, 0.10)
        << id << " forward";
    EXPECT_NEAR((deepep.predicted.backward_ms / a2a.predicted.backward_ms) /
                    (deepep.backward_ms / a2a.backward_ms),
                1.0, 0.10)
        << id << " backward";
  }
  EXPECT_EQ(pairs, 4);
}

// Each pass's time at the GPU's short-run clocks: the coarse Mixtral proxy within 20%, the
// fine-grained DeepSeek proxy within 45% (it comes out 13-42% slow, BF16 the most: its
// forward measures 6.9 ms where NCCL's all-to-all alone moves its 2 x 411 MB in about 2.4 ms
// and its 3.25 TFLOP need 4 ms at the short-run GEMM rate; the layer overlaps something the
// model runs in series. An open gap, issue 12).
TEST(MeasuredMoeLayers, PassTimesWithinTheirBands) {
  for (const auto& [id, r] : predicted_rows()) {
    const double band = id.starts_with("mixtral") ? 0.20 : 0.45;
    EXPECT_NEAR(r.predicted.forward_ms / r.forward_ms, 1.0, band) << id;
    EXPECT_NEAR(r.predicted.backward_ms / r.backward_ms, 1.0, band) << id;
  }
}
