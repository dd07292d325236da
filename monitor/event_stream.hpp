#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace switchboard {

/// One message of the live event stream: an event name and its JSON data.
struct stream_message {
  /// Sequence number assigned by the hub, sent as the SSE `id`.
  uint64_t id = 0;
  /// Event name, e.g. `alert` or `notification`.
  std::string event;
  /// One JSON document (no newlines needed; the writer splits lines anyway).
  std::string data;
};

/// Shared, immutable message: published once, queued for every subscriber.
using stream_message_ptr = std::shared_ptr<const stream_message>;

/// A bounded queue of stream messages for one reader (one SSE client).
///
/// Producers never wait for the reader: when the queue is full the oldest message is
/// dropped and counted, so a slow client loses messages instead of slowing the system.
class event_subscription {
public:
  /// How a wait for messages ended.
  enum class wait_result { messages, idle, closed };

  /// Creates an open queue holding at most `capacity` messages (at least one).
  explicit event_subscription(std::size_t capacity);

  /// Queues a message, dropping the oldest one when full; never blocks on the reader.
  void push(stream_message_ptr msg);

  /// Waits up to `timeout` for messages and moves all queued ones into `out`.
  wait_result pop_all(std::vector<stream_message_ptr>& out,
                      std::chrono::milliseconds timeout);

  /// Ends the subscription: wakes a waiting reader; later pushes are ignored.
  void close();

  /// True once `close` was called.
  bool closed() const;

  /// Messages dropped so far because the reader fell behind.
  uint64_t dropped() const;

  /// Messages currently queued.
  std::size_t size() const;

  /// The most messages the queue holds.
  std::size_t capacity() const noexcept {
    return capacity_;
  }

private:
  const std::size_t capacity_;
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<stream_message_ptr> queue_;
  uint64_t dropped_ = 0;
  bool closed_ = false;
};

/// Fans published messages out to every live subscription.
///
/// Thread-safe. Subscriptions are held weakly: a reader that goes away is forgotten
/// on the next publish.
class event_hub {
public:
  /// Creates a hub whose subscriptions queue at most `capacity` messages each.
  explicit event_hub(std::size_t capacity = 256);

  /// Opens a new subscription that receives every message published from now on.
  std::shared_ptr<event_subscription> subscribe();

  /// Adds a subscription made elsewhere; when the hub is closed, closes it and
  /// returns false.
  bool adopt(const std::shared_ptr<event_subscription>& sub);

  /// Delivers a message to all live subscriptions; returns how many received it.
  std::size_t publish(std::string event, std::string data);

  /// Live subscriptions.
  std::size_t subscribers() const;

  /// Messages published so far.
  uint64_t published() const;

  /// Closes every subscription; later subscriptions are closed on creation.
  void close_all();

private:
  const std::size_t capacity_;
  mutable std::mutex mtx_;
  std::vector<std::weak_ptr<event_subscription>> subs_;
  uint64_t next_id_ = 1;
  bool closed_ = false;
};

} // namespace switchboard
