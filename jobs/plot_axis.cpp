#include "jobs/plot_axis.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace recur::jobs {
namespace {

// Slack against rounding when a bound divided by the step should be a whole number.
constexpr double kSlack = 1e-9;
// About this many intervals between the ticks of a linear axis.
constexpr double kIntervals = 5;
// Labels switch to the "1e6" style at ticks this large or steps this fine.
constexpr double kLargest = 1e6, kFinest = 1e-3;

// "2.50" -> "2.5", "3.000" -> "3", "-0" -> "0".
std::string without_needless_digits(std::string s) {
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s == "-0" ? "0" : s;
}

std::string fixed_label(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", std::max(decimals, 0), value);
  return without_needless_digits(buf);
}

// "2.5e6", "1e-5": a mantissa of at most `decimals` decimals and a plain exponent.
std::string scientific_label(double value, int decimals) {
  if (value == 0) return "0";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*e", std::max(decimals, 0), value);
  const std::string s = buf;
  const auto e = s.find('e');
  return without_needless_digits(s.substr(0, e)) + "e" + std::to_string(std::stoi(s.substr(e + 1)));
}

int exponent_of(double value) {
  return static_cast<int>(std::floor(std::log10(std::abs(value)) + kSlack));
}

}  // namespace

double PlotAxis::fraction(double value) const {
  if (log) return (std::log10(value) - std::log10(low)) / (std::log10(high) - std::log10(low));
  return (value - low) / (high - low);
}

PlotAxis linear_axis(double low, double high) {
  if (!(high > low)) {
    const double half = low == 0 ? 1 : std::abs(low) / 2;
    low -= half, high += half;
  }
  const double raw = (high - low) / kIntervals;
  int exponent = exponent_of(raw);
  double power = std::pow(10.0, exponent), mantissa = 10;
  for (double m : {1.0, 2.0, 2.5, 5.0}) {
    if (m * power >= raw * (1 - kSlack)) {
      mantissa = m;
      break;
    }
  }
  if (mantissa == 10) mantissa = 1, power *= 10, ++exponent;
  const double step = mantissa * power;
  const auto first = static_cast<long long>(std::floor(low / step + kSlack));
  const auto last = static_cast<long long>(std::ceil(high / step - kSlack));
  PlotAxis axis;
  axis.low = static_cast<double>(first) * step;
  axis.high = static_cast<double>(last) * step;
  for (long long k = first; k <= last; ++k) axis.ticks.push_back(static_cast<double>(k) * step);
  const double largest = std::max(std::abs(axis.low), std::abs(axis.high));
  const int half_step = mantissa == 2.5 ? 1 : 0;
  for (double t : axis.ticks)
    axis.labels.push_back(largest >= kLargest || step < kFinest
                              ? scientific_label(t, exponent_of(largest) - exponent + half_step)
                              : fixed_label(t, -exponent + half_step));
  return axis;
}

PlotAxis log_axis(double low, double high) {
  int first = static_cast<int>(std::floor(std::log10(low) + kSlack));
  int last = static_cast<int>(std::ceil(std::log10(high) - kSlack));
  if (last <= first) --first, ++last;
  const int decades = last - first, stride = (decades + 9) / 10;
  last = first + (decades + stride - 1) / stride * stride;
  PlotAxis axis;
  axis.log = true;
  axis.low = std::pow(10.0, first);
  axis.high = std::pow(10.0, last);
  for (int d = first; d <= last; d += stride) {
    axis.ticks.push_back(std::pow(10.0, d));
    if (decades <= 2 && d < last)
      for (double m : {2.0, 5.0}) axis.ticks.push_back(m * std::pow(10.0, d));
  }
  const bool scientific = axis.high >= kLargest || axis.low < kFinest;
  for (double t : axis.ticks)
    axis.labels.push_back(scientific ? scientific_label(t, 0) : fixed_label(t, -exponent_of(t)));
  return axis;
}

}  // namespace recur::jobs
