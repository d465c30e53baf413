#include "app/app.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "net/fabric_network.hpp"
#include "plan/placement.hpp"

#ifndef COLOSSIM_SOURCE_DIR
#define COLOSSIM_SOURCE_DIR "."
#endif

namespace colossim::app {
namespace {

Refusal refused(const Scenario& s, const std::string& reason) { return {s.file, reason}; }

// A file of several jobs (`jobs:`) runs under simulate only.
void one_job(const Scenario& s, const std::string& command) {
  if (!s.jobs.empty())
    throw InputError(s.file, "jobs",
                     "a scenario of one job for " + command + " (only simulate runs jobs:)");
}

std::string read_text(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw InputError(file, "", "cannot read the file (does it exist?)");
  return {std::istreambuf_iterator<char>(in), {}};
}

// A scenario's YAML before it is read, for commands that edit it first (--set, sweep): the
// name errors cite, the text (the file's, or the built-in default's) and the directory its
// relative paths start from.
struct ScenarioSource {
  std::string name, text, base_dir;
};
ScenarioSource source_of(const std::string& file) {
  return {file.empty() ? "<built-in default scenario>" : file,
          file.empty() ? std::string(default_scenario_yaml()) : read_text(file),
          std::filesystem::path(file).parent_path().string()};
}

// `text` with each "KEY=VALUE" of `sets` applied (--set).
std::string with_sets(std::string text, const std::string& name,
                      const std::vector<std::string>& sets) {
  for (const auto& set : sets) {
    const size_t eq = set.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == set.size())
      throw InputError("--set", set, "expected KEY=VALUE such as cluster.gpus=4096");
    text = with_key(text, name, set.substr(0, eq), set.substr(eq + 1));
  }
  return text;
}

// The groups `collective --group` runs: every group of one dimension of the scenario's plan.
RankGroups plan_groups(const Scenario& s, const std::string& dim) {
  for (const char* key : {"tp", "pp", "cp"}) {
    if (s.free_plan_keys.count(key) != 0)
      throw InputError(s.file, std::string("parallelism.") + key,
                       "expected a value: --group places the scenario's own plan");
  }
  Plan p = s.plan;
  if (s.free_plan_keys.count("dp") != 0)
    p.dp = s.cluster.job_gpus() / (static_cast<long long>(p.tp) * p.cp * p.pp);
  if (auto problem = order_problem(p.order))
    throw InputError(s.file, "parallelism.order", *problem);
  if (p.ep < 1 || (p.dp * p.cp * p.tp) % p.ep != 0)
    throw InputError(s.file, "parallelism.ep", "expected a divisor of tp x cp x dp");
  RankGroups groups = rank_groups(p, parse_dimension(dim));
  for (auto& members : groups) {
    for (auto& rank : members) rank = s.cluster.job_gpu(rank);
  }
  return groups;
}

RankGroups consecutive_groups(Cluster& c, long long gpus, long long group_size) {
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
  RankGroups groups;
  for (long long g = 0; g < gpus; g += k) {
    groups.emplace_back();
    for (long long i = 0; i < k; ++i) groups.back().push_back(g + i);
  }
  return groups;
}

}  // namespace

const Catalog& catalog() {
  static const Catalog c = Catalog::builtin();
  return c;
}

Scenario load(const std::string& file) {
  return checked(file.empty() ? default_scenario(catalog()) : read_scenario_file(file, catalog()));
}

Scenario load(const std::string& file, const std::vector<std::string>& sets) {
  if (sets.empty()) return load(file);
  ScenarioSource src = source_of(file);
  src.text = with_sets(src.text, src.name, sets);
  return checked(read_scenario_text(src.text, src.name, catalog(), src.base_dir));
}

Scenario checked(Scenario s) {
  check_reliability(s);
  return s;
}

Outcome<Simulation> simulate(const Scenario& s, bool timeline) {
  one_job(s, "one simulation");
  const Verdict v = predict(s, Calibration::builtin(), timeline);
  if (!v.prediction) return refused(s, v.refusal);
  return Simulation{s, *v.prediction, run_summary(s, *v.prediction)};
}

