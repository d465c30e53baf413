// The colossim command. The only place that prints or exits: bad input (InputError) and plans
// that cannot run end here with exit status 2 and one line on stderr.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "facility/claims.hpp"
#include "report/fabric_report.hpp"
#include "report/report.hpp"
#include "topology/placement.hpp"
#ifdef COLOSSIM_HAVE_MPI
#include "cli/mpi.hpp"
#endif
#include "run/prediction.hpp"
#include "scenario/scenario.hpp"
#include "validation/validate.hpp"

#ifndef COLOSSIM_SOURCE_DIR
#define COLOSSIM_SOURCE_DIR "."
#endif

namespace {

using namespace colossim;

int simulate(const Scenario& s, bool json, const std::string& trace_file) {
  const Verdict v = predict(s, Calibration::builtin(), !trace_file.empty());
  if (!v.prediction) {
    std::cerr << s.file << ": " << v.refusal << "\n";
    return 2;
  }
  const std::optional<ReliabilityReport> run = run_summary(s, *v.prediction);
  if (!trace_file.empty()) {
    std::ofstream out(trace_file);
    if (!out) throw InputError(trace_file, "", "cannot write the trace file");
    out << chrome_trace(s, *v.prediction).dump() << "\n";
  }
  if (json) {
    std::cout << prediction_json(s, *v.prediction, run).dump(2) << "\n";
  } else {
    std::cout << prediction_text(s, *v.prediction, run);
  }
  return 0;
}

// A progress bar on stderr for searches longer than a second, only on a terminal.
class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled && isatty(fileno(stderr)) != 0) {}
  ~Progress() {
    if (drawn_) std::cerr << "\r" << std::string(60, ' ') << "\r" << std::flush;
  }
  void operator()(long long done, long long total) {
    if (!enabled_ || total <= 0) return;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (elapsed < 1.0) return;
    const int width = 40;
    const int filled =
        static_cast<int>(width * static_cast<double>(done) / static_cast<double>(total));
    std::cerr << "\r[" << std::string(static_cast<size_t>(filled), '#')
              << std::string(static_cast<size_t>(width - filled), ' ') << "] " << done << "/"
              << total << " plans" << std::flush;
    drawn_ = true;
  }

 private:
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// The collective `--op` names (its choices are checked by CLI11), by net's own names.
Collective parse_op(const std::string& name) {
  for (Collective k : {Collective::all_reduce, Collective::all_gather, Collective::reduce_scatter,
                       Collective::all_to_all, Collective::send_recv}) {
    if (to_string(k) == name) return k;
  }
  return Collective::all_reduce;
}

// `colossim collective`: the groups, the fabric they run on, and the table.
int collective(Scenario s, long long gpus, long long group_size, const std::string& dim,
               const std::string& op_name, const std::string& algorithm, const std::string& routing,
               const std::string& topology, const std::vector<std::string>& size_texts, bool json) {
  Cluster& c = s.cluster;
  if (!routing.empty()) c.routing = routing;
  if (!topology.empty()) c.topology = topology;
  CollectiveRequest r;
  r.op = parse_op(op_name);
  r.algorithm = algorithm;
  if (!dim.empty()) {
    const Plan& p = s.plan;
    for (const char* key : {"tp", "pp", "cp"}) {
      if (s.free_plan_keys.count(key) != 0)
        throw InputError(s.file, std::string("parallelism.") + key,
                         "expected a value: --group places the scenario's own plan");
    }
    PlacementDims d;
    d.tp = p.tp;
    d.cp = p.cp;
    d.ep = p.ep;
    d.pp = p.pp;
    d.dp = s.free_plan_keys.count("dp") != 0 ? c.job_gpus() / (d.tp * d.cp * d.pp) : p.dp;
    d.order.clear();  // the plan's order, expert parallelism splitting DP as Megatron-Core does
    for (const auto& dim : p.order) {
      if (dim == "dp") d.order.push_back("ep");
      d.order.push_back(dim);
    }
    if (auto problem = placement_problem(d)) throw InputError(s.file, "parallelism", *problem);
    r.groups = placement_groups(d, dim);
    r.placement = dim + " groups of the plan, Megatron order";
  } else {
    if (gpus % c.gpus_per_node != 0) {
      throw InputError(
          "--gpus", std::to_string(gpus),
          "expected a multiple of the node size (" + std::to_string(c.gpus_per_node) + ")");
    }
    c.gpus = gpus;
    c.spare_gpus = 0;
    const long long k = group_size > 0 ? group_size : gpus;
    if (gpus % k != 0)
      throw InputError("--group-size", std::to_string(k), "expected a divisor of --gpus");
    for (long long g = 0; g < gpus; g += k) {
      r.groups.emplace_back();
      for (long long i = 0; i < k; ++i) r.groups.back().push_back(g + i);
    }
    r.placement = "consecutive GPUs";
  }
  if (const auto problem = fabric_problem(c))
    throw InputError(s.file, "cluster." + problem->key, problem->expected);
  for (const auto& text : size_texts) {
    try {
      r.sizes.push_back(parse_bytes(text));
    } catch (const std::invalid_argument& e) {
      throw InputError("--sizes", text, e.what());
    }
  }
  const Calibration calibration = Calibration::builtin();
  const FabricNetwork net(c, calibration.for_architecture(c.gpu.architecture).network());
  if (algorithm != "auto") {
    const CollectiveAlgorithm* a = find_collective_algorithm(algorithm);
    if (a == nullptr) {
      std::string names = "auto";
      for (const auto& x : collective_algorithms()) names += ", " + x.name;
      throw InputError("--algo", algorithm, "expected one of: " + names);
    }
    if (auto why = a->unsupported(net, r.op, r.groups)) throw InputError("--algo", algorithm, *why);
  }
  const auto rows = run_collectives(net, r);
  std::cout << (json ? collective_json(net, r, rows).dump(2) + "\n"
                     : collective_text(net, r, rows));
  return 0;
}

