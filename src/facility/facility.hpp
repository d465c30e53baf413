// Power, energy, carbon and cost of a scenario's cluster and run (data/facility.yaml, each figure
// with its source; every one overridable under `facility:` in the scenario).
//
// Power. Each GPU draws gpu_busy_fraction x TDP while it computes and gpu_waiting_fraction x TDP
// while it waits (pipeline bubble, exposed communication), slice by slice through the simulated
// step (every pipeline stage's timeline, StepResult::compute_share): the average is over the
// step, its lowest and highest slices give the swing within a step; spares idle. Hosts draw a
// share of their node's headroom over the GPUs' TDP (less the fans under liquid cooling); the
// network draws per switch and per transceiver of the fabric's size (topology/fabric_size.hpp);
// storage per GPU. Facility power = IT power x PUE by cooling. The all-stop swing is what the
// GPUs shed when they all stop at once (checkpoints, restarts): GPUs x TDP x (busy - waiting).
//
// Cost. Capital: servers per GPU, network by switch, transceiver and cable, facility per MW of
// peak IT power; depreciated straight-line over the useful life. A run costs its share of the
// depreciation, maintenance and its electricity; per million tokens; against renting the job's
// GPUs from a cloud for the same hours.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "run/reliability.hpp"
#include "topology/fabric_size.hpp"

namespace colossim {

struct PowerReport {
  Cooling cooling = Cooling::liquid;
  double pue = 1.0;
  double gpu_tdp_w = 0;  // all GPUs at TDP
  double gpu_avg_w = 0;  // over the simulated step
  // The GPUs' draw in each slice of the step (sim/step.hpp kPowerSlices), its low and high:
  // the swing within a step (pipeline fill and drain, exposed data-parallel communication).
  std::vector<double> gpu_step_w;
  double gpu_step_min_w = 0, gpu_step_max_w = 0;
  double host_w = 0;
  double network_w = 0;
  double storage_w = 0;
  double it_avg_w = 0;
  double it_peak_w = 0;
  double facility_avg_w = 0;
  double facility_peak_w = 0;
  double swing_w = 0;
  FabricSize fabric;
};

struct CostReport {
  std::string price_date;
  double servers_usd = 0, network_usd = 0, facility_usd = 0, capital_usd = 0;
  double run_days = 0;
  double energy_mwh = 0;
  double electricity_usd = 0;
  double carbon_tonnes = 0;
  double households = 0;  // whose yearly use equals the facility's average power for a year
  double people = 0;
  double depreciation_usd = 0, maintenance_usd = 0, run_usd = 0;
  double usd_per_million_tokens = 0;
  double rent_usd = 0, rent_usd_per_million_tokens = 0;
};

struct FacilityReport {
  PowerReport power;
  PowerReport other_cooling;  // the same cluster cooled the other way
  CostReport cost;
  std::optional<std::string> trained_on;  // delivery date + time to train
};

[[nodiscard]] PowerReport power_report(const Scenario& s, const Prediction& p,
                                       std::optional<Cooling> cooling = {});
// `run_days`: the wall time of the run (with failures where known).
[[nodiscard]] CostReport cost_report(const Scenario& s, const PowerReport& power, double run_days);
// Everything for one scenario: uses the run's median days when `run` is given.
[[nodiscard]] FacilityReport facility_report(const Scenario& s, const Prediction& p,
                                             const std::optional<ReliabilityReport>& run);
// US households whose yearly electricity equals `watts` drawn all year (data/facility.yaml).
[[nodiscard]] double households_for(double watts);
// "2026-06-01" + 12.4 days -> "2026-06-13".
[[nodiscard]] std::string add_days(const std::string& date, double days);

}  // namespace colossim
