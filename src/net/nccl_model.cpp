#include "net/nccl_model.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <exception>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/config.hpp"

namespace colossim {
namespace {

// An NCCL release, major.minor.patch ("2.21" is 2.21.0).
using NcclRelease = std::array<int, 3>;

enum Proto { kLl = 0, kLl128 = 1, kSimple = 2 };
constexpr std::array<const char*, 3> kProtoNames = {"LL", "LL128", "Simple"};

// Per GPU architecture: the ring search's channels, NVLS heads and the caps by node count.
struct Arch {
  double ring_channels = 0, ring_channel_gbps = 0;
  double ring_step_multi_node = 0;  // us, measured; 0: the tuner's latencies
  double nvls_heads = 0, nvls_channel_gbps = 0, nvls_efficiency = 0;
  std::vector<double> nvls_channels;  // CTAs: one NVLink domain, several
  std::vector<double> inter_speeds, ll_max, ring_ll128, tree, tree_ll128, nvls_tree;
};

// data/nccl.yaml, read once.
struct Constants {
  std::map<std::string, std::vector<double>> base;  // algorithm -> [LL, LL128, Simple]
  std::map<std::string, std::vector<double>> hop_nvlink, hop_net;
  double net_overhead = 0, ring_plateau = 0;
  double ring_ll = 0, ring_ll_gather_one_node = 0, ring_ll128 = 0, tree = 0, tree_ll_divisor = 0;
  double tree_ll128_one_node = 0, tree_ll128 = 0, pat = 0;
  std::vector<std::vector<double>> tree_correction;
  std::map<std::string, Arch> arch;
  std::vector<double> ll_max_multi_node;
  long long nvls_min_gpus = 0;
  double max_search_channels = 0;
  std::set<std::string> without;  // algorithms the release does not have
  // Chunking (data/nccl.yaml `chunking`).
  double runtime_channels = 0, ring_chunk = 0, ring_slices = 0, ring_min_slice = 0;
  double nvls_chunk = 0, nvls_tree_max_chunk = 0;
  std::vector<std::pair<double, double>> nvls_shrink, nvls_tree_shrink;  // (k, chunk)
};

// A list of exactly `count` numbers (per protocol, or per node count).
std::vector<double> sized(const ConfigNode& n, const std::string& key, size_t count) {
  std::vector<double> v = n.numbers(key);
  if (v.size() != count) n.fail(key, "expected " + std::to_string(count) + " numbers");
  return v;
}

std::vector<std::pair<double, double>> shrink_rules(const ConfigNode& n) {
  std::vector<std::pair<double, double>> out;
  for (const auto& key : n.keys()) {
    const double k = n.number(key);
    if (k <= 0) n.fail(key, "expected a positive chunk size");
    try {
      out.emplace_back(std::stod(key), k);
    } catch (const std::exception&) {
      n.fail(key, "expected a number of concurrent chunks");
    }
  }
  return out;
}

std::map<std::string, std::vector<double>> per_algorithm(const ConfigNode& n) {
  std::map<std::string, std::vector<double>> out;
  for (const auto& key : n.keys()) out[key] = sized(n, key, kProtoNames.size());
  for (const char* algorithm : {"ring", "tree", "nvls", "nvls-tree", "pat"}) {
    if (out.count(algorithm) == 0) n.fail(algorithm, "expected the algorithm's latencies");
  }
  return out;
}

// data/nccl.yaml's constants (the newest release's).
Constants load(const ConfigNode& data) {
  Constants k;
  k.base = per_algorithm(data.child("base_latency_us"));
  k.hop_nvlink = per_algorithm(data.child("hop_latency_us").child("nvlink"));
  k.hop_net = per_algorithm(data.child("hop_latency_us").child("net"));
  k.net_overhead = data.number("net_overhead_us");
  k.ring_plateau = data.number("ring_plateau_factor");
  k.ring_ll = data.number("ring_ll_factor");
  k.ring_ll_gather_one_node = data.number("ring_ll_factor_gather_one_node");
  k.ring_ll128 = data.number("ring_ll128_factor");
  k.tree = data.number("tree_factor");
  k.tree_ll_divisor = data.number("tree_ll_divisor");
  k.tree_ll128_one_node = data.number("tree_ll128_factor_one_node");
  k.tree_ll128 = data.number("tree_ll128_factor");
  k.pat = data.number("pat_factor");
  for (const char* proto : kProtoNames) {
    k.tree_correction.push_back(data.child("tree_correction").numbers(proto));
    if (k.tree_correction.back().empty())
      data.child("tree_correction").fail(proto, "expected factors");
  }
  const ConfigNode archs = data.child("architectures");
  for (const auto& name : archs.keys()) {
    const ConfigNode a = archs.child(name);
    Arch x;
    x.ring_channels = a.number("ring_channels");
    x.ring_channel_gbps = a.number("ring_channel_gbps");
    x.ring_step_multi_node = a.number("ring_step_us_multi_node");
    if (!(x.ring_step_multi_node >= 0 && x.ring_step_multi_node < 1000))
      a.fail("ring_step_us_multi_node", "microseconds from 0 to 1000");
    x.nvls_heads = a.number("nvls_heads");
    x.nvls_channel_gbps = a.number("nvls_channel_gbps");
    x.nvls_efficiency = a.number("nvls_efficiency");
    x.nvls_channels = sized(a, "nvls_channels", 2);
    x.inter_speeds = a.numbers("inter_speeds_gbps");
    x.ll_max = sized(a, "ll_max", 3);  // 1 node, 2 nodes, 3 or more
    x.ring_ll128 = sized(a, "ring_ll128_per_channel", 3);
    x.tree = sized(a, "tree_per_channel", 3);
    x.tree_ll128 = sized(a, "tree_ll128_per_channel", 3);
    x.nvls_tree = sized(a, "nvls_tree_per_channel", 3);
    if (x.inter_speeds.empty()) a.fail("inter_speeds_gbps", "expected the search speeds");
    k.arch[name] = x;
  }
  k.ll_max_multi_node = sized(data, "ll_max_multi_node", 3);
  if (k.arch.count("ampere") == 0) archs.fail("ampere", "expected the fallback architecture");
  k.nvls_min_gpus = data.integer("nvls_min_gpus_per_domain");
  k.max_search_channels = data.number("max_search_channels");
  const ConfigNode chunking = data.child("chunking");
  k.runtime_channels = chunking.number("runtime_channels_per_search_channel");
  k.ring_chunk = chunking.number("ring_chunk_bytes");
  k.ring_slices = chunking.number("ring_slices_per_chunk");
  k.ring_min_slice = chunking.number("ring_min_slice_bytes");
  k.nvls_chunk = chunking.number("nvls_chunk_bytes");
  k.nvls_tree_max_chunk = chunking.number("nvls_tree_max_chunk_bytes");
  k.nvls_shrink = shrink_rules(chunking.child("nvls_shrink"));
  k.nvls_tree_shrink = shrink_rules(chunking.child("nvls_tree_shrink"));
  return k;
}

std::optional<NcclRelease> parse_release_text(const std::string& text) {
  NcclRelease v{0, 0, 0};
  size_t part = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (part >= v.size() || !std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    int value = 0;
    size_t digits = 0;
    for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) && digits < 6;
         ++i, ++digits)
      value = value * 10 + (text[i] - '0');
    v[part++] = value;
    if (i < text.size() && text[i] != '.') return std::nullopt;
    if (i < text.size() && ++i == text.size()) return std::nullopt;  // a trailing dot
  }
  if (part < 2) return std::nullopt;
  return v;
}

