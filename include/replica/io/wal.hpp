#pragma once
/// \file
/// A write-ahead log for any node: the persist entries of each effects batch, appended and made
/// durable with one sync, and recovered into the node's `durable_state` after a crash.
/// docs/storage.md describes the format and how recovery decides.
///
///   replica::io::posix_file_system files;
///   typename Node::durable_state disk;
///   auto log = replica::io::wal<Node>::open(files, "data/wal", {}, disk);   // creates or recovers
///   if (!log) ...;                                                          // corruption: refused
///   Node node{self, cfg, disk};
///   ...
///   if (auto s = log->append(node.effects().persist); !s) ...;  // durable, or stop acknowledging
///   if (log->checkpoint_due()) (void)log->checkpoint(copy);  // `copy`: the disk, every batch applied
///
/// Records are framed as [u32 length][u32 CRC-32C][u64 sequence number][payload], 8-byte
/// aligned, the CRC over the sequence number, the length and the payload (the codec's encoding
/// of one persist entry). Segments are preallocated files numbered in order
/// (`wal-<16 hex digits>.log`). `checkpoint(state)` writes the whole durable state as a snapshot
/// file (`snap-<sequence number>.bin`, its own CRC) and removes the segments before the active
/// one; recovery starts from the newest snapshot and replays the records after it. The files'
/// names, and how the log removes those it no longer needs, are io/wal_files.hpp's.

#include <replica/core/result.hpp>
#include <replica/io/byte_buffer.hpp>
#include <replica/io/codec.hpp>
#include <replica/io/crc32c.hpp>
#include <replica/io/file_system.hpp>
#include <replica/io/wal_files.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace replica::io {

struct wal_options {
  std::uint64_t segment_bytes = 64u << 20;  ///< a segment's preallocated size (a larger batch gets a larger one)
  codec_limits limits{};                    ///< bounds on a record's payload when reading it back
  /// Never sync: nothing is durable. Only for measuring the log's own cost (benchmarks).
  bool unsafe_no_sync = false;
  /// `checkpoint_due()` after this many bytes of records since the last checkpoint (0: never),
  /// so that a store that only grows is recovered from a snapshot and a bounded log.
  std::uint64_t checkpoint_bytes = 0;
  /// Zeros written ahead of the records (0: none). A batch that passes the part of the segment
  /// already written carries zeros after its records, up to the next multiple of this many
  /// bytes, in the same write and the same sync. Appends then land on written blocks, so that
  /// a sync flushes data alone: on ext4, a write into preallocated space also converts the
  /// extent at its sync, which made each sync slower and its tail longer (docs/storage.md).
  std::uint64_t zero_ahead = 256u << 10;
  /// The synced bytes leave the page cache every this many (0: never), through the file
  /// system's optional `drop_cache` hint, and a segment's rest when the log moves past it. A
  /// log is read only at recovery, and its pages, kept cached, made later syncs slower
  /// (docs/storage.md, "The log's pages leave the cache").
  std::uint64_t drop_cache_every = 1u << 20;
  /// A checkpoint's file is written this many bytes at a time (0: in one write), each piece
  /// sent to the device before the next through the file system's optional `write_behind` hint,
  /// and the file leaves the page cache once synced (`drop_cache`). Written in one piece, a
  /// 28 MB snapshot left that much dirty for its sync, and every replica's log syncs on the
  /// shared disk waited behind it: 10-30 ms, at each checkpoint (docs/storage.md).
  std::uint64_t checkpoint_piece = 1u << 20;
};

/// What recovery found: records replayed, and a torn tail if one was cut off.
struct wal_recovery {
  std::uint64_t records = 0;
  std::uint64_t segments = 0;
  std::optional<std::string> torn_file;  ///< the segment whose last record was torn (truncated)
  std::uint64_t torn_offset = 0;         ///< where the torn record began
  std::uint64_t snapshot_sequence = 0;   ///< the checkpoint recovery started from (0: none)
  /// Nothing recovered: no record and no snapshot. A replica of a new cluster starts from the
  /// empty state; a member whose disk was lost must start from `disk_after_loss<Node>()`
  /// instead (FAULTS.md D10; docs/storage.md, "A lost disk"). Only the operator knows which.
  bool empty = false;
};

