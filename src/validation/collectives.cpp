#include "validation/collectives.hpp"

#include <fmt/format.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "net/collectives.hpp"
#include "net/fabric_network.hpp"
#include "net/nccl_model.hpp"
#include "scenario/scenario.hpp"

namespace colossim {
namespace {

// The tables name GPUs and fabrics as their sources do; these are the catalog's.
const std::map<std::string, std::string>& gpu_ids() {
  static const std::map<std::string, std::string> ids = {
      {"A100 SXM4 40GB", "a100-sxm-40gb"},  {"A100 SXM4 80GB", "a100-sxm-80gb"},
      {"H100 SXM5 80GB", "h100-sxm-80gb"},  {"H800 SXM5 80GB", "h800-sxm-80gb"},
      {"H200 SXM 141GB", "h200-sxm-141gb"}, {"B200", "b200"},
      {"GB200 (NVL72 rack)", "gb200"}};
  return ids;
}

const std::map<std::string, std::string>& nic_ids() {
  static const std::map<std::string, std::string> ids = {{"nvlink", ""},
                                                         {"efa", "efa-400"},
                                                         {"infiniband-ndr", "cx7-ndr-400"},
                                                         {"infiniband-hdr", "cx6-hdr-200"},
                                                         {"roce", "cx7-roce-400"},
                                                         {"spectrum-x", "bf3-roce-400"}};
  return ids;
}

std::string keys_of(const std::map<std::string, std::string>& m) {
  std::string out;
  for (const auto& [k, v] : m) out += (out.empty() ? "" : ", ") + k;
  return out;
}

std::string size_class(double bytes) {
  const double mib = bytes / (1024.0 * 1024.0);
  if (mib < 64) return "size: under 64 MiB";
  if (mib < 1024) return "size: 64 MiB - 1 GiB";
  return "size: 1 GiB and more";
}

std::string scope_of(long long gpus, int per_domain) {
  const long long domains = (gpus + per_domain - 1) / per_domain;
  if (domains <= 1) return "scope: one NVLink domain";
  if (domains <= 16) return "scope: 2-16 NVLink domains";
  return "scope: more than 16 NVLink domains";
}

template <class T>
T field(const nlohmann::json& row, const std::string& where, const char* key) {
  if (!row.contains(key) || row[key].is_null())
    throw InputError(where, key, "required key is missing");
  try {
    return row[key].get<T>();
  } catch (const nlohmann::json::exception&) {
    throw InputError(where, key, "expected a value of the right type");
  }
}

}  // namespace

std::vector<CollectiveCase> read_collective_table(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw InputError(file, "", "cannot read the file (does it exist?)");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(file, "", std::string("expected JSON: ") + e.what());
  }
  if (!j.contains("rows") || !j["rows"].is_array())
    throw InputError(file, "rows", "expected a list of measured rows");
  std::vector<CollectiveCase> out;
  for (size_t i = 0; i < j["rows"].size(); ++i) {
    const auto& row = j["rows"][i];
    const std::string where = fmt::format("{}: rows[{}]", file, i);
    CollectiveCase c;
    c.id = field<std::string>(row, where, "id");
    c.source = row.value("source", "");
    const auto gpu = gpu_ids().find(field<std::string>(row, where, "gpu"));
    if (gpu == gpu_ids().end())
      throw InputError(where, "gpu", "expected one of: " + keys_of(gpu_ids()));
    c.gpu = gpu->second;
    const auto nic = nic_ids().find(field<std::string>(row, where, "fabric"));
    if (nic == nic_ids().end())
      throw InputError(where, "fabric", "expected one of: " + keys_of(nic_ids()));
    c.nic = nic->second;
    c.gpus = field<long long>(row, where, "gpus");
    c.gpus_per_node = field<int>(row, where, "gpus_per_node");
    c.op = field<std::string>(row, where, "op");
    if (!find_collective(c.op))
      throw InputError(where, "op", "expected one of: " + collective_names());
    c.size_bytes = field<double>(row, where, "size_bytes");
    if (row.contains("nic_gbps") && row["nic_gbps"].is_number()) {
      c.nic_gbps = row["nic_gbps"].get<double>();
      if (!(c.nic_gbps > 0 && c.nic_gbps <= 100000))
        throw InputError(where, "nic_gbps", "expected a positive number of Gb/s per GPU");
    }
    if (row.contains("nccl_version") && row["nccl_version"].is_string()) {
      c.nccl_version = row["nccl_version"].get<std::string>();
      if (auto problem = nccl_release_problem(c.nccl_version))
        throw InputError(where, "nccl_version", *problem);
    }
    c.busbw_gbps = field<double>(row, where, "busbw_gbps");
    c.algorithm = row.contains("nccl_algo") && row["nccl_algo"].is_string()
                      ? row["nccl_algo"].get<std::string>()
                      : "auto";
    if (c.gpus < 2 || c.gpus_per_node < 1 || c.size_bytes <= 0 || c.busbw_gbps <= 0)
      throw InputError(where, "gpus", "expected 2 or more GPUs and positive sizes and bandwidths");
    const int domain = row.value("nvlink_domain_size", c.gpus_per_node);
    c.groups = {scope_of(c.gpus, std::min(domain, c.gpus_per_node)), size_class(c.size_bytes),
                "op: " + c.op};
    out.push_back(std::move(c));
  }
  return out;
}

