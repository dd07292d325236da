#include "actors/processors.hpp"

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "actors/dedupe.hpp"
#include "actors/notification_logic.hpp"
#include "actors/processor_base.hpp"
#include "actors/webhook.hpp"
#include "events/error.hpp"

namespace switchboard {

namespace {

// Webhook requests waiting for the sender thread; beyond this an attempt fails at once.
constexpr std::size_t max_queued_posts = 256;

// One webhook request for the sender thread.
struct post_job {
  uint64_t delivery = 0;
  std::string url;
  std::shared_ptr<const std::string> body;
  double timeout_seconds = 0;
};

// The outcome of one request, fed back to the planner by the processor.
struct post_outcome {
  uint64_t delivery = 0;
  bool ok = false;
  std::string error;
};

// Runs webhook requests on its own thread so that the processor never blocks on HTTP.
class post_worker {
public:
  post_worker() : thread_([this] { loop(); }) {
    // nop
  }

  ~post_worker() {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  post_worker(const post_worker&) = delete;
  post_worker& operator=(const post_worker&) = delete;

  // False when the queue is full.
  bool push(post_job job) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (jobs_.size() >= max_queued_posts)
        return false;
      jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
    return true;
  }

  std::vector<post_outcome> take() {
    std::vector<post_outcome> out;
    std::lock_guard<std::mutex> guard{mtx_};
    out.swap(outcomes_);
    return out;
  }

  // Requests queued or being sent.
  std::size_t backlog() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return jobs_.size() + (busy_ ? 1 : 0);
  }

private:
  void loop() {
    std::unique_lock<std::mutex> lock{mtx_};
    for (;;) {
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_)
        return;
      auto job = std::move(jobs_.front());
      jobs_.pop_front();
      busy_ = true;
      lock.unlock();
      auto res = post_json(job.url, *job.body, job.timeout_seconds);
      lock.lock();
      busy_ = false;
      outcomes_.push_back(post_outcome{job.delivery, res.ok(), res.error});
    }
  }

  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<post_job> jobs_;
  std::vector<post_outcome> outcomes_;
  bool busy_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

// Outcomes of one webhook's requests.
struct webhook_counts {
  uint64_t successes = 0;
  uint64_t failures = 0;
};

class notification_processor : public counting_processor {
public:
  explicit notification_processor(const processors_config& cfg)
    : dedupe_(cfg.dedupe_window_seconds), planner_(cfg) {
    for (const auto& hook : cfg.webhooks)
      hooks_.emplace(hook.name, webhook_counts{});
    if (!cfg.webhooks.empty())
      worker_ = std::make_unique<post_worker>();
  }

  std::string_view name() const override {
    return "notification";
  }

  void tick(processor_context& ctx) override {
    collect(ctx.now());
    auto now = ctx.now();
    while (!waiting_.empty() && waiting_.begin()->first <= now) {
      auto id = waiting_.begin()->second;
      waiting_.erase(waiting_.begin());
      if (auto s = planner_.due(id, now))
        follow(*s, now);
    }
  }

protected:
  void on_event(const event_ptr& ev, processor_context& ctx) override {
    auto now = ctx.now();
    collect(now);
    auto type = ev->event_type();
    auto kind = ev->kind();
    if (kind != event_kind::user_notification && kind != event_kind::alert
        && kind != event_kind::system_update) {
      ++ignored_;
      return;
    }
    auto recipient = ev->data_string("recipient");
    auto title = ev->data_string("title");
    std::string key;
    key.reserve(type.size() + recipient.size() + title.size() + 2);
    key.append(type).push_back('\x1f');
    key.append(recipient).push_back('\x1f');
    key.append(title);
    if (!dedupe_.admit(key, now))
      return;
    ++accepted_;
    ++by_type_[std::string{type}];
    spdlog::debug("{} for '{}': {}", type, recipient, title);
    std::string msg;
    msg.reserve(ev->bytes().size() + 40);
    msg += kind == event_kind::alert ? R"({"type":"alert","event":)" : R"({"type":"notification","event":)";
    msg += ev->bytes();
    msg += '}';
    ctx.notify(std::move(msg));
    auto steps = planner_.plan(type, now);
    if (steps.empty())
      return;
    auto body = std::make_shared<const std::string>(ev->bytes());
    for (auto& s : steps) {
      bodies_.emplace(s.id, body);
      follow(s, now);
    }
  }

  void add_stats(boost::json::object& out) const override {
    out["notifications"] = accepted_;
    boost::json::object types;
    for (const auto& [k, n] : by_type_)
      types[k] = n;
    out["by_type"] = std::move(types);
    out["deduplicated"] = dedupe_.dropped();
    out["delivered"] = planner_.delivered();
    out["given_up"] = planner_.given_up();
    out["short_circuited"] = planner_.short_circuited();
    out["pending"] = planner_.pending();
    out["queue"] = worker_ ? worker_->backlog() : 0;
    boost::json::object hooks;
    for (const auto& [name, counts] : hooks_) {
      boost::json::object h;
      if (const auto* b = planner_.breaker(name)) {
        h["state"] = to_string(b->state());
        h["consecutive_failures"] = b->consecutive_failures();
      }
      h["successes"] = counts.successes;
      h["failures"] = counts.failures;
      hooks[name] = std::move(h);
    }
    out["webhooks"] = std::move(hooks);
    out["ignored"] = ignored_;
  }

private:
  // Feeds finished requests back to the planner.
  void collect(double now) {
    if (!worker_)
      return;
    for (auto& o : worker_->take()) {
      if (auto s = planner_.finish(o.delivery, o.ok, now, o.error)) {
        auto& counts = hooks_[s->webhook];
        ++(o.ok ? counts.successes : counts.failures);
        follow(*s, now);
      }
    }
  }

  void follow(const delivery_step& s, double now) {
    switch (s.action) {
      case delivery_action::send: {
        auto i = bodies_.find(s.id);
        if (i != bodies_.end() && worker_
            && worker_->push(post_job{s.id, s.url, i->second, s.timeout_seconds}))
          return;
        auto next = planner_.finish(s.id, false, now, "the webhook request queue is full");
        if (next) {
          ++hooks_[s.webhook].failures;
          follow(*next, now);
        }
        return;
      }
      case delivery_action::wait:
        waiting_.emplace(s.at, s.id);
        return;
      case delivery_action::delivered:
        bodies_.erase(s.id);
        return;
      case delivery_action::give_up:
        spdlog::warn("notification not delivered: {}", s.reason);
        bodies_.erase(s.id);
        return;
    }
  }

  deduplicator dedupe_;
  webhook_planner planner_;
  std::map<std::string, webhook_counts> hooks_;
  std::unordered_map<uint64_t, std::shared_ptr<const std::string>> bodies_;
  std::multimap<double, uint64_t> waiting_;
  std::map<std::string, uint64_t> by_type_;
  uint64_t accepted_ = 0;
  uint64_t ignored_ = 0;
  // Declared last: destroyed first, so the thread stops before the state it reports to.
  std::unique_ptr<post_worker> worker_;
};

} // namespace

std::unique_ptr<processor_logic> make_notification_processor(const processors_config& cfg) {
  return std::make_unique<notification_processor>(cfg);
}

} // namespace switchboard