/// Why `open` refused a log: the file and offset of the damage.
struct wal_corruption {
  std::string file;
  std::uint64_t offset = 0;
  std::string_view reason;
  [[nodiscard]] std::string message() const {
    return "wal: " + std::string{reason} + " in " + file + " at byte " + std::to_string(offset);
  }
};

template <class Node, file_system Files = posix_file_system>
class wal {
 public:
  using persist_entry = typename Node::persist_entry;
  using durable_state = typename Node::durable_state;
  static constexpr std::size_t header_bytes = 16;

  /// Opens the log in `dir` (created if missing): replays every record into `state` (which
  /// should start empty), cuts off a torn tail, and refuses corruption with `why` saying where.
  static result<wal> open(Files& fs, std::string dir, const wal_options& o, durable_state& state,
                          wal_recovery* report = nullptr, wal_corruption* why = nullptr) {
    if (auto s = fs.make_dir(dir); !s) return s.err();
    wal w{fs, std::move(dir), o};
    wal_recovery found;
    wal_corruption bad;
    if (auto s = w.recover(state, found, bad); !s) {
      if (why) *why = bad;
      return s.err();
    }
    found.empty = found.records == 0 && found.snapshot_sequence == 0;
    if (report) *report = found;
    return w;
  }

  wal(wal&& o) noexcept
      : fs_{o.fs_}, dir_{std::move(o.dir_)}, segment_bytes_{o.segment_bytes_}, limits_{o.limits_},
        active_{std::exchange(o.active_, std::nullopt)}, active_size_{o.active_size_}, offset_{o.offset_}, zeroed_{o.zeroed_}, zero_ahead_{o.zero_ahead_}, dropped_{o.dropped_}, drop_every_{o.drop_every_}, checkpoint_piece_{o.checkpoint_piece_},
        segment_no_{o.segment_no_}, next_{std::exchange(o.next_, std::nullopt)}, next_seq_{o.next_seq_},
        broken_{o.broken_}, no_sync_{o.no_sync_}, checkpoint_bytes_{o.checkpoint_bytes_}, since_checkpoint_{o.since_checkpoint_},
        active_name_{std::move(o.active_name_)}, older_{std::move(o.older_)}, in_flight_{o.in_flight_}, snapshot_name_{std::move(o.snapshot_name_)} {}
  wal& operator=(wal&&) = delete;
  wal(const wal&) = delete;
  wal& operator=(const wal&) = delete;
  ~wal() {
    if (active_) (void)fs_->close(*active_);
    if (next_) (void)fs_->close(next_->handle);
  }

  /// Appends one batch of persist entries and makes it durable with one sync (a batch that does
  /// not fit the current segment goes whole into the next, prepared ahead). After a failed
  /// write or sync the log refuses everything (`io_failed`): whether the batch is on the disk is
  /// unknown, and a retried sync could report success for data the device dropped.
  status append(std::span<const persist_entry> batch) {
    if (broken_) return error{errc::io_failed, "wal: an earlier write or sync failed; reopen the log to recover"};
    if (batch.empty()) return {};
    buf_.clear();
    std::uint64_t seq = next_seq_;
    for (const persist_entry& e : batch) {
      // A refused entry refuses the batch and changes nothing (no sequence number is used).
      const auto len = encoded_size(e);
      if (!len) return error{errc::out_of_range, "wal: a persist entry too large to encode"};
      if (*len > limits_.max_frame_bytes) return error{errc::out_of_range, "wal: a persist entry over codec_limits::max_frame_bytes"};
      const std::size_t padded = align8(*len);
      std::byte* rec = buf_.extend(header_bytes + padded);  // (not zero-filled: every byte is written below)
      encode_into(e, rec + header_bytes);
      std::memset(rec + header_bytes + *len, 0, padded - *len);  // zero padding
      frame({rec, header_bytes + padded}, static_cast<std::uint32_t>(*len), seq++);
    }
    const std::uint64_t records = buf_.size();
    if (!active_ || offset_ + records > active_size_) {
      if (auto s = roll(records); !s) return fail(s);
    }
    if (const std::uint64_t end = offset_ + records; zero_ahead_ > 0 && end > zeroed_) {
      const std::uint64_t to = std::min(active_size_, (end / zero_ahead_ + 1) * zero_ahead_);
      std::memset(buf_.extend(to - end), 0, to - end);
      zeroed_ = to;
    }
    if (auto s = fs_->write_at(*active_, offset_, buf_.bytes()); !s) return fail(s);
    if (!no_sync_)
      if (auto s = fs_->sync(*active_); !s) return fail(s);
    offset_ += records;
    since_checkpoint_ += records;
    next_seq_ = seq;
    // The synced pages before the one the next batch writes into (a hint: its failure is not the
    // log's).
    if (const std::uint64_t upto = offset_ / page_bytes * page_bytes; drop_every_ > 0 && upto >= dropped_ + drop_every_) {
      drop(dropped_, upto);
      dropped_ = upto;
    }
    return {};
  }

