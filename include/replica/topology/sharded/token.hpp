#pragma once
/// \file
/// Session tokens of a sharded replicator carry their shard: a log position means nothing in
/// another shard's log. On the wire (`client_request::token`) a token is `shard << 48 | position`;
/// a token whose shard is not the key's shard is refused with `wrong_key` (docs/models/sharded.md).
///
/// Where the shard is known to the type system, the mistake does not compile: a
/// `shard_token<Shard>` only attaches to a request for a key the compiler can place in `Shard`
/// (`with_token<Map, Key>(...)`, for range maps whose boundaries are constants).

#include <replica/core/client.hpp>

#include <cstdint>
#include <optional>

namespace replica {

namespace shard_tokens {
inline constexpr unsigned shard_bits = 16;
inline constexpr unsigned position_bits = 64 - shard_bits;
inline constexpr std::uint64_t position_mask = (std::uint64_t{1} << position_bits) - 1;

[[nodiscard]] constexpr std::uint64_t encode(std::uint32_t shard, std::uint64_t position) noexcept {
  return (std::uint64_t{shard} << position_bits) | (position & position_mask);
}
[[nodiscard]] constexpr std::uint32_t shard_of(std::uint64_t token) noexcept {
  return static_cast<std::uint32_t>(token >> position_bits);
}
[[nodiscard]] constexpr std::uint64_t position_of(std::uint64_t token) noexcept { return token & position_mask; }
}  // namespace shard_tokens

/// A read-your-writes token of shard `Shard`, known at compile time.
template <std::uint32_t Shard>
struct shard_token {
  static constexpr std::uint32_t shard = Shard;
  std::uint64_t position = 0;
  [[nodiscard]] constexpr std::uint64_t wire() const noexcept { return shard_tokens::encode(Shard, position); }
};

/// Equal key ranges over `KeySpace` keys in `Shards` shards, as a type: lets the compiler place
/// a constant key.
template <std::uint32_t Shards, std::uint64_t KeySpace = std::uint64_t{1} << 32>
struct static_ranges {
  static_assert(Shards >= 1 && KeySpace >= Shards, "replica::static_ranges: at least one key per shard");
  template <key_type Key>
  static constexpr std::uint32_t shard_of = static_cast<std::uint32_t>(std::uint64_t{Key} / (KeySpace / Shards) >= Shards
                                                                            ? Shards - 1
                                                                            : std::uint64_t{Key} / (KeySpace / Shards));
};

/// A request for the constant key `Key` carrying `token`; does not compile if the token's
/// shard is not `Key`'s shard under `Ranges`.
template <class Ranges, key_type Key, std::uint32_t Shard>
client_request<kv_op> with_token(client_request<kv_op> req, shard_token<Shard> token) {
  static_assert(Ranges::template shard_of<Key> == Shard,
                "replica::sharded: this read-your-writes token was issued by another shard than the key's; a log "
                "position means nothing in another shard's log. Use the token the key's shard returned "
                "(docs/models/sharded.md#tokens)");
  req.op.key = Key;
  req.token = token.wire();
  return req;
}

}  // namespace replica
