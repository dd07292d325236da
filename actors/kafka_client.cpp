#include "actors/kafka_client.hpp"

#include <cstdio>
#include <cstring>
#include <map>
#include <utility>

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include "events/error.hpp"

namespace switchboard {

namespace {

using property_list = std::vector<std::pair<std::string, std::string>>;

// A property the application's guarantees depend on: config may repeat the value but
// not change it.
struct pinned_property {
  const char* name;
  std::vector<const char*> accepted;
  const char* why;
};

// Builds a librdkafka configuration from our defaults, then the user's properties
// (`section` names where they came from in the config file), refusing changes to the
// pinned ones.
caf::expected<rd_kafka_conf_t*> make_conf(const property_list& defaults,
                                          const std::map<std::string, std::string>& user,
                                          const char* section,
                                          const std::vector<pinned_property>& pinned) {
  for (const char* reserved : {"bootstrap.servers", "group.id"})
    if (user.count(reserved) > 0)
      return caf::make_error(kafka_errc::bad_config,
                             std::string{section} + "." + reserved + ": set it with "
                               + (std::strcmp(reserved, "group.id") == 0 ? "kafka.group_id"
                                                                           : "kafka.brokers"));
  for (const auto& pin : pinned) {
    auto i = user.find(pin.name);
    if (i == user.end())
      continue;
    bool ok = false;
    for (const char* value : pin.accepted)
      ok = ok || i->second == value;
    if (!ok)
      return caf::make_error(kafka_errc::bad_config, std::string{section} + "." + pin.name
                                                       + ": must be " + pin.accepted.front()
                                                       + " (" + pin.why + "), got '"
                                                       + i->second + "'");
  }
  auto* conf = rd_kafka_conf_new();
  char errstr[512];
  auto set = [&](const std::string& key, const std::string& value,
                 const std::string& where) -> caf::error {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr, sizeof(errstr))
        != RD_KAFKA_CONF_OK)
      return caf::make_error(kafka_errc::bad_config, where + ": " + errstr);
    return caf::none;
  };
  for (const auto& [key, value] : defaults) {
    if (auto err = set(key, value, "kafka client default " + key)) {
      rd_kafka_conf_destroy(conf);
      return err;
    }
  }
  for (const auto& [key, value] : user) {
    if (auto err = set(key, value, std::string{section} + "." + key)) {
      rd_kafka_conf_destroy(conf);
      return err;
    }
  }
  return conf;
}

// librdkafka's own log lines repeat what the error callback reports; keep them at debug.
void log_cb(const rd_kafka_t*, int level, const char* fac, const char* buf) {
  spdlog::debug("librdkafka[{}] {}: {}", level, fac, buf);
}

std::vector<topic_partition> to_vector(const rd_kafka_topic_partition_list_t* list) {
  std::vector<topic_partition> out;
  if (list == nullptr)
    return out;
  out.reserve(static_cast<std::size_t>(list->cnt));
  for (int i = 0; i < list->cnt; ++i)
    out.push_back(topic_partition{list->elems[i].topic, list->elems[i].partition});
  return out;
}

struct partition_list {
  rd_kafka_topic_partition_list_t* ptr;

  explicit partition_list(std::size_t size)
    : ptr(rd_kafka_topic_partition_list_new(static_cast<int>(size))) {
    // nop
  }

  ~partition_list() {
    rd_kafka_topic_partition_list_destroy(ptr);
  }

  partition_list(const partition_list&) = delete;
  partition_list& operator=(const partition_list&) = delete;
};

// Errors no retry or other broker cures: the message itself is too big.
bool too_large(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE
         || err == RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE;
}

} // namespace

