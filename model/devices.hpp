// Which GPUs a node's model workers run on: a `--devices` list turned into backend device names,
// one model worker per name. Numbers are CUDA runtime ordinals, so CUDA_VISIBLE_DEVICES narrows
// and renumbers what "all" and the numbers mean, as it does for every CUDA program.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace recur {

// The devices `list` names, as backend device names ("cuda:0", "cuda:1", ...) in the list's
// order: "all" for every one of the `present` devices, else GPU numbers separated by commas
// ("0,1"). An error names an element that is not a number, a number given twice, or a device past
// the present ones; with no device present it says `why_none`.
Result<std::vector<std::string>> select_cuda_devices(std::string_view list, int present,
                                                     const std::string& why_none);

// The same against this machine's usable CUDA devices (cuda_device_count()).
Result<std::vector<std::string>> select_cuda_devices(std::string_view list);

}  // namespace recur
