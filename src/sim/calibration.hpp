// The calibrated constants of the cost model (data/calibration.yaml), one set per GPU
// architecture. Field meanings and sources are documented in that file.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "net/network.hpp"

namespace colossim {

struct ArchCalibration {
  double gemm_efficiency = 0.75;
  double gemm_efficiency_fp8 = 0.65;
  double gemm_k_half = 64;
  double gemm_k_half_fp8 = 64;
  // Fraction of HBM bandwidth a GEMM bound by its operands' traffic streams them at.
  double gemm_memory_efficiency = 0.8;
  double attention_fwd_efficiency = 0.55;
  double attention_bwd_efficiency = 0.42;
  double attention_seq_half = 512;      // forward
  double attention_bwd_seq_half = 512;  // backward
  // Exponentials the special-function units compute per dense BF16 tensor-core FLOP.
  double attention_exp_rate = 1.0 / 256;
  double flash2_attention_factor = 1.0;
  double triton_attention_factor = 0.6;
  double flash_v1_attention_factor = 0.5;
  double memory_efficiency = 0.8;
  double kernel_overhead_us = 4;
  double tp_overlap_exposed = 0.2;
  // How much longer a training step's kernels take than the same kernels measured alone.
  double step_slowdown = 1.0;
  // Time the GPU stands between two kernels of a training step, per kernel launched.
  double kernel_gap_us = 0;
  double nvlink_efficiency = 0.8;
  double network_efficiency = 0.9;
  // The same for a collective with one GPU in each NVLink domain (a DP group under TP 8).
  double network_efficiency_one_per_node = 0.9;
  // The same for the bytes an all-to-all sends across NVLink domains.
  double network_efficiency_all_to_all = 0.9;
  double nvlink_latency_us = 3;
  // Under a power limit below TDP, the fraction of power given up over the fraction of
  // compute speed lost (cluster.gpu_power_limit_w).
  double power_elasticity = 1.27;
  // Constants that are measured figures (cited in the data file), never fitted.
  std::set<std::string> measured;
  [[nodiscard]] NetworkCalibration network() const {
    return {nvlink_efficiency, network_efficiency, Seconds(nvlink_latency_us * 1e-6),
            network_efficiency_one_per_node, network_efficiency_all_to_all};
  }
};

struct Calibration {
  std::map<std::string, ArchCalibration> architectures;
  // The built-in set (data/calibration.yaml).
  static Calibration builtin();
  // Throws InputError for an architecture with no calibration.
  [[nodiscard]] const ArchCalibration& for_architecture(const std::string& arch) const;
};

// Every constant by its name in data/calibration.yaml, with the range the fit may explore.
struct CalibrationParameter {
  std::string name;
  double ArchCalibration::*field;
  double lo, hi;  // plausible range
};
[[nodiscard]] const std::vector<CalibrationParameter>& calibration_parameters();

}  // namespace colossim
