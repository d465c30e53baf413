#include "net/flow_engine.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstdint>
#include <limits>
#include <numeric>
#include <queue>
#include <tuple>
#include <unordered_map>

namespace colossim {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Progressive filling over a set of flows given as paths in CSR form (see the header).
class MaxMin {
 public:
  MaxMin(std::span<const double> capacity, std::span<const size_t> begin, std::span<const int> path)
      : capacity_(capacity),
        begin_(begin),
        path_(path),
        left_(capacity.size()),
        count_(capacity.size(), 0),
        slot_(capacity.size()) {}

  // Rates (bytes/s) of the flows `active`; a flow that crosses no link is not limited.
  // `held` (optional): capacity per link already taken by other flows whose rates stay fixed.
  void solve(std::span<const int> active, std::vector<double>& rate,
             const std::vector<double>* held = nullptr) {
    rate.assign(active.size(), std::numeric_limits<double>::max());
    touched_.clear();
    for (int f : active) {
      for (int l : links(f)) {
        const auto ul = static_cast<size_t>(l);
        if (count_[ul]++ == 0) {
          touched_.push_back(l);
          left_[ul] = std::max(0.0, capacity_[ul] - (held != nullptr ? (*held)[ul] : 0.0));
        }
      }
    }
    // Flows by link, as index ranges over `by_link_`.
    start_.assign(touched_.size() + 1, 0);
    for (size_t k = 0; k < touched_.size(); ++k) {
      slot_[static_cast<size_t>(touched_[k])] = k;
      start_[k + 1] = start_[k] + static_cast<size_t>(count_[static_cast<size_t>(touched_[k])]);
    }
    by_link_.resize(start_.back());
    fill_.assign(start_.begin(), start_.end() - 1);
    for (size_t i = 0; i < active.size(); ++i) {
      for (int l : links(active[i])) by_link_[fill_[slot_[static_cast<size_t>(l)]]++] = i;
    }
    // A link only one flow crosses (its NIC port, say) caps that flow alone: it enters the heap
    // as the flow's own bound, and only shared links are queued as links -- fewer entries.
    heap_.clear();
    for (int l : touched_) {
      if (count_[static_cast<size_t>(l)] > 1) push(l);
    }
    for (size_t i = 0; i < active.size(); ++i) {
      double bound = std::numeric_limits<double>::infinity();
      for (int l : links(active[i])) {
        if (count_[static_cast<size_t>(l)] == 1)
          bound = std::min(bound, left_[static_cast<size_t>(l)]);
      }
      if (bound < std::numeric_limits<double>::infinity()) {
        heap_.emplace_back(bound, -1 - static_cast<int>(i));
        std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
      }
    }
    frozen_.assign(active.size(), 0);
    auto freeze = [&](size_t i, double share) {
      frozen_[i] = 1;
      rate[i] = share;
      for (int m : links(active[i])) {
        left_[static_cast<size_t>(m)] -= share;
        --count_[static_cast<size_t>(m)];
      }
    };
    while (!heap_.empty()) {
      std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
      const auto [share_at_push, l] = heap_.back();
      heap_.pop_back();
      if (l < 0) {  // a flow's private bound
        const auto i = static_cast<size_t>(-1 - l);
        if (frozen_[i] == 0) freeze(i, std::max(0.0, share_at_push));
        continue;
      }
      const auto ul = static_cast<size_t>(l);
      if (count_[ul] == 0) continue;
      // A link's share only grows as flows elsewhere freeze below it (they take less than its
      // share), so its entry is refreshed lazily: re-queued at its current share when popped.
      if (left_[ul] / count_[ul] != share_at_push) {
        push(l);
        continue;
      }
      const double share = std::max(0.0, share_at_push);
      const size_t k = slot_[ul];
      for (size_t j = start_[k]; j < start_[k + 1]; ++j) {
        if (frozen_[by_link_[j]] == 0) freeze(by_link_[j], share);
      }
    }
    for (int l : touched_) count_[static_cast<size_t>(l)] = 0;
  }