/// librdkafka's C callbacks; `opaque` is always the client that registered them.
struct kafka_callbacks {
  static void error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
    auto* self = static_cast<kafka_client*>(opaque);
    auto code = static_cast<rd_kafka_resp_err_t>(err);
    if (code == RD_KAFKA_RESP_ERR__FATAL) {
      char buf[512];
      rd_kafka_fatal_error(rk, buf, sizeof(buf));
      self->on_fatal(buf);
    } else if (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
      self->brokers_down_ = true;
      self->report(kafka_errc::brokers_down, std::string{"all brokers are down: "} + reason);
    } else {
      self->report(kafka_errc::transport, reason);
    }
  }

  // Statistics tell when a broker connection is up again, which errors never say.
  static int stats(rd_kafka_t*, char* json, size_t len, void* opaque) {
    auto* self = static_cast<kafka_client*>(opaque);
    std::string_view text{json, len};
    if (text.find("\"state\":\"UP\"") != std::string_view::npos
        || text.find("\"state\": \"UP\"") != std::string_view::npos)
      self->reachable();
    return 0;
  }

  static void delivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
    auto* self = static_cast<kafka_producer*>(opaque);
    kafka_delivery report;
    report.opaque = reinterpret_cast<uintptr_t>(msg->_private);
    report.partition = msg->partition;
    report.offset = msg->offset;
    // Purges only happen while a fatal error's recovery replaces the handle.
    report.purged = msg->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE
                    || msg->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT
                    || msg->err == RD_KAFKA_RESP_ERR__FATAL;
    if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR)
      report.error = caf::make_error(too_large(msg->err) ? kafka_errc::too_large
                                                         : kafka_errc::produce_failed,
                                     self->role_ + ": message to topic '"
                                       + rd_kafka_topic_name(msg->rkt)
                                       + "' not delivered: " + rd_kafka_err2str(msg->err));
    else
      self->reachable();
    if (self->on_delivery_)
      self->on_delivery_(report);
  }

  static void rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                        rd_kafka_topic_partition_list_t* parts, void* opaque) {
    auto* self = static_cast<kafka_consumer*>(opaque);
    bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    auto changed = to_vector(parts);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      // Fresh partitions start fresh bookkeeping; fetching starts at committed offsets.
      for (const auto& where : changed)
        self->tracker_.forget(where);
      rd_kafka_error_t* failure = nullptr;
      rd_kafka_resp_err_t code = RD_KAFKA_RESP_ERR_NO_ERROR;
      if (cooperative)
        failure = rd_kafka_incremental_assign(rk, parts);
      else
        code = rd_kafka_assign(rk, parts);
      if (failure) {
        self->report(kafka_errc::consume_failed,
                     std::string{"cannot take assigned partitions: "}
                       + rd_kafka_error_string(failure));
        rd_kafka_error_destroy(failure);
      } else if (code != RD_KAFKA_RESP_ERR_NO_ERROR) {
        self->report(kafka_errc::consume_failed,
                     std::string{"cannot take assigned partitions: "} + rd_kafka_err2str(code));
      }
      if (self->paused_)
        rd_kafka_pause_partitions(rk, parts);
      if (self->handlers_.on_assigned)
        self->handlers_.on_assigned(changed);
      return;
    }
    if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
      // Lost partitions (session timed out) belong to another member already: committing
      // would overwrite its progress. Kafka accepts this commit while the group prepares
      // the rebalance, but a stricter broker (librdkafka's mock cluster) refuses it once
      // the rebalance started; the failure is reported and those messages are delivered
      // again (at-least-once), which is why callers should also commit as they go.
      if (!rd_kafka_assignment_lost(rk)) {
        auto offsets = self->tracker_.take_commits(changed);
        if (auto failure = self->commit(offsets, false))
          self->report(kafka_errc::commit_failed,
                       "cannot commit handled offsets of revoked partitions: "
                         + error_text(failure));
      }
      for (const auto& where : changed)
        self->tracker_.forget(where);
      if (self->handlers_.on_revoked)
        self->handlers_.on_revoked(changed);
    } else {
      self->report(kafka_errc::consume_failed,
                   std::string{"rebalance failed: "} + rd_kafka_err2str(err));
    }
    if (cooperative) {
      if (auto* failure = rd_kafka_incremental_unassign(rk, parts))
        rd_kafka_error_destroy(failure);
    } else {
      rd_kafka_assign(rk, nullptr);
    }
  }

  static void commit(rd_kafka_t*, rd_kafka_resp_err_t err,
                     rd_kafka_topic_partition_list_t* offsets, void* opaque) {
    auto* self = static_cast<kafka_consumer*>(opaque);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
      self->report(kafka_errc::commit_failed,
                   std::string{"offset commit failed: "} + rd_kafka_err2str(err));
      return;
    }
    for (int i = 0; offsets != nullptr && i < offsets->cnt; ++i) {
      const auto& elem = offsets->elems[i];
      if (elem.err != RD_KAFKA_RESP_ERR_NO_ERROR)
        self->report(kafka_errc::commit_failed,
                     std::string{"offset commit of "} + elem.topic + "["
                       + std::to_string(elem.partition) + "] failed: "
                       + rd_kafka_err2str(elem.err));
    }
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
      self->reachable();
  }
};

