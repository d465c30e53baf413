#include "design/design.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "facility/facility.hpp"
#include "run/bringup.hpp"
#include "run/prediction.hpp"
#include "run/reliability.hpp"
#include "validation/trust.hpp"
#include "workload/operators.hpp"

namespace colossim {
namespace {

// The ranges the sensitivity check takes. Not fitted: GPU prices, quoted to a buyer, move by
// about a quarter between vendors and quarters (data/facility.yaml marks the B200 and H200
// server prices as estimates); a generation's volume shipments have slipped by one to two
// quarters (Blackwell's 2024 mask re-spin), so 60 days.
constexpr double kPriceSpread = 0.25;
constexpr double kDeliverySlipDays = 60;

std::chrono::sys_days parse_day(const std::string& date) {
  int y = 0, m = 0, d = 0;
  (void)std::sscanf(date.c_str(), "%d-%d-%d", &y, &m, &d);
  using namespace std::chrono;
  return year_month_day{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
}

std::string number(double x) { return fmt::format("{}", x); }

std::string money(double usd) {
  if (usd >= 1e9) return fmt::format("${:.2f}B", usd / 1e9);
  if (usd >= 1e6) return fmt::format("${:.1f}M", usd / 1e6);
  return fmt::format("${:.0f}", usd);
}

std::vector<DesignChoice> enumerate(const DesignSettings& d, const Scenario& base,
                                    const Catalog& catalog) {
  std::vector<DesignChoice> out;
  for (const auto& g : d.gpus) {
    const Gpu* gpu = catalog.find_gpu(g.gpu);
    const std::string node_id = g.node.empty() ? gpu->node : g.node;
    const Node* node = catalog.find_node(node_id);
    const int per_node = node != nullptr ? node->gpus : base.cluster.gpus_per_node;
    int rack = g.gpus_per_rack > 0 ? g.gpus_per_rack : base.cluster.gpus_per_rack;
    if (rack % per_node != 0 && node != nullptr) rack = node->rack_gpus;
    for (const long long job : d.job_gpus) {
      for (const double spare : d.spare_fraction) {
        const long long spare_nodes =
            static_cast<long long>(std::ceil(static_cast<double>(job) * spare / per_node - 1e-9));
        for (const auto& cooling : d.cooling) {
          for (const auto& topo : d.topology) {
            for (const double over : d.oversubscription) {
              for (const double nic : d.nic_gbps) {
                for (const auto& storage : d.storage_bandwidth) {
                  for (const double cap : d.power_limit) {
                    DesignChoice c;
                    c.gpu = g;
                    c.node = node_id;
                    c.job_gpus = job;
                    c.spare_gpus = spare_nodes * per_node;
                    c.cooling = cooling;
                    c.topology = topo;
                    c.oversubscription = over;
                    c.nic_gbps = nic;
                    c.storage_bandwidth = storage;
                    c.order = out.size();
                    c.sets = {"cluster.gpu=" + g.gpu,
                              "cluster.node=" + node_id,
                              "cluster.gpus_per_node=" + std::to_string(per_node),
                              "cluster.gpus_per_rack=" + std::to_string(rack),
                              "cluster.gpus=" + std::to_string(job + c.spare_gpus),
                              "cluster.spare_gpus=" + std::to_string(c.spare_gpus),
                              "cluster.network.topology=" + topo,
                              "cluster.network.oversubscription=" + number(over),
                              "cluster.network.nic_gbps=" + number(nic),
                              "cluster.cooling=" + cooling};
                    if (!storage.empty())
                      c.sets.push_back("reliability.storage_bandwidth=" + storage);
                    c.power_limit = cap;
                    // Set whenever it differs from TDP, or the scenario capped its own GPUs.
                    if (cap < 1 || base.cluster.gpu.capped()) {
                      c.sets.push_back("cluster.gpu_power_limit_w=" +
                                       number(std::round(cap * gpu->tdp.value())));
                    }
                    out.push_back(std::move(c));
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  return out;
}

// The sets that change the plan search: the closed-form network it ranks on reads the GPUs, the
// nodes, the NICs and the job, not the fabric's shape (net/bandwidth_model.cpp), so neither the
// fabric generator nor the oversubscription, cooling or storage enter
// (Design.SharedSearchesFindWhatTheirOwnWould checks it).
std::string search_key(const DesignChoice& c) {
  std::string key;
  for (const auto& s : c.sets) {
    if (s.rfind("cluster.cooling=", 0) == 0 || s.rfind("reliability.", 0) == 0 ||
        s.rfind("cluster.network.topology=", 0) == 0 ||
        s.rfind("cluster.network.oversubscription=", 0) == 0)
      continue;
    key += s + ";";
  }
  return key;
}
// The sets that change the step and the run: every one but cooling (power and cost only).
std::string step_key(const DesignChoice& c) {
  std::string key;
  for (const auto& s : c.sets) {
    if (s.rfind("cluster.cooling=", 0) == 0 || s.rfind("reliability.", 0) == 0) continue;
    key += s + ";";
  }
  return key;
}
std::string run_key(const DesignChoice& c) {
  std::string key;
  for (const auto& s : c.sets) {
    if (s.rfind("cluster.cooling=", 0) != 0) key += s + ";";
  }
  return key;
}

// A plan search's best plan, or why there is none.
struct Searched {
  std::optional<Plan> plan;
  std::string refusal;
};
// A step simulated on its own network, or why it was not.
struct Shared {
  std::optional<Prediction> prediction;
  std::string refusal;
};

// The design's constraints against its figures; sets `limit`, `why` and the binding one.
void check_constraints(DesignResult& r, const DesignSettings& d, bool evaluated) {
  struct Use {
    DesignLimit limit;
    std::string name;
    double value, cap;
    std::string what;
  };
  std::vector<Use> uses;
  if (d.site_mw)
    uses.push_back(
        {DesignLimit::power, "power", r.peak_mw, *d.site_mw,
         fmt::format("{:.1f} MW at peak against design.site_mw {:g}", r.peak_mw, *d.site_mw)});
  if (d.capital_usd)
    uses.push_back({DesignLimit::capital, "capital", r.capital_usd, *d.capital_usd,
                    fmt::format("capital {} against design.capital_usd {}", money(r.capital_usd),
                                money(*d.capital_usd))});
  if (d.max_racks)
    uses.push_back({DesignLimit::racks, "racks", static_cast<double>(r.racks),
                    static_cast<double>(*d.max_racks),
                    fmt::format("{} racks against design.max_racks {}", r.racks, *d.max_racks)});
  const double cost = evaluated ? r.total_cost_usd : r.capital_usd;
  if (d.total_cost_usd)
    uses.push_back({DesignLimit::total_cost, "total cost", cost, *d.total_cost_usd,
                    fmt::format("total cost {}{} against design.total_cost_usd {}", money(cost),
                                evaluated ? "" : " or more", money(*d.total_cost_usd))});
  if (d.deadline) {
    const double window = days_between(d.start, *d.deadline);
    const double finish =
        evaluated ? r.finish_day : r.ready_day + r.bound_train_days;  // a lower bound before
    uses.push_back(
        {DesignLimit::deadline, "deadline", finish, window,
         evaluated ? fmt::format("trained by day {:.0f} ({}) against design.deadline {}", finish,
                                 r.finish_date, *d.deadline)
                   : fmt::format("trained on day {:.0f} at the earliest (compute-bound) against "
                                 "design.deadline {}",
                                 finish, *d.deadline)});
  }
  double tightest = -1;
  for (const Use& u : uses) {
    const double use = u.cap > 0 ? u.value / u.cap : std::numeric_limits<double>::infinity();
    if (u.value > u.cap && r.limit == DesignLimit::none) {
      r.limit = u.limit;
      r.why = u.what;
    }
    if (use > tightest) {
      tightest = use;
      r.binding = u.name;
      r.binding_use = use;
    }
  }
}

DesignResult evaluate(DesignResult r, const Scenario& s, const Shared& shared,
                      std::map<std::string, std::optional<ReliabilityReport>>& runs,
                      const DesignSettings& d) {
  if (!shared.prediction) {
    r.limit = DesignLimit::plan;
    r.why = shared.refusal;
    return r;
  }
  const Prediction& p = *shared.prediction;
  r.plan = p.plan;
  r.step_s = p.step.step_time.value();
  r.tokens_per_s = p.tokens_per_s;
  r.mfu = p.mfu;
  r.memory_gib = to_gib(p.memory.total());
  r.train_days_no_failures = p.time_to_train_days.value_or(0);
  const std::string key = run_key(r.choice);
  auto it = runs.find(key);
  if (it == runs.end()) it = runs.emplace(key, run_summary(s, p)).first;
  const std::optional<ReliabilityReport>& run = it->second;
  r.train_days = run && run->result.finishes() ? run->result.days_median : 0;
  r.goodput = run ? run->result.goodput : 1;
  if (run && run->fleets) {
    r.fleet_low_days = run->fleets->low_days;
    r.fleet_high_days = run->fleets->finished ? run->fleets->high_days : 0;
  }
  const FacilityReport f = facility_report(s, p, run);
  r.avg_mw = f.power.facility_avg.value() / 1e6;
  r.run_cost_usd = f.cost.run.value();
  r.total_cost_usd =
      f.cost.capital.value() + f.cost.electricity.value() + f.cost.maintenance.value();
  r.depreciation_usd = f.cost.depreciation.value();
  r.maintenance_usd = f.cost.maintenance.value();
  r.hardware_usd = f.cost.servers.value() + f.cost.network.value();
  r.usd_per_million_tokens = f.cost.per_million_tokens.value();
  r.tokens_per_s_per_mw = r.avg_mw > 0 ? p.tokens_per_s * r.goodput / r.avg_mw : 0;
  const TrustBand band = trust_band(s);
  r.band_low = band.low;
  r.band_high = band.high;
  r.trust_group = band.group;
  bool finishes = run && run->result.finishes();
  if (s.bringup) {
    const double per_gpu = p.tokens_per_s / static_cast<double>(s.cluster.job_gpus());
    const BringupReport b =
        bringup_timeline(s, per_gpu, r.goodput, run ? run->setup.restart.value() : 0.0,
                         f.power.facility_avg.value());
    finishes = finishes && b.finishes;
    r.first_training_day = r.ready_day + b.first_training_day;
    r.finish_day = r.ready_day + b.finish_day;
  } else {
    r.first_training_day = r.ready_day;
    r.finish_day = r.ready_day + r.train_days;
  }
  if (!finishes) {
    r.limit = DesignLimit::plan;
    r.why = "the run does not finish: failures outpace checkpoints at this size";
    return r;
  }
  r.first_training_date = add_days(d.start, r.first_training_day);
  r.finish_date = add_days(d.start, r.finish_day);
  check_constraints(r, d, true);
  return r;
}

// Pareto frontier of (finish, total cost) over ranked designs: indices, earliest first.
std::vector<size_t> frontier_of(const std::vector<DesignResult>& ranked) {
  std::vector<size_t> idx(ranked.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
    if (ranked[a].finish_day != ranked[b].finish_day)
      return ranked[a].finish_day < ranked[b].finish_day;
    if (ranked[a].total_cost_usd != ranked[b].total_cost_usd)
      return ranked[a].total_cost_usd < ranked[b].total_cost_usd;
    return ranked[a].choice.order < ranked[b].choice.order;
  });
  std::vector<size_t> out;
  double cheapest = std::numeric_limits<double>::infinity();
  for (size_t i : idx) {
    if (ranked[i].total_cost_usd < cheapest) {
      out.push_back(i);
      cheapest = ranked[i].total_cost_usd;
    }
  }
  return out;
}

std::string metric_text(const DesignResult& d, const std::string& goal) {
  if (goal == "cost_per_token") return fmt::format("${:.2f}/M tokens", d.usd_per_million_tokens);
  if (goal == "tokens_per_mw") return fmt::format("{:.0f} tokens/s per MW", d.tokens_per_s_per_mw);
  return fmt::format("day {:.0f} ({})", d.finish_day, d.finish_date);
}

std::string explain_runner_up(const DesignResult& a, const DesignResult& b,
                              const std::string& goal) {
  const bool tie = design_objective(a, goal) == design_objective(b, goal);
  std::string out =
      fmt::format("#2 ({}) {} {}", design_label(b.choice), metric_text(b, goal),
                  tie ? "as well, for a higher total cost" : "against " + metric_text(a, goal));
  std::vector<std::string> parts;
  if (b.ready_day != a.ready_day)
    parts.push_back(fmt::format("its GPUs arrive {:+.0f} days", b.ready_day - a.ready_day));
  const double ramp_a = a.first_training_day - a.ready_day,
               ramp_b = b.first_training_day - b.ready_day;
  if (std::abs(ramp_b - ramp_a) >= 0.5)
    parts.push_back(fmt::format("first training {:+.0f} days after arrival", ramp_b - ramp_a));
  const double train_a = a.finish_day - a.first_training_day;
  const double train_b = b.finish_day - b.first_training_day;
  parts.push_back(
      fmt::format("first training to trained {:.1f} days ({:+.1f})", train_b, train_b - train_a));
  parts.push_back(fmt::format("capital {} ({:+.0f}%)", money(b.capital_usd),
                              100.0 * (b.capital_usd / a.capital_usd - 1)));
  parts.push_back(fmt::format("total cost {} ({:+.1f}%)", money(b.total_cost_usd),
                              100.0 * (b.total_cost_usd / a.total_cost_usd - 1)));
  parts.push_back(fmt::format("peak {:.1f} MW ({:+.1f})", b.peak_mw, b.peak_mw - a.peak_mw));
  out += ": ";
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
  return out;
}

// The best feasible design once `shift` has moved every design's figures (shift(r, with_winner):
// `with_winner` when r shares the winner's uncertainty, which then moves both alike): its index
// in `ranked`, and the shifted figures of the winner and of it.
struct Shifted {
  size_t best = 0;
  DesignResult winner, rival;
  bool winner_feasible = true;
};
Shifted best_after(const std::vector<DesignResult>& ranked, const DesignSettings& d,
                   const std::function<DesignResult(const DesignResult&, bool)>& shift,
                   const std::function<bool(const DesignResult&)>& with_winner) {
  Shifted out;
  double best = std::numeric_limits<double>::infinity();
  double best_cost = best;
  for (size_t i = 0; i < ranked.size(); ++i) {
    DesignResult x = shift(ranked[i], i == 0 || with_winner(ranked[i]));
    x.limit = DesignLimit::none;
    check_constraints(x, d, true);
    if (i == 0) {
      out.winner = x;
      out.winner_feasible = x.limit == DesignLimit::none;
    }
    if (x.limit != DesignLimit::none) continue;
    const double v = design_objective(x, d.goal);
    if (v < best || (v == best && x.total_cost_usd < best_cost)) {
      best = v;
      best_cost = x.total_cost_usd;
      out.best = i;
      out.rival = x;
    }
  }
  return out;
}

DesignSensitivity verdict(const std::vector<DesignResult>& ranked, const DesignSettings& d,
                          const std::string& input, const std::string& range,
                          const std::vector<Shifted>& cases) {
  DesignSensitivity out{input, range, true, "", ""};
  for (const Shifted& c : cases) {
    if (c.best == 0) continue;
    out.robust = false;
    out.rival = design_label(ranked[c.best].choice);
    out.note = fmt::format("the winner {}; #{} reaches {}",
                           c.winner_feasible
                               ? "reaches " + metric_text(c.winner, d.goal)
                               : std::string("breaks its ") + limit_name(c.winner.limit) + " limit",
                           c.best + 1, metric_text(c.rival, d.goal));
    return out;
  }
  out.note = "the winner reaches " + metric_text(cases.back().winner, d.goal) +
             " at worst and stays ahead";
  return out;
}

// Scales the training part of a design's finish (and what follows from its length).
DesignResult with_training_scaled(DesignResult r, double factor, const std::string& start) {
  const double train = r.finish_day - r.first_training_day;
  const double opex = r.total_cost_usd - r.capital_usd;
  r.finish_day = r.first_training_day + train * factor;
  r.finish_date = add_days(start, r.finish_day);
  r.total_cost_usd = r.capital_usd + opex * factor;
  r.run_cost_usd *= factor;
  r.usd_per_million_tokens *= factor;
  r.tokens_per_s_per_mw /= factor;
  return r;
}

std::vector<DesignSensitivity> sensitivity(const std::vector<DesignResult>& ranked,
                                           const DesignSettings& d) {
  std::vector<DesignSensitivity> out;
  if (ranked.size() < 2) return out;
  const DesignResult& w = ranked.front();
  // The step's error is shared by designs of the same validated group (GPU architecture and
  // kind of model): they move with the winner to its slow end, the others to their fast end.
  const auto same_group = [&](const DesignResult& r) { return r.trust_group == w.trust_group; };
  out.push_back(verdict(
      ranked, d, "step time", "the 80% band of colossim's errors on validated runs",
      {best_after(
          ranked, d,
          [&](const DesignResult& r, bool slow) {
            // true step = predicted / ratio; the band holds the ratio.
            return with_training_scaled(r, slow ? 1.0 / r.band_low : 1.0 / r.band_high, d.start);
          },
          same_group)}));
  // Failure rates are the world's: every design at the lowest, then at the highest, published.
  const auto at_fleet = [&](bool high) {
    return [&, high](const DesignResult& r, bool) {
      const double days = high ? r.fleet_high_days : r.fleet_low_days;
      if (days <= 0 || r.train_days <= 0) return r;
      return with_training_scaled(r, days / r.train_days, d.start);
    };
  };
  const auto all = [](const DesignResult&) { return true; };
  out.push_back(verdict(
      ranked, d, "failure rates", "every design at the published fleets' lowest, then highest",
      {best_after(ranked, d, at_fleet(false), all), best_after(ranked, d, at_fleet(true), all)}));
  // Prices and deliveries are the GPU kind's: the winner's kind dearer or later, the others not.
  const auto same_gpu = [&](const DesignResult& r) { return r.choice.gpu.gpu == w.choice.gpu.gpu; };
  out.push_back(verdict(ranked, d, "GPU prices",
                        fmt::format("the winner's GPU {:+.0f}%, the others {:+.0f}%",
                                    100 * kPriceSpread, -100 * kPriceSpread),
                        {best_after(
                            ranked, d,
                            [&](const DesignResult& r, bool dearer) {
                              // Capital moves by the servers' change; the run's depreciation share
                              // with capital, its maintenance with the hardware's price.
                              DesignResult x = r;
                              const double delta = r.servers_usd * kPriceSpread * (dearer ? 1 : -1);
                              const double maintenance = r.maintenance_usd * delta / r.hardware_usd;
                              const double run_delta =
                                  r.depreciation_usd * delta / r.capital_usd + maintenance;
                              x.capital_usd += delta;
                              x.total_cost_usd += delta + maintenance;
                              if (r.run_cost_usd > 0)
                                x.usd_per_million_tokens *=
                                    (r.run_cost_usd + run_delta) / r.run_cost_usd;
                              x.run_cost_usd += run_delta;
                              return x;
                            },
                            same_gpu)}));
  out.push_back(verdict(
      ranked, d, "delivery dates",
      fmt::format("the winner's GPU {:.0f} days later, the others on time", kDeliverySlipDays),
      {best_after(
          ranked, d,
          [&](const DesignResult& r, bool late) {
            DesignResult x = r;
            if (!late) return x;
            x.ready_day += kDeliverySlipDays;
            x.first_training_day += kDeliverySlipDays;
            x.finish_day += kDeliverySlipDays;
            x.finish_date = add_days(d.start, x.finish_day);
            return x;
          },
          same_gpu)}));
  return out;
}

// When no design is feasible: the constraint none of them meets, or the counts.
std::string why_none(const std::vector<DesignResult>& rejected, const DesignSettings& d) {
  const bool all_input = std::all_of(rejected.begin(), rejected.end(), [](const DesignResult& r) {
    return r.limit == DesignLimit::input;
  });
  if (all_input && !rejected.empty())
    return "design: the scenario refuses every design; the first (" +
           design_label(rejected.front().choice) + "): " + rejected.front().why;
  const auto least = [&](auto figure) {
    double m = std::numeric_limits<double>::infinity();
    for (const auto& r : rejected) {
      if (r.limit != DesignLimit::input) m = std::min(m, figure(r));
    }
    return m;
  };
  if (d.site_mw) {
    const double m = least([](const DesignResult& r) { return r.peak_mw; });
    if (m > *d.site_mw)
      return fmt::format(
          "design.site_mw: no design fits in {:g} MW (the least draws {:.1f} MW at "
          "peak); expected at least {:.1f}",
          *d.site_mw, m, m);
  }
  if (d.capital_usd) {
    const double m = least([](const DesignResult& r) { return r.capital_usd; });
    if (m > *d.capital_usd)
      return fmt::format(
          "design.capital_usd: no design costs {} or less (the least {}); expected "
          "at least {:.3g}",
          money(*d.capital_usd), money(m), m);
  }
  if (d.max_racks) {
    const double m = least([](const DesignResult& r) { return static_cast<double>(r.racks); });
    if (m > static_cast<double>(*d.max_racks))
      return fmt::format("design.max_racks: no design fits in {} racks (the least needs {:.0f})",
                         *d.max_racks, m);
  }
  if (d.total_cost_usd) {
    const double m = least([](const DesignResult& r) { return r.capital_usd; });
    if (m > *d.total_cost_usd)
      return fmt::format(
          "design.total_cost_usd: no design costs {} or less (its capital alone is "
          "{} at the least)",
          money(*d.total_cost_usd), money(m));
  }
  std::map<DesignLimit, long long> counts;
  for (const auto& r : rejected) ++counts[r.limit];
  if (d.deadline && counts[DesignLimit::deadline] > 0) {
    const auto simulated = [](const DesignResult& r) {
      return r.limit == DesignLimit::deadline && r.finish_day > 0
                 ? r.finish_day
                 : std::numeric_limits<double>::infinity();
    };
    const double m = least(simulated);
    if (std::isfinite(m))
      return fmt::format(
          "design.deadline: no design trains by {} (the earliest, otherwise "
          "within budget, by {}); expected a date on or after {}",
          *d.deadline, add_days(d.start, m), add_days(d.start, m));
    const double bound = least([](const DesignResult& r) {
      return r.limit == DesignLimit::deadline ? r.ready_day + r.bound_train_days
                                              : std::numeric_limits<double>::infinity();
    });
    return fmt::format(
        "design.deadline: no design trains by {}: even at the GPUs' peak FLOP/s "
        "the quickest takes until {}",
        *d.deadline, add_days(d.start, bound));
  }
  std::string out = "no design meets every constraint:";
  for (const auto& [limit, n] : counts) out += fmt::format(" {} by {},", n, limit_name(limit));
  out.pop_back();
  for (const auto& r : rejected) {
    if (r.limit == DesignLimit::plan || r.limit == DesignLimit::input)
      return out + " (first refusal: " + r.why + ")";
  }
  return out;
}

// Every figure a design's search and run set, in the order records carry them.
std::array<double*, 22> figure_fields(DesignResult& r) {
  return {&r.step_s,
          &r.tokens_per_s,
          &r.mfu,
          &r.memory_gib,
          &r.train_days_no_failures,
          &r.train_days,
          &r.goodput,
          &r.first_training_day,
          &r.finish_day,
          &r.avg_mw,
          &r.run_cost_usd,
          &r.total_cost_usd,
          &r.depreciation_usd,
          &r.maintenance_usd,
          &r.hardware_usd,
          &r.usd_per_million_tokens,
          &r.tokens_per_s_per_mw,
          &r.band_low,
          &r.band_high,
          &r.fleet_low_days,
          &r.fleet_high_days,
          &r.binding_use};
}

// A design's figures after its search, for the ranks that did not run it (MPI): every field
// the search and the run set, doubles at full precision, so that every rank ranks alike.
nlohmann::json to_record(DesignResult r) {
  const Plan& p = r.plan;
  nlohmann::json figures = nlohmann::json::array();
  for (const double* f : figure_fields(r)) figures.push_back(*f);
  return {
      {"limit", static_cast<int>(r.limit)},
      {"why", r.why},
      {"plan",
       {p.tp, p.pp, p.cp, p.ep, p.etp, p.dp, p.micro_batch, p.virtual_stages, p.sequence_parallel,
        static_cast<int>(p.recompute), p.zero, static_cast<int>(p.precision), p.moe_a2a_overlap}},
      {"schedule", p.schedule},
      {"recompute_modules", p.recompute_modules},
      {"moe_dispatcher", p.moe_dispatcher},
      {"figures", figures},

      {"text", {r.first_training_date, r.finish_date, r.trust_group, r.binding}}};
}
// `plan`: the design scenario's own plan, which the search's choices overwrite.
void from_record(const nlohmann::json& j, DesignResult& r, Plan plan) {
  r.limit = static_cast<DesignLimit>(j.at("limit").get<int>());
  r.why = j.at("why").get<std::string>();
  const auto& q = j.at("plan");
  plan.tp = q[0].get<int>();
  plan.pp = q[1].get<int>();
  plan.cp = q[2].get<int>();
  plan.ep = q[3].get<int>();
  plan.etp = q[4].get<int>();
  plan.dp = q[5].get<long long>();
  plan.micro_batch = q[6].get<long long>();
  plan.virtual_stages = q[7].get<int>();
  plan.sequence_parallel = q[8].get<bool>();
  plan.recompute = static_cast<Recompute>(q[9].get<int>());
  plan.zero = q[10].get<int>();
  plan.precision = static_cast<Precision>(q[11].get<int>());
  plan.moe_a2a_overlap = q[12].get<bool>();
  plan.schedule = j.at("schedule").get<std::string>();
  plan.recompute_modules = j.at("recompute_modules").get<std::vector<std::string>>();
  plan.moe_dispatcher = j.at("moe_dispatcher").get<std::string>();
  r.plan = plan;
  const auto& f = j.at("figures");
  const auto fields = figure_fields(r);
  for (size_t k = 0; k < fields.size(); ++k) *fields[k] = f.at(k).get<double>();
  const auto& t = j.at("text");
  r.first_training_date = t[0].get<std::string>();
  r.finish_date = t[1].get<std::string>();
  r.trust_group = t[2].get<std::string>();
  r.binding = t[3].get<std::string>();
}

}  // namespace

const char* limit_name(DesignLimit limit) {
  switch (limit) {
    case DesignLimit::none:
      return "none";
    case DesignLimit::power:
      return "power";
    case DesignLimit::capital:
      return "capital";
    case DesignLimit::total_cost:
      return "total cost";
    case DesignLimit::racks:
      return "floor space";
    case DesignLimit::deadline:
      return "deadline";
    case DesignLimit::plan:
      return "plan";
    case DesignLimit::input:
      return "input";
  }
  return "?";
}

double days_between(const std::string& from, const std::string& to) {
  return static_cast<double>((parse_day(to) - parse_day(from)).count());
}

std::string design_label(const DesignChoice& c) {
  std::string out =
      fmt::format("{}+{} {}, {}, {} 1:{}, {}G", c.job_gpus, c.spare_gpus, c.gpu.gpu, c.cooling,
                  c.topology, number(c.oversubscription), number(c.nic_gbps));
  if (!c.storage_bandwidth.empty()) out += ", storage " + c.storage_bandwidth;
  return out;
}

double design_objective(const DesignResult& d, const std::string& goal) {
  if (goal == "cost_per_token") return d.usd_per_million_tokens;
  if (goal == "tokens_per_mw") return -d.tokens_per_s_per_mw;
  return d.finish_day;
}

DesignSearch design_cluster(const Scenario& base, const DesignVariant& variant,
                            const Calibration& calibration, const DesignOptions& options) {
  if (!base.design) throw InputError(base.file, "design", "a design: block (docs/SCENARIO.md)");
  if (!base.training.tokens)
    throw InputError(base.file, "training.tokens", "a token budget to design the cluster for");
  const DesignSettings& d = *base.design;
  const Catalog catalog = Catalog::builtin();
  DesignSearch out;
  out.settings = d;
  std::vector<DesignChoice> choices = enumerate(d, base, catalog);
  out.designs = static_cast<long long>(choices.size());
  // First, on every rank: each design's scenario and the bounds that need no simulation.
  struct Pending {
    size_t index = 0;
    Scenario scenario;
    std::string search;  // designs with one search key share a plan search
    std::string step;    // and with one step key, the step too
  };
  std::vector<DesignResult> results(choices.size());
  std::vector<Pending> pending;
  std::map<std::string, size_t> keys;  // each step key's number, in order of first use
  long long done = 0;
  const auto count = [&] {
    if (options.progress) options.progress(++done, out.designs);
  };
  for (size_t i = 0; i < choices.size(); ++i) {
    const DesignChoice& c = choices[i];
    DesignResult& r = results[i];
    r.choice = c;
    Scenario s;
    try {
      s = variant(c.sets);
    } catch (const InputError& e) {
      r.limit = DesignLimit::input;
      r.why = e.what();
      r.bounded = true;
      ++out.bounded;
      count();
      continue;
    }
    open_plan_keys(s);
    const PowerReport peak = power_report(s, Prediction{});
    r.peak_mw = peak.facility_peak.value() / 1e6;
    const CostReport cost = cost_report(s, peak, 0);
    r.capital_usd = cost.capital.value();
    r.servers_usd = cost.servers.value();
    r.racks = (s.cluster.gpus + s.cluster.gpus_per_rack - 1) / s.cluster.gpus_per_rack;
    r.ready_day = std::max(0.0, days_between(d.start, c.gpu.available));
    const Precision best_precision =
        !s.precision_given && s.cluster.gpu.peak_fp8 ? Precision::fp8 : s.plan.precision;
    r.bound_train_days =
        *s.training.tokens * model_flops_per_token(s.model, s.model.seq_len) /
        (static_cast<double>(s.cluster.job_gpus()) * s.cluster.gpu.peak(best_precision).value()) /
        86400.0;
    check_constraints(r, d, false);
    if (r.limit != DesignLimit::none) {
      r.bounded = true;
      ++out.bounded;
      count();
      continue;
    }
    const std::string search = search_key(c);
    keys.emplace(search, keys.size());
    pending.push_back({i, std::move(s), search, step_key(c)});
  }
  out.plan_searches = static_cast<long long>(keys.size());
  out.searches_shared = static_cast<long long>(pending.size() - keys.size());

  // Then the searches: search key k on rank k mod ranks, with every design that shares it; each
  // step simulated on its own network once.
  const int ranks = options.exchange ? options.exchange->size : 1;
  const int rank = options.exchange ? options.exchange->rank : 0;
  std::map<std::string, Searched> plans;   // by search key
  std::map<std::string, Shared> searches;  // by step key
  std::map<std::string, std::optional<ReliabilityReport>> runs;
  nlohmann::json mine = nlohmann::json::object();
  for (Pending& p : pending) {
    if (static_cast<int>(keys.at(p.search) % static_cast<size_t>(ranks)) != rank) continue;
    Scenario& s = p.scenario;
    auto found = plans.find(p.search);
    if (found == plans.end()) {
      Scenario ranking = s;
      ranking.network_model = kRankingNetworkModel;
      SearchOptions so;
      so.top = 1;
      so.evaluator = options.evaluator;
      so.search_framework_options = true;
      const PlanSearch search = search_plans(ranking, calibration, so);
      found = plans
                  .emplace(p.search,
                           Searched{search.best(),
                                    search.best() ? std::string() : "no plan: " + search.why_none})
                  .first;
    }
    auto it = searches.find(p.step);
    if (it == searches.end()) {
      Shared shared;
      if (!found->second.plan) {
        shared.refusal = found->second.refusal;
      } else {
        Scenario fixed = s;
        fixed.plan = *found->second.plan;
        fixed.free_plan_keys.clear();
        const Verdict v = predict(fixed, calibration);
        if (v.prediction)
          shared.prediction = *v.prediction;
        else
          shared.refusal = v.refusal;
      }
      it = searches.emplace(p.step, std::move(shared)).first;
    }
    if (it->second.prediction) {
      s.plan = it->second.prediction->plan;
      s.free_plan_keys.clear();
    }
    try {
      results[p.index] = evaluate(results[p.index], s, it->second, runs, d);
    } catch (const InputError& e) {  // one design's, not the search's (and no rank left waiting)
      results[p.index].limit = DesignLimit::input;
      results[p.index].why = e.what();
    }
    if (ranks > 1) mine[std::to_string(p.index)] = to_record(results[p.index]);
    count();
  }
  if (ranks > 1) {
    // Every rank's designs to every rank, each plan laid over its design's scenario's own.
    for (const std::string& text : options.exchange->all_gather(mine.dump())) {
      const nlohmann::json theirs = nlohmann::json::parse(text);
      for (const auto& [index, record] : theirs.items()) {
        const size_t i = std::stoul(index);
        Plan plan = std::find_if(pending.begin(), pending.end(), [&](const Pending& p) {
                      return p.index == i;
                    })->scenario.plan;
        from_record(record, results[i], plan);
      }
    }
  }
  std::vector<DesignResult> feasible;
  for (DesignResult& r : results)
    (r.limit == DesignLimit::none ? feasible : out.rejected).push_back(std::move(r));
  std::stable_sort(feasible.begin(), feasible.end(),
                   [&](const DesignResult& a, const DesignResult& b) {
                     const double x = design_objective(a, d.goal), y = design_objective(b, d.goal);
                     if (x != y) return x < y;
                     if (a.total_cost_usd != b.total_cost_usd)
                       return a.total_cost_usd < b.total_cost_usd;
                     return a.choice.order < b.choice.order;
                   });
  out.ranked = std::move(feasible);
  if (out.ranked.empty()) {
    out.why_none = why_none(out.rejected, d);
    return out;
  }
  out.frontier = frontier_of(out.ranked);
  if (out.ranked.size() > 1)
    out.why_runner_up = explain_runner_up(out.ranked[0], out.ranked[1], d.goal);
  out.sensitivity = sensitivity(out.ranked, d);
  return out;
}

}  // namespace colossim
