#pragma once
/// \file
/// A disk in memory that forgets what a power cut would: the fault layer of the storage tests
/// (a `file_system`, io/file_system.hpp). It keeps, for every file, what the page cache holds
/// and what the device holds, and for every directory, its entries as seen and as durable:
/// - a write changes the cache only; `sync(file)` makes the file's data durable (in write order);
/// - a file's name (created, renamed, removed) is durable only after `sync_dir(its directory)`:
///   a file whose data was synced but whose directory was not is gone after a power cut;
/// - `power_loss()` drops everything not durable. Unsynced writes of a file survive as a prefix,
///   in the order they were made, the last surviving one possibly torn at any byte (what a disk
///   that writes in order does: the assumption etcd's and raft-wal's recoveries make); every
///   handle is closed;
/// - faults on command: the next sync fails (`fail_next_sync`); and then, as Linux does after an
///   EIO ("fsyncgate"), the data it did not write is forgotten by the device while the cache
///   still shows it, and a later sync reports success without writing it; writes beyond a
///   capacity fail with `no_space`; a bit of a stored file flips (`flip_bit`).
/// Deterministic: the tears come from the seed it is made with.

#include <replica/core/result.hpp>
#include <replica/io/file_system.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace replica::io {

class power_loss_disk {
 public:
  explicit power_loss_disk(std::uint64_t seed = 1) : rng_{seed} { dirs_[""]; }

