#pragma once

#include <cstddef>

namespace switchboard::block_slab {

#if defined(__SANITIZE_ADDRESS__)
#  define SWITCHBOARD_BLOCKS_SANITIZED 1
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer)
#    define SWITCHBOARD_BLOCKS_SANITIZED 1
#  endif
#endif

/// False under AddressSanitizer (the fuzz builds): every block is then a heap allocation
/// of its own, so a write past one meets a red zone instead of the next block.
#ifdef SWITCHBOARD_BLOCKS_SANITIZED
constexpr bool cuts_slabs = false;
#else
constexpr bool cuts_slabs = true;
#endif

/// Blocks larger than this get a heap allocation of their own rather than slab room.
constexpr std::size_t largest_block = 8 * 1024;

/// Bytes of one slab: the calling thread's blocks are cut from it one after another.
constexpr std::size_t slab_bytes = 64 * 1024;

/// Memory for a block of `n` bytes, aligned to 16; any thread may release it.
void* take(std::size_t n);

/// Gives back memory from `take`; the slab goes back to the heap with its last block.
void release(void* block) noexcept;

/// Slabs taken from the heap and not yet given back, in all threads (for tests).
std::size_t slabs_held() noexcept;

} // namespace switchboard::block_slab
