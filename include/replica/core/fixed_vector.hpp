#pragma once
/// \file
/// A vector of at most N trivially copyable elements, held in place, that is itself trivially
/// copyable: copying one is a fixed-size copy of its bytes, with no loop, no library call and
/// no branch on its size.
///
///   replica::fixed_vector<versioned, 2> v;
///   v.push_back(x);            // throws std::length_error past N (never undefined behaviour)
///   auto w = v;                // a plain copy of sizeof(v) bytes
///
/// For small values copied often on hot paths: a last-write-wins key's version (one: the order
/// is total) goes into the store, the durable record and every replica's message.
/// `boost::container::static_vector` does the same job with a size-dependent copy (its assign),
/// about 50 instructions per copy of one 40-byte version against a handful here
/// (docs/benchmarks.md, coordinator fan-out). Elements past `size()` are value-initialized or
/// left over from a shrink; they are copied but never read.

#include <algorithm>
#include <array>
#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace replica {

template <class T, std::size_t N>
class fixed_vector {
  static_assert(std::is_trivially_copyable_v<T> && std::is_default_constructible_v<T>,
                "replica::fixed_vector: holds trivially copyable, default-constructible elements only "
                "(use boost::container::static_vector for others)");
  static_assert(N > 0 && N < 256, "replica::fixed_vector: capacity between 1 and 255");

 public:
  using value_type = T;
  using size_type = std::size_t;
  using reference = T&;
  using const_reference = const T&;
  using iterator = T*;
  using const_iterator = const T*;

  constexpr fixed_vector() noexcept = default;
  constexpr fixed_vector(std::initializer_list<T> xs) { insert(end(), xs.begin(), xs.end()); }
  template <std::input_iterator It>
  constexpr fixed_vector(It first, It last) {
    insert(end(), first, last);
  }

  [[nodiscard]] static constexpr size_type capacity() noexcept { return N; }
  [[nodiscard]] constexpr size_type size() const noexcept { return bounded_size(); }
  [[nodiscard]] constexpr bool empty() const noexcept { return size_ == 0; }

  constexpr iterator begin() noexcept { return data_.data(); }
  constexpr iterator end() noexcept { return data_.data() + bounded_size(); }
  constexpr const_iterator begin() const noexcept { return data_.data(); }
  constexpr const_iterator end() const noexcept { return data_.data() + bounded_size(); }
  constexpr T* data() noexcept { return data_.data(); }
  constexpr const T* data() const noexcept { return data_.data(); }
  constexpr T& operator[](size_type i) noexcept { return data_[i]; }
  constexpr const T& operator[](size_type i) const noexcept { return data_[i]; }
  constexpr T& front() noexcept { return data_[0]; }
  constexpr const T& front() const noexcept { return data_[0]; }
  constexpr T& back() noexcept { return data_[size_ - 1]; }
  constexpr const T& back() const noexcept { return data_[size_ - 1]; }

  constexpr void clear() noexcept { size_ = 0; }
  constexpr void push_back(const T& x) {
    if (size_ == N) throw std::length_error("replica::fixed_vector: full");
    data_[size_++] = x;
  }
  template <class... Args>
  constexpr T& emplace_back(Args&&... args) {
    push_back(T{std::forward<Args>(args)...});
    return back();
  }
  /// Appends [first, last) at the end (`pos` must be end(): the only insertion the library needs).
  template <class It>
  constexpr iterator insert(const_iterator pos, It first, It last) {
    const auto at = static_cast<size_type>(pos - begin());
    if (at != size_) throw std::invalid_argument("replica::fixed_vector: inserts at the end only");
    const auto n = static_cast<size_type>(std::distance(first, last));
    if (n > N - size_) throw std::length_error("replica::fixed_vector: full");
    std::copy(first, last, end());
    size_ += n;
    return begin() + at;
  }
  /// `n` copies of `x`.
  constexpr void assign(size_type n, const T& x) {
    if (n > N) throw std::length_error("replica::fixed_vector: full");
    for (size_type i = 0; i < n; ++i) data_[i] = x;
    size_ = n;
  }
  /// Shrinks to `n`, or grows with value-initialized elements.
  constexpr void resize(size_type n) {
    if (n > N) throw std::length_error("replica::fixed_vector: full");
    for (size_type i = size_; i < n; ++i) data_[i] = T{};
    size_ = n;
  }

  /// Sets the size to `n` without touching the elements: for a caller that has just written the
  /// first `n` through `data()` (every element of the capacity always exists).
  constexpr void resize_for_overwrite(size_type n) {
    if (n > N) throw std::length_error("replica::fixed_vector: full");
    size_ = n;
  }

  friend constexpr bool operator==(const fixed_vector& a, const fixed_vector& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  /// The size, with what every mutator guarantees said to the compiler: it is at most N. A loop
  /// over a `fixed_vector<T, 1>` then compiles to one `if` (no loop counter, no back edge).
  constexpr size_type bounded_size() const noexcept {
    const size_type n = size_;
    if (n > N) __builtin_unreachable();
    return n;
  }

  std::array<T, N> data_{};
  // A whole word, not a byte: the object's bytes are then a multiple of 8 (for 8-byte-aligned
  // elements), and a copy is whole 16- and 8-byte moves. With a one-byte size, a 40-byte
  // version's vector is 41 bytes, copied as three overlapping 16-byte moves; a field read back
  // soon after (the store's fingerprint reads the value) then spans two of them, and waits for
  // both stores to reach the cache (a store-forwarding stall: docs/benchmarks.md, fan-out).
  size_type size_ = 0;
};

}  // namespace replica
