// The colossim command end to end: exit status and the one-line error contract.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace {

struct Result {
  int status = -1;
  std::string out;
};

Result run(const std::string& args) {
  const std::string cmd = std::string(COLOSSIM_BINARY) + " " + args + " 2>&1";
  Result r;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), buf.size(), pipe) != nullptr) r.out += buf.data();
  const int raw = pclose(pipe);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return r;
}

std::string write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("colossim_cli_test_" + name);
  std::ofstream(path) << text;
  return path.string();
}

int lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace

TEST(Cli, DefaultScenarioRuns) {
  const Result r = run("");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("step time"), std::string::npos);
}

TEST(Cli, SimulateJsonHasTheContractKeys) {
  const Result r = run("simulate --json");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  for (const char* key :
       {"step_time_s", "tokens_per_s", "model_tflops_per_gpu", "hardware_tflops_per_gpu", "mfu",
        "hfu", "memory_gib_per_gpu", "time_to_train_days", "breakdown"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  double sum = 0;
  for (const auto& [k, v] : j["breakdown"].items()) sum += v.get<double>();
  EXPECT_NEAR(sum, j["step_time_s"].get<double>(), 1e-9 * sum);
}

TEST(Cli, BadInputExitsTwoWithOneLine) {
  const std::string cases[] = {
      "cluster: {gpu: h100-sxm-80gb}\nmodel: {preset: llama3-8b}\ntraining: {global_batch: "
      "8}\n",  // missing
      "cluster: {gpu: h100-sxm-80gb, gpus: x}\nmodel: {preset: llama3-8b}\ntraining: "
      "{global_batch: 8}\n",  // type
      "cluster: {gpu: tpu-v9, gpus: 8}\nmodel: {preset: llama3-8b}\ntraining: {global_batch: "
      "8}\n",  // unknown
      "cluster: {gpu: h100-sxm-80gb, gpus: 8}\nmodel: {preset: llama3-8b}\ntraining: "
      "{global_batch: 8}\n"
      "parallelism: {tp: 3, dp: 2}\n",  // invalid
      "cluster: {gpu: a100-sxm-40gb, gpus: 8}\nmodel: {preset: llama3-70b}\ntraining: "
      "{global_batch: 8}\n"
      "parallelism: {tp: 8, zero: 0}\n",                      // no fit
      "cluster: {gpu: h100-sxm-80gb, gpus: 8\n  model: [\n",  // YAML
      "cluster: {gpu: h100-sxm-80gb, gpus: 8, network: {nic_gbps: 1e308}}\nmodel: {preset: "
      "llama3-8b}\ntraining: {global_batch: 8}\n",  // finite, but its rate would not be
  };
  int i = 0;
  for (const auto& text : cases) {
    const std::string file = write_temp("bad" + std::to_string(i++) + ".yaml", text);
    const Result r = run("simulate " + file);
    EXPECT_EQ(r.status, 2) << text << r.out;
    EXPECT_EQ(lines(r.out), 1) << r.out;
    EXPECT_NE(r.out.find(file), std::string::npos) << r.out;
  }
  EXPECT_EQ(run("simulate /no/such/file.yaml").status, 2);
  const std::string empty = ::testing::TempDir() + "colossim_no_cases";
  std::filesystem::create_directories(empty);
  const Result none = run("validate " + empty);  // no cases: not "0.0% error"
  EXPECT_EQ(none.status, 2);
  EXPECT_EQ(lines(none.out), 1) << none.out;
  const Result nan_days = run("reliability --days nan");  // CLI::Range lets NaN through
  EXPECT_EQ(nan_days.status, 2);
  EXPECT_EQ(lines(nan_days.out), 1) << nan_days.out;
  const Result unknown = run("no-such-command");
  EXPECT_EQ(unknown.status, 2);
  EXPECT_EQ(lines(unknown.out), 1) << unknown.out;  // no "Run with --help" second line
}

// --help lists every command with a line each; each command's --help shows its own options.
TEST(Cli, HelpListsEveryCommandAndItsOptions) {
  const Result top = run("--help");
  ASSERT_EQ(top.status, 0) << top.out;
  for (const char* command :
       {"simulate", "plan", "sweep", "reliability", "facility", "compare", "claims", "cluster",
        "collective", "validate", "catalog", "default-scenario", "bringup", "design"}) {
    EXPECT_NE(top.out.find(std::string("\n  ") + command + " "), std::string::npos) << command;
  }
  const Result col = run("collective --help");
  ASSERT_EQ(col.status, 0) << col.out;
  for (const char* option : {"--gpus", "--group", "--op", "--algo", "--routing", "--sizes"})
    EXPECT_NE(col.out.find(option), std::string::npos) << option;
  // The routing choices come from net/'s registry: dmodk is one (scenario files accept it).
  EXPECT_NE(col.out.find("dmodk"), std::string::npos) << col.out;
  EXPECT_EQ(run("collective --gpus 16 --routing dmodk --sizes 1MiB").status, 0);
  // `help` and `help COMMAND` are --help and COMMAND --help.
  EXPECT_EQ(run("help").out, top.out);
  const Result help_col = run("help collective");
  EXPECT_EQ(help_col.status, 0);
  EXPECT_EQ(help_col.out, col.out);
  EXPECT_EQ(run("help no-such-command").status, 2);
  const Result version = run("--version");
  EXPECT_EQ(version.status, 0);
  EXPECT_EQ(version.out.rfind("colossim ", 0), 0u) << version.out;
  EXPECT_NE(version.out.find("(commit "), std::string::npos) << version.out;
}

namespace {

// The command lines under a command's --help ("Examples:"), without their "colossim " lead's
// indentation; an empty list where the help fails or has no examples.
std::vector<std::string> help_examples(const std::string& command) {
  const Result help = run(command + " --help");
  const size_t at = help.out.find("Examples:\n");
  if (help.status != 0 || at == std::string::npos) return {};
  std::istringstream in(help.out.substr(at));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("  colossim ", 0) == 0 || line.rfind("  mpirun ", 0) == 0)
      lines.push_back(line.substr(2));
  }
  return lines;
}

constexpr std::array<const char*, 15> kCommands = {
    "simulate", "report",  "reliability", "plan",       "sweep",
    "facility", "bringup", "design",      "compare",    "catalog",
    "validate", "claims",  "cluster",     "collective", "default-scenario"};

}  // namespace

