#pragma once

#include <string>
#include <string_view>

namespace switchboard {

class event;

/// The JSON record written to the dead-letter topic: why, where, and the original bytes.
///
/// `{"reason":..., "kind":..., "route":..., "source_topic":..., "event_id":...,
///   "original":"<bytes as a JSON string>", "at":"<ISO 8601>"}`; empty route and
/// event id are written as null.
std::string make_dead_letter(std::string_view kind, std::string_view reason,
                             std::string_view route, std::string_view source_topic,
                             std::string_view event_id, std::string_view original);

/// The dead-letter record of a decoded event, whose bytes the codec found to be UTF-8,
/// stamped `at` (an ISO 8601 text; empty: now).
std::string make_dead_letter(std::string_view kind, std::string_view reason,
                             std::string_view route, std::string_view source_topic,
                             const event& original, std::string_view at = {});

} // namespace switchboard
