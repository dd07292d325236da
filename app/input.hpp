#pragma once

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace switchboard::app {

/// A command's input: a named file or stdin for `-`; reports open failures on stderr.
class input_file {
public:
  /// Opens `path`, or takes stdin when it is `-`.
  explicit input_file(const std::string& path) {
    if (path == "-") {
      file_ = stdin;
      return;
    }
    file_ = std::fopen(path.c_str(), "rb");
    owned_ = file_ != nullptr;
    if (!file_)
      std::fprintf(stderr, "cannot open %s: %s\n", path.c_str(), std::strerror(errno));
  }

  input_file(const input_file&) = delete;
  input_file& operator=(const input_file&) = delete;

  ~input_file() {
    if (owned_)
      std::fclose(file_);
  }

  /// True when the input is open.
  explicit operator bool() const noexcept {
    return file_ != nullptr;
  }

  /// The open stream.
  std::FILE* get() const noexcept {
    return file_;
  }

private:
  std::FILE* file_ = nullptr;
  bool owned_ = false;
};

} // namespace switchboard::app
