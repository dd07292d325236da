#include <csignal>
#include <cstdio>

#include <pthread.h>

#include "actors/kafka_broker.hpp"
#include "app/commands.hpp"
#include "events/error.hpp"

namespace switchboard::app {

int run_broker(const broker_options& opts) {
  if (opts.port != 0) {
    std::fprintf(stderr,
                 "switchboard broker: --port %u: librdkafka 2.0.2's mock cluster cannot listen "
                 "on a chosen port; omit --port and use the printed bootstrap address\n",
                 static_cast<unsigned>(opts.port));
    return 2;
  }
  if (opts.partitions < 1) {
    std::fprintf(stderr, "switchboard broker: --partitions %d: needs at least 1\n",
                 opts.partitions);
    return 2;
  }
  if (opts.partitions_given && opts.topics.empty()) {
    std::fprintf(stderr, "switchboard broker: --partitions applies to topics named with "
                         "--topic; auto-created topics always get %d partitions\n",
                 kafka_broker::auto_created_partitions);
    return 2;
  }
  // Block the signals before librdkafka starts its threads so they inherit the mask and
  // only the sigwait below ever sees them.
  sigset_t signals;
  sigemptyset(&signals);
  for (int sig : {SIGINT, SIGTERM, SIGUSR1, SIGUSR2})
    sigaddset(&signals, sig);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto broker = kafka_broker::make();
  if (!broker) {
    std::fprintf(stderr, "switchboard broker: %s\n", error_text(broker.error()).c_str());
    return 1;
  }
  for (const auto& topic : opts.topics) {
    if (auto err = (*broker)->create_topic(topic, opts.partitions)) {
      std::fprintf(stderr, "switchboard broker: --topic %s: %s\n", topic.c_str(),
                   error_text(err).c_str());
      return 2;
    }
  }
  std::printf("%s\n", (*broker)->bootstrap().c_str());
  std::fflush(stdout);
  std::fprintf(stderr,
               "switchboard broker: development broker on %s (Kafka wire protocol, in memory, "
               "not durable); SIGUSR1 takes it down, SIGUSR2 up, SIGINT/SIGTERM stops it\n",
               (*broker)->bootstrap().c_str());
  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0)
      return 1;
    if (sig == SIGINT || sig == SIGTERM)
      return 0;
    auto err = sig == SIGUSR1 ? (*broker)->set_down() : (*broker)->set_up();
    if (err)
      std::fprintf(stderr, "switchboard broker: %s\n", error_text(err).c_str());
    else
      std::fprintf(stderr, "switchboard broker: %s\n", sig == SIGUSR1 ? "down" : "up");
  }
}

} // namespace switchboard::app
