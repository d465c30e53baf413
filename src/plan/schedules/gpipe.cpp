// GPipe (Huang et al., NeurIPS 2019): every forward of every chunk, then every backward in
// reverse; all micro-batches' activations are live at the peak.
#include "plan/schedule.hpp"

namespace colossim::schedules {
namespace {

std::optional<std::string> invalid(int, int, long long) { return std::nullopt; }

std::vector<ScheduleItem> order(int, int v, int, long long m) {
  std::vector<ScheduleItem> out;
  for (int c = 0; c < v; ++c)
    for (long long i = 0; i < m; ++i) out.push_back({true, c, i, false});
  for (int c = v - 1; c >= 0; --c)
    for (long long i = 0; i < m; ++i) out.push_back({false, c, i, false});
  return out;
}

}  // namespace

extern const PipelineSchedule kGpipe{"gpipe",  "all forwards, then all backwards (GPipe)",
                                     "GPipe",  true,
                                     false,    0,
                                     false,    false,
                                     &invalid, &order};

}  // namespace colossim::schedules
