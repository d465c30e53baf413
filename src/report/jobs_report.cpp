#include "report/jobs_report.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "report/report.hpp"

namespace colossim {
namespace {

// The job's GPUs as ranges of consecutive cluster GPUs, first and last of each.
std::vector<std::pair<long long, long long>> gpu_ranges(const Cluster& c) {
  std::vector<std::pair<long long, long long>> out;
  const long long unit = c.placement_unit();
  for (long long rank = 0; rank < c.job_gpus(); rank += unit) {
    const long long first = c.job_gpu(rank), last = first + unit - 1;
    if (!out.empty() && out.back().second + 1 == first) {
      out.back().second = last;
    } else {
      out.emplace_back(first, last);
    }
  }
  return out;
}

std::string where(const Cluster& c) {
  const auto ranges = gpu_ranges(c);
  std::string text = c.placement == "packed" || c.placement == "scattered" ? c.placement + " " : "";
  for (size_t i = 0; i < ranges.size() && i < 2; ++i)
    text += fmt::format("{}{}-{}", i > 0 ? ", " : "", ranges[i].first, ranges[i].second);
  if (ranges.size() > 2) text += fmt::format(" and {} more ranges", ranges.size() - 2);
  return text;
}

double slowdown(const app::JobOnCluster& j) {
  return j.shared.step.step_time.value() / j.alone.prediction.step.step_time.value() - 1;
}

}  // namespace

std::string shared_cluster_text(const app::SharedCluster& r) {
  const Cluster& c = r.scenario.cluster;
  std::string out = fmt::format(
      "{}: {} jobs on {} {} GPUs ({}, 1:{:g} oversubscribed, {} routing)\n\n", r.scenario.name,
      r.jobs.size(), c.gpus, c.gpu.id, c.topology, c.oversubscription, c.routing);
  size_t name_width = 4, where_width = 5;
  for (const auto& j : r.jobs) {
    name_width = std::max(name_width, j.alone.scenario.name.size());
    where_width = std::max(where_width, where(j.alone.scenario.cluster).size());
  }
  out += fmt::format("{:<{}} {:>7}  {:<{}} {:>11} {:>11} {:>9} {:>7}\n", "job", name_width, "GPUs",
                     "where", where_width, "step alone", "shared", "slower", "MFU");
  for (const auto& j : r.jobs) {
    const Scenario& s = j.alone.scenario;
    out += fmt::format("{:<{}} {:>7}  {:<{}} {:>11} {:>11} {:>8.1f}% {:>6.1f}%\n", s.name,
                       name_width, s.cluster.job_gpus(), where(s.cluster), where_width,
                       human_seconds(j.alone.prediction.step.step_time.value()),
                       human_seconds(j.shared.step.step_time.value()), 100 * slowdown(j),
                       100 * j.shared.mfu);
  }
  out += "\nWhat each job puts on the shared links (share of its step the traffic is on):\n";
  for (const auto& j : r.jobs) {
    std::string loads;
    for (const auto& t : j.traffic)
      loads += fmt::format("{}{} {:.0f}%", loads.empty() ? "" : ", ", t.what, 100 * t.duty);
    out += fmt::format("  {:<{}} {}\n", j.alone.scenario.name, name_width,
                       loads.empty() ? "nothing beyond its NVLink domains" : loads);
  }
  out +=
      "\nWhat slowed each job's collectives (expected per call: the other job's traffic weighs in "
      "for the share of time it is on):\n";
  bool any = false;
  for (const auto& j : r.jobs) {
    for (const auto& rec : j.shared.fabric) {
      for (const auto& by : rec.other_jobs) {
        if (by.added.value() <= 0 || by.job == j.alone.scenario.name) continue;
        any = true;
        out += fmt::format(
            "  {:<{}} {} {} over {} ranks ({} groups): {} alone, +{:.1f}% beside {}'s {} "
            "traffic{}\n",
            j.alone.scenario.name, name_width, to_string(rec.kind), human_bytes(rec.bytes.value()),
            rec.group_size, rec.groups, human_seconds(rec.contended.value()),
            100 * by.added.value() / rec.contended.value(), by.job, by.what,
            by.tier.empty() ? "" : ", on " + by.tier + " links");
      }
    }
  }
  if (!any) out += "  none: no job's traffic shares a link with another's\n";
  return out;
}

nlohmann::json shared_cluster_json(const app::SharedCluster& r) {
  nlohmann::json j;
  j["name"] = r.scenario.name;
  j["cluster_gpus"] = r.scenario.cluster.gpus;
  j["jobs"] = nlohmann::json::array();
  for (const auto& job : r.jobs) {
    const Scenario& s = job.alone.scenario;
    nlohmann::json o;
    o["name"] = s.name;
    o["gpus"] = s.cluster.job_gpus();
    o["placement"] = s.cluster.placement;
    o["gpu_ranges"] = nlohmann::json::array();
    for (const auto& [first, last] : gpu_ranges(s.cluster))
      o["gpu_ranges"].push_back({first, last});
    o["alone"] = prediction_json(s, job.alone.prediction, job.alone.run);
    const Prediction& p = job.shared;
    o["shared"] = {{"step_time_s", p.step.step_time.value()},
                   {"tokens_per_s", p.tokens_per_s},
                   {"model_tflops_per_gpu", p.model_tflops_per_gpu},
                   {"mfu", p.mfu},
                   {"slowdown", slowdown(job)}};
    if (p.time_to_train_days) o["shared"]["time_to_train_days"] = *p.time_to_train_days;
    o["traffic"] = nlohmann::json::array();
    for (const auto& t : job.traffic)
      o["traffic"].push_back({{"what", t.what},
                              {"duty", t.duty},
                              {"streams", static_cast<long long>(t.streams.size())}});
    o["other_jobs"] = nlohmann::json::array();
    for (const auto& rec : p.fabric) {
      for (const auto& by : rec.other_jobs) {
        if (by.job == s.name) continue;  // its own traffic: in shared.fabric's beside
        o["other_jobs"].push_back({{"job", by.job},
                                   {"traffic", by.what},
                                   {"collective", to_string(rec.kind)},
                                   {"bytes", rec.bytes.value()},
                                   {"group_size", rec.group_size},
                                   {"groups", rec.groups},
                                   {"contended_s", rec.contended.value()},
                                   {"added_s", by.added.value()},
                                   {"tier", by.tier}});
      }
    }
    j["jobs"].push_back(o);
  }
  return j;
}

}  // namespace colossim
