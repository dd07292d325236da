#include "actors/actor_defaults.hpp"

#include <caf/scheduled_actor.hpp>
#include <spdlog/spdlog.h>

namespace switchboard {

void apply_actor_defaults(caf::scheduled_actor* self) {
  self->set_default_handler([self](caf::scheduled_actor*, caf::message_view& x) -> caf::result<caf::message> {
    spdlog::debug("{} dropped an unexpected message: {}", self->name(),
                  caf::to_string(x.content()));
    return caf::sec::unexpected_message;
  });
  self->set_error_handler([self](caf::error& err) {
    spdlog::warn("{} received an error message: {}", self->name(), caf::to_string(err));
  });
}

} // namespace switchboard
