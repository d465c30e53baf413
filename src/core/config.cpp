#include "core/config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/embedded_data.hpp"

namespace colossim {

namespace {

// A scenario file is small: anything larger is not one (and /dev/zero never ends).
constexpr std::uintmax_t kMaxFileBytes = 16U << 20U;

// Whether `text` is well-formed UTF-8 (names end up in JSON output, which must be).
bool valid_utf8(const std::string& text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t extra = 0;
    if ((c & 0xE0U) == 0xC0U) {
      extra = 1;
    } else if ((c & 0xF0U) == 0xE0U) {
      extra = 2;
    } else if ((c & 0xF8U) == 0xF0U) {
      extra = 3;
    } else if (c >= 0x80U) {
      return false;
    }
    if (i + extra >= text.size() && extra > 0) return false;
    for (size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0U) != 0x80U) return false;
    }
    i += extra + 1;
  }
  return true;
}

// Whether `text` has a ',' outside every flow collection that is not part of a plain scalar,
// a quoted scalar or a comment: one that starts a node's content (at a document's start, after
// '- ', ': ', node properties) or follows a quoted scalar or a closed collection. It is never
// valid YAML, and yaml-cpp 0.7 loops forever on it, allocating as it goes (found by
// fuzz/scenario_fuzzer.cpp).
bool stray_flow_entry(const std::string& text) {
  int depth = 0;          // flow collections open
  char quote = 0;         // inside a quoted scalar
  bool in_plain = false;  // inside a block plain scalar (it takes ',' as a character)
  // Inside a plain scalar within [ ] or { }: a quote there is a character, not the start of a
  // quoted scalar ("[7''~'(]" is the one-element list of 7''~'().
  bool in_flow_plain = false;
  const auto blank = [&](size_t k) {
    return k >= text.size() || text[k] == ' ' || text[k] == '\t' || text[k] == '\r' ||
           text[k] == '\n';
  };
  const auto flow_indicator = [&](size_t k) {
    return k < text.size() && std::string_view(",[]{}").find(text[k]) != std::string_view::npos;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote != 0) {
      if (quote == '"' && c == '\\') {
        ++i;
      } else if (c == quote) {
        if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
          ++i;
        } else {
          quote = 0;
        }
      }
      continue;
    }
    if (c == '\n') {
      in_plain = false;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') continue;
    if (c == '#' && (i == 0 || blank(i - 1))) {  // a comment, to the end of the line
      const size_t eol = text.find('\n', i);
      if (eol == std::string::npos) break;
      i = eol - 1;
      continue;
    }
    if (in_plain) {
      if (c == ':' && blank(i + 1)) in_plain = false;  // "key: " ends the key
      continue;
    }
    switch (c) {
      case '"':
      case '\'':
        if (!in_flow_plain) quote = c;
        break;
      case '[':
      case '{':
        ++depth;
        in_flow_plain = false;
        break;
      case ']':
      case '}':
        depth = std::max(0, depth - 1);
        in_flow_plain = false;
        break;
      case ',':
        if (depth == 0) return true;
        in_flow_plain = false;
        break;
      case '!':
      case '&':
      case '*':  // a tag, an anchor or an alias: one token
        while (i + 1 < text.size() && !blank(i + 1) && !flow_indicator(i + 1)) ++i;
        break;
      case '-':
      case '?':
      case ':':
        if (depth == 0) {
          if (!blank(i + 1)) in_plain = true;  // "-1", "?x", ":x" are scalars
        } else if (c == ':' && (blank(i + 1) || flow_indicator(i + 1))) {
          in_flow_plain = false;  // a key's ':' inside { }
        } else if (!blank(i + 1)) {
          in_flow_plain = true;
        }
        break;
      default:
        if (depth == 0) {
          in_plain = true;
        } else {
          in_flow_plain = true;
        }
    }
  }
  return false;
}

// The first key problem anywhere in the document: a key that is not a plain name (a "? " complex
// key, a list), or a key given twice in one mapping (YAML keeps one value silently, so the file
// would not say what runs). {path, expected}; an empty path and message if none.
std::pair<std::string, std::string> key_problem(const YAML::Node& node, const std::string& path) {
  if (node.IsSequence()) {
    for (const auto& item : node) {
      if (auto p = key_problem(item, path); !p.second.empty()) return p;
    }
  }
  if (!node.IsMap()) return {};
  std::vector<std::string> seen;
  for (const auto& kv : node) {
    if (!kv.first.IsScalar())
      return {path, "keys that are plain names (found a list or a mapping)"};
    const std::string key = kv.first.Scalar();
    std::string here = path;
    if (!here.empty()) here += '.';
    here += key;
    if (std::find(seen.begin(), seen.end(), key) != seen.end())
      return {here, "appears twice; give each key once"};
    seen.push_back(key);
    if (auto p = key_problem(kv.second, here); !p.second.empty()) return p;
  }
  return {};
}

}  // namespace

