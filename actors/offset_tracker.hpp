#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace switchboard {

/// One partition of one topic.
struct topic_partition {
  /// Topic name.
  std::string topic;
  /// Partition number.
  int32_t partition = 0;

  friend bool operator<(const topic_partition& x, const topic_partition& y) noexcept {
    return x.partition != y.partition ? x.partition < y.partition : x.topic < y.topic;
  }

  friend bool operator==(const topic_partition& x, const topic_partition& y) noexcept {
    return x.partition == y.partition && x.topic == y.topic;
  }
};

/// A partition and the offset to commit for it: the next offset to read, Kafka's meaning.
struct partition_offset {
  /// The partition.
  topic_partition where;
  /// Offset of the first message not yet fully handled.
  int64_t offset = 0;
};

/// Tracks consumed messages per partition and yields the offsets safe to commit: a
/// partition's committable offset is its oldest message not yet handled, so a message is
/// never committed before every message before it is handled, whatever order handling
/// finishes in. Offsets are tracked as delivered, so gaps in a partition's offsets
/// (compaction, transaction markers) never stall the commit.
class offset_tracker {
public:
  offset_tracker() = default;

  /// Copies the bookkeeping (not the lookup cache, which points into the original).
  offset_tracker(const offset_tracker& other) : partitions_(other.partitions_) {
    // nop
  }

  /// Copies the bookkeeping (not the lookup cache, which points into the original).
  offset_tracker& operator=(const offset_tracker& other) {
    partitions_ = other.partitions_;
    last_ = partitions_.end();
    return *this;
  }

  /// Records a message handed to the application. Offsets of one partition must rise; a
  /// lower or repeated one means the partition was rewound and its state restarts there.
  void delivered(const topic_partition& where, int64_t offset);

  /// Records a delivered message as fully handled; returns false for an offset that was
  /// never delivered or was handled already.
  bool handled(const topic_partition& where, int64_t offset);

  /// Records `count` delivered messages of one partition, `offsets` ascending, as fully
  /// handled with one lookup; returns how many of them were pending.
  std::size_t handled(const topic_partition& where, const int64_t* offsets, std::size_t count);

  /// The offset to commit for `where`, or none before anything was delivered there.
  std::optional<int64_t> committable(const topic_partition& where) const;

  /// Committable offsets that moved since they were last taken; marks them taken.
  std::vector<partition_offset> take_commits();

  /// Like `take_commits`, restricted to `partitions`.
  std::vector<partition_offset> take_commits(const std::vector<topic_partition>& partitions);

  /// Drops the state of a partition, e.g. after it was revoked.
  void forget(const topic_partition& where);

  /// Drops every partition.
  void clear() noexcept {
    partitions_.clear();
    last_ = partitions_.end();
  }

  /// Messages delivered but not handled yet, over all partitions.
  std::size_t pending() const noexcept;

  /// Messages delivered but not handled yet in `where`.
  std::size_t pending(const topic_partition& where) const;

private:
  struct slot {
    int64_t offset;
    bool done;
  };

  struct partition_state {
    // Delivered messages from the oldest unhandled one on, in offset order.
    std::deque<slot> window;
    // Offset following the newest delivered message.
    int64_t next = 0;
    // The last committable offset handed out by take_commits, or -1.
    int64_t taken = -1;
    // Messages in `window` not handled yet.
    std::size_t open = 0;

    int64_t committable() const noexcept {
      return window.empty() ? next : window.front().offset;
    }
  };

  using partition_map = std::map<topic_partition, partition_state>;

  static bool take(const topic_partition& where, partition_state& state,
                   std::vector<partition_offset>& out);

  partition_map partitions_;
  // The partition `delivered` saw last: consumers deliver runs of one partition.
  partition_map::iterator last_ = partitions_.end();
};

} // namespace switchboard
