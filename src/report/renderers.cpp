// The formats of every result of the facade, one list per result (report/render.hpp).
#include <fmt/format.h>

#include "report/fabric_report.hpp"
#include "report/html_report.hpp"
#include "report/jobs_report.hpp"
#include "report/render.hpp"
#include "report/report.hpp"

namespace colossim {
namespace {

std::string json_text(const nlohmann::json& j) { return j.dump(2) + "\n"; }

// --- simulate, reliability, facility, compare ------------------------------------------------

std::string simulation_text(const app::Simulation& r) {
  return prediction_text(r.scenario, r.prediction, r.run);
}
std::string simulation_json(const app::Simulation& r) {
  return json_text(prediction_json(r.scenario, r.prediction, r.run));
}
std::string simulation_trace(const app::Simulation& r) {
  return chrome_trace(r.scenario, r.prediction).dump() + "\n";
}
std::string jobs_json(const app::SharedCluster& r) { return json_text(shared_cluster_json(r)); }
std::string run_text(const app::RunReport& r) { return reliability_text(r.scenario, r.report); }
std::string run_json(const app::RunReport& r) {
  return json_text(reliability_json(r.scenario, r.report));
}
std::string facility_result_text(const app::FacilityResult& r) {
  return facility_text(r.scenario, r.facility);
}
std::string facility_result_json(const app::FacilityResult& r) {
  return json_text(facility_json(r.scenario, r.facility));
}
std::string comparison_text(const app::Comparison& r) { return compare_text(r.entries); }
std::string comparison_json(const app::Comparison& r) { return json_text(compare_json(r.entries)); }

// --- plan ------------------------------------------------------------------------------------

std::string ranking_text(const app::PlanRanking& r) {
  return plan_text(r.scenario, r.search, r.predictions);
}
std::string ranking_json(const app::PlanRanking& r) {
  return json_text(plan_json(r.scenario, r.search, r.predictions));
}

std::string plan_summary(const Plan& b) {
  return fmt::format("TP{} PP{} CP{} EP{} DP{} VP{} MB{} {} ZeRO{}", b.tp, b.pp, b.cp, b.ep, b.dp,
                     b.virtual_stages, b.micro_batch, to_string(b.recompute), b.zero);
}

std::string published_text(const app::AgainstPublished& r) {
  std::string out = fmt::format("{:<44} {:>11} {:>11} {:>8}  {}\n", "case", "published",
                                "best found", "speed-up", "best plan");
  for (const auto& row : r.rows) {
    out += fmt::format("{:<44} {:>10.3f}s {:>10.3f}s {:>7.2f}x  {}{}\n", row.case_name,
                       row.published_step_s, row.best_step_s, row.speedup, plan_summary(row.best),
                       row.note.empty() ? "" : "  (" + row.note + ")");
  }
  out += fmt::format(
      "\n{} cases: search faster by >1% in {}, within 1% in {}, published plan faster in {}; "
      "median speed-up {:.2f}x, largest {:.2f}x\n",
      r.rows.size(), r.faster, r.same, r.published_wins, r.median_speedup, r.max_speedup);
  return out;
}

std::string published_json(const app::AgainstPublished& r) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : r.rows) {
    rows.push_back({{"case", row.case_name},
                    {"published_step_s", row.published_step_s},
                    {"best_step_s", row.best_step_s},
                    {"speedup", row.speedup},
                    {"best_plan", plan_summary(row.best)},
                    {"note", row.note}});
  }
  return json_text({{"cases", rows},
                    {"faster", r.faster},
                    {"same", r.same},
                    {"published_wins", r.published_wins},
                    {"median_speedup", r.median_speedup},
                    {"max_speedup", r.max_speedup}});
}

// --- sweep -----------------------------------------------------------------------------------

// A CSV field quoted, with quotes doubled (RFC 4180); csv_field quotes only when it must.
std::string csv_quoted(const std::string& text) {
  std::string out = "\"";
  for (char ch : text) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}
std::string csv_field(const std::string& text) {
  return text.find_first_of(",\"\n\r") == std::string::npos ? text : csv_quoted(text);
}

}  // namespace

