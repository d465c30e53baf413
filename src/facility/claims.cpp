#include "facility/claims.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/config.hpp"
#include "facility/facility.hpp"
#include "run/bringup.hpp"

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

  // 5. Bring-up: 19 days from the first rack to training, 122 days to build. Under the
  // bring-up model (run/bringup.hpp) with 2 days to cable and 3 of burn-in per rack, the last
  // rack accepted on day 122 fixes the delivery rate, and the racks accepted by day 19 the
  // largest first job; the model run with those rates checks the inversion.
  if (s.training.tokens) {
    constexpr double kInstall = 2, kBurnIn = 3, kBuilt = 122, kFirst = 19;
    Scenario b = s;
    BringupSettings set;
    set.install_days = kInstall;
    set.burn_in_days = kBurnIn;
    const double racks =
        std::ceil(static_cast<double>(s.cluster.job_gpus()) / s.cluster.gpus_per_rack);
    set.racks_per_day = (racks - 1) / (kBuilt - kInstall - kBurnIn);
    const double first_racks = std::floor((kFirst - kInstall - kBurnIn) * set.racks_per_day) + 1;
    set.start_gpus = static_cast<long long>(first_racks) * s.cluster.gpus_per_rack;
    b.bringup = set;
    const BringupReport r =
        bringup_timeline(b, v.prediction->tokens_per_s / static_cast<double>(s.cluster.job_gpus()),
                         1.0, 0.0, p.facility_avg.value());
    out.push_back(
        {"the cluster was built in 122 days and trained 19 days after its first rack arrived",
         "122 and 19 days",
         fmt::format("{:.1f} racks of {} ({:.0f} GPUs) delivered a day; a first job of at most {} "
                     "GPUs; the model then trains from day {:.1f} and has every rack by day {:.1f}",
                     set.racks_per_day, s.cluster.gpus_per_rack,
                     set.racks_per_day * s.cluster.gpus_per_rack, set.start_gpus,
                     r.first_training_day, r.all_accepted_day),
         std::fabs(r.first_training_day - kFirst) <= 1 &&
             std::fabs(r.all_accepted_day - kBuilt) <= 1,
         "the rates the dates imply, assuming 2 days to cable a rack and 3 of burn-in (not "
         "published), none failing; examples/memphis-bringup.yaml runs the ramp"});
  }
  return out;
}

}  // namespace colossim
