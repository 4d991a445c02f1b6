// Seed inputs written as text, as the targets' `replica_fuzz_seeds` return them (bytes).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

inline std::vector<std::vector<std::byte>> seeds_from_texts(const std::vector<std::string>& texts) {
  std::vector<std::vector<std::byte>> out;
  for (const auto& t : texts) {
    std::vector<std::byte> b(t.size());
    for (std::size_t i = 0; i < t.size(); ++i) b[i] = static_cast<std::byte>(t[i]);
    out.push_back(std::move(b));
  }
  return out;
}
