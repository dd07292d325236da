#include "demo/generator.hpp"

#include <charconv>
#include <chrono>
#include <cstring>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/actor_defaults.hpp"
#include "actors/protocol.hpp"
#include "events/codec.hpp"
#include "events/error.hpp"
#include "events/factory.hpp"

namespace switchboard {

namespace {

constexpr std::array<const char*, 3> pool_agents{"agent-analysis-1", "agent-analysis-2",
                                                 "agent-summary-1"};
constexpr std::array<const char*, 3> outside_task_types{"report", "etl", "batch_job"};
constexpr std::array<const char*, 2> agent_task_types{"classification", "summarization"};
constexpr std::array<const char*, 4> extensions{".pdf", ".docx", ".txt", ".pdf"};
constexpr std::array<const char*, 4> owners{"team-legal", "team-finance", "team-ops",
                                            "team-research"};

template <class T, std::size_t N>
const T& pick(random_bits& rng, const std::array<T, N>& items) {
  return items[rng() % N];
}

} // namespace

caf::expected<std::map<event_family, double>> parse_mix(const std::string& text) {
  std::map<event_family, double> mix;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto comma = text.find(',', pos);
    auto item = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    auto eq = item.find('=');
    auto bad = [&](const std::string& why) {
      return caf::make_error(event_errc::invalid_value, "--mix item '" + item + "': " + why);
    };
    if (eq == std::string::npos)
      return bad("expected FAMILY=PERCENT");
    auto fam = family_from_name(item.substr(0, eq));
    if (fam != event_family::document && fam != event_family::task
        && fam != event_family::agent && fam != event_family::analytics)
      return bad("family must be document, task, agent or analytics");
    char* end = nullptr;
    auto value = std::strtod(item.c_str() + eq + 1, &end);
    if (end == item.c_str() + eq + 1 || *end != '\0' || value < 0)
      return bad("percent must be a non-negative number");
    mix[fam] = value;
    if (comma == std::string::npos)
      break;
    pos = comma + 1;
  }
  double total = 0;
  for (auto& [f, v] : mix)
    total += v;
  if (total <= 0)
    return caf::make_error(event_errc::invalid_value, "--mix must give some family a share");
  return mix;
}

event_generator::event_generator(traffic_spec spec) : spec_(std::move(spec)), rng_(spec_.seed) {
  double total = 0;
  for (auto& [fam, pct] : spec_.mix)
    total += pct;
  double acc = 0;
  for (auto& [fam, pct] : spec_.mix) {
    acc += pct / total;
    cumulative_.emplace_back(fam, acc);
  }
}

// An event's text, written through a pointer into room made once per event: the text
// is a few dozen short pieces, and appending each to a string checked its room each
// time. The longest event is under 400 bytes (see `room`).
class event_generator::text {
public:
  // Room for any event this generator writes: an envelope of at most ~220 bytes (a
  // 30-byte timestamp included), data under 200 and the metadata.
  static constexpr std::size_t room = 640;

  explicit text(std::string& out) : out_(out) {
    out_.reserve(room + simdjson::SIMDJSON_PADDING); // and the decoder's padding
    out_.resize(room);
    d_ = out_.data();
  }

  text(const text&) = delete;
  text& operator=(const text&) = delete;

  // Cuts the string to what was written.
  ~text() {
    out_.resize(static_cast<std::size_t>(d_ - out_.data()));
  }

  // A string literal, whose length is known here rather than counted at run time.
  template <std::size_t N>
  void put(const char (&literal)[N]) noexcept {
    std::memcpy(d_, literal, N - 1);
    d_ += N - 1;
  }

  void put(std::string_view piece) noexcept {
    std::memcpy(d_, piece.data(), piece.size());
    d_ += piece.size();
  }

  void put(char c) noexcept {
    *d_++ = c;
  }

  void number(uint64_t n) noexcept {
    d_ = std::to_chars(d_, d_ + 20, n).ptr;
  }

  void event_id() noexcept {
    d_ = write_event_id(d_);
  }

private:
  std::string& out_;
  char* d_;
};