Outcome<SharedCluster> simulate_jobs(const Scenario& s) {
  SharedCluster out{s, {}};
  for (const Scenario& job : s.jobs) {
    auto alone = simulate(job);
    if (!alone) return refused(s, "job \"" + job.name + "\": " + alone.refusal().reason);
    JobOnCluster j{*alone, {}, job_traffic(job, alone->prediction)};
    out.jobs.push_back(std::move(j));
  }
  const Calibration cal = Calibration::builtin();
  for (size_t i = 0; i < s.jobs.size(); ++i) {
    Scenario job = s.jobs[i];
    job.plan = out.jobs[i].alone.prediction.plan;  // as chosen alone
    job.free_plan_keys.clear();
    auto others = std::make_shared<std::vector<CrossTraffic>>();
    for (size_t k = 0; k < s.jobs.size(); ++k) {
      if (k == i) continue;
      others->insert(others->end(), out.jobs[k].traffic.begin(), out.jobs[k].traffic.end());
    }
    job.cluster.cross_traffic = std::move(others);
    const Verdict v = predict(job, cal);
    if (!v.prediction) return refused(s, "job \"" + job.name + "\": " + v.refusal);
    out.jobs[i].shared = *v.prediction;
  }
  return out;
}

Outcome<Report> report(const Scenario& s) {
  one_job(s, "report");
  auto sim = simulate(s, true);
  if (!sim) return sim.refusal();
  Report r{*sim, power_report(s, sim->prediction, std::nullopt), {}};
  if (sim->run && sim->run->result.finishes()) {
    // Goodput at checkpoint intervals from a quarter to four times the chosen one.
    const double chosen = sim->run->interval.chosen.value();
    for (const double f : {0.25, 0.5, 0.71, 1.0, 1.41, 2.0, 4.0}) {
      const Seconds interval(std::max(chosen * f, sim->run->setup.min_interval.value()));
      const RunResult run = simulate_run(sim->run->setup, interval, 60, s.reliability.seed);
      r.goodput_curve.push_back({interval.value(), run.goodput});
    }
  }
  return r;
}

Scenario default_plan_scenario() { return default_plan_scenario({}); }

Scenario default_plan_scenario(const std::vector<std::string>& sets) {
  Scenario s = sets.empty() ? default_scenario(catalog()) : load("", sets);
  open_plan_keys(s);
  const std::string prefix = "parallelism.";
  for (const auto& set : sets) {
    if (set.rfind(prefix, 0) == 0)
      s.free_plan_keys.erase(set.substr(prefix.size(), set.find('=') - prefix.size()));
  }
  return s;
}

Outcome<PlanRanking> plan(const Scenario& s, const PlanOptions& options) {
  one_job(s, "plan");
  const Calibration cal = Calibration::builtin();
  SearchOptions search_options;
  search_options.top = options.top;
  search_options.evaluator = options.evaluator;
  search_options.search_framework_options = true;
  search_options.progress = options.progress;
  PlanRanking r{s, search_plans(s, cal, search_options), {}};
  if (!options.rerank) return r;
  if (r.search.ranked.empty()) return refused(s, "no plan: " + r.search.why_none);
  r.predictions = rerank(s, cal, r.search.ranked);
  return r;
}

AgainstPublished plan_against_published(const std::string& dir, BatchEvaluator* evaluator,
                                        const Progress& progress) {
  const Calibration cal = Calibration::builtin();
  AgainstPublished out;
  std::vector<double> speedups;
  const auto files = case_files({dir.empty() ? shipped_cases_dir(false) : dir});
  long long done = 0;
  for (const auto& f : files) {
    if (progress) progress(done++, static_cast<long long>(files.size()));
    const Scenario s = checked(read_scenario_file(f, catalog()));
    const auto c = compare_with_published(s, cal, evaluator);
    if (!c) continue;
    const double speedup = c->published_step_s / c->best_step_s;
    speedups.push_back(speedup);
    (speedup > 1.01 ? out.faster : speedup < 0.999 ? out.published_wins : out.same) += 1;
    out.rows.push_back({s.name, c->published_step_s, c->best_step_s, speedup, c->best, c->note});
  }
  std::sort(speedups.begin(), speedups.end());
  if (!speedups.empty()) {
    out.median_speedup = speedups[speedups.size() / 2];
    out.max_speedup = speedups.back();
  }
  return out;
}

SweepAxis parse_sweep_axis(const std::string& text, const std::string& option) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    throw InputError(option, text, "expected KEY=V1,V2,... such as cluster.gpus=1024,2048");
  SweepAxis axis{text.substr(0, eq), {}};
  std::stringstream ss(text.substr(eq + 1));
  for (std::string v; std::getline(ss, v, ',');) axis.values.push_back(v);
  return axis;
}

