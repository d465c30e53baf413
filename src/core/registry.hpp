// Helpers for the registries of swappable models (collective algorithms, pipeline schedules,
// fabric generators, network models): each is a list of entries with a `name`, and every list of
// names the faces show comes from it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace colossim {

// The entry called `name`, or nullptr.
template <class Entries>
[[nodiscard]] auto find_named(const Entries& entries, std::string_view name)
    -> decltype(&*std::begin(entries)) {
  for (const auto& e : entries) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

// "a, b, c": the names of the entries, in registry order.
template <class Entries>
[[nodiscard]] std::string joined_names(const Entries& entries) {
  std::string out;
  for (const auto& e : entries) out += (out.empty() ? "" : ", ") + std::string(e.name);
  return out;
}

// "a, b, c".
[[nodiscard]] inline std::string joined_strings(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace colossim