// An entry of data/nccl.yaml `history` laid over the constants: only the figures it names.
void apply(Constants& k, const ConfigNode& entry) {
  entry.check_no_unknown_keys({"before", "without", "base_latency_us", "hop_latency_us",
                               "ring_ll_factor", "ring_ll_factor_gather_one_node", "ll_max"});
  const auto per_protocol = [](const ConfigNode& n,
                               std::map<std::string, std::vector<double>>& to) {
    for (const auto& algorithm : n.keys()) {
      if (to.count(algorithm) == 0) n.fail(algorithm, "expected an algorithm of the tuner");
      to[algorithm] = sized(n, algorithm, kProtoNames.size());
    }
  };
  if (auto base = entry.optional_child("base_latency_us")) per_protocol(*base, k.base);
  if (auto hop = entry.optional_child("hop_latency_us")) {
    hop->check_no_unknown_keys({"nvlink", "net"});
    if (auto nvlink = hop->optional_child("nvlink")) per_protocol(*nvlink, k.hop_nvlink);
    if (auto net = hop->optional_child("net")) per_protocol(*net, k.hop_net);
  }
  if (entry.has("ring_ll_factor")) k.ring_ll = entry.number("ring_ll_factor");
  if (entry.has("ring_ll_factor_gather_one_node"))
    k.ring_ll_gather_one_node = entry.number("ring_ll_factor_gather_one_node");
  if (auto ll_max = entry.optional_child("ll_max")) {
    for (const auto& arch : ll_max->keys()) {
      if (k.arch.count(arch) == 0) ll_max->fail(arch, "expected an architecture of the file");
      k.arch[arch].ll_max = sized(*ll_max, arch, 3);
    }
  }
  if (entry.has("without")) {
    for (const auto& algorithm : entry.strings("without")) k.without.insert(algorithm);
  }
}

