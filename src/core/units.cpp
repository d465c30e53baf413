#include "core/units.hpp"

#include <cctype>
#include <charconv>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace colossim {
namespace {

struct Suffix {
  std::string_view text;
  double factor;
};

// Splits "400Gbps" into 400 and "Gbps"; the suffix is matched exactly (case-sensitive, since
// "Gb" and "GB" differ by a factor of eight).
double parse_with_suffixes(std::string_view text, const std::vector<Suffix>& suffixes,
                           std::string_view what) {
  std::string s(text);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t start = 0;
  while (start < s.size() && std::isspace(static_cast<unsigned char>(s[start]))) ++start;
  s = s.substr(start);
  size_t pos = 0;
  double number = 0.0;
  try {
    number = std::stod(s, &pos);
  } catch (const std::exception&) {
    throw std::invalid_argument("expected " + std::string(what) + ", got \"" + std::string(text) +
                                "\"");
  }
  std::string_view unit = std::string_view(s).substr(pos);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  if (!std::isfinite(number) || number < 0) {
    throw std::invalid_argument("expected a non-negative " + std::string(what) + ", got \"" +
                                std::string(text) + "\"");
  }
  if (unit.empty()) return number;
  for (const auto& suffix : suffixes) {
    if (unit == suffix.text) return number * suffix.factor;
  }
  throw std::invalid_argument("expected " + std::string(what) + ", got unknown unit \"" +
                              std::string(unit) + "\" in \"" + std::string(text) + "\"");
}

}  // namespace

Bytes parse_bytes(std::string_view text) {
  static const std::vector<Suffix> suffixes = {{"B", 1.0},
                                               {"KB", 1e3},
                                               {"MB", 1e6},
                                               {"GB", 1e9},
                                               {"TB", 1e12},
                                               {"PB", 1e15},
                                               {"KiB", 1024.0},
                                               {"MiB", 1048576.0},
                                               {"GiB", 1073741824.0},
                                               {"TiB", 1099511627776.0}};
  return Bytes(parse_with_suffixes(text, suffixes, "a size such as \"80GiB\""));
}

BytesPerSecond parse_bandwidth(std::string_view text) {
  static const std::vector<Suffix> suffixes = {
      {"bps", 1.0 / 8},   {"Kbps", 1e3 / 8}, {"Mbps", 1e6 / 8},  {"Gbps", 1e9 / 8},
      {"Tbps", 1e12 / 8}, {"Gb/s", 1e9 / 8}, {"Tb/s", 1e12 / 8}, {"B/s", 1.0},
      {"MB/s", 1e6},      {"GB/s", 1e9},     {"TB/s", 1e12},     {"GBps", 1e9},
      {"TBps", 1e12}};
  return BytesPerSecond(parse_with_suffixes(text, suffixes, "a bandwidth such as \"400Gbps\""));
}

Seconds parse_duration(std::string_view text) {
  static const std::vector<Suffix> suffixes = {{"ns", 1e-9},  {"us", 1e-6},  {"ms", 1e-3},
                                               {"s", 1.0},    {"min", 60.0}, {"h", 3600.0},
                                               {"d", 86400.0}};
  return Seconds(parse_with_suffixes(text, suffixes, "a duration such as \"2us\""));
}

FlopsPerSecond parse_flops_rate(std::string_view text) {
  static const std::vector<Suffix> suffixes = {
      {"FLOPS", 1.0}, {"GFLOPS", 1e9}, {"TFLOPS", 1e12}, {"PFLOPS", 1e15}};
  return FlopsPerSecond(parse_with_suffixes(text, suffixes, "a rate such as \"989TFLOPS\""));
}

}  // namespace colossim