ConfigNode ConfigNode::parse(const std::string& text, const std::string& file) {
  if (!valid_utf8(text)) throw InputError(file, "", "expected UTF-8 text");
  // YAML allows no C0 control characters but tab and line breaks (yaml-cpp 0.7 loops forever on
  // some inputs with a NUL byte).
  const auto control = std::find_if(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 && c != '\t' && c != '\n' && c != '\r';
  });
  if (control != text.end())
    throw InputError(file, "",
                     fmt::format("expected YAML text, found control character 0x{:02x} at byte {}",
                                 static_cast<unsigned char>(*control), control - text.begin()));
  if (stray_flow_entry(text))
    throw InputError(file, "", "malformed YAML: a ',' outside any [ ] or { } collection");
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    throw InputError(file, "",
                     "malformed YAML at line " + std::to_string(e.mark.line + 1) + ", column " +
                         std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  if (documents.size() > 1) throw InputError(file, "", "one YAML document (found a second '---')");
  const YAML::Node root = documents.empty() ? YAML::Node() : documents.front();
  if (!root.IsMap()) throw InputError(file, "", "expected a YAML mapping of keys at the top level");
  if (const auto [key, expected] = key_problem(root, ""); !expected.empty())
    throw InputError(file, key, expected);
  return ConfigNode(root, file, "");
}

ConfigNode ConfigNode::load_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw InputError(path, "", "cannot read the file (not a regular file, or it does not exist)");
  if (std::filesystem::file_size(path, ec) > kMaxFileBytes)
    throw InputError(path, "", "a scenario file of at most 16 MiB");
  std::ifstream in(path);
  if (!in) throw InputError(path, "", "cannot read the file (does it exist?)");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse(buffer.str(), path);
}

std::string ConfigNode::key_path(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

std::optional<ConfigNode> ConfigNode::embedded(const std::string& relative_path) {
  const auto& files = embedded_files();
  const auto it = files.find(relative_path);
  if (it == files.end()) return std::nullopt;
  return parse(std::string(it->second), "data/" + relative_path);
}

namespace {

YAML::Node merged(const YAML::Node& base, const YAML::Node& top) {
  if (!base.IsMap() || !top.IsMap()) return YAML::Clone(top);
  YAML::Node out = YAML::Clone(base);
  for (const auto& kv : top) {
    const auto key = kv.first.as<std::string>();
    const YAML::Node& b = base;
    out[key] = b[key] ? merged(b[key], kv.second) : YAML::Clone(kv.second);
  }
  return out;
}

}  // namespace

ConfigNode ConfigNode::over(const ConfigNode& base) const {
  return ConfigNode(merged(base.node_, node_), file_, path_);
}

bool ConfigNode::has(const std::string& key) const {
  return node_.IsMap() && node_[key] && !node_[key].IsNull();
}

void ConfigNode::fail(const std::string& key, const std::string& expected) const {
  throw InputError(file_, key.empty() ? path_ : key_path(key), expected);
}

ConfigNode ConfigNode::child(const std::string& key) const {
  if (!has(key)) fail(key, "required key is missing");
  return ConfigNode(node_[key], file_, key_path(key));
}

std::optional<ConfigNode> ConfigNode::optional_child(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return ConfigNode(node_[key], file_, key_path(key));
}

std::vector<ConfigNode> ConfigNode::items() const {
  if (!node_.IsSequence()) fail("", "expected a list");
  std::vector<ConfigNode> out;
  for (size_t i = 0; i < node_.size(); ++i) {
    out.emplace_back(node_[i], file_, path_ + "[" + std::to_string(i) + "]");
  }
  return out;
}

std::vector<std::string> ConfigNode::keys() const {
  std::vector<std::string> out;
  if (!node_.IsMap()) return out;
  for (const auto& kv : node_) out.push_back(kv.first.as<std::string>());
  return out;
}

YAML::Node ConfigNode::scalar_node(const std::string& key, const std::string& what) const {
  if (!has(key)) fail(key, "required key is missing (expected " + what + ")");
  YAML::Node n = node_[key];
  if (!n.IsScalar()) fail(key, "expected " + what + ", got a " + (n.IsMap() ? "mapping" : "list"));
  return n;
}

std::string ConfigNode::str(const std::string& key) const {
  return scalar_node(key, "a text value").Scalar();
}

std::string ConfigNode::str_or(const std::string& key, const std::string& fallback) const {
  return has(key) ? str(key) : fallback;
}

double ConfigNode::number(const std::string& key) const {
  const std::string text = scalar_node(key, "a number").Scalar();
  size_t pos = 0;
  double v = 0;
  try {
    v = std::stod(text, &pos);
  } catch (const std::exception&) {
    fail(key, "expected a number, got \"" + text + "\"");
  }
  if (pos != text.size() || !std::isfinite(v)) fail(key, "expected a number, got \"" + text + "\"");
  return v;
}

double ConfigNode::number_or(const std::string& key, double fallback) const {
  return has(key) ? number(key) : fallback;
}

std::optional<double> ConfigNode::optional_number(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return number(key);
}

long long ConfigNode::integer(const std::string& key) const {
  const std::string text = scalar_node(key, "an integer").Scalar();
  double v = 0;
  size_t pos = 0;
  try {
    v = std::stod(text, &pos);  // accepts "16384" and "1.6e4"
  } catch (const std::exception&) {
    fail(key, "expected an integer, got \"" + text + "\"");
  }
  if (pos != text.size() || !std::isfinite(v) || v != std::floor(v) || std::fabs(v) > 9e15) {
    fail(key, "expected an integer, got \"" + text + "\"");
  }
  return static_cast<long long>(v);
}

long long ConfigNode::integer_or(const std::string& key, long long fallback) const {
  return has(key) ? integer(key) : fallback;
}

std::optional<long long> ConfigNode::optional_integer(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return integer(key);
}

long long ConfigNode::positive_integer(const std::string& key) const {
  long long v = integer(key);
  if (v <= 0) fail(key, "expected a positive integer, got " + std::to_string(v));
  return v;
}

long long ConfigNode::positive_integer_or(const std::string& key, long long fallback) const {
  return has(key) ? positive_integer(key) : fallback;
}

int ConfigNode::count_or(const std::string& key, int fallback, int max) const {
  if (!has(key)) return fallback;
  const long long v = positive_integer(key);
  if (v > max)
    fail(key, "expected a positive integer of at most " + std::to_string(max) + ", got " +
                  std::to_string(v));
  return static_cast<int>(v);
}

std::optional<bool> ConfigNode::optional_boolean(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  const std::string text = scalar_node(key, "true or false").Scalar();
  if (text == "true" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "no" || text == "off") return false;
  fail(key, "expected true or false, got \"" + text + "\"");
}

bool ConfigNode::boolean_or(const std::string& key, bool fallback) const {
  return optional_boolean(key).value_or(fallback);
}

std::string ConfigNode::choice_or(const std::string& key, const std::vector<std::string>& choices,
                                  const std::string& fallback) const {
  if (!has(key)) return fallback;
  std::string v = str(key);
  for (const auto& c : choices) {
    if (c == v) return v;
  }
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : " | ") + c;
  fail(key, "expected one of " + list + ", got \"" + v + "\"");
}

