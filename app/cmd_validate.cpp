#include <cstdio>
#include <iostream>

#include "app/commands.hpp"
#include "app/input.hpp"
#include "events/codec.hpp"
#include "events/line_reader.hpp"

namespace switchboard::app {

int run_validate(const validate_options& opts) {
  input_file in{opts.file};
  if (!in)
    return 1;
  codec_options copts;
  copts.max_bytes = opts.max_bytes;
  copts.require_known_type = !opts.allow_unknown_types;
  codec dec{copts};
  line_reader reader{in.get(), opts.max_bytes};
  std::string line;
  bool oversized = false;
  std::size_t valid = 0;
  std::size_t invalid = 0;
  while (reader.next(line, oversized)) {
    if (!oversized && line.find_first_not_of(" \t") == std::string::npos)
      continue;
    if (oversized) {
      ++invalid;
      std::fprintf(stderr, "line %zu: event of %zu bytes exceeds the limit of %zu bytes\n",
                   reader.line_number(), reader.last_size(), opts.max_bytes);
      continue;
    }
    auto ev = dec.decode(std::string_view{line});
    if (ev) {
      ++valid;
    } else {
      ++invalid;
      std::fprintf(stderr, "line %zu: %s\n", reader.line_number(),
                   error_text(ev.error()).c_str());
    }
  }
  std::printf("%zu valid, %zu invalid\n", valid, invalid);
  return invalid == 0 ? 0 : 1;
}

} // namespace switchboard::app
