#include "net/flow_engine.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
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

// Flows by a time (when each finishes, say), earliest first: a binary heap of (time, flow,
// version) entries where an entry is stale once its flow's version has moved on. A re-solve that
// changes many rates appends their entries and re-heapifies once (linear) rather than pushing
// each (n log n), and stale entries are swept out when they outnumber the current ones, so the
// heap stays within a few times the flows that are live.
class FinishQueue {
 public:
  using Entry = std::tuple<double, int, unsigned>;  // time, flow, version
  void add(double when, int f, unsigned version) { heap_.emplace_back(when, f, version); }
  // Restores heap order after the add()s since the last call: `added` of them.
  void settle(size_t added) {
    const auto later = std::greater<>();
    if (added > heap_.size() / 16) {
      std::make_heap(heap_.begin(), heap_.end(), later);
      return;
    }
    for (auto it = heap_.end() - static_cast<std::ptrdiff_t>(added); it != heap_.end(); ++it)
      std::push_heap(heap_.begin(), it + 1, later);
  }
  // Drops stale entries (`current(flow, version)` false) once they are most of the heap.
  template <class Current>
  void sweep(size_t live, Current current) {
    if (heap_.size() < 4 * live + 1024) return;
    std::erase_if(heap_, [&](const Entry& e) { return !current(std::get<1>(e), std::get<2>(e)); });
    std::make_heap(heap_.begin(), heap_.end(), std::greater<>());
  }
  [[nodiscard]] bool empty() const { return heap_.empty(); }
  [[nodiscard]] const Entry& top() const { return heap_.front(); }
  void pop() {
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
    heap_.pop_back();
  }

 private:
  std::vector<Entry> heap_;
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
class ComponentRun {
 public:
  ComponentRun(const Component& c, double tolerance, FlowNetwork::Stats& stats)
      : c_(c),
        tolerance_(tolerance),
        n_(c.size.size()),
        done_(n_, -1),
        remaining_(c.size),
        rate_(n_, 0),
        since_(n_, 0),
        version_(n_, 0),
        live_(n_, 0),
        pending_(n_),
        first_(c.capacity.size() + 1, 0),
        maxmin_(c.capacity, c.begin, c.path),
        held_(c.capacity.size(), 0.0),
        flow_mark_(n_, 0),
        link_mark_(c.capacity.size(), 0),
        stats_(stats) {
    std::iota(pending_.begin(), pending_.end(), 0);
    std::stable_sort(pending_.begin(), pending_.end(), [&](int a, int b) {
      return c.ready[static_cast<size_t>(a)] < c.ready[static_cast<size_t>(b)];
    });
    // The flows crossing each link (CSR).
    for (int l : c.path) ++first_[static_cast<size_t>(l) + 1];
    std::partial_sum(first_.begin(), first_.end(), first_.begin());
    crossing_.resize(c.path.size());
    std::vector<size_t> fill(first_.begin(), first_.end() - 1);
    for (size_t f = 0; f < n_; ++f) {
      for (int l : links(static_cast<int>(f)))
        crossing_[fill[static_cast<size_t>(l)]++] = static_cast<int>(f);
    }
    last_.assign(first_.begin() + 1, first_.end());  // end of each link's unfinished flows
  }

  std::vector<double> run(bool incremental) {
    double t = 0;
    // Persistent flows (infinite size) never finish: the run ends when every other flow has.
    size_t left = 0;
    for (size_t f = 0; f < n_; ++f) left += std::isfinite(c_.size[f]) ? 1 : 0;
    while (left > 0) {
      const double arrival = next_ < n_ ? c_.ready[static_cast<size_t>(pending_[next_])] : kInf;
      while (!finishes_.empty() &&
             !current(std::get<1>(finishes_.top()), std::get<2>(finishes_.top())))
        finishes_.pop();
      const double finish = finishes_.empty() ? kInf : std::get<0>(finishes_.top());
      seeds_.clear();
      if (arrival <= finish) {
        t = arrival;
        arrive(t);
        resolve_around(-kInf, t);  // newcomers take a share from everything they touch
        continue;
      }
      // Finish events are at least the tolerance of the youngest live flow's age apart: a flow
      // due sooner than that after the last event ends at the next, late by at most the
      // tolerance of its own duration (see the header).
      const double youngest = c_.ready[static_cast<size_t>(pending_[next_ - 1])];
      t = std::max(finish, last_finish_ + tolerance_ * std::max(0.0, last_finish_ - youngest));
      if (arrival <= t) {
        t = arrival;
        arrive(t);
        resolve_around(-kInf, t);
        continue;
      }
      last_finish_ = t;
      ++stats_.finish_events;
      const double slowest = finish_due(t, left);
      if (incremental) {
        resolve_around(slowest * (1 - 1e-12), t);
      } else {  // the reference: every live flow, from scratch
        seeds_.clear();
        for (size_t f = 0; f < n_; ++f) {
          if (live_[f] != 0) seeds_.push_back(static_cast<int>(f));
        }
        resolve_around(-kInf, t);
      }
    }
    for (size_t f = 0; f < n_; ++f) {
      if (!std::isfinite(c_.size[f])) done_[f] = kInf;
    }
    return done_;
  }

 private:
  [[nodiscard]] std::span<const int> links(int f) const {
    const auto uf = static_cast<size_t>(f);
    return std::span<const int>(c_.path).subspan(c_.begin[uf], c_.begin[uf + 1] - c_.begin[uf]);
  }
  void take(int f, double sign) {
    for (int l : links(f)) held_[static_cast<size_t>(l)] += sign * rate_[static_cast<size_t>(f)];
  }
  void mark_link(int l) {
    if (link_mark_[static_cast<size_t>(l)] != epoch_) {
      link_mark_[static_cast<size_t>(l)] = epoch_;
      queue_.push_back(l);
    }
  }

