#pragma once

#include <cstddef>
#include <iterator>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace switchboard {

/// A map from string keys to values that remembers insertion order and holds at
/// most `capacity` entries; inserting into a full table evicts the oldest entry.
///
/// The order is a list threaded through the hash map's own nodes, so each entry costs
/// one allocation and its key is stored once: the trackers insert and erase an entry
/// for every event at full rate.
template <class Value>
class ordered_table {
  struct node;
  using map_type = std::unordered_map<std::string, node>;
  using slot = typename map_type::value_type;

  struct node {
    Value value;
    slot* prev = nullptr;
    slot* next = nullptr;
  };

public:
  /// One key with its value, as handed out by `insert` when it evicts.
  using entry = std::pair<std::string, Value>;

  /// A view of one entry: `first` is the key, `second` the value.
  using entry_view = std::pair<const std::string&, const Value&>;

  /// Walks the entries from oldest to newest.
  class const_iterator {
  public:
    /// Standard iterator traits.
    using iterator_category = std::forward_iterator_tag;
    /// Standard iterator traits.
    using value_type = entry_view;
    /// Standard iterator traits.
    using difference_type = std::ptrdiff_t;
    /// Standard iterator traits.
    using pointer = void;
    /// Standard iterator traits.
    using reference = entry_view;

    /// An iterator at `at` (null: the end).
    explicit const_iterator(const slot* at = nullptr) : at_(at) {
      // nop
    }

    /// The entry under the iterator.
    entry_view operator*() const {
      return {at_->first, at_->second.value};
    }

    /// Moves to the next newer entry.
    const_iterator& operator++() {
      at_ = at_->second.next;
      return *this;
    }

    /// True when both point at the same entry.
    bool operator==(const const_iterator& other) const noexcept {
      return at_ == other.at_;
    }

    /// True when they point at different entries.
    bool operator!=(const const_iterator& other) const noexcept {
      return at_ != other.at_;
    }

  private:
    const slot* at_;
  };

  /// A table holding at most `capacity` entries (at least one).
  explicit ordered_table(std::size_t capacity) : capacity_(capacity > 0 ? capacity : 1) {
    // nop
  }

  // The order links point into the map's nodes: moving keeps them, copying would not.
  ordered_table(const ordered_table&) = delete;
  ordered_table& operator=(const ordered_table&) = delete;
  ordered_table(ordered_table&&) noexcept = default;
  ordered_table& operator=(ordered_table&&) noexcept = default;

  /// The value of `key`, or null.
  Value* find(const std::string& key) {
    auto i = index_.find(key);
    return i == index_.end() ? nullptr : &i->second.value;
  }

  /// The value of `key`, or null.
  const Value* find(const std::string& key) const {
    auto i = index_.find(key);
    return i == index_.end() ? nullptr : &i->second.value;
  }

  /// Inserts `key` as the newest entry (replacing and moving an existing one);
  /// returns the entry evicted to make room, if any.
  std::optional<entry> insert(std::string key, Value value) {
    erase(key);
    std::optional<entry> evicted;
    if (index_.size() >= capacity_) {
      auto old = index_.extract(oldest_->first);
      unlink(old.mapped());
      evicted.emplace(std::move(old.key()), std::move(old.mapped().value));
    }
    auto [i, added] = index_.try_emplace(std::move(key), node{std::move(value)});
    (void) added;
    auto* s = &*i;
    s->second.prev = newest_;
    if (newest_ != nullptr)
      newest_->second.next = s;
    else
      oldest_ = s;
    newest_ = s;
    return evicted;
  }

  /// Removes `key`; false when it was absent.
  bool erase(const std::string& key) {
    auto i = index_.find(key);
    if (i == index_.end())
      return false;
    unlink(i->second);
    index_.erase(i);
    return true;
  }

  /// The oldest entry; the table must not be empty.
  entry_view front() const {
    return {oldest_->first, oldest_->second.value};
  }

  /// Removes the oldest entry; the table must not be empty.
  void pop_front() {
    auto i = index_.find(oldest_->first);
    unlink(i->second);
    index_.erase(i);
  }

  /// Entries held.
  std::size_t size() const noexcept {
    return index_.size();
  }

  /// True when no entry is held.
  bool empty() const noexcept {
    return index_.empty();
  }

  /// Most entries held at once.
  std::size_t capacity() const noexcept {
    return capacity_;
  }

  /// Entries from oldest to newest.
  const_iterator begin() const {
    return const_iterator{oldest_};
  }

  /// End of the entries.
  const_iterator end() const {
    return const_iterator{};
  }

private:
  // Takes the entry whose links are `n` out of the order.
  void unlink(node& n) {
    if (n.prev != nullptr)
      n.prev->second.next = n.next;
    else
      oldest_ = n.next;
    if (n.next != nullptr)
      n.next->second.prev = n.prev;
    else
      newest_ = n.prev;
    n.prev = n.next = nullptr;
  }

  std::size_t capacity_;
  map_type index_;
  slot* oldest_ = nullptr;
  slot* newest_ = nullptr;
};

} // namespace switchboard
