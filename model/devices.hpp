// Which GPUs a node's model workers run on: a list of GPU numbers (or "all") turned into backend
// device names, one model worker per name. Numbers are CUDA runtime ordinals, so
// CUDA_VISIBLE_DEVICES narrows and renumbers what "all" and the numbers mean, as it does for every
// CUDA program.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace recur {

// The devices `list` names, as backend device names ("cuda:0", "cuda:1", ...) in the list's
// order: "all" for every one of the `present` devices, else GPU numbers separated by commas
// ("0,1"). Errors: invalid_argument naming an element that is not a number or a number given
// twice; unavailable with `why_none` as the message when no device is present; not_found naming a
// device past the present ones. The messages name no command-line flag: callers add their own.
Result<std::vector<std::string>> select_cuda_devices(std::string_view list, int present,
                                                     const std::string& why_none);

// The same against this machine's usable CUDA devices (cuda_device_count()).
Result<std::vector<std::string>> select_cuda_devices(std::string_view list);

}  // namespace recur
