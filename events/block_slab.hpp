#pragma once

#include <cstddef>

namespace switchboard::block_slab {

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