// -- kafka_client -------------------------------------------------------------

kafka_client::kafka_client(std::string role, kafka_error_handler on_error)
  : role_(std::move(role)), on_error_(std::move(on_error)) {
  // nop
}

kafka_client::~kafka_client() {
  destroy_handle();
  if (conf_)
    rd_kafka_conf_destroy(conf_);
}

std::string kafka_client::name() const {
  return rk_ ? rd_kafka_name(rk_) : std::string{};
}

caf::expected<std::pair<int64_t, int64_t>>
kafka_client::watermarks(const topic_partition& where, int timeout_ms) {
  int64_t low = 0;
  int64_t high = 0;
  auto err = rd_kafka_query_watermark_offsets(rk_, where.topic.c_str(), where.partition, &low,
                                              &high, timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return caf::make_error(kafka_errc::transport, role_ + ": cannot read the offsets of "
                                                    + where.topic + "["
                                                    + std::to_string(where.partition)
                                                    + "]: " + rd_kafka_err2str(err));
  return std::make_pair(low, high);
}

void kafka_client::report(kafka_errc code, std::string text) {
  if (on_error_)
    on_error_(kafka_client_error{code, role_ + ": " + text});
}

caf::error kafka_client::start(int type, rd_kafka_conf_t* conf) {
  rd_kafka_conf_set_opaque(conf, this);
  rd_kafka_conf_set_log_cb(conf, log_cb);
  rd_kafka_conf_set_error_cb(
    conf, [](rd_kafka_t* h, int err, const char* reason, void* opaque) {
      kafka_callbacks::error(h, err, reason, opaque);
    });
  rd_kafka_conf_set_stats_cb(conf, kafka_callbacks::stats);
  // rd_kafka_new takes the configuration; a copy stays for recreating the handle.
  auto* copy = rd_kafka_conf_dup(conf);
  char errstr[512];
  auto* rk = rd_kafka_new(static_cast<rd_kafka_type_t>(type), conf, errstr, sizeof(errstr));
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    rd_kafka_conf_destroy(copy);
    return caf::make_error(kafka_errc::bad_config, role_ + ": " + errstr);
  }
  type_ = type;
  conf_ = copy;
  adopt(rk);
  return caf::none;
}

