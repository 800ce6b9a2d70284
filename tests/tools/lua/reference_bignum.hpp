// A deliberately plain big-integer reference for the bigint tests: signed decimal strings, base-1e9
// limbs, schoolbook addition and multiplication in C++. It shares no code or representation with
// the Lua tool it checks.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace recur::tools::testing {

class ReferenceBig {
 public:
  static ReferenceBig parse(const std::string& text) {
    ReferenceBig x;
    std::size_t first = (!text.empty() && (text[0] == '-' || text[0] == '+')) ? 1 : 0;
    for (std::size_t end = text.size(); end > first;) {
      std::size_t begin = end >= first + 9 ? end - 9 : first;
      x.limbs_.push_back(static_cast<std::uint32_t>(std::stoul(text.substr(begin, end - begin))));
      end = begin;
    }
    x.trim();
    x.negative_ = !x.limbs_.empty() && text[0] == '-';
    return x;
  }

  std::string str() const {
    if (limbs_.empty()) return "0";
    std::string out = negative_ ? "-" : "";
    out += std::to_string(limbs_.back());
    for (std::size_t i = limbs_.size() - 1; i-- > 0;) {
      std::string part = std::to_string(limbs_[i]);
      out += std::string(9 - part.size(), '0') + part;
    }
    return out;
  }

  friend ReferenceBig operator*(const ReferenceBig& a, const ReferenceBig& b) {
    ReferenceBig r;
    std::vector<std::uint64_t> acc(a.limbs_.size() + b.limbs_.size() + 1, 0);
    for (std::size_t i = 0; i < a.limbs_.size(); ++i) {
      std::uint64_t carry = 0;
      for (std::size_t j = 0; j < b.limbs_.size(); ++j) {
        std::uint64_t cur = acc[i + j] + std::uint64_t{a.limbs_[i]} * b.limbs_[j] + carry;
        acc[i + j] = cur % kBase;
        carry = cur / kBase;
      }
      for (std::size_t k = i + b.limbs_.size(); carry != 0; ++k) {
        std::uint64_t cur = acc[k] + carry;
        acc[k] = cur % kBase;
        carry = cur / kBase;
      }
    }
    for (auto v : acc) r.limbs_.push_back(static_cast<std::uint32_t>(v));
    r.trim();
    r.negative_ = !r.limbs_.empty() && a.negative_ != b.negative_;
    return r;
  }

  friend ReferenceBig operator+(const ReferenceBig& a, const ReferenceBig& b) {
    if (a.negative_ == b.negative_) {
      ReferenceBig r = add_magnitudes(a, b);
      r.negative_ = a.negative_ && !r.limbs_.empty();
      return r;
    }
    int c = compare_magnitudes(a, b);
    if (c == 0) return ReferenceBig();
    ReferenceBig r = c > 0 ? subtract_magnitudes(a, b) : subtract_magnitudes(b, a);
    r.negative_ = c > 0 ? a.negative_ : b.negative_;
    return r;
  }

  friend bool operator==(const ReferenceBig& a, const ReferenceBig& b) {
    return a.negative_ == b.negative_ && a.limbs_ == b.limbs_;
  }

  bool negative() const { return negative_; }
  bool zero() const { return limbs_.empty(); }
  ReferenceBig magnitude() const {
    ReferenceBig r = *this;
    r.negative_ = false;
    return r;
  }
  friend bool less_magnitude(const ReferenceBig& a, const ReferenceBig& b) {
    return compare_magnitudes(a, b) < 0;
  }

 private:
  static constexpr std::uint64_t kBase = 1'000'000'000;

  void trim() {
    while (!limbs_.empty() && limbs_.back() == 0) limbs_.pop_back();
  }
  static int compare_magnitudes(const ReferenceBig& a, const ReferenceBig& b) {
    if (a.limbs_.size() != b.limbs_.size()) return a.limbs_.size() < b.limbs_.size() ? -1 : 1;
    for (std::size_t i = a.limbs_.size(); i-- > 0;)
      if (a.limbs_[i] != b.limbs_[i]) return a.limbs_[i] < b.limbs_[i] ? -1 : 1;
    return 0;
  }
  static ReferenceBig add_magnitudes(const ReferenceBig& a, const ReferenceBig& b) {
    ReferenceBig r;
    std::uint64_t carry = 0;
    for (std::size_t i = 0; i < std::max(a.limbs_.size(), b.limbs_.size()) || carry; ++i) {
      std::uint64_t cur =
          carry + (i < a.limbs_.size() ? a.limbs_[i] : 0) + (i < b.limbs_.size() ? b.limbs_[i] : 0);
      r.limbs_.push_back(static_cast<std::uint32_t>(cur % kBase));
      carry = cur / kBase;
    }
    r.trim();
    return r;
  }
  static ReferenceBig subtract_magnitudes(const ReferenceBig& a, const ReferenceBig& b) {
    ReferenceBig r;
    std::int64_t borrow = 0;
    for (std::size_t i = 0; i < a.limbs_.size(); ++i) {
      std::int64_t cur =
          std::int64_t{a.limbs_[i]} - borrow - (i < b.limbs_.size() ? b.limbs_[i] : 0);
      borrow = cur < 0;
      r.limbs_.push_back(static_cast<std::uint32_t>(cur < 0 ? cur + std::int64_t(kBase) : cur));
    }
    r.trim();
    return r;
  }

  bool negative_ = false;
  std::vector<std::uint32_t> limbs_;
};

}  // namespace recur::tools::testing