// Every command's --help ends in two or more examples.
TEST(Cli, EveryHelpEndsInExamples) {
  for (const auto& command : kCommands)
    EXPECT_GE(help_examples(command).size(), 2u) << command << " --help";
}

// Each example runs (from the repository's directory) with status 0: those through mpirun, into
// a file or slower than a few seconds (the default's design search) are left to the other tests.
// About a minute on 2 cores (the validations and the 100,000-GPU plan): the slow preset.
TEST(SlowCli, HelpExamplesRun) {
  const std::string binary = COLOSSIM_BINARY;
  for (const auto& command : kCommands) {
    for (std::string line : help_examples(command)) {
      line = line.substr(0, line.find("   ("));
      if (line.rfind("colossim ", 0) != 0 || line.find('>') != std::string::npos ||
          line.find(" -o ") != std::string::npos || line.find("--out") != std::string::npos ||
          line == "colossim design")
        continue;
      const std::string cmd = "cd " COLOSSIM_SOURCE_DIR " && " + binary +
                              line.substr(std::string("colossim").size()) + " > /dev/null 2>&1";
      EXPECT_EQ(std::system(cmd.c_str()), 0) << line;
    }
  }
}

TEST(Cli, TraceIsChromeTraceJsonOfEveryStage) {
  const std::string file =
      (std::filesystem::temp_directory_path() / "colossim_cli_test_trace.json").string();
  const Result r =
      run("simulate " COLOSSIM_SOURCE_DIR "/examples/llama3-70b-on-1024-h100.yaml --trace " + file);
  ASSERT_EQ(r.status, 0) << r.out;
  std::ifstream in(file);
  const auto j = nlohmann::json::parse(in);
  std::set<int> stages;
  int complete = 0;
  for (const auto& e : j["traceEvents"]) {
    if (e["ph"] == "X") {
      ++complete;
      stages.insert(e["pid"].get<int>());
      EXPECT_GE(e["dur"].get<double>(), 0.0);
    }
  }
  EXPECT_EQ(stages.size(), 4u);  // PP 4
  EXPECT_GT(complete, 1000);
}