void kafka_client::adopt(rd_kafka_t* rk) {
  // Consumed messages keep the handle alive: librdkafka requires it to outlive them.
  // Closing the consumer is the owner's business, never the last message's.
  handle_.reset(rk, [](rd_kafka_t* h) {
    rd_kafka_destroy_flags(h, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
  });
  rk_ = rk;
  enable_wakeup();
}

void kafka_client::destroy_handle() {
  disable_wakeup();
  rk_ = nullptr;
  handle_.reset();
}

void kafka_client::set_wakeup(std::function<void()> fn) {
  disable_wakeup();
  wakeup_ = std::move(fn);
  enable_wakeup();
}

void kafka_client::enable_wakeup() {
  if (!rk_ || !wakeup_ || wakeup_queue_)
    return;
  wakeup_queue_ = type_ == RD_KAFKA_CONSUMER ? rd_kafka_queue_get_consumer(rk_)
                                             : rd_kafka_queue_get_main(rk_);
  if (!wakeup_queue_)
    return;
  // librdkafka calls this under the queue's lock when the queue turns non-empty.
  rd_kafka_queue_cb_event_enable(
    wakeup_queue_,
    [](rd_kafka_t*, void* opaque) {
      auto* self = static_cast<kafka_client*>(opaque);
      if (self->wakeup_)
        self->wakeup_();
    },
    this);
}

void kafka_client::disable_wakeup() {
  if (!wakeup_queue_)
    return;
  rd_kafka_queue_cb_event_enable(wakeup_queue_, nullptr, nullptr);
  rd_kafka_queue_destroy(wakeup_queue_);
  wakeup_queue_ = nullptr;
}

caf::error kafka_client::raise_test_fatal_error(const std::string& reason) {
  auto err = rd_kafka_test_fatal_error(rk_, RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID,
                                       reason.c_str());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return caf::make_error(kafka_errc::fatal, role_ + ": cannot raise a test fatal error: "
                                                + rd_kafka_err2str(err));
  return caf::none;
}

void kafka_client::on_fatal(const std::string& text) {
  if (fatal_)
    return;
  fatal_ = true;
  auto now = std::chrono::steady_clock::now();
  // The first fatal error, or one after a minute without trouble, gets a new handle at
  // once; a new handle failing sooner waits 1 s, 2 s, 4 s ... so a cause that persists
  // cannot spin.
  double delay = 0;
  if (recreations_ == 0 || now - recreated_at_ >= std::chrono::minutes(1))
    recreate_backoff_.reset();
  else
    delay = recreate_backoff_.next();
  next_recreate_ = now
                   + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                     std::chrono::duration<double>(delay));
  char when[64];
  std::snprintf(when, sizeof(when), delay > 0 ? "in %.0f s" : "now", delay);
  report(kafka_errc::fatal, "fatal error: " + text + "; recreating the client " + when);
}

bool kafka_client::recover() {
  if (!fatal_ || std::chrono::steady_clock::now() < next_recreate_)
    return false;
  before_recreate();
  char errstr[512];
  auto* conf = rd_kafka_conf_dup(conf_);
  auto* rk = rd_kafka_new(static_cast<rd_kafka_type_t>(type_), conf, errstr, sizeof(errstr));
  if (!rk) {
    // Keep the failed handle and try again later.
    rd_kafka_conf_destroy(conf);
    auto delay = recreate_backoff_.next();
    next_recreate_ = std::chrono::steady_clock::now()
                     + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                       std::chrono::duration<double>(delay));
    report(kafka_errc::fatal, std::string{"cannot recreate the client: "} + errstr
                                + "; trying again in " + std::to_string(static_cast<int>(delay))
                                + " s");
    return false;
  }
  destroy_handle();
  adopt(rk);
  fatal_ = false;
  brokers_down_ = false;
  ++recreations_;
  recreated_at_ = std::chrono::steady_clock::now();
  spdlog::warn("{}: recreated after a fatal error (recreation #{}) as {}", role_, recreations_,
               rd_kafka_name(rk_));
  if (auto err = after_recreate())
    report(kafka_errc::fatal, "recreated, but " + error_text(err));
  return true;
}

// -- kafka_producer -----------------------------------------------------------

kafka_producer::kafka_producer(kafka_delivery_handler on_delivery, kafka_error_handler on_error)
  : kafka_client("kafka producer", std::move(on_error)), on_delivery_(std::move(on_delivery)) {
  // nop
}

