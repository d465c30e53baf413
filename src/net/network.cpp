#include "net/network.hpp"

#include <algorithm>

#include "core/registry.hpp"

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

bool find_network_model(const std::string& name) {
  return find_named(network_models(), name) != nullptr;
}

std::string network_model_names() { return joined_names(network_models()); }

const std::vector<Collective>& collective_kinds() {
  static const std::vector<Collective> all = {Collective::all_reduce, Collective::all_gather,
                                              Collective::reduce_scatter, Collective::all_to_all,
                                              Collective::send_recv};
  return all;
}

std::string to_string(Collective kind) {
  switch (kind) {
    case Collective::all_reduce:
      return "all-reduce";
    case Collective::all_gather:
      return "all-gather";
    case Collective::reduce_scatter:
      return "reduce-scatter";
    case Collective::all_to_all:
      return "all-to-all";
    case Collective::send_recv:
      return "send-recv";
  }
  return "?";
}

double bus_factor(Collective kind, double n) {
  switch (kind) {
    case Collective::all_reduce:
      return 2 * (n - 1) / n;
    case Collective::all_gather:
    case Collective::reduce_scatter:
    case Collective::all_to_all:
      return (n - 1) / n;
    case Collective::send_recv:
      return 1;
  }
  return 1;
}

std::optional<Collective> find_collective(const std::string& name) {
  for (Collective k : collective_kinds()) {
    if (to_string(k) == name) return k;
  }
  return std::nullopt;
}

std::string collective_names() {
  std::string names;
  for (Collective k : collective_kinds()) names += (names.empty() ? "" : ", ") + to_string(k);
  return names;  // enum names, not a registry of entries
}

std::unique_ptr<NetworkModel> make_network(const std::string& name, const Cluster& cluster,
                                           const NetworkCalibration& calibration) {
  for (const auto& e : registry()) {
    if (e.info.name == name) return e.make(cluster, calibration);
  }
  return nullptr;
}

}  // namespace colossim
