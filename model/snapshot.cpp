#include "model/snapshot.hpp"

#include <array>
#include <cstring>
#include <string>

namespace recur {
namespace {

constexpr char kMagic[8] = {'R', 'E', 'C', 'U', 'R', 'S', 'N', 'P'};
constexpr std::size_t kHeaderBytes = 100;

// Writes fixed-width little-endian fields at increasing offsets of a preallocated buffer.
class Writer {
 public:
  explicit Writer(std::vector<std::uint8_t>& out) : out_(out) {}
  template <class T>
  void put(T v) {
    std::memcpy(out_.data() + at_, &v, sizeof(T));  // little-endian hosts only (x86-64, aarch64)
    at_ += sizeof(T);
  }
  void put_floats(const std::vector<float>& v) {
    std::memcpy(out_.data() + at_, v.data(), v.size() * sizeof(float));
    at_ += v.size() * sizeof(float);
  }
  std::size_t offset() const { return at_; }

 private:
  std::vector<std::uint8_t>& out_;
  std::size_t at_ = 0;
};

template <class T>
T get(std::span<const std::uint8_t> bytes, std::size_t offset) {
  T v;
  std::memcpy(&v, bytes.data() + offset, sizeof(T));
  return v;
}

std::string shape_text(const StateShape& s) {
  return "layers " + std::to_string(s.num_layers) + ", hidden " + std::to_string(s.hidden_size) +
         ", d_inner " + std::to_string(s.d_inner) + ", d_conv " + std::to_string(s.d_conv) +
         ", d_state " + std::to_string(s.d_state) + ", vocab " + std::to_string(s.vocab_size);
}

}  // namespace

std::uint32_t crc32(std::span<const std::uint8_t> bytes) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xffffffffu;
  for (auto b : bytes) c = table[(c ^ b) & 0xffu] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

std::vector<std::uint8_t> encode_snapshot(const Snapshot& s) {
  std::vector<std::uint8_t> out(kHeaderBytes + s.state.size() * sizeof(float) + 4);
  Writer w(out);
  for (char c : kMagic) w.put<char>(c);
  w.put<std::uint32_t>(kSnapshotVersion);
  for (auto v : {s.shape.num_layers, s.shape.hidden_size, s.shape.d_inner, s.shape.d_conv,
                 s.shape.d_state, s.shape.vocab_size})
    w.put<std::uint32_t>(static_cast<std::uint32_t>(v));
  w.put<float>(s.sampling.temperature);
  w.put<std::uint32_t>(s.sampling.top_k);
  w.put<float>(s.sampling.top_p);
  w.put<std::uint32_t>(0);
  w.put<std::uint64_t>(s.sampling.seed);
  for (auto v : s.rng) w.put<std::uint64_t>(v);
  w.put<std::uint64_t>(s.state.size());
  w.put_floats(s.state);
  w.put<std::uint32_t>(crc32(std::span(out).first(w.offset())));
  return out;
}

Result<Snapshot> decode_snapshot(std::span<const std::uint8_t> bytes, const StateShape& expected) {
  if (bytes.size() < kHeaderBytes + 4)
    return fail(ErrorCode::data_loss, "snapshot: " + std::to_string(bytes.size()) +
                                          " bytes, shorter than the " +
                                          std::to_string(kHeaderBytes + 4) + "-byte minimum");
  if (std::memcmp(bytes.data(), kMagic, 8) != 0)
    return fail(ErrorCode::data_loss, "snapshot: bad magic at byte 0 (not a recur snapshot)");
  const auto version = get<std::uint32_t>(bytes, 8);
  if (version != kSnapshotVersion)
    return fail(ErrorCode::failed_precondition,
                "snapshot: format version " + std::to_string(version) +
                    " at byte 8; this build reads version " + std::to_string(kSnapshotVersion));
  const auto stored_crc = get<std::uint32_t>(bytes, bytes.size() - 4);
  if (crc32(bytes.first(bytes.size() - 4)) != stored_crc)
    return fail(ErrorCode::data_loss,
                "snapshot: checksum mismatch (the bytes are corrupt or truncated)");

  Snapshot s;
  std::size_t* fields[] = {&s.shape.num_layers, &s.shape.hidden_size, &s.shape.d_inner,
                           &s.shape.d_conv,     &s.shape.d_state,     &s.shape.vocab_size};
  for (std::size_t i = 0; i < 6; ++i) *fields[i] = get<std::uint32_t>(bytes, 12 + 4 * i);
  if (!(s.shape == expected))
    return fail(ErrorCode::invalid_argument, "snapshot: taken from a model of shape (" +
                                                 shape_text(s.shape) + ") but restoring into (" +
                                                 shape_text(expected) + ")");
  s.sampling.temperature = get<float>(bytes, 36);
  s.sampling.top_k = get<std::uint32_t>(bytes, 40);
  s.sampling.top_p = get<float>(bytes, 44);
  s.sampling.seed = get<std::uint64_t>(bytes, 52);
  for (std::size_t i = 0; i < 4; ++i) s.rng[i] = get<std::uint64_t>(bytes, 60 + 8 * i);
  const auto n = get<std::uint64_t>(bytes, 92);
  if (n != expected.floats() || bytes.size() != kHeaderBytes + n * 4 + 4)
    return fail(ErrorCode::data_loss, "snapshot: holds " + std::to_string(n) + " state values in " +
                                          std::to_string(bytes.size()) +
                                          " bytes; the shape needs " +
                                          std::to_string(expected.floats()));
  s.state.resize(n);
  std::memcpy(s.state.data(), bytes.data() + kHeaderBytes, n * sizeof(float));
  return s;
}

Result<std::vector<std::uint8_t>> snapshot_session(const Backend& backend, SlotId slot,
                                                   const Sampler& sampler) {
  auto state = backend.read_state(slot);
  if (!state) return state.error();
  return encode_snapshot(
      {backend.model().state_shape(), sampler.params(), sampler.rng().state(), std::move(*state)});
}

Status restore_session(Backend& backend, SlotId slot, Sampler& sampler,
                       std::span<const std::uint8_t> bytes) {
  auto snap = decode_snapshot(bytes, backend.model().state_shape());
  if (!snap) return snap.error();
  if (auto s = backend.write_state(slot, snap->state); !s) return s;
  sampler = Sampler(snap->sampling);
  sampler.rng().set_state(snap->rng);
  return {};
}

}  // namespace recur
