#include "plan/pipeline.hpp"

#include <algorithm>
#include <cassert>

#include "core/registry.hpp"

namespace colossim {

namespace {

// Layer slots the split shares out: the layers and the multi-token-prediction modules, which
// sit on the last chunk before the loss and take a layer's slot each (Megatron-Core's layouts
// "...mL"; NeMo's DeepSeek-V3 recipe: 3 layers first, 2 + MTP last on 16 stages).
int slots(const Model& model) { return model.layers + model.mtp_layers; }

}  // namespace

bool layers_split_evenly(const Model& model, int pp, int v) {
  const int chunks = pp * v;
  const int n = slots(model);
  if (n % chunks == 0) return true;
  return chunks > 1 && (n + 2) % chunks == 0 && n + 2 >= chunks;
}

PipelineLayout make_layout(const Model& model, int pp, int v, bool uneven, bool v_shape) {
  PipelineLayout layout;
  layout.pp = pp;
  layout.virtual_stages = v;
  const int chunks = pp * v;
  const int n = slots(model);
  std::vector<int> sizes(static_cast<size_t>(chunks), n / chunks);
  if (n % chunks != 0 && !layers_split_evenly(model, pp, v)) {
    assert(uneven);
    (void)uneven;
    // Floor everywhere, one more layer on as many middle chunks as needed.
    int extra = n % chunks;
    for (int c = 1; c < chunks && extra > 0; ++c, --extra) sizes[static_cast<size_t>(c)] += 1;
    if (extra > 0) sizes[0] += 1;
  } else if (n % chunks != 0) {
    // Embedding and loss take one layer's slot each on the first and last chunk.
    const int per = (n + 2) / chunks;
    std::fill(sizes.begin(), sizes.end(), per);
    sizes.front() -= 1;
    sizes.back() -= 1;
  }
  // The last chunk's slots go to the MTP modules first; slots they lack come off the chunks
  // before it, from the end, keeping a layer on every middle chunk (the plan has at least
  // chunks - 2 layers: plan/plan.cpp).
  int owed = model.mtp_layers;
  for (int c = chunks - 1; c >= 0 && owed > 0; --c) {
    const int keep = c == chunks - 1 || c == 0 ? 0 : 1;
    const int take = std::min(owed, std::max(0, sizes[static_cast<size_t>(c)] - keep));
    sizes[static_cast<size_t>(c)] -= take;
    owed -= take;
  }
  assert(owed == 0);
  assert(!v_shape || v == 2);
  layout.placed.assign(static_cast<size_t>(chunks), 0);
  int next = 0;
  for (int c = 0; c < chunks; ++c) {
    Chunk ch;
    ch.model_chunk = c;
    ch.stage = v_shape && c >= pp ? 2 * pp - 1 - c : c % pp;
    layout.placed[static_cast<size_t>(ch.stage) * static_cast<size_t>(v) +
                  static_cast<size_t>(c / pp)] = c;
    for (int i = 0; i < sizes[static_cast<size_t>(c)]; ++i) ch.layers.push_back(next++);
    ch.has_embedding = c == 0;
    ch.has_output = c == chunks - 1;
    layout.chunks.push_back(ch);
  }
  assert(next == model.layers);
  return layout;
}

PipelineLayout layout_of(const Model& model, const Plan& plan) {
  const PipelineSchedule* schedule = find_schedule(plan.schedule);
  return make_layout(model, plan.pp, plan.virtual_stages, plan.uneven_stages,
                     schedule != nullptr && schedule->v_shape);
}

// The registered schedules, one line each; each is defined in plan/schedules/<name>.cpp.
// Adding one: its file (and its line in CMakeLists.txt's source list) and one line here.
#define COLOSSIM_PIPELINE_SCHEDULES(X) \
  X(Gpipe)                             \
  X(OneFOneB)                          \
  X(Interleaved)                       \
  X(DualPipeV)                         \
  /* one line per registered model, above this one */

namespace schedules {
#define COLOSSIM_DECLARE(name) extern const PipelineSchedule k##name;
COLOSSIM_PIPELINE_SCHEDULES(COLOSSIM_DECLARE)
#undef COLOSSIM_DECLARE
}  // namespace schedules

const std::vector<PipelineSchedule>& pipeline_schedules() {
#define COLOSSIM_ENTRY(name) schedules::k##name,
  static const std::vector<PipelineSchedule> all = {COLOSSIM_PIPELINE_SCHEDULES(COLOSSIM_ENTRY)};
#undef COLOSSIM_ENTRY
  return all;
}

const PipelineSchedule* find_schedule(const std::string& name) {
  return find_named(pipeline_schedules(), name);
}

std::string schedule_names() { return joined_names(pipeline_schedules()); }

std::string default_schedule(int virtual_stages) {
  return virtual_stages > 1 ? schedules::kInterleaved.name : schedules::kOneFOneB.name;
}

std::vector<ScheduleItem> stage_order(const std::string& schedule, int pp, int v, int stage,
                                      long long m) {
  const PipelineSchedule* s = find_schedule(schedule);
  assert(s != nullptr);
  return s->order(pp, v, stage, m);
}

}  // namespace colossim
