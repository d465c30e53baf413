// What `colossim cluster` and `colossim collective` print: the fabric's bill of materials, and
// collectives on it reported the way nccl-tests reports them, with per-tier link utilisation.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "net/collectives.hpp"
#include "scenario/scenario.hpp"

namespace colossim {

[[nodiscard]] std::string cluster_text(const Scenario& s);
[[nodiscard]] nlohmann::json cluster_json(const Scenario& s);

struct CollectiveRequest {
  Collective op = Collective::all_reduce;
  std::string algorithm = "auto";
  std::vector<Bytes> sizes;
  RankGroups groups;
  std::string placement;  // how the groups were formed, for the header
};

struct CollectiveRow {
  Bytes size;
  CollectiveResult result;
};

// Runs every size; the caller has checked that the algorithm supports the request.
[[nodiscard]] std::vector<CollectiveRow> run_collectives(const FabricNetwork& net,
                                                         const CollectiveRequest& request);
[[nodiscard]] std::string collective_text(const FabricNetwork& net, const CollectiveRequest& r,
                                          const std::vector<CollectiveRow>& rows);
[[nodiscard]] nlohmann::json collective_json(const FabricNetwork& net, const CollectiveRequest& r,
                                             const std::vector<CollectiveRow>& rows);

}  // namespace colossim
