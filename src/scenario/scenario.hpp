// A scenario file (the public contract of ../shared/SCENARIO.md): a cluster, a model, how it is
// trained and a parallelism plan; for validation cases also what was measured and where.
// Reading is the boundary where text becomes typed values: every mistake is an InputError
// naming the file, the key and what was expected.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "hw/catalog.hpp"
#include "plan/plan.hpp"
#include "topology/cluster.hpp"
#include "workload/model.hpp"

namespace colossim {

enum class FlopsBasis { model, hardware };

// What a published run measured. Any subset may be present.
struct Measured {
  std::optional<double> step_time_s;
  std::optional<double> tokens_per_s;
  std::optional<double> tflops_per_gpu;
  FlopsBasis flops_basis = FlopsBasis::model;
  std::optional<double> mfu;
  std::optional<double> memory_gib;
  // GPU-hours of a whole training run (job GPUs x time to train training.tokens). `steady`: the
  // source derived them from its steady throughput (Llama 1: tokens / tokens-per-second), so
  // they are compared with the failure-free time; `elapsed`: wall-clock from start to finish
  // (BLOOM: 384 GPUs x 3.5 months), compared with the simulated run, failures included.
  std::optional<double> gpu_hours;
  enum class HoursBasis { steady, elapsed } gpu_hours_basis = HoursBasis::steady;
};

// The scenario's `reliability.slow_hosts:` block: nodes that keep running, slower (fail-slow).
// Absent values take data/reliability.yaml's slow_hosts (run/reliability.hpp).
struct SlowHostSettings {
  std::optional<double> per_node_day;    // transient slow spells starting per node per day
  std::optional<Seconds> duration;       // the mean length of one
  std::optional<double> lemon_fraction;  // share of nodes slow until removed
  std::optional<double> slowdown;        // a slow node's step over a healthy one's
  std::string policy = "tolerate";       // tolerate | drop (detected, swapped for a spare)
  std::optional<Seconds> detection;      // from a node turning slow to its detection
};

// The scenario's `reliability:` block: what the run-level simulation may not guess. Absent
// values take the defaults of data/reliability.yaml (run/reliability.hpp).
struct ReliabilitySettings {
  std::optional<Seconds> checkpoint_interval;  // absent: the simulated optimum
  bool async_checkpoint = true;
  std::optional<BytesPerSecond> storage_bandwidth;  // aggregate checkpoint write/read bandwidth
  std::optional<Seconds> detection;
  std::optional<Seconds> relaunch;
  std::optional<Seconds> repair_time;
  std::optional<long long> spare_nodes;      // absent: cluster.spare_gpus / gpus_per_node
  std::string distribution = "exponential";  // interruption intervals: exponential | weibull
  // The fleet whose failure rates apply (data/reliability.yaml profiles; run/ checks the name).
  std::string profile = "llama3";
  std::optional<double> weibull_shape;
  int trials = 1000;
  unsigned long long seed = 1;
  SlowHostSettings slow_hosts;
};

// The scenario's `facility:` block: overrides of data/facility.yaml and the delivery date.
struct FacilitySettings {
  std::optional<std::string> delivery;  // YYYY-MM-DD the cluster is ready to train
  std::optional<double> electricity_usd_per_kwh;
  std::optional<double> grid_kg_co2_per_kwh;
  std::optional<double> pue;
  std::optional<double> server_usd_per_gpu;
  std::optional<double> cloud_usd_per_gpu_hour;
  std::optional<double> facility_usd_per_mw;
  std::optional<double> useful_life_years;
};

// The cluster's bring-up (`bringup:`; run/bringup.hpp): racks arrive, are installed and burnt
// in, and the job trains on the GPUs accepted so far, growing as more are.
struct BringupSettings {
  double racks_per_day = 0;    // deliveries (from `delivery_days`: every rack evenly over them)
  double install_days = 0;     // a rack's arrival to powered and cabled
  double burn_in_days = 0;     // its acceptance tests
  double burn_in_failure = 0;  // share of racks failing burn-in, re-worked and tested again
  double rework_days = 0;
  // The fabric: a pod's leaf and spine switches carry traffic this long after its first rack
  // arrives (no rack of it is accepted before); the core switches between pods this long after
  // the first rack (no job beyond one pod trains before).
  double pod_fabric_days = 0;
  double core_fabric_days = 0;
  long long start_gpus = 0;  // train once this many GPUs are accepted (0: the whole job)
  long long grow_gpus = 0;   // then grow the job in steps of this many (0: the rest at once)
  std::optional<double> restart_hours;  // each growth restarts the job (default: the run model's)
  // Early-life failures: a rack fails at early_life_factor x the steady rate on its first day of
  // training, the excess decaying as exp(-age / early_life_days) (bathtub's left wall;
  // docs/research/early-life-failures.md: Titan's new GPUs about 2x over 30 days).
  double early_life_factor = 2.0;
  double early_life_days = 30.0;
};

// The scenario's `design:` block (`colossim design`; design/design.hpp): the choices of the
// cluster left open, the constraints a design must meet and what ranks the designs. The reader
// fills every list left out with the cluster's own value, so each list holds at least one.
struct DesignGpuOption {
  std::string gpu;        // catalog id
  std::string node;       // empty: the GPU's usual node
  std::string available;  // YYYY-MM-DD: the GPUs can arrive in volume from then
  int gpus_per_rack = 0;  // 0: the cluster's
};
struct DesignSettings {
  std::string goal = "earliest_finish";  // earliest_finish | cost_per_token | tokens_per_mw
  std::string start;              // YYYY-MM-DD: the site takes racks from then; days count from it
  std::optional<double> site_mw;  // facility power at the meter, at peak
  std::optional<double> capital_usd;     // servers, network and the facility
  std::optional<double> total_cost_usd;  // capital + the run's electricity and maintenance
  std::optional<std::string> deadline;   // the token budget trained by (YYYY-MM-DD)
  std::optional<long long> max_racks;    // floor space
  std::vector<DesignGpuOption> gpus;
  std::vector<long long> job_gpus;     // GPUs the job trains on
  std::vector<double> spare_fraction;  // hot spares beyond the job, rounded up to whole nodes
  std::vector<std::string> cooling;
  std::vector<std::string> topology;  // fabric generators
  std::vector<double> oversubscription;
  std::vector<double> nic_gbps;
  std::vector<std::string> storage_bandwidth;  // checkpoint storage ("" keeps the scenario's)
  // GPU power limits as fractions of each kind's TDP (cluster.gpu_power_limit_w); 1: uncapped.
  std::vector<double> power_limit;
  // Every combination of the lists.
  [[nodiscard]] long long designs() const;
};
// A design space is bounded: beyond this many combinations the reader refuses the block.
inline constexpr long long kMaxDesigns = 100000;

struct Scenario {
  std::string name;
  std::string file;  // where it was read from ("<built-in>" for the default)
  Cluster cluster;
  Model model;
  Training training;
  Plan plan;
  // Plan keys the file leaves open: `colossim` chooses them (run/plan_search.hpp) and keeps
  // the rest as given. Among tp, pp, cp, ep, micro_batch, virtual_stages, recompute (searched)
  // and schedule, sequence_parallel, dp (which then follow the choice).
  std::set<std::string> free_plan_keys;
  bool precision_given =
      false;  // training.precision was written (else `colossim plan` may try FP8)
  // Whether any searched key is open, so that the plan must be chosen before it is simulated.
  [[nodiscard]] bool plan_needs_search() const;
  std::string network_model = "fabric";  // net/network.hpp registry
  ReliabilitySettings reliability;
  FacilitySettings facility;
  std::optional<BringupSettings> bringup;
  std::optional<DesignSettings> design;
  std::optional<Measured> measured;
  std::string source;  // for validation cases
  std::string group;   // validation source group (e.g. "Megatron 2021")
  // Several jobs on the one cluster (`jobs:`), each a whole scenario: the cluster with the GPUs
  // the job holds (Cluster::job_units), its own model, training and plan, the shared network
  // model, reliability and facility. Empty for one job; when set, model, training and plan above
  // are the first job's, and only `simulate` runs the file (app::simulate_jobs).
  std::vector<Scenario> jobs;
};

// Opens every plan key the search chooses (`colossim plan` on the default, `colossim design`).
void open_plan_keys(Scenario& scenario);

Scenario read_scenario_file(const std::string& path, const Catalog& catalog);
Scenario read_scenario_text(const std::string& text, const std::string& name,
                            const Catalog& catalog, const std::string& base_dir = "");

// Scenario text with one dotted key set to a value ("cluster.gpus", "4096"), for sweeps.
// Missing maps along the path are created; an InputError names the key if a non-map is in the way.
[[nodiscard]] std::string with_key(const std::string& yaml_text, const std::string& file,
                                   const std::string& dotted_key, const std::string& value);

// The built-in default: the 100,000-GPU H100 cluster training a frontier model.
Scenario default_scenario(const Catalog& catalog);
[[nodiscard]] const char* default_scenario_yaml();

}  // namespace colossim