 private:
  [[nodiscard]] std::span<const int> links(int f) const {
    const auto uf = static_cast<size_t>(f);
    return path_.subspan(begin_[uf], begin_[uf + 1] - begin_[uf]);
  }
  void push(int l) {
    const auto ul = static_cast<size_t>(l);
    heap_.emplace_back(left_[ul] / count_[ul], l);
    std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
  }
  std::span<const double> capacity_;
  std::span<const size_t> begin_;
  std::span<const int> path_;
  std::vector<double> left_;
  std::vector<int> count_;
  std::vector<size_t> slot_;
  std::vector<int> touched_;
  std::vector<size_t> start_, fill_, by_link_;
  std::vector<std::pair<double, int>> heap_;
  std::vector<char> frozen_;
};

// One independent set of flows with its links renumbered from 0.
struct Component {
  std::vector<double> capacity;
  std::vector<size_t> begin = {0};
  std::vector<int> path;
  std::vector<double> size, ready;
  void clear() {  // keeps the capacity, so one buffer serves every component
    capacity.clear();
    begin.assign(1, 0);
    path.clear();
    size.clear();
    ready.clear();
  }
};

// Event-driven simulation of one component: completion time of each of its flows.
//
// Re-solving only what can change. When flows finish, every flow whose rate is below the slowest
// finished flow's keeps its rate: progressive filling up to that level never saw the finished
// flows' links saturate, so it runs the same without them (the bottleneck argument of Bertsekas
// & Gallager). The flows at or above that level form independent sub-problems on the capacity
// the slower ones leave, and only those linked to a finished flow -- through links shared with
// other flows at or above the level -- can change. So an event re-solves just that
// neighbourhood; an arrival, everything linked to the newcomers. The result equals a full
// re-solve at every event. Each flow's finish time waits in a heap and is recomputed only when
// its rate changes.
std::vector<double> simulate(const Component& c, bool incremental, long long& solves) {
  const size_t n = c.size.size();
  const size_t nlinks = c.capacity.size();
  std::vector<double> done(n, -1), remaining = c.size, rate(n, 0), since(n, 0);
  std::vector<unsigned> version(n, 0);
  std::vector<char> live(n, 0);  // arrived and not finished
  std::vector<int> pending(n);
  std::iota(pending.begin(), pending.end(), 0);
  std::stable_sort(pending.begin(), pending.end(), [&](int a, int b) {
    return c.ready[static_cast<size_t>(a)] < c.ready[static_cast<size_t>(b)];
  });
  auto links = [&](int f) {
    const auto uf = static_cast<size_t>(f);
    return std::span<const int>(c.path).subspan(c.begin[uf], c.begin[uf + 1] - c.begin[uf]);
  };
  // The flows crossing each link (CSR).
  std::vector<size_t> first(nlinks + 1, 0);
  for (int l : c.path) ++first[static_cast<size_t>(l) + 1];
  std::partial_sum(first.begin(), first.end(), first.begin());
  std::vector<int> crossing(c.path.size());
  {
    std::vector<size_t> fill(first.begin(), first.end() - 1);
    for (size_t f = 0; f < n; ++f) {
      for (int l : links(static_cast<int>(f)))
        crossing[fill[static_cast<size_t>(l)]++] = static_cast<int>(f);
    }
  }
  std::vector<size_t> last(first.begin() + 1, first.end());  // end of each link's unfinished flows
  MaxMin maxmin(c.capacity, c.begin, c.path);
  std::vector<double> held(nlinks, 0.0);  // capacity taken by live flows
  auto take = [&](int f, double sign) {
    for (int l : links(f)) held[static_cast<size_t>(l)] += sign * rate[static_cast<size_t>(f)];
  };
  using Entry = std::tuple<double, int, unsigned>;  // finish time, flow, version
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> finishes;
  std::vector<unsigned> flow_mark(n, 0), link_mark(nlinks, 0);
  unsigned epoch = 0;
  std::vector<int> seeds, queue, resolve;
  std::vector<double> fresh;
  // Re-solves the live flows at or above `level` linked to the links of `seeds`, at time t.
  auto resolve_around = [&](double level, double t) {
    ++epoch;
    queue.clear();
    resolve.clear();
    for (int f : seeds) {
      for (int l : links(f)) {
        if (link_mark[static_cast<size_t>(l)] != epoch) {
          link_mark[static_cast<size_t>(l)] = epoch;
          queue.push_back(l);
        }
      }
    }
    for (size_t q = 0; q < queue.size(); ++q) {
      const auto l = static_cast<size_t>(queue[q]);
      for (size_t k = first[l]; k < last[l];) {
        const int g = crossing[k];
        const auto ug = static_cast<size_t>(g);
        if (done[ug] >= 0) {  // finished: drop it from the link's list for good
          std::swap(crossing[k], crossing[--last[l]]);
          continue;
        }
        ++k;
        if (live[ug] == 0 || flow_mark[ug] == epoch || rate[ug] < level) continue;
        flow_mark[ug] = epoch;
        resolve.push_back(g);
        for (int m : links(g)) {
          if (link_mark[static_cast<size_t>(m)] != epoch) {
            link_mark[static_cast<size_t>(m)] = epoch;
            queue.push_back(m);
          }
        }
      }
    }
    if (resolve.empty()) return;
    for (int f : resolve) {
      const auto uf = static_cast<size_t>(f);
      remaining[uf] -= rate[uf] * (t - since[uf]);
      since[uf] = t;
      take(f, -1);
    }
    maxmin.solve(resolve, fresh, &held);
    ++solves;
    for (size_t i = 0; i < resolve.size(); ++i) {
      const int f = resolve[i];
      const auto uf = static_cast<size_t>(f);
      const bool same = fresh[i] == rate[uf];
      rate[uf] = fresh[i];
      take(f, +1);
      // An unchanged rate keeps its queued finish time (the same instant, computed earlier).
      if (!same || version[uf] == 0)
        finishes.emplace(t + std::max(0.0, remaining[uf]) / rate[uf], f, ++version[uf]);
    }
  };
  double t = 0;
  size_t next = 0;
  size_t left = n;
  while (left > 0) {
    const double arrival = next < n ? c.ready[static_cast<size_t>(pending[next])] : kInf;
    while (!finishes.empty() &&
           std::get<2>(finishes.top()) != version[static_cast<size_t>(std::get<1>(finishes.top()))])
      finishes.pop();
    const double finish = finishes.empty() ? kInf : std::get<0>(finishes.top());
    seeds.clear();
    if (arrival <= finish) {
      t = arrival;
      while (next < n && c.ready[static_cast<size_t>(pending[next])] <= t) {
        const int f = pending[next++];
        live[static_cast<size_t>(f)] = 1;
        seeds.push_back(f);
      }
      resolve_around(-kInf, t);  // newcomers take a share from everything they touch
      continue;
    }
    t = finish;
    // Every flow due within rounding of t finishes now, so equal flows end in one event.
    const double due = t + 1e-12 * std::max(t, 1e-9);
    double slowest = kInf;
    while (!finishes.empty() && std::get<0>(finishes.top()) <= due) {
      const auto [when, f, v] = finishes.top();
      finishes.pop();
      const auto uf = static_cast<size_t>(f);
      if (v != version[uf] || live[uf] == 0) continue;
      done[uf] = t;
      live[uf] = 0;
      --left;
      ++version[uf];
      slowest = std::min(slowest, rate[uf]);
      take(f, -1);
      seeds.push_back(f);
    }
    if (incremental) {
      resolve_around(slowest * (1 - 1e-12), t);
    } else {  // the reference: every live flow, from scratch
      seeds.clear();
      for (size_t f = 0; f < n; ++f) {
        if (live[f] != 0) seeds.push_back(static_cast<int>(f));
      }
      resolve_around(-kInf, t);
    }
  }
  return done;
}

int find(std::vector<int>& parent, int x) {
  while (parent[static_cast<size_t>(x)] != x) {
    parent[static_cast<size_t>(x)] = parent[static_cast<size_t>(parent[static_cast<size_t>(x)])];
    x = parent[static_cast<size_t>(x)];
  }
  return x;
}

std::uint64_t bits(double v) { return std::bit_cast<std::uint64_t>(v); }

struct SignatureHash {
  size_t operator()(const std::vector<std::uint64_t>& s) const {
    std::uint64_t h = 0x9E3779B97F4A7C15ULL;
    for (std::uint64_t w : s) h = (h ^ w) * 0x100000001B3ULL + (h >> 29);
    return static_cast<size_t>(h);
  }
};

}  // namespace

