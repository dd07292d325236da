#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include <fstream>
#include <sstream>
#include <thread>

#include <sys/resource.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/kafka_broker_process.hpp"
#include "actors/kafka_client.hpp"
#include "actors/protocol.hpp"
#include "bench/bench.hpp"
#include "demo/pipeline.hpp"
#include "demo/service.hpp"
#include "events/error.hpp"

namespace switchboard::bench {

namespace {

using clock_type = std::chrono::steady_clock;

// Events copied per path: ~300 bytes each, ~60 MB per topic.
constexpr std::size_t event_count = 200000;

// Spread over enough partitions that no partition outgrows the development broker's
// per-partition retention (~5 MiB): ~1.9 MB each.
constexpr int partitions = 32;

// Rounds per path; the median is reported.
constexpr int rounds = 3;

constexpr const char* source_topic = "bench_source";

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

double seconds_of(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

// CPU seconds (user + system) of process `pid`, from /proc; 0 if unreadable.
double process_cpu(pid_t pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
  std::string line;
  std::getline(in, line);
  // Fields after the command name, which ends with the last ')': state is field 3,
  // utime and stime are fields 14 and 15.
  auto close = line.rfind(')');
  if (close == std::string::npos)
    return 0;
  std::istringstream fields{line.substr(close + 2)};
  std::string skip;
  for (int i = 3; i < 14; ++i)
    fields >> skip;
  double utime = 0;
  double stime = 0;
  fields >> utime >> stime;
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// CPU time spent on a copy by everything taking part: this process (clients, actors),
// its finished children (kcat) and the broker process. Unlike events/s, CPU per event
// hardly moves with what else runs on the machine.
class cpu_clock {
public:
  explicit cpu_clock(pid_t broker) : broker_(broker) {
    // nop
  }

  /// CPU seconds used so far.
  double now() const {
    rusage self{};
    rusage children{};
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    return seconds_of(self.ru_utime) + seconds_of(self.ru_stime)
           + seconds_of(children.ru_utime) + seconds_of(children.ru_stime)
           + process_cpu(broker_);
  }

private:
  pid_t broker_;
};

// What one copy took: wall-clock and CPU seconds.
struct copy_cost {
  double seconds = 0;
  double cpu = 0;
};

kafka_config client_config(const std::string& bootstrap, const std::string& group) {
  kafka_config cfg;
  cfg.brokers = bootstrap;
  cfg.group_id = group;
  return cfg;
}

// Number of messages retained in `topic`, summed over its partitions.
caf::expected<int64_t> count_messages(kafka_client& client, const std::string& topic) {
  int64_t total = 0;
  for (int32_t p = 0; p < partitions; ++p) {
    auto marks = client.watermarks(topic_partition{topic, p});
    if (!marks)
      return marks.error();
    total += marks->second - marks->first;
  }
  return total;
}

// Fills the source topic with the corpus through the idempotent producer.
caf::error fill(const std::string& bootstrap, const std::vector<std::string>& corpus) {
  std::size_t failed = 0;
  auto producer = kafka_producer::make(client_config(bootstrap, "bench"),
                                       [&](const kafka_delivery& d) { failed += d.error ? 1 : 0; });
  if (!producer)
    return producer.error();
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    for (;;) {
      // Keyed, so events spread evenly over partitions: unkeyed ones stick to one
      // partition for a while and can overflow its retention.
      auto err = (*producer)->produce(source_topic, std::to_string(i), corpus[i], i);
      if (!err)
        break;
      if (err != kafka_errc::queue_full)
        return err;
      (*producer)->poll(10);
    }
  }
  if (auto err = (*producer)->flush(60000))
    return err;
  if (failed > 0)
    return caf::make_error(kafka_errc::produce_failed,
                           std::to_string(failed) + " corpus events were not delivered");
  return caf::none;
}

// One way of copying the source topic into `target`; returns what it took.
struct copy_path {
  std::string name;
  std::string target;
  std::function<caf::expected<copy_cost>(const std::string& bootstrap,
                                         const std::string& target, const cpu_clock& cpu)>
    run;
};

// The baseline: kcat reading the source to its end, piped into kcat producing, keys kept
// (`key:event`; keys are decimal numbers, so the first colon ends the key). The reading
// kcat prefetches as our consumer does: with librdkafka's defaults it sometimes pauses
// fetching for a second (see the consumer defaults in actors/kafka_client.cpp), which
// would make the baseline, not the copy, what varies.
caf::expected<copy_cost> kcat_copy(const std::string& bootstrap, const std::string& target,
                                   const cpu_clock& cpu) {
  auto command = "kcat -C -b " + bootstrap + " -t " + source_topic
                 + " -X queued.min.messages=1000000 -X queued.max.messages.kbytes=131072"
                   " -o beginning -e -q -K: | kcat -P -b "
                 + bootstrap + " -t " + target + " -K:";
  auto cpu_start = cpu.now();
  auto start = clock_type::now();
  int status = std::system(command.c_str());
  double took = seconds_since(start);
  if (status != 0)
    return caf::make_error(kafka_errc::transport, "kcat copy failed: " + command);
  return copy_cost{took, cpu.now() - cpu_start};
}

// The consumer and producer classes: consume the source in a group, produce each event
// to the target, mark it handled when its delivery report arrives and commit as the
// handled prefix grows. Timed from the partition assignment, so the group join (seconds
// on the development broker) does not count against the copy.
caf::expected<copy_cost> client_copy(const std::string& bootstrap, const std::string& target,
                                     const cpu_clock& cpu) {
  clock_type::time_point start;
  double cpu_start = 0;
  bool assigned = false;
  kafka_consumer_handlers handlers;
  handlers.on_assigned = [&](const std::vector<topic_partition>&) {
    if (!assigned) {
      start = clock_type::now();
      cpu_start = cpu.now();
    }
    assigned = true;
  };
  auto consumer = kafka_consumer::make(client_config(bootstrap, "group_" + target), handlers);
  if (!consumer)
    return consumer.error();
  auto& in = **consumer;
  std::size_t delivered = 0;
  caf::error failure;
  // The opaque token carries the source partition and offset to acknowledge.
  auto producer = kafka_producer::make(client_config(bootstrap, "group_" + target),
                                       [&](const kafka_delivery& d) {
                                         if (d.error) {
                                           failure = d.error;
                                           return;
                                         }
                                         ++delivered;
                                         in.handled(topic_partition{source_topic,
                                                                    static_cast<int32_t>(
                                                                      d.opaque >> 40)},
                                                    static_cast<int64_t>(d.opaque
                                                                         & ((1ULL << 40) - 1)));
                                       });
  if (!producer)
    return producer.error();
  auto& out = **producer;
  if (auto err = in.subscribe({source_topic}))
    return err;
  std::vector<kafka_message> batch;
  auto deadline = clock_type::now() + std::chrono::seconds(120);
  auto last_commit = clock_type::now();
  while (delivered < event_count && !failure) {
    if (clock_type::now() > deadline)
      return caf::make_error(kafka_errc::transport, "client copy did not finish in 120 s");
    batch.clear();
    in.poll(batch, 10000, 10);
    for (const auto& msg : batch) {
      auto opaque = (static_cast<uint64_t>(msg.partition()) << 40)
                    | static_cast<uint64_t>(msg.offset());
      for (;;) {
        auto err = out.produce(target, msg.key(), msg.bytes(), opaque);
        if (!err)
          break;
        if (err != kafka_errc::queue_full)
          return err;
        out.poll(1);
      }
    }
    out.poll(0);
    if (clock_type::now() - last_commit > std::chrono::milliseconds(100)) {
      if (auto err = in.commit(true))
        return err;
      last_commit = clock_type::now();
    }
  }
  if (failure)
    return failure;
  if (auto err = in.commit(false))
    return err;
  double took = seconds_since(start);
  double used = cpu.now() - cpu_start;
  if (auto err = in.close())
    return err;
  return copy_cost{took, used};
}

// A figure of the Kafka source's statistics, or -1 when it did not answer.
double source_figure(caf::scoped_actor& self, const caf::actor& source, const char* name) {
  double out = -1;
  self->request(source, std::chrono::seconds(5), snapshot_atom::value)
    .receive(
      [&](std::string& text) {
        boost::json::error_code ec;
        auto v = boost::json::parse(text, ec);
        if (ec || !v.is_object())
          return;
        if (auto* x = v.as_object().if_contains(name))
          out = x->to_number<double>();
      },
      [](caf::error&) {});
  return out;
}

// The service: Kafka source -> dispatcher (one route copying every event) -> Kafka sink,
// with the monitor running, as `switchboard run` assembles it and with its defaults. Timed from the partition
// assignment until the source holds acknowledgements (delivery reports) for every event,
// asked every 5 ms (each answer costs the source a statistics snapshot).
caf::expected<copy_cost> service_copy(const std::string& bootstrap, const std::string& target,
                                      const cpu_clock& cpu) {
  auto cfg = parse_config(R"({"topics": {"input": [")" + std::string{source_topic}
                          + R"("]}, "routes": [{"name": "copy", "target_topics": [")" + target
                          + R"("]}]})");
  if (!cfg)
    return cfg.error();
  cfg->kafka = client_config(bootstrap, "group_" + target);
  caf::actor_system_config sys_cfg;
  configure_kafka_actor_system(sys_cfg);
  caf::actor_system sys{sys_cfg};
  auto svc = start_kafka_service(sys, *cfg, kafka_service_options{});
  if (!svc)
    return svc.error();
  caf::scoped_actor self{sys};
  auto deadline = clock_type::now() + std::chrono::seconds(120);
  while (source_figure(self, svc->source, "assigned_partitions") <= 0
         && clock_type::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto start = clock_type::now();
  auto cpu_start = cpu.now();
  while (source_figure(self, svc->source, "acknowledged") < static_cast<double>(event_count)) {
    if (clock_type::now() > deadline) {
      stop_kafka_service(sys, *svc, 0);
      return caf::make_error(kafka_errc::transport, "service copy did not finish in 120 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  double took = seconds_since(start);
  double used = cpu.now() - cpu_start;
  stop_kafka_service(sys, *svc, 5000);
  return copy_cost{took, used};
}

} // namespace

int kafka(const bench_config& cfg) {
  if (std::system("command -v kcat >/dev/null 2>&1") != 0) {
    std::fprintf(stderr, "switchboard bench kafka: kcat is not installed (apt-get install kcat)\n");
    return 1;
  }
  std::vector<copy_path> paths{
    {"kcat -C | kcat -P (baseline)", "bench_kcat", kcat_copy},
    {"kafka_consumer -> kafka_producer", "bench_clients", client_copy},
    {"service (source, route, sink)", "bench_service", service_copy},
  };
  // Every round copies into fresh topics (and a fresh group), so each copy starts alike
  // and its result can be counted; paths alternate within a round so a busy machine
  // weighs on all of them.
  auto target = [&](std::size_t path, int round) {
    return paths[path].target + "_" + std::to_string(round);
  };
  std::vector<std::string> topics{source_topic};
  for (int round = 0; round < rounds; ++round)
    for (std::size_t i = 0; i < paths.size(); ++i)
      topics.push_back(target(i, round));
  std::vector<std::string> args{"--partitions", std::to_string(partitions)};
  for (const auto& topic : topics) {
    args.emplace_back("--topic");
    args.push_back(topic);
  }
  auto started = kafka_broker_process::start("/proc/self/exe", args);
  if (!started) {
    std::fprintf(stderr, "switchboard bench kafka: %s\n", error_text(started.error()).c_str());
    return 1;
  }
  auto& broker = **started;
  auto corpus = make_corpus(event_count, 42);
  std::size_t bytes = 0;
  for (const auto& e : corpus)
    bytes += e.size();
  double avg = static_cast<double>(bytes) / static_cast<double>(corpus.size());
  if (auto err = fill(broker.bootstrap(), corpus)) {
    std::fprintf(stderr, "switchboard bench kafka: filling the source topic: %s\n",
                 error_text(err).c_str());
    return 1;
  }
  auto probe = kafka_consumer::make(client_config(broker.bootstrap(), "bench_probe"));
  if (!probe) {
    std::fprintf(stderr, "switchboard bench kafka: %s\n", error_text(probe.error()).c_str());
    return 1;
  }
  cpu_clock cpu{broker.pid()};
  std::vector<std::vector<double>> rates(paths.size());
  std::vector<std::vector<double>> cpu_us(paths.size());
  for (int round = 0; round < rounds; ++round) {
    for (std::size_t i = 0; i < paths.size(); ++i) {
      auto topic = target(i, round);
      auto took = paths[i].run(broker.bootstrap(), topic, cpu);
      if (!took) {
        std::fprintf(stderr, "switchboard bench kafka: %s: %s\n", paths[i].name.c_str(),
                     error_text(took.error()).c_str());
        return 1;
      }
      auto copied = count_messages(**probe, topic);
      if (!copied || *copied != static_cast<int64_t>(event_count)) {
        std::fprintf(stderr, "switchboard bench kafka: %s copied %lld of %zu events\n",
                     paths[i].name.c_str(), copied ? static_cast<long long>(*copied) : -1LL,
                     event_count);
        return 1;
      }
      rates[i].push_back(static_cast<double>(event_count) / took->seconds);
      cpu_us[i].push_back(took->cpu * 1e6 / static_cast<double>(event_count));
    }
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  // Each path against the kcat copy of its own round: copies of one round run back to
  // back, so a change in the machine's load weighs on both sides of a ratio alike.
  auto round_ratios = [&](std::size_t path) {
    std::vector<double> out;
    for (int round = 0; round < rounds; ++round)
      out.push_back(rates[path][static_cast<std::size_t>(round)]
                    / rates[0][static_cast<std::size_t>(round)]);
    return out;
  };
  std::vector<double> medians;
  std::vector<double> ratios;
  std::vector<double> cpu_medians;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    medians.push_back(median(rates[i]));
    ratios.push_back(median(round_ratios(i)));
    cpu_medians.push_back(median(cpu_us[i]));
  }
  if (cfg.json) {
    std::printf("{\"events\":%zu,\"event_bytes\":%.0f,\"partitions\":%d,\"rounds\":%d",
                event_count, avg, partitions, rounds);
    std::printf(",\"kcat_copy_per_second\":%.0f,\"client_copy_per_second\":%.0f", medians[0],
                medians[1]);
    std::printf(",\"service_copy_per_second\":%.0f", medians[2]);
    std::printf(",\"client_vs_kcat\":%.3f,\"service_vs_kcat\":%.3f", ratios[1], ratios[2]);
    std::printf(",\"kcat_cpu_us_per_event\":%.2f,\"client_cpu_us_per_event\":%.2f",
                cpu_medians[0], cpu_medians[1]);
    std::printf(",\"service_cpu_us_per_event\":%.2f}\n", cpu_medians[2]);
  } else {
    std::printf("kafka benchmark: %zu events, %.0f bytes on average, %d partitions, "
                "median of %d rounds, development broker on %s\n",
                event_count, avg, partitions, rounds, broker.bootstrap().c_str());
    std::printf("  %-34s %10s %7s %8s %9s  %s\n", "copy topic -> topic", "events/s", "MB/s",
                "vs kcat", "cpu us/ev", "rounds: events/s (vs kcat of the round)");
    for (std::size_t i = 0; i < paths.size(); ++i) {
      std::printf("  %-34s %10.0f %7.1f %8.2f %9.2f  ", paths[i].name.c_str(), medians[i],
                  medians[i] * avg / 1e6, ratios[i], cpu_medians[i]);
      auto r = round_ratios(i);
      for (int round = 0; round < rounds; ++round)
        std::printf(" %.0f (%.2f)", rates[i][static_cast<std::size_t>(round)],
                    r[static_cast<std::size_t>(round)]);
      std::printf("\n");
    }
    std::printf("  vs kcat: median over the rounds of each round's ratio; cpu us/ev: CPU time "
                "of clients, actors and broker per event\n");
    std::printf("  clients / kcat = %.2f, service / kcat = %.2f (target for consume, route, "
                "produce >= 0.70)\n",
                ratios[1], ratios[2]);
  }
  return 0;
}

} // namespace switchboard::bench