TEST(Cli, ReliabilityJsonHasTheContractKeys) {
  const Result r = run("reliability --trials 50 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"interruptions", "interruptions_by_cause", "goodput",
                          "time_to_train_days", "checkpoint_interval_s", "young_interval_s",
                          "daly_interval_s", "timeline_trial_0", "what_ifs"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  const Result span = run("reliability --trials 20 --days 3 --json");
  ASSERT_EQ(span.status, 0) << span.out;
  EXPECT_EQ(nlohmann::json::parse(span.out)["span_days"].get<double>(), 3.0);
  EXPECT_EQ(run("reliability --days -1").status, 2);
  const std::string file =
      write_temp("notokens.yaml",
                 "cluster: {gpu: h100-sxm-80gb, gpus: 8}\nmodel: {preset: llama3-8b}\n"
                 "training: {global_batch: 8}\n");
  const Result no_budget = run("reliability " + file);
  EXPECT_EQ(no_budget.status, 2);
  EXPECT_EQ(lines(no_budget.out), 1) << no_budget.out;
}

TEST(Cli, PlanJsonRanksPlansBestFirst) {
  const Result r =
      run("plan " COLOSSIM_SOURCE_DIR "/examples/mixtral-from-hf-config.yaml --top 3 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["plans"].size(), 3u);
  for (const auto& p : j["plans"]) {
    for (const char* key :
         {"tp", "pp", "cp", "ep", "dp", "micro_batch", "virtual_stages", "schedule", "recompute",
          "zero", "step_time_s", "mfu", "memory_gib_per_gpu"}) {
      EXPECT_TRUE(p.contains(key)) << key;
    }
  }
  EXPECT_LE(j["plans"][0]["step_time_s"].get<double>(), j["plans"][1]["step_time_s"].get<double>());
  EXPECT_TRUE(j.contains("runner_up_loses_because"));
  EXPECT_NE(j["launch"]["megatron_lm"].get<std::string>().find("--tensor-model-parallel-size"),
            std::string::npos);
  EXPECT_NE(j["launch"]["torchtitan_toml"].get<std::string>().find("[parallelism]"),
            std::string::npos);
  EXPECT_NE(j["launch"]["torchtitan"].get<std::string>().find("def colossim_plan()"),
            std::string::npos);
  const std::string file =
      write_temp("noplan.yaml",
                 "cluster: {gpu: a100-sxm-40gb, gpus: 8}\nmodel: {preset: llama3-405b}\n"
                 "training: {global_batch: 8}\n");
  const Result none = run("plan " + file);
  EXPECT_EQ(none.status, 2);
  EXPECT_EQ(lines(none.out), 1) << none.out;
}

TEST(Cli, SweepWritesOneCsvRowPerGridPoint) {
  const Result r =
      run("sweep " COLOSSIM_SOURCE_DIR
          "/examples/llama3-70b-on-1024-h100.yaml"
          " --set cluster.gpus=512,1024 --set cluster.gpu=h100-sxm-80gb,b200,a100-sxm-40gb");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(lines(r.out), 1 + 2 * 3);
  EXPECT_EQ(r.out.rfind("cluster.gpus,cluster.gpu,status,step_time_s", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("512,b200,ok,"), std::string::npos) << r.out;
  // Every headline: the failure-free time and, from the run model, the time with failures and
  // the goodput; the facility's MW, energy and money.
  const std::string header = r.out.substr(0, r.out.find('\n'));
  for (const char* column : {",time_to_train_days_no_failures,", ",time_to_train_days,",
                             ",goodput,", ",facility_mw,", ",energy_mwh,", ",capital_usd,"})
    EXPECT_NE(header.find(column), std::string::npos) << column;
  EXPECT_EQ(run("sweep --set cluster.gpus").status, 2);      // not KEY=VALUES
  EXPECT_EQ(run("sweep --set model.preset.x=1").status, 2);  // no such key path
  const Result bad_value = run("sweep --set model.preset=llama3-8b,nope");
  EXPECT_EQ(bad_value.status, 0);  // a bad point is a row, not an abort
  EXPECT_NE(bad_value.out.find("unknown model preset"), std::string::npos) << bad_value.out;
}

TEST(SlowCli, FacilityCompareAndClaims) {
  const Result f = run("facility --json");
  ASSERT_EQ(f.status, 0) << f.out;
  const auto fj = nlohmann::json::parse(f.out);
  EXPECT_GT(fj["power"]["facility_peak_mw"].get<double>(), fj["power"]["gpu_tdp_mw"].get<double>());
  const Result c =
      run("compare " COLOSSIM_SOURCE_DIR "/examples/compare/h100-now.yaml " COLOSSIM_SOURCE_DIR
          "/examples/compare/b200-later.yaml --json");
  ASSERT_EQ(c.status, 0) << c.out;
  const auto cj = nlohmann::json::parse(c.out);
  ASSERT_EQ(cj["scenarios"].size(), 2u);
  EXPECT_TRUE(cj["scenarios"][1]["facility"].contains("trained_on"));
  const Result k = run("claims --json");
  ASSERT_EQ(k.status, 0) << k.out;
  for (const auto& claim : nlohmann::json::parse(k.out)) {
    for (const char* key : {"claim", "stated", "computed", "holds"})
      EXPECT_TRUE(claim.contains(key)) << key;
  }
  EXPECT_EQ(run("compare /no/such.yaml").status, 2);
}

// The Memphis story's two generations side by side: a Grok-2-class MoE on the 24k H100 it trained
// on (examples/compare/grok2-class-24k-h100.yaml) and the 100k default. The MoE moves a quarter
// of the default's active parameters per token on a quarter of its GPUs, at a fraction of its
// power; both are simulated, neither refused.
TEST(SlowCli, CompareShowsTheTwoGenerationsOfTheMemphisCluster) {
  const Result c = run("compare " COLOSSIM_SOURCE_DIR
                       "/examples/compare/grok2-class-24k-h100.yaml " COLOSSIM_SOURCE_DIR
                       "/data/scenarios/default.yaml --json");
  ASSERT_EQ(c.status, 0) << c.out;
  const auto cj = nlohmann::json::parse(c.out);
  ASSERT_EQ(cj["scenarios"].size(), 2u);
  const auto& grok = cj["scenarios"][0];
  const auto& memphis = cj["scenarios"][1];
  EXPECT_EQ(grok["gpus"].get<long long>(), 24576);
  EXPECT_EQ(memphis["gpus"].get<long long>(), 100000);
  EXPECT_TRUE(grok.contains("moe"));
  EXPECT_NEAR(grok["active_params"].get<double>() / 1e9, 114.9, 2.0);
  EXPECT_LT(grok["facility"]["power"]["facility_peak_mw"].get<double>(),
            0.5 * memphis["facility"]["power"]["facility_peak_mw"].get<double>());
  for (const auto& s : cj["scenarios"]) EXPECT_GT(s["time_to_train_days"].get<double>(), 0);
}

TEST(Cli, ClusterPrintsTheFabricSize) {
  const Result r = run("cluster --json");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["nics"].get<long long>(), 100000);
  EXPECT_EQ(j["tiers"].get<int>(), 3);
  long long sum = 0;
  for (const auto& n : j["switches_by_tier"]) sum += n.get<long long>();
  EXPECT_EQ(sum, j["switches"].get<long long>());
}

TEST(Cli, CollectiveReportsLikeNcclTests) {
  const Result r = run("collective --gpus 16 --algo ring --sizes 1GiB,64MiB --json");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["results"].size(), 2u);
  for (const auto& row : j["results"]) {
    for (const char* key : {"time_s", "algbw_gbyte_s", "busbw_gbyte_s"})
      EXPECT_TRUE(row.contains(key)) << key;
    // busbw = algbw x 2(n-1)/n (nccl-tests PERFORMANCE.md)
    EXPECT_NEAR(row["busbw_gbyte_s"].get<double>(),
                row["algbw_gbyte_s"].get<double>() * 2 * 15 / 16, 1e-9);
    // The names before the unit suffixes were one vocabulary, kept one release.
    EXPECT_EQ(row["busbw_gbps"], row["busbw_gbyte_s"]);
  }
  EXPECT_GT(j["results"][0]["busbw_gbyte_s"].get<double>(),
            j["results"][1]["busbw_gbyte_s"].get<double>());
  EXPECT_EQ(run("collective --gpus 12").status, 2);  // not a multiple of the node
  EXPECT_EQ(run("collective --sizes lots").status, 2);
  EXPECT_EQ(run("collective --gpus 16 --group-size 3").status, 2);
  EXPECT_EQ(run("collective --algo warp").status, 2);
  EXPECT_EQ(run("collective --gpus 8 --algo tree").status, 2);  // one node: nothing to tree
  EXPECT_EQ(run("collective --op all-to-all --algo ring").status, 2);
  EXPECT_EQ(run("collective --group dp").status, 0);  // the default's plan, every DP group
  // The plan's groups have their own size: a --group-size beside them was silently ignored.
  const Result both = run("collective --group dp --group-size 4");
  EXPECT_EQ(both.status, 2);
  EXPECT_NE(both.out.find("--group"), std::string::npos) << both.out;
  const Result empty = run("collective --sizes 1MiB,0");
  EXPECT_EQ(empty.status, 2);
  EXPECT_NE(empty.out.find("--sizes"), std::string::npos) << empty.out;
}

TEST(Cli, CatalogListsEveryGpuOfTheContract) {
  const Result r = run("catalog --json");
  ASSERT_EQ(r.status, 0);
  const auto j = nlohmann::json::parse(r.out);
  std::set<std::string> gpus, presets;
  for (const auto& g : j["gpus"]) gpus.insert(g["id"].get<std::string>());
  const std::string list = j["model_presets"].get<std::string>();
  for (size_t a = 0, b = 0; a < list.size(); a = b + 2) {
    b = std::min(list.find(", ", a), list.size());
    presets.insert(list.substr(a, b - a));
  }
  // Exact ids, so "b200" is not found inside "gb200".
  for (const char* id : {"a100-sxm-40gb", "a100-sxm-80gb", "h100-sxm-80gb", "h800-sxm-80gb",
                         "h200-sxm-141gb", "b200", "gb200"}) {
    EXPECT_EQ(gpus.count(id), 1u) << id;
  }
  for (const char* id :
       {"llama3-405b", "deepseek-v3", "mixtral-8x7b", "grok1-314b", "nemotron4-340b"}) {
    EXPECT_EQ(presets.count(id), 1u) << id;
  }
}

// Every shipped example runs.
TEST(SlowCli, ExamplesRun) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(COLOSSIM_SOURCE_DIR "/examples")) {
    if (e.path().extension() != ".yaml") continue;
    const Result r = run("simulate " + e.path().string() + " --json");
    EXPECT_EQ(r.status, 0) << e.path() << r.out;
    EXPECT_TRUE(nlohmann::json::accept(r.out)) << e.path();
    ++n;
  }
  EXPECT_GE(n, 3);
}

