#pragma once

#include <chrono>
#include <cstddef>

namespace switchboard::bench {

/// Runs `step(i)` over the corpus indices until `seconds` pass; returns items per second.
template <class Step>
double rate(std::size_t corpus_size, double seconds, Step step) {
  using clock_type = std::chrono::steady_clock;
  std::size_t done = 0;
  auto start = clock_type::now();
  auto deadline = start + std::chrono::duration<double>(seconds);
  for (;;) {
    for (std::size_t i = 0; i < corpus_size; ++i)
      step(i);
    done += corpus_size;
    if (clock_type::now() >= deadline)
      break;
  }
  std::chrono::duration<double> took = clock_type::now() - start;
  return static_cast<double>(done) / took.count();
}

} // namespace switchboard::bench
