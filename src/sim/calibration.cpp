#include "sim/calibration.hpp"

#include "core/config.hpp"
#include "core/registry.hpp"

namespace colossim {

Calibration Calibration::builtin() {
  const auto root = ConfigNode::embedded("calibration.yaml");
  if (!root) throw InputError("data/calibration.yaml", "", "built-in data file is missing");
  Calibration c;
  const ConfigNode archs = root->child("architectures");
  for (const auto& name : archs.keys()) {
    const ConfigNode n = archs.child(name);
    ArchCalibration a;
    for (const auto& p : calibration_parameters()) a.*(p.field) = n.number(p.name);
    if (n.has("measured")) {
      for (const auto& name : n.strings("measured")) {
        if (find_named(calibration_parameters(), name) == nullptr)
          n.fail("measured", "names of constants of this file (" +
                                 joined_names(calibration_parameters()) + ")");
        a.measured.insert(name);
      }
    }
    c.architectures[name] = a;
  }
  return c;
}

const ArchCalibration& Calibration::for_architecture(const std::string& arch) const {
  auto it = architectures.find(arch);
  if (it == architectures.end()) {
    throw InputError("data/calibration.yaml", "architectures." + arch,
                     "no calibration for this GPU architecture");
  }
  return it->second;
}

const std::vector<CalibrationParameter>& calibration_parameters() {
  static const std::vector<CalibrationParameter> params = {
      {"gemm_efficiency", &ArchCalibration::gemm_efficiency, 0.5, 0.95},
      {"gemm_efficiency_fp8", &ArchCalibration::gemm_efficiency_fp8, 0.35, 0.9},
      {"gemm_k_half", &ArchCalibration::gemm_k_half, 0, 512},
      {"gemm_k_half_fp8", &ArchCalibration::gemm_k_half_fp8, 0, 512},
      {"gemm_memory_efficiency", &ArchCalibration::gemm_memory_efficiency, 0.3, 0.95},
      {"attention_fwd_efficiency", &ArchCalibration::attention_fwd_efficiency, 0.2, 0.85},
      {"attention_bwd_efficiency", &ArchCalibration::attention_bwd_efficiency, 0.15, 0.8},
      {"attention_seq_half", &ArchCalibration::attention_seq_half, 0, 4096},
      {"attention_bwd_seq_half", &ArchCalibration::attention_bwd_seq_half, 0, 4096},
      {"attention_exp_rate", &ArchCalibration::attention_exp_rate, 1.0 / 1024, 1.0 / 64},
      {"flash2_attention_factor", &ArchCalibration::flash2_attention_factor, 0.3, 1.0},
      {"triton_attention_factor", &ArchCalibration::triton_attention_factor, 0.3, 1.0},
      {"flash_v1_attention_factor", &ArchCalibration::flash_v1_attention_factor, 0.3, 1.0},
      {"memory_efficiency", &ArchCalibration::memory_efficiency, 0.5, 0.95},
      {"kernel_overhead_us", &ArchCalibration::kernel_overhead_us, 0, 20},
      {"tp_overlap_exposed", &ArchCalibration::tp_overlap_exposed, 0, 1},
      {"step_slowdown", &ArchCalibration::step_slowdown, 1.0, 1.4},
      {"kernel_gap_us", &ArchCalibration::kernel_gap_us, 0, 20},
      {"nvlink_efficiency", &ArchCalibration::nvlink_efficiency, 0.5, 0.95},
      {"network_efficiency", &ArchCalibration::network_efficiency, 0.5, 0.98},
      {"network_efficiency_one_per_node", &ArchCalibration::network_efficiency_one_per_node, 0.5,
       0.99},
      {"network_efficiency_all_to_all", &ArchCalibration::network_efficiency_all_to_all, 0.5, 0.99},
      {"nvlink_latency_us", &ArchCalibration::nvlink_latency_us, 0.5, 20},
      {"power_elasticity", &ArchCalibration::power_elasticity, 1.0, 3.0},
  };
  return params;
}

}  // namespace colossim
