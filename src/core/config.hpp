// Reading hand-written YAML at a component boundary: required / defaulted / optional keys,
// each failure an InputError that names the file, the dotted key and what was expected.
//
// A ConfigNode is a cheap view (a YAML::Node plus where it came from). Keys that a reader
// never asks for are reported by check_no_unknown_keys(), so "tensor_paralel: 8" is an error
// rather than a silently ignored line.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/units.hpp"

namespace colossim {

class ConfigNode {
 public:
  ConfigNode(YAML::Node node, std::string file, std::string path)
      : node_(std::move(node)), file_(std::move(file)), path_(std::move(path)) {}

  // Parses YAML text; malformed YAML becomes an InputError naming the file and line.
  static ConfigNode parse(const std::string& text, const std::string& file);
  // Reads and parses a file; a missing or unreadable file is an InputError.
  static ConfigNode load_file(const std::string& path);
  // Parses a file of the built-in data/ (e.g. "hardware/gpus.yaml"); nullopt if there is none.
  static std::optional<ConfigNode> embedded(const std::string& relative_path);

  // This map laid over `base`: keys here win, maps merge key by key; file and path stay this
  // node's (a preset's values are defaults the user's file overrides).
  [[nodiscard]] ConfigNode over(const ConfigNode& base) const;

  [[nodiscard]] bool has(const std::string& key) const;
  [[nodiscard]] bool is_map() const { return node_.IsMap(); }
  [[nodiscard]] bool is_sequence() const { return node_.IsSequence(); }
  [[nodiscard]] bool is_scalar() const { return node_.IsScalar(); }
  [[nodiscard]] const std::string& file() const { return file_; }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string key_path(const std::string& key) const;

  // A child map or sequence; required throws if absent.
  [[nodiscard]] ConfigNode child(const std::string& key) const;
  [[nodiscard]] std::optional<ConfigNode> optional_child(const std::string& key) const;
  [[nodiscard]] std::vector<ConfigNode> items() const;  // a sequence's elements
  [[nodiscard]] std::vector<std::string> keys() const;  // a map's keys, in file order

  // Scalars. `what` describes the expected value for the error line ("a positive integer").
  [[nodiscard]] std::string str(const std::string& key) const;
  [[nodiscard]] std::string str_or(const std::string& key, const std::string& fallback) const;
  [[nodiscard]] double number(const std::string& key) const;
  [[nodiscard]] double number_or(const std::string& key, double fallback) const;
  [[nodiscard]] std::optional<double> optional_number(const std::string& key) const;
  [[nodiscard]] std::vector<double> numbers(const std::string& key) const;  // a list of numbers
  [[nodiscard]] std::vector<std::string> strings(const std::string& key) const;  // of names
  [[nodiscard]] long long integer(const std::string& key) const;
  [[nodiscard]] long long integer_or(const std::string& key, long long fallback) const;
  [[nodiscard]] std::optional<long long> optional_integer(const std::string& key) const;
  [[nodiscard]] long long positive_integer(const std::string& key) const;
  [[nodiscard]] long long positive_integer_or(const std::string& key, long long fallback) const;
  // A positive count that fits the program's int fields, at most `max`.
  [[nodiscard]] int count_or(const std::string& key, int fallback, int max) const;
  [[nodiscard]] bool boolean_or(const std::string& key, bool fallback) const;
  [[nodiscard]] std::optional<bool> optional_boolean(const std::string& key) const;
  // One of `choices`; the error lists them.
  [[nodiscard]] std::string choice_or(const std::string& key,
                                      const std::vector<std::string>& choices,
                                      const std::string& fallback) const;
  // Quantities: a number in the base unit, or text with a unit ("80GiB", "400Gbps", "2us").
  [[nodiscard]] Bytes bytes(const std::string& key) const;
  [[nodiscard]] BytesPerSecond bandwidth(const std::string& key) const;
  [[nodiscard]] std::optional<BytesPerSecond> optional_bandwidth(const std::string& key) const;
  [[nodiscard]] Seconds duration(const std::string& key) const;

  [[noreturn]] void fail(const std::string& key, const std::string& expected) const;
  // Throws for the first key of this map that is not in `known`; and if this is not a map.
  void check_no_unknown_keys(const std::set<std::string>& known) const;

 private:
  [[nodiscard]] YAML::Node scalar_node(const std::string& key, const std::string& what) const;
  YAML::Node node_;
  std::string file_;
  std::string path_;
};

}  // namespace colossim
