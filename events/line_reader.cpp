#include "events/line_reader.hpp"

#include <cstring>

namespace switchboard {

line_reader::line_reader(std::FILE* file, std::size_t max_line)
  : file_(file), max_line_(max_line), buf_(1 << 20) {
  // nop
}

bool line_reader::fill() {
  if (eof_)
    return false;
  pos_ = 0;
  end_ = std::fread(buf_.data(), 1, buf_.size(), file_);
  if (end_ == 0) {
    eof_ = true;
    return false;
  }
  return true;
}

bool line_reader::next(std::string& line, bool& oversized) {
  line.clear();
  oversized = false;
  last_size_ = 0;
  bool any = false;
  for (;;) {
    if (pos_ == end_ && !fill())
      break;
    any = true;
    auto* start = buf_.data() + pos_;
    auto* nl = static_cast<char*>(std::memchr(start, '\n', end_ - pos_));
    auto len = nl ? static_cast<std::size_t>(nl - start) : end_ - pos_;
    last_size_ += len;
    if (!oversized) {
      if (line.size() + len > max_line_) {
        oversized = true;
        line.clear();
      } else {
        line.append(start, len);
      }
    }
    pos_ += len;
    if (nl) {
      ++pos_;
      break;
    }
  }
  if (!any)
    return false;
  if (!line.empty() && line.back() == '\r')
    line.pop_back();
  ++line_no_;
  return true;
}

} // namespace switchboard
