// What `colossim cluster` and `colossim collective` print: the fabric's bill of materials, and
// collectives on it reported the way nccl-tests reports them, with per-tier link utilisation.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "app/app.hpp"

namespace colossim {

[[nodiscard]] std::string cluster_text(const app::ClusterView& v);
[[nodiscard]] nlohmann::json cluster_json(const app::ClusterView& v);
[[nodiscard]] std::string collective_text(const app::CollectiveRun& r);
[[nodiscard]] nlohmann::json collective_json(const app::CollectiveRun& r);

}  // namespace colossim
