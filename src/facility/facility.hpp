// Power, energy, carbon and cost of a scenario's cluster and run (data/facility.yaml, each figure
// with its source; every one overridable under `facility:` in the scenario).
//
// Power. Each GPU draws gpu_busy_fraction x TDP while it computes and gpu_waiting_fraction x TDP
// while it waits (pipeline bubble, exposed communication), each at most its power limit
// (cluster.gpu_power_limit_w), slice by slice through the simulated
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
  Watts gpu_tdp;  // all GPUs at TDP
  Watts gpu_avg;  // over the simulated step
  // The GPUs' draw in each slice of the step (sim/step.hpp kPowerSlices), its low and high:
  // the swing within a step (pipeline fill and drain, exposed data-parallel communication).
  std::vector<Watts> gpu_step;
  Watts gpu_step_min, gpu_step_max;
  Watts host;
  Watts network;
  Watts storage;
  Watts it_avg;
  Watts it_peak;
  Watts facility_avg;
  Watts facility_peak;
  Watts swing;
  FabricSize fabric;
};

struct CostReport {
  std::string price_date;
  Dollars servers, network, facility, capital;
  double run_days = 0;
  double energy_mwh = 0;
  Dollars electricity;
  double carbon_tonnes = 0;
  double households = 0;  // whose yearly use equals the facility's average power for a year
  double people = 0;
  Dollars depreciation, maintenance, run;  // the run's share of each
  Dollars per_million_tokens;              // the run's cost per million tokens trained
  Dollars rent, rent_per_million_tokens;   // renting the job's GPUs for as long
};

struct FacilityReport {
  PowerReport power;
  PowerReport other_cooling;  // the same cluster cooled the other way
  CostReport cost;
  std::optional<std::string> trained_on;  // delivery date + time to train
  // The run with its failures does not finish (the run model's cap): no run time, energy or
  // run cost is given for it.
  bool unfinished = false;
};

[[nodiscard]] PowerReport power_report(const Scenario& s, const Prediction& p,
                                       std::optional<Cooling> cooling = {});
// `run_days`: the wall time of the run (with failures where known).
[[nodiscard]] CostReport cost_report(const Scenario& s, const PowerReport& power, double run_days);
// Everything for one scenario: uses the run's median days when `run` is given.
[[nodiscard]] FacilityReport facility_report(const Scenario& s, const Prediction& p,
                                             const std::optional<ReliabilityReport>& run);
// US households whose yearly electricity equals `watts` drawn all year (data/facility.yaml).
[[nodiscard]] double households_for(Watts power);
// "2026-06-01" + 12.4 days -> "2026-06-13".
[[nodiscard]] std::string add_days(const std::string& date, double days);

}  // namespace colossim
