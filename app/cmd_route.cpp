#include <cstdio>
#include <string>

#include "app/commands.hpp"
#include "app/config_errors.hpp"
#include "app/input.hpp"
#include "events/codec.hpp"
#include "events/json_writer.hpp"
#include "events/line_reader.hpp"
#include "routes/config.hpp"
#include "routes/route_table.hpp"

namespace switchboard::app {

namespace {

// The event id of a line the codec refused, when the line is still an object with one.
std::string salvage_event_id(simdjson::dom::parser& parser, const std::string& line) {
  simdjson::dom::element root;
  if (parser.parse(line).get(root))
    return {};
  std::string_view id;
  if (root.at_key("event_id").get_string().get(id))
    return {};
  return std::string{id};
}

void write_dead_letter(std::string& out, std::size_t line_no, std::string_view event_id,
                       std::string_view reason) {
  out += "{\"line\":";
  out += std::to_string(line_no);
  if (!event_id.empty()) {
    out += ",\"event_id\":";
    write_json_string(out, event_id);
  }
  out += ",\"dead_letter\":true,\"reason\":";
  write_json_string(out, reason);
  out += "}\n";
}

void write_routed(std::string& out, const event& ev, const route_result& result) {
  out += "{\"event_id\":";
  write_json_string(out, ev.event_id());
  out += ",\"deliveries\":[";
  bool first = true;
  for (const auto& d : result.deliveries) {
    if (!first)
      out.push_back(',');
    first = false;
    out += "{\"route\":";
    write_json_string(out, d.rule->name);
    out += ",\"topics\":[";
    for (std::size_t i = 0; i < d.topics().size(); ++i) {
      if (i > 0)
        out.push_back(',');
      write_json_string(out, d.topics()[i]);
    }
    // Untransformed deliveries carry the original bytes, exactly as the pipeline does.
    out += "],\"event\":";
    out += d.event->bytes();
    out.push_back('}');
  }
  out += "],\"unmatched\":";
  out += result.unmatched ? "true" : "false";
  out += "}\n";
}

} // namespace

int run_route(const route_options& opts) {
  auto cfg = load_config(opts.config);
  if (!cfg) {
    print_config_errors(opts.config, cfg.error());
    return 2;
  }
  input_file in{opts.file};
  if (!in)
    return 1;
  route_env env;
  env.dispatcher_id = "dry-run";
  const auto max_bytes = env.dec.options().max_bytes;
  line_reader reader{in.get(), max_bytes};
  simdjson::dom::parser salvage;
  route_result result;
  std::string line;
  std::string out;
  bool oversized = false;
  std::size_t dead_letters = 0;
  while (reader.next(line, oversized)) {
    out.clear();
    if (oversized) {
      ++dead_letters;
      write_dead_letter(out, reader.line_number(), {},
                        "event of " + std::to_string(reader.last_size())
                          + " bytes exceeds the limit of " + std::to_string(max_bytes)
                          + " bytes");
    } else if (line.find_first_not_of(" \t\r") == std::string::npos) {
      continue;
    } else if (auto ev = env.dec.decode(std::string_view{line}); !ev) {
      ++dead_letters;
      write_dead_letter(out, reader.line_number(), salvage_event_id(salvage, line),
                        error_text(ev.error()));
    } else {
      cfg->routes->evaluate(*ev, opts.topic, result, env);
      if (result.failures.empty()) {
        write_routed(out, **ev, result);
      } else {
        ++dead_letters;
        std::string reason;
        for (const auto& f : result.failures)
          reason += (reason.empty() ? "" : "; ") + error_text(f.error);
        write_dead_letter(out, reader.line_number(), (*ev)->event_id(), reason);
      }
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  return dead_letters == 0 ? 0 : 1;
}

} // namespace switchboard::app
