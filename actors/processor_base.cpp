#include "actors/processor_base.hpp"

namespace switchboard {

void counting_processor::handle(const event_ptr& ev, processor_context& ctx) {
  ++handled_;
  on_event(ev, ctx);
}

boost::json::object counting_processor::stats() const {
  boost::json::object out;
  out["handled"] = handled_;
  out["rejected"] = rejected_;
  out["emitted"] = emitted_;
  out["emit_errors"] = emit_errors_;
  add_stats(out);
  return out;
}

void counting_processor::emit(processor_context& ctx, caf::expected<event_ptr> ev) {
  if (ev)
    ++emitted_;
  else
    ++emit_errors_;
  ctx.emit(std::move(ev));
}

void counting_processor::reject(processor_context& ctx, std::string reason) {
  ++rejected_;
  ctx.reject(std::move(reason));
}

boost::json::object to_json_object(const sample_ring& ring, uint64_t count) {
  boost::json::object out;
  out["count"] = count;
  out["avg"] = ring.mean();
  out["p99"] = ring.percentile(99);
  return out;
}

} // namespace switchboard