// The step on the fabric: the JSON names the model and lists what each collective met.
TEST(Cli, SimulateOnTheFabricReportsContention) {
  const std::string file =
      write_temp("fabric.yaml",
                 "cluster: {preset: meta-24k, gpus: 6144}\nmodel: {preset: llama3-8b}\n"
                 "training: {global_batch: 3072}\nnetwork_model: fabric\n"
                 "parallelism: {tp: 2, pp: 1, cp: 1, micro_batch: 1, recompute: none, zero: 1}\n");
  const Result r = run("simulate " + file + " --json");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["network_model"], "fabric");
  ASSERT_FALSE(j["fabric"].empty());
  for (const auto& c : j["fabric"]) {
    EXPECT_GE(c["together_s"].get<double>(), c["alone_s"].get<double>() * 0.999);
    EXPECT_GT(c["groups"].get<long long>(), 0);
  }
  EXPECT_EQ(run("validate --network-model telepathy").status, 2);
  const Result text = run("cluster " + file);
  EXPECT_NE(text.out.find("spine"), std::string::npos);
}

TEST(Cli, ValidateRunsJudgesWholeRunGpuHours) {
  const Result r = run("validate --runs --json");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  std::set<std::string> metrics;
  for (const auto& c : j["cases"]) metrics.insert(c["metric"].get<std::string>());
  EXPECT_TRUE(metrics.count("gpu_hours_steady"));
  EXPECT_TRUE(metrics.count("gpu_hours_elapsed"));
  const Result both = run("validate --runs " COLOSSIM_SOURCE_DIR "/validation/cases");
  EXPECT_EQ(both.status, 2);
  EXPECT_EQ(lines(both.out), 1) << both.out;
}

