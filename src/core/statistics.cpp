#include "core/statistics.hpp"

#include <cmath>
#include <map>
#include <mutex>

namespace colossim {

double expected_max_normal(long long n) {
  if (n <= 1) return 0;
  static std::mutex lock;
  static std::map<long long, double> cache;
  const std::lock_guard<std::mutex> hold(lock);
  if (auto it = cache.find(n); it != cache.end()) return it->second;
  // E[max] = integral of x n phi(x) Phi(x)^(n-1) dx, by the midpoint rule on [-8, 8 + log n]
  // (the density beyond is below double precision for any n a cluster has).
  const double hi = 8.0 + std::log(static_cast<double>(n));
  constexpr int kSteps = 20000;
  const double dx = (hi + 8.0) / kSteps;
  const auto nd = static_cast<double>(n);
  double sum = 0;
  for (int i = 0; i < kSteps; ++i) {
    const double x = -8.0 + (i + 0.5) * dx;
    const double phi = std::exp(-0.5 * x * x) / std::sqrt(2 * M_PI);
    const double cdf = 0.5 * std::erfc(-x / std::sqrt(2.0));
    sum += x * nd * phi * std::pow(cdf, nd - 1) * dx;
  }
  cache[n] = sum;
  return sum;
}

}  // namespace colossim
