#include "model/devices.hpp"

#include <algorithm>
#include <charconv>

#include "model/backend.hpp"

namespace recur {

Result<std::vector<std::string>> select_cuda_devices(std::string_view list, int present,
                                                     const std::string& why_none) {
  std::vector<int> numbers;
  if (list == "all") {
    for (int i = 0; i < present; ++i) numbers.push_back(i);
  } else {
    std::size_t start = 0, index = 0;
    while (start <= list.size()) {
      std::size_t end = std::min(list.find(',', start), list.size());
      std::string_view item = list.substr(start, end - start);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      int n = -1;
      auto [p, ec] = std::from_chars(item.data(), item.data() + item.size(), n);
      if (item.empty() || ec != std::errc() || p != item.data() + item.size() || n < 0)
        return fail(ErrorCode::invalid_argument,
                    "element " + std::to_string(index) + " ('" + std::string(item) +
                        "') of the GPU list is not a GPU number (give 0,1,... or all)");
      if (std::find(numbers.begin(), numbers.end(), n) != numbers.end())
        return fail(ErrorCode::invalid_argument,
                    "GPU " + std::to_string(n) + " is listed twice in the GPU list");
      numbers.push_back(n);
      start = end + 1;
      ++index;
    }
  }
  if (present <= 0) return fail(ErrorCode::unavailable, why_none);
  for (int n : numbers)
    if (n >= present)
      return fail(ErrorCode::not_found, "GPU " + std::to_string(n) + " is not present (" +
                                            std::to_string(present) + " device(s): 0.." +
                                            std::to_string(present - 1) + ")");
  std::vector<std::string> names;
  for (int n : numbers) names.push_back(std::string("cuda:") + std::to_string(n));
  return names;
}

Result<std::vector<std::string>> select_cuda_devices(std::string_view list) {
  const int present = cuda_device_count();
  return select_cuda_devices(list, present, present > 0 ? "" : cuda_unavailable_reason());
}

}  // namespace recur
