// The bounded, insertion-ordered table under the task, document and agent trackers.

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "actors/ordered_table.hpp"

using namespace switchboard;

namespace {

std::string keys(const ordered_table<int>& t) {
  std::string out;
  for (const auto& [key, value] : t)
    out += std::string{key} + "=" + std::to_string(value) + ";";
  return out;
}

} // namespace

TEST_CASE("ordered table keeps insertion order and evicts the oldest when full") {
  ordered_table<int> t{3};
  CHECK(t.empty());
  CHECK_FALSE(t.insert("a", 1));
  CHECK_FALSE(t.insert("b", 2));
  CHECK_FALSE(t.insert("c", 3));
  CHECK(keys(t) == "a=1;b=2;c=3;");
  auto evicted = t.insert("d", 4);
  REQUIRE(evicted);
  CHECK(evicted->first == "a");
  CHECK(evicted->second == 1);
  CHECK(keys(t) == "b=2;c=3;d=4;");
  CHECK(t.find("a") == nullptr);
  REQUIRE(t.find("c") != nullptr);
  *t.find("c") = 30;
  CHECK(keys(t) == "b=2;c=30;d=4;");
}

TEST_CASE("ordered table erases anywhere and re-inserting makes an entry the newest") {
  ordered_table<int> t{10};
  for (int i = 0; i < 5; ++i)
    t.insert("k" + std::to_string(i), i);
  CHECK(t.erase("k2"));
  CHECK_FALSE(t.erase("k2"));
  CHECK(keys(t) == "k0=0;k1=1;k3=3;k4=4;");
  t.insert("k0", 10);
  CHECK(keys(t) == "k1=1;k3=3;k4=4;k0=10;");
  CHECK(t.erase("k0"));
  CHECK(t.erase("k1"));
  CHECK(keys(t) == "k3=3;k4=4;");
  CHECK(t.front().first == "k3");
  t.pop_front();
  CHECK(t.front().second == 4);
  t.pop_front();
  CHECK(t.empty());
  CHECK(t.begin() == t.end());
  // The table stays usable once emptied through both ends.
  t.insert("z", 26);
  CHECK(keys(t) == "z=26;");
}

TEST_CASE("ordered table keeps its order when moved and under heavy churn") {
  ordered_table<int> t{100};
  for (int i = 0; i < 1000; ++i) {
    auto key = "id-" + std::to_string(i);
    t.insert(key, i);
    if (i % 3 == 0)
      t.erase(key);
  }
  std::vector<int> order;
  for (const auto& [key, value] : t) {
    CHECK(key == "id-" + std::to_string(value));
    CHECK(value % 3 != 0);
    order.push_back(value);
  }
  CHECK(order.size() == t.size());
  // 999 is erased right after it evicted the oldest; the 99 newest survivors remain.
  CHECK(order.size() == 99);
  CHECK(std::is_sorted(order.begin(), order.end()));
  CHECK(order.back() == 998);
  auto moved = std::move(t);
  std::vector<int> after;
  for (const auto& entry : moved)
    after.push_back(entry.second);
  CHECK(after == order);
  moved.insert("new", -1);
  CHECK(moved.front().second == order[0]);
}

TEST_CASE("ordered table agrees with a plain list under random operations") {
  // The reference: the same rules on a list, searched linearly.
  std::vector<std::pair<std::string, int>> model;
  auto model_find = [&](const std::string& k) {
    return std::find_if(model.begin(), model.end(), [&](auto& e) { return e.first == k; });
  };
  ordered_table<int> t{50};
  std::mt19937 rng{7};
  for (int step = 0; step < 50000; ++step) {
    // Lengths from 5 to 46 bytes: keys kept in place, on the heap, and entries that
    // hold one kind after the other.
    auto n = rng() % 200;
    auto key = "key-" + std::to_string(n) + std::string((n * 7) % 41, 'x');
    switch (rng() % 4) {
      case 0:
      case 1: {
        int value = step;
        auto evicted = t.insert(key, value);
        if (auto i = model_find(key); i != model.end())
          model.erase(i);
        if (model.size() >= 50) {
          REQUIRE(evicted);
          CHECK(evicted->first == model.front().first);
          CHECK(evicted->second == model.front().second);
          model.erase(model.begin());
        } else {
          CHECK_FALSE(evicted);
        }
        model.emplace_back(key, value);
        break;
      }
      case 2: {
        auto i = model_find(key);
        bool present = i != model.end();
        if (present)
          model.erase(i);
        REQUIRE(t.erase(key) == present);
        break;
      }
      default: {
        auto i = model_find(key);
        auto* v = t.find(key);
        REQUIRE((v != nullptr) == (i != model.end()));
        if (v != nullptr)
          CHECK(*v == i->second);
        if (!model.empty() && rng() % 8 == 0) {
          CHECK(t.front().first == model.front().first);
          t.pop_front();
          model.erase(model.begin());
        }
      }
    }
    REQUIRE(t.size() == model.size());
  }
  std::vector<std::pair<std::string, int>> seen;
  for (const auto& [k, v] : t)
    seen.emplace_back(k, v);
  CHECK(seen == model);
}

TEST_CASE("ordered table holds keys of every length across many chunks of entries") {
  ordered_table<std::size_t> t{3000};
  auto key_of = [](std::size_t i) {
    return std::to_string(i) + ":" + std::string(i % 64, static_cast<char>('a' + i % 26));
  };
  for (std::size_t i = 0; i < 5000; ++i)
    t.insert(key_of(i), i);
  REQUIRE(t.size() == 3000);
  for (std::size_t i = 0; i < 5000; ++i) {
    auto* v = t.find(key_of(i));
    if (i < 2000) {
      CHECK(v == nullptr);
    } else {
      REQUIRE(v != nullptr);
      CHECK(*v == i);
    }
  }
  std::size_t expected = 2000;
  for (const auto& [k, v] : t) {
    CHECK(k == key_of(v));
    CHECK(v == expected++);
  }
  // A key one byte longer than another that shares its start is a different key.
  ordered_table<int> u{4};
  std::string long_key(40, 'k');
  u.insert(long_key, 1);
  CHECK(u.find(long_key.substr(0, 39)) == nullptr);
  CHECK(u.find(long_key + "k") == nullptr);
  REQUIRE(u.find(long_key) != nullptr);
}
