// Physical quantities as types. A bare double for a bandwidth or a size is a bug waiting:
// every quantity crossing a layer boundary carries its unit in its type, and text such as
// "400Gbps", "80GiB" or "2us" is parsed once, at the boundary (parse_* below).
//
// Storage is always the SI base unit (bytes, seconds, FLOP, FLOP/s, bytes/s, watts, dollars).
#pragma once

#include <cmath>
#include <compare>
#include <string>
#include <string_view>

namespace colossim {

template <class Tag>
class Quantity {
 public:
  constexpr Quantity() = default;
  constexpr explicit Quantity(double v) : value_(v) {}
  [[nodiscard]] constexpr double value() const { return value_; }

  constexpr Quantity& operator+=(Quantity o) {
    value_ += o.value_;
    return *this;
  }
  constexpr Quantity& operator-=(Quantity o) {
    value_ -= o.value_;
    return *this;
  }
  constexpr Quantity& operator*=(double k) {
    value_ *= k;
    return *this;
  }
  friend constexpr Quantity operator+(Quantity a, Quantity b) {
    return Quantity(a.value_ + b.value_);
  }
  friend constexpr Quantity operator-(Quantity a, Quantity b) {
    return Quantity(a.value_ - b.value_);
  }
  friend constexpr Quantity operator*(Quantity a, double k) { return Quantity(a.value_ * k); }
  friend constexpr Quantity operator*(double k, Quantity a) { return Quantity(a.value_ * k); }
  friend constexpr Quantity operator/(Quantity a, double k) { return Quantity(a.value_ / k); }
  friend constexpr double operator/(Quantity a, Quantity b) { return a.value_ / b.value_; }
  friend constexpr auto operator<=>(Quantity a, Quantity b) = default;

 private:
  double value_ = 0.0;
};

struct BytesTag {};
struct SecondsTag {};
struct FlopsTag {};
struct FlopsPerSecondTag {};
struct BytesPerSecondTag {};
struct WattsTag {};
struct DollarsTag {};

using Bytes = Quantity<BytesTag>;                    // bytes
using Seconds = Quantity<SecondsTag>;                // seconds
using Flops = Quantity<FlopsTag>;                    // floating-point operations (a count)
using FlopsPerSecond = Quantity<FlopsPerSecondTag>;  // FLOP/s
using BytesPerSecond = Quantity<BytesPerSecondTag>;  // bytes/s
using Watts = Quantity<WattsTag>;                    // watts
using Dollars = Quantity<DollarsTag>;                // US dollars

// The only cross-unit operations the simulator needs: work over a rate is a time.
constexpr Seconds operator/(Flops f, FlopsPerSecond r) { return Seconds(f.value() / r.value()); }
constexpr Seconds operator/(Bytes b, BytesPerSecond r) { return Seconds(b.value() / r.value()); }
constexpr FlopsPerSecond operator/(Flops f, Seconds t) {
  return FlopsPerSecond(f.value() / t.value());
}
constexpr BytesPerSecond operator/(Bytes b, Seconds t) {
  return BytesPerSecond(b.value() / t.value());
}

inline Bytes gib(double n) { return Bytes(n * 1024.0 * 1024.0 * 1024.0); }
inline Bytes gb(double n) { return Bytes(n * 1e9); }
inline FlopsPerSecond tflops(double n) { return FlopsPerSecond(n * 1e12); }
inline BytesPerSecond gbytes_per_s(double n) { return BytesPerSecond(n * 1e9); }
inline BytesPerSecond gbits_per_s(double n) { return BytesPerSecond(n * 1e9 / 8.0); }
inline Seconds microseconds(double n) { return Seconds(n * 1e-6); }

inline double to_gib(Bytes b) { return b.value() / (1024.0 * 1024.0 * 1024.0); }
inline double to_tflops(FlopsPerSecond f) { return f.value() / 1e12; }

// Parsers for quantities written with their unit. Each returns std::nullopt-like failure by
// throwing std::invalid_argument with a message naming what was expected; callers at the
// scenario boundary turn that into an InputError with file and key.
//   sizes:      "80GiB", "80GB", "512MiB", "1.5TB", plain numbers are bytes
//   bandwidth:  "400Gbps", "400Gb/s", "50GB/s", "900GBps", plain numbers are bytes/s
//   durations:  "2us", "1.5ms", "30s", "2h", "3d", plain numbers are seconds
//   compute:    "989TFLOPS", "2.25PFLOPS", plain numbers are FLOP/s
Bytes parse_bytes(std::string_view text);
BytesPerSecond parse_bandwidth(std::string_view text);
Seconds parse_duration(std::string_view text);
FlopsPerSecond parse_flops_rate(std::string_view text);

}  // namespace colossim
