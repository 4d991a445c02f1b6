#pragma once
/// \file
/// The write-ahead log's files (io/wal.hpp): their names, and how the log removes those it no
/// longer needs. Names are fixed-width, so a folder's sorted listing is their order:
/// `wal-<16 hex digits>.log` a segment, `snap-<16 hex digits>.bin` a snapshot (the sequence
/// number of the last record it holds), `.tmp` one being written, and `<name>.retired` one being
/// removed (recovery removes it). Any other name is not the log's, and is left alone.
///
///   wal_files::segment_name(3)                  // "wal-0000000000000003.log"
///   wal_files::snapshot_number("snap-...1f.bin")  // 0x1f
///   wal_files::remove(fs, "data/wal", {"wal-0000000000000003.log"}, 1 << 20)  // in pieces

#include <replica/core/result.hpp>
#include <replica/io/file_system.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace replica::io::wal_files {

/// 16 lowercase hex digits of `n` from `at`; nothing if any is not one.
inline std::optional<std::uint64_t> hex16(const std::string& n, std::size_t at) {
  std::uint64_t v = 0;
  for (std::size_t i = at; i < at + 16; ++i) {
    const char c = n[i];
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return std::nullopt;
    v = v << 4 | static_cast<std::uint64_t>(d);
  }
  return v;
}

inline std::string segment_name(std::uint64_t number) {
  char name[40];
  std::snprintf(name, sizeof name, "wal-%016llx.log", static_cast<unsigned long long>(number));
  return name;
}
/// The number of a segment's name (`wal-` 16 lowercase hex digits `.log`); nothing for any
/// other name (recovery leaves such files alone, whatever they hold).
inline std::optional<std::uint64_t> segment_number(const std::string& n) {
  if (n.size() != 24 || n.rfind("wal-", 0) != 0 || n.compare(20, 4, ".log") != 0) return std::nullopt;
  return hex16(n, 4);
}
inline bool is_segment(const std::string& n) { return segment_number(n).has_value(); }

inline std::string snapshot_name(std::uint64_t seq, bool temporary) {
  char name[40];
  std::snprintf(name, sizeof name, "snap-%016llx.%s", static_cast<unsigned long long>(seq), temporary ? "tmp" : "bin");
  return name;
}
/// The sequence number of a snapshot file's name (`snap-` 16 hex digits `.bin`, or `.tmp`
/// with `temporary`: a checkpoint's file before its rename); nothing for any other name.
inline std::optional<std::uint64_t> snapshot_number(const std::string& n, bool temporary = false) {
  if (n.size() != 25 || n.rfind("snap-", 0) != 0 || n.compare(21, 4, temporary ? ".tmp" : ".bin") != 0) return std::nullopt;
  return hex16(n, 5);
}

/// What a file the log no longer needs is renamed to before it is shrunk and removed.
inline constexpr char retired_suffix[] = ".retired";
/// A segment's or a snapshot's name with `retired_suffix` (another file's is left alone).
inline bool is_retired(const std::string& n) {
  constexpr std::size_t k = sizeof retired_suffix - 1;
  if (n.size() <= k || !n.ends_with(retired_suffix)) return false;
  const std::string base = n.substr(0, n.size() - k);
  return is_segment(base) || snapshot_number(base).has_value();
}

/// Truncates the file at `path` `piece` bytes at a time from its end, syncing after each (best
/// effort: the caller removes it after this all the same).
template <file_system Files>
void shrink(Files& fs, const std::string& path, std::uint64_t piece) {
  auto h = fs.open(path, open_mode::read_write);
  if (!h) return;
  if (auto size = fs.size(*h)) {
    for (std::uint64_t n = *size; n > 0;) {
      n = n > piece ? n - piece : 0;
      if (!fs.truncate(*h, n) || !fs.sync(*h)) break;
    }
  }
  (void)fs.close(*h);
}

/// Removes the files `names` from `dir`, then syncs the folder (not with `no_sync`). With a
/// `piece`, a file is first shrunk that many bytes at a time, a sync after each, so that no one
/// sync frees a whole file's blocks: on ext4 mounted with `discard`, removing a 28 MB snapshot or
/// a 64 MiB segment at once held every log sync on the disk for 6-8 ms (docs/storage.md).
/// Recovery must never read a shrunk file as a segment or a snapshot, so the files are first
/// renamed out of its sight (`retired_suffix`) and the folder synced; only then are they shrunk.
/// A file that cannot be renamed is removed at once.
template <file_system Files>
status remove(Files& fs, const std::string& dir, const std::vector<std::string>& names, std::uint64_t piece,
              bool no_sync = false) {
  if (names.empty()) return {};
  if (piece == 0 || no_sync) {
    for (const std::string& n : names) (void)fs.remove(dir + "/" + n);
    return no_sync ? status{} : fs.sync_dir(dir);
  }
  std::vector<std::string> retired;
  for (const std::string& n : names) {
    if (fs.rename(dir + "/" + n, dir + "/" + n + retired_suffix)) retired.push_back(n + retired_suffix);
    else (void)fs.remove(dir + "/" + n);
  }
  if (auto s = fs.sync_dir(dir); !s) return s;  // (what was renamed stays until recovery removes it)
  for (const std::string& r : retired) {
    shrink(fs, dir + "/" + r, piece);
    (void)fs.remove(dir + "/" + r);
  }
  return fs.sync_dir(dir);
}

}  // namespace replica::io::wal_files