std::vector<std::string> sweep_csv_lines(const app::Sweep& r) {
  std::vector<std::string> lines;
  std::string head;
  for (const auto& key : r.keys) head += csv_field(key) + ",";
  head +=
      "status,step_time_s,tokens_per_s,mfu,model_tflops_per_gpu,memory_gib_per_gpu,time_to_train_"
      "days_no_failures,tp,pp,cp,ep,dp,micro_batch,virtual_stages,recompute,zero,precision,"
      "time_to_train_days,goodput,facility_mw,energy_mwh,capital_usd,run_cost_usd\n";
  lines.push_back(head);
  for (const auto& row : r.rows) {
    std::string out;
    for (const auto& v : row.values) out += csv_field(v) + ",";
    if (!row.prediction) {
      lines.push_back(out + csv_quoted(row.refusal) + ",,,,,,,,,,,,,,,,,,,,,,\n");
      continue;
    }
    const Prediction& p = *row.prediction;
    const Plan& pl = p.plan;
    out += fmt::format("ok,{:.6g},{:.6g},{:.4f},{:.2f},{:.2f},{},{},{},{},{},{},{},{},{},{},{}",
                       p.step.step_time.value(), p.tokens_per_s, p.mfu, p.model_tflops_per_gpu,
                       to_gib(p.memory.total()),
                       p.time_to_train_days ? fmt::format("{:.2f}", *p.time_to_train_days) : "",
                       pl.tp, pl.pp, pl.cp, pl.ep, pl.dp, pl.micro_batch, pl.virtual_stages,
                       to_string(pl.recompute), pl.zero,
                       pl.precision == Precision::fp8 ? "fp8" : "bf16");
    // With failures (the run model's median and goodput), power and money; empty without a
    // token budget (no run to price).
    // A run that does not finish has no time, energy or run cost: those fields stay empty.
    const bool run = row.run.has_value() && row.facility.has_value();
    const bool finished = run && !row.facility->unfinished;
    out += !run ? ",,,,,,\n"
           : finished
               ? fmt::format(",{:.2f},{:.4f},{:.2f},{:.0f},{:.0f},{:.0f}\n",
                             row.run->result.days_median, row.run->result.goodput,
                             row.facility->power.facility_avg.value() / 1e6,
                             row.facility->cost.energy_mwh, row.facility->cost.capital.value(),
                             row.facility->cost.run.value())
               : fmt::format(",,{:.4f},{:.2f},,{:.0f},\n", row.run->result.goodput,
                             row.facility->power.facility_avg.value() / 1e6,
                             row.facility->cost.capital.value());
    lines.push_back(out);
  }
  return lines;
}