std::string event_generator::id(std::string_view prefix) {
  char digits[48];
  auto* d = std::to_chars(digits, digits + 20, spec_.seed % 1000).ptr;
  *d++ = '-';
  d = std::to_chars(d, d + 20, ++counter_).ptr;
  std::string out;
  out.reserve(prefix.size() + 1 + static_cast<std::size_t>(d - digits));
  out.append(prefix);
  out.push_back('-');
  out.append(digits, d);
  return out;
}

void event_generator::begin_event(text& out, std::string_view type) {
  out.put("{\"event_id\":\"");
  out.event_id();
  out.put("\",\"event_type\":\"");
  out.put(type); // the generator's own type names need no escapes
  out.put("\",\"timestamp\":\"");
  out.put(time_.text());
  out.put("\",\"source\":\"demo-generator\",\"correlation_id\":null,\"version\":\"1.0\",\"data\":{");
}

void event_generator::end_event(text& out) {
  out.put("},\"metadata\":{\"generator\":\"demo\"}}");
}

void event_generator::document_event(text& out) {
  if (uploaded_.empty() || rng_() % 10 < 7) {
    auto doc = id("doc");
    // Processing follows an upload within a few events, before its analysis (tens of
    // milliseconds) can finish; only the latest uploads are candidates.
    if (uploaded_.size() == 8)
      uploaded_.erase(uploaded_.begin());
    uploaded_.push_back(doc);
    auto extension = pick(rng_, extensions);
    // The order of these draws is part of the sequence a seed gives.
    auto owner = pick(rng_, owners);
    auto size = 1000 + rng_() % 5000000;
    begin_event(out, "document_uploaded");
    out.put("\"document_id\":\"");
    out.put(doc);
    out.put("\",\"status\":\"pending\",\"file_path\":\"/inbox/");
    out.put(doc);
    out.put(extension);
    out.put("\",\"size_bytes\":");
    out.number(size);
    out.put(",\"owner\":\"");
    out.put(owner);
    out.put('"');
    end_event(out);
    return;
  }
  auto i = rng_() % uploaded_.size();
  auto doc = std::move(uploaded_[i]);
  uploaded_[i] = std::move(uploaded_.back());
  uploaded_.pop_back();
  auto duration = 20 + rng_() % 400;
  auto pages = 1 + rng_() % 80;
  begin_event(out, "document_processed");
  out.put("\"document_id\":\"");
  out.put(doc);
  out.put("\",\"status\":\"processed\",\"file_path\":\"/inbox/");
  out.put(doc);
  out.put("\",\"pages\":");
  out.number(pages);
  out.put(",\"duration_ms\":");
  out.number(duration);
  end_event(out);
}

void event_generator::task_event(text& out) {
  if (tasks_.empty() || rng_() % 10 < 4) {
    auto task = id("task");
    bool for_agents = rng_() % 5 == 0;
    std::string_view type = for_agents ? pick(rng_, agent_task_types)
                                       : pick(rng_, outside_task_types);
    auto priority = rng_() % 5;
    auto owner = pick(rng_, owners);
    begin_event(out, "task_created");
    out.put("\"task_id\":\"");
    out.put(task);
    out.put("\",\"task_type\":\"");
    out.put(type);
    out.put("\",\"status\":\"pending\",\"owner\":\"");
    out.put(owner);
    out.put("\",\"priority\":");
    out.number(priority);
    if (!for_agents && tasks_.size() < 1000)
      tasks_.emplace_back(std::move(task), 0);
    end_event(out);
    return;
  }
  auto i = rng_() % tasks_.size();
  auto& [task, state] = tasks_[i];
  std::string_view type = "task_started";
  std::string_view status = "running";
  bool finished = state == 1;
  if (finished) {
    bool ok = rng_() % 10 != 0;
    type = ok ? "task_completed" : "task_failed";
    status = ok ? "completed" : "failed";
  }
  state = 1;
  begin_event(out, type);
  out.put("\"task_id\":\"");
  out.put(task);
  out.put("\",\"task_type\":\"report\",\"status\":\"");
  out.put(status);
  out.put("\",\"duration_ms\":");
  out.number(5 + rng_() % 900);
  if (finished) {
    tasks_[i] = std::move(tasks_.back());
    tasks_.pop_back();
  }
  end_event(out);
}

