#include "events/block_slab.hpp"

#include <atomic>
#include <cstdint>
#include <new>

namespace switchboard::block_slab {

// Event blocks are made on one core and freed on another. From the heap's free lists a
// new block is memory some other core freed last, and reading the list's link in it
// stalls on that core's cache (a tenth of the pipeline's time went there). Cutting
// blocks from a slab in order writes memory without reading it first, and the hardware
// streams the writes.

namespace {

constexpr std::size_t header_bytes = 16;
constexpr std::size_t slab_header_bytes = 64;
// Added to a slab's count while its thread still cuts blocks from it, so releases
// before then cannot bring it to zero; the thread takes it off when it moves on.
constexpr int64_t open_bias = int64_t{1} << 40;

// On a line of its own: releases from every core write it.
struct alignas(64) slab {
  std::atomic<int64_t> live{open_bias};
};

static_assert(sizeof(slab) <= slab_header_bytes);

std::atomic<std::size_t> held{0};

slab* new_slab() {
  auto* mem = ::operator new(slab_bytes, std::align_val_t{slab_header_bytes});
  held.fetch_add(1, std::memory_order_relaxed);
  return new (mem) slab;
}

void free_slab(slab* s) noexcept {
  s->~slab();
  ::operator delete(static_cast<void*>(s), std::align_val_t{slab_header_bytes});
  held.fetch_sub(1, std::memory_order_relaxed);
}

// The slab this thread cuts from.
struct cutter {
  slab* current = nullptr;
  std::size_t used = 0;
  int64_t cut = 0;

  cutter() = default;
  cutter(const cutter&) = delete;
  cutter& operator=(const cutter&) = delete;

  ~cutter() {
    close();
  }

  void close() noexcept {
    if (current == nullptr)
      return;
    // The old count is what releases left of the bias: zero after this when every
    // block cut from the slab is already back.
    if (current->live.fetch_add(cut - open_bias, std::memory_order_acq_rel)
        == open_bias - cut)
      free_slab(current);
    current = nullptr;
  }

  void* cut_block(std::size_t room) {
    if (current == nullptr || used + room > slab_bytes) {
      close();
      current = new_slab();
      used = slab_header_bytes;
      cut = 0;
    }
    auto* at = reinterpret_cast<char*>(current) + used;
    used += room;
    ++cut;
    return at;
  }
};

thread_local cutter this_thread;

slab*& owner_of(void* block) noexcept {
  return *reinterpret_cast<slab**>(static_cast<char*>(block) - header_bytes);
}

} // namespace

void* take(std::size_t n) {
  char* at;
  slab* owner = nullptr;
  if (!cuts_slabs || n > largest_block) {
    at = static_cast<char*>(::operator new(header_bytes + n));
  } else {
    at = static_cast<char*>(this_thread.cut_block(header_bytes + ((n + 15) & ~std::size_t{15})));
    owner = this_thread.current;
  }
  auto* block = at + header_bytes;
  owner_of(block) = owner;
  return block;
}

void release(void* block) noexcept {
  auto* owner = owner_of(block);
  if (owner == nullptr) {
    ::operator delete(static_cast<char*>(block) - header_bytes);
    return;
  }
  if (owner->live.fetch_sub(1, std::memory_order_acq_rel) == 1)
    free_slab(owner);
}

std::size_t slabs_held() noexcept {
  return held.load(std::memory_order_relaxed);
}

} // namespace switchboard::block_slab
