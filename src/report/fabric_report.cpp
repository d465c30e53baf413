#include "report/fabric_report.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "topology/fabric_size.hpp"

namespace colossim {
namespace {

// nccl-tests' bus bandwidth factor (PERFORMANCE.md): what each rank's busiest link must carry.
double bus_factor(Collective op, double n) {
  switch (op) {
    case Collective::all_reduce:
      return 2 * (n - 1) / n;
    case Collective::all_gather:
    case Collective::reduce_scatter:
    case Collective::all_to_all:
      return (n - 1) / n;
    case Collective::send_recv:
      return 1;
  }
  return 1;
}

std::string tier_names(const Fabric& f) {
  std::string out;
  for (const auto& t : f.switch_tiers()) out += (out.empty() ? "" : "/") + t.name;
  return out;
}

}  // namespace

nlohmann::json cluster_json(const Scenario& s) {
  const Cluster& c = s.cluster;
  const Fabric f(c);
  const FabricSize size = estimate_fabric(c);
  nlohmann::json tiers = nlohmann::json::array();
  for (const auto& t : f.switch_tiers()) {
    tiers.push_back({{"tier", t.name},
                     {"switches", t.switches},
                     {"ports_in_use", t.ports},
                     {"uplinks", t.uplinks},
                     {"bisection_tbytes_per_s", t.bisection_bytes / 1e12}});
  }
  return {{"gpus", c.gpus},
          {"nodes", c.nodes()},
          {"racks", c.gpus / c.gpus_per_rack},
          {"nvlink_domain", c.nvlink_domain},
          {"nics", size.ports},
          {"link_gbps", size.link_gbps},
          {"topology", c.topology},
          {"routing", c.routing},
          {"switch_radix", c.radix()},
          {"hosts_per_leaf", c.hosts_per_leaf > 0 ? c.hosts_per_leaf : c.radix() / 2},
          {"oversubscription", c.oversubscription},
          {"tiers", f.tiers()},
          {"rail_planes", f.planes()},
          {"switch_tiers", tiers},
          {"switches_by_tier", size.switches},
          {"switches", size.total_switches},
          {"optical_links", size.optical_links},
          {"copper_links", size.copper_links},
          {"transceivers", size.transceivers},
          {"host_bandwidth_tbytes_per_s",
           static_cast<double>(c.gpus) * c.nic_bandwidth.value() / 1e12}};
}

std::string cluster_text(const Scenario& s) {
  const Cluster& c = s.cluster;
  const Fabric f(c);
  const FabricSize size = estimate_fabric(c);
  std::string out = fmt::format("colossim cluster: {}\n\n", s.name);
  out +=
      fmt::format("  {} x {} in {} nodes of {} ({}), {} racks of {} GPUs, NVLink domains of {}\n",
                  c.gpus, c.gpu.id, c.nodes(), c.gpus_per_node, c.node.id, c.gpus / c.gpus_per_rack,
                  c.gpus_per_rack, c.nvlink_domain);
  out += fmt::format("  {} NICs ({}) at {:.0f} Gb/s; {} fabric, {} routing\n", size.ports, c.nic.id,
                     size.link_gbps, c.topology, c.routing);
  out +=
      fmt::format("  {} tiers ({}) of {}-port switches{}; {} GPU ports per leaf; top tier 1:{:g}\n",
                  f.tiers(), tier_names(f), c.radix(),
                  f.rail_optimized() ? fmt::format(", {} rail planes", f.planes()) : "",
                  c.hosts_per_leaf > 0 ? c.hosts_per_leaf : c.radix() / 2, c.oversubscription);
  out += fmt::format("    {:<6} {:>9} {:>12} {:>10} {:>16}\n", "tier", "switches", "ports used",
                     "uplinks", "bisection TB/s");
  out += fmt::format("    {:<6} {:>9} {:>12} {:>10} {:>16.1f}\n", "hosts", "", c.gpus, c.gpus,
                     static_cast<double>(c.gpus) * c.nic_bandwidth.value() / 2 / 1e12);
  for (const auto& t : f.switch_tiers()) {
    out += fmt::format("    {:<6} {:>9} {:>12} {:>10} {:>16}\n", t.name, t.switches, t.ports,
                       t.uplinks,
                       t.uplinks > 0 ? fmt::format("{:.1f}", t.bisection_bytes / 1e12) : "-");
  }
  out += fmt::format("  {} switches, {} optical and {} copper links, {} transceivers\n",
                     size.total_switches, size.optical_links, size.copper_links, size.transceivers);
  return out;
}

std::vector<CollectiveRow> run_collectives(const FabricNetwork& net, const CollectiveRequest& r) {
  std::vector<CollectiveRow> rows;
  for (const Bytes& size : r.sizes)
    rows.push_back({size, run_collective(net, r.op, size, r.groups, r.algorithm)});
  return rows;
}

std::string collective_text(const FabricNetwork& net, const CollectiveRequest& r,
                            const std::vector<CollectiveRow>& rows) {
  const Cluster& c = net.cluster();
  const double n = static_cast<double>(r.groups.front().size());
  std::string out = fmt::format(
      "# {}, {} group{} of {} ({}) at once on {} x {}: {} fabric, {} tier{}, {} routing, 1:{:g} "
      "top tier\n",
      to_string(r.op), r.groups.size(), r.groups.size() == 1 ? "" : "s", r.groups.front().size(),
      r.placement, c.gpus, c.gpu.id, c.topology, net.fabric().tiers(),
      net.fabric().tiers() == 1 ? "" : "s", c.routing, c.oversubscription);
  out += fmt::format("{:>14} {:>13} {:>12} {:>12} {:>12}\n", "size (B)", "algorithm", "time (us)",
                     "algbw (GB/s)", "busbw (GB/s)");
  for (const auto& row : rows) {
    const double t = row.result.time.value();
    const double algbw = t > 0 ? row.size.value() / t / 1e9 : 0;
    out += fmt::format("{:>14.0f} {:>13} {:>12.1f} {:>12.2f} {:>12.2f}\n", row.size.value(),
                       row.result.algorithm, t * 1e6, algbw, algbw * bus_factor(r.op, n));
  }
  if (!rows.empty()) {
    const auto& last = rows.back();
    out += fmt::format("# links at {:.0f} B ({} flows):", last.size.value(), last.result.flows);
    const auto use = tier_use(last.result);
    for (size_t t = 0; t < kLinkTiers; ++t) {
      if (use[t].links == 0) continue;
      out += fmt::format(" {} {} in use, {:.0f}% busy (peak {:.0f}%);", tier_name[t], use[t].links,
                         100 * use[t].mean, 100 * use[t].peak);
    }
    out.back() = '\n';
  }
  return out;
}

nlohmann::json collective_json(const FabricNetwork& net, const CollectiveRequest& r,
                               const std::vector<CollectiveRow>& rows) {
  const double n = static_cast<double>(r.groups.front().size());
  nlohmann::json results = nlohmann::json::array();
  for (const auto& row : rows) {
    const double t = row.result.time.value();
    const double algbw = t > 0 ? row.size.value() / t / 1e9 : 0;
    nlohmann::json tiers = nlohmann::json::array();
    const auto use = tier_use(row.result);
    for (size_t k = 0; k < kLinkTiers; ++k) {
      if (use[k].links == 0) continue;
      tiers.push_back({{"tier", tier_name[k]},
                       {"links_used", use[k].links},
                       {"bytes", use[k].bytes},
                       {"mean_utilisation", use[k].mean},
                       {"peak_utilisation", use[k].peak}});
    }
    results.push_back({{"size_bytes", row.size.value()},
                       {"algorithm", row.result.algorithm},
                       {"time_s", t},
                       {"algbw_gbps", algbw},
                       {"busbw_gbps", algbw * bus_factor(r.op, n)},
                       {"flows", row.result.flows},
                       {"links", tiers}});
  }
  return {{"op", to_string(r.op)},
          {"gpus", net.cluster().gpus},
          {"groups", r.groups.size()},
          {"group_size", r.groups.front().size()},
          {"placement", r.placement},
          {"topology", net.cluster().topology},
          {"routing", net.cluster().routing},
          {"results", results}};
}

}  // namespace colossim
