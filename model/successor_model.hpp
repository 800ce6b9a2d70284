// A Mamba model whose greedy next token is a fixed function of the token just fed: its mixers add
// nothing (in_proj and out_proj are zero), so the residual stream is the token's one-hot embedding,
// and the head scores v highest exactly when v follows that token. A finite-state controller in the
// paper's sense written as real Mamba weights: it scripts a tool-using trajectory token for token,
// with observations steering it, and it saves as a bundle that transformers loads too.
#pragma once

#include <memory>
#include <vector>

#include "model/model.hpp"

namespace recur {

// next[t] is the token that follows t (-1: no preference, every logit equal, so argmax gives 0).
// `config` sets the vocabulary, the eos id and the "recur" section; the shapes are chosen here.
std::shared_ptr<const Model> successor_model(const std::vector<int>& next, MambaConfig config);

}  // namespace recur