// The constants for each band of releases: newest first, then one band below each `before`.
struct Releases {
  std::vector<std::pair<NcclRelease, Constants>>
      bands;  // (oldest release of the band, its figures)
  NcclRelease oldest{};
  std::string oldest_text;
};

Releases load_releases() {
  const auto data = ConfigNode::embedded("nccl.yaml");
  if (!data) throw InputError("data/nccl.yaml", "", "built-in data file is missing");
  Releases r;
  Constants k = load(*data);

  r.oldest_text = data->str("oldest_release");
  const auto oldest = parse_release_text(r.oldest_text);
  if (!parse_release_text(data->str("version")))
    data->fail("version", "expected a release such as \"2.28.9\"");
  if (!oldest) data->fail("oldest_release", "expected a release such as \"2.18\"");
  r.oldest = *oldest;
  const ConfigNode history = data->child("history");
  std::vector<std::pair<NcclRelease, ConfigNode>> entries;
  for (const ConfigNode& entry : history.items()) {
    const auto before = parse_release_text(entry.str("before"));
    if (!before) entry.fail("before", "expected a release such as \"2.21\"");
    entries.emplace_back(*before, entry);
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return b.first < a.first; });
  r.bands.emplace_back(entries.empty() ? NcclRelease{} : entries.front().first, k);
  for (size_t i = 0; i < entries.size(); ++i) {
    apply(k, entries[i].second);
    const NcclRelease floor = i + 1 < entries.size() ? entries[i + 1].first : NcclRelease{};
    r.bands.emplace_back(floor, k);
  }
  return r;
}

const Releases& releases() {
  static const Releases r = load_releases();
  return r;
}

const Constants& constants(const std::string& release = "") {
  const Releases& r = releases();
  const auto v = release.empty() ? std::nullopt : parse_release_text(release);
  if (!v) return r.bands.front().second;
  for (const auto& [floor, k] : r.bands) {
    if (!(*v < floor)) return k;
  }
  return r.bands.back().second;
}

