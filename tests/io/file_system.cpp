// posix_file_system (io/file_system.hpp) on the real file system, in a fresh directory under
// the test's working directory: the calls the write-ahead log makes, and their errors as values.
#include <replica/io/file_system.hpp>

#include <catch2/catch.hpp>

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

using namespace replica;
using replica::io::open_mode;

TEST_CASE("posix_file_system: create, preallocate, write, sync, read back, rename, list, remove", "[io][storage]") {
  namespace fs = std::filesystem;
  const fs::path root = fs::current_path() / "posix_file_system_test";
  fs::remove_all(root);
  io::posix_file_system files;
  const std::string dir = root.string();
  REQUIRE(files.make_dir(dir).ok());
  REQUIRE(files.make_dir(dir).ok());  // an existing directory is fine
  auto f = files.open(dir + "/seg-1", open_mode::create);
  REQUIRE(f.ok());
  CHECK(files.open(dir + "/seg-1", open_mode::create).code() == errc::out_of_range);  // exists
  REQUIRE(files.allocate(*f, 4096).ok());
  auto size = files.size(*f);
  REQUIRE(size.ok());
  CHECK(*size == 4096);
  const std::vector<std::byte> rec{std::byte{1}, std::byte{2}, std::byte{3}};
  REQUIRE(files.write_at(*f, 8, rec).ok());
  REQUIRE(files.sync(*f).ok());
  REQUIRE(files.sync_dir(dir).ok());
  std::vector<std::byte> back(16);
  auto n = files.read_at(*f, 0, back);
  REQUIRE(n.ok());
  CHECK(*n == 16);
  CHECK(back[8] == std::byte{1});
  CHECK(back[10] == std::byte{3});
  CHECK(back[0] == std::byte{0});  // preallocated space reads as zeros
  // The cache hint: synced bytes may leave the page cache, and read back the same from the disk.
  static_assert(io::drops_cache<io::posix_file_system>);
  REQUIRE(files.drop_cache(*f, 0, 4096).ok());
  std::vector<std::byte> again(16);
  REQUIRE(files.read_at(*f, 0, again).ok());
  CHECK(again == back);
  CHECK(!files.drop_cache(io::file_handle{-1}, 0, 4096).ok());  // a bad descriptor is an error, not a crash
  auto tail = files.read_at(*f, 4090, back);
  REQUIRE(tail.ok());
  CHECK(*tail == 6);  // short at the end of the file
  REQUIRE(files.truncate(*f, 11).ok());
  size = files.size(*f);
  REQUIRE(size.ok());
  CHECK(*size == 11);
  REQUIRE(files.close(*f).ok());
  REQUIRE(files.rename(dir + "/seg-1", dir + "/seg-2").ok());
  auto names = files.list(dir);
  REQUIRE(names.ok());
  CHECK(*names == std::vector<std::string>{"seg-2"});
  CHECK(files.open(dir + "/seg-1", open_mode::read).code() == errc::out_of_range);
  REQUIRE(files.remove(dir + "/seg-2").ok());
  CHECK(files.remove(dir + "/seg-2").code() == errc::out_of_range);
  CHECK(files.list(dir + "/missing").code() == errc::out_of_range);
  fs::remove_all(root);
}
