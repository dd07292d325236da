#include "actors/kafka_broker.hpp"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

namespace switchboard {

struct kafka_broker::impl {
  rd_kafka_t* rk = nullptr;
  rd_kafka_mock_cluster_t* cluster = nullptr;

  ~impl() {
    if (cluster)
      rd_kafka_mock_cluster_destroy(cluster);
    if (rk)
      rd_kafka_destroy(rk);
  }
};

caf::expected<std::unique_ptr<kafka_broker>> kafka_broker::make(int brokers) {
  if (brokers < 1)
    return caf::make_error(kafka_errc::broker_failed,
                           "kafka broker: the cluster needs at least one broker");
  char errstr[512];
  auto* conf = rd_kafka_conf_new();
  // The handle only hosts the cluster and never connects anywhere; keep it from
  // warning that it has no bootstrap servers.
  if (rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    return caf::make_error(kafka_errc::broker_failed, std::string{"kafka broker: "} + errstr);
  }
  auto state = std::make_unique<impl>();
  state->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!state->rk) {
    rd_kafka_conf_destroy(conf);
    return caf::make_error(kafka_errc::broker_failed, std::string{"kafka broker: "} + errstr);
  }
  state->cluster = rd_kafka_mock_cluster_new(state->rk, brokers);
  if (!state->cluster)
    return caf::make_error(kafka_errc::broker_failed,
                           "kafka broker: librdkafka could not start its mock cluster "
                           "(no free loopback port?)");
  return std::unique_ptr<kafka_broker>{new kafka_broker(std::move(state), brokers)};
}

kafka_broker::kafka_broker(std::unique_ptr<impl> ptr, int brokers)
  : impl_(std::move(ptr)),
    brokers_(brokers),
    bootstrap_(rd_kafka_mock_cluster_bootstraps(impl_->cluster)) {
  // nop
}

kafka_broker::~kafka_broker() = default;

caf::error kafka_broker::create_topic(const std::string& topic, int partitions) {
  if (topic.empty())
    return caf::make_error(kafka_errc::broker_failed, "kafka broker: empty topic name");
  if (partitions < 1)
    return caf::make_error(kafka_errc::broker_failed,
                           "kafka broker: topic '" + topic + "' needs at least one partition, got "
                             + std::to_string(partitions));
  auto err = rd_kafka_mock_topic_create(impl_->cluster, topic.c_str(), partitions, 1);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return caf::make_error(kafka_errc::broker_failed, "kafka broker: cannot create topic '"
                                                        + topic + "': " + rd_kafka_err2str(err));
  return caf::none;
}

caf::error kafka_broker::set_state(bool up) {
  for (int32_t id = 1; id <= brokers_; ++id) {
    auto err = up ? rd_kafka_mock_broker_set_up(impl_->cluster, id)
                  : rd_kafka_mock_broker_set_down(impl_->cluster, id);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
      return caf::make_error(kafka_errc::broker_failed, "kafka broker: cannot take broker "
                                                          + std::to_string(id)
                                                          + (up ? " up: " : " down: ")
                                                          + rd_kafka_err2str(err));
  }
  return caf::none;
}

caf::error kafka_broker::refuse_topic(const std::string& topic, bool refuse) {
  if (topic.empty())
    return caf::make_error(kafka_errc::broker_failed, "kafka broker: empty topic name");
  rd_kafka_mock_topic_set_error(impl_->cluster, topic.c_str(),
                                refuse ? RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED
                                       : RD_KAFKA_RESP_ERR_NO_ERROR);
  return caf::none;
}

caf::error kafka_broker::set_down() {
  return set_state(false);
}

caf::error kafka_broker::set_up() {
  return set_state(true);
}

} // namespace switchboard
