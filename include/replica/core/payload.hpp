#pragma once
/// \file
/// An immutable, shared byte string: the body of a command (a row image, a Kafka record, a
/// document). Copying a `payload` shares the bytes (one reference count), so a log entry, the
/// append messages that ship it to every follower and the persisted batch hold one buffer, as
/// etcd/raft's entries share their `Data` slice. Created once, by the client.
///
///   auto body = replica::payload::filled(256, std::byte{0x2a});
///   replica::kv_op op{replica::op_kind::write, 7, 42, 0, body};

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <span>

namespace replica {

class payload {
 public:
  payload() = default;
  /// A payload holding a copy of `bytes`.
  static payload copy_of(std::span<const std::byte> bytes) {
    payload p = uninitialized(bytes.size());
    if (!bytes.empty()) std::memcpy(p.mutable_data(), bytes.data(), bytes.size());
    return p;
  }
  /// `n` bytes of `fill`.
  static payload filled(std::size_t n, std::byte fill) {
    payload p = uninitialized(n);
    std::fill_n(p.mutable_data(), n, fill);
    return p;
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::span<const std::byte> bytes() const noexcept { return {bytes_.get(), size_}; }

  /// Equal bytes (not the same buffer).
  friend bool operator==(const payload& a, const payload& b) noexcept {
    return a.size_ == b.size_ && (a.bytes_ == b.bytes_ || std::equal(a.bytes().begin(), a.bytes().end(), b.bytes().begin()));
  }

 private:
  static payload uninitialized(std::size_t n) {
    payload p;
    if (n > 0) p.bytes_ = std::make_shared_for_overwrite<std::byte[]>(n);
    p.size_ = n;
    return p;
  }
  std::byte* mutable_data() noexcept { return const_cast<std::byte*>(bytes_.get()); }

  std::shared_ptr<const std::byte[]> bytes_;
  std::size_t size_ = 0;
};

}  // namespace replica
