#include "facility/claims.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/config.hpp"
#include "facility/facility.hpp"

namespace colossim {

std::vector<Claim> check_claims(const Catalog& catalog, const Calibration& calibration) {
  std::vector<Claim> out;
  const Gpu* h100 = catalog.find_gpu("h100-sxm-80gb");
  const Gpu* a100 = catalog.find_gpu("a100-sxm-80gb");
  const Scenario s = default_scenario(catalog);  // the 100,000-H100 Memphis cluster
  const Verdict v = predict(s, calibration);
  if (h100 == nullptr || a100 == nullptr || !v.prediction) return out;
  const double n_h100 = static_cast<double>(s.cluster.gpus);

  // 1. Compute: 100k H100 vs the 25k A100 reported for GPT-4.
  const double bf16 = n_h100 * h100->peak_bf16.value() / (25000.0 * a100->peak_bf16.value());
  const double fp8 = n_h100 * h100->peak_fp8->value() / (25000.0 * a100->peak_bf16.value());
  out.push_back(
      {"100,000 H100 give about 20x the compute of the 25,000 A100 used for GPT-4", "20x",
       fmt::format("{:.1f}x at BF16, {:.1f}x with H100 FP8 vs A100 BF16", bf16, fp8),
       std::fabs(fp8 / 20.0 - 1) <= 0.25 || std::fabs(bf16 / 20.0 - 1) <= 0.25,
       "dense tensor peaks from the catalog: at equal precision (BF16) about 13x; counting the "
       "H100's FP8 "
       "against the A100's BF16 (the A100 has no FP8) about 25x; 20x sits between the two"});

  // 2. Power: GPUs alone, and what that equals in people.
  const PowerReport p = power_report(s, *v.prediction);
  out.push_back({"100,000 H100 draw about 70 MW", "70 MW",
                 fmt::format("{:.0f} MW for the GPUs at TDP; {:.0f} MW facility peak with hosts, "
                             "network, storage and "
                             "PUE {:.2f}",
                             p.gpu_tdp.value() / 1e6, p.facility_peak.value() / 1e6, p.pue),
                 std::fabs(p.gpu_tdp.value() / 70e6 - 1) <= 0.1,
                 "700 W TDP per H100 SXM (datasheet); holds for the GPUs alone, the site draws "
                 "about twice that"});
  const ConfigNode energy = ConfigNode::embedded("facility.yaml")->child("energy");
  const double households = households_for(Watts(70e6));
  const double people = households * energy.number("people_per_household");
  out.push_back({"70 MW is enough for about 200,000 people", "200,000 people",
                 fmt::format("{:.0f} people ({:.0f} US households at {:.0f} kWh a year)", people,
                             households, energy.number("household_kwh_per_year")),
                 std::fabs(people / 200000.0 - 1) <= 0.25,
                 "EIA average household use and 2.51 people per household; the claim counts about "
                 "3.5 people per "
                 "household's electricity, or uses a lower per-person figure"});

  // 3. Money: 100k GPUs at $30-40k each, and whole servers at the default price.
  const CostReport cost = cost_report(s, p, 0.0);
  out.push_back({"100,000 H100 at $30-40k each is a $3-4 billion order", "$3-4B",
                 fmt::format("${:.1f}-{:.1f}B for the GPUs; ${:.2f}B for whole servers at ${:.0f} "
                             "per GPU slot; ${:.2f}B with "
                             "network and facility",
                             n_h100 * 30000 / 1e9, n_h100 * 40000 / 1e9, cost.servers.value() / 1e9,
                             cost.servers.value() / n_h100, cost.capital.value() / 1e9),
                 cost.servers >= Dollars(3e9 * 0.9) && cost.servers <= Dollars(4e9 * 1.1),
                 "server price per GPU from data/facility.yaml (DGX H100 list with support / 8)"});

  // 4. Grid connection.
  out.push_back(
      {"a 100k-H100 site needs a 150 MW grid connection", "150 MW",
       fmt::format("{:.0f} MW facility peak (liquid-cooled, PUE {:.2f}); {:.0f} MW if air-cooled",
                   p.facility_peak.value() / 1e6, p.pue,
                   power_report(s, *v.prediction, Cooling::air).facility_peak.value() / 1e6),
       std::fabs(p.facility_peak.value() / 150e6 - 1) <= 0.2,
       "IT peak (GPUs at TDP, hosts, network by fabric size, storage) times PUE"});
  return out;
}

}  // namespace colossim
