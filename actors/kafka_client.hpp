#pragma once

#include <chrono>
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

#include "actors/backoff.hpp"
#include "actors/kafka_error.hpp"
#include "actors/offset_tracker.hpp"
#include "routes/config.hpp"

// librdkafka's C handles, kept out of this header.
struct rd_kafka_s;
struct rd_kafka_conf_s;
struct rd_kafka_message_s;
struct rd_kafka_queue_s;
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
  /// True when the client itself discarded the message (it is being recreated after a
  /// fatal error), not Kafka refusing it: produce it again once `fatal_pending` is false.
  bool purged = false;
};

/// Who owns a payload while librdkafka holds it.
enum class kafka_payload : uint8_t {
  /// librdkafka copies the payload; the caller's buffer may go at once.
  copy,
  /// librdkafka reads the caller's buffer, which must stay valid and unchanged until the
  /// message's delivery report was served (or the producer is destroyed).
  borrow,
};

/// Receives delivery reports, on the thread that polls the producer.
using kafka_delivery_handler = std::function<void(const kafka_delivery&)>;

/// State shared by producer and consumer: the librdkafka handle, error reporting,
/// wake-ups and recovery from fatal errors.
///
/// A fatal librdkafka error (the idempotent producer losing its guarantees, a fenced
/// static group member) leaves a handle that can do nothing more. The client reports it
/// (`kafka_errc::fatal`), and `poll` replaces the handle with a new one made from the same
/// configuration: at once after the first fatal error, then after 1 s, 2 s, 4 s ... up to
/// a minute while new handles keep failing within a minute of their creation.
class kafka_client {
public:
  kafka_client(const kafka_client&) = delete;
  kafka_client& operator=(const kafka_client&) = delete;

  /// True after librdkafka reported every broker down, until a broker connection is up
  /// again (seen in librdkafka's statistics) or traffic flows.
  bool brokers_down() const noexcept {
    return brokers_down_;
  }

  /// True from a fatal error until `poll` replaced the handle.
  bool fatal_pending() const noexcept {
    return fatal_;
  }

  /// How many times the handle was replaced after a fatal error.
  uint64_t recreations() const noexcept {
    return recreations_;
  }

  /// The librdkafka client name, e.g. `rdkafka#consumer-1`.
  std::string name() const;

  /// Asks the partition leader for the oldest retained offset and the offset the next
  /// message will get; their difference is the number of messages retained.
  caf::expected<std::pair<int64_t, int64_t>> watermarks(const topic_partition& where,
                                                        int timeout_ms = 5000);

  /// Calls `fn` from a librdkafka thread whenever something arrives for `poll` (messages,
  /// delivery reports, errors) while nothing was waiting. `fn` must only arrange a poll
  /// on the owner's thread (send a message), never call into the client. Survives the
  /// handle's replacement; an empty `fn` turns wake-ups off.
  void set_wakeup(std::function<void()> fn);

  /// Makes librdkafka raise a fabricated fatal error (`rd_kafka_test_fatal_error`, the
  /// only way to provoke one at will), to exercise the recovery in tests and drills.
  caf::error raise_test_fatal_error(const std::string& reason);

protected:
  kafka_client(std::string role, kafka_error_handler on_error);

  virtual ~kafka_client();

  // Reports a problem to the handler.
  void report(kafka_errc code, std::string text);

  // Marks the cluster reachable again.
  void reachable() noexcept {
    brokers_down_ = false;
  }

  // Creates the handle of `type` from `conf` (taken over), keeping a copy of `conf` for
  // recreations.
  caf::error start(int type, rd_kafka_conf_s* conf);

  // Takes a fatal error `text`: reports it and schedules the handle's replacement.
  void on_fatal(const std::string& text);

  // Replaces the handle if a fatal error is pending and its backoff has passed; true
  // when it did.
  bool recover();

  // What a subclass does before the old handle goes (serve what it still owes the
  // application) and after the new one exists (subscribe again ...).
  virtual void before_recreate() = 0;
  virtual caf::error after_recreate() = 0;

  // librdkafka's callbacks live in the implementation.
  friend struct kafka_callbacks;

  /// "kafka producer" or "kafka consumer", prefixing every message.
  std::string role_;
  kafka_error_handler on_error_;
  // The current handle; consumed messages share its ownership.
  std::shared_ptr<rd_kafka_s> handle_;
  rd_kafka_s* rk_ = nullptr;
  bool brokers_down_ = false;

private:
  void adopt(rd_kafka_s* rk);
  void enable_wakeup();
  void disable_wakeup();
  void destroy_handle();

