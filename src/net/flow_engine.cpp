#include "net/flow_engine.hpp"

#include <algorithm>
#include <cassert>
#include <limits>

namespace colossim {

int FlowNetwork::add_link(BytesPerSecond capacity, Seconds latency) {
  assert(capacity.value() > 0);
  links_.push_back({capacity.value(), latency.value()});
  return static_cast<int>(links_.size()) - 1;
}

int FlowNetwork::add_flow(std::vector<int> path, Bytes size, Seconds start) {
  double latency = 0;
  for (int l : path) {
    assert(l >= 0 && static_cast<size_t>(l) < links_.size());
    latency += links_[static_cast<size_t>(l)].latency;
  }
  flows_.push_back({std::move(path), size.value(), start.value() + latency});
  return static_cast<int>(flows_.size()) - 1;
}

std::vector<double> FlowNetwork::fair_rates(const std::vector<int>& active) const {
  std::vector<double> rate(active.size(), 0.0);
  std::vector<double> left(links_.size());
  for (size_t l = 0; l < links_.size(); ++l) left[l] = links_[l].capacity;
  std::vector<bool> frozen(active.size(), false);
  size_t unfrozen = active.size();
  while (unfrozen > 0) {
    // Unfrozen flows per link, and the link whose fair share is smallest.
    std::vector<int> count(links_.size(), 0);
    for (size_t i = 0; i < active.size(); ++i) {
      if (frozen[i]) continue;
      for (int l : flows_[static_cast<size_t>(active[i])].path) ++count[static_cast<size_t>(l)];
    }
    double share = std::numeric_limits<double>::infinity();
    for (size_t l = 0; l < links_.size(); ++l) {
      if (count[l] > 0) share = std::min(share, left[l] / count[l]);
    }
    if (!(share < std::numeric_limits<double>::infinity())) {
      // Flows crossing no link (a path of zero links) are not limited: give them a huge rate.
      for (size_t i = 0; i < active.size(); ++i) {
        if (!frozen[i]) rate[i] = std::numeric_limits<double>::max();
      }
      break;
    }
    // Freeze the flows on every link that is full at this share.
    std::vector<bool> saturated(links_.size(), false);
    for (size_t l = 0; l < links_.size(); ++l) {
      saturated[l] = count[l] > 0 && left[l] / count[l] <= share * (1 + 1e-12);
    }
    for (size_t i = 0; i < active.size(); ++i) {
      if (frozen[i]) continue;
      const auto& path = flows_[static_cast<size_t>(active[i])].path;
      const bool hits = std::any_of(path.begin(), path.end(),
                                    [&](int l) { return saturated[static_cast<size_t>(l)]; });
      if (!hits) continue;
      rate[i] = share;
      frozen[i] = true;
      --unfrozen;
      for (int l : path) left[static_cast<size_t>(l)] -= share;
    }
  }
  return rate;
}

std::vector<Seconds> FlowNetwork::run() {
  double t = 0;
  std::vector<int> active;
  std::vector<int> pending;  // not yet ready, in order of readiness
  for (size_t f = 0; f < flows_.size(); ++f) pending.push_back(static_cast<int>(f));
  std::sort(pending.begin(), pending.end(), [&](int a, int b) {
    return flows_[static_cast<size_t>(a)].ready < flows_[static_cast<size_t>(b)].ready;
  });
  size_t next = 0;
  const double inf = std::numeric_limits<double>::infinity();
  while (next < pending.size() || !active.empty()) {
    if (active.empty()) t = std::max(t, flows_[static_cast<size_t>(pending[next])].ready);
    while (next < pending.size() && flows_[static_cast<size_t>(pending[next])].ready <= t) {
      active.push_back(pending[next++]);
    }
    const std::vector<double> rate = fair_rates(active);
    // Advance to the next completion or arrival, whichever is first.
    double step =
        next < pending.size() ? flows_[static_cast<size_t>(pending[next])].ready - t : inf;
    for (size_t i = 0; i < active.size(); ++i) {
      step = std::min(step, flows_[static_cast<size_t>(active[i])].remaining / rate[i]);
    }
    t += step;
    std::vector<int> still;
    for (size_t i = 0; i < active.size(); ++i) {
      Flow& f = flows_[static_cast<size_t>(active[i])];
      f.remaining -= rate[i] * step;
      if (f.remaining <= 1e-9 * std::max(1.0, rate[i] * step) || f.remaining / rate[i] <= 1e-15) {
        f.remaining = 0;
        f.done = t;
      } else {
        still.push_back(active[i]);
      }
    }
    active.swap(still);
  }
  std::vector<Seconds> out;
  for (const auto& f : flows_) out.emplace_back(f.done < 0 ? f.ready : f.done);
  return out;
}

}  // namespace colossim