  /// Whether a checkpoint was begun and not finished.
  [[nodiscard]] bool checkpoint_in_flight() const noexcept { return in_flight_; }
  /// Whether `wal_options::checkpoint_bytes` of records were written since the last checkpoint.
  [[nodiscard]] bool checkpoint_due() const noexcept {
    return checkpoint_bytes_ > 0 && since_checkpoint_ >= checkpoint_bytes_ && !in_flight_;
  }

  /// Writes `state` (what replaying every record appended so far gives: the caller's copy of
  /// the node's disk) as a snapshot file, then deletes the segments and the snapshot it makes
  /// unnecessary. The order is what makes a crash anywhere safe (FAULTS.md D4): the snapshot
  /// goes to a temporary file, which is synced, renamed, and the directory synced; only then are
  /// the old snapshot and the segments below it removed (and the directory synced again).
  /// Recovery starts from the newest snapshot and replays the records after it, so a crash
  /// before the rename is durable recovers from the old snapshot and the whole log, and one
  /// after from the new. A failure stops the checkpoint, not the log: nothing is removed, and a
  /// snapshot whose sync failed is never renamed.
  status checkpoint(const durable_state& state) {
    auto job = begin_checkpoint(state);
    if (!job) return job.err();
    write_checkpoint(*job);
    return finish_checkpoint(std::move(*job));
  }

