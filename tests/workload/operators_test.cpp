// The operators of a layer as one GPU runs them: here, how expert parallelism and expert tensor
// parallelism share out a MoE block.
#include "workload/operators.hpp"

#include <gtest/gtest.h>

#include <string>

#include "test_support.hpp"
#include "workload/stack.hpp"

using namespace colossim;

namespace {

struct ExpertWork {
  double flops = 0, fc1_m = 0, fc1_n = 0, etp_bytes = 0, a2a_bytes = 0, expert_params = 0;
};

ExpertWork experts_of(int tp, int ep, int etp) {
  Model m = colossim::testing::present(find_preset("mixtral-8x7b"), "model preset mixtral-8x7b");
  m.moe->balancing = "forced";  // every EP rank gets the mean
  Shard s;
  s.seq_len = m.seq_len;
  s.tp = tp;
  s.ep = ep;
  s.etp = etp;
  s.sequence_parallel = tp > 1;
  const LayerWork w = layer_work(m, 0, s);
  ExpertWork e;
  for (const auto& op : w.ops) {
    if (op.name.rfind("expert_fc", 0) != 0) continue;
    e.flops += 2 * op.m * op.n * op.k * op.count;
    if (op.name == "expert_fc1") {
      e.fc1_m = op.m;
      e.fc1_n = op.n;
    }
  }
  e.etp_bytes = w.comm.etp_bytes;
  e.a2a_bytes = w.comm.ep_bytes;
  e.expert_params = w.expert_params;
  return e;
}

}  // namespace

// Expert TP (Megatron-Core's alltoall dispatcher): after the all-to-all the ETP group
// all-gathers the tokens its experts received and each member runs 1/etp of every expert's
// FFN on all of them. Per GPU: the experts' FLOPs and the all-to-all stay as with etp 1; the
// GEMMs see etp times the tokens and 1/etp of the width; the experts' weights are 1/etp; the
// all-gather moves the etp members' tokens.
TEST(Operators, ExpertTensorParallelismSplitsEachExpert) {
  const ExpertWork one = experts_of(4, 2, 1), four = experts_of(4, 2, 4);
  EXPECT_NEAR(four.flops, one.flops, 1e-9 * one.flops);
  EXPECT_NEAR(four.a2a_bytes, one.a2a_bytes, 1e-9 * one.a2a_bytes);
  EXPECT_NEAR(four.fc1_m, 4 * one.fc1_m, 1e-9 * one.fc1_m);
  EXPECT_NEAR(four.fc1_n, one.fc1_n / 4, 1e-9 * one.fc1_n);
  EXPECT_NEAR(four.expert_params, one.expert_params / 4, 1e-9 * one.expert_params);
  EXPECT_EQ(one.etp_bytes, 0);
  // Mixtral: 4,096 tokens, TP 4 with SP: 1,024 per GPU, top-2, 4 GPUs' worth, 4,096 x 2 B each.
  EXPECT_NEAR(four.etp_bytes, 1024.0 * 2 * 4 * 4096 * 2, 1e-6);
  // Without EP the experts split over TP like a dense MLP: the same FLOPs per GPU again.
  EXPECT_NEAR(experts_of(4, 1, 4).flops, one.flops * 1, 1e-9 * one.flops * 2);
}

// Transformer Engine's grouped GEMM is one cuBLAS GEMM per local expert, launched from C++
// (Stack::gemm_per_expert): Mixtral's 8 experts over EP 2 launch 4 forward and 8 backward per
// expert GEMM on Megatron-Core; TorchTitan's torch._grouped_mm is one kernel.
TEST(Operators, TransformerEngineLaunchesAGemmPerExpert) {
  Model m = colossim::testing::present(find_preset("mixtral-8x7b"), "model preset mixtral-8x7b");
  Shard s;
  s.seq_len = m.seq_len;
  s.ep = 2;
  for (const std::string stack : {"megatron-core", "torchtitan"}) {
    s.stack = find_stack(stack);
    ASSERT_NE(s.stack, nullptr);
    for (const auto& op : layer_work(m, 0, s).ops) {
      if (op.name != "expert_fc1" && op.name != "expert_fc2") continue;
      const bool per_expert = stack == "megatron-core";
      EXPECT_EQ(op.kernels_fwd, per_expert ? 4 : 1) << stack;
      EXPECT_EQ(op.kernels_bwd, per_expert ? 8 : 2) << stack;
      EXPECT_EQ(op.native_launches_fwd, per_expert ? 4 : 0) << stack;
    }
  }
}

// Megatron-Core's all-to-all dispatcher sorts the received tokens by local expert after the
// dispatch and back before the combine: two passes over every routed token (h x 2 B read and
// written) that DeepEP's per-expert receive does not make, and none when a rank holds one expert.
TEST(Operators, AllToAllDispatcherSortsTokensByLocalExpert) {
  Model m = colossim::testing::present(find_preset("mixtral-8x7b"), "model preset mixtral-8x7b");
  m.moe->balancing = "forced";
  Shard s;
  s.seq_len = m.seq_len;
  const auto sorted_bytes = [&](int ep, bool chunk_sort) {
    s.ep = ep;
    s.moe_chunk_sort = chunk_sort;
    double bytes = 0;
    for (const auto& op : layer_work(m, 0, s).ops) {
      if (op.name == "sort_chunks" || op.name == "unsort_chunks") bytes += op.bytes;
    }
    return bytes;
  };
  // EP 2: 4,096 tokens x top-2 received per GPU, 4,096 x 2 B each, read and written, twice.
  EXPECT_NEAR(sorted_bytes(2, true), 2 * 2 * 4096.0 * 2 * 4096 * 2, 1e-6);
  EXPECT_EQ(sorted_bytes(2, false), 0);  // DeepEP
  EXPECT_EQ(sorted_bytes(8, true), 0);   // one local expert: nothing to sort
  EXPECT_EQ(sorted_bytes(1, true), 0);   // no all-to-all
}
