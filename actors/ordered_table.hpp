#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "events/text_hash.hpp"

namespace switchboard {

/// A map from string keys to values that remembers insertion order and holds at
/// most `capacity` entries; inserting into a full table evicts the oldest entry.
///
/// The trackers look up, insert and evict entries for every event at full rate in
/// tables of up to 100,000 ids, far beyond the caches, so each memory access counts:
/// the index is an open-addressing array of 8-byte slots (part of the key's hash and
/// the entry's number), an entry holds short keys in place, and the order is a list of
/// entry numbers, not of heap nodes. A lookup usually touches one slot and one entry.
template <class Value>
class ordered_table {
  static constexpr uint32_t none = UINT32_MAX;

  // A key's bytes: in place up to `inline_size` (ids are mostly short), else in a heap
  // buffer the entry keeps for the keys it holds later.
  class key_text {
  public:
    static constexpr std::size_t inline_size = 24;

    key_text() = default;
    key_text(const key_text&) = delete;
    key_text& operator=(const key_text&) = delete;

    ~key_text() {
      delete[] heap_;
    }

    std::string_view view() const noexcept {
      return {size_ <= inline_size ? inline_ : heap_, size_};
    }

    void assign(std::string_view key) {
      if (key.size() > inline_size && key.size() > heap_capacity_) {
        delete[] heap_;
        heap_ = new char[key.size()];
        heap_capacity_ = static_cast<uint32_t>(key.size());
      }
      std::memcpy(key.size() <= inline_size ? inline_ : heap_, key.data(), key.size());
      size_ = static_cast<uint32_t>(key.size());
    }

    bool equals(std::string_view key) const noexcept {
      return key.size() == size_ && std::memcmp(view().data(), key.data(), size_) == 0;
    }

  private:
    char inline_[inline_size];
    uint32_t size_ = 0;
    uint32_t heap_capacity_ = 0;
    char* heap_ = nullptr;
  };

  struct entry_slot {
    key_text key;
    Value value{};
    uint32_t hash = 0;
    uint32_t prev = none;
    uint32_t next = none;
  };

  // Entries live in chunks of fixed size: they never move, so pointers from `find`
  // stay valid, and the chunk list is short enough to stay in cache.
  static constexpr uint32_t chunk_bits = 10;
  static constexpr uint32_t chunk_size = uint32_t{1} << chunk_bits;

public:
  /// The entry `insert` evicted: its key, valid until the next `insert`, and its value.
  struct evicted_entry {
    /// The key.
    std::string_view first;
    /// The value.
    Value second;
  };

  /// A view of one entry: `first` is the key, `second` the value.
  using entry_view = std::pair<std::string_view, const Value&>;

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

    /// An iterator at entry `at` of `table` (`none`: the end).
    const_iterator(const ordered_table* table, uint32_t at) : table_(table), at_(at) {
      // nop
    }

    /// The entry under the iterator.
    entry_view operator*() const {
      const auto& e = table_->entry(at_);
      return {e.key.view(), e.value};
    }

    /// Moves to the next newer entry.
    const_iterator& operator++() {
      at_ = table_->entry(at_).next;
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
    const ordered_table* table_;
    uint32_t at_;
  };

  /// A table holding at most `capacity` entries (at least one).
  explicit ordered_table(std::size_t capacity)
    : capacity_(std::min<std::size_t>(capacity > 0 ? capacity : 1, none - 1)) {
    // nop
  }

  /// The value of `key`, or null.
  Value* find(std::string_view key) {
    auto at = locate(key, hash_of(key));
    return at == none ? nullptr : &entry(slot_entry(slots_[at])).value;
  }

  /// The value of `key`, or null.
  const Value* find(std::string_view key) const {
    auto at = locate(key, hash_of(key));
    return at == none ? nullptr : &entry(slot_entry(slots_[at])).value;
  }

  /// Starts loading the slot where a lookup of `key` begins into the cache, and in a
  /// full table the slot of the oldest entry, which the next insert evicts.
  void prefetch(std::string_view key) const noexcept {
    if (slots_.empty())
      return;
    __builtin_prefetch(&slots_[hash_of(key) & mask()]);
    // The oldest entry itself is in cache: removing its predecessor relinked it.
    if (size_ >= capacity_)
      __builtin_prefetch(&slots_[entry(oldest_).hash & mask()]);
  }

  /// Inserts `key` as the newest entry (replacing and moving an existing one);
  /// returns the entry evicted to make room, if any. Keys are copied into buffers the
  /// table keeps from entries it let go, so a full table inserts without allocating.
  std::optional<evicted_entry> insert(std::string_view key, Value value) {
    // The key may view one of this table's own keys, which the removals below reuse.
    incoming_.assign(key.data(), key.size());
    auto h = hash_of(incoming_);
    if (auto at = locate(incoming_, h); at != none)
      remove_at(at);
    std::optional<evicted_entry> evicted;
    if (size_ >= capacity_) {
      auto& old = entry(oldest_);
      evicted_key_.assign(old.key.view());
      evicted.emplace(evicted_entry{evicted_key_, std::move(old.value)});
      remove_at(slot_of(oldest_));
    }
    if ((size_ + 1) * 2 > slots_.size())
      grow();
    uint32_t id;
    if (!free_.empty()) {
      id = free_.back();
      free_.pop_back();
    } else {
      id = allocated_++;
      // Ids stay below the capacity (a full table evicts before it allocates), so a
      // small table's only chunk needs no more entries than that.
      if ((id >> chunk_bits) == chunks_.size())
        chunks_.push_back(std::make_unique<entry_slot[]>(
          chunks_.empty() ? std::min<std::size_t>(chunk_size, capacity_) : chunk_size));
    }
    auto& e = entry(id);
    e.key.assign(incoming_);
    e.value = std::move(value);
    e.hash = h;
    e.prev = newest_;
    e.next = none;
    if (newest_ != none)
      entry(newest_).next = id;
    else
      oldest_ = id;
    newest_ = id;
    place(h, id);
    ++size_;
    return evicted;
  }

