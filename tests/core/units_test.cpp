#include "core/units.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

using namespace colossim;

TEST(Units, ParsesSizesWithBinaryAndDecimalPrefixes) {
  EXPECT_DOUBLE_EQ(parse_bytes("80GiB").value(), 80.0 * 1024 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(parse_bytes("80GB").value(), 80e9);
  EXPECT_DOUBLE_EQ(parse_bytes(" 1.5 TB ").value(), 1.5e12);
  EXPECT_DOUBLE_EQ(parse_bytes("512").value(), 512.0);
}

TEST(Units, BitsAndBytesPerSecondDifferByEight) {
  // 400 Gb/s = 50 GB/s
  EXPECT_DOUBLE_EQ(parse_bandwidth("400Gbps").value(), 50e9);
  EXPECT_DOUBLE_EQ(parse_bandwidth("400Gb/s").value(), 50e9);
  EXPECT_DOUBLE_EQ(parse_bandwidth("50GB/s").value(), 50e9);
  EXPECT_DOUBLE_EQ(parse_bandwidth("3.35TB/s").value(), 3.35e12);
}

TEST(Units, ParsesDurationsAndRates) {
  EXPECT_DOUBLE_EQ(parse_duration("2us").value(), 2e-6);
  EXPECT_DOUBLE_EQ(parse_duration("1.5ms").value(), 1.5e-3);
  EXPECT_DOUBLE_EQ(parse_duration("2h").value(), 7200.0);
  EXPECT_DOUBLE_EQ(parse_flops_rate("989TFLOPS").value(), 989e12);
}

TEST(Units, RejectsUnknownUnitsNegativeAndGarbage) {
  EXPECT_THROW(parse_bytes("80 potatoes"), std::invalid_argument);
  EXPECT_THROW(parse_bytes("-5GB"), std::invalid_argument);
  EXPECT_THROW(parse_bandwidth("fast"), std::invalid_argument);
  EXPECT_THROW(parse_duration("2 fortnights"), std::invalid_argument);
  EXPECT_THROW(parse_bytes("nan"), std::invalid_argument);
}

TEST(Units, WorkOverRateIsTime) {
  // 1e15 FLOP at 1e15 FLOP/s = 1 s; 50 GB at 50 GB/s = 1 s.
  EXPECT_DOUBLE_EQ((Flops(1e15) / FlopsPerSecond(1e15)).value(), 1.0);
  EXPECT_DOUBLE_EQ((gb(50) / gbits_per_s(400)).value(), 1.0);
}
