#include "plan/placement.hpp"

#include <algorithm>
#include <cassert>
#include <numeric>
#include <stdexcept>

namespace colossim {
namespace {

// Stride of `dim` in a generator whose axes, fastest first, are `axes` with `sizes`.
long long stride_in(const std::vector<std::string>& axes, const std::vector<long long>& sizes,
                    const std::string& dim) {
  long long s = 1;
  for (size_t i = 0; i < axes.size(); ++i) {
    if (axes[i] == dim) return s;
    s *= sizes[i];
  }
  assert(false && "dimension not in the order");
  return s;
}

// A group of `size` members spaced `stride` ranks apart, in NVLink domains of `domain` ranks.
CommGroup strided(long long size, long long stride, long long domain) {
  CommGroup g;
  g.size = size;
  g.per_domain = stride >= domain ? 1 : std::max(1LL, std::min(size, domain / stride));
  g.stride = stride;
  // Groups of n members stride apart fill a domain q = domain / stride members at a time, in
  // blocks of n from rank 0: unless one of n and q divides the other, some group is cut by a
  // domain boundary, and the boundaries fall at every multiple of gcd(n, q) within the groups.
  if (stride < domain && domain % stride == 0) {
    const long long q = domain / stride;
    if (q % size != 0 && size % q != 0) g.straddle = std::gcd(size, q);
  }
  return g;
}

}  // namespace

const std::vector<std::string>& dimension_names() {
  static const std::vector<std::string> names = {"tp", "cp", "ep", "dp", "pp", "edp", "etp"};
  return names;
}

std::string to_string(Dimension d) { return dimension_names()[static_cast<size_t>(d)]; }

Dimension parse_dimension(const std::string& name) {
  const auto& names = dimension_names();
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end())
    throw std::invalid_argument("expected one of tp, cp, ep, dp, pp, edp, etp");
  return static_cast<Dimension>(it - names.begin());
}

std::optional<std::string> order_problem(const std::vector<std::string>& order) {
  std::vector<std::string> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  if (sorted != std::vector<std::string>{"cp", "dp", "pp", "tp"})
    return "expected tp, cp, dp and pp, each once, joined by '-' (such as tp-cp-dp-pp)";
  const auto cp = std::find(order.begin(), order.end(), "cp") - order.begin();
  const auto dp = std::find(order.begin(), order.end(), "dp") - order.begin();
  if (cp - dp != 1 && dp - cp != 1)
    return "expected cp next to dp (the distributed optimizer shards over DP x CP)";
  return std::nullopt;
}

GroupLayout group_layout(const Plan& p, Dimension dim) {
  assert(!order_problem(p.order));
  std::vector<long long> sizes;
  for (const auto& a : p.order) {
    sizes.push_back(a == "tp" ? p.tp : a == "cp" ? p.cp : a == "dp" ? p.dp : p.pp);
  }
  switch (dim) {
    case Dimension::tp:
      return {p.tp, stride_in(p.order, sizes, "tp")};
    case Dimension::cp:
      return {p.cp, stride_in(p.order, sizes, "cp")};
    case Dimension::dp:
      return {p.dp * p.cp,
              std::min(stride_in(p.order, sizes, "cp"), stride_in(p.order, sizes, "dp"))};
    case Dimension::pp:
      return {p.pp, stride_in(p.order, sizes, "pp")};
    case Dimension::edp:
      if (p.ep <= 1) return group_layout(p, Dimension::dp);  // experts TP-split like the MLP
      break;
    case Dimension::etp:
      if (p.ep <= 1) return group_layout(p, Dimension::tp);
      break;
    case Dimension::ep:
      break;
  }
  // The expert generator: tp of size etp, cp dropped, ep right before the expert-data dimension.
  const long long dense = static_cast<long long>(p.tp) * p.cp * p.dp;
  const long long etp = expert_tp(p);
  assert(p.ep >= 1 && dense % (p.ep * etp) == 0);
  std::vector<std::string> axes;
  std::vector<long long> expert_sizes;
  for (const auto& a : p.order) {
    if (a == "cp") continue;
    if (a == "dp") {
      axes.emplace_back("ep");
      expert_sizes.push_back(p.ep);
    }
    axes.push_back(a);
    expert_sizes.push_back(a == "tp" ? etp : a == "dp" ? dense / (p.ep * etp) : p.pp);
  }
  if (dim == Dimension::edp) return {dense / (p.ep * etp), stride_in(axes, expert_sizes, "dp")};
  if (dim == Dimension::etp) return {etp, stride_in(axes, expert_sizes, "tp")};
  return {p.ep, stride_in(axes, expert_sizes, "ep")};
}

RankGroups strided_groups(long long size, long long stride, long long ranks) {
  RankGroups groups;
  for (long long base = 0; base + (size - 1) * stride < ranks; ++base) {
    if ((base / stride) % size != 0) continue;
    std::vector<long long> members;
    members.reserve(static_cast<size_t>(size));
    for (long long i = 0; i < size; ++i) members.push_back(base + i * stride);
    groups.push_back(std::move(members));
  }
  return groups;
}

RankGroups rank_groups(const Plan& p, Dimension dim) {
  const GroupLayout g = group_layout(p, dim);
  return strided_groups(g.size, g.stride, static_cast<long long>(p.tp) * p.cp * p.dp * p.pp);
}

Groups place_groups(const Plan& p, const Cluster& c) {
  const long long domain = c.nvlink_domain;
  const auto comm = [&](Dimension d) {
    const GroupLayout g = group_layout(p, d);
    return strided(g.size, g.stride, domain);
  };
  Groups g;
  g.tp = comm(Dimension::tp);
  g.cp = comm(Dimension::cp);
  g.dp = comm(Dimension::dp);
  g.ep = comm(Dimension::ep);
  g.edp = comm(Dimension::edp);
  g.etp = comm(Dimension::etp);
  g.pp = strided(2, group_layout(p, Dimension::pp).stride, domain);  // neighbouring stages
  const GroupLayout dp = group_layout(p, Dimension::dp);
  const long long shard = p.dp_shard > 0 && p.dp_shard < dp.size ? p.dp_shard : dp.size;
  g.dp_shard = strided(shard, dp.stride, domain);
  g.dp_replicate = strided(dp.size / shard, dp.stride * shard, domain);
  g.pp.communicator = p.pp;  // Megatron's batched sends run in the pipeline group's communicator
  return g;
}

}  // namespace colossim
