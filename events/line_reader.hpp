#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace switchboard {

/// Reads newline-delimited records from a stream without loading it whole.
///
/// A line longer than `max_line` is skipped to its end and reported as
/// oversized, so a file without newlines cannot exhaust memory.
class line_reader {
public:
  /// Reads from `file` (not owned); lines over `max_line` bytes are cut.
  line_reader(std::FILE* file, std::size_t max_line);

  /// Fills `line` with the next record (without the newline); false at end of input.
  /// Sets `oversized` when the record was longer than the limit and is not in `line`.
  bool next(std::string& line, bool& oversized);

  /// The 1-based number of the record last returned.
  std::size_t line_number() const noexcept {
    return line_no_;
  }

  /// The size in bytes of the record last returned, even when oversized.
  std::size_t last_size() const noexcept {
    return last_size_;
  }

private:
  bool fill();

  std::FILE* file_;
  std::size_t max_line_;
  std::vector<char> buf_;
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
  std::size_t line_no_ = 0;
  std::size_t last_size_ = 0;
  bool eof_ = false;
};

} // namespace switchboard
