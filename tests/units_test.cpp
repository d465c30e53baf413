#include <gtest/gtest.h>

#include "core/units.hpp"

using namespace colossim;

TEST(Units, ParsesSizesWithBinaryAndDecimalPrefixes) {
  EXPECT_DOUBLE_EQ(parse_bytes("80GiB").value(), 80.0 * 1024 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(parse_bytes("80GB").value(), 80e9);
  EXPECT_DOUBLE_EQ(parse_bytes("512").value(), 512.0);
}