// The group as NCCL's tuner sees it.
struct Shape {
  double n = 0, nodes = 1, ppn = 0;
  size_t node_index = 0;      // caps: 1 node, 2 nodes, 3 or more
  double channels = 0;        // ring/tree search channels
  double speed = 0;           // GB/s per channel (intra on one node; the inter graph across nodes)
  double inter_speed = 0;     // the inter graph's speed before duplication (NVLS-tree)
  double plugin_latency = 0;  // us, what the network plugin reports (latencyInter)
  double bytes = 0;
  Collective kind = Collective::all_reduce;
  const Constants* k = nullptr;  // the tuner of the cluster's NCCL release
};

// A network step's latency: NCCL's NET table plus what the plugin reports, twice for Simple.
double net_latency(const Shape& s, const std::string& algorithm, int proto) {
  return s.k->hop_net.at(algorithm)[static_cast<size_t>(proto)] +
         s.plugin_latency * (proto == kSimple ? 2 : 1);
}

double steps(const Shape& s) { return s.kind == Collective::all_reduce ? 2 * (s.n - 1) : s.n - 1; }

double log2_floor(double x) { return std::floor(std::log2(std::max(1.0, x))); }

// A channel that synchronises once per `chunk` bytes, at a cost worth `overhead` bytes of its
// transfer, reaches chunk / (chunk + overhead) of its bandwidth.
double chunk_rate(double chunk, double overhead) { return chunk / (chunk + overhead); }

// `tuned_algbw` and `latency_us` are the tuner's; the run reaches `efficiency` of its bandwidth
// (the chunk cost) and takes `run_latency_us` where measured (negative: the tuner's).
NcclChoice choice(const Shape& s, const char* algorithm, int proto, double latency_us,
                  double tuned_algbw, double chunk = 0, double efficiency = 1,
                  double run_latency_us = -1) {
  NcclChoice c;
  c.algorithm = algorithm;
  c.protocol = kProtoNames[static_cast<size_t>(proto)];
  const double run_latency = run_latency_us >= 0 ? run_latency_us : latency_us;
  c.latency = microseconds(run_latency);
  c.tuned = microseconds(latency_us + s.bytes / (1000.0 * tuned_algbw));
  c.algbw_gbps = tuned_algbw * efficiency;
  c.time = microseconds(run_latency + s.bytes / (1000.0 * c.algbw_gbps));
  c.chunk = Bytes(chunk);
  c.chunk_efficiency = efficiency;
  return c;
}

// A Simple ring inside one NVLink domain: each runtime channel's share of the message, a rank's
// share of that per step (the chunk, at most ring_chunk), sent in slices; every slice ends in a
// fence and a flag, which costs the Simple protocol's step latency over LL's (NVLink ring
// hwLat). Across domains the network, not the NVLink hops, is a channel's bottleneck and its
// proxy pipelines NCCL_STEPS slices, so no cost is charged there.
std::pair<double, double> ring_simple_chunk(const Shape& s, double bus_gbps) {
  const Constants& k = *s.k;
  if (s.nodes > 1) return {0, 1};
  const double ctas = s.channels * k.runtime_channels;
  const double per_rank = s.bytes / ctas / s.n;
  const double chunk = std::min(k.ring_chunk, per_rank);
  const auto slice_of = [&](double c) {
    return std::min(c, std::max(c / k.ring_slices, k.ring_min_slice));
  };
  const double sync_us = k.hop_nvlink.at("ring")[kSimple] - k.hop_nvlink.at("ring")[kLl];
  const double overhead = sync_us * 1e-6 * bus_gbps * 1e9 / ctas;  // bytes a CTA could move
  const double full = chunk_rate(slice_of(k.ring_chunk), overhead);
  return {slice_of(chunk), std::min(1.0, chunk_rate(slice_of(chunk), overhead) / full)};
}

