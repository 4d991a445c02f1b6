#pragma once
/// \file
/// One long-lived thread that runs the jobs it is handed, one at a time, in the order given.
/// The runner writes and syncs its log on one (io/runner.hpp), so that its loop goes on
/// stepping while the disk works; a thread per job would cost its creation at every batch.
/// A job reports back by posting to its caller's event loop; the worker knows nothing of that.
///
///   io::worker disk;
///   disk.run([&] { auto s = log.append(batch); asio::post(io, [s] { ... }); });

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

namespace replica::io {

class worker {
 public:
  worker() : thread_{[this] { loop(); }} {}
  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;
  /// Finishes the jobs already handed over, then joins the thread.
  ~worker() {
    {
      std::lock_guard lock{m_};
      stopping_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }

  /// Queues `job`; it runs on the worker's thread after every job queued before it.
  void run(std::function<void()> job) {
    {
      std::lock_guard lock{m_};
      jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
  }

 private:
  void loop() {
    std::unique_lock lock{m_};
    for (;;) {
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, and nothing left
      auto job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      job();
      lock.lock();
    }
  }

  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;  // last: started once the members it uses exist
};

}  // namespace replica::io
