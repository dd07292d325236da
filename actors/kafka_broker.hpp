#pragma once

#include <memory>
#include <string>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "actors/kafka_error.hpp"

namespace switchboard {

/// A development Kafka broker: librdkafka's mock cluster listening on 127.0.0.1.
/// It speaks the real Kafka wire protocol (produce, fetch, consumer groups, offset
/// commits, idempotent producers) but keeps everything in memory, evicts old data per
/// partition (about 5 MiB) and loses all of it when destroyed. Not for production.
class kafka_broker {
public:
  /// Partitions librdkafka 2.0.2 gives topics auto-created on first use.
  static constexpr int auto_created_partitions = 4;

  /// Starts a mock cluster of `brokers` brokers on ephemeral loopback ports.
  static caf::expected<std::unique_ptr<kafka_broker>> make(int brokers = 1);

  ~kafka_broker();

  kafka_broker(const kafka_broker&) = delete;
  kafka_broker& operator=(const kafka_broker&) = delete;

  /// The bootstrap servers, `127.0.0.1:PORT[,127.0.0.1:PORT]`.
  const std::string& bootstrap() const noexcept {
    return bootstrap_;
  }

  /// Number of brokers in the cluster.
  int brokers() const noexcept {
    return brokers_;
  }

  /// Creates `topic` with `partitions` partitions; fails if it exists already.
  caf::error create_topic(const std::string& topic, int partitions);

  /// Disconnects every client and refuses new connections until `set_up`; data is kept.
  caf::error set_down();

  /// Accepts connections again after `set_down`.
  caf::error set_up();

  /// Makes the broker refuse `topic` as a broker whose ACLs forbid it would: metadata
  /// about it answers TOPIC_AUTHORIZATION_FAILED, so producers cannot write it and their
  /// records for it fail once `message.timeout.ms` passes; `refuse = false` serves it
  /// again (clients notice with their next metadata refresh,
  /// `topic.metadata.refresh.interval.ms`). For fault injection in tests.
  caf::error refuse_topic(const std::string& topic, bool refuse = true);

private:
  struct impl;

  explicit kafka_broker(std::unique_ptr<impl> ptr, int brokers);

  caf::error set_state(bool up);

  std::unique_ptr<impl> impl_;
  int brokers_;
  std::string bootstrap_;
};

} // namespace switchboard