caf::expected<std::unique_ptr<kafka_producer>>
kafka_producer::make(const kafka_config& cfg, kafka_delivery_handler on_delivery,
                     kafka_error_handler on_error) {
  if (cfg.brokers.empty())
    return caf::make_error(kafka_errc::bad_config, "kafka.brokers: no bootstrap servers given");
  property_list defaults{
    {"bootstrap.servers", cfg.brokers},
    // Exactly one copy per produce call even when librdkafka retries after a lost
    // acknowledgement; requires acks=all.
    {"enable.idempotence", "true"},
    {"acks", "all"},
    // Wait up to 5 ms to fill a batch: under load batches fill long before, and at low
    // rates it bounds the latency added per message. 2 ms cost a copy through the
    // service a third of its rate (more, smaller requests for client and broker); 10 ms
    // gained nothing measurable and needs a larger window in flight.
    {"linger.ms", "5"},
    // Batches are per partition: with many partitions linger.ms ends them; with few,
    // these bound them (10,000 messages, or batch.size's 1 MB: ~2,800 events of 360
    // bytes) so one request never grows without limit.
    {"batch.num.messages", "10000"},
    // Bound the memory of messages waiting for acknowledgement (64 MiB); produce then
    // reports queue_full, the caller's backpressure signal.
    {"queue.buffering.max.kbytes", "65536"},
    // Health sees a broker come back through the statistics.
    {"statistics.interval.ms", "1000"},
  };
  std::vector<pinned_property> pinned{
    {"enable.idempotence", {"true"}, "the producer never duplicates a message on retry"},
    {"acks", {"all", "-1"}, "every in-sync replica must acknowledge"},
  };
  auto conf = make_conf(defaults, cfg.producer, "kafka.producer", pinned);
  if (!conf)
    return conf.error();
  std::unique_ptr<kafka_producer> self{
    new kafka_producer(std::move(on_delivery), std::move(on_error))};
  rd_kafka_conf_set_dr_msg_cb(*conf, kafka_callbacks::delivery);
  if (auto err = self->start(RD_KAFKA_PRODUCER, *conf))
    return err;
  return self;
}

kafka_producer::~kafka_producer() {
  if (rk_)
    rd_kafka_flush(rk_, close_timeout_ms);
  for (auto& entry : topics_)
    rd_kafka_topic_destroy(entry.second);
}

rd_kafka_topic_t* kafka_producer::topic_handle(std::string_view topic) {
  if (last_topic_ != topics_.end() && last_topic_->first == topic)
    return last_topic_->second;
  if (auto i = topics_.find(topic); i != topics_.end()) {
    last_topic_ = i;
    return i->second;
  }
  std::string name{topic};
  auto* handle = rd_kafka_topic_new(rk_, name.c_str(), nullptr);
  if (handle)
    topics_.emplace(std::move(name), handle);
  return handle;
}

caf::error kafka_producer::produce(std::string_view topic, std::string_view key,
                                   std::string_view bytes, uint64_t opaque,
                                   kafka_payload payload) {
  if (fatal_pending())
    return caf::make_error(kafka_errc::fatal,
                           role_ + ": recovering from a fatal error; poll and retry");
  auto* handle = topic_handle(topic);
  if (!handle)
    return caf::make_error(kafka_errc::produce_failed,
                           role_ + ": cannot produce to topic '" + std::string{topic}
                             + "': " + rd_kafka_err2str(rd_kafka_last_error()));
  // Without F_COPY librdkafka reads the caller's bytes when it builds the request, which
  // saves a copy and an allocation per message; the key is always copied.
  int flags = payload == kafka_payload::copy ? RD_KAFKA_MSG_F_COPY : 0;
  auto err = rd_kafka_producev(
    rk_, RD_KAFKA_V_RKT(handle), RD_KAFKA_V_MSGFLAGS(flags),
    RD_KAFKA_V_VALUE(const_cast<char*>(bytes.data()), bytes.size()),
    RD_KAFKA_V_KEY(key.empty() ? nullptr : key.data(), key.size()),
    RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<uintptr_t>(opaque))), RD_KAFKA_V_END);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
    return caf::none;
  if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL)
    return caf::make_error(kafka_errc::queue_full,
                           role_ + ": queue full; poll for delivery reports and retry");
  if (err == RD_KAFKA_RESP_ERR__FATAL)
    return caf::make_error(kafka_errc::fatal,
                           role_ + ": recovering from a fatal error; poll and retry");
  return caf::make_error(too_large(err) ? kafka_errc::too_large : kafka_errc::produce_failed,
                         role_ + ": cannot produce to topic '" + std::string{topic}
                           + "': " + rd_kafka_err2str(err));
}

