#include "cli/common.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <iostream>

namespace recur::cli {

int report_error(const std::string& command, const std::string& message) {
  std::string line = message;
  for (auto& c : line)
    if (c == '\n' || c == '\r') c = ' ';
  std::cerr << "recur " << command << ": " << line << std::endl;
  return 1;
}

Result<std::vector<TokenId>> parse_ids(const std::string& text, const std::string& option) {
  std::vector<TokenId> ids;
  std::size_t start = 0;
  std::size_t index = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    while (!item.empty() && item.back() == ' ') item.pop_back();
    TokenId v = 0;
    auto [p, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (item.empty() || ec != std::errc() || p != item.data() + item.size())
      return fail(option + ": element " + std::to_string(index) + " ('" + item +
                  "') is not an integer id");
    ids.push_back(v);
    start = end + 1;
    ++index;
  }
  return ids;
}

std::pair<double, double> wilson_interval(std::size_t k, std::size_t n) {
  if (n == 0) return {0, 0};
  const double z = 1.959963984540054, p = static_cast<double>(k) / n, nn = static_cast<double>(n);
  const double denom = 1 + z * z / nn;
  const double center = (p + z * z / (2 * nn)) / denom;
  const double half = z * std::sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / denom;
  return {std::max(0.0, center - half), std::min(1.0, center + half)};
}

Status write_accuracy_plot(const jobs::Report& table, const std::string& title, bool series,
                           const std::string& file) {
  jobs::PlotSpec plot;
  plot.x = "length";
  plot.y = "accuracy";
  plot.low = "wilson_low";
  plot.high = "wilson_high";
  plot.xlog = true;
  plot.title = title;
  if (series) plot.series = "series";
  std::ofstream f(file);
  f << table.plot_svg(plot);
  if (!f) return fail("cannot write " + file);
  return {};
}

Result<Tokenizer> load_tokenizer(const std::filesystem::path& dir) {
  return Tokenizer::load(dir / "tokenizer.json");
}

Result<std::unique_ptr<Backend>> load_backend(const std::filesystem::path& dir,
                                              const std::string& device, unsigned threads) {
  if (device != "cpu" && device.rfind("cuda", 0) != 0)
    return fail("--device: '" + device + "' is not a device (cpu, cuda or cuda:N)");
  auto model = Model::load(dir);
  if (!model) return model.error();
  BackendOptions options;
  options.device = device;
  options.threads = threads;
  // A command runs one session: a small pool, not all of a GPU's memory.
  options.capacity = 16;
  return make_backend(*model, options);
}

}  // namespace recur::cli
