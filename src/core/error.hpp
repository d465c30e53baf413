// The three kinds of failure (see STYLE.md):
//  - bad user input: throw InputError; cli/ catches it once, prints what() on one line, exits 2;
//  - an expected outcome ("does not fit in 80 GiB"): a value (Verdict / std::optional), not a
//  throw;
//  - a broken invariant: assert.
#pragma once

#include <stdexcept>
#include <string>

namespace colossim {

class InputError : public std::runtime_error {
 public:
  // `where` is the file (or "scenario"), `key` the dotted key path, `expected` what was wanted.
  InputError(const std::string& where, const std::string& key, const std::string& expected)
      : std::runtime_error(where + ": " + (key.empty() ? std::string() : key + ": ") + expected),
        where_(where),
        key_(key) {}
  [[nodiscard]] const std::string& where() const { return where_; }
  [[nodiscard]] const std::string& key() const { return key_; }

 private:
  std::string where_;
  std::string key_;
};

}  // namespace colossim