// NVLS's chunk as calcCollChunking shrinks it for `bytes` over `concurrent` (channels x heads).
double shrunk_chunk(double chunk, double bytes, double concurrent,
                    const std::vector<std::pair<double, double>>& rules) {
  for (const auto& [factor, smaller] : rules) {
    if (bytes < factor * concurrent * chunk && chunk > smaller) chunk = smaller;
  }
  return chunk;
}

void ring(const Shape& s, const Arch& a, std::vector<NcclChoice>& out) {
  const Constants& k = *s.k;
  const double n_steps = steps(s);
  const double inter_steps =
      s.nodes <= 1 ? 0 : (s.kind == Collective::all_reduce ? 2 * (s.nodes - 1) : s.nodes - 1);
  double bus = s.channels * s.speed;
  // Across domains a GPU still forwards (ppn - 1) / ppn of every channel's bytes over NVLink, at
  // no more than a ring inside one domain reaches there: the network graph's channels can
  // outrun NVLink (32 x 48 GB/s on NVL72 racks against 16 x 45 inside one).
  if (s.nodes > 1 && s.ppn > 1)
    bus = std::min(bus, a.ring_channels * a.ring_channel_gbps * s.ppn / (s.ppn - 1));
  const double ll_max = s.nodes <= 1 ? a.ll_max[0] : k.ll_max_multi_node[s.node_index];
  const double ll_share =
      s.nodes <= 1 && s.kind != Collective::all_reduce ? k.ring_ll_gather_one_node : k.ring_ll;
  for (int p : {kLl, kLl128, kSimple}) {
    const auto up = static_cast<size_t>(p);
    const double overhead = s.nodes > 1 ? k.net_overhead * (p == kSimple ? 3 : 1) : 0;
    const double intra = std::max(k.hop_nvlink.at("ring")[up], overhead);
    // With one GPU per node every step crosses the network at the tree's NET latency.
    const double inter = net_latency(s, s.ppn == 1 ? "tree" : "ring", p);
    double latency = k.base.at("ring")[up] + (n_steps - inter_steps) * intra + inter_steps * inter;
    if (s.nodes > 1 && p == kSimple && s.kind == Collective::all_reduce &&
        s.bytes / (s.channels * s.n) >= 64)
      latency *= k.ring_plateau;
    const double b = p == kLl ? std::min(ll_max, ll_share * bus)
                     : p == kLl128
                         ? std::min(k.ring_ll128 * bus, s.channels * a.ring_ll128[s.node_index])
                         : bus;
    const auto [chunk, efficiency] =
        p == kSimple ? ring_simple_chunk(s, bus) : std::pair<double, double>{0, 1};
    // A ring across domains runs every step, over NVLink or the network, at about the measured
    // step cost (data/nccl.yaml ring_step_us_multi_node), not at the tuner's per-link latencies:
    // LL128 and Simple, the protocols of the sizes measured.
    const double run_latency = s.nodes > 1 && p != kLl && a.ring_step_multi_node > 0
                                   ? k.base.at("ring")[up] + n_steps * a.ring_step_multi_node
                                   : -1;
    out.push_back(choice(s, "ring", p, latency, b * s.n / n_steps, chunk, efficiency, run_latency));
  }
}

void tree(const Shape& s, const Arch& a, std::vector<NcclChoice>& out) {
  if (s.kind != Collective::all_reduce) return;
  const Constants& k = *s.k;
  const double bus = s.channels * s.speed;
  const double ll_max = s.nodes <= 1 ? a.ll_max[0] : k.ll_max_multi_node[s.node_index];
  const auto bucket =
      static_cast<size_t>(std::clamp(log2_floor(s.bytes / 64), 0.0, static_cast<double>(22)));
  for (int p : {kLl, kLl128, kSimple}) {
    const auto up = static_cast<size_t>(p);
    const double latency =
        k.base.at("tree")[up] + 2 * ((s.ppn - 1) * k.hop_nvlink.at("tree")[up] +
                                     log2_floor(s.nodes) * net_latency(s, "tree", p));
    double b = std::min(k.tree * bus, s.channels * a.tree[s.node_index]);
    if (p == kLl) b = std::min(b / k.tree_ll_divisor, ll_max);
    if (p == kLl128)
      b = std::min(b * (s.nodes <= 1 ? k.tree_ll128_one_node : k.tree_ll128),
                   s.channels * a.tree_ll128[s.node_index]);
    b *= k.tree_correction[up][std::min(bucket, k.tree_correction[up].size() - 1)];
    out.push_back(choice(s, "tree", p, latency, b * 0.5));
  }
}

