#pragma once

#include <cstring>

#include <catch2/catch.hpp>
#include <simdjson.h>

namespace switchboard::test {

/// Checks that two parses hold the same tree: types, number kinds and bits, strings,
/// element counts (read from the container words) and keys in order.
inline void check_same_tree(simdjson::dom::element a, simdjson::dom::element b) {
  using simdjson::dom::element_type;
  REQUIRE(a.type() == b.type());
  switch (a.type()) {
    case element_type::OBJECT: {
      simdjson::dom::object oa = a.get_object().value_unsafe();
      simdjson::dom::object ob = b.get_object().value_unsafe();
      REQUIRE(oa.size() == ob.size());
      auto ib = ob.begin();
      for (auto fa : oa) {
        auto fb = *ib;
        CHECK(fa.key == fb.key);
        check_same_tree(fa.value, fb.value);
        ++ib;
      }
      CHECK_FALSE(ib != ob.end());
      break;
    }
    case element_type::ARRAY: {
      simdjson::dom::array aa = a.get_array().value_unsafe();
      simdjson::dom::array ab = b.get_array().value_unsafe();
      REQUIRE(aa.size() == ab.size());
      auto ib = ab.begin();
      for (auto ea : aa) {
        check_same_tree(ea, *ib);
        ++ib;
      }
      break;
    }
    case element_type::STRING:
      CHECK(a.get_string().value_unsafe() == b.get_string().value_unsafe());
      CHECK(std::strcmp(a.get_c_str().value_unsafe(), b.get_c_str().value_unsafe()) == 0);
      break;
    case element_type::INT64:
      CHECK(a.get_int64().value_unsafe() == b.get_int64().value_unsafe());
      break;
    case element_type::UINT64:
      CHECK(a.get_uint64().value_unsafe() == b.get_uint64().value_unsafe());
      break;
    case element_type::DOUBLE: {
      auto x = a.get_double().value_unsafe();
      auto y = b.get_double().value_unsafe();
      CHECK(std::memcmp(&x, &y, 8) == 0);
      break;
    }
    case element_type::BOOL:
      CHECK(a.get_bool().value_unsafe() == b.get_bool().value_unsafe());
      break;
    case element_type::NULL_VALUE:
      break;
  }
}

} // namespace switchboard::test
