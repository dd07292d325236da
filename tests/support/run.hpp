#pragma once

#include <array>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <sys/wait.h>

namespace switchboard::test {

/// What a finished command printed and returned.
struct run_result {
  /// The exit status, or -1 when the command did not exit normally.
  int exit_code = -1;
  /// Everything printed on stdout.
  std::string out;
  /// Everything printed on stderr.
  std::string err;
};

/// A temporary file path unique to this process; removed by the destructor.
class temp_file {
public:
  /// A fresh path ending in `suffix`, with `content` written to it.
  explicit temp_file(const std::string& content = {}, const std::string& suffix = ".tmp") {
    std::random_device rd;
    path_ = "/tmp/sbtest-" + std::to_string(rd()) + "-" + std::to_string(rd()) + suffix;
    std::ofstream f{path_, std::ios::binary};
    f << content;
  }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;
  ~temp_file() {
    std::remove(path_.c_str());
  }
  /// The file's path.
  const std::string& path() const noexcept {
    return path_;
  }
  /// The file's current content.
  std::string read() const {
    std::ifstream f{path_, std::ios::binary};
    return {std::istreambuf_iterator<char>{f}, std::istreambuf_iterator<char>{}};
  }

private:
  std::string path_;
};

/// Runs a shell command with `input` on stdin; captures stdout and stderr.
inline run_result run(const std::string& command, const std::string& input = {}) {
  temp_file in{input};
  temp_file err;
  run_result result;
  auto full = command + " < " + in.path() + " 2> " + err.path();
  FILE* pipe = popen(full.c_str(), "r");
  if (!pipe)
    return result;
  std::array<char, 65536> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0)
    result.out.append(buf.data(), n);
  int status = pclose(pipe);
  if (WIFEXITED(status))
    result.exit_code = WEXITSTATUS(status);
  result.err = err.read();
  return result;
}

/// Runs the built `switchboard` with the given arguments.
inline run_result run_switchboard(const std::string& args, const std::string& input = {}) {
  return run(std::string{SWITCHBOARD_BINARY} + " " + args, input);
}

} // namespace switchboard::test
