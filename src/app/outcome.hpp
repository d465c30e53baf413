// An expected "no" as a value: a plan that cannot run, does not fit, or no plan at all for the
// open keys. Faces show the refusal (the command line prints `file: reason` and exits 2); bad
// input is not a refusal but an InputError, thrown.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace colossim::app {

struct Refusal {
  std::string file;    // the scenario it concerns
  std::string reason;  // one line
  [[nodiscard]] std::string line() const { return file + ": " + reason; }
};

template <class T>
class Outcome {
 public:
  Outcome(T value) : value_(std::move(value)) {}              // NOLINT(google-explicit-constructor)
  Outcome(Refusal refusal) : refusal_(std::move(refusal)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  // Contract: only when ok().
  [[nodiscard]] const T& value() const {
    assert(ok());
    return *value_;
  }
  [[nodiscard]] T& value() {
    assert(ok());
    return *value_;
  }
  const T& operator*() const { return value(); }
  const T* operator->() const { return &value(); }
  // Contract: only when !ok().
  [[nodiscard]] const Refusal& refusal() const {
    assert(!ok());
    return refusal_;
  }

 private:
  std::optional<T> value_;
  Refusal refusal_;
};

}  // namespace colossim::app