int plan(const Scenario& s, bool json, int top, BatchEvaluator& evaluator, bool quiet) {
  const Calibration cal = Calibration::builtin();
  Progress progress(!quiet && !json);
  SearchOptions options;
  options.top = top;
  options.evaluator = &evaluator;
  options.search_zero_and_precision = true;
  options.progress = [&](long long done, long long total) { progress(done, total); };
  PlanSearch search = search_plans(s, cal, options);
  if (quiet) return 0;
  if (search.ranked.empty()) {
    std::cerr << s.file << ": no plan: " << search.why_none << "\n";
    return 2;
  }
  // The search ranks with the closed-form network model; the top plans are simulated with the
  // scenario's own (the fabric, by default) and ranked again by that.
  std::vector<std::pair<RankedPlan, Prediction>> simulated;
  for (const auto& r : search.ranked) {
    Scenario fixed = s;
    fixed.plan = r.plan;
    fixed.free_plan_keys.clear();
    const Verdict v = predict(fixed, cal);
    if (v.prediction) simulated.emplace_back(r, *v.prediction);
  }
  std::stable_sort(simulated.begin(), simulated.end(), [](const auto& a, const auto& b) {
    return a.second.step.step_time.value() < b.second.step.step_time.value();
  });
  search.ranked.clear();
  std::vector<Prediction> predictions;
  for (auto& [r, p] : simulated) {
    r.step_s = p.step.step_time.value();
    search.ranked.push_back(r);
    predictions.push_back(p);
  }
  if (json) {
    std::cout << plan_json(s, search, predictions).dump(2) << "\n";
  } else {
    std::cout << plan_text(s, search, predictions);
  }
  return 0;
}

#ifdef COLOSSIM_HAVE_MPI
const MpiSession* mpi = nullptr;
#endif

