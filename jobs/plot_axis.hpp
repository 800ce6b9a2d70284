// The axes of a line plot: the span each axis shows and its ticks at round values, labelled
// without needless digits.
//
// A linear axis puts its ticks at the multiples of one step, 1, 2, 2.5 or 5 times a power of ten
// (the "nice numbers" of Heckbert's Graphics Gems chapter), about five intervals in all, and widens
// its span to the ticks around the data. A log axis spans whole decades, a tick at each power of
// ten (every second, third, ... one past ten decades), with ticks at 2 and 5 times each power as
// well when it spans at most two decades. Labels read "0", "0.25", "7.5", "1000", never "-0" or
// "0.100000"; an axis whose ticks reach 1e6, or whose finest tick (the step of a linear axis, the
// lowest tick of a log axis) is below 1e-3, labels every tick in the "2.5e6" style.
#pragma once

#include <string>
#include <vector>

namespace recur::jobs {

struct PlotAxis {
  double low = 0, high = 1;  // the span shown, in data units; low < high (low > 0 on a log axis)
  bool log = false;
  std::vector<double> ticks;        // in data units, ascending, from low to high inclusive
  std::vector<std::string> labels;  // one per tick

  // Where `value` lies along the axis: 0 at low, 1 at high (log10 scale on a log axis).
  double fraction(double value) const;
};

// An axis over finite data from `low` to `high` (low <= high). A single value is shown in the
// middle of a span around it.
PlotAxis linear_axis(double low, double high);
// An axis over positive data from `low` to `high` (0 < low <= high). A single power of ten is
// shown in the middle of the two decades around it.
PlotAxis log_axis(double low, double high);

}  // namespace recur::jobs
