#include "actors/kafka_broker_process.hpp"

#include <chrono>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "actors/kafka_error.hpp"

namespace switchboard {

namespace {

// Reads the first line of `fd` within `timeout_ms`; empty if none came.
std::string read_line(int fd, int timeout_ms) {
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, 100) <= 0)
      continue;
    char c;
    if (read(fd, &c, 1) != 1)
      break;
    if (c == '\n')
      return line;
    line += c;
  }
  return {};
}

int exit_code(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

} // namespace

caf::expected<std::unique_ptr<kafka_broker_process>>
kafka_broker_process::start(const std::string& binary, const std::vector<std::string>& args,
                            int timeout_ms) {
  int out[2];
  if (pipe(out) != 0)
    return caf::make_error(kafka_errc::broker_failed, "kafka broker process: pipe failed");
  // Everything the child needs is prepared before fork: it only calls exec.
  std::vector<std::string> all{binary, "broker"};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : all)
    argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) {
    close(out[0]);
    close(out[1]);
    return caf::make_error(kafka_errc::broker_failed, "kafka broker process: fork failed");
  }
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, STDERR_FILENO);
    close(out[0]);
    close(out[1]);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  close(out[1]);
  auto bootstrap = read_line(out[0], timeout_ms);
  close(out[0]);
  std::unique_ptr<kafka_broker_process> result{new kafka_broker_process(pid, bootstrap)};
  if (bootstrap.empty()) {
    int code = result->stop(SIGKILL);
    return caf::make_error(kafka_errc::broker_failed,
                           "kafka broker process: '" + binary + " broker' printed no bootstrap "
                             + "address (exit " + std::to_string(code) + ")");
  }
  return result;
}

kafka_broker_process::kafka_broker_process(pid_t pid, std::string bootstrap)
  : pid_(pid), bootstrap_(std::move(bootstrap)) {
  // nop
}

kafka_broker_process::~kafka_broker_process() {
  if (pid_ <= 0)
    return;
  kill(pid_, SIGTERM);
  for (int i = 0; i < 500; ++i) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

void kafka_broker_process::signal(int sig) {
  if (pid_ > 0)
    kill(pid_, sig);
}

int kafka_broker_process::stop(int sig) {
  if (pid_ <= 0)
    return -1;
  kill(pid_, sig);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return exit_code(status);
}

} // namespace switchboard