  // ---- file_system ----
  result<file_handle> open(const std::string& path, open_mode mode) {
    auto [dir, name] = split(path);
    auto d = dirs_.find(dir);
    if (d == dirs_.end()) return error{errc::out_of_range, "open: no such directory"};
    auto e = d->second.now.find(name);
    std::size_t ino = 0;
    if (mode == open_mode::create) {
      if (e != d->second.now.end()) return error{errc::out_of_range, "open: the file exists"};
      ino = files_.size();
      files_.emplace_back();
      d->second.now[name] = ino;
    } else {
      if (e == d->second.now.end()) return error{errc::out_of_range, "open: no such file"};
      ino = e->second;
    }
    handles_.push_back(static_cast<std::ptrdiff_t>(ino));
    return file_handle{static_cast<int>(handles_.size() - 1)};
  }
  status close(file_handle h) {
    if (!valid(h)) return error{errc::out_of_range, "close: not an open file"};
    handles_[static_cast<std::size_t>(h.id)] = -1;
    return {};
  }
  status write_at(file_handle h, std::uint64_t offset, std::span<const std::byte> bytes) {
    if (!valid(h)) return error{errc::out_of_range, "write: not an open file"};
    inode& f = file(h);
    const std::uint64_t end = offset + bytes.size();
    if (end > f.now.size() && used() + (end - f.now.size()) > capacity_) return error{errc::no_space, "write: the disk is full"};
    apply(f.now, change{offset, {bytes.begin(), bytes.end()}, std::nullopt});
    f.pending.push_back(change{offset, {bytes.begin(), bytes.end()}, std::nullopt});
    return {};
  }
  result<std::size_t> read_at(file_handle h, std::uint64_t offset, std::span<std::byte> out) {
    if (!valid(h)) return error{errc::out_of_range, "read: not an open file"};
    const inode& f = file(h);
    if (offset >= f.now.size()) return std::size_t{0};
    const std::size_t n = std::min<std::size_t>(out.size(), f.now.size() - offset);
    std::copy_n(f.now.begin() + static_cast<std::ptrdiff_t>(offset), n, out.begin());
    return n;
  }
  result<std::uint64_t> size(file_handle h) {
    if (!valid(h)) return error{errc::out_of_range, "size: not an open file"};
    return static_cast<std::uint64_t>(file(h).now.size());
  }
  status allocate(file_handle h, std::uint64_t length) {
    if (!valid(h)) return error{errc::out_of_range, "allocate: not an open file"};
    inode& f = file(h);
    if (length <= f.now.size()) return {};
    if (used() + (length - f.now.size()) > capacity_) return error{errc::no_space, "allocate: the disk is full"};
    const change c{f.now.size(), std::vector<std::byte>(length - f.now.size()), std::nullopt};
    apply(f.now, c);
    f.pending.push_back(c);
    return {};
  }
  status truncate(file_handle h, std::uint64_t length) {
    if (!valid(h)) return error{errc::out_of_range, "truncate: not an open file"};
    inode& f = file(h);
    const change c{0, {}, length};
    apply(f.now, c);
    f.pending.push_back(c);
    return {};
  }
  status sync(file_handle h) {
    if (!valid(h)) return error{errc::out_of_range, "sync: not an open file"};
    inode& f = file(h);
    ++syncs_;
    if (fail_syncs_ > 0) {
      --fail_syncs_;
      f.pending.clear();  // the device never got them, and the cache no longer says they are dirty
      return error{errc::io_failed, "sync: injected EIO"};
    }
    for (const change& c : f.pending) apply(f.durable, c);
    f.pending.clear();
    return {};
  }
  status sync_dir(const std::string& dir) {
    auto d = dirs_.find(dir);
    if (d == dirs_.end()) return error{errc::out_of_range, "sync_dir: no such directory"};
    ++dir_syncs_;
    if (fail_syncs_ > 0) {
      --fail_syncs_;
      return error{errc::io_failed, "sync_dir: injected EIO"};
    }
    d->second.durable = d->second.now;
    return {};
  }
  /// (Directories are made durable at once: the tests are about files and their entries.)
  status make_dir(const std::string& dir) {
    dirs_[dir];
    return {};
  }
  status rename(const std::string& from, const std::string& to) {
    auto [fd, fname] = split(from);
    auto [td, tname] = split(to);
    auto f = dirs_.find(fd);
    auto t = dirs_.find(td);
    if (f == dirs_.end() || t == dirs_.end()) return error{errc::out_of_range, "rename: no such directory"};
    auto e = f->second.now.find(fname);
    if (e == f->second.now.end()) return error{errc::out_of_range, "rename: no such file"};
    const std::size_t ino = e->second;
    f->second.now.erase(e);
    t->second.now[tname] = ino;
    return {};
  }
  status remove(const std::string& path) {
    auto [dir, name] = split(path);
    auto d = dirs_.find(dir);
    if (d == dirs_.end() || d->second.now.erase(name) == 0) return error{errc::out_of_range, "remove: no such file"};
    return {};
  }
  result<std::vector<std::string>> list(const std::string& dir) {
    auto d = dirs_.find(dir);
    if (d == dirs_.end()) return error{errc::out_of_range, "list: no such directory"};
    std::vector<std::string> names;
    for (const auto& [name, ino] : d->second.now) names.push_back(name);
    return names;  // (a std::map: sorted)
  }

  // ---- faults ----
  /// The power goes out and comes back: what was not durable is lost (see the file comment);
  /// every handle is closed.
  void power_loss() {
    for (inode& f : files_) {
      std::vector<std::byte> after = f.durable;
      // A prefix of the unsynced changes survives, the last of it possibly torn.
      const std::size_t keep = f.pending.empty() ? 0 : static_cast<std::size_t>(rng_() % (f.pending.size() + 1));
      for (std::size_t i = 0; i < keep; ++i) {
        change c = f.pending[i];
        if (i + 1 == keep && !c.truncate_to && !c.bytes.empty()) c.bytes.resize(static_cast<std::size_t>(rng_() % (c.bytes.size() + 1)));
        apply(after, c);
      }
      f.now = after;
      f.durable = std::move(after);
      f.pending.clear();
    }
    for (auto& [name, d] : dirs_) d.now = d.durable;
    handles_.clear();
  }
  /// The next `n` syncs (of files or directories) fail with `io_failed`.
  void fail_next_sync(std::size_t n = 1) noexcept { fail_syncs_ = n; }
  /// Writes that would make the files hold more than `bytes` in all fail with `no_space`.
  void set_capacity(std::uint64_t bytes) noexcept { capacity_ = bytes; }
  /// Flips bit `bit` of byte `at` of the file at `path`, in the cache and on the device (media
  /// corruption). False if there is no such byte.
  bool flip_bit(const std::string& path, std::uint64_t at, unsigned bit) {
    const auto ino = find(path);
    if (!ino) return false;
    inode& f = files_[*ino];
    bool any = false;
    for (auto* v : {&f.now, &f.durable})
      if (at < v->size()) {
        (*v)[at] ^= static_cast<std::byte>(1u << (bit % 8));
        any = true;
      }
    return any;
  }

