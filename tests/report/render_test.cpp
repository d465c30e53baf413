// The renderers, on result structs built by hand: they render what they are given and compute
// nothing of their own.
#include "report/render.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "report/html_report.hpp"
#include "report/report.hpp"
#include "test_support.hpp"
#include "validation/trust.hpp"

using namespace colossim;

TEST(Render, EveryResultHasTextOrCsvAndUnknownFormatsNameTheOption) {
  EXPECT_EQ(formats<app::Simulation>(), (std::vector<std::string>{"text", "json", "trace"}));
  EXPECT_EQ(formats<app::Sweep>(), (std::vector<std::string>{"csv", "html"}));
  EXPECT_EQ(formats<app::Report>(), (std::vector<std::string>{"html"}));
  const app::Claims none;
  try {
    (void)render(none, "yaml");
    FAIL() << "yaml is not a format of claims";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("--format"), std::string::npos) << what;
    EXPECT_NE(what.find("text, json"), std::string::npos) << what;
  }
}

// The sweep page reads the CSV back: a quoted refusal with commas is one field and one refused
// point; each value of the second axis is its own line, with its points in x order.
TEST(Render, SweepPageChartsEachSeriesFromTheCsv) {
  const std::vector<std::string> lines = {
      "cluster.gpus,training.global_batch,status,tokens_per_s,mfu\n", "128,64,ok,200,0.5\n",
      "64,64,ok,100,0.5\n", "64,128,ok,110,0.55\n", "128,128,\"x.yaml: refused, \"\"why\"\"\",,\n"};
  const std::string page = sweep_html(lines);
  EXPECT_NE(page.find("<figure id=\"tokens_per_s\""), std::string::npos);
  EXPECT_NE(page.find("<figure id=\"mfu\""), std::string::npos);
  EXPECT_EQ(page.find("<figure id=\"goodput\""), std::string::npos);  // no such column
  EXPECT_NE(page.find("3 point(s) predicted, 1 refused"), std::string::npos);
  EXPECT_NE(page.find("training.global_batch=64"), std::string::npos);
  EXPECT_NE(page.find("training.global_batch=128"), std::string::npos);
  // The 64-batch line runs left to right: 64 GPUs then 128.
  const size_t line = page.find("<path d=\"M");
  ASSERT_NE(line, std::string::npos);
  const std::string d = page.substr(line + 10, page.find('"', line + 10) - line - 10);
  const double x0 = std::stod(d), x1 = std::stod(d.substr(d.find('L') + 1));
  EXPECT_LT(x0, x1) << d;
}

// RFC 4180: a refusal is one quoted field, its quotes doubled; a value with a comma is quoted.
TEST(Render, SweepCsvQuotesRefusalsAndValues) {
  app::Sweep sweep;
  sweep.keys = {"model.name"};
  app::SweepRow row;
  row.values = {"a,b"};
  row.refusal = "test.yaml: model.preset: unknown model preset \"x\"";
  sweep.rows.push_back(row);
  const std::string csv = render(sweep, "csv");
  const std::string second = csv.substr(csv.find('\n') + 1);
  EXPECT_EQ(second.rfind("\"a,b\",\"test.yaml: model.preset: unknown model preset \"\"x\"\"\",", 0),
            0u)
      << second;
  // A refusal row has as many fields as the header.
  const auto fields = [](const std::string& line) {
    int n = 1;
    bool quoted = false;
    for (char c : line) {
      if (c == '"') quoted = !quoted;
      if (c == ',' && !quoted) ++n;
    }
    return n;
  };
  EXPECT_EQ(fields(csv.substr(0, csv.find('\n'))), fields(second.substr(0, second.find('\n'))));
}

TEST(Render, ClaimsSayWhetherEachHolds) {
  app::Claims claims;
  claims.claims.push_back({"GPUs draw 70 MW", "~70 MW", "70.0 MW", true, "TDP"});
  claims.claims.push_back({"built in 19 days", "19 days", "31 days", false, "a guess"});
  const std::string text = render(claims, "text");
  EXPECT_LT(text.find("[holds]"), text.find("[differs]"));
  const auto j = nlohmann::json::parse(render(claims, "json"));
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[1]["holds"], false);
  EXPECT_EQ(j[1]["computed"], "31 days");
}