// NVLink SHARP inside one domain, and NVLS-tree across domains: all-reduce, Simple only.
void nvls(const Shape& s, const Arch& a, std::vector<NcclChoice>& out) {
  const Constants& k = *s.k;
  if (s.kind != Collective::all_reduce || a.nvls_heads <= 0 ||
      s.ppn < static_cast<double>(k.nvls_min_gpus))
    return;
  const double heads = a.nvls_heads;
  const double intra = a.nvls_channel_gbps * a.nvls_efficiency * (heads - 1) / heads * 2;
  const double n_steps = steps(s);
  // NCCL's NVLS efficiency is what its full chunk reaches: the rest is the per-chunk barrier,
  // worth nvls_chunk x (1 / efficiency - 1) bytes; smaller chunks pay it more often.
  const double overhead = k.nvls_chunk * (1 / a.nvls_efficiency - 1);
  const double concurrent = a.nvls_channels[s.nodes <= 1 ? 0 : 1] * heads;
  const auto efficiency = [&](double chunk) {
    return chunk_rate(chunk, overhead) / chunk_rate(k.nvls_chunk, overhead);
  };
  if (s.nodes <= 1) {
    const double chunk = shrunk_chunk(k.nvls_chunk, s.bytes, concurrent, k.nvls_shrink);
    out.push_back(choice(s, "nvls", kSimple,
                         k.base.at("nvls")[kSimple] + k.hop_nvlink.at("nvls")[kSimple],
                         heads * intra * s.n / n_steps, chunk, efficiency(chunk)));
    return;
  }
  const double inter = s.inter_speed * (s.nodes <= 2 ? 2 : 1);
  const double cap = a.nvls_tree[s.node_index];
  const double per_channel = std::min({intra, inter, cap});
  const double tree_chunk =
      shrunk_chunk(s.nodes >= 4 ? std::min(k.nvls_chunk, k.nvls_tree_max_chunk) : k.nvls_chunk,
                   s.bytes, concurrent, k.nvls_tree_shrink);
  // The NVLink stage pays the chunk cost; the network stage is pipelined by the proxy.
  const double reached = std::min({intra * efficiency(tree_chunk), inter, cap});
  const double latency = k.base.at("nvls-tree")[kSimple] + k.hop_nvlink.at("nvls-tree")[kSimple] +
                         2 * log2_floor(s.nodes) * net_latency(s, "nvls-tree", kSimple);
  out.push_back(choice(s, "nvls-tree", kSimple, latency, heads * per_channel * s.n / n_steps,
                       tree_chunk, reached / per_channel));
}

// PAT: all-gather and reduce-scatter with one GPU per node, Simple only; its bandwidth applies
// to the whole buffer.
void pat(const Shape& s, std::vector<NcclChoice>& out) {
  const Constants& k = *s.k;
  if (k.without.count("pat") != 0) return;
  if (s.kind == Collective::all_reduce || s.ppn != 1 || s.nodes <= 1) return;
  const double latency = k.base.at("pat")[kSimple] +
                         log2_floor(s.nodes) * net_latency(s, "tree", kSimple) / 3.5 + 2.8 * s.n;
  out.push_back(choice(s, "pat", kSimple, latency, s.channels * s.speed * k.pat));
}

}  // namespace