  // ---- observation ----
  /// What the device holds for `path` under its durable name (nullopt: no durable entry).
  [[nodiscard]] std::optional<std::vector<std::byte>> durable_contents(const std::string& path) const {
    auto [dir, name] = split(path);
    auto d = dirs_.find(dir);
    if (d == dirs_.end()) return std::nullopt;
    auto e = d->second.durable.find(name);
    if (e == d->second.durable.end()) return std::nullopt;
    return files_[e->second].durable;
  }
  [[nodiscard]] std::uint64_t syncs() const noexcept { return syncs_; }
  [[nodiscard]] std::uint64_t dir_syncs() const noexcept { return dir_syncs_; }

 private:
  /// A change to a file's bytes: write `bytes` at `offset`, or (`truncate_to`) set the length.
  struct change {
    std::uint64_t offset = 0;
    std::vector<std::byte> bytes;
    std::optional<std::uint64_t> truncate_to;
  };
  struct inode {
    std::vector<std::byte> now;      ///< the page cache: what reads see
    std::vector<std::byte> durable;  ///< the device
    std::vector<change> pending;     ///< changes since the last sync, in order
  };
  struct directory {
    std::map<std::string, std::size_t> now, durable;
  };

  static void apply(std::vector<std::byte>& v, const change& c) {
    if (c.truncate_to) {
      v.resize(static_cast<std::size_t>(*c.truncate_to));
      return;
    }
    const std::size_t end = static_cast<std::size_t>(c.offset) + c.bytes.size();
    if (v.size() < end) v.resize(end);
    std::copy(c.bytes.begin(), c.bytes.end(), v.begin() + static_cast<std::ptrdiff_t>(c.offset));
  }
  static std::pair<std::string, std::string> split(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return {"", path};
    return {path.substr(0, slash), path.substr(slash + 1)};
  }
  [[nodiscard]] bool valid(file_handle h) const noexcept {
    return h.id >= 0 && static_cast<std::size_t>(h.id) < handles_.size() && handles_[static_cast<std::size_t>(h.id)] >= 0;
  }
  inode& file(file_handle h) { return files_[static_cast<std::size_t>(handles_[static_cast<std::size_t>(h.id)])]; }
  /// The file `path` names now (nullopt: none).
  [[nodiscard]] std::optional<std::size_t> find(const std::string& path) const {
    auto [dir, name] = split(path);
    auto d = dirs_.find(dir);
    if (d == dirs_.end()) return std::nullopt;
    auto e = d->second.now.find(name);
    if (e == d->second.now.end()) return std::nullopt;
    return e->second;
  }
  [[nodiscard]] std::uint64_t used() const noexcept {
    std::uint64_t n = 0;
    for (const inode& f : files_) n += f.now.size();
    return n;
  }

  std::mt19937_64 rng_;
  std::vector<inode> files_;
  std::map<std::string, directory> dirs_;
  std::vector<std::ptrdiff_t> handles_;  ///< open handle -> inode (-1: closed)
  std::size_t fail_syncs_ = 0;
  std::uint64_t capacity_ = UINT64_MAX;
  std::uint64_t syncs_ = 0, dir_syncs_ = 0;
};

static_assert(file_system<power_loss_disk>);
static_assert(file_system<posix_file_system>);

}  // namespace replica::io
