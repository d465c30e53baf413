#include "plan/pipeline.hpp"

#include <algorithm>
#include <cassert>

namespace colossim {

bool layers_split_evenly(const Model& model, int pp, int v) {
  const int chunks = pp * v;
  if (model.layers % chunks == 0) return true;
  return chunks > 1 && (model.layers + 2) % chunks == 0 && model.layers + 2 >= chunks;
}

PipelineLayout make_layout(const Model& model, int pp, int v, bool uneven) {
  PipelineLayout layout;
  layout.pp = pp;
  layout.virtual_stages = v;
  const int chunks = pp * v;
  std::vector<int> sizes(static_cast<size_t>(chunks), model.layers / chunks);
  if (model.layers % chunks != 0 && !layers_split_evenly(model, pp, v)) {
    assert(uneven);
    (void)uneven;
    // Floor everywhere, one more layer on as many middle chunks as needed.
    int extra = model.layers % chunks;
    for (int c = 1; c < chunks && extra > 0; ++c, --extra) sizes[static_cast<size_t>(c)] += 1;
    if (extra > 0) sizes[0] += 1;
  } else if (model.layers % chunks != 0) {
    // Embedding and loss take one layer's slot each on the first and last chunk.
    const int per = (model.layers + 2) / chunks;
    std::fill(sizes.begin(), sizes.end(), per);
    sizes.front() -= 1;
    sizes.back() -= 1;
  }
  int next = 0;
  for (int c = 0; c < chunks; ++c) {
    Chunk ch;
    ch.model_chunk = c;
    ch.stage = c % pp;
    for (int i = 0; i < sizes[static_cast<size_t>(c)]; ++i) ch.layers.push_back(next++);
    ch.has_embedding = c == 0;
    ch.has_output = c == chunks - 1;
    layout.chunks.push_back(ch);
  }
  assert(next == model.layers);
  return layout;
}

std::vector<ScheduleItem> stage_order(Schedule schedule, int pp, int v, int stage, long long m) {
  std::vector<ScheduleItem> order;
  if (schedule == Schedule::gpipe) {
    for (int c = 0; c < v; ++c)
      for (long long i = 0; i < m; ++i) order.push_back({true, c, i});
    for (int c = v - 1; c >= 0; --c)
      for (long long i = 0; i < m; ++i) order.push_back({false, c, i});
    return order;
  }
  if (v == 1) {
    const long long warmup = std::min<long long>(pp - stage - 1, m);
    for (long long i = 0; i < warmup; ++i) order.push_back({true, 0, i});
    for (long long i = 0; i < m - warmup; ++i) {
      order.push_back({true, 0, warmup + i});
      order.push_back({false, 0, i});
    }
    for (long long i = m - warmup; i < m; ++i) order.push_back({false, 0, i});
    return order;
  }
  // Interleaved 1F1B (Narayanan et al. 2021, Sec 2.2; Megatron-LM schedules.py): micro-batches
  // go through the chunks in groups of pp.
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
  for (; f < warmup; ++f) order.push_back({true, chunk_of(f, true), mb_of(f)});
  while (f < total) {
    order.push_back({true, chunk_of(f, true), mb_of(f)});
    ++f;
    order.push_back({false, chunk_of(b, false), mb_of(b)});
    ++b;
  }
  for (; b < total; ++b) order.push_back({false, chunk_of(b, false), mb_of(b)});
  return order;
}

}  // namespace colossim