Sweep sweep(const std::string& file, const std::vector<SweepAxis>& axes, std::pair<int, int> share,
            const Progress& progress) {
  const auto [name, text, base_dir] = source_of(file);
  const Calibration cal = Calibration::builtin();
  Sweep out;
  for (const auto& a : axes) out.keys.push_back(a.key);
  std::vector<size_t> index(axes.size(), 0);
  size_t points = axes.empty() ? 0 : 1;
  for (const auto& a : axes) points *= a.values.size();
  std::optional<InputError> first_error;
  size_t skipped = 0;
  while (!axes.empty()) {
    SweepRow row;
    std::string variant = text;
    for (size_t a = 0; a < axes.size(); ++a) {
      row.values.push_back(axes[a].values[index[a]]);
      variant = with_key(variant, name, axes[a].key, row.values.back());
    }
    const bool own =
        static_cast<int>(out.rows.size() % static_cast<size_t>(share.second)) == share.first;
    if (!own) {
      ++skipped;
    } else {
      try {
        const Scenario point = checked(read_scenario_text(variant, name, catalog(), base_dir));
        one_job(point, "sweep");
        const Verdict v = predict(point, cal);
        row.prediction = v.prediction;
        row.refusal = v.refusal;
        if (v.prediction) {
          row.run = run_summary(point, *v.prediction);
          row.facility = facility_report(point, *v.prediction, row.run);
        }
      } catch (const InputError& e) {
        row.refusal = e.what();
        if (!first_error) first_error = e;
        ++out.input_errors;
      }
    }
    out.rows.push_back(std::move(row));
    if (progress) progress(static_cast<long long>(out.rows.size()), static_cast<long long>(points));
    size_t a = axes.size();
    while (a > 0 && ++index[a - 1] == axes[a - 1].values.size()) index[--a] = 0;
    if (a == 0) break;
  }
  // Every point bad input (a misspelled key, say): the sweep itself is, exit 2. One bad value
  // among good ones stays that row's refusal.
  out.simulated = out.rows.size() - skipped;
  if (first_error) out.first_input_error = first_error->what();
  if (share.second == 1 && first_error && out.input_errors == out.simulated) throw *first_error;
  return out;
}

Outcome<RunReport> reliability(Scenario s, const ReliabilityOptions& options) {
  one_job(s, "reliability");
  if (options.trials) s.reliability.trials = *options.trials;
  if (options.seed) s.reliability.seed = *options.seed;
  const Verdict v = predict(s, Calibration::builtin());
  if (!v.prediction) return refused(s, v.refusal);
  ReliabilityReport report = reliability_report(s, *v.prediction, options.span_days, true);
  return RunReport{std::move(s), std::move(report)};
}

Outcome<FacilityResult> facility(const Scenario& s) {
  one_job(s, "facility");
  const Verdict v = predict(s, Calibration::builtin());
  if (!v.prediction) return refused(s, v.refusal);
  auto run = run_summary(s, *v.prediction);
  FacilityReport report = facility_report(s, *v.prediction, run);
  return FacilityResult{s, *v.prediction, std::move(run), std::move(report)};
}

Outcome<BringupResult> bringup(const Scenario& s) {
  if (!s.bringup) throw InputError(s.file, "bringup", "a bringup: block (docs/SCENARIO.md)");
  if (!s.training.tokens)
    throw InputError(s.file, "training.tokens", "a token budget to train through the bring-up");
  auto f = facility(s);
  if (!f) return f.refusal();
  const double per_gpu = f->prediction.tokens_per_s / static_cast<double>(s.cluster.job_gpus());
  const double goodput = f->run ? f->run->result.goodput : 1.0;
  const double restart = f->run ? f->run->setup.restart.value() : 0.0;
  return BringupResult{
      s, f->prediction,
      bringup_timeline(s, per_gpu, goodput, restart, f->facility.power.facility_avg.value())};
}

Outcome<Design> design(const std::string& file, const std::vector<std::string>& sets,
                       const DesignOptions& options) {
  ScenarioSource src = source_of(file);
  src.text = with_sets(src.text, src.name, sets);
  const Scenario base = checked(read_scenario_text(src.text, src.name, catalog(), src.base_dir));
  const DesignVariant variant = [&](const std::vector<std::string>& edits) {
    return checked(read_scenario_text(with_sets(src.text, src.name, edits), src.name, catalog(),
                                      src.base_dir));
  };
  colossim::DesignOptions o;
  o.evaluator = options.evaluator;
  o.exchange = options.exchange;
  o.progress = options.progress;
  Design out{base, design_cluster(base, variant, Calibration::builtin(), o)};
  if (out.search.ranked.empty()) return refused(base, out.search.why_none);
  return out;
}