std::optional<NcclChoice> nccl_choice(const Cluster& c, Collective kind, Bytes bytes,
                                      long long ranks, long long domains, const std::string& only) {
  if (kind != Collective::all_reduce && kind != Collective::all_gather &&
      kind != Collective::reduce_scatter)
    return std::nullopt;
  if (ranks < 2 || bytes.value() <= 0) return std::nullopt;
  const Constants& k = constants(c.nccl_version);
  const auto arch_it = k.arch.find(c.gpu.architecture);
  const Arch& a = arch_it != k.arch.end() ? arch_it->second : k.arch.at("ampere");
  Shape s;
  s.k = &k;
  s.kind = kind;
  s.bytes = bytes.value();
  s.n = static_cast<double>(ranks);
  s.nodes = static_cast<double>(std::max(1LL, domains));
  s.ppn = s.n / s.nodes;
  s.node_index = s.nodes <= 1 ? 0 : s.nodes <= 2 ? 1 : 2;
  s.plugin_latency = c.nic.nccl_latency.value() * 1e6;
  if (s.nodes <= 1) {
    s.channels = a.ring_channels;
    s.speed = a.ring_channel_gbps;
  } else {
    // One channel per GPU's NIC at the fastest search speed the NIC carries; channels are
    // doubled at half speed unless (after Ampere) the speed is under 50 with over 4 channels.
    const double nic = c.nic_bandwidth.value() / 1e9;
    s.speed = a.inter_speeds.back();
    for (double v : a.inter_speeds) {
      if (v <= nic) {
        s.speed = v;
        break;
      }
    }
    s.inter_speed = s.speed;
    s.channels = std::min(s.ppn, k.max_search_channels);
    const bool after_ampere = c.gpu.architecture != "ampere";
    if (s.speed >= 25 && !(after_ampere && s.speed < 50 && s.channels > 4)) {
      s.channels *= 2;
      s.speed /= 2;
    }
  }
  std::vector<NcclChoice> all;
  ring(s, a, all);
  tree(s, a, all);
  nvls(s, a, all);
  pat(s, all);
  for (auto& x : all) {
    const bool nvls = x.algorithm == "nvls" || x.algorithm == "nvls-tree";
    x.ctas = nvls ? a.nvls_channels[s.nodes <= 1 ? 0 : 1] : s.channels * k.runtime_channels;
  }
  std::optional<NcclChoice> best;
  for (const auto& x : all) {
    const bool wanted =
        only.empty() || x.algorithm == only || (only == "nvls" && x.algorithm == "nvls-tree");
    if (wanted && (!best || x.tuned < best->tuned)) best = x;
  }
  return best;
}

std::optional<std::string> nccl_release_problem(const std::string& text) {
  const auto v = parse_release_text(text);
  if (!v) return "expected an NCCL release such as \"2.21.5\"";
  if (*v < releases().oldest)
    return "expected NCCL " + releases().oldest_text +
           " or later (older tuners are not in data/nccl.yaml)";
  return std::nullopt;
}

