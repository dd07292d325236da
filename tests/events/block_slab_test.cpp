#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "events/block_slab.hpp"
#include "events/codec.hpp"

using namespace switchboard;

// Slab counts hold only where blocks are cut from slabs (not under AddressSanitizer).
#define CHECK_SLABS(...)                                                                  \
  do {                                                                                     \
    if (block_slab::cuts_slabs)                                                            \
      CHECK(__VA_ARGS__);                                                                  \
  } while (false)

namespace {

struct block {
  unsigned char* at;
  std::size_t size;
  unsigned char fill;
};

// Takes blocks on a thread of its own, which closes its slab when it ends, and hands
// them back.
std::vector<block> take_on_other_thread(const std::vector<std::size_t>& sizes) {
  std::vector<block> out;
  std::thread t{[&] {
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      auto* at = static_cast<unsigned char*>(block_slab::take(sizes[i]));
      auto fill = static_cast<unsigned char>(i * 131 + 7);
      std::memset(at, fill, sizes[i]);
      out.push_back({at, sizes[i], fill});
    }
  }};
  t.join();
  return out;
}

bool intact(const block& b) {
  for (std::size_t i = 0; i < b.size; ++i)
    if (b.at[i] != b.fill)
      return false;
  return true;
}

} // namespace

TEST_CASE("slab blocks are aligned, apart and keep their bytes", "[block_slab]") {
  std::mt19937 rng{11};
  std::vector<std::size_t> sizes;
  for (int i = 0; i < 4000; ++i)
    sizes.push_back(1 + rng() % 3000);
  // Blocks too big for a slab and blocks at the limit.
  sizes.push_back(block_slab::largest_block);
  sizes.push_back(block_slab::largest_block + 1);
  sizes.push_back(100 * 1024);
  auto base = block_slab::slabs_held();
  auto blocks = take_on_other_thread(sizes);
  for (const auto& b : blocks) {
    CHECK(reinterpret_cast<std::uintptr_t>(b.at) % 16 == 0);
    CHECK(intact(b));
  }
  CHECK_SLABS(block_slab::slabs_held() > base);
  for (const auto& b : blocks)
    block_slab::release(b.at);
  CHECK_SLABS(block_slab::slabs_held() == base);
}

TEST_CASE("a slab goes back to the heap with its last block, released anywhere",
          "[block_slab]") {
  auto base = block_slab::slabs_held();
  std::vector<std::size_t> sizes(5 * block_slab::slab_bytes / 1000, 1000);
  auto blocks = take_on_other_thread(sizes);
  auto filled = block_slab::slabs_held() - base;
  CHECK_SLABS(filled >= 5);
  // Everything but the first block: only the first slab is left.
  for (std::size_t i = 1; i < blocks.size(); ++i)
    block_slab::release(blocks[i].at);
  CHECK(intact(blocks[0]));
  CHECK_SLABS(block_slab::slabs_held() == base + 1);
  block_slab::release(blocks[0].at);
  CHECK_SLABS(block_slab::slabs_held() == base);
}

TEST_CASE("a thread's open slab stays until the thread moves on", "[block_slab]") {
  auto base = block_slab::slabs_held();
  std::size_t while_open = 0;
  std::thread t{[&] {
    block_slab::release(block_slab::take(64));
    while_open = block_slab::slabs_held();
  }};
  t.join();
  CHECK_SLABS(while_open == base + 1);
  CHECK_SLABS(block_slab::slabs_held() == base);
}

TEST_CASE("blocks passed between threads come back whole", "[block_slab]") {
  auto base = block_slab::slabs_held();
  std::mutex m;
  std::vector<block> handed;
  std::atomic<int> makers_left{2};
  std::atomic<bool> torn{false};
  auto make = [&](unsigned seed) {
    std::mt19937 rng{seed};
    for (int i = 0; i < 20000; ++i) {
      auto size = 1 + rng() % 1500;
      auto* at = static_cast<unsigned char*>(block_slab::take(size));
      auto fill = static_cast<unsigned char>(rng());
      std::memset(at, fill, size);
      std::lock_guard<std::mutex> g{m};
      handed.push_back({at, size, fill});
    }
    --makers_left;
  };
  auto drop = [&] {
    for (;;) {
      std::vector<block> mine;
      {
        std::lock_guard<std::mutex> g{m};
        mine.swap(handed);
      }
      for (const auto& b : mine) {
        if (!intact(b))
          torn = true;
        block_slab::release(b.at);
      }
      if (mine.empty() && makers_left == 0) {
        std::lock_guard<std::mutex> g{m};
        if (handed.empty())
          return;
      }
    }
  };
  std::thread a{make, 1u}, b{make, 2u}, c{drop}, d{drop};
  a.join();
  b.join();
  c.join();
  d.join();
  CHECK_FALSE(torn);
  CHECK_SLABS(block_slab::slabs_held() == base);
}

TEST_CASE("events made on one thread and dropped on another give their slabs back",
          "[block_slab]") {
  auto base = block_slab::slabs_held();
  std::vector<event_ptr> events;
  std::thread t{[&] {
    codec dec;
    for (int i = 0; i < 2000; ++i) {
      auto text = R"({"event_id":"e)" + std::to_string(i)
                  + R"(","event_type":"task_created","timestamp":"2026-01-01T00:00:00Z",)"
                    R"("source":"s","version":"1.0","data":{"task_id":"t)"
                  + std::to_string(i) + R"("},"metadata":{}})";
      auto ev = dec.decode(std::string_view{text});
      REQUIRE(ev);
      events.push_back(std::move(*ev));
    }
  }};
  t.join();
  CHECK_SLABS(block_slab::slabs_held() > base);
  for (int i = 0; i < 2000; ++i)
    CHECK(events[i]->data_string("task_id") == "t" + std::to_string(i));
  events.clear();
  CHECK_SLABS(block_slab::slabs_held() == base);
}
