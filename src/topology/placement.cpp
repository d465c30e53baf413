#include "topology/placement.hpp"

#include <algorithm>
#include <cassert>
#include <map>

namespace colossim {
namespace {

// Sizes of the five axes, with dp standing for the dp/ep outer part once ep is split off.
std::map<std::string, long long> axes(const PlacementDims& d) {
  return {{"tp", d.tp}, {"cp", d.cp}, {"ep", d.ep}, {"dp", d.dp / d.ep}, {"pp", d.pp}};
}

}  // namespace

std::optional<std::string> placement_problem(const PlacementDims& d) {
  std::vector<std::string> sorted = d.order;
  std::sort(sorted.begin(), sorted.end());
  if (sorted != std::vector<std::string>{"cp", "dp", "ep", "pp", "tp"})
    return "expected an order of tp, cp, ep, dp and pp, each once, such as tp-cp-ep-dp-pp";
  const auto ep = std::find(d.order.begin(), d.order.end(), "ep");
  if (ep + 1 == d.order.end() || *(ep + 1) != "dp")
    return "expected ep right before dp (expert parallelism splits the data-parallel ranks)";
  if (d.ep < 1 || d.dp % d.ep != 0) return "expected ep to divide dp";
  return std::nullopt;
}

std::vector<std::vector<long long>> placement_groups(const PlacementDims& d,
                                                     const std::string& dim) {
  assert(!placement_problem(d));
  const auto size = axes(d);
  // Stride of each axis in rank numbering.
  std::map<std::string, long long> stride;
  long long s = 1;
  for (const auto& a : d.order) {
    stride[a] = s;
    s *= size.at(a);
  }
  // The axes a group spans: dp spans ep and the outer dp.
  std::vector<std::string> inner =
      dim == "dp" ? std::vector<std::string>{"ep", "dp"} : std::vector<std::string>{dim};
  long long members = 1;
  for (const auto& a : inner) members *= size.at(a);
  std::vector<std::vector<long long>> groups;
  for (long long r = 0; r < d.ranks(); ++r) {
    // A group is named by its rank with the inner axes at 0; visit each once.
    bool first = true;
    for (const auto& a : inner) first = first && (r / stride.at(a)) % size.at(a) == 0;
    if (!first) continue;
    std::vector<long long> g;
    g.reserve(static_cast<size_t>(members));
    for (long long i = 0; i < members; ++i) {
      long long rank = r, rest = i;
      for (const auto& a : inner) {
        rank += (rest % size.at(a)) * stride.at(a);
        rest /= size.at(a);
      }
      g.push_back(rank);
    }
    std::sort(g.begin(), g.end());
    groups.push_back(std::move(g));
  }
  return groups;
}

}  // namespace colossim