namespace {

std::string sweep_csv(const app::Sweep& r) {
  std::string out;
  for (const auto& line : sweep_csv_lines(r)) out += line;
  return out;
}
std::string sweep_page(const app::Sweep& r) { return sweep_html(sweep_csv_lines(r)); }

// --- claims, the fabric, validation, the catalog ---------------------------------------------

std::string design_result_text(const app::Design& d) { return design_text(d); }
std::string design_result_json(const app::Design& d) { return json_text(design_json(d)); }

// --- bring-up --------------------------------------------------------------------------------

std::string bringup_text(const app::BringupResult& r) {
  const BringupReport& b = r.report;
  const Scenario& s = r.scenario;
  std::string out = fmt::format("colossim bringup: {}\n\n", s.name);
  out += fmt::format(
      "  {} racks of {} GPUs ({} in the job): all delivered by day {:.1f}, all accepted by day "
      "{:.1f}\n",
      b.racks, s.cluster.gpus_per_rack, s.cluster.job_gpus(), b.all_delivered_day,
      b.all_accepted_day);
  out += fmt::format("  first training   day {:.1f} on {} GPUs\n", b.first_training_day,
                     b.growth.front().gpus);
  for (size_t k = 1; k < b.growth.size(); ++k)
    out += fmt::format("  grows            day {:.1f} to {} GPUs (a {:.1f} h restart)\n",
                       b.growth[k].day, b.growth[k].gpus, b.restart_hours);
  out += fmt::format("  full job         day {:.1f}\n", b.full_job_day);
  if (b.finishes) {
    out += fmt::format(
        "  trained          day {:.1f} ({:.2f}T tokens), against day {:.1f} waiting for the whole "
        "cluster: the ramp saves {:.1f} days\n",
        b.finish_day, *s.training.tokens / 1e12, b.finish_day_waiting,
        b.finish_day_waiting - b.finish_day);
  } else {
    out += fmt::format("  does not finish within {:.0f} days\n", kBringupHorizonDays);
  }
  const BringupSettings& set = *s.bringup;
  out += fmt::format(
      "  assuming {:.0f} tokens/s per GPU at every size (the full job's) and its goodput {:.1f}%, "
      "the time lost scaled by each size's GPUs and by its racks' early-life failures ({:.1f}x "
      "the steady rate at acceptance, decaying over {:.0f} days); powered racks at the job's "
      "average facility power\n",
      b.tokens_per_gpu_s, 100 * b.goodput, set.early_life_factor, set.early_life_days);
  if (set.pod_fabric_days > 0 || set.core_fabric_days > 0)
    out += fmt::format(
        "  the fabric: pods of {} GPUs, each pod's switches up {:.1f} days after its first rack; "
        "the core between pods {:.1f} days after the first rack\n",
        b.pod_gpus, set.pod_fabric_days, set.core_fabric_days);
  out += "\n";
  out += "   day   racks  powered accepted training   tokens (B)   MW\n";
  const size_t stride = std::max<size_t>(1, b.days.size() / 40);
  for (size_t i = 0; i < b.days.size(); ++i) {
    if (i % stride != 0 && i + 1 != b.days.size()) continue;
    const BringupDay& d = b.days[i];
    out += fmt::format("  {:>4} {:>7.0f} {:>8} {:>8} {:>8} {:>12.1f} {:>5.1f}\n", d.day,
                       d.racks_delivered, d.gpus_powered, d.gpus_accepted, d.gpus_training,
                       d.tokens / 1e9, d.power_mw);
  }
  return out;
}

std::string bringup_json(const app::BringupResult& r) {
  const BringupReport& b = r.report;
  nlohmann::json j;
  j["name"] = r.scenario.name;
  j["racks"] = b.racks;
  j["gpus_per_rack"] = r.scenario.cluster.gpus_per_rack;
  j["all_delivered_day"] = b.all_delivered_day;
  j["all_accepted_day"] = b.all_accepted_day;
  j["first_training_day"] = b.first_training_day;
  j["full_job_day"] = b.full_job_day;
  j["finishes"] = b.finishes;
  j["finish_day"] = b.finishes ? nlohmann::json(b.finish_day) : nlohmann::json(nullptr);
  j["finish_day_waiting"] = b.finish_day_waiting;
  j["restart_hours"] = b.restart_hours;
  j["pod_gpus"] = b.pod_gpus;
  j["pod_fabric_days"] = r.scenario.bringup->pod_fabric_days;
  j["core_fabric_days"] = r.scenario.bringup->core_fabric_days;
  j["early_life_factor"] = r.scenario.bringup->early_life_factor;
  j["early_life_days"] = r.scenario.bringup->early_life_days;
  j["goodput"] = b.goodput;
  j["tokens_per_gpu_s"] = b.tokens_per_gpu_s;
  j["growth"] = nlohmann::json::array();
  for (const auto& g : b.growth) j["growth"].push_back({{"day", g.day}, {"gpus", g.gpus}});
  j["days"] = nlohmann::json::array();
  for (const auto& d : b.days) {
    j["days"].push_back({{"day", d.day},
                         {"racks_delivered", d.racks_delivered},
                         {"gpus_powered", d.gpus_powered},
                         {"gpus_accepted", d.gpus_accepted},
                         {"gpus_training", d.gpus_training},
                         {"tokens", d.tokens},
                         {"power_mw", d.power_mw}});
  }
  return json_text(j);
}

std::string bringup_page(const app::BringupResult& r) { return bringup_html(r, bringup_text(r)); }

std::string claims_text(const app::Claims& r) {
  std::string out;
  for (const auto& c : r.claims) {
    out += fmt::format("{} {}\n    stated:   {}\n    colossim: {}\n    because:  {}\n\n",
                       c.holds ? "[holds]  " : "[differs]", c.claim, c.stated, c.computed,
                       c.assumption);
  }
  return out;
}

std::string claims_json(const app::Claims& r) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& c : r.claims) {
    j.push_back({{"claim", c.claim},
                 {"stated", c.stated},
                 {"computed", c.computed},
                 {"holds", c.holds},
                 {"assumption", c.assumption}});
  }
  return json_text(j);
}

std::string cluster_view_json(const app::ClusterView& v) { return json_text(cluster_json(v)); }
std::string collective_run_json(const app::CollectiveRun& r) {
  return json_text(collective_json(r));
}
std::string validation_report_json(const ValidationReport& r) {
  return json_text(validation_json(r));
}