  /// A checkpoint taken apart, so that its file work can run on another thread while the log
  /// goes on appending (the runner does this when `Files::thread_safe`): `begin_checkpoint`
  /// takes the state (encoding it on the log's thread, or keeping the caller's copy of it to
  /// encode later), `write_checkpoint` encodes a kept copy, then writes, syncs and renames the
  /// snapshot file (touching only the job and the file system, never the log),
  /// `remove_replaced` (the same) removes what the snapshot made unnecessary: the segments that
  /// were complete when it began (the active one then holds records after it) and the old
  /// snapshot, and `finish_checkpoint` (on the log's thread again) updates the log's bookkeeping
  /// (removing them itself if no one did). A crash at any point leaves what a crash inside
  /// `checkpoint` leaves.
  struct checkpoint_job {
    std::uint64_t seq = 0;                ///< the last record the snapshot includes (0: nothing to do)
    std::vector<std::byte> file;          ///< the snapshot file, header and body
    std::optional<durable_state> state;   ///< the state, when its encoding is `write_checkpoint`'s
    std::vector<std::string> segments;    ///< complete segments when it began: removed once it is durable
    std::optional<std::string> replaces;  ///< the snapshot file it replaces (none: the first)
    status written{};                     ///< what `write_checkpoint` found
    bool removed = false;                 ///< whether `remove_replaced` removed what it replaces
    status removal{};                     ///< the folder's sync after that
  };
  /// Encodes `state` (what replaying every record appended so far gives). Until the job is
  /// finished the log does not ask for another (`checkpoint_due` is false).
  result<checkpoint_job> begin_checkpoint(const durable_state& state) {
    return begin_checkpoint_job([&](checkpoint_job& job) { return encode_file(state, job); });
  }
  /// Keeps `state`, the caller's own copy, for `write_checkpoint` to encode: the loop pays the
  /// copy (a reference count per part for `kv_store`), the file thread the walk and the checksum.
  /// The copy must share nothing the caller goes on changing (a machine's snapshot is a value;
  /// one that shares parts with its machine, as `kv_snapshot` does, never writes a shared part).
  result<checkpoint_job> begin_checkpoint(durable_state&& state) {
    return begin_checkpoint_job([&](checkpoint_job& job) {
      job.state.emplace(std::move(state));
      return true;
    });
  }
  /// The snapshot file: written to a temporary, synced, renamed, the directory synced. Reads
  /// only what never changes after `open` (the file system, the folder, whether to sync).
  void write_checkpoint(checkpoint_job& job) const {
    if (job.seq == 0) return;
    if (job.state) {
      const bool encoded = encode_file(*job.state, job);
      job.state.reset();
      if (!encoded) {
        job.written = error{errc::out_of_range, "wal: a state too large to encode"};
        return;
      }
    }
    const std::string name = wal_files::snapshot_name(job.seq, false), temp = wal_files::snapshot_name(job.seq, true);
    (void)fs_->remove(dir_ + "/" + temp);  // left by a checkpoint that failed or was cut short
    auto h = fs_->open(dir_ + "/" + temp, open_mode::create);
    if (!h) {
      job.written = h.err();
      return;
    }
    status wrote = write_pieces(*h, job.file);
    if (wrote && !no_sync_) wrote = fs_->sync(*h);
    if constexpr (drops_cache<Files>)
      if (wrote && checkpoint_piece_ > 0) (void)fs_->drop_cache(*h, 0, job.file.size());  // (read again only at recovery)
    (void)fs_->close(*h);
    if (wrote) wrote = fs_->rename(dir_ + "/" + temp, dir_ + "/" + name);
    if (wrote && !no_sync_) wrote = fs_->sync_dir(dir_);
    job.written = wrote;
  }
  /// After a `write_checkpoint` that made the snapshot durable: removes what it replaces (the
  /// old snapshot and the job's segments), then syncs the folder. Touches only the job and the
  /// file system, as the write does, so the runner does it on the checkpoint's thread too
  /// (removing a 64 MiB segment took up to 16 ms on the loop); `finish_checkpoint` does it when
  /// no one did.
  void remove_replaced(checkpoint_job& job) const {
    if (job.seq == 0 || !job.written || job.removed) return;
    const std::string name = wal_files::snapshot_name(job.seq, false);
    std::vector<std::string> gone;
    if (job.replaces && *job.replaces != name) gone.push_back(*job.replaces);
    gone.insert(gone.end(), job.segments.begin(), job.segments.end());
    job.removed = true;
    job.removal = wal_files::remove(*fs_, dir_, gone, checkpoint_piece_, no_sync_);
  }
  /// After `write_checkpoint`: when the snapshot is durable, what it replaces goes
  /// (`remove_replaced`, if not done already); when it failed, nothing is removed, the segments
  /// wait for the next checkpoint, and one is due again.
  status finish_checkpoint(checkpoint_job&& job) {
    in_flight_ = false;
    if (job.seq == 0) return {};
    if (!job.written) {
      older_.insert(older_.begin(), std::make_move_iterator(job.segments.begin()), std::make_move_iterator(job.segments.end()));
      since_checkpoint_ = std::max(since_checkpoint_, checkpoint_bytes_);
      return job.written;
    }
    remove_replaced(job);
    snapshot_name_ = wal_files::snapshot_name(job.seq, false);
    return job.removal;
  }

  /// Whether the next segment is ready (`prepare_next` has nothing to do).
  [[nodiscard]] bool next_ready() const noexcept { return next_.has_value() || broken_; }
  /// Creates and preallocates the next segment now (io::runner calls it when its disk is idle),
  /// so that the batch that fills the current one pays one sync, not three.
  status prepare_next() {
    if (broken_) return error{errc::io_failed, "wal: an earlier write or sync failed"};
    if (next_) return {};
    if (auto s = prepare(segment_bytes_); !s) return fail(s);
    return {};
  }

  /// Appends to `out` one record as `append` writes it: `payload` (an encoded persist entry, or
  /// any bytes) framed with sequence number `seq`, zero-padded to 8 bytes. For tests and tools
  /// that build a log by hand (the recovery fuzzer frames arbitrary payloads with it).
  static void encode_record(std::uint64_t seq, std::span<const std::byte> payload, std::vector<std::byte>& out) {
    const std::size_t at = out.size();
    out.resize(at + header_bytes + align8(payload.size()));
    std::copy(payload.begin(), payload.end(), out.begin() + static_cast<std::ptrdiff_t>(at + header_bytes));
    frame(std::span{out}.subspan(at), static_cast<std::uint32_t>(payload.size()), seq);
  }

