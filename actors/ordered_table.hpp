#pragma once

#include <cstddef>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace switchboard {

/// A map from string keys to values that remembers insertion order and holds at
/// most `capacity` entries; inserting into a full table evicts the oldest entry.
template <class Value>
class ordered_table {
public:
  /// One key with its value.
  using entry = std::pair<std::string, Value>;

  /// A table holding at most `capacity` entries (at least one).
  explicit ordered_table(std::size_t capacity) : capacity_(capacity > 0 ? capacity : 1) {
    // nop
  }

  /// The value of `key`, or null.
  Value* find(const std::string& key) {
    auto i = index_.find(key);
    return i == index_.end() ? nullptr : &i->second->second;
  }

  /// The value of `key`, or null.
  const Value* find(const std::string& key) const {
    auto i = index_.find(key);
    return i == index_.end() ? nullptr : &i->second->second;
  }

  /// Inserts `key` as the newest entry (replacing and moving an existing one);
  /// returns the entry evicted to make room, if any.
  std::optional<entry> insert(std::string key, Value value) {
    erase(key);
    std::optional<entry> evicted;
    if (order_.size() >= capacity_) {
      evicted = std::move(order_.front());
      index_.erase(evicted->first);
      order_.pop_front();
    }
    order_.emplace_back(std::move(key), std::move(value));
    index_.emplace(order_.back().first, std::prev(order_.end()));
    return evicted;
  }

  /// Removes `key`; false when it was absent.
  bool erase(const std::string& key) {
    auto i = index_.find(key);
    if (i == index_.end())
      return false;
    order_.erase(i->second);
    index_.erase(i);
    return true;
  }

  /// The oldest entry; the table must not be empty.
  const entry& front() const {
    return order_.front();
  }

  /// Removes the oldest entry; the table must not be empty.
  void pop_front() {
    index_.erase(order_.front().first);
    order_.pop_front();
  }

  /// Entries held.
  std::size_t size() const noexcept {
    return order_.size();
  }

  /// True when no entry is held.
  bool empty() const noexcept {
    return order_.empty();
  }

  /// Most entries held at once.
  std::size_t capacity() const noexcept {
    return capacity_;
  }

  /// Entries from oldest to newest.
  auto begin() const {
    return order_.begin();
  }

  /// End of the entries.
  auto end() const {
    return order_.end();
  }

private:
  std::size_t capacity_;
  std::list<entry> order_;
  std::unordered_map<std::string, typename std::list<entry>::iterator> index_;
};

} // namespace switchboard
