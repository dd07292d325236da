#include <catch2/catch.hpp>

#include <string>

#include <caf/error.hpp>

#include "events/error.hpp"

using namespace switchboard;

TEST_CASE("an error's sentence is taken out whole, and copied while it is shared") {
  std::string sentence(200, 'x');
  auto err = caf::make_error(event_errc::invalid_value, sentence);
  CHECK(error_text(err) == sentence);
  auto copy = err; // shares the sentence
  CHECK(take_error_text(std::move(err)) == sentence);
  CHECK(error_text(copy) == sentence);
  CHECK(take_error_text(std::move(copy)) == sentence);
  // Errors without a sentence are rendered by CAF; no error says so.
  CHECK(take_error_text(caf::make_error(event_errc::invalid_value)) != "");
  CHECK(take_error_text(caf::error{}) == "no error");
}
