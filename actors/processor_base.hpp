#pragma once

#include <cstdint>
#include <string>

#include <boost/json/object.hpp>

#include "actors/processor.hpp"
#include "actors/stats.hpp"

namespace switchboard {

/// A processor logic that counts the events it handles, rejects and emits; its
/// statistics always carry `handled`, `rejected` and `emitted`.
class counting_processor : public processor_logic {
public:
  void handle(const event_ptr& ev, processor_context& ctx) final;

  boost::json::object stats() const final;

protected:
  /// Handles one event (already counted as handled).
  virtual void on_event(const event_ptr& ev, processor_context& ctx) = 0;

  /// Adds the processor's own statistics.
  virtual void add_stats(boost::json::object& out) const = 0;

  /// Emits `ev` and counts it when it was created.
  void emit(processor_context& ctx, caf::expected<event_ptr> ev);

  /// Refuses the current event and counts it.
  void reject(processor_context& ctx, std::string reason);

private:
  uint64_t handled_ = 0;
  uint64_t rejected_ = 0;
  uint64_t emitted_ = 0;
  uint64_t emit_errors_ = 0;
};

/// `{"count", "avg", "p99"}` of a series of recent values.
boost::json::object to_json_object(const sample_ring& ring, uint64_t count);

} // namespace switchboard