  int type_ = 0;
  rd_kafka_conf_s* conf_ = nullptr;
  rd_kafka_queue_s* wakeup_queue_ = nullptr;
  std::function<void()> wakeup_;
  bool fatal_ = false;
  uint64_t recreations_ = 0;
  backoff recreate_backoff_{1, 60, jitter::none};
  std::chrono::steady_clock::time_point next_recreate_;
  std::chrono::steady_clock::time_point recreated_at_;
};

/// An idempotent Kafka producer (`enable.idempotence=true`, `acks=all`). Each message's
/// outcome is reported once through the delivery handler from `poll`, with the caller's
/// opaque token, so the caller acknowledges only what the broker has. Before a fatal
/// error's recovery replaces the handle, every message still queued or in flight is
/// reported `purged`. Destruction flushes what is queued (bounded by `close_timeout_ms`).
class kafka_producer : public kafka_client {
public:
  /// Creates a producer for `cfg.brokers` with `cfg.producer` passed through to librdkafka.
  /// Refuses properties that would drop idempotence or `acks=all`.
  static caf::expected<std::unique_ptr<kafka_producer>>
  make(const kafka_config& cfg, kafka_delivery_handler on_delivery,
       kafka_error_handler on_error = {});

  ~kafka_producer();

  /// Enqueues one message; `key` may be empty (partitioned by librdkafka's hash of the
  /// key, randomly without one) and is always copied. Fails with `queue_full` when
  /// librdkafka's queue is full, and with `fatal` while a fatal error is pending: `poll`
  /// and try again.
  caf::error produce(std::string_view topic, std::string_view key, std::string_view bytes,
                     uint64_t opaque, kafka_payload payload = kafka_payload::copy);

  /// Serves delivery reports and errors, waiting up to `timeout_ms` for the first one,
  /// and replaces the handle after a fatal error; returns the number of events served.
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

  void before_recreate() override;
  caf::error after_recreate() override;

  // The handle of `topic`, created on first use: looking a topic up by name per message
  // costs librdkafka a lock and a search.
  rd_kafka_topic_s* topic_handle(std::string_view topic);

  using topic_map = std::map<std::string, rd_kafka_topic_s*, std::less<>>;

  kafka_delivery_handler on_delivery_;
  topic_map topics_;
  // The handle used last: a batch's records mostly share a topic.
  topic_map::iterator last_topic_ = topics_.end();
};

/// One consumed message; owns librdkafka's buffer, so the views stay valid while it lives,
/// and shares the ownership of its client's handle, which librdkafka requires to outlive
/// its messages (even when a fatal error's recovery replaced it meanwhile).
class kafka_message {
public:
  /// Takes ownership of a message returned by librdkafka from `handle`.
  kafka_message(rd_kafka_message_s* msg, std::shared_ptr<rd_kafka_s> handle) noexcept
    : handle_(std::move(handle)), msg_(msg) {
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

  // Declared first so that it goes last.
  std::shared_ptr<rd_kafka_s> handle_;
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
  /// serves rebalances and errors meanwhile, and replaces the handle after a fatal error
  /// (the application must not hold messages of the old one: `on_revoked` names every
  /// partition first, and the subscription carries over). Returns the number appended.
  std::size_t poll(std::vector<kafka_message>& out, std::size_t max, int timeout_ms);

  /// Marks a polled message fully handled; false if it was not pending.
  bool handled(const topic_partition& where, int64_t offset) {
    return tracker_.handled(where, offset);
  }

  /// Marks a polled message fully handled.
  bool handled(const kafka_message& msg) {
    return handled(msg.where(), msg.offset());
  }

  /// Marks `count` polled messages of one partition, `offsets` ascending, fully handled;
  /// returns how many were pending.
  std::size_t handled(const topic_partition& where, const int64_t* offsets, std::size_t count) {
    return tracker_.handled(where, offsets, count);
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

  void before_recreate() override;
  caf::error after_recreate() override;

  kafka_consumer_handlers handlers_;
  std::vector<std::string> topics_;
  offset_tracker tracker_;
  bool paused_ = false;
  bool closed_ = false;
};

} // namespace switchboard
