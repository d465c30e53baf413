// The public record's claims about 100,000-H100 clusters, recomputed from the catalog, the
// default scenario and data/facility.yaml, each with the assumption behind colossim's figure.
#pragma once

#include <string>
#include <vector>

#include "hw/catalog.hpp"
#include "sim/calibration.hpp"

namespace colossim {

struct Claim {
  std::string claim;
  std::string stated;
  std::string computed;
  bool holds = false;  // computed within the tolerance of the stated figure
  std::string assumption;
};

[[nodiscard]] std::vector<Claim> check_claims(const Catalog& catalog,
                                              const Calibration& calibration);

}  // namespace colossim