int run(int argc, char** argv) {
  CLI::App app{
      "colossim: simulate and plan AI training clusters, from 8 GPUs to a million.\n"
      "With no command, simulates the built-in default scenario (100,000 H100 GPUs)."};
  app.require_subcommand(0, 1);
  bool json = false;

  auto* sim =
      app.add_subcommand("simulate", "predict one training step (and time to train) of a scenario");
  std::string scenario_file;
  sim->add_option("file", scenario_file,
                  "scenario YAML (see SCENARIO.md); omit for the built-in default");
  sim->add_flag("--json", json, "print one JSON object");
  std::string trace_file;
  sim->add_option("--trace", trace_file,
                  "write the simulated step as Chrome trace JSON (open in Perfetto)");

  auto* cat = app.add_subcommand("catalog", "list the hardware catalog and the model presets");
  cat->add_flag("--json", json, "print JSON, with the source of every entry");

  auto* val = app.add_subcommand(
      "validate", "predict every published run in the validation cases and report the error");
  std::vector<std::string> dirs;
  val->add_option(
      "dirs", dirs,
      "directories or files of validation cases (default: the shipped validation/cases)");
  val->add_flag("--json", json, "print JSON");
  bool validate_runs = false;
  val->add_flag("--runs", validate_runs,
                "the published production runs instead (validation/runs: whole-run GPU-hours and "
                "throughput of LLaMA 1, Llama 2, BLOOM, OPT; never used to calibrate)");
  std::string validate_network;
  std::string network_help = "price communication with this network model instead of each case's:";
  for (const auto& m : network_models()) network_help += " " + m.name + " (" + m.description + ")";
  val->add_option("--network-model", validate_network, network_help);

  auto* rel = app.add_subcommand(
      "reliability", "the whole run: failures, checkpoints, restarts and goodput (Monte Carlo)");
  std::string rel_file;
  rel->add_option("file", rel_file, "scenario YAML; omit for the built-in default");
  std::optional<double> days;
  rel->add_option("--days", days, "simulate a fixed span of D days instead of the token budget")
      ->check(CLI::Range(0.001, 36500.0));
  std::optional<int> trials;
  rel->add_option("--trials", trials, "Monte Carlo trials (default: reliability.trials, 1000)")
      ->check(CLI::Range(1, 1000000));
  std::optional<unsigned long long> seed;
  rel->add_option("--seed", seed, "random seed (default: reliability.seed, 1)");
  rel->add_flag("--json", json, "print JSON");

  auto* pl = app.add_subcommand(
      "plan", "search the parallelism plans for the keys the scenario leaves open; rank the best");
  std::string plan_file;
  pl->add_option("file", plan_file,
                 "scenario YAML; omit for the built-in default (with its plan keys opened)");
  int top = 5;
  pl->add_option("--top", top, "how many plans to rank")->check(CLI::Range(1, 1000));
  int threads = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  pl->add_option("--threads", threads, "threads evaluating plans (default: all cores)")
      ->check(CLI::Range(1, 1024));
  pl->add_flag("--json", json, "print {\"plans\": [...]}, best first");
  bool against_published = false;
  pl->add_flag("--against-published", against_published,
               "for each validation case (FILE: a directory, default validation/cases), search "
               "every key and "
               "compare the best plan with the published one");

  auto* sw = app.add_subcommand("sweep", "simulate a grid of scenario values and write CSV");
  std::string sweep_file;
  sw->add_option("file", sweep_file, "scenario YAML; omit for the built-in default");
  std::vector<std::string> sets;
  sw->add_option("--set", sets,
                 "KEY=V1,V2,... a dotted scenario key and its values; repeat for a grid")
      ->required();
  std::string out_file;
  sw->add_option("--out", out_file, "write the CSV here instead of standard output");

  auto* fac = app.add_subcommand(
      "facility", "power (GPU-only to facility, liquid vs air), energy, carbon and cost of a run");
  std::string facility_file;
  fac->add_option("file", facility_file, "scenario YAML; omit for the built-in default");
  fac->add_flag("--json", json, "print JSON");

  auto* cmp = app.add_subcommand(
      "compare", "scenarios side by side: time to train, MFU, MW, energy, cost, and ratios");
  std::vector<std::string> compare_files;
  cmp->add_option("files", compare_files, "scenario YAML files")->required();
  cmp->add_flag("--json", json, "print every figure of each scenario");

  auto* clm =
      app.add_subcommand("claims", "check the public record's claims about 100,000-H100 clusters");
  clm->add_flag("--json", json, "print [{claim, stated, computed, holds}]");

  auto* clu = app.add_subcommand(
      "cluster", "the cluster as built: nodes, racks, NICs, switches per tier, optics, bisection");
  std::string cluster_file;
  clu->add_option("file", cluster_file, "scenario YAML; omit for the built-in default");
  clu->add_flag("--json", json, "print JSON");

  auto* col = app.add_subcommand(
      "collective", "one collective on the fabric, flow by flow with contention, like nccl-tests");
  std::string collective_file;
  col->add_option("file", collective_file,
                  "scenario YAML (its cluster); omit for the built-in default");
  long long collective_gpus = 64;
  col->add_option("--gpus", collective_gpus,
                  "build the fabric for this many GPUs of the scenario's kind (whole nodes)")
      ->check(CLI::Range(2LL, 4'194'304LL));
  long long group_size = 0;
  col->add_option("--group-size", group_size,
                  "cut the GPUs into consecutive groups of this size, all running at once "
                  "(default: one group of all)")
      ->check(CLI::Range(2LL, 4'194'304LL));
  std::string group_dim;
  col->add_option("--group", group_dim,
                  "every group of this dimension of the scenario's plan at once, placed in "
                  "Megatron order on the scenario's whole cluster")
      ->check(CLI::IsMember({"tp", "cp", "ep", "dp", "pp"}));
  std::string op_name = "all-reduce";
  col->add_option("--op", op_name, "the collective")
      ->check(
          CLI::IsMember({"all-reduce", "all-gather", "reduce-scatter", "all-to-all", "send-recv"}));
  std::string algorithm = "auto";
  std::string algo_help = "auto (NCCL-like choice by size)";
  for (const auto& a : collective_algorithms())
    algo_help += ", " + a.name + " (" + a.description + ")";
  col->add_option("--algo", algorithm, algo_help);
  std::string routing_override, topology_override;
  col->add_option("--routing", routing_override, "override cluster.network.routing")
      ->check(CLI::IsMember({"ecmp", "adaptive", "spray"}));
  std::vector<std::string> generators;
  for (const auto& g : fabric_generators()) generators.push_back(g.name);
  col->add_option("--topology", topology_override, "override cluster.network.topology")
      ->check(CLI::IsMember(generators));
  std::vector<std::string> sizes = {"8MiB", "64MiB", "512MiB", "1GiB"};
  col->add_option("--sizes", sizes, "buffer sizes")->delimiter(',');
  col->add_flag("--json", json, "print JSON rows with time_s, algbw_gbps, busbw_gbps");

  auto* def = app.add_subcommand("default-scenario", "print the built-in default scenario as YAML");

  app.parse(argc, argv);
  const Catalog catalog = Catalog::builtin();
  // A scenario file, or the built-in default when none is named.
  const auto load = [&catalog](const std::string& file) {
    return file.empty() ? default_scenario(catalog) : read_scenario_file(file, catalog);
  };

  if (*cat) {
    if (json) {
      nlohmann::json j = catalog_json(catalog);
      j["model_presets"] = preset_ids();
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << catalog_text(catalog) << "\nModel presets: " << preset_ids() << "\n";
    }
    return 0;
  }
  if (*def) {
    std::cout << default_scenario_yaml();
    return 0;
  }
  if (*val) {
    if (!validate_network.empty()) {
      std::string names;
      bool known = false;
      for (const auto& m : network_models()) {
        names += (names.empty() ? "" : ", ") + m.name;
        known = known || m.name == validate_network;
      }
      if (!known)
        throw InputError("--network-model", validate_network, "expected one of: " + names);
    }
    if (validate_runs && !dirs.empty())
      throw InputError("--runs", dirs.front(), "give either --runs or directories of cases");
    if (dirs.empty())
      dirs.push_back(std::string(COLOSSIM_SOURCE_DIR) +
                     (validate_runs ? "/validation/runs" : "/validation/cases"));
    const Calibration calibration = Calibration::builtin();
    std::vector<CaseResult> results;
    for (const auto& f : case_files(dirs))
      results.push_back(validate_case(f, catalog, calibration, validate_network));
    const ValidationReport report = summarise(std::move(results));
    if (json) {
      std::cout << validation_json(report).dump(2) << "\n";
    } else {
      std::cout << validation_text(report);
    }
    return 0;
  }
  if (*fac || *cmp) {
    const Calibration cal = Calibration::builtin();
    std::vector<std::string> files = *fac ? std::vector<std::string>{facility_file} : compare_files;
    std::vector<CompareEntry> entries;
    for (const auto& f : files) {
      Scenario s = load(f);
      const Verdict v = predict(s, cal);
      if (!v.prediction) {
        std::cerr << s.file << ": " << v.refusal << "\n";
        return 2;
      }
      const std::optional<ReliabilityReport> run = run_summary(s, *v.prediction);
      const FacilityReport report = facility_report(s, *v.prediction, run);
      entries.push_back({s, *v.prediction, run, report});
    }
    if (*fac) {
      const auto& e = entries.front();
      std::cout << (json ? facility_json(e.scenario, e.facility).dump(2) + "\n"
                         : facility_text(e.scenario, e.facility));
    } else {
      std::cout << (json ? compare_json(entries).dump(2) + "\n" : compare_text(entries));
    }
    return 0;
  }
  if (*col)
    return collective(load(collective_file), collective_gpus, group_size, group_dim, op_name,
                      algorithm, routing_override, topology_override, sizes, json);
  if (*clu) {
    const Scenario s = load(cluster_file);
    std::cout << (json ? cluster_json(s).dump(2) + "\n" : cluster_text(s));
    return 0;
  }
  if (*clm) {
    const auto claims = check_claims(catalog, Calibration::builtin());
    if (json) {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& c : claims) {
        j.push_back({{"claim", c.claim},
                     {"stated", c.stated},
                     {"computed", c.computed},
                     {"holds", c.holds},
                     {"assumption", c.assumption}});
      }
      std::cout << j.dump(2) << "\n";
    } else {
      for (const auto& c : claims) {
        std::cout << fmt::format("{} {}\n    stated:   {}\n    colossim: {}\n    because:  {}\n\n",
                                 c.holds ? "[holds]  " : "[differs]", c.claim, c.stated, c.computed,
                                 c.assumption);
      }
    }
    return 0;
  }
  if (*sw) {
    std::string text;
    std::string name = "<built-in default scenario>";
    if (sweep_file.empty()) {
      text = default_scenario_yaml();
    } else {
      std::ifstream in(sweep_file);
      if (!in) throw InputError(sweep_file, "", "cannot read the file (does it exist?)");
      text.assign(std::istreambuf_iterator<char>(in), {});
      name = sweep_file;
    }
    std::vector<std::pair<std::string, std::vector<std::string>>> axes;
    for (const auto& set : sets) {
      const size_t eq = set.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == set.size()) {
        throw InputError("--set", set, "expected KEY=V1,V2,... such as cluster.gpus=1024,2048");
      }
      std::vector<std::string> values;
      std::stringstream ss(set.substr(eq + 1));
      for (std::string v; std::getline(ss, v, ',');) values.push_back(v);
      axes.emplace_back(set.substr(0, eq), values);
    }
    std::ofstream file_out;
    if (!out_file.empty()) {
      file_out.open(out_file);
      if (!file_out) throw InputError(out_file, "", "cannot write the CSV file");
    }
    std::ostream& out = out_file.empty() ? std::cout : file_out;
    for (const auto& [key, values] : axes) out << key << ",";
    out << "status,step_time_s,tokens_per_s,mfu,model_tflops_per_gpu,memory_gib_per_gpu,time_to_"
           "train_days,"
           "tp,pp,cp,ep,dp,micro_batch,virtual_stages,recompute,zero,precision\n";
    const Calibration cal = Calibration::builtin();
    std::vector<size_t> index(axes.size(), 0);
    while (true) {
      std::string variant = text;
      for (size_t a = 0; a < axes.size(); ++a)
        variant = with_key(variant, name, axes[a].first, axes[a].second[index[a]]);
      for (size_t a = 0; a < axes.size(); ++a) out << axes[a].second[index[a]] << ",";
      std::string row;
      try {
        const Scenario s = read_scenario_text(
            variant, name, catalog, std::filesystem::path(sweep_file).parent_path().string());
        const Verdict v = predict(s, cal);
        if (v.prediction) {
          const Prediction& p = *v.prediction;
          const Plan& pl = p.plan;
          row = fmt::format(
              "ok,{:.6g},{:.6g},{:.4f},{:.2f},{:.2f},{},{},{},{},{},{},{},{},{},{},{}",
              p.step.step_time.value(), p.tokens_per_s, p.mfu, p.model_tflops_per_gpu,
              to_gib(p.memory.total()),
              p.time_to_train_days ? fmt::format("{:.2f}", *p.time_to_train_days) : "", pl.tp,
              pl.pp, pl.cp, pl.ep, pl.dp, pl.micro_batch, pl.virtual_stages,
              to_string(pl.recompute), pl.zero, pl.precision == Precision::fp8 ? "fp8" : "bf16");
        } else {
          row = "\"" + v.refusal + "\",,,,,,,,,,,,,,,,";
        }
      } catch (const InputError& e) {
        row = "\"" + std::string(e.what()) + "\",,,,,,,,,,,,,,,,";
      }
      out << row << "\n";
      size_t a = axes.size();
      while (a > 0 && ++index[a - 1] == axes[a - 1].second.size()) index[--a] = 0;
      if (a == 0) break;
    }
    return 0;
  }
  if (*pl && against_published) {
    const std::string dir =
        plan_file.empty() ? std::string(COLOSSIM_SOURCE_DIR) + "/validation/cases" : plan_file;
    const Calibration cal = Calibration::builtin();
    ThreadEvaluator evaluator(threads);
    nlohmann::json rows = nlohmann::json::array();
    int faster = 0, same = 0, slower = 0;
    std::vector<double> speedups;
    if (!json)
      std::cout << fmt::format("{:<44} {:>11} {:>11} {:>8}  {}\n", "case", "published",
                               "best found", "speed-up", "best plan");
    for (const auto& f : case_files({dir})) {
      const Scenario s = read_scenario_file(f, catalog);
      const auto c = compare_with_published(s, cal, &evaluator);
      if (!c) continue;
      const double speedup = c->published_step_s / c->best_step_s;
      speedups.push_back(speedup);
      (speedup > 1.01 ? faster : speedup < 0.999 ? slower : same) += 1;
      const Plan& b = c->best;
      const std::string plan_s =
          fmt::format("TP{} PP{} CP{} EP{} DP{} VP{} MB{} {} ZeRO{}", b.tp, b.pp, b.cp, b.ep, b.dp,
                      b.virtual_stages, b.micro_batch, to_string(b.recompute), b.zero);
      rows.push_back({{"case", s.name},
                      {"published_step_s", c->published_step_s},
                      {"best_step_s", c->best_step_s},
                      {"speedup", speedup},
                      {"best_plan", plan_s},
                      {"note", c->note}});
      if (!json) {
        std::cout << fmt::format("{:<44} {:>10.3f}s {:>10.3f}s {:>7.2f}x  {}{}\n", s.name,
                                 c->published_step_s, c->best_step_s, speedup, plan_s,
                                 c->note.empty() ? "" : "  (" + c->note + ")");
      }
    }
    std::sort(speedups.begin(), speedups.end());
    const double median = speedups.empty() ? 1.0 : speedups[speedups.size() / 2];
    const double best = speedups.empty() ? 1.0 : speedups.back();
    if (json) {
      std::cout << nlohmann::json{{"cases", rows},
                                  {"faster", faster},
                                  {"same", same},
                                  {"published_wins", slower},
                                  {"median_speedup", median},
                                  {"max_speedup", best}}
                       .dump(2)
                << "\n";
    } else {
      std::cout << fmt::format(
          "\n{} cases: search faster by >1% in {}, within 1% in {}, published plan faster in {}; "
          "median speed-up {:.2f}x, largest {:.2f}x\n",
          speedups.size(), faster, same, slower, median, best);
    }
    return 0;
  }
  if (*pl) {
    Scenario s = load(plan_file);
    if (plan_file.empty()) {
      // The default states Meta-style plan keys; open them so the planner has something to do.
      s.free_plan_keys = {"tp",        "pp",          "cp",
                          "ep",        "micro_batch", "virtual_stages",
                          "recompute", "schedule",    "sequence_parallel",
                          "dp",        "zero"};
    }
#ifdef COLOSSIM_HAVE_MPI
    if (mpi != nullptr && mpi->active()) {
      MpiEvaluator evaluator(*mpi, threads);
      return plan(s, json, top, evaluator, mpi->rank() != 0);
    }
#endif
    ThreadEvaluator evaluator(threads);
    return plan(s, json, top, evaluator, false);
  }
  if (*rel) {
    Scenario s = load(rel_file);
    if (trials) s.reliability.trials = *trials;
    if (seed) s.reliability.seed = *seed;
    const Verdict v = predict(s, Calibration::builtin());
    if (!v.prediction) {
      std::cerr << s.file << ": " << v.refusal << "\n";
      return 2;
    }
    const ReliabilityReport report = reliability_report(s, *v.prediction, days, true);
    if (json) {
      std::cout << reliability_json(s, report).dump(2) << "\n";
    } else {
      std::cout << reliability_text(s, report);
    }
    return 0;
  }
  if (*sim && !scenario_file.empty())
    return simulate(read_scenario_file(scenario_file, catalog), json, trace_file);
  return simulate(default_scenario(catalog), json, trace_file);
}

}  // namespace

int main(int argc, char** argv) {
#ifdef COLOSSIM_HAVE_MPI
  colossim::MpiSession session(&argc, &argv);
  mpi = &session;
#endif
  try {
    return run(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = CLI::App().exit(e);
    return rc == 0 ? 0 : 2;
  } catch (const colossim::InputError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "colossim: internal error: " << e.what() << "\n";
    return 1;
  }
}
