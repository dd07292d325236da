// The hash of ids in the trackers' tables: every byte counts, and ids spread.

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "events/random_bits.hpp"
#include "events/text_hash.hpp"

using namespace switchboard;

TEST_CASE("text hash depends on every byte and on the length, at every length") {
  random_bits rng{3};
  for (std::size_t n = 0; n <= 70; ++n) {
    std::string text(n, 'a');
    for (auto& c : text)
      c = static_cast<char>('a' + rng() % 26);
    auto h = text_hash(text);
    INFO("length " << n);
    CHECK(text_hash(std::string{text}) == h); // the bytes, not where they lie
    for (std::size_t i = 0; i < n; ++i) {
      auto changed = text;
      changed[i] = static_cast<char>(changed[i] ^ 1);
      INFO("byte " << i);
      CHECK(text_hash(changed) != h);
    }
    // Trailing zero bytes must not vanish into the padding of a short read.
    CHECK(text_hash(text + '\0') != h);
    if (n > 0)
      CHECK(text_hash(std::string_view{text}.substr(0, n - 1)) != h);
  }
}

TEST_CASE("text hashes of sequential ids spread over the low bits tables use") {
  // The ids the trackers see: a prefix and a counter.
  for (std::string prefix : {"task-1-", "doc-42-", "analysis-doc-7-", "t"}) {
    constexpr std::size_t ids = 1 << 16;
    constexpr std::size_t buckets = 1 << 17; // a table at half load
    std::vector<int> load(buckets);
    std::unordered_set<uint32_t> low32;
    for (std::size_t i = 0; i < ids; ++i) {
      auto h = text_hash(prefix + std::to_string(i));
      ++load[h & (buckets - 1)];
      low32.insert(static_cast<uint32_t>(h ^ (h >> 32)));
    }
    INFO(prefix);
    // Uniform hashing puts at most ~8 in a bucket here; a weak mix of the counter's
    // digits piles them up.
    CHECK(*std::max_element(load.begin(), load.end()) <= 10);
    std::size_t empty = 0;
    for (auto l : load)
      empty += l == 0;
    // e^-0.5 of the buckets stay empty under uniform hashing: 79.5k of 131k.
    CHECK(empty > 77000);
    CHECK(empty < 82000);
    // Expected 32-bit collisions among 65k keys: about half of one.
    CHECK(low32.size() >= ids - 4);
  }
}
