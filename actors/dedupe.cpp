#include "actors/dedupe.hpp"

namespace switchboard {

deduplicator::deduplicator(double window_seconds, std::size_t max_keys)
  : window_(window_seconds), seen_(max_keys) {
  // nop
}

bool deduplicator::admit(const std::string& key, double now) {
  expire(now);
  if (seen_.find(key) != nullptr) {
    ++dropped_;
    return false;
  }
  if (seen_.insert(key, now))
    ++evicted_;
  return true;
}

void deduplicator::expire(double now) {
  // Keys enter in time order, so the expired ones are at the front.
  while (!seen_.empty() && seen_.front().second + window_ <= now)
    seen_.pop_front();
}

} // namespace switchboard
