#include "report/fabric_report.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace colossim {
namespace {

std::string tier_names(const app::ClusterView& v) {
  std::string out;
  for (const auto& t : v.switch_tiers) out += (out.empty() ? "" : "/") + t.name;
  return out;
}

}  // namespace

nlohmann::json cluster_json(const app::ClusterView& v) {
  const Cluster& c = v.scenario.cluster;
  const FabricSize& size = v.size;
  nlohmann::json tiers = nlohmann::json::array();
  for (const auto& t : v.switch_tiers) {
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
          {"hosts_per_leaf", v.hosts_per_leaf},
          {"oversubscription", c.oversubscription},
          {"tiers", v.tiers},
          {"rail_planes", v.planes},
          {"switch_tiers", tiers},
          {"switches_by_tier", size.switches},
          {"switches", size.total_switches},
          {"optical_links", size.optical_links},
          {"copper_links", size.copper_links},
          {"transceivers", size.transceivers},
          {"host_bandwidth_tbytes_per_s",
           static_cast<double>(c.gpus) * c.nic_bandwidth.value() / 1e12}};
}

std::string cluster_text(const app::ClusterView& v) {
  const Cluster& c = v.scenario.cluster;
  const FabricSize& size = v.size;
  std::string out = fmt::format("colossim cluster: {}\n\n", v.scenario.name);
  out +=
      fmt::format("  {} x {} in {} nodes of {} ({}), {} racks of {} GPUs, NVLink domains of {}\n",
                  c.gpus, c.gpu.id, c.nodes(), c.gpus_per_node, c.node.id, c.gpus / c.gpus_per_rack,
                  c.gpus_per_rack, c.nvlink_domain);
  out += fmt::format("  {} NICs ({}) at {:.0f} Gb/s; {} fabric, {} routing\n", size.ports, c.nic.id,
                     size.link_gbps, c.topology, c.routing);
  out += fmt::format(
      "  {} tiers ({}) of {}-port switches{}; {} GPU ports per leaf; top tier 1:{:g}\n", v.tiers,
      tier_names(v), c.radix(), v.rail_optimized ? fmt::format(", {} rail planes", v.planes) : "",
      v.hosts_per_leaf, c.oversubscription);
  out += fmt::format("    {:<6} {:>9} {:>12} {:>10} {:>16}\n", "tier", "switches", "ports used",
                     "uplinks", "bisection TB/s");
  out += fmt::format("    {:<6} {:>9} {:>12} {:>10} {:>16.1f}\n", "hosts", "", c.gpus, c.gpus,
                     static_cast<double>(c.gpus) * c.nic_bandwidth.value() / 2 / 1e12);
  for (const auto& t : v.switch_tiers) {
    out += fmt::format("    {:<6} {:>9} {:>12} {:>10} {:>16}\n", t.name, t.switches, t.ports,
                       t.uplinks,
                       t.uplinks > 0 ? fmt::format("{:.1f}", t.bisection_bytes / 1e12) : "-");
  }
  out += fmt::format("  {} switches, {} optical and {} copper links, {} transceivers\n",
                     size.total_switches, size.optical_links, size.copper_links, size.transceivers);
  return out;
}

std::string collective_text(const app::CollectiveRun& r) {
  const Cluster& c = r.cluster;
  std::string out = fmt::format(
      "# {}, {} group{} of {} ({}) at once on {} x {}: {} fabric, {} tier{}, {} routing, 1:{:g} "
      "top tier\n",
      to_string(r.op), r.groups.size(), r.groups.size() == 1 ? "" : "s", r.groups.front().size(),
      r.placement, c.gpus, c.gpu.id, c.topology, r.fabric_tiers, r.fabric_tiers == 1 ? "" : "s",
      c.routing, c.oversubscription);
  out += fmt::format("{:>14} {:>16} {:>12} {:>12} {:>12}\n", "size (B)", "algorithm", "time (us)",
                     "algbw (GB/s)", "busbw (GB/s)");
  for (const auto& row : r.rows) {
    const std::string algorithm =
        row.result.algorithm +
        (row.result.protocol.empty() ? std::string() : "/" + row.result.protocol);
    out += fmt::format("{:>14.0f} {:>16} {:>12.1f} {:>12.2f} {:>12.2f}\n", row.size.value(),
                       algorithm, row.result.time.value() * 1e6, row.algbw_gbps, row.busbw_gbps);
  }
  if (!r.rows.empty()) {
    const auto& last = r.rows.back();
    out += fmt::format("# links at {:.0f} B ({} flows):", last.size.value(), last.result.flows);
    for (size_t t = 0; t < kLinkTiers; ++t) {
      const TierUse& use = last.tiers[t];
      if (use.links == 0) continue;
      out += fmt::format(" {} {} in use, {:.0f}% busy (peak {:.0f}%);", tier_name[t], use.links,
                         100 * use.mean, 100 * use.peak);
    }
    out.back() = '\n';
  }
  return out;
}

nlohmann::json collective_json(const app::CollectiveRun& r) {
  nlohmann::json results = nlohmann::json::array();
  for (const auto& row : r.rows) {
    nlohmann::json tiers = nlohmann::json::array();
    for (size_t k = 0; k < kLinkTiers; ++k) {
      const TierUse& use = row.tiers[k];
      if (use.links == 0) continue;
      tiers.push_back({{"tier", tier_name[k]},
                       {"links_used", use.links},
                       {"bytes", use.bytes},
                       {"mean_utilisation", use.mean},
                       {"peak_utilisation", use.peak}});
    }
    results.push_back({{"size_bytes", row.size.value()},
                       {"algorithm", row.result.algorithm},
                       {"protocol", row.result.protocol},
                       {"latency_s", row.result.latency.value()},
                       {"time_s", row.result.time.value()},
                       {"algbw_gbyte_s", row.algbw_gbps},
                       {"busbw_gbyte_s", row.busbw_gbps},
                       // Before the unit suffixes were made one vocabulary (GB/s under a
                       // Gb/s-looking name); kept one release.
                       {"algbw_gbps", row.algbw_gbps},
                       {"busbw_gbps", row.busbw_gbps},
                       {"flows", row.result.flows},
                       {"links", tiers}});
  }
  return {{"op", to_string(r.op)},        {"gpus", r.cluster.gpus},
          {"groups", r.groups.size()},    {"group_size", r.groups.front().size()},
          {"placement", r.placement},     {"topology", r.cluster.topology},
          {"routing", r.cluster.routing}, {"results", results}};
}

}  // namespace colossim
