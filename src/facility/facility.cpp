#include "facility/facility.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "core/config.hpp"

namespace colossim {
namespace {

ConfigNode facility_data() {
  auto node = ConfigNode::embedded("facility.yaml");
  if (!node) throw InputError("data/facility.yaml", "", "built-in data file is missing");
  return *node;
}

double by_gpu(const ConfigNode& table, const std::string& gpu) {
  if (!table.has(gpu))
    table.fail(gpu, "no price for this GPU in data/facility.yaml; set it under facility:");
  return table.number(gpu);
}

// The mean over the cluster's GPUs of `of(gpu)`: one kind, or several (Cluster::pools).
template <typename F>
double per_gpu_mean(const Cluster& c, F of) {
  double sum = static_cast<double>(c.base_gpus()) * of(c.gpu);
  for (const auto& pool : c.pools) sum += static_cast<double>(pool.gpus) * of(pool.gpu);
  return sum / static_cast<double>(c.gpus);
}

}  // namespace

PowerReport power_report(const Scenario& s, const Prediction& p, std::optional<Cooling> cooling) {
  const ConfigNode data = facility_data();
  const ConfigNode pw = data.child("power");
  const Cluster& c = s.cluster;
  PowerReport r;
  r.cooling = cooling.value_or(c.cooling);
  r.pue = s.facility.pue && !cooling
              ? *s.facility.pue
              : data.child("pue").number(r.cooling == Cooling::liquid ? "liquid" : "air");
  const double tdp = per_gpu_mean(c, [](const Gpu& g) { return g.tdp.value(); });
  // A GPU capped below TDP (cluster.gpu_power_limit_w) draws at most its limit.
  const double busy_fraction = pw.number("gpu_busy_fraction");
  const double waiting_fraction = pw.number("gpu_waiting_fraction");
  const double busy_w = per_gpu_mean(c, [&](const Gpu& g) {
    return std::min(g.tdp.value() * busy_fraction, g.power_limit.value());
  });
  const double wait_w = per_gpu_mean(c, [&](const Gpu& g) {
    return std::min(g.tdp.value() * waiting_fraction, g.power_limit.value());
  });
  const double job = static_cast<double>(c.job_gpus());
  const double spares = static_cast<double>(c.spare_gpus);
  r.gpu_tdp = Watts(tdp * static_cast<double>(c.gpus));
  // The GPUs' draw through the step, slice by slice, from the share of them computing.
  const auto& share = p.step.compute_share;
  r.gpu_step.reserve(share.size());
  for (double x : share)
    r.gpu_step.emplace_back(job * (wait_w + (busy_w - wait_w) * x) + spares * wait_w);
  if (r.gpu_step.empty()) r.gpu_step.emplace_back(job * busy_w + spares * wait_w);
  Watts sum;
  for (Watts w : r.gpu_step) sum += w;
  r.gpu_avg = sum / static_cast<double>(r.gpu_step.size());
  r.gpu_step_min = *std::min_element(r.gpu_step.begin(), r.gpu_step.end());
  r.gpu_step_max = *std::max_element(r.gpu_step.begin(), r.gpu_step.end());
  const double node_max_w = c.node.power_kw * 1000.0 * c.gpus_per_node / c.node.gpus;
  const double headroom_w = std::max(0.0, node_max_w - c.gpus_per_node * tdp);
  double host_per_node = headroom_w * pw.number("host_fraction_of_headroom");
  if (r.cooling == Cooling::liquid)
    host_per_node = std::max(0.0, host_per_node - node_max_w * pw.number("air_fan_fraction"));
  r.host = Watts(host_per_node * static_cast<double>(c.nodes()));
  r.fabric = estimate_fabric(c);
  r.network = Watts(static_cast<double>(r.fabric.total_switches) * pw.number("switch_w") +
                    static_cast<double>(r.fabric.transceivers) * pw.number("optic_w_per_100gbps") *
                        r.fabric.link_gbps / 100.0);
  r.storage = Watts(static_cast<double>(c.gpus) * pw.number("storage_w_per_gpu"));
  const Watts other = r.host + r.network + r.storage;
  r.it_avg = r.gpu_avg + other;
  r.it_peak = Watts(static_cast<double>(c.gpus) * busy_w) + other;
  r.facility_avg = r.it_avg * r.pue;
  r.facility_peak = r.it_peak * r.pue;
  r.swing = Watts(job * (busy_w - wait_w));
  return r;
}

CostReport cost_report(const Scenario& s, const PowerReport& power, double run_days) {
  const ConfigNode data = facility_data();
  const ConfigNode prices = data.child("prices");
  const ConfigNode energy = data.child("energy");
  const FacilitySettings& f = s.facility;
  const Cluster& c = s.cluster;
  CostReport r;
  r.price_date = prices.str("date");
  const double server_per_gpu =
      f.server_usd_per_gpu ? *f.server_usd_per_gpu : per_gpu_mean(c, [&](const Gpu& g) {
        return by_gpu(prices.child("server_usd_per_gpu"), g.id);
      });
  r.servers = Dollars(server_per_gpu * static_cast<double>(c.gpus));
  const FabricSize& fab = power.fabric;
  r.network = Dollars(static_cast<double>(fab.total_switches) * prices.number("switch_usd") +
                      static_cast<double>(fab.transceivers) *
                          prices.number("optic_usd_per_100gbps") * fab.link_gbps / 100.0 +
                      static_cast<double>(fab.copper_links + fab.optical_links) *
                          prices.number("cable_usd"));
  const double per_mw =
      f.facility_usd_per_mw ? *f.facility_usd_per_mw : prices.number("facility_usd_per_mw");
  r.facility = Dollars(per_mw * power.it_peak.value() / 1e6);
  r.capital = r.servers + r.network + r.facility;
  const double life_days =
      365.0 * (f.useful_life_years ? *f.useful_life_years : prices.number("useful_life_years"));
  r.run_days = run_days;
  r.energy_mwh = power.facility_avg.value() * run_days * 24.0 / 1e6;
  const double usd_per_kwh = f.electricity_usd_per_kwh ? *f.electricity_usd_per_kwh
                                                       : energy.number("electricity_usd_per_kwh");
  r.electricity = Dollars(r.energy_mwh * 1000.0 * usd_per_kwh);
  const double kg_per_kwh =
      f.grid_kg_co2_per_kwh ? *f.grid_kg_co2_per_kwh : energy.number("grid_kg_co2_per_kwh");
  r.carbon_tonnes = r.energy_mwh * 1000.0 * kg_per_kwh / 1000.0;
  r.households = households_for(power.facility_avg);
  r.people = r.households * energy.number("people_per_household");
  r.depreciation = r.capital * run_days / life_days;
  r.maintenance =
      (r.servers + r.network) * prices.number("maintenance_fraction_per_year") * run_days / 365.0;
  r.run = r.depreciation + r.maintenance + r.electricity;
  const double rent =
      f.cloud_usd_per_gpu_hour ? *f.cloud_usd_per_gpu_hour : per_gpu_mean(c, [&](const Gpu& g) {
        return by_gpu(prices.child("cloud_usd_per_gpu_hour"), g.id);
      });
  r.rent = Dollars(static_cast<double>(c.job_gpus()) * run_days * 24.0 * rent);
  if (s.training.tokens) {
    r.per_million_tokens = r.run / (*s.training.tokens / 1e6);
    r.rent_per_million_tokens = r.rent / (*s.training.tokens / 1e6);
  }
  return r;
}

double households_for(Watts power) {
  constexpr double kHoursPerYear = 8766.0;  // 365.25 days
  const ConfigNode energy = facility_data().child("energy");
  return power.value() * kHoursPerYear / 1000.0 / energy.number("household_kwh_per_year");
}

std::string add_days(const std::string& date, double days) {
  int y = 0, m = 0, d = 0;
  if (std::sscanf(date.c_str(), "%d-%d-%d", &y, &m, &d) != 3) return date;
  using namespace std::chrono;
  const sys_days start =
      year_month_day{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  const year_month_day end{start + std::chrono::days{static_cast<long>(std::ceil(days))}};
  return fmt::format("{:04d}-{:02d}-{:02d}", static_cast<int>(end.year()),
                     static_cast<unsigned>(end.month()), static_cast<unsigned>(end.day()));
}

FacilityReport facility_report(const Scenario& s, const Prediction& p,
                               const std::optional<ReliabilityReport>& run) {
  FacilityReport r;
  r.power = power_report(s, p);
  r.other_cooling =
      power_report(s, p, s.cluster.cooling == Cooling::liquid ? Cooling::air : Cooling::liquid);
  double days = 0;
  if (run) {
    r.unfinished = !run->span_days && !run->result.finishes();
    days = run->span_days ? *run->span_days : r.unfinished ? 0.0 : run->result.days_median;
  } else if (p.time_to_train_days) {
    days = *p.time_to_train_days;
  }
  r.cost = cost_report(s, r.power, days);
  if (s.facility.delivery && days > 0) r.trained_on = add_days(*s.facility.delivery, days);
  return r;
}

}  // namespace colossim