  // The flows that arrive at t become live and seed the re-solve.
  void arrive(double t) {
    while (next_ < n_ && c_.ready[static_cast<size_t>(pending_[next_])] <= t) {
      const int f = pending_[next_++];
      live_[static_cast<size_t>(f)] = 1;
      ++live_count_;
      seeds_.push_back(f);
    }
  }

  // Every flow due within rounding of t finishes now, so equal flows end in one event, and so
  // does every flow whose time left is at most `tolerance_` of its duration (see the header);
  // returns the slowest rate among them.
  double finish_due(double t, size_t& left) {
    const double due = t + 1e-12 * std::max(t, 1e-9);
    double slowest = kInf;
    auto finish = [&](int f, unsigned v) {
      if (!current(f, v)) return;
      const auto uf = static_cast<size_t>(f);
      done_[uf] = t;
      live_[uf] = 0;
      --live_count_;
      --left;
      ++version_[uf];
      slowest = std::min(slowest, rate_[uf]);
      take(f, -1);
      seeds_.push_back(f);
    };
    for (auto* heap : {&finishes_, &nearly_}) {
      while (!heap->empty() && std::get<0>(heap->top()) <= due) {
        const auto [when, f, v] = heap->top();
        heap->pop();
        finish(f, v);
      }
    }
    return slowest;
  }

  // The live flows at or above `level` linked to the links of the seeds.
  void collect(double level) {
    ++epoch_;
    queue_.clear();
    resolve_.clear();
    for (int f : seeds_) {
      for (int l : links(f)) mark_link(l);
    }
    for (size_t q = 0; q < queue_.size(); ++q) {
      const auto l = static_cast<size_t>(queue_[q]);
      for (size_t k = first_[l]; k < last_[l];) {
        const int g = crossing_[k];
        const auto ug = static_cast<size_t>(g);
        if (done_[ug] >= 0) {  // finished: drop it from the link's list for good
          std::swap(crossing_[k], crossing_[--last_[l]]);
          continue;
        }
        ++k;
        if (live_[ug] == 0 || flow_mark_[ug] == epoch_ || rate_[ug] < level) continue;
        flow_mark_[ug] = epoch_;
        resolve_.push_back(g);
        for (int m : links(g)) mark_link(m);
      }
    }
  }

  // Re-solves the live flows at or above `level` linked to the links of the seeds, at time t.
  void resolve_around(double level, double t) {
    collect(level);
    if (resolve_.empty()) return;
    for (int f : resolve_) {
      const auto uf = static_cast<size_t>(f);
      remaining_[uf] -= rate_[uf] * (t - since_[uf]);
      since_[uf] = t;
      take(f, -1);
    }
    maxmin_.solve(resolve_, fresh_, &held_);
    ++stats_.rate_solves;
    size_t queued = 0, nearly_queued = 0;
    for (size_t i = 0; i < resolve_.size(); ++i) {
      const int f = resolve_[i];
      const auto uf = static_cast<size_t>(f);
      const bool same = fresh_[i] == rate_[uf];
      rate_[uf] = fresh_[i];
      take(f, +1);
      // An unchanged rate keeps its queued finish time (the same instant, computed earlier).
      if (same && version_[uf] != 0) continue;
      const double left = std::max(0.0, remaining_[uf]);
      const double when = t + left / rate_[uf];
      finishes_.add(when, f, ++version_[uf]);
      ++queued;
      // When the time it has left falls to the tolerance of its duration.
      const double nearly = when - tolerance_ * (when - c_.ready[uf]);
      if (tolerance_ > 0 && std::isfinite(when) && nearly < when) {
        nearly_.add(nearly, f, version_[uf]);
        ++nearly_queued;
      }
    }
    finishes_.settle(queued);
    nearly_.settle(nearly_queued);
    const auto is_current = [&](int f, unsigned v) { return current(f, v); };
    finishes_.sweep(live_count_, is_current);
    nearly_.sweep(live_count_, is_current);
  }

  // Whether a queued entry is the flow's latest and the flow still runs.
  [[nodiscard]] bool current(int f, unsigned version) const {
    const auto uf = static_cast<size_t>(f);
    return version == version_[uf] && live_[uf] != 0;
  }

  const Component& c_;
  double tolerance_;
  size_t n_;
  std::vector<double> done_, remaining_, rate_, since_;
  std::vector<unsigned> version_;
  std::vector<char> live_;  // arrived and not finished
  std::vector<int> pending_;
  size_t next_ = 0;         // the next of pending_ to arrive
  double last_finish_ = 0;  // the last finish event
  std::vector<size_t> first_, last_;
  std::vector<int> crossing_;
  MaxMin maxmin_;
  std::vector<double> held_;  // capacity taken by live flows
  size_t live_count_ = 0;
  FinishQueue finishes_;  // when each flow finishes at its rate
  FinishQueue nearly_;    // when its time left falls to the tolerance of its duration
  std::vector<unsigned> flow_mark_, link_mark_;
  unsigned epoch_ = 0;
  std::vector<int> seeds_, queue_, resolve_;
  std::vector<double> fresh_;
  FlowNetwork::Stats& stats_;
};

std::vector<double> simulate(const Component& c, bool incremental, double tolerance,
                             FlowNetwork::Stats& stats) {
  return ComponentRun(c, tolerance, stats).run(incremental);
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

std::vector<Seconds> FlowNetwork::run(bool use_symmetry, bool incremental, double tolerance) {
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
        it = solved.emplace(signature, simulate(comp, incremental, tolerance, stats_)).first;
      }
      times = &it->second;
    } else {
      ++stats_.solved;
      own = simulate(comp, incremental, tolerance, stats_);
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
