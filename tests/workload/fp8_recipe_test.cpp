// FP8 recipes (data/fp8_recipes.yaml): the four Transformer Engine recipes and torchao's row-wise
// scaling, what quantizing costs
// under each against the kernels it runs, and on which tensor cores.
#include "workload/fp8_recipe.hpp"

#include <gtest/gtest.h>

#include "workload/stack.hpp"

using namespace colossim;

// Delayed scaling's cast-transpose reads the BF16 tensor once and writes two FP8 copies; current
// scaling reads it once more for its amax (3 kernels); block and MX scaling write their scales
// beside the two copies: one FP32 scale per 128 elements, one byte per 32; row-wise scaling
// casts each layout on its own, reducing its rows' amax in the same kernel, with no TP all-reduce.
TEST(Fp8Recipes, QuantizationCostsFollowTheKernels) {
  ASSERT_EQ(fp8_recipe_names(),
            (std::vector<std::string>{"delayed", "current", "blockwise", "mxfp8", "rowwise"}));
  const Fp8Recipe& rowwise = *find_fp8_recipe("rowwise");
  EXPECT_EQ(rowwise.cast_bytes, 2 * (2 + 1));
  EXPECT_EQ(rowwise.cast_kernels, 2);
  EXPECT_FALSE(rowwise.tp_amax_reduction);
  EXPECT_EQ(default_fp8_recipe().name, "delayed");
  const Fp8Recipe& delayed = *find_fp8_recipe("delayed");
  const Fp8Recipe& current = *find_fp8_recipe("current");
  const Fp8Recipe& blockwise = *find_fp8_recipe("blockwise");
  const Fp8Recipe& mxfp8 = *find_fp8_recipe("mxfp8");
  EXPECT_EQ(delayed.cast_bytes, 2 + 1 + 1);
  EXPECT_EQ(delayed.cast_kernels, 1);
  EXPECT_EQ(current.cast_bytes, 2 + 2 + 1 + 1);
  EXPECT_EQ(current.cast_kernels, 3);
  EXPECT_TRUE(current.tp_amax_reduction);
  EXPECT_FALSE(delayed.tp_amax_reduction || blockwise.tp_amax_reduction || mxfp8.tp_amax_reduction);
  EXPECT_DOUBLE_EQ(blockwise.cast_bytes, 4 + 2 * 4.0 / 128);
  EXPECT_DOUBLE_EQ(mxfp8.cast_bytes, 4 + 2 * 1.0 / 32);
  EXPECT_EQ(find_fp8_recipe("nvfp4"), nullptr);
}

// MXFP8 is Blackwell's; the others run on Hopper too (block scaling on Blackwell as MXFP8 GEMMs).
// Every stack's default is a registered recipe.
TEST(Fp8Recipes, RunOnTheirTensorCoresAndStacksNameOne) {
  EXPECT_FALSE(find_fp8_recipe("mxfp8")->runs_on("hopper"));
  EXPECT_TRUE(find_fp8_recipe("mxfp8")->runs_on("blackwell"));
  for (const char* name : {"delayed", "current", "blockwise"}) {
    EXPECT_TRUE(find_fp8_recipe(name)->runs_on("hopper")) << name;
    EXPECT_TRUE(find_fp8_recipe(name)->runs_on("blackwell")) << name;
    EXPECT_FALSE(find_fp8_recipe(name)->runs_on("ampere")) << name;
  }
  for (const auto& s : stacks()) EXPECT_NE(find_fp8_recipe(s.fp8_recipe), nullptr) << s.name;
  EXPECT_EQ(find_stack("torchtitan")->fp8_recipe, "current");
  EXPECT_EQ(find_stack("megatron-core")->fp8_recipe, "delayed");
}
