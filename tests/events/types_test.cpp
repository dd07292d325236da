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

TEST_CASE("every known type has its own kind, in the order the families list them") {
  const auto& all = all_event_types();
  REQUIRE(all.size() == known_event_kinds);
  for (std::size_t k = 0; k < all.size(); ++k) {
    INFO(all[k]);
    auto kind = static_cast<event_kind>(k);
    CHECK(kind_of(all[k]) == kind);
    CHECK(to_string(kind) == all[k]);
    CHECK(family_of(kind) == family_of(all[k]));
    CHECK(kind_of(std::string{all[k]} + "_") == event_kind::other);
  }
  CHECK(kind_of("task_created") == event_kind::task_created);
  CHECK(kind_of("alert_event") == event_kind::alert_event);
  CHECK(kind_of("custom_type") == event_kind::other);
  CHECK(to_string(event_kind::other).empty());
  CHECK(family_of(event_kind::other) == event_family::unknown);
}
