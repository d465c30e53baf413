// 1F1B (PipeDream-Flush; Narayanan et al. 2021, Sec 2.2): stage s runs pp - s - 1 warm-up
// forwards, then alternates one forward and one backward, then drains the backwards; at most
// pp - s micro-batches are in flight.
#include <algorithm>

#include "plan/schedule.hpp"

namespace colossim::schedules {
namespace {

std::optional<std::string> invalid(int, int v, long long) {
  if (v == 1) return std::nullopt;
  return "1f1b runs one model chunk per stage; virtual_stages > 1 needs schedule: interleaved";
}

std::vector<ScheduleItem> order(int pp, int, int stage, long long m) {
  std::vector<ScheduleItem> out;
  const long long warmup = std::min<long long>(pp - stage - 1, m);
  for (long long i = 0; i < warmup; ++i) out.push_back({true, 0, i, false});
  for (long long i = 0; i < m - warmup; ++i) {
    out.push_back({true, 0, warmup + i, false});
    out.push_back({false, 0, i, false});
  }
  for (long long i = m - warmup; i < m; ++i) out.push_back({false, 0, i, false});
  pair_steady_state(out);
  return out;
}

}  // namespace

extern const PipelineSchedule kOneFOneB{"1f1b",   "one forward, one backward (PipeDream-Flush)",
                                        "1F1B",   false,
                                        false,    0,
                                        false,    false,
                                        &invalid, &order};

}  // namespace colossim::schedules
