// DualPipeV (deepseek-ai/DualPipe, dualpipe/dualpipev.py @3da1bbe; Sea AI Lab's "cut-in-half"
// of the DeepSeek-V3 report's DualPipe, Sec 3.2.1): the model in 2 pp chunks laid out as a V,
// stage s holding chunk s (phase 0) and chunk 2 pp - 1 - s (phase 1), so a micro-batch goes
// down the stages and back up. Most passes run as F&B pairs, a forward of one phase beside a
// backward of the other, each one's dispatch, combine and pipeline sends under the other's
// compute. Per stage, in DualPipeV's eight steps (r the stage, R = pp):
//   1. 2 (R - r - 1) forwards of phase 0;   2. r + 1 times F0, F1;
//   3. R - r - 1 times B1, F1;              4. m - 2R + r + 1 times F0&B1, F1&B0;
//   5. R - r - 1 times B1, F1&B0;           6. r + 1 times B1, B0;
//   7. R - r - 1 backwards of phase 0.
// DualPipeV splits some backwards into input and weight gradients and runs the weight part
// later (zero bubble: steps 3, 6-8); colossim runs each backward whole, so its cool-down is
// up to 3 W per stage longer than DualPipeV's (README table: (PP/2 - 1)(F&B + B - 3W)).
#include <fmt/format.h>

#include <array>

#include "plan/schedule.hpp"

namespace colossim::schedules {
namespace {

std::optional<std::string> invalid(int pp, int v, long long m) {
  if (v != 2)
    return fmt::format("dualpipev runs two model chunks per stage (virtual_stages: 2), got {}", v);
  if (m < 2LL * pp)
    return fmt::format("dualpipev needs at least 2 x pp = {} micro-batches per step, got {}",
                       2LL * pp, m);
  return std::nullopt;
}

std::vector<ScheduleItem> order(int pp, int, int stage, long long m) {
  std::vector<ScheduleItem> out;
  std::array<long long, 2> f{0, 0}, b{0, 0};  // next micro-batch of each phase, in FIFO order
  const auto forward = [&](int phase, bool paired = false) {
    out.push_back({true, phase, f[static_cast<size_t>(phase)]++, paired});
  };
  const auto backward = [&](int phase) {
    out.push_back({false, phase, b[static_cast<size_t>(phase)]++, false});
  };
  const auto both = [&](int forward_phase, int backward_phase) {
    forward(forward_phase, true);
    backward(backward_phase);
  };
  const long long r = stage, ranks = pp;
  const bool last = stage == pp - 1;
  for (long long i = 0; i < 2 * (ranks - r - 1); ++i) forward(0);
  for (long long i = 0; i < r + 1; ++i) {
    forward(0);
    forward(1);
  }
  for (long long i = 0; i < ranks - r - 1; ++i) {
    backward(1);
    forward(1);
  }
  for (long long i = 0; i < m - 2 * ranks + r + 1; ++i) {
    if (i == 0 && last) {
      forward(0);  // the turn of the V: DualPipeV does not overlap these two
      backward(1);
    } else {
      both(0, 1);
    }
    both(1, 0);
  }
  for (long long i = 0; i < ranks - r - 1; ++i) {
    backward(1);
    both(1, 0);
  }
  for (long long i = 0; i < r + 1; ++i) {
    backward(1);
    backward(0);
  }
  for (long long i = 0; i < ranks - r - 1; ++i) backward(0);
  return out;
}

}  // namespace

extern const PipelineSchedule kDualPipeV{
    "dualpipev",
    "DeepSeek's bidirectional DualPipe cut in half: chunks in a V, forward and backward overlapped",
    "DualPipeV",
    true,
    true,
    2,
    true,
    true,
    &invalid,
    &order};

}  // namespace colossim::schedules
