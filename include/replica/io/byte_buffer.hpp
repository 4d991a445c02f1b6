#pragma once
/// \file
/// A growable byte buffer whose new bytes are not zero-filled. `std::vector<std::byte>::resize`
/// writes every new byte before the caller overwrites it; for a write-ahead log's batch (80 KB
/// for 256 entries of 256 B) that is a whole extra pass over the batch. The log encodes each
/// record straight into space from `extend` and zeroes only its padding.
///
///   io::byte_buffer b;
///   std::byte* p = b.extend(n);   // n bytes, unspecified until written
///   std::span<const std::byte> all = b.bytes();
///   b.clear();                    // keeps the storage

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <span>

namespace replica::io {

class byte_buffer {
 public:
  [[nodiscard]] std::byte* data() noexcept { return data_.get(); }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::span<const std::byte> bytes() const noexcept { return {data_.get(), size_}; }
  [[nodiscard]] std::span<std::byte> bytes() noexcept { return {data_.get(), size_}; }
  void clear() noexcept { size_ = 0; }
  /// `n` more bytes at the end, not initialised; returns where they start (valid until the
  /// next `extend`).
  std::byte* extend(std::size_t n) {
    if (n > capacity_ - size_) grow(std::max(size_ + n, capacity_ * 2));
    std::byte* at = data_.get() + size_;
    size_ += n;
    return at;
  }

 private:
  void grow(std::size_t capacity) {
    auto bigger = std::make_unique_for_overwrite<std::byte[]>(capacity);
    if (size_ > 0) std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    capacity_ = capacity;
  }

  std::unique_ptr<std::byte[]> data_;
  std::size_t size_ = 0, capacity_ = 0;
};

}  // namespace replica::io
