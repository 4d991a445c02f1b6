#pragma once
/// \file
/// The file-system seam of durable storage: what a write-ahead log needs of a disk, as a
/// concept, with two models: `posix_file_system` (the real one: pwrite, fdatasync, fsync of a
/// directory) and `power_loss_disk` (io/power_loss_disk.hpp: in memory, and it forgets what a
/// power cut would). Errors are values (`errc::io_failed`, `errc::no_space`, ...), never
/// exceptions.
///
/// What the concept asks for, POSIX-shaped:
/// - `open(path, mode) -> result<file_handle>`; `close(h)`; `open_mode::create` makes a new
///   file and fails if it exists.
/// - `write_at(h, offset, bytes)` (the whole span, or an error), `read_at(h, offset, out) ->
///   result<size_t>` (short at the end of the file), `size(h)`, `allocate(h, length)` (grow to at
///   least `length`, zero-filled: a preallocated segment), `truncate(h, length)`.
/// - `sync(h)`: the file's data durable (fdatasync). A file's name is durable only once its
///   directory is synced: `sync_dir(dir)`.
/// - `make_dir`, `rename`, `remove`, `list(dir)` (names, sorted).
///
/// And two it may offer:
/// - `drops_cache<F>`: `drop_cache(h, offset, length)`, a hint that the range's bytes, written
///   and synced, will not be read soon and may leave the page cache
///   (`posix_fadvise(POSIX_FADV_DONTNEED)`). The write-ahead log gives it what it has synced.
/// - `writes_behind<F>`: `write_behind(h, offset, length)`: the range's bytes, just written, go
///   to the device now, and the call returns when they have (Linux's `sync_file_range` with
///   WAIT_BEFORE, WRITE and WAIT_AFTER). Not a sync: no metadata, no flush of the device's cache,
///   and nothing durable is promised. A checkpoint writes its file a piece at a time through
///   it, so that the shared disk never holds a whole snapshot's worth of dirty pages for the
///   log's next `fdatasync` to wait behind.

#include <replica/core/result.hpp>

#include <algorithm>
#include <cerrno>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace replica::io {

/// An open file of a file system (a descriptor; the simulated disk's slot).
struct file_handle {
  int id = -1;
  friend bool operator==(const file_handle&, const file_handle&) = default;
};

enum class open_mode : std::uint8_t {
  read,        ///< an existing file, to read
  read_write,  ///< an existing file, to read and write
  create,      ///< a new file (an error if it exists), to read and write
};

template <class F>
concept file_system = requires(F& fs, file_handle h, const std::string& path, std::uint64_t n,
                               std::span<const std::byte> in, std::span<std::byte> out) {
  { fs.open(path, open_mode::read) } -> std::same_as<result<file_handle>>;
  { fs.close(h) } -> std::same_as<status>;
  { fs.write_at(h, n, in) } -> std::same_as<status>;
  { fs.read_at(h, n, out) } -> std::same_as<result<std::size_t>>;
  { fs.size(h) } -> std::same_as<result<std::uint64_t>>;
  { fs.allocate(h, n) } -> std::same_as<status>;
  { fs.truncate(h, n) } -> std::same_as<status>;
  { fs.sync(h) } -> std::same_as<status>;
  { fs.sync_dir(path) } -> std::same_as<status>;
  { fs.make_dir(path) } -> std::same_as<status>;
  { fs.rename(path, path) } -> std::same_as<status>;
  { fs.remove(path) } -> std::same_as<status>;
  { fs.list(path) } -> std::same_as<result<std::vector<std::string>>>;
};

/// Whether a file system offers the optional cache hint `drop_cache(h, offset, length)`.
template <class F>
concept drops_cache = requires(F& fs, file_handle h, std::uint64_t n) {
  { fs.drop_cache(h, n, n) } -> std::same_as<status>;
};

/// Whether a file system offers the optional write-behind hint `write_behind(h, offset, length)`.
template <class F>
concept writes_behind = requires(F& fs, file_handle h, std::uint64_t n) {
  { fs.write_behind(h, n, n) } -> std::same_as<status>;
};

/// Whether a file system may be called from two threads at once (it says so with
/// `static constexpr bool thread_safe = true`): then the runner writes checkpoints on a thread
/// of their own while the log goes on appending. Fault-injecting test doubles are not.
template <class F>
inline constexpr bool thread_safe_file_system = requires { requires F::thread_safe; };

