// Software stacks (data/stacks.yaml): how a framework's kernels change a layer's traffic,
// launches and saved activations, against closed forms from the framework's own code.
#include "workload/stack.hpp"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>

#include "core/error.hpp"
#include "test_support.hpp"
#include "workload/operators.hpp"

using namespace colossim;

namespace {

const Stack& stack(const std::string& name) {
  const Stack* s = find_stack(name);
  if (s == nullptr) throw std::runtime_error("no stack " + name + " in data/stacks.yaml");
  return *s;
}

Shard shard_on(const Stack& s, const Model& m) {
  Shard sh;
  sh.seq_len = m.seq_len;
  sh.stack = &s;
  return sh;
}

double elementwise_bytes(const LayerWork& w, BlockKind kind) {
  double b = 0;
  for (const auto& op : w.ops) {
    if (op.kind == OpKind::elementwise && op.block == kind) b += op.bytes;
  }
  return b;
}

Model llama() { return colossim::testing::present(find_preset("llama3-8b"), "llama3-8b"); }

}  // namespace

TEST(Stack, EveryEntryLoadsAndTheDefaultIsMegatronCore) {
  ASSERT_GE(stacks().size(), 10u);
  EXPECT_EQ(default_stack().name, "megatron-core");
  EXPECT_EQ(find_stack("no-such-stack"), nullptr);
  for (const auto& s : stacks()) {
    EXPECT_FALSE(s.label.empty()) << s.name;
    EXPECT_FALSE(s.source.empty()) << s.name;
    if (!s.compiled.empty()) {
      EXPECT_NE(find_stack(s.compiled), nullptr) << s.name;
    }
  }
  // The fused level is what the operator model prices: no block moves more than its kernel.
  for (size_t k = 0; k < static_cast<size_t>(BlockKind::count_); ++k) {
    EXPECT_EQ(default_stack().blocks[k].bytes, 1.0);
    EXPECT_EQ(default_stack().blocks[k].saved_bytes, 0.0);
  }
}

// Eager RMSNorm in FP32 (x.float(), pow, mean, x * rstd, type_as, * weight) moves
// (2+4) + (4+4) + 4 + (4+4) + (4+2) + (2+2) = 36 B per element, the fused kernel 2 + 2.
TEST(Stack, EagerRmsNormMovesNineTimesTheFusedKernel) {
  const Model m = llama();
  const LayerWork fused = layer_work(m, 0, shard_on(stack("megatron-core"), m));
  const LayerWork eager = layer_work(m, 0, shard_on(stack("torchtitan"), m));
  EXPECT_NEAR(elementwise_bytes(eager, BlockKind::rmsnorm),
              36.0 / 4.0 * elementwise_bytes(fused, BlockKind::rmsnorm), 1e-6);
  // GEMMs and attention are the same kernels on every stack.
  for (size_t i = 0; i < fused.ops.size(); ++i) {
    if (fused.ops[i].kind == OpKind::elementwise) continue;
    EXPECT_EQ(fused.ops[i].bytes, eager.ops[i].bytes) << fused.ops[i].name;
    EXPECT_EQ(fused.ops[i].flops, eager.ops[i].flops) << fused.ops[i].name;
  }
}

// What autograd keeps beyond the fused kernels, for one Llama 3 8B layer at s = 8192: the FP32
// copy of each norm's input (2 norms x 4 B x s x h), of Q and K for the complex rotary
// (4 B x s x (32 + 8) x 128) and silu's output (2 B x s x f).
TEST(Stack, EagerBlocksKeepTheirIntermediates) {
  const Model m = llama();
  const LayerWork fused = layer_work(m, 0, shard_on(stack("megatron-core"), m));
  const LayerWork eager = layer_work(m, 0, shard_on(stack("torchtitan"), m));
  const double s = 8192, h = 4096, f = 14336;
  const double expected = 2 * 4 * s * h + 4 * s * (32 + 8) * 128 + 2 * s * f;
  EXPECT_NEAR(eager.activation_bytes - fused.activation_bytes, expected, 1e-6 * expected);
  // Recomputing the norms (Megatron's layernorm module) releases their copies too.
  EXPECT_NEAR(eager.recompute_saves.at("layernorm") - fused.recompute_saves.at("layernorm"),
              2 * 4 * s * h, 1.0);
  // Compiled blocks keep nothing extra (the partitioner recomputes point-wise results).
  const LayerWork compiled = layer_work(m, 0, shard_on(stack("torchtitan-compiled"), m));
  EXPECT_EQ(compiled.activation_bytes, fused.activation_bytes);
}

// A stack may run some blocks fused in an otherwise eager model (nanotron's Triton RMSNorm and
// flash-attn rotary beside an eager GLU).
TEST(Stack, BlocksCanOverrideTheStacksLevel) {
  const Stack& n = stack("nanotron");
  EXPECT_EQ(n.cost(BlockKind::rmsnorm).bytes, 1.0);
  EXPECT_EQ(n.cost(BlockKind::rotary).bytes, 1.0);
  EXPECT_GT(n.cost(BlockKind::gated_activation).bytes, 1.0);
}

// The loss on an FP32 copy of the logits keeps the BF16 logits and the copy (6 B per logit)
// live while it runs; Megatron's in-place vocab-parallel loss only the BF16 logits (2 B).
TEST(Stack, TheLossOnAnFp32CopyHoldsItWhileItRuns) {
  const Model m = llama();
  const double logits = 8192.0 * static_cast<double>(m.vocab);
  EXPECT_NEAR(output_work(m, shard_on(stack("torchtitan"), m)).transient_bytes, 6 * logits, 1);
  EXPECT_NEAR(output_work(m, shard_on(stack("megatron-core"), m)).transient_bytes, 2 * logits, 1);
}

// TorchTitan's per-op checkpointing keeps the block input, the outputs of wq, wv, w1 and w2 and
// the attention output (with its FP32 log-sum-exp); the rest re-runs: wk (8 of the 48 heads'
// worth of the fused QKV product), wo, w3 (half of [w1, w3]) and every element-wise block.
TEST(Stack, PerOpCheckpointingKeepsEveryOtherProduct) {
  const Model m = llama();
  const LayerWork w = layer_work(m, 0, shard_on(stack("torchtitan"), m));
  const double s = 8192, h = 4096, f = 14336, d = 128;
  const double kept = s * (2 * h + 2 * (32 + 8) * d + 2 * 32 * d + 32 * 4.0 + 2 * f + 2 * h);
  EXPECT_NEAR(w.activation_bytes - w.recompute_saves.at("op"), kept, 1e-6 * kept);
  const std::map<std::string, double> products = {
      {"qkv_proj", 8.0 / 48.0}, {"out_proj", 1.0}, {"fc1", 0.5}, {"fc2", 0.0}};
  for (const auto& op : w.ops) {
    double expected = 0;  // the attention kernel's outputs are kept
    if (op.kind == OpKind::elementwise) expected = 1;
    if (op.kind == OpKind::gemm) expected = products.at(op.name);
    EXPECT_DOUBLE_EQ(op.op_policy_share, expected) << op.name;
  }
}
