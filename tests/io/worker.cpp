// io::worker (io/worker.hpp): jobs run one at a time, in the order given, on a thread other than
// the caller's; the destructor finishes what was handed over before it joins.
#include <replica/io/worker.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

TEST_CASE("worker: jobs run in order, one at a time, on the worker's thread", "[io][net]") {
  std::mutex m;
  std::condition_variable cv;
  std::vector<int> order;
  std::atomic<int> running{0};
  bool overlapped = false, on_caller = false;
  const auto caller = std::this_thread::get_id();
  {
    replica::io::worker w;
    for (int i = 0; i < 200; ++i) {
      w.run([&, i] {
        if (running.fetch_add(1) != 0) overlapped = true;
        if (std::this_thread::get_id() == caller) on_caller = true;
        if (i % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds{1});  // later jobs queue up behind it
        {
          std::lock_guard lock{m};
          order.push_back(i);
        }
        running.fetch_sub(1);
        cv.notify_one();
      });
    }
    std::unique_lock lock{m};
    REQUIRE(cv.wait_for(lock, std::chrono::seconds{10}, [&] { return order.size() == 200; }));
  }
  REQUIRE(order.size() == 200);
  for (int i = 0; i < 200; ++i) CHECK(order[static_cast<std::size_t>(i)] == i);
  CHECK_FALSE(overlapped);
  CHECK_FALSE(on_caller);
}

TEST_CASE("worker: the destructor finishes the jobs already handed over", "[io][net]") {
  std::atomic<int> done{0};
  {
    replica::io::worker w;
    for (int i = 0; i < 20; ++i)
      w.run([&] {
        std::this_thread::sleep_for(std::chrono::microseconds{200});
        done.fetch_add(1);
      });
  }  // joins here
  CHECK(done.load() == 20);
}