std::string catalog_view_text(const app::CatalogView& v) {
  std::string out = catalog_text(*v.catalog) + "\nModel presets: " + preset_ids() + "\n";
  out += "\nTraining stacks (training.framework; data/stacks.yaml):\n";
  for (const auto& s : stacks()) {
    out += fmt::format("  {:<22} {:<9} {}\n", s.name, s.fusion, s.label);
  }
  return out;
}
std::string catalog_view_json(const app::CatalogView& v) {
  nlohmann::json j = catalog_json(*v.catalog);
  j["model_presets"] = preset_ids();
  for (const auto& s : stacks()) {
    j["stacks"].push_back({{"id", s.name},
                           {"label", s.label},
                           {"fusion", s.fusion},
                           {"host_us", {s.host_us_forward, s.host_us_backward}},
                           {"compiled", s.compiled},
                           {"source", s.source}});
  }
  return json_text(j);
}

}  // namespace

// One line per format of each result.
template <>
const std::vector<Renderer<app::Simulation>>& renderers() {
  static const std::vector<Renderer<app::Simulation>> r = {
      {"text", &simulation_text}, {"json", &simulation_json}, {"trace", &simulation_trace}};
  return r;
}
template <>
const std::vector<Renderer<app::SharedCluster>>& renderers() {
  static const std::vector<Renderer<app::SharedCluster>> r = {{"text", &shared_cluster_text},
                                                              {"json", &jobs_json}};
  return r;
}
template <>
const std::vector<Renderer<app::Report>>& renderers() {
  static const std::vector<Renderer<app::Report>> r = {{"html", &html_report}};
  return r;
}
template <>
const std::vector<Renderer<app::PlanRanking>>& renderers() {
  static const std::vector<Renderer<app::PlanRanking>> r = {
      {"text", &ranking_text}, {"json", &ranking_json}, {"html", &plan_html}};
  return r;
}
template <>
const std::vector<Renderer<app::AgainstPublished>>& renderers() {
  static const std::vector<Renderer<app::AgainstPublished>> r = {{"text", &published_text},
                                                                 {"json", &published_json}};
  return r;
}
template <>
const std::vector<Renderer<app::Sweep>>& renderers() {
  static const std::vector<Renderer<app::Sweep>> r = {{"csv", &sweep_csv}, {"html", &sweep_page}};
  return r;
}
template <>
const std::vector<Renderer<app::RunReport>>& renderers() {
  static const std::vector<Renderer<app::RunReport>> r = {{"text", &run_text}, {"json", &run_json}};
  return r;
}
template <>
const std::vector<Renderer<app::FacilityResult>>& renderers() {
  static const std::vector<Renderer<app::FacilityResult>> r = {{"text", &facility_result_text},
                                                               {"json", &facility_result_json}};
  return r;
}
template <>
const std::vector<Renderer<app::Comparison>>& renderers() {
  static const std::vector<Renderer<app::Comparison>> r = {{"text", &comparison_text},
                                                           {"json", &comparison_json}};
  return r;
}
template <>
const std::vector<Renderer<app::BringupResult>>& renderers() {
  static const std::vector<Renderer<app::BringupResult>> r = {
      {"text", &bringup_text}, {"json", &bringup_json}, {"html", &bringup_page}};
  return r;
}
template <>
const std::vector<Renderer<app::Design>>& renderers() {
  static const std::vector<Renderer<app::Design>> r = {{"text", &design_result_text},
                                                       {"json", &design_result_json},
                                                       {"csv", &design_csv},
                                                       {"html", &design_html}};
  return r;
}
template <>
const std::vector<Renderer<app::Claims>>& renderers() {
  static const std::vector<Renderer<app::Claims>> r = {{"text", &claims_text},
                                                       {"json", &claims_json}};
  return r;
}
template <>
const std::vector<Renderer<app::ClusterView>>& renderers() {
  static const std::vector<Renderer<app::ClusterView>> r = {{"text", &cluster_text},
                                                            {"json", &cluster_view_json}};
  return r;
}
template <>
const std::vector<Renderer<app::CollectiveRun>>& renderers() {
  static const std::vector<Renderer<app::CollectiveRun>> r = {{"text", &collective_text},
                                                              {"json", &collective_run_json}};
  return r;
}
template <>
const std::vector<Renderer<ValidationReport>>& renderers() {
  static const std::vector<Renderer<ValidationReport>> r = {{"text", &validation_text},
                                                            {"json", &validation_report_json}};
  return r;
}
template <>
const std::vector<Renderer<app::CatalogView>>& renderers() {
  static const std::vector<Renderer<app::CatalogView>> r = {{"text", &catalog_view_text},
                                                            {"json", &catalog_view_json}};
  return r;
}

}  // namespace colossim