int kafka_producer::poll(int timeout_ms) {
  int served = rd_kafka_poll(rk_, timeout_ms);
  recover();
  return served;
}

void kafka_producer::before_recreate() {
  // Every message still queued or in flight comes back as purged, so its owner can
  // produce it again through the new handle; none may stay behind in the old one.
  rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (rd_kafka_outq_len(rk_) > 0 && std::chrono::steady_clock::now() < deadline)
    rd_kafka_poll(rk_, 10);
  if (auto left = rd_kafka_outq_len(rk_); left > 0)
    report(kafka_errc::fatal, std::to_string(left)
                                + " messages got no delivery report before the handle was "
                                  "replaced; they count as undelivered");
  for (auto& entry : topics_)
    rd_kafka_topic_destroy(entry.second);
  topics_.clear();
  last_topic_ = topics_.end();
}

caf::error kafka_producer::after_recreate() {
  return caf::none;
}

caf::error kafka_producer::flush(int timeout_ms) {
  auto err = rd_kafka_flush(rk_, timeout_ms);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
    return caf::none;
  return caf::make_error(kafka_errc::produce_failed,
                         role_ + ": " + std::to_string(rd_kafka_outq_len(rk_))
                           + " messages still unacknowledged after " + std::to_string(timeout_ms)
                           + " ms");
}

std::size_t kafka_producer::in_flight() const {
  return static_cast<std::size_t>(rd_kafka_outq_len(rk_));
}

// -- kafka_message ------------------------------------------------------------

void kafka_message::deleter::operator()(rd_kafka_message_s* msg) const noexcept {
  rd_kafka_message_destroy(msg);
}

std::string_view kafka_message::bytes() const noexcept {
  return {static_cast<const char*>(msg_->payload), msg_->len};
}

std::string_view kafka_message::key() const noexcept {
  if (msg_->key == nullptr)
    return {};
  return {static_cast<const char*>(msg_->key), msg_->key_len};
}

std::string_view kafka_message::topic() const noexcept {
  return rd_kafka_topic_name(msg_->rkt);
}

int32_t kafka_message::partition() const noexcept {
  return msg_->partition;
}

int64_t kafka_message::offset() const noexcept {
  return msg_->offset;
}

topic_partition kafka_message::where() const {
  return topic_partition{std::string{topic()}, partition()};
}

// -- kafka_consumer -----------------------------------------------------------

kafka_consumer::kafka_consumer(kafka_consumer_handlers handlers)
  : kafka_client("kafka consumer", handlers.on_error), handlers_(std::move(handlers)) {
  // nop
}

