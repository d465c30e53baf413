#include "workload/routing.hpp"

#include <algorithm>
#include <cmath>

#include "core/config.hpp"
#include "core/registry.hpp"
#include "core/statistics.hpp"

namespace colossim {
namespace {

std::vector<Balancing> load() {
  const auto data = ConfigNode::embedded("routing.yaml");
  if (!data) throw InputError("data/routing.yaml", "", "built-in data file is missing");
  std::vector<Balancing> out;
  const ConfigNode methods = data->child("methods");
  for (const auto& name : methods.keys()) {
    const ConfigNode m = methods.child(name);
    m.check_no_unknown_keys({"skew", "sequence_skew", "forced", "source"});
    Balancing b;
    b.name = name;
    b.forced = m.boolean_or("forced", false);
    b.skew = b.forced ? 0.0 : m.number("skew");
    if (b.skew < 0) m.fail("skew", "expected 0 or more");
    b.sequence_skew = b.forced ? 0.0 : m.number_or("sequence_skew", 0.0);
    if (b.sequence_skew < 0) m.fail("sequence_skew", "expected 0 or more");
    b.source = m.str("source");
    out.push_back(b);
  }
  return out;
}

}  // namespace

const std::vector<Balancing>& balancing_methods() {
  static const std::vector<Balancing> methods = load();
  return methods;
}

const Balancing* find_balancing(const std::string& name) {
  return find_named(balancing_methods(), name);
}

namespace {

// Remote destinations a token reaches when the experts are spread evenly over `n` of them
// (nodes or ranks), and the plain all-to-all's remote copies: (n - 1)(1 - P0) and k (n - 1)/n.
std::pair<double, double> remote_destinations(const MoeSpec& moe, double n) {
  const auto e = static_cast<double>(moe.experts);
  const auto k = static_cast<double>(moe.top_k);
  const double per_destination = e / n;
  // P0 = prod_{i<k} (E - E/n - i) / (E - i): no pick lands on a given destination.
  double p0 = 1;
  for (int i = 0; i < moe.top_k; ++i) p0 *= std::max(0.0, (e - per_destination - i) / (e - i));
  return {(n - 1) * (1 - p0), k * (n - 1) / n};
}

}  // namespace

double deduplicated_network_share(const Model& model, long long nodes) {
  if (!model.moe || nodes <= 1) return 1.0;
  const auto n = static_cast<double>(nodes);
  auto [remote_nodes, remote_copies] = remote_destinations(*model.moe, n);
  if (model.moe->node_limit > 0)
    remote_nodes = std::min(remote_nodes, static_cast<double>(model.moe->node_limit) * (n - 1) / n);
  return std::min(1.0, remote_nodes / remote_copies);
}

double deduplicated_rank_share(const Model& model, long long ranks) {
  if (!model.moe || ranks <= 1) return 1.0;
  const auto [remote_ranks, remote_copies] =
      remote_destinations(*model.moe, static_cast<double>(ranks));
  return std::min(1.0, remote_ranks / remote_copies);
}

double slowest_rank_load(const Model& model, double tokens_per_rank, long long ep,
                         double sequences) {
  if (!model.moe || ep <= 1 || tokens_per_rank <= 0) return 1.0;
  const MoeSpec& moe = *model.moe;
  const Balancing* b = find_balancing(moe.balancing);
  if (b == nullptr || b->forced) return 1.0;
  // A written moe.skew is the whole spread a dispatch sees.
  const double skew = moe.skew.value_or(b->skew);
  const double per_sequence = moe.skew ? 0.0 : b->sequence_skew;
  const double popularity = skew * skew + per_sequence * per_sequence / std::max(1.0, sequences);
  const auto e = static_cast<double>(moe.experts);
  const auto k = static_cast<double>(moe.top_k);
  const auto n = static_cast<double>(ep);
  const double mu = tokens_per_rank * k;
  const double g = e / n;
  const double c = e > 1 ? (1 - 1 / n) * (e - k) / (e - 1) : 0.0;
  const double spread = std::sqrt(c / mu + popularity * (1 - 1 / n) / g);
  double r = 1 + expected_max_normal(ep) * spread;
  // No rank can receive more than every token's copies to the g experts it holds: min(k, g) of
  // each token's k, n x min(k, g) / k times the mean (1 when every token goes to every expert).
  r = std::min(r, n * std::min(k, g) / k);
  if (moe.capacity_factor > 0) r = std::min(r, moe.capacity_factor);
  return r;
}

}  // namespace colossim
