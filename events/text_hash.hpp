#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace switchboard {

/// A fast 64-bit hash of short text such as event, task and document ids.
///
/// Trackers hash an id or two per event, and ids are mostly 6 to 24 bytes: the bytes are
/// read in at most a few overlapping words and mixed by 128-bit multiplies (the scheme
/// of wyhash), where `std::hash` walks them in an out-of-line loop. Not for use against
/// adversarial keys beyond what open addressing with a bounded load tolerates.
inline uint64_t text_hash(std::string_view text) noexcept {
  constexpr uint64_t k0 = 0xa0761d6478bd642fULL;
  constexpr uint64_t k1 = 0xe7037ed1a0b428dbULL;
  constexpr uint64_t k2 = 0x8ebc6af09c88c6e3ULL;
  auto mix = [](uint64_t a, uint64_t b) {
    auto r = static_cast<unsigned __int128>(a) * b;
    return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
  };
  auto word = [](const char* p) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
  };
  auto half = [](const char* p) {
    uint32_t w;
    std::memcpy(&w, p, 4);
    return static_cast<uint64_t>(w);
  };
  const char* p = text.data();
  auto n = text.size();
  uint64_t seed = k0;
  uint64_t a = 0;
  uint64_t b = 0;
  if (n >= 8) {
    // Whole 16-byte blocks, then the last 16 bytes (overlapping) or the last 8 twice.
    std::size_t i = 0;
    for (; n - i > 16; i += 16)
      seed = mix(word(p + i) ^ k1, word(p + i + 8) ^ seed);
    a = n > 16 ? word(p + n - 16) : word(p);
    b = word(p + n - 8);
  } else if (n >= 4) {
    a = half(p) << 32 | half(p + n - 4);
  } else if (n > 0) {
    auto byte = [&](std::size_t i) { return static_cast<uint64_t>(static_cast<uint8_t>(p[i])); };
    a = byte(0) << 16 | byte(n >> 1) << 8 | byte(n - 1);
  }
  return mix(k2 ^ n, mix(a ^ k1, b ^ seed));
}

/// `text_hash` as a hasher for unordered containers keyed by text.
struct text_hasher {
  /// The hash of `text`.
  std::size_t operator()(std::string_view text) const noexcept {
    return static_cast<std::size_t>(text_hash(text));
  }
};

} // namespace switchboard
