#include "net/network.hpp"

namespace colossim {

// Factories of the registered models, one per file.
std::unique_ptr<NetworkModel> make_bandwidth_model(const Cluster& cluster,
                                                   const NetworkCalibration& calibration);
std::unique_ptr<NetworkModel> make_fabric_model(const Cluster& cluster,
                                                const NetworkCalibration& calibration);

namespace {

struct Entry {
  NetworkModelInfo info;
  std::unique_ptr<NetworkModel> (*make)(const Cluster&, const NetworkCalibration&);
};

// Adding a network model: one file with its factory, one line here.
const std::vector<Entry>& registry() {
  static const std::vector<Entry> entries = {
      {{"bandwidth",
        "each collective at its algorithm's cost on the bottleneck link, no contention"},
       &make_bandwidth_model},
      {{"fabric",
        "every group of a collective at once on the generated fabric, flow by flow with "
        "contention"},
       &make_fabric_model},
  };
  return entries;
}

}  // namespace

std::vector<NetworkModelInfo> network_models() {
  std::vector<NetworkModelInfo> out;
  for (const auto& e : registry()) out.push_back(e.info);
  return out;
}

std::unique_ptr<NetworkModel> make_network(const std::string& name, const Cluster& cluster,
                                           const NetworkCalibration& calibration) {
  for (const auto& e : registry()) {
    if (e.info.name == name) return e.make(cluster, calibration);
  }
  return nullptr;
}

}  // namespace colossim
