#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include <thread>

#include <boost/json/parse.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "actors/kafka_broker_process.hpp"
#include "actors/kafka_client.hpp"
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

// One way of copying the source topic into `target`; returns the seconds it took.
struct copy_path {
  std::string name;
  std::string target;
  std::function<caf::expected<double>(const std::string& bootstrap, const std::string& target)>
    run;
};

// The baseline: kcat reading the source to its end, piped into kcat producing, keys kept
// (`key:event`; keys are decimal numbers, so the first colon ends the key).
caf::expected<double> kcat_copy(const std::string& bootstrap, const std::string& target) {
  auto command = "kcat -C -b " + bootstrap + " -t " + source_topic
                 + " -o beginning -e -q -K: | kcat -P -b " + bootstrap + " -t " + target
                 + " -K:";
  auto start = clock_type::now();
  int status = std::system(command.c_str());
  double took = seconds_since(start);
  if (status != 0)
    return caf::make_error(kafka_errc::transport, "kcat copy failed: " + command);
  return took;
}

// The consumer and producer classes: consume the source in a group, produce each event
// to the target, mark it handled when its delivery report arrives and commit as the
// handled prefix grows. Timed from the partition assignment, so the group join (seconds
// on the development broker) does not count against the copy.
caf::expected<double> client_copy(const std::string& bootstrap, const std::string& target) {
  clock_type::time_point start;
  bool assigned = false;
  kafka_consumer_handlers handlers;
  handlers.on_assigned = [&](const std::vector<topic_partition>&) {
    if (!assigned)
      start = clock_type::now();
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
  if (auto err = in.close())
    return err;
  return took;
}

// A figure of the Kafka source's statistics, or -1 when it did not answer.
double source_figure(caf::actor_system& sys, const caf::actor& source, const char* name) {
  auto text = ask_json(sys, source, "");
  if (!text)
    return -1;
  boost::json::error_code ec;
  auto v = boost::json::parse(*text, ec);
  if (ec || !v.is_object())
    return -1;
  auto* x = v.as_object().if_contains(name);
  return x ? x->to_number<double>() : -1;
}

// The service: Kafka source -> dispatcher (one route copying every event) -> Kafka sink,
// with the monitor running, as `switchboard run` assembles it. Timed from the partition
// assignment until the source holds acknowledgements (delivery reports) for every event.
caf::expected<double> service_copy(const std::string& bootstrap, const std::string& target) {
  auto cfg = parse_config(R"({"topics": {"input": [")" + std::string{source_topic}
                          + R"("]}, "routes": [{"name": "copy", "target_topics": [")" + target
                          + R"("]}]})");
  if (!cfg)
    return cfg.error();
  cfg->kafka = client_config(bootstrap, "group_" + target);
  // Larger batches and more of them in flight than the default: a copy has no processor
  // to keep latency low for, and each batch waits a delivery round trip (linger.ms plus
  // the broker's acknowledgement) before its credit returns.
  cfg->processors.batch_size = 1000;
  cfg->processors.max_inflight_batches = 32;
  caf::actor_system_config sys_cfg;
  configure_actor_system(sys_cfg);
  caf::actor_system sys{sys_cfg};
  auto svc = start_kafka_service(sys, *cfg, kafka_service_options{});
  if (!svc)
    return svc.error();
  auto deadline = clock_type::now() + std::chrono::seconds(120);
  while (source_figure(sys, svc->source, "assigned_partitions") <= 0
         && clock_type::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto start = clock_type::now();
  while (source_figure(sys, svc->source, "acknowledged") < static_cast<double>(event_count)) {
    if (clock_type::now() > deadline) {
      stop_kafka_service(sys, *svc, 0);
      return caf::make_error(kafka_errc::transport, "service copy did not finish in 120 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  double took = seconds_since(start);
  if (std::getenv("SB_DEBUG")) {
    std::fprintf(stderr, "source %s\n", ask_json(sys, svc->source, "")->c_str());
    std::fprintf(stderr, "sink %s\n", ask_json(sys, svc->p.sink, "")->c_str());
  }
  stop_kafka_service(sys, *svc, 5000);
  return took;
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
    {"service: source -> route -> sink actors", "bench_service", service_copy},
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
  std::vector<std::vector<double>> rates(paths.size());
  for (int round = 0; round < rounds; ++round) {
    for (std::size_t i = 0; i < paths.size(); ++i) {
      auto topic = target(i, round);
      auto took = paths[i].run(broker.bootstrap(), topic);
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
      rates[i].push_back(static_cast<double>(event_count) / *took);
    }
  }
  std::vector<double> medians;
  for (auto& r : rates) {
    std::sort(r.begin(), r.end());
    medians.push_back(r[r.size() / 2]);
  }
  double ratio = medians[1] / medians[0];
  double service_ratio = medians[2] / medians[0];
  if (cfg.json) {
    std::printf("{\"events\":%zu,\"event_bytes\":%.0f,\"partitions\":%d,\"rounds\":%d", event_count,
                avg, partitions, rounds);
    std::printf(",\"kcat_copy_per_second\":%.0f,\"client_copy_per_second\":%.0f", medians[0],
                medians[1]);
    std::printf(",\"service_copy_per_second\":%.0f", medians[2]);
    std::printf(",\"client_vs_kcat\":%.3f,\"service_vs_kcat\":%.3f}\n", ratio, service_ratio);
  } else {
    std::printf("kafka benchmark: %zu events, %.0f bytes on average, %d partitions, "
                "median of %d rounds, development broker on %s\n",
                event_count, avg, partitions, rounds, broker.bootstrap().c_str());
    std::printf("  %-40s %14s %10s %8s %s\n", "copy topic -> topic", "events/s", "MB/s",
                "vs kcat", "  rounds (events/s)");
    for (std::size_t i = 0; i < paths.size(); ++i) {
      std::printf("  %-40s %14.0f %10.1f %8.2f  ", paths[i].name.c_str(), medians[i],
                  medians[i] * avg / 1e6, medians[i] / medians[0]);
      for (auto r : rates[i])
        std::printf(" %.0f", r);
      std::printf("\n");
    }
    std::printf("  clients / kcat = %.2f, service / kcat = %.2f (target for consume, route, "
                "produce >= 0.70)\n",
                ratio, service_ratio);
  }
  return 0;
}

} // namespace switchboard::bench