std::vector<double> ConfigNode::numbers(const std::string& key) const {
  const ConfigNode list = child(key);
  if (!list.is_sequence()) fail(key, "expected a list of numbers");
  std::vector<double> out;
  for (const auto& item : list.node_) {
    try {
      out.push_back(item.as<double>());
    } catch (const YAML::Exception&) {
      fail(key, "expected a list of numbers");
    }
  }
  return out;
}

std::vector<std::string> ConfigNode::strings(const std::string& key) const {
  const ConfigNode list = child(key);
  if (!list.is_sequence())
    fail(key, "expected a list of names ([a, b]; on the command line --set 'key=[a,b]')");
  std::vector<std::string> out;
  for (const auto& item : list.node_) {
    if (!item.IsScalar()) fail(key, "expected a list of names");
    out.push_back(item.Scalar());
  }
  return out;
}

Bytes ConfigNode::bytes(const std::string& key) const {
  try {
    return parse_bytes(scalar_node(key, "a size such as \"80GiB\"").Scalar());
  } catch (const std::invalid_argument& e) {
    fail(key, e.what());
  }
}

BytesPerSecond ConfigNode::bandwidth(const std::string& key) const {
  try {
    return parse_bandwidth(scalar_node(key, "a bandwidth such as \"400Gbps\"").Scalar());
  } catch (const std::invalid_argument& e) {
    fail(key, e.what());
  }
}

std::optional<BytesPerSecond> ConfigNode::optional_bandwidth(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return bandwidth(key);
}

Seconds ConfigNode::duration(const std::string& key) const {
  try {
    return parse_duration(scalar_node(key, "a duration such as \"2us\"").Scalar());
  } catch (const std::invalid_argument& e) {
    fail(key, e.what());
  }
}

void ConfigNode::check_no_unknown_keys(const std::set<std::string>& known) const {
  if (!node_.IsMap())
    fail("", "expected a mapping of keys, got " +
                 std::string(node_.IsSequence() ? "a list" : "a single value"));
  for (const auto& kv : node_) {
    const auto key = kv.first.as<std::string>();
    if (known.count(key) == 0) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      fail(key, "unknown key (expected one of: " + list + ")");
    }
  }
}

}  // namespace colossim
