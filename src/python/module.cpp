// `import colossim`: the library facade (app/app.hpp) from Python. Every function takes a
// scenario as a dict (the scenario file's structure), a path to a YAML file, YAML text, or None
// for the built-in default, and returns what the command's --json prints, as Python objects: a
// dict equal to `colossim simulate --json`, and so on. Bad input raises colossim.InputError (a
// ValueError) with the command's one-line message; a plan that cannot run raises
// colossim.Refused.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/app.hpp"
#include "report/render.hpp"
#include "scenario/scenario.hpp"

namespace py = pybind11;
using namespace colossim;

namespace {

struct RefusedError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A dict is written as JSON, which is YAML; a string is a path when such a file exists, else
// YAML text; None is the default scenario.
Scenario scenario_of(const py::object& given) {
  if (given.is_none()) return default_scenario(app::catalog());
  if (py::isinstance<py::dict>(given)) {
    const auto text = py::module_::import("json").attr("dumps")(given).cast<std::string>();
    return app::checked(read_scenario_text(text, "<dict>", app::catalog()));
  }
  if (py::isinstance<py::str>(given)) {
    const auto text = given.cast<std::string>();
    std::error_code ec;
    if (text.find('\n') == std::string::npos && std::filesystem::is_regular_file(text, ec))
      return app::load(text);
    return app::checked(read_scenario_text(text, "<text>", app::catalog()));
  }
  throw InputError("scenario", "", "a dict, a path, YAML text or None");
}

py::object from_json(const std::string& text) {
  return py::module_::import("json").attr("loads")(text);
}

template <class T>
py::object json_of(const app::Outcome<T>& outcome) {
  if (!outcome) throw RefusedError(outcome.refusal().line());
  return from_json(render(outcome.value(), "json"));
}

// A scenario with jobs: gives what `simulate` prints for it: each job alone and shared.
py::object simulate(const py::object& scenario) {
  const Scenario s = scenario_of(scenario);
  if (!s.jobs.empty()) return json_of(app::simulate_jobs(s));
  return json_of(app::simulate(s));
}

py::object plan(const py::object& scenario, int top) {
  app::PlanOptions options;
  options.top = top;
  return json_of(app::plan(scenario_of(scenario), options));
}

py::object reliability(const py::object& scenario, std::optional<int> trials,
                       std::optional<unsigned long long> seed) {
  app::ReliabilityOptions options;
  options.trials = trials;
  options.seed = seed;
  return json_of(app::reliability(scenario_of(scenario), options));
}

py::object facility(const py::object& scenario) {
  return json_of(app::facility(scenario_of(scenario)));
}

py::object collective(const py::object& scenario, const std::string& op,
                      const std::vector<std::string>& sizes, std::optional<long long> gpus,
                      const std::string& algorithm) {
  app::CollectiveOptions options;
  options.op = app::parse_collective(op);
  options.sizes = app::parse_sizes(sizes);
  options.gpus = gpus;
  options.algorithm = algorithm;
  return from_json(render(app::collective(scenario_of(scenario), options), "json"));
}

// One row per point of the grid, as dicts pandas.DataFrame takes directly (the CSV's columns).
py::object sweep(const std::string& file, const py::dict& axes) {
  std::vector<app::SweepAxis> parsed;
  for (const auto& [key, values] : axes) {
    app::SweepAxis axis;
    axis.key = key.cast<std::string>();
    for (const auto& v : values) axis.values.push_back(py::str(v).cast<std::string>());
    parsed.push_back(axis);
  }
  const std::string csv = render(app::sweep(file, parsed), "csv");
  const py::object reader = py::module_::import("csv").attr("DictReader")(
      py::module_::import("io").attr("StringIO")(csv));
  return py::module_::import("builtins").attr("list")(reader);
}

py::object validate(bool runs) {
  app::ValidateOptions options;
  options.runs = runs;
  return from_json(render(app::validate(options), "json"));
}

}  // namespace

PYBIND11_MODULE(colossim, m) {
  m.doc() = "colossim: AI training clusters simulated from first principles (the library facade)";
  py::register_exception<InputError>(m, "InputError", PyExc_ValueError);
  py::register_exception<RefusedError>(m, "Refused", PyExc_RuntimeError);
  m.def("simulate", &simulate, py::arg("scenario") = py::none(),
        "One training step and the run: the dict `colossim simulate --json` prints.");
  m.def("plan", &plan, py::arg("scenario") = py::none(), py::arg("top") = 5,
        "The fastest plans that fit: the dict `colossim plan --json` prints.");
  m.def("reliability", &reliability, py::arg("scenario") = py::none(),
        py::arg("trials") = py::none(), py::arg("seed") = py::none(),
        "The run with failures: the dict `colossim reliability --json` prints.");
  m.def("facility", &facility, py::arg("scenario") = py::none(),
        "Power, cooling and cost: the dict `colossim facility --json` prints.");
  m.def("collective", &collective, py::arg("scenario") = py::none(), py::arg("op") = "all-reduce",
        py::arg("sizes") = std::vector<std::string>{"1GiB"}, py::arg("gpus") = py::none(),
        py::arg("algorithm") = "auto",
        "One collective on the fabric, like nccl-tests: `colossim collective --json`.");
  m.def("sweep", &sweep, py::arg("file"), py::arg("axes"),
        "Every combination of {dotted key: [values]} on the scenario file (\"\" for the "
        "default): a list of dicts, one per point, the columns of `colossim sweep`.");
  m.def("validate", &validate, py::arg("runs") = false,
        "The validation cases (or the production runs): `colossim validate --json`.");
}
