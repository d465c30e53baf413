// The text and JSON of several jobs on one cluster (app::SharedCluster, `simulate` of a file
// with `jobs:`): each job's step alone and beside the others, and what slowed it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "app/app.hpp"

namespace colossim {

[[nodiscard]] std::string shared_cluster_text(const app::SharedCluster& r);
[[nodiscard]] nlohmann::json shared_cluster_json(const app::SharedCluster& r);

}  // namespace colossim
