// The shape of one session's recurrent state and its canonical layout, shared by every backend and
// by snapshots: for each layer in order, the conv state [d_inner][d_conv - 1] (the last raw inputs,
// oldest first) followed by the SSM state [d_inner][d_state], all fp32.
#pragma once

#include <cstddef>

#include "model/config.hpp"

namespace recur {

struct StateShape {
  std::size_t num_layers = 0;
  std::size_t hidden_size = 0;
  std::size_t d_inner = 0;
  std::size_t d_conv = 0;
  std::size_t d_state = 0;
  std::size_t vocab_size = 0;

  static StateShape of(const MambaConfig& c) {
    return {c.num_layers,  c.hidden_size, c.intermediate_size,
            c.conv_kernel, c.state_size,  c.vocab_size};
  }

  std::size_t conv_floats() const { return d_inner * (d_conv - 1); }  // per layer
  std::size_t ssm_floats() const { return d_inner * d_state; }        // per layer
  std::size_t layer_floats() const { return conv_floats() + ssm_floats(); }
  std::size_t floats() const { return num_layers * layer_floats(); }  // per session
  std::size_t bytes() const { return floats() * sizeof(float); }

  // Offsets, in floats, into one session's state.
  std::size_t conv_offset(std::size_t layer) const { return layer * layer_floats(); }
  std::size_t ssm_offset(std::size_t layer) const { return layer * layer_floats() + conv_floats(); }

  bool operator==(const StateShape&) const = default;
};

}  // namespace recur
