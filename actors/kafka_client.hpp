#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "actors/kafka_error.hpp"
#include "actors/offset_tracker.hpp"
#include "routes/config.hpp"

// librdkafka's C handles, kept out of this header.
struct rd_kafka_s;
struct rd_kafka_message_s;
struct rd_kafka_topic_s;

namespace switchboard {

/// A problem a Kafka client reports while librdkafka keeps retrying (or a fatal one).
struct kafka_client_error {
  /// What kind of problem: brokers_down, transport, commit_failed, consume_failed, fatal...
  kafka_errc code = kafka_errc::transport;
  /// One sentence naming the client and what failed.
  std::string text;
};

/// Receives the problems a client reports, on the thread that polls it.
using kafka_error_handler = std::function<void(const kafka_client_error&)>;

/// The outcome of one produced message.
struct kafka_delivery {
  /// The caller's token given to `produce`.
  uint64_t opaque = 0;
  /// None when the broker acknowledged the message (acks=all), the reason otherwise.
  caf::error error;
  /// The partition written to, or -1.
  int32_t partition = -1;
  /// The message's offset, or -1 when unknown.
  int64_t offset = -1;
};

/// Receives delivery reports, on the thread that polls the producer.
using kafka_delivery_handler = std::function<void(const kafka_delivery&)>;

/// State shared by producer and consumer: the librdkafka handle and error reporting.
class kafka_client {
public:
  kafka_client(const kafka_client&) = delete;
  kafka_client& operator=(const kafka_client&) = delete;

  /// True after librdkafka reported every broker down, until a broker connection is up
  /// again (seen in librdkafka's statistics) or traffic flows.
  bool brokers_down() const noexcept {
    return brokers_down_;
  }

  /// The librdkafka client name, e.g. `rdkafka#consumer-1`.
  std::string name() const;

  /// Asks the partition leader for the oldest retained offset and the offset the next
  /// message will get; their difference is the number of messages retained.
  caf::expected<std::pair<int64_t, int64_t>> watermarks(const topic_partition& where,
                                                        int timeout_ms = 5000);

protected:
  kafka_client(std::string role, kafka_error_handler on_error);

  ~kafka_client();

  // Reports a problem to the handler.
  void report(kafka_errc code, std::string text);

  // Marks the cluster reachable again.
  void reachable() noexcept {
    brokers_down_ = false;
  }

  // librdkafka's callbacks live in the implementation.
  friend struct kafka_callbacks;

  /// "kafka producer" or "kafka consumer", prefixing every message.
  std::string role_;
  kafka_error_handler on_error_;
  rd_kafka_s* rk_ = nullptr;
  bool brokers_down_ = false;
};

/// An idempotent Kafka producer (`enable.idempotence=true`, `acks=all`). Messages are
/// copied on `produce`; each one's outcome is reported once through the delivery handler
/// from `poll`, with the caller's opaque token, so the caller acknowledges only what the
/// broker has. Destruction flushes what is queued (bounded by `close_timeout_ms`).
class kafka_producer : public kafka_client {
public:
  /// Creates a producer for `cfg.brokers` with `cfg.producer` passed through to librdkafka.
  /// Refuses properties that would drop idempotence or `acks=all`.
  static caf::expected<std::unique_ptr<kafka_producer>>
  make(const kafka_config& cfg, kafka_delivery_handler on_delivery,
       kafka_error_handler on_error = {});

  ~kafka_producer();

  /// Enqueues one message; `key` may be empty (partitioned by librdkafka's hash of the
  /// key, randomly without one). Fails with `queue_full` when librdkafka's queue is full:
  /// `poll` and try again.
  caf::error produce(std::string_view topic, std::string_view key, std::string_view bytes,
                     uint64_t opaque);

  /// Serves delivery reports and errors, waiting up to `timeout_ms` for the first one;
  /// returns the number of events served.
  int poll(int timeout_ms);

  /// Waits up to `timeout_ms` until every queued message has its delivery report.
  caf::error flush(int timeout_ms);

  /// Messages enqueued whose delivery report has not been served yet.
  std::size_t in_flight() const;

  /// Bound on the flush at destruction, in milliseconds.
  int close_timeout_ms = 10000;

private:
  kafka_producer(kafka_delivery_handler on_delivery, kafka_error_handler on_error);

  friend struct kafka_callbacks;

  // The handle of `topic`, created on first use: looking a topic up by name per message
  // costs librdkafka a lock and a search.
  rd_kafka_topic_s* topic_handle(std::string_view topic);