caf::expected<std::unique_ptr<kafka_consumer>>
kafka_consumer::make(const kafka_config& cfg, kafka_consumer_handlers handlers) {
  if (cfg.brokers.empty())
    return caf::make_error(kafka_errc::bad_config, "kafka.brokers: no bootstrap servers given");
  if (cfg.group_id.empty())
    return caf::make_error(kafka_errc::bad_config, "kafka.group_id: must not be empty");
  property_list defaults{
    {"bootstrap.servers", cfg.brokers},
    {"group.id", cfg.group_id},
    // Offsets are committed by the application once a message is fully handled.
    {"enable.auto.commit", "false"},
    {"enable.auto.offset.store", "false"},
    // A new group starts at the oldest retained message rather than skipping what was
    // produced before it first joined.
    {"auto.offset.reset", "earliest"},
    // Real brokers answer a fetch as soon as data arrives and only wait this long when
    // there is none; the development broker always waits it out, so it bounds latency
    // there. 10 ms costs an idle consumer ~100 small requests per second per broker.
    {"fetch.wait.max.ms", "10"},
    // Prefetch. librdkafka 2.0.2 stops fetching for up to a second (its internal
    // rd_kafka_max_block_ms; later versions made it fetch.queue.backoff.ms) whenever the
    // consumer queue holds queued.min.messages or queued.max.messages.kbytes, so the
    // queue must hold a second of consumption or the consumer starves in every such
    // pause: with librdkafka's 100k messages / 64 MiB the service copied at ~150k
    // events/s, stalling ~0.8 s per 200k events. 128 MiB covers ~370k events/s of 360
    // bytes; it bounds the prefetch memory, and 1M messages only binds for tiny events.
    {"queued.min.messages", "1000000"},
    {"queued.max.messages.kbytes", "131072"},
    {"enable.partition.eof", "false"},
    {"statistics.interval.ms", "1000"},
  };
  std::vector<pinned_property> pinned{
    {"enable.auto.commit", {"false"}, "only fully handled messages are committed"},
    {"enable.auto.offset.store", {"false"}, "only fully handled messages are committed"},
  };
  auto conf = make_conf(defaults, cfg.consumer, "kafka.consumer", pinned);
  if (!conf)
    return conf.error();
  std::unique_ptr<kafka_consumer> self{new kafka_consumer(std::move(handlers))};
  rd_kafka_conf_set_rebalance_cb(*conf, kafka_callbacks::rebalance);
  if (auto err = self->start(RD_KAFKA_CONSUMER, *conf))
    return err;
  // Errors, statistics and commit results are served by the consumer poll.
  rd_kafka_poll_set_consumer(self->rk_);
  return self;
}

kafka_consumer::~kafka_consumer() {
  close();
}

caf::error kafka_consumer::subscribe(const std::vector<std::string>& topics) {
  if (topics.empty())
    return caf::make_error(kafka_errc::consume_failed, role_ + ": no topics to subscribe to");
  partition_list list{topics.size()};
  for (const auto& topic : topics)
    rd_kafka_topic_partition_list_add(list.ptr, topic.c_str(), RD_KAFKA_PARTITION_UA);
  auto err = rd_kafka_subscribe(rk_, list.ptr);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return caf::make_error(kafka_errc::consume_failed,
                           role_ + ": cannot subscribe: " + rd_kafka_err2str(err));
  topics_ = topics;
  return caf::none;
}

std::size_t kafka_consumer::poll(std::vector<kafka_message>& out, std::size_t max,
                                 int timeout_ms) {
  if (closed_)
    return 0;
  recover();
  std::size_t added = 0;
  int wait = timeout_ms;
  // Consecutive messages mostly come from the same partition: name it once per run.
  rd_kafka_topic_t* last_topic = nullptr;
  int32_t last_partition = -1;
  topic_partition where;
  while (added < max) {
    auto* msg = rd_kafka_consumer_poll(rk_, wait);
    if (msg == nullptr)
      break;
    // Only the first message is waited for: the rest of the batch is what is queued.
    wait = 0;
    if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (msg->err == RD_KAFKA_RESP_ERR__FATAL) {
        char buf[512];
        rd_kafka_fatal_error(rk_, buf, sizeof(buf));
        rd_kafka_message_destroy(msg);
        on_fatal(buf);
        break;
      }
      std::string at = msg->rkt ? std::string{" on "} + rd_kafka_topic_name(msg->rkt) + "["
                                    + std::to_string(msg->partition) + "]"
                                : std::string{};
      report(kafka_errc::consume_failed,
             "consume error" + at + ": " + rd_kafka_message_errstr(msg));
      rd_kafka_message_destroy(msg);
      continue;
    }
    if (msg->rkt != last_topic || msg->partition != last_partition) {
      last_topic = msg->rkt;
      last_partition = msg->partition;
      where = topic_partition{rd_kafka_topic_name(msg->rkt), msg->partition};
    }
    tracker_.delivered(where, msg->offset);
    out.emplace_back(msg, handle_);
    ++added;
  }
  if (added > 0)
    reachable();
  return added;
}

