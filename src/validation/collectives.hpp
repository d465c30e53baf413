// Validation of the collective model against measured nccl-tests tables
// (validation/collectives.json, the format of ../shared/validation/collectives.json): every row
// is rebuilt as a cluster of its GPUs, node and fabric, the collective is run on the generated
// fabric over one group of all the row's GPUs (the algorithm NCCL was forced to use where the
// source says so, else the model's own choice), and the bus bandwidth is compared with the
// measured one. Each row also counts in three groupings: the scope (one NVLink domain, 2-16
// domains, more), the size class and the collective.
#pragma once

#include <string>
#include <vector>

#include "hw/catalog.hpp"
#include "sim/calibration.hpp"
#include "validation/validate.hpp"

namespace colossim {

// What a row describes, in colossim's terms.
struct CollectiveCase {
  std::string id;
  std::string source;
  std::string gpu;  // catalog id
  std::string nic;  // catalog id ("" for one NVLink domain: the GPU's usual NIC)
  double nic_gbps = 0;  // per GPU, Gb/s, where the row gives it (0: the NIC's own)
  long long gpus = 0;
  int gpus_per_node = 8;
  std::string op;                   // net/ collective name
  double size_bytes = 0;            // nccl-tests' size column
  std::string algorithm;            // "auto" or the algorithm the source forced
  std::string nccl_version;         // the release measured ("" = the model's newest)
  double busbw_gbps = 0;            // measured, GB/s
  std::vector<std::string> groups;  // scope, size class, op
};

// Reads a table; throws InputError naming the file, row and key for anything it cannot map (an
// unknown GPU or fabric names the ones it knows).
[[nodiscard]] std::vector<CollectiveCase> read_collective_table(const std::string& file);

// Predicted vs measured bus bandwidth of one row (metric "busbw_gbps").
[[nodiscard]] CaseResult validate_collective(const CollectiveCase& c, const Catalog& catalog,
                                             const Calibration& calibration);

}  // namespace colossim
