#pragma once

#include <caf/fwd.hpp>

namespace switchboard {

/// Makes a stray message harmless: unexpected messages are dropped with a debug log and
/// error messages logged, instead of CAF's defaults (print to stdout; quit the actor).
void apply_actor_defaults(caf::scheduled_actor* self);

} // namespace switchboard
