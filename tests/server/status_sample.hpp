// A runtime's status with known numbers, for the tests of what the service shows of it (metrics,
// nodes): the supervisor of models/bigint (one worker, the tool bigint), the pipelines' tool
// supervisor (bigint again), and models/other/, which did not answer.
#pragma once

#include "actors/runtime_status.hpp"

namespace recur::server::testing {

actors::RuntimeStatus sample_status();

}  // namespace recur::server::testing
