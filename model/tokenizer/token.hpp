// Token ids as the model and the tokenizer see them.
#pragma once

#include <cstdint>

namespace recur {

using TokenId = std::int32_t;

}  // namespace recur