// The collective's JSON carries the result's own bandwidths, not figures of its own.
TEST(Render, CollectiveJsonCarriesTheResult) {
  app::CollectiveRun run;
  run.cluster.gpus = 16;
  run.groups = {{0, 1, 2, 3}};
  run.placement = "by hand";
  app::CollectiveRow row{Bytes(1 << 20), {}, 12.5, 18.75, {}};
  row.result.algorithm = "ring";
  row.result.time = Seconds(1e-4);
  row.tiers[0].links = 4;
  row.tiers[0].mean = 0.5;
  run.rows.push_back(row);
  const auto j = nlohmann::json::parse(render(run, "json"));
  EXPECT_EQ(j["results"][0]["algbw_gbyte_s"], 12.5);
  EXPECT_EQ(j["results"][0]["busbw_gbyte_s"], 18.75);
  EXPECT_EQ(j["results"][0]["links"][0]["tier"], "nvlink");
  EXPECT_EQ(j["group_size"], 4);
  const std::string text = render(run, "text");
  EXPECT_NE(text.find("18.75"), std::string::npos) << text;
  EXPECT_NE(text.find("nvlink 4 in use, 50% busy"), std::string::npos) << text;
}

// The simulation's text, JSON and trace agree on the step they render.
TEST(Render, SimulationFormatsAgree) {
  const Scenario s = colossim::testing::scenario(
      "cluster: {gpu: h100-sxm-80gb, gpus: 16}\nmodel: {preset: llama3-8b}\n"
      "training: {global_batch: 32}\nparallelism: {tp: 2, pp: 2, cp: 1, ep: 1}\n");
  const auto r = app::simulate(s, true);
  ASSERT_TRUE(r) << r.refusal().line();
  const auto j = nlohmann::json::parse(render(*r, "json"));
  EXPECT_DOUBLE_EQ(j["step_time_s"].get<double>(), r->prediction.step.step_time.value());
  const auto trace = nlohmann::json::parse(render(*r, "trace"));
  EXPECT_FALSE(trace["traceEvents"].empty());
  EXPECT_NE(render(*r, "text").find("step time"), std::string::npos);
}

// A MoE step's trace: each pass carries its time by breakdown part (args, summing to the
// slice), and a MoE layer's dispatch and combine are slices of their own inside the pass, as
// long as the exposed all-to-all time.
// The run's days, energy and cost carry the step time's 80% band (data/trust.yaml): days scale
// with the step, the energy and the run's cost with the days, and the band holds the point.
TEST(Render, FacilityCostCarriesTheStepsBand) {
  const auto r = app::facility(colossim::testing::scenario(
      "cluster: {gpu: h100-sxm-80gb, gpus: 64}\nmodel: {preset: llama3-8b}\n"
      "training: {global_batch: 128, tokens: 1.0e10}\n"
      "parallelism: {tp: 2, pp: 1, cp: 1, micro_batch: 1, recompute: none}\n"));
  ASSERT_TRUE(r) << r.refusal().line();
  const nlohmann::json j = facility_json(r->scenario, r->facility);
  const auto& c = j["cost"];
  const double days = c["run_days"];
  const double low = c["run_days_band"]["low"], high = c["run_days_band"]["high"];
  EXPECT_LT(low, days);
  EXPECT_GT(high, days);
  const TrustBand band = trust_band(r->scenario);
  EXPECT_NEAR(low, days / band.high, 1e-9 * days);
  EXPECT_NEAR(high, days / band.low, 1e-9 * days);
  EXPECT_NEAR(c["energy_mwh_band"]["high"].get<double>() / c["energy_mwh"].get<double>(),
              high / days, 1e-9);
  EXPECT_LT(c["run_usd_band"]["low"].get<double>(), c["run_usd"].get<double>());
  EXPECT_GT(c["run_usd_band"]["high"].get<double>(), c["run_usd"].get<double>());
}

