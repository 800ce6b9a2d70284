// How model/ types that travel in actor messages are serialized (CAF inspect overloads, in the
// types' own namespace so that argument-dependent lookup finds them).
#pragma once

#include <caf/all.hpp>
#include "model/sampler.hpp"

namespace recur {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, SamplingParams& x) {
  return f(caf::meta::type_name("SamplingParams"), x.temperature, x.top_k, x.top_p, x.seed);
}

}  // namespace recur