  /// Appends to `out` a snapshot file as `checkpoint` writes it: `body` (an encoded durable
  /// state, or any bytes) as the state after record `seq`. For tests and tools (the recovery
  /// fuzzer), like `encode_record`.
  static void encode_snapshot(std::uint64_t seq, std::span<const std::byte> body, std::vector<std::byte>& out) {
    const std::size_t at = out.size();
    out.resize(at + snapshot_header_bytes);
    out.insert(out.end(), body.begin(), body.end());
    seal_snapshot(std::span{out}.subspan(at), seq);
  }

  [[nodiscard]] std::uint64_t next_sequence() const noexcept { return next_seq_; }
  [[nodiscard]] const std::string& directory() const noexcept { return dir_; }

 private:
  struct prepared {
    file_handle handle;
    std::string name;
    std::uint64_t size = 0;
  };

  wal(Files& fs, std::string dir, const wal_options& o)
      : fs_{&fs}, dir_{std::move(dir)}, segment_bytes_{std::max<std::uint64_t>(o.segment_bytes, 4096)}, limits_{o.limits},
        zero_ahead_{o.zero_ahead}, drop_every_{o.drop_cache_every}, checkpoint_piece_{o.checkpoint_piece}, no_sync_{o.unsafe_no_sync}, checkpoint_bytes_{o.checkpoint_bytes} {}

  static std::size_t align8(std::size_t n) noexcept { return (n + 7) & ~std::size_t{7}; }
  static constexpr std::uint64_t page_bytes = 4096;
  /// The hint that [from, to) of the active segment may leave the cache, if the file system
  /// takes it.
  void drop(std::uint64_t from, std::uint64_t to) {
    if constexpr (drops_cache<Files>)
      if (drop_every_ > 0 && to > from) (void)fs_->drop_cache(*active_, from, to - from);
  }

