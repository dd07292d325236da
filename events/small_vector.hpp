#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>

namespace switchboard {

/// A growable array of trivially copyable values that holds its first `N` in the object
/// itself and grows into the heap beyond that.
///
/// Built for the few small buffers made per event (the fields of a derived event's
/// data and metadata): in the usual case they cost no allocation, and appending is one
/// room check and a copy through a pointer.
template <class T, std::size_t N>
class small_vector {
public:
  static_assert(std::is_trivially_copyable_v<T>, "values are moved with memcpy");
  static_assert(N > 0, "the inline part holds at least one value");

  /// An empty array.
  small_vector() noexcept = default;

  /// A copy of `other`.
  small_vector(const small_vector& other) {
    append(other.data(), other.size());
  }

  /// Takes `other`'s values, leaving it empty.
  small_vector(small_vector&& other) noexcept {
    take(other);
  }

  /// Replaces the values by a copy of `other`'s.
  small_vector& operator=(const small_vector& other) {
    if (this != &other) {
      size_ = 0;
      append(other.data(), other.size());
    }
    return *this;
  }

  /// Replaces the values by `other`'s, leaving it empty.
  small_vector& operator=(small_vector&& other) noexcept {
    if (this != &other) {
      heap_.reset();
      capacity_ = N;
      size_ = 0;
      take(other);
    }
    return *this;
  }

  /// The first value.
  T* data() noexcept {
    return heap_ ? heap_.get() : std::launder(reinterpret_cast<T*>(inline_));
  }

  /// The first value.
  const T* data() const noexcept {
    return heap_ ? heap_.get() : std::launder(reinterpret_cast<const T*>(inline_));
  }

  /// The number of values.
  std::size_t size() const noexcept {
    return size_;
  }

  /// True when there is no value.
  bool empty() const noexcept {
    return size_ == 0;
  }

  /// The value at `i`, which is less than `size()`.
  T& operator[](std::size_t i) noexcept {
    return data()[i];
  }

  /// The value at `i`, which is less than `size()`.
  const T& operator[](std::size_t i) const noexcept {
    return data()[i];
  }

  /// The first value, for range loops.
  const T* begin() const noexcept {
    return data();
  }

  /// Past the last value.
  const T* end() const noexcept {
    return data() + size_;
  }

  /// Adds `n` values at the end, left for the caller to write; returns the first.
  T* extend(std::size_t n) {
    if (capacity_ - size_ < n)
      grow(size_ + n);
    T* at = data() + size_;
    size_ += n;
    return at;
  }

  /// Adds a copy of the `n` values at `values` at the end.
  void append(const T* values, std::size_t n) {
    if (n > 0)
      std::memcpy(extend(n), values, n * sizeof(T));
  }

  /// Adds `value` at the end.
  void push_back(const T& value) {
    new (extend(1)) T(value);
  }

  /// Drops the values from `n` on; `n` is at most `size()`.
  void truncate(std::size_t n) noexcept {
    size_ = n;
  }

private:
  void grow(std::size_t needed) {
    auto capacity = std::max(needed, 2 * capacity_);
    std::unique_ptr<T[]> bigger{new T[capacity]};
    std::memcpy(bigger.get(), data(), size_ * sizeof(T));
    heap_ = std::move(bigger);
    capacity_ = capacity;
  }

  void take(small_vector& other) noexcept {
    if (other.heap_) {
      heap_ = std::move(other.heap_);
      capacity_ = other.capacity_;
    } else {
      std::memcpy(inline_, other.inline_, other.size_ * sizeof(T));
    }
    size_ = other.size_;
    other.size_ = 0;
    other.capacity_ = N;
  }

  std::unique_ptr<T[]> heap_;
  std::size_t size_ = 0;
  std::size_t capacity_ = N;
  alignas(T) unsigned char inline_[N * sizeof(T)];
};

} // namespace switchboard
