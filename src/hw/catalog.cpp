#include "hw/catalog.hpp"

#include <cmath>
#include <string>

#include "core/config.hpp"

namespace colossim {
namespace {

ConfigNode embedded(const std::string& rel) {
  auto node = ConfigNode::embedded(rel);
  if (!node) throw InputError("data/" + rel, "", "built-in data file is missing");
  return *node;
}

FlopsPerSecond rate(const ConfigNode& n, const std::string& key) {
  try {
    return parse_flops_rate(n.str(key));
  } catch (const std::invalid_argument& e) {
    n.fail(key, e.what());
  }
}

}  // namespace

Catalog Catalog::builtin() {
  Catalog c;
  for (const auto& g : embedded("hardware/gpus.yaml").child("gpus").items()) {
    Gpu gpu;
    gpu.id = g.str("id");
    gpu.name = g.str("name");
    gpu.architecture = g.str("architecture");
    gpu.sms = static_cast<int>(g.positive_integer("sms"));
    gpu.peak_bf16 = rate(g, "peak_bf16");
    if (g.has("peak_fp8")) gpu.peak_fp8 = rate(g, "peak_fp8");
    gpu.hbm = g.bytes("hbm");
    gpu.hbm_bandwidth = g.bandwidth("hbm_bandwidth");
    gpu.nvlink_bandwidth = g.bandwidth("nvlink_bandwidth");
    gpu.host_bandwidth = g.bandwidth("host_bandwidth");
    gpu.tdp = Watts(g.number("tdp_w"));
    gpu.power_limit = gpu.tdp;
    gpu.node = g.str("node");
    gpu.source = g.str("source");
    c.gpus_.push_back(gpu);
  }
  for (const auto& n : embedded("hardware/nodes.yaml").child("nodes").items()) {
    Node node;
    node.id = n.str("id");
    node.name = n.str("name");
    node.gpus = static_cast<int>(n.positive_integer("gpus"));
    node.nvlink_domain = static_cast<int>(n.positive_integer("nvlink_domain"));
    node.nic = n.str("nic");
    node.nics_per_gpu = static_cast<int>(n.positive_integer("nics_per_gpu"));
    node.power_kw = n.number("power_kw");
    node.rack_gpus = static_cast<int>(n.positive_integer("rack_gpus"));
    node.host_slowdown = n.has("host_slowdown") ? n.number("host_slowdown") : 1.0;
    if (!(node.host_slowdown >= 0.1 && node.host_slowdown <= 10))
      n.fail("host_slowdown", "a factor from 0.1 to 10");
    node.source = n.str("source");
    c.nodes_.push_back(node);
  }
  for (const auto& n : embedded("hardware/nics.yaml").child("nics").items()) {
    Nic nic;
    nic.id = n.str("id");
    nic.name = n.str("name");
    nic.bandwidth = n.bandwidth("bandwidth");
    nic.fabric = n.str("fabric");
    nic.latency = n.duration("latency");
    nic.nccl_latency = n.has("nccl_latency") ? n.duration("nccl_latency") : Seconds(0);
    nic.switch_radix = static_cast<int>(n.positive_integer("switch_radix"));
    // A name of topology/'s routing policies, checked there (fabric_problem) and by a test.
    nic.routing = n.str_or("routing", "ecmp");
    nic.source = n.str("source");
    c.nics_.push_back(nic);
  }
  return c;
}

namespace {

template <class T>
const T* find_by_id(const std::vector<T>& items, const std::string& id) {
  for (const auto& item : items) {
    if (item.id == id) return &item;
  }
  return nullptr;
}

}  // namespace

const Gpu* Catalog::find_gpu(const std::string& id) const { return find_by_id(gpus_, id); }
const Node* Catalog::find_node(const std::string& id) const { return find_by_id(nodes_, id); }
const Nic* Catalog::find_nic(const std::string& id) const { return find_by_id(nics_, id); }

const Nic* Catalog::find_nic_by_speed(BytesPerSecond bw, const std::string& prefer_fabric) const {
  const Nic* best = nullptr;
  for (const auto& n : nics_) {
    if (std::fabs(n.bandwidth.value() - bw.value()) > 1.0) continue;
    if (best == nullptr || n.fabric == prefer_fabric) best = &n;
  }
  return best;
}

std::string Catalog::gpu_ids() const {
  std::string out;
  for (const auto& g : gpus_) out += (out.empty() ? "" : ", ") + g.id;
  return out;
}

}  // namespace colossim
