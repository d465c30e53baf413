// `colossim design` as text, JSON and CSV (report/report.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "report/report.hpp"

namespace colossim {

std::string human_dollars(double usd) {
  if (usd >= 1e9) return fmt::format("${:.2f}B", usd / 1e9);
  return fmt::format("${:.0f}M", usd / 1e6);
}

namespace {

std::string short_plan(const Plan& p) {
  std::string s = fmt::format("TP{} PP{} CP{}", p.tp, p.pp, p.cp);
  if (p.ep > 1) s += fmt::format(" EP{}", p.ep);
  s += fmt::format(" DP{}", p.dp);
  if (p.virtual_stages > 1) s += fmt::format(" VP{}", p.virtual_stages);
  if (p.micro_batch > 1) s += fmt::format(" MB{}", p.micro_batch);
  if (p.recompute != Recompute::none) s += " rc-" + to_string(p.recompute);
  if (p.zero != 1) s += fmt::format(" Z{}", p.zero);
  if (p.precision == Precision::fp8) s += " fp8";
  return s;
}

std::string fabric(const DesignChoice& c) {
  std::string f = fmt::format("{} 1:{} {}G", c.topology, c.oversubscription, c.nic_gbps);
  if (!c.storage_bandwidth.empty()) f += " ckpt " + c.storage_bandwidth;
  if (c.power_limit < 1) f += fmt::format(" cap {:.0f}%", 100 * c.power_limit);
  return f;
}

std::string goal_words(const std::string& goal) {
  if (goal == "cost_per_token") return "lowest cost per million tokens";
  if (goal == "tokens_per_mw") return "most tokens per MW";
  return "earliest finish";
}

nlohmann::json result_json(const DesignResult& r) {
  const DesignChoice& c = r.choice;
  nlohmann::json j = {{"gpu", c.gpu.gpu},
                      {"node", c.node},
                      {"available", c.gpu.available},
                      {"job_gpus", c.job_gpus},
                      {"spare_gpus", c.spare_gpus},
                      {"cooling", c.cooling},
                      {"topology", c.topology},
                      {"oversubscription", c.oversubscription},
                      {"nic_gbps", c.nic_gbps},
                      {"storage_bandwidth", c.storage_bandwidth},
                      {"power_limit", c.power_limit},
                      {"sets", c.sets},
                      {"racks", r.racks},
                      {"peak_mw", r.peak_mw},
                      {"capital_usd", r.capital_usd},
                      {"limit", limit_name(r.limit)},
                      {"bounded", r.bounded}};
  if (!r.why.empty()) j["why"] = r.why;
  if (r.step_s > 0) {
    j["plan"] = plan_keys_json(r.plan);
    j["step_time_s"] = r.step_s;
    j["tokens_per_s"] = r.tokens_per_s;
    j["mfu"] = r.mfu;
    j["memory_gib_per_gpu"] = r.memory_gib;
    j["time_to_train_days_no_failures"] = r.train_days_no_failures;
    j["time_to_train_days"] = r.train_days;
    j["goodput"] = r.goodput;
    j["first_training_day"] = r.first_training_day;
    j["finish_day"] = r.finish_day;
    j["first_training_date"] = r.first_training_date;
    j["finish_date"] = r.finish_date;
    j["facility_mw"] = r.avg_mw;
    j["run_cost_usd"] = r.run_cost_usd;
    j["total_cost_usd"] = r.total_cost_usd;
    j["usd_per_million_tokens"] = r.usd_per_million_tokens;
    j["tokens_per_s_per_mw"] = r.tokens_per_s_per_mw;
    j["step_time_band"] = {{"low", r.band_low}, {"high", r.band_high}};
    j["time_to_train_days_fleet_range"] = {{"low", r.fleet_low_days}, {"high", r.fleet_high_days}};
  }
  if (!r.binding.empty()) j["binding"] = {{"constraint", r.binding}, {"use", r.binding_use}};
  return j;
}

}  // namespace

std::string design_text(const app::Design& d) {
  const DesignSearch& s = d.search;
  const DesignSettings& set = s.settings;
  const Scenario& sc = d.scenario;
  std::string out = fmt::format("colossim design: {}\n\n", sc.name);
  std::string limits;
  if (set.site_mw) limits += fmt::format(", site {:g} MW", *set.site_mw);
  if (set.capital_usd) limits += ", capital " + human_dollars(*set.capital_usd);
  if (set.total_cost_usd) limits += ", total cost " + human_dollars(*set.total_cost_usd);
  if (set.max_racks) limits += fmt::format(", {} racks", *set.max_racks);
  if (set.deadline) limits += ", trained by " + *set.deadline;
  out += fmt::format("  {} on {:.2f}T tokens, from {}{}; goal: {}\n", sc.model.name,
                     *sc.training.tokens / 1e12, set.start, limits, goal_words(set.goal));
  std::map<std::string, long long> before, after;
  for (const auto& r : s.rejected) ++(r.bounded ? before : after)[limit_name(r.limit)];
  const auto counts = [](const std::map<std::string, long long>& m) {
    std::string t;
    for (const auto& [k, n] : m) t += fmt::format("{}{} {}", t.empty() ? "" : ", ", k, n);
    return t;
  };
  out += fmt::format(
      "  {} designs: {} set aside before a plan search{}; {} plan searches ({} "
      "designs shared one); {} feasible",
      s.designs, s.bounded, before.empty() ? "" : " (" + counts(before) + ")", s.plan_searches,
      s.searches_shared, s.ranked.size());
  if (!after.empty())
    out +=
        fmt::format(", {} ruled out after ({})",
                    s.designs - s.bounded - static_cast<long long>(s.ranked.size()), counts(after));
  out += "\n\n";
  const size_t shown = std::min<size_t>(s.ranked.size(), 10);
  size_t fabric_width = 23, plan_width = 22;
  for (size_t i = 0; i < shown; ++i) {
    fabric_width = std::max(fabric_width, fabric(s.ranked[i].choice).size());
    plan_width = std::max(plan_width, short_plan(s.ranked[i].plan).size());
  }
  out += fmt::format(
      "   # {:>13} {:<15} {:<7} {:<{}} {:<{}} {:>7} {:>6} {:>6} {:>10} {:>10} {:>6} "
      "{:>7} {:>7}  {}\n",
      "job+spares", "GPU", "cooling", "fabric", fabric_width, "plan", plan_width, "step", "MFU",
      "train", "training", "trained", "MW", "capital", "$/Mtok", "binding");
  for (size_t i = 0; i < shown; ++i) {
    const DesignResult& r = s.ranked[i];
    const DesignChoice& c = r.choice;
    out += fmt::format(
        "  {:>2} {:>13} {:<15} {:<7} {:<{}} {:<{}} {:>6.2f}s {:>5.1f}% {:>5.1f}d {:>10} {:>10} "
        "{:>6.1f} {:>7} {:>7.2f}  {}\n",
        i + 1, fmt::format("{}+{}", c.job_gpus, c.spare_gpus), c.gpu.gpu, c.cooling, fabric(c),
        fabric_width, short_plan(r.plan), plan_width, r.step_s, 100 * r.mfu, r.train_days,
        r.first_training_date, r.finish_date, r.peak_mw, human_dollars(r.capital_usd),
        r.usd_per_million_tokens,
        r.binding.empty() ? std::string("-")
                          : fmt::format("{} {:.0f}%", r.binding, 100 * r.binding_use));
  }
  out +=
      "  train: days to train with failures (median); training: first training day; MW: "
      "facility peak at the meter\n";
  if (std::any_of(s.ranked.begin(), s.ranked.end(),
                  [](const DesignResult& r) { return r.choice.power_limit < 1; }))
    out += "  cap: the GPUs' power limit, a share of TDP (design.power_limit)\n";
  if (s.ranked.size() > shown)
    out += fmt::format("  ... {} more feasible designs (--json or --format csv lists them)\n",
                       s.ranked.size() - shown);
  if (!s.why_runner_up.empty()) out += "\n  why not " + s.why_runner_up + "\n";
  out += "\n  frontier (no other design trains sooner for less total cost):\n";
  for (const size_t i : s.frontier) {
    const DesignResult& r = s.ranked[i];
    out += fmt::format("    {}  {:>8}  #{:<3} {}\n", r.finish_date, human_dollars(r.total_cost_usd),
                       i + 1, design_label(r.choice));
  }
  if (!s.sensitivity.empty()) {
    out += "\n  how sure (the winner at its worst against every rival at its best):\n";
    for (const auto& x : s.sensitivity) {
      out += fmt::format("    {:<15} {}: {}\n", x.input,
                         x.robust ? "the choice holds" : "the choice can change to " + x.rival,
                         x.range);
      out += fmt::format("    {:<15} {}\n", "", x.note);
    }
  }
  if (!s.rejected.empty()) {
    out += fmt::format("\n  ruled out ({} designs{}):\n", s.rejected.size(),
                       s.rejected.size() > 8 ? "; the first 8" : "");
    for (size_t i = 0; i < s.rejected.size() && i < 8; ++i) {
      const DesignResult& r = s.rejected[i];
      out += fmt::format("    {}: {} ({})\n", design_label(r.choice), limit_name(r.limit), r.why);
    }
  }
  return out;
}

nlohmann::json design_json(const app::Design& d) {
  const DesignSearch& s = d.search;
  nlohmann::json j;
  j["name"] = d.scenario.name;
  j["goal"] = s.settings.goal;
  j["start"] = s.settings.start;
  j["designs_total"] = s.designs;
  j["designs_bounded"] = s.bounded;
  j["plan_searches"] = s.plan_searches;
  j["searches_shared"] = s.searches_shared;
  j["designs"] = nlohmann::json::array();
  for (const auto& r : s.ranked) j["designs"].push_back(result_json(r));
  j["rejected"] = nlohmann::json::array();
  for (const auto& r : s.rejected) j["rejected"].push_back(result_json(r));
  j["frontier"] = nlohmann::json::array();
  for (const size_t i : s.frontier) j["frontier"].push_back(i);
  j["why_runner_up"] = s.why_runner_up;
  j["sensitivity"] = nlohmann::json::array();
  for (const auto& x : s.sensitivity) {
    j["sensitivity"].push_back({{"input", x.input},
                                {"range", x.range},
                                {"robust", x.robust},
                                {"rival", x.rival},
                                {"note", x.note}});
  }
  return j;
}

std::string design_csv(const app::Design& d) {
  const DesignSearch& s = d.search;
  std::vector<bool> on_frontier(s.ranked.size(), false);
  for (const size_t i : s.frontier) on_frontier[i] = true;
  std::string out =
      "rank,gpu,job_gpus,spare_gpus,cooling,topology,oversubscription,nic_gbps,storage_bandwidth,"
      "limit,frontier,racks,peak_mw,capital_usd,step_time_s,mfu,time_to_train_days,"
      "first_training_date,finish_date,finish_day,facility_mw,total_cost_usd,"
      "usd_per_million_tokens,tokens_per_s_per_mw,power_limit\n";
  const auto row = [&](const DesignResult& r, const std::string& rank, bool frontier) {
    const DesignChoice& c = r.choice;
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{:.3f},{:.0f}", rank, c.gpu.gpu,
                       c.job_gpus, c.spare_gpus, c.cooling, c.topology, c.oversubscription,
                       c.nic_gbps, c.storage_bandwidth, limit_name(r.limit), frontier ? 1 : 0,
                       r.racks, r.peak_mw, r.capital_usd);
    if (r.step_s > 0) {
      out +=
          fmt::format(",{:.4f},{:.4f},{:.2f},{},{},{:.2f},{:.3f},{:.0f},{:.4f},{:.1f}", r.step_s,
                      r.mfu, r.train_days, r.first_training_date, r.finish_date, r.finish_day,
                      r.avg_mw, r.total_cost_usd, r.usd_per_million_tokens, r.tokens_per_s_per_mw);
    } else {
      out += ",,,,,,,,,,";
    }
    out += fmt::format(",{}\n", c.power_limit);
  };
  for (size_t i = 0; i < s.ranked.size(); ++i)
    row(s.ranked[i], std::to_string(i + 1), on_frontier[i]);
  for (const auto& r : s.rejected) row(r, "", false);
  return out;
}

}  // namespace colossim