void event_generator::agent_event(text& out) {
  std::string_view agent = pick(rng_, pool_agents);
  if (rng_() % 20 == 0) {
    begin_event(out, "agent_error");
    out.put("\"agent_id\":\"");
    out.put(agent);
    out.put("\",\"agent_type\":\"llm\",\"status\":\"error\","
            "\"error\":\"rate limited by upstream model API\"");
    end_event(out);
    return;
  }
  auto latency = 10 + rng_() % 300;
  bool degraded = rng_() % 50 == 0;
  begin_event(out, "agent_health");
  out.put("\"agent_id\":\"");
  out.put(agent);
  out.put("\",\"agent_type\":\"llm\",\"status\":\"");
  out.put(degraded ? std::string_view{"degraded"} : std::string_view{"healthy"});
  out.put("\",\"latency_ms\":");
  out.number(latency);
  end_event(out);
}

void event_generator::analytics_event(text& out) {
  switch (rng_() % 3) {
    case 0: {
      begin_event(out, "metrics");
      out.put("\"metric_name\":\"queue_length\",\"value\":");
      out.number(rng_() % 500);
      end_event(out);
      return;
    }
    case 1: {
      auto latency = rng_() % 100 == 0 ? 1000 + rng_() % 4000 : 5 + rng_() % 300;
      begin_event(out, "performance_data");
      out.put("\"metric_name\":\"request_latency\",\"value\":");
      out.number(latency);
      out.put(",\"latency_ms\":");
      out.number(latency);
      end_event(out);
      return;
    }
    default: {
      begin_event(out, "system_stats");
      out.put("\"metric_name\":\"cpu_percent\",\"value\":");
      out.number(rng_() % 100);
      out.put(".5");
      end_event(out);
      return;
    }
  }
}

void event_generator::failing_event(text& out) {
  // Valid JSON whose step is impossible: processors refuse it and it is dead-lettered.
  if (rng_() % 2 == 0) {
    begin_event(out, "task_completed");
    out.put("\"task_id\":\"");
    out.put(id("ghost-task"));
    out.put("\",\"task_type\":\"report\",\"status\":\"completed\"");
    end_event(out);
    return;
  }
  begin_event(out, "document_processed");
  out.put("\"document_id\":\"");
  out.put(id("ghost-doc"));
  out.put("\",\"status\":\"processed\",\"file_path\":\"/x\"");
  end_event(out);
}

void event_generator::next(std::string& out, generated_kind& kind, event_family& family) {
  kind = generated_kind::valid;
  if (spec_.error_rate > 0 && static_cast<double>(rng_() % 1000000) < spec_.error_rate * 10000) {
    bool malformed = rng_() % 2 == 0;
    kind = malformed ? generated_kind::malformed : generated_kind::failing;
    family = event_family::task;
    {
      text t{out};
      failing_event(t);
    }
    if (malformed) {
      switch (rng_() % 3) {
        case 0: out.resize(out.size() / 2); break; // truncated
        case 1: out.replace(out.find("\"data\""), 6, "\"dat\""); break; // no data field
        default: out[out.find(':')] = ';'; // broken syntax
      }
    }
    return;
  }
  auto u = static_cast<double>(rng_() % 1000000) / 1e6;
  family = cumulative_.back().first;
  for (auto& [fam, acc] : cumulative_)
    if (u < acc) {
      family = fam;
      break;
    }
  text t{out};
  switch (family) {
    case event_family::document: document_event(t); break;
    case event_family::task: task_event(t); break;
    case event_family::agent: agent_event(t); break;
    default: analytics_event(t); break;
  }
}

std::string event_generator::next(generated_kind& kind, event_family& family) {
  std::string out;
  next(out, kind, family);
  return out;
}

void count_generated(generation_report& report, generated_kind kind, event_family family) {
  generation_tally one;
  one.add(kind, family);
  one.flush_into(report);
}

