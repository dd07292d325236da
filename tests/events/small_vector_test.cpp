// The inline-first buffer behind json_fields: values survive growth, copies and moves.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "events/small_vector.hpp"

using namespace switchboard;

namespace {

template <std::size_t N>
std::vector<int> values(const small_vector<int, N>& v) {
  return {v.begin(), v.end()};
}

} // namespace

TEST_CASE("a small vector keeps its values from the inline part into the heap") {
  small_vector<int, 4> v;
  CHECK(v.empty());
  std::vector<int> expected;
  for (int i = 0; i < 100; ++i) {
    v.push_back(i);
    expected.push_back(i);
    REQUIRE(values(v) == expected);
  }
  auto* more = v.extend(3);
  more[0] = 100;
  more[1] = 101;
  more[2] = 102;
  expected.insert(expected.end(), {100, 101, 102});
  CHECK(values(v) == expected);
  v.truncate(10);
  expected.resize(10);
  CHECK(values(v) == expected);
  CHECK(v[9] == 9);
}

TEST_CASE("small vectors copy and move both inline and on the heap") {
  for (int n : {0, 3, 4, 5, 50}) {
    small_vector<int, 4> v;
    std::vector<int> expected;
    for (int i = 0; i < n; ++i) {
      v.push_back(i * 7);
      expected.push_back(i * 7);
    }
    INFO("values " << n);
    small_vector<int, 4> copy{v};
    CHECK(values(copy) == expected);
    copy.push_back(-1); // the copy is its own
    CHECK(values(v) == expected);
    small_vector<int, 4> moved{std::move(v)};
    CHECK(values(moved) == expected);
    CHECK(v.empty());
    v.push_back(5); // a moved-from vector is usable
    CHECK(values(v) == std::vector<int>{5});
    small_vector<int, 4> assigned;
    assigned.push_back(99);
    assigned = moved;
    CHECK(values(assigned) == expected);
    small_vector<int, 4> target;
    for (int i = 0; i < 9; ++i)
      target.push_back(i); // a heap part of its own, released by the move
    target = std::move(moved);
    CHECK(values(target) == expected);
    CHECK(moved.empty());
    target = target; // NOLINT: self-assignment keeps the values
    CHECK(values(target) == expected);
  }
}

TEST_CASE("a small vector of text appends and writes in place") {
  small_vector<char, 8> text;
  for (std::string piece : {"{", "\"key\"", ":", "\"a value longer than the inline part\"", "}"})
    text.append(piece.data(), piece.size());
  CHECK(std::string(text.data(), text.size())
        == R"({"key":"a value longer than the inline part"})");
}
