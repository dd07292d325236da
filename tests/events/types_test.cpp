#include <catch2/catch.hpp>

#include <string>

#include "events/types.hpp"

using namespace switchboard;

TEST_CASE("every event type belongs to its family and near misses to none") {
  std::size_t types = 0;
  for (auto family : all_families()) {
    for (auto type : event_types_of(family)) {
      ++types;
      INFO(type);
      CHECK(family_of(type) == family);
      std::string name{type};
      CHECK(family_of(name + "s") == event_family::unknown);
      CHECK(family_of(name.substr(1)) == event_family::unknown);
      CHECK(family_of(name.substr(0, name.size() - 1)) == event_family::unknown);
      auto changed = name;
      changed[changed.size() / 2] ^= 0x20;
      CHECK(family_of(changed) == event_family::unknown);
    }
  }
  CHECK(types == all_event_types().size());
  CHECK(types == 24);
  CHECK(family_of("") == event_family::unknown);
  CHECK(family_of(std::string(100, 'a')) == event_family::unknown);
  CHECK(family_of(std::string_view{"alert\0", 6}) == event_family::unknown);
}
