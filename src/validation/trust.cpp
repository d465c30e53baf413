#include "validation/trust.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/config.hpp"

namespace colossim {
namespace {

// Groups with fewer cases fold into their architecture's.
constexpr int kMinGroupCases = 5;

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto i = static_cast<size_t>(std::floor(pos));
  const size_t j = std::min(i + 1, v.size() - 1);
  return v[i] + (pos - static_cast<double>(i)) * (v[j] - v[i]);
}

std::vector<TrustBand> load() {
  const auto data = ConfigNode::embedded("trust.yaml");
  if (!data) throw InputError("data/trust.yaml", "", "built-in data file is missing");
  std::vector<TrustBand> bands;
  const ConfigNode groups = data->child("groups");
  for (const auto& name : groups.keys()) {
    const ConfigNode g = groups.child(name);
    g.check_no_unknown_keys({"cases", "low", "high", "stacks"});
    TrustBand b;
    b.group = name;
    b.cases = static_cast<int>(g.positive_integer("cases"));
    b.low = g.number("low");
    b.high = g.number("high");
    if (!(b.low > 0 && b.low <= b.high)) g.fail("low", "a ratio above 0, at most `high`");
    if (g.has("stacks")) b.stacks = g.strings("stacks");
    bands.push_back(b);
  }
  if (bands.empty()) groups.fail("", "expected at least one group");
  return bands;
}

const std::vector<TrustBand>& shipped() {
  static const std::vector<TrustBand> bands = load();
  return bands;
}

}  // namespace

std::string trust_group(const Scenario& s) {
  return s.cluster.gpu.architecture + (s.model.moe ? " moe" : " dense");
}

TrustBand trust_band(const std::string& group) {
  const std::string arch = group.substr(0, group.find(' '));
  for (const auto& b : shipped()) {
    if (b.group == group) return b;
  }
  for (const auto& b : shipped()) {
    if (b.group == arch) return b;  // the architecture's, where the group had too few cases
  }
  TrustBand wide;
  wide.group = group;
  wide.extrapolated = true;
  for (const auto& b : shipped()) {
    wide.low = std::min(wide.low, b.low);
    wide.high = std::max(wide.high, b.high);
  }
  wide.low = 1 - 2 * (1 - wide.low);
  wide.high = 1 + 2 * (wide.high - 1);
  wide.low = std::max(wide.low, 0.05);
  return wide;
}

TrustBand trust_band(const Scenario& s) {
  TrustBand b = trust_band(trust_group(s));
  const std::string& stack = stack_or_default(s.plan.stack).name;
  if (b.extrapolated || std::find(b.stacks.begin(), b.stacks.end(), stack) != b.stacks.end())
    return b;
  // Stacks differ by 10-40% on the same plan (docs/research/stacks.md): a band measured on
  // others is doubled, as an unvalidated group's is.
  b.unvalidated_stack = stack;
  b.low = std::max(0.05, 1 - 2 * (1 - b.low));
  b.high = 1 + 2 * (b.high - 1);
  return b;
}

std::optional<double> step_ratio(const CaseResult& c) {
  if (!c.refusal.empty() || !std::isfinite(c.error)) return std::nullopt;
  if (c.metric == "step_time_s" || c.metric.rfind("gpu_hours", 0) == 0) return 1 + c.error;
  if (c.metric == "tokens_per_s" || c.metric == "mfu" ||
      c.metric.find("tflops_per_gpu") != std::string::npos)
    return 1 / (1 + c.error);
  return std::nullopt;  // memory: not a step time
}

Coverage trust_coverage(const std::vector<CaseResult>& cases) {
  Coverage c;
  for (const auto& r : cases) {
    const auto ratio = step_ratio(r);
    if (!ratio || r.trust_group.empty()) continue;
    const TrustBand b = trust_band(r.trust_group);
    ++c.cases;
    if (*ratio >= b.low && *ratio <= b.high) ++c.inside;
  }
  return c;
}

std::vector<TrustBand> measure_trust(const std::vector<GroupedCase>& cases) {
  std::map<std::string, std::vector<double>> by_group, by_arch;
  std::map<std::string, std::set<std::string>> stacks;
  for (const auto& c : cases) {
    const auto r = step_ratio(c.result);
    if (!r) continue;
    const std::string arch = c.group.substr(0, c.group.find(' '));
    by_group[c.group].push_back(*r);
    by_arch[arch].push_back(*r);
    stacks[c.group].insert(c.stack);
    stacks[arch].insert(c.stack);
  }
  std::vector<TrustBand> bands;
  const auto band = [&stacks](const std::string& name, const std::vector<double>& v) {
    TrustBand b;
    b.group = name;
    b.stacks.assign(stacks[name].begin(), stacks[name].end());
    b.cases = static_cast<int>(v.size());
    b.low = percentile(v, 0.1);
    b.high = percentile(v, 0.9);
    return b;
  };
  for (const auto& [name, v] : by_group) {
    if (static_cast<int>(v.size()) >= kMinGroupCases) bands.push_back(band(name, v));
  }
  for (const auto& [name, v] : by_arch) bands.push_back(band(name, v));
  return bands;
}

std::string trust_yaml(const std::vector<TrustBand>& bands) {
  std::string out =
      "# How far to trust a predicted step time (validation/trust.hpp): per group, the 10th and\n"
      "# 90th percentiles of predicted / true step time over colossim's validated cases\n"
      "# (validation/cases, validation/runs, validation/moe, validation/dense, validation/fsdp).\n"
      "# Written by `colossim validate --trust`; tests/validation/validate_test.cpp fails when it\n"
      "# drifts.\n"
      "groups:\n";
  for (const auto& b : bands) {
    std::string names;
    for (const auto& s : b.stacks) names += (names.empty() ? "" : ", ") + s;
    out += fmt::format("  {}: {{cases: {}, low: {:.3f}, high: {:.3f}, stacks: [{}]}}\n", b.group,
                       b.cases, b.low, b.high, names);
  }
  return out;
}

}  // namespace colossim