CaseResult validate_collective(const CollectiveCase& c, const Catalog& catalog,
                               const Calibration& calibration) {
  CaseResult r;
  r.id = c.id;
  r.group = c.groups.front();
  r.also_in = {c.groups.begin() + 1, c.groups.end()};
  r.file = c.source;
  r.source = c.source;
  r.metric = "busbw_gbps";
  r.measured = c.busbw_gbps;
  // The row's GPUs as a cluster: whole nodes of its GPU's usual node, or fewer GPUs of one node.
  // A row that uses fewer GPUs of each of several nodes (nccl-tests with one rank per node)
  // runs on whole nodes, the group taking the first gpus_per_node GPUs of each.
  long long node_gpus = c.gpus;
  if (const Gpu* gpu = catalog.find_gpu(c.gpu)) {
    if (const Node* node = catalog.find_node(gpu->node)) node_gpus = node->gpus;
  }
  const long long nodes = (c.gpus + c.gpus_per_node - 1) / c.gpus_per_node;
  const bool spread = nodes > 1 && c.gpus_per_node < node_gpus && c.gpus % c.gpus_per_node == 0;
  const long long cluster_gpus = spread ? nodes * node_gpus : c.gpus;
  std::string network;
  if (!c.nic.empty()) network += "nic: " + c.nic;
  if (!c.nic.empty() && c.nic_gbps > 0) network += fmt::format(", nic_gbps: {}", c.nic_gbps);
  if (!c.nccl_version.empty())
    network +=
        (network.empty() ? "" : ", ") + std::string("nccl_version: \"") + c.nccl_version + "\"";
  if (!network.empty()) network = ", network: {" + network + "}";
  const Scenario s = read_scenario_text(
      fmt::format("cluster: {{gpu: {}, gpus: {}{}}}\nmodel: {{preset: llama3-8b}}\n"
                  "training: {{global_batch: {}}}\n",
                  c.gpu, cluster_gpus, network, cluster_gpus),
      c.id, catalog);
  const Collective op = *find_collective(c.op);  // checked when the table was read
  if (auto problem = fabric_problem(s.cluster)) {
    r.refusal = "cluster." + problem->key + ": " + problem->expected;
    return r;
  }
  RankGroups groups(1);
  for (long long g = 0; g < c.gpus; ++g)
    groups.front().push_back(spread ? g / c.gpus_per_node * node_gpus + g % c.gpus_per_node : g);
  // NCCL's cost model on the physical fabric; what its tuner does not time (all-to-all) on the
  // fabric alone, with the calibrated link efficiencies and latencies.
  const NetworkCalibration links =
      calibration.for_architecture(s.cluster.gpu.architecture).network();
  const FabricNetwork physical = physical_fabric(s.cluster, links);
  auto result = run_nccl_collective(physical, op, Bytes(c.size_bytes), groups, c.algorithm);
  if (!result) {
    const FabricNetwork net = FabricNetwork(s.cluster, links).for_collective(op);
    const CollectiveAlgorithm* a =
        c.algorithm == "auto" ? nullptr : find_collective_algorithm(c.algorithm);
    if (c.algorithm != "auto" && (a == nullptr || a->unsupported(net, op, groups))) {
      r.refusal = "the model cannot run " + c.algorithm + " here";
      return r;
    }
    result = run_collective(net, op, Bytes(c.size_bytes), groups, c.algorithm);
  }
  r.predicted =
      c.size_bytes / result->time.value() / 1e9 * bus_factor(op, static_cast<double>(c.gpus));
  r.how = result->algorithm + (result->protocol.empty() ? "" : "/" + result->protocol);
  if (result->chunk.value() > 0)
    r.how += fmt::format(", {:.0f} KiB chunks at {:.0f}%", result->chunk.value() / 1024,
                         100 * result->chunk_efficiency);
  r.error = (r.predicted - r.measured) / r.measured;
  return r;
}

}  // namespace colossim