  kafka_delivery_handler on_delivery_;
  std::map<std::string, rd_kafka_topic_s*, std::less<>> topics_;
};

/// One consumed message; owns librdkafka's buffer, so the views stay valid while it lives.
class kafka_message {
public:
  /// Takes ownership of a message returned by librdkafka.
  explicit kafka_message(rd_kafka_message_s* msg) noexcept : msg_(msg) {
    // nop
  }

  /// The payload.
  std::string_view bytes() const noexcept;
  /// The key; empty when the message has none.
  std::string_view key() const noexcept;
  /// The topic name.
  std::string_view topic() const noexcept;
  /// The partition.
  int32_t partition() const noexcept;
  /// The offset within the partition.
  int64_t offset() const noexcept;
  /// Topic and partition.
  topic_partition where() const;

private:
  struct deleter {
    void operator()(rd_kafka_message_s* msg) const noexcept;
  };

  std::unique_ptr<rd_kafka_message_s, deleter> msg_;
};

/// Callbacks of a consumer, all invoked on the thread that calls `poll`.
struct kafka_consumer_handlers {
  /// Problems: unreachable brokers, failed commits, partition errors.
  kafka_error_handler on_error;
  /// Partitions just assigned to this consumer.
  std::function<void(const std::vector<topic_partition>&)> on_assigned;
  /// Partitions about to be revoked; their handled offsets are committed already, and
  /// messages of them still being handled will not be committed by this consumer.
  std::function<void(const std::vector<topic_partition>&)> on_revoked;
};

/// A Kafka consumer in a consumer group with manual offset management: the application
/// reports each message as handled (in any order) and commits; only offsets below the
/// oldest unhandled message of a partition are ever committed (at-least-once). Before
/// partitions move to another group member, or the consumer closes, their handled offsets
/// are committed; commit as messages complete too, since a broker may refuse commits once
/// a rebalance is under way (the development broker does).
class kafka_consumer : public kafka_client {
public:
  /// Creates a consumer in group `cfg.group_id` for `cfg.brokers`, with `cfg.consumer`
  /// passed through to librdkafka. Refuses properties that turn on automatic commits.
  static caf::expected<std::unique_ptr<kafka_consumer>>
  make(const kafka_config& cfg, kafka_consumer_handlers handlers = {});

  /// Leaves the group (committing handled offsets) unless `close` did.
  ~kafka_consumer();

  /// Subscribes to `topics`, replacing any earlier subscription.
  caf::error subscribe(const std::vector<std::string>& topics);

  /// Appends up to `max` messages to `out`, waiting up to `timeout_ms` for the first one;
  /// serves rebalances and errors meanwhile. Returns the number appended.
  std::size_t poll(std::vector<kafka_message>& out, std::size_t max, int timeout_ms);

  /// Marks a polled message fully handled; false if it was not pending.
  bool handled(const topic_partition& where, int64_t offset) {
    return tracker_.handled(where, offset);
  }

  /// Marks a polled message fully handled.
  bool handled(const kafka_message& msg) {
    return handled(msg.where(), msg.offset());
  }

  /// Commits every partition's committable offset that moved since the last commit.
  /// Asynchronous commits report failures through the error handler.
  caf::error commit(bool async = false);

  /// Commits exactly `offsets` (each the next offset to read of its partition).
  caf::error commit(const std::vector<partition_offset>& offsets, bool async = false);

  /// The group's committed offsets of `partitions`, asked from the broker; -1 where none.
  caf::expected<std::vector<partition_offset>>
  committed(const std::vector<topic_partition>& partitions, int timeout_ms = 5000);

  /// Stops fetching from every assigned partition (and from partitions assigned later)
  /// until `resume`; messages prefetched but not yet polled are dropped by librdkafka and
  /// fetched again after resuming.
  caf::error pause();

  /// Fetches again after `pause`.
  caf::error resume();

  /// Whether the consumer is paused.
  bool paused() const noexcept {
    return paused_;
  }

  /// The partitions currently assigned to this consumer.
  std::vector<topic_partition> assignment() const;

  /// The per-partition bookkeeping of polled and handled messages.
  const offset_tracker& tracker() const noexcept {
    return tracker_;
  }

  /// Commits handled offsets and leaves the group; the consumer cannot poll afterwards.
  caf::error close();

private:
  explicit kafka_consumer(kafka_consumer_handlers handlers);

  friend struct kafka_callbacks;

  caf::error set_paused(bool paused);

  kafka_consumer_handlers handlers_;
  offset_tracker tracker_;
  bool paused_ = false;
  bool closed_ = false;
};

} // namespace switchboard
