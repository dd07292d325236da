#include "monitor/event_stream.hpp"

#include <algorithm>

namespace switchboard {

event_subscription::event_subscription(std::size_t capacity)
  : capacity_(std::max<std::size_t>(capacity, 1)) {
  // nop
}

void event_subscription::push(stream_message_ptr msg) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (closed_)
      return;
    if (queue_.size() >= capacity_) {
      queue_.pop_front();
      ++dropped_;
    }
    queue_.push_back(std::move(msg));
  }
  cv_.notify_one();
}

event_subscription::wait_result
event_subscription::pop_all(std::vector<stream_message_ptr>& out,
                            std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock{mtx_};
  cv_.wait_for(lock, timeout, [this] { return closed_ || !queue_.empty(); });
  if (queue_.empty())
    return closed_ ? wait_result::closed : wait_result::idle;
  out.insert(out.end(), std::make_move_iterator(queue_.begin()),
             std::make_move_iterator(queue_.end()));
  queue_.clear();
  return wait_result::messages;
}

void event_subscription::close() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    closed_ = true;
  }
  cv_.notify_all();
}

bool event_subscription::closed() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return closed_;
}

uint64_t event_subscription::dropped() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return dropped_;
}

std::size_t event_subscription::size() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return queue_.size();
}

event_hub::event_hub(std::size_t capacity) : capacity_(capacity) {
  // nop
}

std::shared_ptr<event_subscription> event_hub::subscribe() {
  auto sub = std::make_shared<event_subscription>(capacity_);
  adopt(sub);
  return sub;
}

bool event_hub::adopt(const std::shared_ptr<event_subscription>& sub) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (closed_) {
    sub->close();
    return false;
  }
  subs_.erase(std::remove_if(subs_.begin(), subs_.end(),
                             [](const auto& weak) { return weak.expired(); }),
              subs_.end());
  subs_.emplace_back(sub);
  return true;
}

std::size_t event_hub::publish(std::string event, std::string data) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (closed_)
    return 0;
  auto msg = std::make_shared<stream_message>();
  msg->id = next_id_++;
  msg->event = std::move(event);
  msg->data = std::move(data);
  // Pushing under the hub's lock keeps every subscriber's order equal to the id order;
  // a push only takes the subscriber's own short lock, never waits for its reader.
  std::size_t reached = 0;
  auto keep = subs_.begin();
  for (auto& weak : subs_) {
    if (auto sub = weak.lock(); sub && !sub->closed()) {
      sub->push(msg);
      ++reached;
      if (&*keep != &weak)
        *keep = std::move(weak);
      ++keep;
    }
  }
  subs_.erase(keep, subs_.end());
  return reached;
}

std::size_t event_hub::subscribers() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return static_cast<std::size_t>(
    std::count_if(subs_.begin(), subs_.end(), [](const auto& weak) {
      auto sub = weak.lock();
      return sub && !sub->closed();
    }));
}

uint64_t event_hub::published() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return next_id_ - 1;
}

void event_hub::close_all() {
  std::vector<std::weak_ptr<event_subscription>> subs;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    closed_ = true;
    subs.swap(subs_);
  }
  for (auto& weak : subs)
    if (auto sub = weak.lock())
      sub->close();
}

} // namespace switchboard