TEST(Render, MoeTraceShowsDispatchAndCombineInsideEachPass) {
  const Scenario s = colossim::testing::scenario(
      "cluster: {gpu: h100-sxm-80gb, gpus: 16}\nmodel: {preset: mixtral-8x7b, seq_len: 4096}\n"
      "training: {global_batch: 16}\nparallelism: {tp: 1, pp: 2, cp: 1, ep: 8, dp: 8, "
      "micro_batch: 1, virtual_stages: 1, recompute: full}\n");
  const auto r = app::simulate(s, true);
  ASSERT_TRUE(r) << r.refusal().line();
  const auto trace = nlohmann::json::parse(render(*r, "trace"));
  int passes = 0, slices = 0;
  for (const auto& e : trace["traceEvents"]) {
    if (e["ph"] != "X") continue;
    const std::string name = e["name"];
    if (name.rfind("F layer 5 mb 0", 0) == 0 || name.rfind("B layer 5 mb 0", 0) == 0) {
      ++passes;
      double sum = 0;
      for (const auto& [part, ms] : e["args"].items()) sum += ms.get<double>();
      EXPECT_NEAR(sum, e["dur"].get<double>() / 1e3, 1e-6 * sum) << name;
      ASSERT_TRUE(e["args"].contains("ep_comm_ms")) << name;
      const double a2a = e["args"]["ep_comm_ms"].get<double>() / 2 * 1e3;  // us, each
      for (const auto& c : trace["traceEvents"]) {
        const std::string child = c.value("name", "");
        if (c["ph"] != "X" || c["pid"] != e["pid"] || child == name ||
            child.find("layer 5 mb 0") == std::string::npos ||
            child.find(name.substr(2)) == std::string::npos)
          continue;
        if (child.rfind(name[0] == 'F' ? "dispatch layer" : "combine (backward)", 0) != 0 &&
            child.rfind(name[0] == 'F' ? "combine layer" : "dispatch (backward)", 0) != 0)
          continue;
        ++slices;
        EXPECT_NEAR(c["dur"].get<double>(), a2a, 1e-6 * a2a) << child;
        EXPECT_GE(c["ts"].get<double>(), e["ts"].get<double>()) << child;
        EXPECT_LE(c["ts"].get<double>() + c["dur"].get<double>(),
                  e["ts"].get<double>() + e["dur"].get<double>() + 1e-6)
            << child;
      }
    }
  }
  EXPECT_EQ(passes, 2);
  EXPECT_EQ(slices, 4);
  // Pipeline sends as flow arrows: every micro-batch crosses the stage boundary once forward and
  // once backward (2 micro-batches per pipeline, 2 stages), each arrow ending where a pass on the
  // other stage starts; the share of GPUs computing as a counter.
  int starts = 0, ends = 0, counters = 0;
  std::set<double> pass_starts;
  for (const auto& e : trace["traceEvents"]) {
    if (e["ph"] == "X" &&
        (e["name"].get<std::string>()[0] == 'F' || e["name"].get<std::string>()[0] == 'B'))
      pass_starts.insert(e["ts"].get<double>());
  }
  for (const auto& e : trace["traceEvents"]) {
    if (e["ph"] == "s") ++starts;
    if (e["ph"] == "f") {
      ++ends;
      EXPECT_EQ(pass_starts.count(e["ts"].get<double>()), 1u);
    }
    if (e["ph"] == "C") {
      ++counters;
      EXPECT_GE(e["args"]["share"].get<double>(), 0.0);
      EXPECT_LE(e["args"]["share"].get<double>(), 1.0);
    }
  }
  EXPECT_EQ(starts, 2 * 2);
  EXPECT_EQ(ends, starts);
  EXPECT_EQ(counters, kPowerSlices);
}

// Why the runner-up loses: the part that grew most, and never "most of it" when that part grew
// by more than the whole step did (another part gave some back). Under a thousandth of the
// step apart, the two tie.
TEST(Render, RunnerUpReasonNamesThePartThatGrewWithoutOverclaiming) {
  auto prediction = [](double step, double bubble, double compute) {
    Prediction p;
    p.step.step_time = Seconds(step);
    p.step.breakdown = {{"forward_compute", Seconds(compute)}, {"pp_bubble", Seconds(bubble)}};
    return p;
  };
  const std::string offset =
      runner_up_reason(prediction(2.0, 0.1, 1.9), prediction(2.01, 0.158, 1.852));
  EXPECT_EQ(offset.find("most of it"), std::string::npos) << offset;
  EXPECT_NE(offset.find("pp_bubble +58.0 ms, less what it gains elsewhere"), std::string::npos)
      << offset;
  const std::string plain =
      runner_up_reason(prediction(2.0, 0.1, 1.9), prediction(2.05, 0.14, 1.91));
  EXPECT_NE(plain.find("most of it in pp_bubble (+40.0 ms)"), std::string::npos) << plain;
  const std::string tie =
      runner_up_reason(prediction(2.0, 0.1, 1.9), prediction(2.001, 0.158, 1.843));
  EXPECT_NE(tie.find("ties with it"), std::string::npos) << tie;
  EXPECT_EQ(tie.find("pp_bubble"), std::string::npos) << tie;
}