/// The real file system (Linux, POSIX calls). Stateless: every call is a system call.
class posix_file_system {
 public:
  static constexpr bool thread_safe = true;
  result<file_handle> open(const std::string& path, open_mode mode) {
    int flags = O_CLOEXEC;
    switch (mode) {
      case open_mode::read: flags |= O_RDONLY; break;
      case open_mode::read_write: flags |= O_RDWR; break;
      case open_mode::create: flags |= O_RDWR | O_CREAT | O_EXCL; break;
    }
    const int fd = ::open(path.c_str(), flags, 0644);
    if (fd < 0) return failure("open failed");
    return file_handle{fd};
  }
  status close(file_handle h) {
    if (::close(h.id) != 0) return failure("close failed");
    return {};
  }
  status write_at(file_handle h, std::uint64_t offset, std::span<const std::byte> bytes) {
    while (!bytes.empty()) {
      const ::ssize_t n = ::pwrite(h.id, bytes.data(), bytes.size(), static_cast<::off_t>(offset));
      if (n < 0) {
        if (errno == EINTR) continue;
        return failure("pwrite failed");
      }
      bytes = bytes.subspan(static_cast<std::size_t>(n));
      offset += static_cast<std::uint64_t>(n);
    }
    return {};
  }
  result<std::size_t> read_at(file_handle h, std::uint64_t offset, std::span<std::byte> out) {
    std::size_t done = 0;
    while (done < out.size()) {
      const ::ssize_t n = ::pread(h.id, out.data() + done, out.size() - done, static_cast<::off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return failure("pread failed");
      }
      if (n == 0) break;
      done += static_cast<std::size_t>(n);
    }
    return done;
  }
  result<std::uint64_t> size(file_handle h) {
    struct ::stat st {};
    if (::fstat(h.id, &st) != 0) return failure("fstat failed");
    return static_cast<std::uint64_t>(st.st_size);
  }
  status allocate(file_handle h, std::uint64_t length) {
    const int e = ::posix_fallocate(h.id, 0, static_cast<::off_t>(length));
    if (e == 0) return {};
    if (e == EOPNOTSUPP || e == EINVAL) {  // a file system without it: extend (sparse, reads as zeros)
      auto s = size(h);
      if (!s) return s.err();
      if (*s >= length || ::ftruncate(h.id, static_cast<::off_t>(length)) == 0) return {};
      return failure("ftruncate failed");
    }
    errno = e;
    return failure("posix_fallocate failed");
  }
  status truncate(file_handle h, std::uint64_t length) {
    if (::ftruncate(h.id, static_cast<::off_t>(length)) != 0) return failure("ftruncate failed");
    return {};
  }
  status sync(file_handle h) {
    if (::fdatasync(h.id) != 0) return failure("fdatasync failed");
    return {};
  }
  status drop_cache(file_handle h, std::uint64_t offset, std::uint64_t length) {
    const int e = ::posix_fadvise(h.id, static_cast<::off_t>(offset), static_cast<::off_t>(length), POSIX_FADV_DONTNEED);
    if (e == 0) return {};
    errno = e;
    return failure("posix_fadvise failed");
  }
  status write_behind(file_handle h, std::uint64_t offset, std::uint64_t length) {
    if (::sync_file_range(h.id, static_cast<::off64_t>(offset), static_cast<::off64_t>(length),
                          SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER) == 0)
      return {};
    return failure("sync_file_range failed");
  }
  status sync_dir(const std::string& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return failure("open of a directory failed");
    const int r = ::fsync(fd);
    const int saved = errno;
    ::close(fd);
    errno = saved;
    if (r != 0) return failure("fsync of a directory failed");
    return {};
  }
  status make_dir(const std::string& dir) {
    if (::mkdir(dir.c_str(), 0755) == 0) return {};
    struct ::stat st {};
    if (errno == EEXIST && ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return {};
    return failure("mkdir failed");
  }
  status rename(const std::string& from, const std::string& to) {
    if (::rename(from.c_str(), to.c_str()) != 0) return failure("rename failed");
    return {};
  }
  status remove(const std::string& path) {
    if (::unlink(path.c_str()) != 0) return failure("unlink failed");
    return {};
  }
  result<std::vector<std::string>> list(const std::string& dir) {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return failure("opendir failed");
    std::vector<std::string> names;
    while (const ::dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  /// The current errno as an error value (`detail` names the call).
  static error failure(const char* what) noexcept {
    switch (errno) {
      case ENOSPC:
      case EDQUOT: return error{errc::no_space, what};
      case ENOENT:
      case EEXIST:
      case ENOTDIR:
      case EISDIR: return error{errc::out_of_range, what};
      default: return error{errc::io_failed, what};
    }
  }
};

}  // namespace replica::io
