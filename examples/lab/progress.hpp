// Progress of a long lab run on stderr: done/total, rate and time left, redrawn at most five
// times a second. Shown only when stderr is a terminal (or when forced with --progress), so
// the tables and JSON on stdout never change.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include <unistd.h>

namespace lab {

class progress {
 public:
  using clock = std::chrono::steady_clock;

  /// `shown`: draw at all (by default, when stderr is a terminal).
  explicit progress(bool shown = ::isatty(STDERR_FILENO) != 0) : shown_{shown} {}
  progress(const progress&) = delete;
  progress& operator=(const progress&) = delete;
  ~progress() { finish(); }

  /// Starts counting `total` units of work named `unit` for `label`.
  void start(std::string label, std::uint64_t total, std::string unit) {
    finish();
    label_ = std::move(label);
    unit_ = std::move(unit);
    total_ = total;
    done_ = 0;
    began_ = last_ = clock::now();
    open_ = true;
  }
  /// `n` more units done.
  void advance(std::uint64_t n = 1) {
    done_ += n;
    if (!shown_ || !open_) return;
    const auto now = clock::now();
    if (now - last_ < std::chrono::milliseconds{200} && done_ < total_) return;
    last_ = now;
    draw(now);
  }
  /// Clears the line (the work is over).
  void finish() {
    if (shown_ && open_ && drawn_) std::fprintf(stderr, "\r%*s\r", static_cast<int>(width_), "");
    open_ = drawn_ = false;
  }
  [[nodiscard]] std::uint64_t done() const noexcept { return done_; }
  /// Draws even when stderr is not a terminal (`--progress`).
  void force_shown() noexcept { shown_ = true; }

 private:
  void draw(clock::time_point now) {
    const double secs = std::chrono::duration<double>(now - began_).count();
    const double rate = secs > 0 ? static_cast<double>(done_) / secs : 0;
    char left[32] = "?";
    if (rate > 0 && total_ >= done_) std::snprintf(left, sizeof left, "%.0f s", static_cast<double>(total_ - done_) / rate);
    const int n = std::fprintf(stderr, "\r%s: %llu/%llu %s (%.0f/s, %s left)  ", label_.c_str(),
                               static_cast<unsigned long long>(done_), static_cast<unsigned long long>(total_),
                               unit_.c_str(), rate, left);
    if (n > 0 && static_cast<std::size_t>(n) > width_) width_ = static_cast<std::size_t>(n);
    std::fflush(stderr);
    drawn_ = true;
  }

  bool shown_;
  bool open_ = false, drawn_ = false;
  std::string label_, unit_;
  std::uint64_t total_ = 0, done_ = 0;
  std::size_t width_ = 0;
  clock::time_point began_{}, last_{};
};

}  // namespace lab