void generation_tally::flush_into(generation_report& report) {
  for (std::size_t f = 0; f < by_family_.size(); ++f) {
    auto n = std::exchange(by_family_[f], 0);
    if (n == 0)
      continue;
    report.generated += n;
    std::string_view name = to_string(static_cast<event_family>(f));
    auto i = report.by_family.find(name);
    if (i == report.by_family.end())
      i = report.by_family.emplace(std::string{name}, 0).first;
    i->second += n;
  }
  report.malformed += std::exchange(malformed_, 0);
  report.failing += std::exchange(failing_, 0);
}

namespace {

struct generator_state {
  generator_config cfg;
  std::unique_ptr<event_generator> gen;
  codec dec;
  std::string text;
  generation_progress progress;
  generation_tally tally;
  std::size_t inflight = 0;
  uint64_t next_ticket = 0;
  bool finished = false;
  static inline const char* name = "generator";
};

using generator_actor = caf::stateful_actor<generator_state>;

void send_batch(generator_actor* self, std::size_t n) {
  auto& st = self->state;
  input_batch b;
  b.ticket = ++st.next_ticket;
  b.topic = st.cfg.topic;
  b.events.reserve(n);
  st.gen->set_time(std::chrono::system_clock::now());
  for (std::size_t i = 0; i < n; ++i) {
    generated_kind kind;
    event_family fam;
    // One buffer for every event: the codec copies what it keeps.
    st.gen->next(st.text, kind, fam);
    st.tally.add(kind, fam);
    auto ev = st.dec.decode_or_keep(st.text);
    if (ev)
      b.events.push_back(std::move(*ev));
    else
      b.rejected.push_back(rejected_input{st.text, error_text(ev.error())});
  }
  st.tally.flush_into(st.progress.report());
  b.ingest_ns = mono_now_ns();
  ++st.inflight;
  self->send(st.cfg.dispatcher, batch_atom::value, std::move(b));
}

void check_done(generator_actor* self) {
  auto& st = self->state;
  if (!st.finished || st.inflight > 0)
    return;
  st.progress.report().seconds = st.progress.elapsed();
  st.progress.deliver();
}

// Sends as many batches as the schedule and the credit allow.
void pump(generator_actor* self) {
  auto& st = self->state;
  if (st.finished)
    return;
  auto t = st.progress.elapsed();
  bool out_of_time = t >= st.cfg.duration_seconds;
  bool out_of_events = st.cfg.max_events > 0 && st.progress.report().generated >= st.cfg.max_events;
  if (out_of_time || out_of_events) {
    st.finished = true;
    check_done(self);
    return;
  }
  uint64_t due = st.cfg.rate > 0 ? static_cast<uint64_t>(st.cfg.rate * t) : UINT64_MAX;
  if (st.cfg.max_events > 0)
    due = std::min(due, st.cfg.max_events);
  while (st.inflight < st.cfg.max_inflight && st.progress.report().generated < due) {
    auto n = std::min<uint64_t>(st.cfg.batch_size, due - st.progress.report().generated);
    send_batch(self, static_cast<std::size_t>(n));
  }
}

caf::behavior generator_fn(generator_actor* self, generator_config cfg) {
  apply_actor_defaults(self);
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.gen = std::make_unique<event_generator>(st.cfg.traffic);
  self->send(self, tick_atom::value);
  return {
    [=](tick_atom) {
      pump(self);
      if (!self->state.finished)
        self->delayed_send(self, std::chrono::milliseconds(self->state.cfg.tick_ms),
                           tick_atom::value);
    },
    [=](ack_atom, const batch_ack& ack) {
      auto& st = self->state;
      --st.inflight;
      auto& rep = st.progress.report();
      rep.processed += ack.processed;
      rep.unmatched += ack.unmatched;
      rep.dead_lettered += ack.dead_lettered;
      if (st.cfg.rate <= 0)
        pump(self);
      check_done(self);
    },
    [=](stats_atom) { return self->state.progress.snapshot(); },
    [=](stop_atom) {
      auto rp = self->make_response_promise();
      self->state.progress.wait(rp);
      check_done(self);
      return rp;
    },
  };
}

} // namespace

caf::actor spawn_generator(caf::actor_system& sys, generator_config cfg) {
  return sys.spawn(generator_fn, std::move(cfg));
}

} // namespace switchboard