void kafka_consumer::before_recreate() {
  // The new handle joins the group afresh and starts at the committed offsets: what the
  // old one delivered is not this consumer's any more.
  auto revoked = assignment();
  tracker_.clear();
  if (handlers_.on_revoked && !revoked.empty())
    handlers_.on_revoked(revoked);
}

caf::error kafka_consumer::after_recreate() {
  rd_kafka_poll_set_consumer(rk_);
  if (topics_.empty())
    return caf::none;
  return subscribe(topics_);
}

caf::error kafka_consumer::commit(bool async) {
  return commit(tracker_.take_commits(), async);
}

caf::error kafka_consumer::commit(const std::vector<partition_offset>& offsets, bool async) {
  if (offsets.empty())
    return caf::none;
  partition_list list{offsets.size()};
  for (const auto& entry : offsets)
    rd_kafka_topic_partition_list_add(list.ptr, entry.where.topic.c_str(),
                                      entry.where.partition)
      ->offset = entry.offset;
  rd_kafka_resp_err_t err;
  if (async) {
    // The result comes back on the consumer queue, so `poll` reports failures.
    auto* queue = rd_kafka_queue_get_consumer(rk_);
    err = rd_kafka_commit_queue(rk_, list.ptr, queue, kafka_callbacks::commit, this);
    rd_kafka_queue_destroy(queue);
  } else {
    err = rd_kafka_commit(rk_, list.ptr, 0);
    for (int i = 0; err == RD_KAFKA_RESP_ERR_NO_ERROR && i < list.ptr->cnt; ++i)
      err = list.ptr->elems[i].err;
  }
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return caf::make_error(kafka_errc::commit_failed,
                           role_ + ": cannot commit offsets: " + rd_kafka_err2str(err));
  if (!async)
    reachable();
  return caf::none;
}

caf::expected<std::vector<partition_offset>>
kafka_consumer::committed(const std::vector<topic_partition>& partitions, int timeout_ms) {
  partition_list list{partitions.size()};
  for (const auto& where : partitions)
    rd_kafka_topic_partition_list_add(list.ptr, where.topic.c_str(), where.partition);
  auto err = rd_kafka_committed(rk_, list.ptr, timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return caf::make_error(kafka_errc::commit_failed,
                           role_ + ": cannot read committed offsets: " + rd_kafka_err2str(err));
  std::vector<partition_offset> out;
  out.reserve(partitions.size());
  for (int i = 0; i < list.ptr->cnt; ++i) {
    const auto& elem = list.ptr->elems[i];
    out.push_back(partition_offset{topic_partition{elem.topic, elem.partition},
                                   elem.offset < 0 ? -1 : elem.offset});
  }
  return out;
}

caf::error kafka_consumer::set_paused(bool paused) {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  auto err = rd_kafka_assignment(rk_, &raw);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    err = paused ? rd_kafka_pause_partitions(rk_, raw) : rd_kafka_resume_partitions(rk_, raw);
    rd_kafka_topic_partition_list_destroy(raw);
  }
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return caf::make_error(kafka_errc::consume_failed, role_ + ": cannot "
                                                         + (paused ? "pause" : "resume")
                                                         + ": " + rd_kafka_err2str(err));
  paused_ = paused;
  return caf::none;
}

caf::error kafka_consumer::pause() {
  return set_paused(true);
}

caf::error kafka_consumer::resume() {
  return set_paused(false);
}

std::vector<topic_partition> kafka_consumer::assignment() const {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (rd_kafka_assignment(rk_, &raw) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return {};
  auto out = to_vector(raw);
  rd_kafka_topic_partition_list_destroy(raw);
  return out;
}

caf::error kafka_consumer::close() {
  if (closed_)
    return caf::none;
  closed_ = true;
  // Leaving the group revokes every partition, which commits their handled offsets.
  auto err = rd_kafka_consumer_close(rk_);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return caf::make_error(kafka_errc::consume_failed,
                           role_ + ": cannot leave the group cleanly: " + rd_kafka_err2str(err));
  return caf::none;
}

} // namespace switchboard