// --set KEY=VALUE works on every command that reads a scenario, before the scenario is read: a
// key it does not know, or a malformed pair, exits 2 with one line naming it.
TEST(Cli, SetOverridesAScenarioKeyOnEveryCommand) {
  const std::string file =
      write_temp("set.yaml",
                 "cluster: {gpu: h100-sxm-80gb, gpus: 64}\nmodel: {preset: llama3-8b}\n"
                 "training: {global_batch: 64, tokens: 1e11}\nparallelism: {tp: 2, pp: 1}\n");
  const Result sim = run("simulate " + file + " --set cluster.gpus=128 --json");
  ASSERT_EQ(sim.status, 0) << sim.out;
  EXPECT_EQ(nlohmann::json::parse(sim.out)["parallelism"]["dp"], 64);  // 128 / TP 2
  const Result plan = run("plan " + file + " --set parallelism.tp=4 --json");
  ASSERT_EQ(plan.status, 0) << plan.out;
  EXPECT_EQ(nlohmann::json::parse(plan.out)["plans"][0]["tp"], 4);
  for (const std::string command : {"simulate", "facility", "reliability --trials 10", "report",
                                    "cluster", "plan", "collective"}) {
    const Result bad = run(command + " " + file + " --set cluster.gpuz=8");
    EXPECT_EQ(bad.status, 2) << command << ": " << bad.out;
    EXPECT_EQ(lines(bad.out), 1) << command << ": " << bad.out;
    EXPECT_NE(bad.out.find("cluster.gpuz"), std::string::npos) << bad.out;
  }
  const Result malformed = run("simulate --set cluster.gpus");
  EXPECT_EQ(malformed.status, 2);
  EXPECT_NE(malformed.out.find("KEY=VALUE"), std::string::npos) << malformed.out;
  EXPECT_EQ(run("compare " + file + " " + file + " --set cluster.gpus=128").status, 0);
}

// A run that does not finish under its failures (a 10-hour relaunch) has no time to train, run
// energy or run cost: it printed the run model's cap (628 days) and its cost as if it finished.
TEST(Cli, ARunThatDoesNotFinishHasNoRunTimeOrCost) {
  const std::string scenario = std::string(COLOSSIM_SOURCE_DIR) + "/examples/compare/h100-now.yaml";
  const std::string set = " --set reliability.relaunch=10h";
  const Result f = run("facility " + scenario + set + " --json");
  ASSERT_EQ(f.status, 0) << f.out;
  const auto cost = nlohmann::json::parse(f.out)["cost"];
  EXPECT_FALSE(cost["run_finishes"].get<bool>());
  EXPECT_EQ(cost["run_days"].get<double>(), 0);
  EXPECT_EQ(cost["run_usd"].get<double>(), 0);
  const Result s = run("simulate " + scenario + set + " --json");
  ASSERT_EQ(s.status, 0) << s.out;
  EXPECT_TRUE(nlohmann::json::parse(s.out)["time_to_train_days"].is_null());
  const Result c = run("compare " + scenario + " " + scenario + set);
  EXPECT_NE(c.out.find("no finish"), std::string::npos) << c.out;
}
