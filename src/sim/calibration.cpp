#include "sim/calibration.hpp"

#include "core/config.hpp"
#include "core/embedded_data.hpp"

namespace colossim {

Calibration Calibration::builtin() {
  const auto& files = embedded_files();
  const auto it = files.find("calibration.yaml");
  if (it == files.end()) throw InputError("data/calibration.yaml", "", "built-in data file is missing");
  const ConfigNode root = ConfigNode::parse(std::string(it->second), "data/calibration.yaml");
  Calibration c;
  const ConfigNode archs = root.child("architectures");
  for (const auto& name : archs.keys()) {
    const ConfigNode n = archs.child(name);
    ArchCalibration a;
    a.gemm_efficiency = n.number("gemm_efficiency");
    a.gemm_efficiency_fp8 = n.number("gemm_efficiency_fp8");
    a.gemm_k_half = n.number("gemm_k_half");
    a.attention_fwd_efficiency = n.number("attention_fwd_efficiency");
    a.attention_bwd_efficiency = n.number("attention_bwd_efficiency");
    a.attention_seq_half = n.number("attention_seq_half");
    a.triton_attention_factor = n.number("triton_attention_factor");
    a.memory_efficiency = n.number("memory_efficiency");
    a.kernel_overhead_us = n.number("kernel_overhead_us");
    a.tp_overlap_exposed = n.number("tp_overlap_exposed");
    a.network.nvlink_efficiency = n.number("nvlink_efficiency");
    a.network.network_efficiency = n.number("network_efficiency");
    a.network.nvlink_latency = Seconds(n.number("nvlink_latency_us") * 1e-6);
    c.architectures[name] = a;
  }
  return c;
}

const ArchCalibration& Calibration::for_architecture(const std::string& arch) const {
  auto it = architectures.find(arch);
  if (it == architectures.end()) {
    throw InputError("data/calibration.yaml", "architectures." + arch, "no calibration for this GPU architecture");
  }
  return it->second;
}

std::vector<CalibrationParameter> calibration_parameters() {
  return {
      {"gemm_efficiency", &ArchCalibration::gemm_efficiency, 0.5, 0.95},
      {"gemm_efficiency_fp8", &ArchCalibration::gemm_efficiency_fp8, 0.35, 0.9},
      {"gemm_k_half", &ArchCalibration::gemm_k_half, 0, 512},
      {"attention_fwd_efficiency", &ArchCalibration::attention_fwd_efficiency, 0.2, 0.85},
      {"attention_bwd_efficiency", &ArchCalibration::attention_bwd_efficiency, 0.15, 0.8},
      {"attention_seq_half", &ArchCalibration::attention_seq_half, 0, 4096},
      {"triton_attention_factor", &ArchCalibration::triton_attention_factor, 0.3, 1.0},
      {"memory_efficiency", &ArchCalibration::memory_efficiency, 0.5, 0.95},
      {"kernel_overhead_us", &ArchCalibration::kernel_overhead_us, 0, 20},
      {"tp_overlap_exposed", &ArchCalibration::tp_overlap_exposed, 0, 1},
  };
}

double& network_field(ArchCalibration& a, const std::string& name) {
  if (name == "nvlink_efficiency") return a.network.nvlink_efficiency;
  return a.network.network_efficiency;
}

}  // namespace colossim