int FlowNetwork::add_link(BytesPerSecond capacity, Seconds latency) {
  assert(capacity.value() > 0);
  capacity_.push_back(capacity.value());
  latency_.push_back(latency.value());
  return static_cast<int>(capacity_.size()) - 1;
}

int FlowNetwork::add_flow(std::span<const int> path, Bytes size, Seconds start) {
  double latency = 0;
  for (int l : path) latency += latency_[static_cast<size_t>(l)];
  return add_flow(path, size, start, Seconds(latency));
}

int FlowNetwork::add_flow(std::span<const int> path, Bytes size, Seconds start, Seconds latency) {
  assert(std::all_of(path.begin(), path.end(),
                     [&](int l) { return l >= 0 && static_cast<size_t>(l) < capacity_.size(); }));
  path_.insert(path_.end(), path.begin(), path.end());
  path_begin_.push_back(path_.size());
  size_.push_back(size.value());
  ready_.push_back(start.value() + latency.value());
  return static_cast<int>(size_.size()) - 1;
}

void FlowNetwork::reserve(size_t links, size_t flows, size_t path_entries) {
  capacity_.reserve(links);
  latency_.reserve(links);
  path_begin_.reserve(flows + 1);
  size_.reserve(flows);
  ready_.reserve(flows);
  path_.reserve(path_entries);
}

