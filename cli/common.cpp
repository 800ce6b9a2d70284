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

void print_json(const Json& value) {
  std::cout << value.dump(-1, ' ', false, Json::error_handler_t::replace) << std::endl;
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
      return fail(ErrorCode::invalid_argument, option + ": element " + std::to_string(index) +
                                                   " ('" + item + "') is not an integer id");
    ids.push_back(v);
    start = end + 1;
    ++index;
  }
  return ids;
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
  if (!f) return fail(ErrorCode::io, "cannot write " + file);
  return {};
}

Result<Tokenizer> load_tokenizer(const std::filesystem::path& dir) {
  return Tokenizer::load(dir / "tokenizer.json");
}

Result<std::unique_ptr<Backend>> load_backend(const std::filesystem::path& dir,
                                              const std::string& device, unsigned threads) {
  if (device != "cpu" && device.rfind("cuda", 0) != 0)
    return fail(ErrorCode::invalid_argument,
                "--device: '" + device + "' is not a device (cpu, cuda or cuda:N)");
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