Outcome<Comparison> compare(const std::vector<Scenario>& scenarios) {
  Comparison out;
  for (const auto& s : scenarios) {
    auto entry = facility(s);
    if (!entry) return entry.refusal();
    out.entries.push_back(std::move(entry.value()));
  }
  return out;
}

Claims claims() { return {check_claims(catalog(), Calibration::builtin())}; }

ClusterView cluster(const Scenario& s) {
  const Cluster& c = s.cluster;
  const Fabric f(c);
  return {s,
          f.tiers(),
          f.planes(),
          f.rail_optimized(),
          c.hosts_per_leaf > 0 ? c.hosts_per_leaf : c.radix() / 2,
          f.switch_tiers(),
          estimate_fabric(c)};
}

Collective parse_collective(const std::string& name) {
  if (auto k = find_collective(name)) return *k;
  throw InputError("--op", name, "expected one of: " + collective_names());
}

std::vector<Bytes> parse_sizes(const std::vector<std::string>& texts) {
  std::vector<Bytes> sizes;
  for (const auto& text : texts) {
    try {
      sizes.push_back(parse_bytes(text));
    } catch (const std::invalid_argument& e) {
      throw InputError("--sizes", text, e.what());
    }
    if (!(sizes.back().value() > 0))
      throw InputError("--sizes", text, "expected a size above 0 B (nccl-tests skips empty ones)");
  }
  return sizes;
}

CollectiveRun collective(Scenario s, const CollectiveOptions& o) {
  CollectiveRun run;
  Cluster& c = s.cluster;
  if (!o.routing.empty()) c.routing = o.routing;
  if (!o.topology.empty()) c.topology = o.topology;
  run.op = o.op;
  if (!o.group_dim.empty()) {
    one_job(s, "collective --group");
    run.groups = plan_groups(s, o.group_dim);
    run.placement = o.group_dim + " groups of the plan, Megatron order";
  } else {
    run.groups = consecutive_groups(c, o.gpus.value_or(64), o.group_size.value_or(0));
    run.placement = "consecutive GPUs";
  }
  if (const auto problem = fabric_problem(c))
    throw InputError(s.file, "cluster." + problem->key, problem->expected);
  // NCCL's cost model on the physical fabric where its tuner times the collective (all-reduce,
  // all-gather, reduce-scatter by ring, tree, NVLS or PAT, where NCCL would run it); otherwise
  // the fabric alone with the calibrated link efficiencies and latencies.
  const Calibration calibration = Calibration::builtin();
  const FabricNetwork net(c, calibration.for_architecture(c.gpu.architecture).network());
  const FabricNetwork physical =
      physical_fabric(c, calibration.for_architecture(c.gpu.architecture).network());
  if (o.algorithm != "auto") {
    const CollectiveAlgorithm* a = find_collective_algorithm(o.algorithm);
    if (a == nullptr)
      throw InputError("--algo", o.algorithm,
                       "expected one of: auto, " + collective_algorithm_names());
    if (auto why = a->unsupported(net, o.op, run.groups))
      throw InputError("--algo", o.algorithm, *why);
  }
  run.cluster = c;
  run.fabric_tiers = net.fabric().tiers();
  const double n = static_cast<double>(run.groups.front().size());
  for (const Bytes& size : o.sizes) {
    auto timed = run_nccl_collective(physical, o.op, size, run.groups, o.algorithm);
    CollectiveRow row{size, timed ? std::move(*timed)
                                  : run_collective(net.for_collective(o.op), o.op, size, run.groups,
                                                   o.algorithm)};
    const double t = row.result.time.value();
    row.algbw_gbps = t > 0 ? size.value() / t / 1e9 : 0;
    row.busbw_gbps = row.algbw_gbps * bus_factor(o.op, n);
    row.tiers = tier_use(row.result);
    run.rows.push_back(std::move(row));
  }
  return run;
}

std::string validation_root() {
  namespace fs = std::filesystem;
  if (const char* given = std::getenv("COLOSSIM_VALIDATION_DIR"); given && *given) return given;
  // An installed colossim (cmake --install) keeps the cases in <prefix>/share/colossim/validation,
  // beside <prefix>/bin/colossim; the one in the build tree reads its source tree.
  std::error_code error;
  const fs::path exe = fs::read_symlink("/proc/self/exe", error);
  if (!error) {
    const fs::path installed = exe.parent_path().parent_path() / "share/colossim/validation";
    if (fs::is_directory(installed / "cases", error)) return installed.string();
  }
  return std::string(COLOSSIM_SOURCE_DIR) + "/validation";
}

