#include "actors/kafka_error.hpp"

namespace switchboard {

const char* to_string(kafka_errc code) noexcept {
  switch (code) {
    case kafka_errc::bad_config: return "bad_config";
    case kafka_errc::broker_failed: return "broker_failed";
    case kafka_errc::queue_full: return "queue_full";
    case kafka_errc::produce_failed: return "produce_failed";
    case kafka_errc::consume_failed: return "consume_failed";
    case kafka_errc::commit_failed: return "commit_failed";
    case kafka_errc::brokers_down: return "brokers_down";
    case kafka_errc::transport: return "transport";
    case kafka_errc::fatal: return "fatal";
    case kafka_errc::too_large: return "too_large";
  }
  return "unknown";
}

} // namespace switchboard
