// Output formats, registered by name for each result struct of the facade (app/app.hpp): a face
// asks `render(result, "json")` and never branches on the format itself. Adding a format to a
// result is one renderer and one line in its list (report/renderers.cpp).
//
// Contract: renderers are pure functions of the result; they compute nothing the result does
// not hold (no simulation, no collective). Output ends with a newline. An unknown format throws
// InputError naming `--format` and the formats the result has.
#pragma once

#include <string>
#include <vector>

#include "app/app.hpp"
#include "core/error.hpp"

namespace colossim {

template <class Result>
struct Renderer {
  std::string format;  // text | json | csv | trace
  std::string (*render)(const Result&);
};

// Each result's renderers (specialised in report/renderers.cpp for every result of app/).
template <class Result>
[[nodiscard]] const std::vector<Renderer<Result>>& renderers();

template <class Result>
[[nodiscard]] std::vector<std::string> formats() {
  std::vector<std::string> names;
  for (const auto& r : renderers<Result>()) names.push_back(r.format);
  return names;
}

template <class Result>
[[nodiscard]] std::string render(const Result& result, const std::string& format) {
  std::string names;
  for (const auto& r : renderers<Result>()) {
    if (r.format == format) return r.render(result);
    names += (names.empty() ? "" : ", ") + r.format;
  }
  throw InputError("--format", format, "expected one of: " + names);
}

template <>
const std::vector<Renderer<app::Simulation>>& renderers();
template <>
const std::vector<Renderer<app::SharedCluster>>& renderers();
template <>
const std::vector<Renderer<app::PlanRanking>>& renderers();
template <>
const std::vector<Renderer<app::AgainstPublished>>& renderers();
template <>
const std::vector<Renderer<app::Sweep>>& renderers();
// The sweep's CSV as its header line and then one line per grid point, in order (what the
// "csv" renderer joins; MPI ranks each render their own points).
[[nodiscard]] std::vector<std::string> sweep_csv_lines(const app::Sweep& sweep);
template <>
const std::vector<Renderer<app::RunReport>>& renderers();
template <>
const std::vector<Renderer<app::FacilityResult>>& renderers();
template <>
const std::vector<Renderer<app::Comparison>>& renderers();
template <>
const std::vector<Renderer<app::Claims>>& renderers();
template <>
const std::vector<Renderer<app::BringupResult>>& renderers();
template <>
const std::vector<Renderer<app::Design>>& renderers();
template <>
const std::vector<Renderer<app::ClusterView>>& renderers();
template <>
const std::vector<Renderer<app::CollectiveRun>>& renderers();
template <>
const std::vector<Renderer<ValidationReport>>& renderers();
template <>
const std::vector<Renderer<app::CatalogView>>& renderers();

}  // namespace colossim