std::string shipped_cases_dir(bool runs) { return validation_root() + (runs ? "/runs" : "/cases"); }

std::string shipped_collectives_table() { return validation_root() + "/collectives.json"; }

namespace {

// Judges cases 0..n-1 with `one`: on this process, or shared by MPI ranks (rank r the cases
// i mod ranks), every result then on every rank. An InputError of any case is thrown on every
// rank: the one of the first case in order, as one process would.
std::vector<CaseResult> judged(size_t n, const std::function<CaseResult(size_t)>& one,
                               const ValidateOptions& o) {
  const size_t ranks = o.exchange ? static_cast<size_t>(o.exchange->size) : 1;
  const size_t rank = o.exchange ? static_cast<size_t>(o.exchange->rank) : 0;
  std::vector<CaseResult> results(n);
  if (ranks == 1) {
    for (size_t i = 0; i < n; ++i) {
      if (o.progress) o.progress(static_cast<long long>(i), static_cast<long long>(n));
      results[i] = one(i);
    }
    return results;
  }
  nlohmann::json mine = {{"cases", nlohmann::json::object()}};
  for (size_t i = rank; i < n; i += ranks) {
    if (o.progress) o.progress(static_cast<long long>(i), static_cast<long long>(n));
    try {
      mine["cases"][std::to_string(i)] = one(i);
    } catch (const InputError& e) {
      mine["error"] = {{"index", i}, {"where", e.where()}, {"key", e.key()}, {"what", e.what()}};
      break;
    }
  }
  std::optional<nlohmann::json> first_error;
  for (const std::string& text : o.exchange->all_gather(mine.dump())) {
    const nlohmann::json theirs = nlohmann::json::parse(text);
    for (const auto& [index, result] : theirs.at("cases").items())
      results[std::stoul(index)] = result.get<CaseResult>();
    if (theirs.contains("error") &&
        (!first_error || theirs["error"]["index"] < (*first_error)["index"]))
      first_error = theirs["error"];
  }
  if (first_error) {
    const auto where = (*first_error)["where"].get<std::string>();
    const auto key = (*first_error)["key"].get<std::string>();
    const auto what = (*first_error)["what"].get<std::string>();
    const size_t prefix = where.size() + 2 + (key.empty() ? 0 : key.size() + 2);
    throw InputError(where, key, what.substr(std::min(prefix, what.size())));
  }
  return results;
}

ValidationReport validate_collectives(const ValidateOptions& o) {
  if (o.runs) throw InputError("--runs", "", "give either --runs or --collectives");
  if (o.paths.size() > 1) throw InputError("--collectives", o.paths[1], "expected one table");
  const auto rows =
      read_collective_table(o.paths.empty() ? shipped_collectives_table() : o.paths.front());
  const Calibration calibration = Calibration::builtin();
  return summarise(judged(
      rows.size(), [&](size_t i) { return validate_collective(rows[i], catalog(), calibration); },
      o));
}

}  // namespace

ValidationReport validate(const ValidateOptions& o) {
  if (o.collectives) return validate_collectives(o);
  if (!o.network_model.empty() && !find_network_model(o.network_model))
    throw InputError("--network-model", o.network_model,
                     "expected one of: " + network_model_names());
  if (o.runs && !o.paths.empty())
    throw InputError("--runs", o.paths.front(), "give either --runs or directories of cases");
  const std::vector<std::string> paths =
      o.paths.empty() ? std::vector<std::string>{shipped_cases_dir(o.runs)} : o.paths;
  const Calibration calibration = Calibration::builtin();
  const auto files = case_files(paths);
  if (files.empty())
    throw InputError(paths.front(), "", "no validation cases (*.yaml) in it: nothing to judge");
  return summarise(judged(
      files.size(),
      [&](size_t i) { return validate_case(files[i], catalog(), calibration, o.network_model); },
      o));
}

std::string trust_table(const Progress& progress) {
  const Calibration calibration = Calibration::builtin();
  const std::string root = validation_root() + "/";
  const auto files =
      case_files({root + "cases", root + "runs", root + "moe", root + "dense", root + "fsdp"});
  std::vector<GroupedCase> cases;
  for (const auto& f : files) {
    if (progress)
      progress(static_cast<long long>(cases.size()), static_cast<long long>(files.size()));
    CaseResult r = validate_case(f, catalog(), calibration);
    cases.push_back({r.trust_group, r.stack, std::move(r)});
  }
  return trust_yaml(measure_trust(cases));
}

CatalogView catalog_view() { return {&catalog()}; }

}  // namespace colossim::app
