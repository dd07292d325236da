#pragma once

#include <cstdint>

#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace switchboard {

/// Why a Kafka client or the development broker failed.
enum class kafka_errc : uint8_t {
  /// librdkafka refused a property, or a property conflicts with a guarantee we keep.
  bad_config = 1,
  /// The development broker could not start or refused an operation.
  broker_failed,
  /// The producer queue is full: serve delivery reports (`poll`) and try again.
  queue_full,
  /// A message could not be enqueued or was not delivered.
  produce_failed,
  /// Subscribing, assigning, pausing or resuming partitions failed.
  consume_failed,
  /// Committing offsets failed.
  commit_failed,
  /// No broker is reachable; librdkafka keeps retrying.
  brokers_down,
  /// A connection or request failed; librdkafka keeps retrying.
  transport,
  /// librdkafka raised a fatal error: the client must be recreated.
  fatal,
  /// A message is larger than the producer or the broker accepts.
  too_large,
};

/// The stable name of a Kafka error code, e.g. `brokers_down`.
const char* to_string(kafka_errc code) noexcept;

} // namespace switchboard

CAF_ERROR_CODE_ENUM(switchboard::kafka_errc, "kafka")
