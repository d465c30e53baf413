// The hardware catalog: GPUs, nodes and NICs with a cited source for every figure.
// The data lives in data/hardware/*.yaml (compiled into the binary); this layer only reads it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/units.hpp"

namespace colossim {

enum class Precision { bf16, fp8 };

struct Gpu {
  std::string id;
  std::string name;
  std::string architecture;  // ampere | hopper | blackwell: selects calibrated efficiencies
  int sms = 0;               // streaming multiprocessors (wave quantisation of GEMMs)
  FlopsPerSecond peak_bf16;  // dense tensor-core peak
  std::optional<FlopsPerSecond> peak_fp8;  // dense; absent where the GPU has no FP8 tensor cores
  Bytes hbm;
  BytesPerSecond hbm_bandwidth;
  BytesPerSecond nvlink_bandwidth;  // per GPU, per direction
  BytesPerSecond host_bandwidth;    // to host memory, per direction (PCIe, or NVLink-C2C)
  Watts tdp;
  // The board power limit the GPU runs under (nvidia-smi -pl): its TDP unless the scenario
  // caps it (cluster.gpu_power_limit_w).
  Watts power_limit;
  std::string node;  // the usual node id
  std::string source;

  // Held below its TDP (Gpu::power_limit).
  [[nodiscard]] bool capped() const { return power_limit < tdp; }
  [[nodiscard]] FlopsPerSecond peak(Precision p) const {
    return p == Precision::fp8 && peak_fp8 ? *peak_fp8 : peak_bf16;
  }
};

struct Nic {
  std::string id;
  std::string name;
  BytesPerSecond bandwidth;  // per port, per direction
  std::string fabric;
  Seconds latency;
  // The network latency the NIC's NCCL transport reports to NCCL's tuner (added to each network
  // step, twice for Simple): 0 for NCCL's own InfiniBand/RoCE transport; set by net plugins.
  Seconds nccl_latency;
  int switch_radix = 64;         // ports at this speed on the fabric's usual switch
  std::string routing = "ecmp";  // how the fabric family routes by default (net/fabric_network.hpp)
  std::string source;
};

struct Node {
  std::string id;
  std::string name;
  int gpus = 8;           // GPUs per node (server or tray)
  int nvlink_domain = 8;  // GPUs sharing one NVLink/NVSwitch domain
  std::string nic;
  int nics_per_gpu = 1;
  double power_kw = 0;
  int rack_gpus = 32;  // GPUs per rack in the reference design
  // The host CPU's time per framework operation launched, relative to the x86 hosts the
  // stacks' launch costs were measured on (data/stacks.yaml host_us).
  double host_slowdown = 1;
  std::string source;
};

class Catalog {
 public:
  // The catalog compiled into the binary from data/hardware/.
  static Catalog builtin();

  [[nodiscard]] const Gpu* find_gpu(const std::string& id) const;
  [[nodiscard]] const Node* find_node(const std::string& id) const;
  [[nodiscard]] const Nic* find_nic(const std::string& id) const;
  // NIC of a fabric family at a given speed, e.g. ("spectrum-x", 400 Gb/s).
  [[nodiscard]] const Nic* find_nic_by_speed(BytesPerSecond bw,
                                             const std::string& prefer_fabric) const;

  [[nodiscard]] const std::vector<Gpu>& gpus() const { return gpus_; }
  [[nodiscard]] const std::vector<Node>& nodes() const { return nodes_; }
  [[nodiscard]] const std::vector<Nic>& nics() const { return nics_; }
  [[nodiscard]] std::string gpu_ids() const;  // "a100-sxm-40gb, ..." for error messages

 private:
  std::vector<Gpu> gpus_;
  std::vector<Node> nodes_;
  std::vector<Nic> nics_;
};

}  // namespace colossim