std::vector<double> FlowNetwork::fair_rates(const std::vector<int>& active) const {
  MaxMin maxmin(capacity_, path_begin_, path_);
  std::vector<double> rate;
  maxmin.solve(active, rate);
  return rate;
}

std::vector<Seconds> FlowNetwork::run(bool use_symmetry, bool incremental) {
  stats_ = {};
  const size_t nflows = size_.size();
  std::vector<double> done(nflows, -1);
  // Components: links joined by the flows that cross them.
  std::vector<int> parent(capacity_.size());
  std::iota(parent.begin(), parent.end(), 0);
  for (size_t f = 0; f < nflows; ++f) {
    const auto p = path(f);
    if (p.empty()) continue;
    const int a = find(parent, p[0]);
    for (int l : p.subspan(1)) {
      const int b = find(parent, l);
      if (a != b) parent[static_cast<size_t>(b)] = a;
    }
  }
  // Flows of each component, in flow order.
  std::vector<int> component_of_root(capacity_.size(), -1);
  std::vector<int> component(nflows, -1);
  int components = 0;
  for (size_t f = 0; f < nflows; ++f) {
    const auto p = path(f);
    if (p.empty()) {
      done[f] = ready_[f];
      continue;
    }
    int& c = component_of_root[static_cast<size_t>(find(parent, p[0]))];
    if (c < 0) c = components++;
    component[f] = c;
  }
  std::vector<size_t> first(static_cast<size_t>(components) + 1, 0);
  for (size_t f = 0; f < nflows; ++f) {
    if (component[f] >= 0) ++first[static_cast<size_t>(component[f]) + 1];
  }
  std::partial_sum(first.begin(), first.end(), first.begin());
  std::vector<int> members(first.back());
  {
    std::vector<size_t> fill(first.begin(), first.end() - 1);
    for (size_t f = 0; f < nflows; ++f) {
      if (component[f] >= 0)
        members[fill[static_cast<size_t>(component[f])]++] = static_cast<int>(f);
    }
  }
  stats_.components = components;

  // Solve each distinct component once.
  std::unordered_map<std::vector<std::uint64_t>, std::vector<double>, SignatureHash> solved;
  std::vector<int> local(capacity_.size(), -1);
  std::vector<int> renamed;
  std::vector<std::uint64_t> signature;
  Component comp;
  for (int c = 0; c < components; ++c) {
    const std::span<const int> flows(
        members.data() + first[static_cast<size_t>(c)],
        first[static_cast<size_t>(c) + 1] - first[static_cast<size_t>(c)]);
    comp.clear();
    signature.clear();
    renamed.clear();
    for (int f : flows) {
      const auto uf = static_cast<size_t>(f);
      const auto p = path(uf);
      signature.push_back(p.size());
      for (int l : p) {
        int& id = local[static_cast<size_t>(l)];
        if (id < 0) {
          id = static_cast<int>(renamed.size());
          renamed.push_back(l);
          comp.capacity.push_back(capacity_[static_cast<size_t>(l)]);
        }
        signature.push_back(static_cast<std::uint64_t>(id));
        comp.path.push_back(id);
      }
      comp.begin.push_back(comp.path.size());
      signature.push_back(bits(size_[uf]));
      signature.push_back(bits(ready_[uf]));
      comp.size.push_back(size_[uf]);
      comp.ready.push_back(ready_[uf]);
    }
    for (double cap : comp.capacity) signature.push_back(bits(cap));
    for (int l : renamed) local[static_cast<size_t>(l)] = -1;

    const std::vector<double>* times = nullptr;
    std::vector<double> own;
    if (use_symmetry) {
      auto it = solved.find(signature);
      if (it == solved.end()) {
        ++stats_.solved;
        it = solved.emplace(signature, simulate(comp, incremental, stats_.rate_solves)).first;
      }
      times = &it->second;
    } else {
      ++stats_.solved;
      own = simulate(comp, incremental, stats_.rate_solves);
      times = &own;
    }
    for (size_t i = 0; i < flows.size(); ++i) done[static_cast<size_t>(flows[i])] = (*times)[i];
  }
  std::vector<Seconds> out;
  out.reserve(nflows);
  for (double d : done) out.emplace_back(d);
  return out;
}

}  // namespace colossim