  /// A snapshot file: "RSN1", CRC-32C (over the sequence number, the length and the body), the
  /// sequence number of the last record it includes, the body's length (u64 each), the body
  /// (the codec's encoding of the durable state).
  static constexpr std::size_t snapshot_header_bytes = 24;
  static constexpr char snapshot_magic[4] = {'R', 'S', 'N', '1'};
  /// Writes a checkpoint's file: a piece at a time, each sent to the device before the next,
  /// when the file system has the hint (`wal_options::checkpoint_piece`); otherwise at once.
  status write_pieces(file_handle h, std::span<const std::byte> file) const {
    if constexpr (writes_behind<Files>) {
      if (checkpoint_piece_ > 0 && !no_sync_) {
        for (std::uint64_t at = 0; at < file.size(); at += checkpoint_piece_) {
          const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(checkpoint_piece_, file.size() - at));
          if (auto s = fs_->write_at(h, at, file.subspan(static_cast<std::size_t>(at), n)); !s) return s;
          (void)fs_->write_behind(h, at, n);  // (a hint: the sync after the last piece is what counts)
        }
        return {};
      }
    }
    return fs_->write_at(h, 0, file);
  }
  /// A job: its sequence, the state `take` puts in it (false: too large to encode), then the
  /// segments it will remove.
  template <class Take>
  result<checkpoint_job> begin_checkpoint_job(Take&& take) {
    if (broken_) return error{errc::io_failed, "wal: an earlier write or sync failed"};
    if (in_flight_) return error{errc::precondition, "wal: a checkpoint is in progress; finish it first"};
    checkpoint_job job;
    job.seq = next_seq_ - 1;
    if (job.seq == 0) return job;  // nothing written: nothing to fold
    if (!take(job)) return error{errc::out_of_range, "wal: a state too large to encode"};
    job.segments = std::move(older_);
    older_.clear();
    job.replaces = snapshot_name_;
    since_checkpoint_ = 0;
    in_flight_ = true;
    return job;
  }
  /// The snapshot file of `state` into `job.file`, header sealed; false if it is too large.
  static bool encode_file(const durable_state& state, checkpoint_job& job) {
    job.file.resize(snapshot_header_bytes);
    if (!encode_to(state, job.file)) return false;
    seal_snapshot(job.file, job.seq);
    return true;
  }
  /// Writes a snapshot file's header in front of its body (already at file[24..]).
  static void seal_snapshot(std::span<std::byte> file, std::uint64_t seq) {
    const std::uint64_t body = file.size() - snapshot_header_bytes;
    const std::uint32_t crc = snapshot_checksum(seq, body, file.subspan(snapshot_header_bytes));
    std::memcpy(file.data(), snapshot_magic, 4);
    std::memcpy(file.data() + 4, &crc, 4);
    std::memcpy(file.data() + 8, &seq, 8);
    std::memcpy(file.data() + 16, &body, 8);
  }
  static std::uint32_t snapshot_checksum(std::uint64_t seq, std::uint64_t len, std::span<const std::byte> body) {
    std::byte head[16];
    std::memcpy(head, &seq, 8);
    std::memcpy(head + 8, &len, 8);
    return crc32c(body, crc32c(head));
  }
  static std::uint32_t checksum(std::uint64_t seq, std::uint32_t len, std::span<const std::byte> payload) {
    std::byte head[12];
    std::memcpy(head, &seq, 8);
    std::memcpy(head + 8, &len, 4);
    return crc32c(payload, crc32c(head));
  }
  /// Writes a record's header in front of its payload (already at rec[16..]).
  static void frame(std::span<std::byte> rec, std::uint32_t len, std::uint64_t seq) {
    const std::uint32_t crc = checksum(seq, len, rec.subspan(header_bytes, len));
    std::memcpy(rec.data(), &len, 4);
    std::memcpy(rec.data() + 4, &crc, 4);
    std::memcpy(rec.data() + 8, &seq, 8);
  }

  status fail(status s) {
    broken_ = true;
    return s;
  }
  /// The next segment (numbered after the active one), created, preallocated and durable (its
  /// size, then its name).
  status prepare(std::uint64_t size) {
    if (segment_no_ == UINT64_MAX) return error{errc::out_of_range, "wal: no segment number after the last (a segment named wal-ffffffffffffffff.log)"};
    const std::string name = wal_files::segment_name(segment_no_ + 1);
    auto h = fs_->open(dir_ + "/" + name, open_mode::create);
    if (!h) return h.err();
    if (auto s = fs_->allocate(*h, size); !s) return s;
    if (auto s = fs_->sync(*h); !s) return s;
    if (auto s = fs_->sync_dir(dir_); !s) return s;
    next_ = prepared{*h, name, size};
    return {};
  }
  /// Moves to the next segment, with room for `need` bytes: the prepared one if it is large
  /// enough, else a new one (a batch larger than a segment gets a segment of its own size).
  status roll(std::size_t need) {
    if (next_ && next_->size < need) {
      if (auto s = fs_->allocate(next_->handle, need); !s) return s;
      if (auto s = fs_->sync(next_->handle); !s) return s;
      next_->size = need;
    }
    if (!next_) {
      if (auto s = prepare(std::max<std::uint64_t>(segment_bytes_, need)); !s) return s;
    }
    if (active_) {
      drop(dropped_, active_size_);
      (void)fs_->close(*active_);
      older_.push_back(active_name_);
    }
    active_ = next_->handle;
    active_name_ = next_->name;
    active_size_ = next_->size;
    offset_ = 0;
    zeroed_ = 0;
    dropped_ = 0;
    ++segment_no_;
    next_.reset();
    return {};
  }

  static bool all_zero(std::span<const std::byte> b) {
    return std::all_of(b.begin(), b.end(), [](std::byte x) { return x == std::byte{0}; });
  }

  /// Reads a whole segment into `bytes`.
  status read_segment(file_handle h, std::vector<std::byte>& bytes) {
    auto size = fs_->size(h);
    if (!size) return size.err();
    bytes.assign(static_cast<std::size_t>(*size), std::byte{0});
    auto n = fs_->read_at(h, 0, bytes);
    if (!n) return n.err();
    if (*n != bytes.size()) return error{errc::io_failed, "wal: a segment read short"};
    return {};
  }
  /// Whether every segment after the k-th holds only zeros (prepared, never written).
  bool empty_after(const std::vector<std::string>& segments, std::size_t k) {
    std::vector<std::byte> bytes;
    for (std::size_t i = k + 1; i < segments.size(); ++i) {
      auto h = fs_->open(dir_ + "/" + segments[i], open_mode::read);
      if (!h) return false;
      const bool zero = read_segment(*h, bytes).ok() && all_zero(bytes);
      (void)fs_->close(*h);
      if (!zero) return false;
    }
    return true;
  }

  /// Reads the snapshot file `name` into `state`; its sequence number into `seq`.
  status load_snapshot(const std::string& name, durable_state& state, std::uint64_t& seq, wal_corruption& bad) {
    const std::string path = dir_ + "/" + name;
    auto h = fs_->open(path, open_mode::read);
    if (!h) return h.err();
    std::vector<std::byte> bytes;
    const status read = read_segment(*h, bytes);
    (void)fs_->close(*h);
    if (!read) return read;
    auto corrupt = [&](std::uint64_t at, std::string_view reason) -> status {
      bad = wal_corruption{path, at, reason};
      return error{errc::malformed, "wal: a damaged snapshot"};
    };
    if (bytes.size() < snapshot_header_bytes || std::memcmp(bytes.data(), snapshot_magic, 4) != 0)
      return corrupt(0, "a snapshot without its header");
    std::uint32_t crc = 0;
    std::uint64_t body = 0;
    std::memcpy(&crc, bytes.data() + 4, 4);
    std::memcpy(&seq, bytes.data() + 8, 8);
    std::memcpy(&body, bytes.data() + 16, 8);
    const auto rest = std::span{bytes}.subspan(snapshot_header_bytes);
    if (body != rest.size()) return corrupt(16, "a snapshot whose length is not its file's");
    if (seq != *wal_files::snapshot_number(name) || seq == 0) return corrupt(8, "a snapshot whose sequence number is not its name's");
    if (snapshot_checksum(seq, body, rest) != crc) return corrupt(4, "a snapshot failing its CRC");
    codec_limits lim = limits_;
    lim.max_elements = static_cast<std::uint32_t>(std::max<std::uint64_t>(lim.max_elements, std::min<std::uint64_t>(body, UINT32_MAX)));
    auto decoded = decode<durable_state>(rest, lim);
    if (!decoded) return corrupt(snapshot_header_bytes, "a snapshot whose checksum holds but whose state does not decode");
    state = std::move(*decoded);
    return {};
  }

  status recover(durable_state& state, wal_recovery& found, wal_corruption& bad) {
    auto names = fs_->list(dir_);
    if (!names) return names.err();
    std::vector<std::string> segments, snapshots;  // (sorted: the names are fixed-width hex)
    for (const auto& n : *names) {
      if (wal_files::is_segment(n)) segments.push_back(n);
      else if (wal_files::snapshot_number(n)) snapshots.push_back(n);
    }
    found.segments = segments.size();
    // Start from the newest snapshot (an older one is left by a crash before its removal),
    // then replay the records after it: those at or below its number are in it already.
    std::uint64_t snap = 0;
    if (!snapshots.empty()) {
      if (auto s = load_snapshot(snapshots.back(), state, snap, bad); !s) return s;
      found.snapshot_sequence = snap;
      snapshot_name_ = snapshots.back();
    }
    std::uint64_t expect = snap == 0 ? 1 : 0;  // 0: the first record's (at most snap + 1)
    std::vector<std::byte> bytes;
    for (std::size_t k = 0; k < segments.size(); ++k) {
      const std::string path = dir_ + "/" + segments[k];
      auto h = fs_->open(path, open_mode::read_write);
      if (!h) return h.err();
      if (auto s = read_segment(*h, bytes); !s) {
        (void)fs_->close(*h);
        return s;
      }
      auto corrupt = [&](std::uint64_t at, std::string_view reason) -> status {
        (void)fs_->close(*h);
        bad = wal_corruption{path, at, reason};
        return error{errc::malformed, "wal: corruption (not a torn tail)"};
      };
      std::size_t at = 0;
      bool torn = false;
      while (at + header_bytes <= bytes.size()) {
        std::uint32_t len = 0, crc = 0;
        std::uint64_t seq = 0;
        std::memcpy(&len, bytes.data() + at, 4);
        std::memcpy(&crc, bytes.data() + at + 4, 4);
        std::memcpy(&seq, bytes.data() + at + 8, 8);
        if (len == 0 && crc == 0 && seq == 0) {  // the preallocated rest
          if (!all_zero(std::span{bytes}.subspan(at))) return corrupt(at, "bytes after the end of the log");
          break;
        }
        const bool fits = len <= limits_.max_frame_bytes && header_bytes + align8(len) <= bytes.size() - at;
        const std::size_t end = fits ? at + header_bytes + align8(len) : bytes.size();
        // In sequence: the next number; or, where the snapshot covers what lies between (the
        // records below it are not all kept), the snapshot's next.
        const bool in_sequence = (expect != 0 && seq == expect) || (seq >= 1 && seq == snap + 1 && expect <= snap + 1) || (expect == 0 && seq >= 1 && seq <= snap);
        const bool whole = fits && in_sequence && checksum(seq, len, std::span{bytes}.subspan(at + header_bytes, len)) == crc;
        if (!whole) {
          // A torn write: the last record written, with nothing but zeros after it (in this
          // segment and in any prepared one after it). Anything else is corruption.
          const std::size_t rest = fits ? end : std::min(bytes.size(), at + header_bytes);
          if (!all_zero(std::span{bytes}.subspan(rest)) || !empty_after(segments, k))
            return corrupt(at, !fits ? "a record longer than its segment" : !in_sequence ? "a record out of sequence" : "a record failing its CRC");
          const std::vector<std::byte> zeros(end - at);
          if (auto s = fs_->write_at(*h, at, zeros); !s) return s;
          if (auto s = fs_->sync(*h); !s) return s;
          found.torn_file = path;
          found.torn_offset = at;
          torn = true;
          break;
        }
        auto entry = decode<persist_entry>(std::span{bytes}.subspan(at + header_bytes, len), limits_);
        if (!entry) return corrupt(at, "a record whose checksum holds but whose entry does not decode");
        if (seq > snap) {
          Node::persist(state, *entry);
          ++found.records;
        }
        expect = seq + 1;
        at = end;
      }
      if (torn || k + 1 == segments.size()) {
        // Appends continue here; segments after it (prepared, empty) are removed.
        for (std::size_t i = k + 1; i < segments.size(); ++i) (void)fs_->remove(dir_ + "/" + segments[i]);
        active_ = *h;
        active_name_ = segments[k];
        active_size_ = bytes.size();
        offset_ = at;
        zeroed_ = at;  // (what is past it reads as zeros; whether as written blocks is unknown)
        dropped_ = 0;  // (recovery read it all: the first drop takes what it cached too)
        segment_no_ = *wal_files::segment_number(segments[k]);
        break;
      }
      (void)fs_->close(*h);
      older_.push_back(segments[k]);
    }
    next_seq_ = std::max(expect, snap + 1);
    // Snapshots older than the newest, temporary files of checkpoints cut short, and files
    // retired but not yet removed are left from a crash: nothing needs them.
    for (const auto& n : *names)
      if ((wal_files::snapshot_number(n) && n != snapshots.back()) || wal_files::snapshot_number(n, true) || wal_files::is_retired(n))
        (void)fs_->remove(dir_ + "/" + n);
    return {};
  }

  Files* fs_;
  std::string dir_;
  std::uint64_t segment_bytes_;
  codec_limits limits_;
  std::optional<file_handle> active_;
  std::uint64_t active_size_ = 0;
  std::uint64_t offset_ = 0;  ///< where the next batch goes in the active segment
  std::uint64_t zeroed_ = 0;  ///< the active segment's bytes before this are written (records or zeros)
  std::uint64_t zero_ahead_ = 0;
  std::uint64_t dropped_ = 0;  ///< the active segment's bytes before this were given to drop_cache
  std::uint64_t drop_every_ = 0;
  std::uint64_t checkpoint_piece_ = 0;
  std::uint64_t segment_no_ = 0;  ///< the active segment's number (0: none yet)
  std::optional<prepared> next_;
  std::uint64_t next_seq_ = 1;
  byte_buffer buf_;  ///< the batch being framed (reused)
  bool broken_ = false;
  bool no_sync_ = false;
  std::uint64_t checkpoint_bytes_ = 0;
  std::uint64_t since_checkpoint_ = 0;       ///< record bytes written since the last checkpoint
  std::string active_name_;
  std::vector<std::string> older_;            ///< segments before the active one: a checkpoint removes them
  bool in_flight_ = false;                    ///< a checkpoint begun and not finished
  std::optional<std::string> snapshot_name_;  ///< the newest snapshot file
};

}  // namespace replica::io