namespace {

// data/nccl.yaml `p2p`: what one network peer's send/recv gets, by release.
struct P2pRule {
  NcclRelease from{};
  double start = 0, start_nic_gbps = 0, ranks_per_batch = 1, channels_per_batch = 0;
};
struct P2p {
  double channel_gbps = 0, comm_channels_per_gpu = 0, comm_channels_max = 0;
  NcclRelease newest{};        // the release a cluster that names none runs
  std::vector<P2pRule> rules;  // newest first
};

P2p load_p2p() {
  const auto data = ConfigNode::embedded("nccl.yaml");
  if (!data) throw InputError("data/nccl.yaml", "", "built-in data file is missing");
  const ConfigNode n = data->child("p2p");
  n.check_no_unknown_keys({"channel_gbps", "comm_channels_per_gpu", "comm_channels_max", "rules"});
  P2p p;
  p.channel_gbps = n.number("channel_gbps");
  if (!(p.channel_gbps > 0 && p.channel_gbps < 10000)) n.fail("channel_gbps", "expected GB/s");
  p.comm_channels_per_gpu = n.number("comm_channels_per_gpu");
  if (!(p.comm_channels_per_gpu >= 1 && p.comm_channels_per_gpu <= 64))
    n.fail("comm_channels_per_gpu", "expected 1 to 64 channels");
  p.comm_channels_max = n.number("comm_channels_max");
  if (!(p.comm_channels_max >= p.comm_channels_per_gpu && p.comm_channels_max <= 64))
    n.fail("comm_channels_max", "expected comm_channels_per_gpu to 64 channels");
  p.newest = *parse_release_text(data->str("version"));  // checked by load_releases
  for (const ConfigNode& r : n.child("rules").items()) {
    r.check_no_unknown_keys(
        {"from", "start", "start_nic_gbps", "ranks_per_batch", "channels_per_batch"});
    P2pRule rule;
    const auto from = parse_release_text(r.str("from"));
    if (!from) r.fail("from", "expected a release such as \"2.20\"");
    rule.from = *from;
    if (r.has("start")) rule.start = r.number("start");
    if (r.has("start_nic_gbps")) rule.start_nic_gbps = r.number("start_nic_gbps");
    if (!(rule.start >= 1 || rule.start_nic_gbps > 0))
      r.fail("start", "expected channels (1 or more) or start_nic_gbps");
    if (r.has("ranks_per_batch")) rule.ranks_per_batch = r.number("ranks_per_batch");
    if (r.has("channels_per_batch")) rule.channels_per_batch = r.number("channels_per_batch");
    if (!(rule.ranks_per_batch >= 1)) r.fail("ranks_per_batch", "expected 1 or more");
    if (!p.rules.empty() && !(rule.from < p.rules.back().from))
      r.fail("from", "expected the rules newest first");
    p.rules.push_back(rule);
  }
  if (p.rules.empty()) n.fail("rules", "expected one rule or more");
  return p;
}

const P2p& p2p_data() {
  static const P2p p = load_p2p();
  return p;
}

}  // namespace

double nccl_p2p_channels(const Cluster& cluster, long long ranks, long long per_domain) {
  const P2p& p = p2p_data();
  const auto named =
      cluster.nccl_version.empty() ? std::nullopt : parse_release_text(cluster.nccl_version);
  const NcclRelease release = named ? *named : p.newest;
  const P2pRule* rule = &p.rules.back();
  for (const P2pRule& r : p.rules) {
    if (!(release < r.from)) {
      rule = &r;
      break;
    }
  }
  const double comm_channels =
      std::min(p.comm_channels_max,
               p.comm_channels_per_gpu * static_cast<double>(std::max(1LL, per_domain)));
  double channels = rule->start;
  if (rule->start_nic_gbps > 0)
    channels = std::max(1.0, std::ceil(cluster.nic_bandwidth.value() / 1e9 / rule->start_nic_gbps));
  channels = std::min(channels, comm_channels);
  if (rule->channels_per_batch > 0) {
    const double batches = std::ceil(static_cast<double>(ranks) / rule->ranks_per_batch);
    while (channels > 1 && channels * batches > comm_channels * rule->channels_per_batch)
      channels = std::floor(channels / 2);
  }
  return channels;
}

double nccl_p2p_net_gbps(const Cluster& cluster, long long ranks, long long per_domain) {
  return nccl_p2p_channels(cluster, ranks, per_domain) * p2p_data().channel_gbps;
}

double nccl_sm_share(const Cluster& cluster, Collective kind, Bytes bytes, const CommGroup& group) {
  if (cluster.gpu.sms <= 0) return 0;
  const auto c = nccl_choice(cluster, kind, bytes, group.size, group.domains());
  return c ? std::min(1.0, c->ctas / cluster.gpu.sms) : 0.0;
}

}  // namespace colossim
