// Interleaved 1F1B (Narayanan et al. 2021, Sec 2.2; Megatron-LM schedules.py): each stage holds
// v model chunks; micro-batches go through the chunks in groups of pp, shrinking the bubble by v.
// Megatron requires the micro-batches per step to be a multiple of pp.
#include <fmt/format.h>

#include <algorithm>

#include "plan/schedule.hpp"

namespace colossim::schedules {
namespace {

std::optional<std::string> invalid(int pp, int, long long m) {
  if (m % pp == 0) return std::nullopt;
  return fmt::format(
      "the interleaved schedule needs micro-batches per step ({}) to be a multiple of pp ({})", m,
      pp);
}

std::vector<ScheduleItem> order(int pp, int v, int stage, long long m) {
  if (v == 1) return kOneFOneB.order(pp, v, stage, m);
  std::vector<ScheduleItem> out;
  const long long total = m * v;
  auto chunk_of = [&](long long k, bool forward) {
    const long long in_group = k % (static_cast<long long>(pp) * v);
    int c = static_cast<int>(in_group / pp);
    return forward ? c : v - 1 - c;
  };
  auto mb_of = [&](long long k) {
    const long long group = k / (static_cast<long long>(pp) * v);
    return group * pp + (k % (static_cast<long long>(pp) * v)) % pp;
  };
  long long warmup = m == pp ? total
                             : std::min<long long>(total, (pp - stage - 1) * 2LL +
                                                              (v - 1) * static_cast<long long>(pp));
  long long f = 0, b = 0;
  for (; f < warmup; ++f) out.push_back({true, chunk_of(f, true), mb_of(f), false});
  while (f < total) {
    out.push_back({true, chunk_of(f, true), mb_of(f), false});
    ++f;
    out.push_back({false, chunk_of(b, false), mb_of(b), false});
    ++b;
  }
  for (; b < total; ++b) out.push_back({false, chunk_of(b, false), mb_of(b), false});
  pair_steady_state(out);
  return out;
}

}  // namespace

extern const PipelineSchedule kInterleaved{"interleaved",
                                           "interleaved 1F1B over virtual stages (Megatron-LM)",
                                           "Interleaved1F1B",
                                           true,
                                           true,
                                           0,
                                           false,
                                           false,
                                           &invalid,
                                           &order};

}  // namespace colossim::schedules
