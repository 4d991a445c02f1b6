// Runs a libFuzzer target on files, without libFuzzer (any compiler): each file in the given
// directories (or each file given) is one input. With --write-seeds DIR, writes the target's seed
// inputs there instead (how the corpus in fuzz/corpus/ was made). Exit 0: every input ran.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
std::vector<std::vector<std::byte>> replica_fuzz_seeds();

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc == 3 && std::string{argv[1]} == "--write-seeds") {
    fs::create_directories(argv[2]);
    int i = 0;
    for (const auto& s : replica_fuzz_seeds()) {
      char name[32];
      std::snprintf(name, sizeof name, "seed-%03d", i++);
      std::ofstream(fs::path{argv[2]} / name, std::ios::binary).write(reinterpret_cast<const char*>(s.data()), static_cast<std::streamsize>(s.size()));
    }
    std::printf("%d seeds written to %s\n", i, argv[2]);
    return 0;
  }
  std::vector<fs::path> files;
  for (int a = 1; a < argc; ++a) {
    if (fs::is_directory(argv[a])) {
      for (const auto& e : fs::directory_iterator(argv[a]))
        if (e.is_regular_file()) files.push_back(e.path());
    } else {
      files.emplace_back(argv[a]);
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "replay: no input files\n");
    return 2;
  }
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    const std::vector<char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  }
  std::printf("replayed %zu inputs\n", files.size());
  return 0;
}