  /// Removes `key`; false when it was absent.
  bool erase(std::string_view key) {
    auto at = locate(key, hash_of(key));
    if (at == none)
      return false;
    remove_at(at);
    return true;
  }

  /// The oldest entry; the table must not be empty.
  entry_view front() const {
    const auto& e = entry(oldest_);
    return {e.key.view(), e.value};
  }

  /// Removes the oldest entry; the table must not be empty.
  void pop_front() {
    remove_at(slot_of(oldest_));
  }

  /// Entries held.
  std::size_t size() const noexcept {
    return size_;
  }

  /// True when no entry is held.
  bool empty() const noexcept {
    return size_ == 0;
  }

  /// Most entries held at once.
  std::size_t capacity() const noexcept {
    return capacity_;
  }

  /// Entries from oldest to newest.
  const_iterator begin() const {
    return const_iterator{this, oldest_};
  }

  /// End of the entries.
  const_iterator end() const {
    return const_iterator{this, none};
  }

private:
  // A slot holds the low 32 bits of the key's hash and the entry number plus one (so
  // an empty slot is 0); comparing hashes in the slot spares touching other entries.
  static uint64_t make_slot(uint32_t hash, uint32_t id) noexcept {
    return (static_cast<uint64_t>(id) + 1) << 32 | hash;
  }

  static uint32_t slot_hash(uint64_t slot) noexcept {
    return static_cast<uint32_t>(slot);
  }

  static uint32_t slot_entry(uint64_t slot) noexcept {
    return static_cast<uint32_t>(slot >> 32) - 1;
  }

  static uint32_t hash_of(std::string_view key) noexcept {
    auto h = text_hash(key);
    return static_cast<uint32_t>(h ^ (h >> 32));
  }

  std::size_t mask() const noexcept {
    return slots_.size() - 1;
  }

  // The slot of `key`, or `none`.
  uint32_t locate(std::string_view key, uint32_t h) const {
    if (size_ == 0)
      return none;
    for (auto i = h & mask();; i = (i + 1) & mask()) {
      auto s = slots_[i];
      if (s == 0)
        return none;
      if (slot_hash(s) == h && entry(slot_entry(s)).key.equals(key))
        return static_cast<uint32_t>(i);
    }
  }

  // The slot of entry `id`, which must be held.
  uint32_t slot_of(uint32_t id) const {
    for (auto i = entry(id).hash & mask();; i = (i + 1) & mask())
      if (slot_entry(slots_[i]) == id && slots_[i] != 0)
        return static_cast<uint32_t>(i);
  }

  void place(uint32_t h, uint32_t id) {
    auto i = h & mask();
    while (slots_[i] != 0)
      i = (i + 1) & mask();
    slots_[i] = make_slot(h, id);
  }

  void grow() {
    std::vector<uint64_t> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 16 : old.size() * 2, 0);
    for (auto s : old)
      if (s != 0)
        place(slot_hash(s), slot_entry(s));
  }

  // Unlinks and frees the entry in slot `at`, then closes the gap in its probe run
  // (backward-shift deletion keeps lookups free of tombstones).
  void remove_at(std::size_t at) {
    auto id = slot_entry(slots_[at]);
    auto& e = entry(id);
    if (e.prev != none)
      entry(e.prev).next = e.next;
    else
      oldest_ = e.next;
    if (e.next != none)
      entry(e.next).prev = e.prev;
    else
      newest_ = e.prev;
    e.value = Value{};
    free_.push_back(id);
    --size_;
    auto gap = at;
    for (auto j = (at + 1) & mask(); slots_[j] != 0; j = (j + 1) & mask()) {
      auto home = slot_hash(slots_[j]) & mask();
      // The entry at j may move into the gap unless its home lies cyclically in (gap, j].
      bool stays = gap <= j ? (gap < home && home <= j) : (gap < home || home <= j);
      if (stays)
        continue;
      slots_[gap] = slots_[j];
      gap = j;
    }
    slots_[gap] = 0;
  }

  std::size_t capacity_;
  std::size_t size_ = 0;
  std::vector<uint64_t> slots_;
  entry_slot& entry(uint32_t id) noexcept {
    return chunks_[id >> chunk_bits][id & (chunk_size - 1)];
  }

  const entry_slot& entry(uint32_t id) const noexcept {
    return chunks_[id >> chunk_bits][id & (chunk_size - 1)];
  }

  std::vector<std::unique_ptr<entry_slot[]>> chunks_;
  uint32_t allocated_ = 0;
  std::vector<uint32_t> free_;
  // The last evicted key, and the key being inserted; both keep their buffers.
  std::string evicted_key_;
  std::string incoming_;
  uint32_t oldest_ = none;
  uint32_t newest_ = none;
};

} // namespace switchboard
