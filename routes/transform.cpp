#include "routes/transform.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <set>

#include <boost/json/array.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include "events/codec.hpp"
#include "events/error.hpp"
#include "events/factory.hpp"
#include "events/json_fields.hpp"
#include "events/json_members.hpp"
#include "events/json_writer.hpp"
#include "events/tape_writer.hpp"

namespace switchboard {

namespace json = boost::json;

namespace {

caf::error failed(std::string msg) {
  return caf::make_error(route_errc::transform_failed, std::move(msg));
}

// Appends one reference token with `~` and `/` escaped again.
void append_escaped(std::string& out, std::string_view token) {
  out.push_back('/');
  for (char c : token) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out.push_back(c);
  }
}

// The pointer text of the first `n` tokens, for messages.
std::string prefix_text(const std::vector<std::string>& tokens, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    append_escaped(out, tokens[i]);
  return out;
}

// RFC 6901 array index: `0` or digits without a leading zero.
bool parse_index(const std::string& token, std::size_t& out) {
  if (token.empty() || token.size() > 18)
    return false;
  if (token.size() > 1 && token[0] == '0')
    return false;
  std::size_t n = 0;
  for (char c : token) {
    if (c < '0' || c > '9')
      return false;
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  out = n;
  return true;
}

// Walks the first `n` tokens; null with the reason when a step does not exist.
json::value* walk(json::value& doc, const std::vector<std::string>& tokens, std::size_t n,
                  std::string& why) {
  json::value* cur = &doc;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& tok = tokens[i];
    if (auto* obj = cur->if_object()) {
      auto it = obj->find(tok);
      if (it == obj->end()) {
        why = prefix_text(tokens, i + 1) + " does not exist";
        return nullptr;
      }
      cur = &it->value();
    } else if (auto* arr = cur->if_array()) {
      std::size_t idx = 0;
      if (!parse_index(tok, idx)) {
        why = "'" + tok + "' in " + prefix_text(tokens, i + 1) + " is not an array index";
        return nullptr;
      }
      if (idx >= arr->size()) {
        why = prefix_text(tokens, i + 1) + " does not exist (array index out of range)";
        return nullptr;
      }
      cur = &(*arr)[idx];
    } else {
      why = (i == 0 ? std::string{"the document"} : prefix_text(tokens, i))
            + " is not an object or array";
      return nullptr;
    }
  }
  return cur;
}

// `walk` on the parse: the value at `tokens`, or false when a step does not exist (the
// tree's walk words why).
bool find_in_parse(simdjson::dom::element at, const std::vector<std::string>& tokens,
                   simdjson::dom::element& out) {
  for (const auto& tok : tokens) {
    if (auto obj = at.get_object(); !obj.error()) {
      if (obj.value_unsafe().at_key(tok).get(at) != simdjson::SUCCESS)
        return false;
    } else if (auto arr = at.get_array(); !arr.error()) {
      std::size_t idx = 0;
      if (!parse_index(tok, idx) || arr.value_unsafe().at(idx).get(at) != simdjson::SUCCESS)
        return false;
    } else {
      return false;
    }
  }
  out = at;
  return true;
}

caf::error op_add(json::value& doc, const json_pointer& path, json::value value) {
  const auto& toks = path.tokens();
  if (toks.empty()) {
    doc = std::move(value);
    return {};
  }
  std::string why;
  auto* parent = walk(doc, toks, toks.size() - 1, why);
  if (!parent)
    return failed(std::move(why));
  const auto& last = toks.back();
  if (auto* obj = parent->if_object()) {
    (*obj)[last] = std::move(value);
    return {};
  }
  if (auto* arr = parent->if_array()) {
    if (last == "-") {
      arr->push_back(std::move(value));
      return {};
    }
    std::size_t idx = 0;
    if (!parse_index(last, idx))
      return failed("'" + last + "' is not an array index");
    if (idx > arr->size())
      return failed("array index " + last + " is out of range (size "
                    + std::to_string(arr->size()) + ")");
    arr->insert(arr->begin() + static_cast<std::ptrdiff_t>(idx), std::move(value));
    return {};
  }
  return failed((toks.size() == 1 ? std::string{"the document"}
                                  : prefix_text(toks, toks.size() - 1))
                + " is not an object or array");
}

caf::error op_remove(json::value& doc, const json_pointer& path) {
  const auto& toks = path.tokens();
  if (toks.empty())
    return failed("the whole document cannot be removed");
  std::string why;
  auto* parent = walk(doc, toks, toks.size() - 1, why);
  if (!parent)
    return failed(std::move(why));
  const auto& last = toks.back();
  if (auto* obj = parent->if_object()) {
    // stable_erase keeps the other members in order; erase would move the last one.
    if (obj->stable_erase(last) == 0)
      return failed(path.text() + " does not exist");
    return {};
  }
  if (auto* arr = parent->if_array()) {
    std::size_t idx = 0;
    if (!parse_index(last, idx))
      return failed("'" + last + "' is not an array index");
    if (idx >= arr->size())
      return failed(path.text() + " does not exist (array index out of range)");
    arr->erase(arr->begin() + static_cast<std::ptrdiff_t>(idx));
    return {};
  }
  return failed((toks.size() == 1 ? std::string{"the document"}
                                  : prefix_text(toks, toks.size() - 1))
                + " is not an object or array");
}

json::value* find_target(json::value& doc, const json_pointer& path, std::string& why) {
  return walk(doc, path.tokens(), path.tokens().size(), why);
}

bool is_integral(const json::value& v) {
  return v.is_int64() || v.is_uint64();
}

bool numbers_equal(const json::value& a, const json::value& b) {
  if (is_integral(a) && is_integral(b)) {
    if (a.is_int64() && b.is_int64())
      return a.get_int64() == b.get_int64();
    if (a.is_uint64() && b.is_uint64())
      return a.get_uint64() == b.get_uint64();
    const auto& s = a.is_int64() ? a : b;
    const auto& u = a.is_int64() ? b : a;
    return s.get_int64() >= 0
           && static_cast<uint64_t>(s.get_int64()) == u.get_uint64();
  }
  return a.to_number<double>() == b.to_number<double>();
}

// Formats the current time of the context as ISO 8601; the text is cached per
// millisecond because consecutive events mostly share it. The view lasts until the
// thread's next call.
std::string_view now_text(const transform_context& ctx) {
  struct cache {
    int64_t ms = -1;
    std::string text;
  };
  thread_local cache last;
  auto now = ctx.now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  if (ms != last.ms) {
    last.text = iso_timestamp(now);
    last.ms = ms;
  }
  return last.text;
}

caf::error reason(std::string msg) {
  return caf::make_error(route_errc::transform_failed, std::move(msg));
}

// The `metadata` object of an envelope, created when absent.
json::object* metadata_of(json::object& ev, caf::error& err) {
  auto& md = ev["metadata"];
  if (md.is_null())
    md.emplace_object();
  if (!md.is_object()) {
    err = reason("metadata is not an object");
    return nullptr;
  }
  return &md.get_object();
}

// The text a stamp writes; a view valid until the thread's next call.
std::string_view stamp_text(stamp_value value, const transform_context& ctx) {
  switch (value) {
    case stamp_value::route: return ctx.route;
    case stamp_value::now: return now_text(ctx);
    case stamp_value::dispatcher_id: return ctx.dispatcher_id;
  }
  return {};
}

caf::error apply_stamps(json::object& ev, const std::vector<metadata_stamp>& stamps,
                        const transform_context& ctx) {
  caf::error err;
  auto* md = metadata_of(ev, err);
  if (!md)
    return err;
  // One growth for all members instead of one each.
  md->reserve(md->size() + stamps.size());
  // Assigning views makes each string in the tree's own storage.
  for (const auto& stamp : stamps)
    (*md)[stamp.key] = stamp_text(stamp.value, ctx);
  return {};
}

caf::error increment_hops(json::object& ev, const transform_context&) {
  caf::error err;
  auto* md = metadata_of(ev, err);
  if (!md)
    return err;
  auto& hops = (*md)["hops"];
  if (hops.is_null()) {
    hops = 1;
    return {};
  }
  if (hops.is_int64() && hops.get_int64() >= 0) {
    hops = hops.get_int64() + 1;
    return {};
  }
  if (hops.is_uint64()) {
    hops = hops.get_uint64() + 1;
    return {};
  }
  return reason("metadata.hops is not a non-negative integer");
}

void redact_tree(json::value& v) {
  switch (v.kind()) {
    case json::kind::string: {
      auto& s = v.get_string();
      std::string text{s.data(), s.size()};
      if (redact_pii_text(text))
        s = text;
      break;
    }
    case json::kind::array:
      for (auto& item : v.get_array())
        redact_tree(item);
      break;
    case json::kind::object:
      for (auto& field : v.get_object())
        redact_tree(field.value());
      break;
    default:
      break;
  }
}

caf::error redact_pii(json::object& ev, const transform_context&) {
  if (auto it = ev.find("data"); it != ev.end())
    redact_tree(it->value());
  return {};
}

bool is_email_local(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '%'
         || c == '+' || c == '-';
}

bool is_domain_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
}

bool is_alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

// Masks `local@domain.tld`; returns true when one was found.
bool redact_emails(std::string& text) {
  static constexpr std::string_view mask = "[redacted-email]";
  bool changed = false;
  std::size_t at = text.find('@');
  while (at != std::string::npos) {
    std::size_t begin = at;
    while (begin > 0 && is_email_local(text[begin - 1]))
      --begin;
    std::size_t end = at + 1;
    while (end < text.size() && is_domain_char(text[end]))
      ++end;
    // A sentence may end right after the address.
    while (end > at + 1 && (text[end - 1] == '.' || text[end - 1] == '-'))
      --end;
    auto domain = std::string_view{text}.substr(at + 1, end - at - 1);
    auto dot = domain.rfind('.');
    bool valid = begin < at && dot != std::string_view::npos && dot > 0
                 && domain.size() - dot - 1 >= 2;
    if (valid) {
      for (auto c : domain.substr(dot + 1))
        valid = valid && std::isalpha(static_cast<unsigned char>(c));
    }
    if (valid) {
      text.replace(begin, end - begin, mask);
      changed = true;
      at = text.find('@', begin + mask.size());
    } else {
      at = text.find('@', at + 1);
    }
  }
  return changed;
}

bool is_phone_char(char c) {
  return (c >= '0' && c <= '9') || c == ' ' || c == '-' || c == '.' || c == '(' || c == ')';
}

// Masks phone numbers: `+` and 8 to 15 digits, or 10 to 15 digits in groups of at
// most four separated by spaces, dashes, dots or parentheses. Dotted quads (IPv4
// addresses) and long digit runs (ids, epoch times) are left alone.
bool redact_phones(std::string& text) {
  static constexpr std::string_view mask = "[redacted-phone]";
  bool changed = false;
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    bool starts = c == '+' || c == '(' || (c >= '0' && c <= '9');
    if (!starts || (i > 0 && (is_alnum(text[i - 1]) || text[i - 1] == '+'))) {
      ++i;
      continue;
    }
    bool plus = c == '+';
    std::size_t end = plus ? i + 1 : i;
    while (end < text.size() && is_phone_char(text[end]))
      ++end;
    // Trailing separators belong to the surrounding text.
    while (end > i && !(text[end - 1] >= '0' && text[end - 1] <= '9') && text[end - 1] != ')')
      --end;
    std::size_t digits = 0;
    std::size_t groups = 0;
    std::size_t group = 0;
    std::size_t longest = 0;
    bool dots_only = true;
    bool separated = false;
    for (std::size_t k = plus ? i + 1 : i; k < end; ++k) {
      if (text[k] >= '0' && text[k] <= '9') {
        ++digits;
        if (group++ == 0)
          ++groups;
        longest = std::max(longest, group);
      } else {
        group = 0;
        separated = true;
        if (text[k] != '.')
          dots_only = false;
      }
    }
    bool bounded = end == text.size() || !is_alnum(text[end]);
    bool ipv4 = separated && dots_only && groups == 4 && longest <= 3;
    bool phone = bounded && !ipv4
                 && ((plus && digits >= 8 && digits <= 15)
                     || (!plus && separated && digits >= 10 && digits <= 15 && longest <= 4));
    if (phone) {
      text.replace(i, end - i, mask);
      changed = true;
      i += mask.size();
    } else {
      // Skip the whole run so its tail is not taken for a number of its own.
      i = std::max(end, i + 1);
    }
  }
  return changed;
}

// Reads one member of a patch operation object, reporting duplicates.
struct op_members {
  simdjson::dom::element op, path, from, value;
  bool has_op = false, has_path = false, has_from = false, has_value = false;
};

} // namespace

// -- context and registry -----------------------------------------------------

std::chrono::system_clock::time_point transform_context::now() const {
  if (clock && *clock)
    return (*clock)();
  return std::chrono::system_clock::now();
}

builtin_registry& builtin_registry::global() {
  static builtin_registry instance = [] {
    builtin_registry reg;
    reg.add_stamps("add_routing_metadata", {{"route", stamp_value::route},
                                            {"routed_at", stamp_value::now},
                                            {"dispatcher_id", stamp_value::dispatcher_id}});
    reg.add_stamps("add_timestamp", {{"processed_at", stamp_value::now}});
    reg.add("redact_pii", redact_pii, {"data"});
    reg.add("increment_hops", increment_hops, {"metadata"});
    return reg;
  }();
  return instance;
}

void builtin_registry::add(std::string name, builtin_transform fn,
                           std::vector<std::string> members) {
  fns_[std::move(name)] = builtin_entry{std::move(fn), std::move(members), {}};
}

void builtin_registry::add_stamps(std::string name, std::vector<metadata_stamp> stamps) {
  auto fn = [stamps](json::object& ev, const transform_context& ctx) {
    return apply_stamps(ev, stamps, ctx);
  };
  fns_[std::move(name)] = builtin_entry{std::move(fn), {"metadata"}, std::move(stamps)};
}

const builtin_entry* builtin_registry::find(std::string_view name) const {
  auto it = fns_.find(name);
  return it == fns_.end() ? nullptr : &it->second;
}

std::vector<std::string> builtin_registry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, fn] : fns_)
    out.push_back(name);
  return out;
}

// -- JSON Pointer -------------------------------------------------------------

caf::expected<json_pointer> json_pointer::parse(std::string_view text) {
  json_pointer ptr;
  ptr.text_ = std::string{text};
  if (text.empty())
    return ptr;
  if (text[0] != '/')
    return caf::make_error(route_errc::bad_transform,
                           "JSON Pointer '" + std::string{text} + "' must start with '/'");
  std::string token;
  for (std::size_t i = 1; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '/') {
      ptr.tokens_.push_back(std::move(token));
      token.clear();
      continue;
    }
    if (text[i] == '~') {
      char next = i + 1 < text.size() ? text[i + 1] : '\0';
      if (next != '0' && next != '1')
        return caf::make_error(route_errc::bad_transform,
                               "JSON Pointer '" + std::string{text}
                                 + "' has '~' not followed by 0 or 1");
      token.push_back(next == '0' ? '~' : '/');
      ++i;
      continue;
    }
    token.push_back(text[i]);
  }
  return ptr;
}

bool json_pointer::is_proper_prefix_of(const json_pointer& other) const noexcept {
  if (tokens_.size() >= other.tokens_.size())
    return false;
  for (std::size_t i = 0; i < tokens_.size(); ++i)
    if (tokens_[i] != other.tokens_[i])
      return false;
  return true;
}

// -- JSON Patch ---------------------------------------------------------------

const char* to_string(patch_op op) noexcept {
  switch (op) {
    case patch_op::add: return "add";
    case patch_op::remove: return "remove";
    case patch_op::replace: return "replace";
    case patch_op::move: return "move";
    case patch_op::copy: return "copy";
    case patch_op::test: return "test";
  }
  return "unknown";
}

bool json_equal(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number())
    return numbers_equal(a, b);
  if (a.kind() != b.kind())
    return false;
  switch (a.kind()) {
    case json::kind::array: {
      const auto& x = a.get_array();
      const auto& y = b.get_array();
      if (x.size() != y.size())
        return false;
      for (std::size_t i = 0; i < x.size(); ++i)
        if (!json_equal(x[i], y[i]))
          return false;
      return true;
    }
    case json::kind::object: {
      const auto& x = a.get_object();
      const auto& y = b.get_object();
      if (x.size() != y.size())
        return false;
      for (const auto& field : x) {
        auto it = y.find(field.key());
        if (it == y.end() || !json_equal(field.value(), it->value()))
          return false;
      }
      return true;
    }
    default:
      return a == b;
  }
}

caf::error apply_patch(json::value& doc, patch_op op, const json_pointer& path,
                       const json_pointer& from, const json::value& value) {
  std::string why;
  switch (op) {
    case patch_op::add:
      // Copies go to the document's storage, so inserting them moves them.
      return op_add(doc, path, json::value(value, doc.storage()));
    case patch_op::remove:
      return op_remove(doc, path);
    case patch_op::replace: {
      auto* target = find_target(doc, path, why);
      if (!target)
        return failed(std::move(why));
      *target = value;
      return {};
    }
    case patch_op::move: {
      auto* source = find_target(doc, from, why);
      if (!source)
        return failed("from: " + why);
      if (from.tokens() == path.tokens())
        return {};
      if (from.is_proper_prefix_of(path))
        return failed("a value cannot be moved into one of its own children");
      json::value moved = std::move(*source);
      if (auto err = op_remove(doc, from))
        return err;
      return op_add(doc, path, std::move(moved));
    }
    case patch_op::copy: {
      auto* source = find_target(doc, from, why);
      if (!source)
        return failed("from: " + why);
      return op_add(doc, path, json::value(*source, doc.storage()));
    }
    case patch_op::test: {
      auto* target = find_target(doc, path, why);
      if (!target)
        return failed(std::move(why));
      if (!json_equal(*target, value))
        return failed("value differs");
      return {};
    }
  }
  return failed("unknown operation");
}

bool redact_pii_text(std::string& text) {
  bool changed = redact_emails(text);
  return redact_phones(text) || changed;
}

// -- steps --------------------------------------------------------------------

transform_step::transform_step(std::string name, builtin_entry entry)
  : members_(std::move(entry.members)),
    name_(std::move(name)),
    builtin_(std::move(entry.fn)),
    stamps_(std::move(entry.stamps)) {
  // A built-in's code may change whatever it names.
  written_ = members_;
}

transform_step::transform_step(patch_op op, json_pointer path, json_pointer from,
                               json::value value)
  : op_(op), path_(std::move(path)), from_(std::move(from)), value_(std::move(value)) {
  auto note = [](std::vector<std::string>& list, const std::string& member) {
    if (std::find(list.begin(), list.end(), member) == list.end())
      list.push_back(member);
  };
  // A pointer reaches below its first token only; the empty pointer reaches everything.
  bool whole = path_.tokens().empty();
  if (!whole) {
    note(members_, path_.tokens().front());
    if (op_ != patch_op::test)
      note(written_, path_.tokens().front());
  }
  if (op_ == patch_op::move || op_ == patch_op::copy) {
    whole = whole || from_.tokens().empty();
    if (!from_.tokens().empty()) {
      note(members_, from_.tokens().front());
      // A move removes its source; a copy only reads it.
      if (op_ == patch_op::move)
        note(written_, from_.tokens().front());
    }
  }
  if (whole) {
    members_.clear();
    written_.clear();
  }
}

caf::error transform_step::apply(json::value& doc, const transform_context& ctx) const {
  if (!builtin_) {
    if (ctx.original != nullptr && (op_ == patch_op::copy || op_ == patch_op::test))
      if (auto done = apply_read_only(doc, ctx))
        return std::move(*done);
    return apply_patch(doc, op_, path_, from_, value_);
  }
  auto* obj = doc.if_object();
  if (!obj)
    return failed("the event is not an object");
  return builtin_(*obj, ctx);
}

std::optional<caf::error> transform_step::apply_read_only(json::value& doc,
                                                          const transform_context& ctx) const {
  const auto& toks = (op_ == patch_op::copy ? from_ : path_).tokens();
  if (toks.empty() || !doc.is_object() || ctx.read_only == nullptr
      || std::find(ctx.read_only->begin(), ctx.read_only->end(), toks.front())
           == ctx.read_only->end())
    return std::nullopt;
  // No step writes this member, so the parse holds what the tree would: read the one
  // value there instead of copying the whole member into the tree.
  simdjson::dom::element found;
  if (!find_in_parse(*ctx.original, toks, found)) {
    // The tree's path words the error: give it the member.
    auto& tree = doc.get_object();
    if (!tree.contains(toks.front()))
      if (auto el = ctx.original->at_key(toks.front()); !el.error())
        tree.emplace(toks.front(), to_tree(el.value_unsafe(), doc.storage()));
    return std::nullopt;
  }
  auto value = to_tree(found, doc.storage());
  if (op_ == patch_op::copy)
    return op_add(doc, path_, std::move(value));
  if (!json_equal(value, value_))
    return failed("value differs");
  return caf::error{};
}

std::string transform_step::describe() const {
  if (builtin_)
    return name_;
  std::string out = to_string(op_);
  if (op_ == patch_op::move || op_ == patch_op::copy)
    out += " " + from_.text() + " to";
  out += " " + path_.text();
  return out;
}

json::value transform_step::spec() const {
  if (builtin_)
    return json::string{name_};
  json::object obj;
  obj["op"] = to_string(op_);
  if (op_ == patch_op::move || op_ == patch_op::copy)
    obj["from"] = from_.text();
  obj["path"] = path_.text();
  if (op_ == patch_op::add || op_ == patch_op::replace || op_ == patch_op::test)
    obj["value"] = value_;
  return obj;
}

// -- chains -------------------------------------------------------------------

namespace {

// Compiles one operation object; appends every problem to `errors`.
void compile_patch(simdjson::dom::object obj, const std::string& where,
                   std::vector<std::string>& errors, transform_chain& chain) {
  op_members m;
  std::size_t before = errors.size();
  for (auto field : obj) {
    auto set = [&](bool& has, simdjson::dom::element& slot) {
      if (has)
        errors.push_back(where + "." + std::string{field.key} + ": duplicate member");
      has = true;
      slot = field.value;
    };
    if (field.key == "op")
      set(m.has_op, m.op);
    else if (field.key == "path")
      set(m.has_path, m.path);
    else if (field.key == "from")
      set(m.has_from, m.from);
    else if (field.key == "value")
      set(m.has_value, m.value);
    // RFC 6902 section 4: members an operation does not define are ignored.
  }
  if (!m.has_op) {
    errors.push_back(where + ".op: missing (one of add, remove, replace, move, copy, test)");
    return;
  }
  std::string_view op_name;
  if (m.op.get_string().get(op_name)) {
    errors.push_back(where + ".op: must be a string");
    return;
  }
  static constexpr std::pair<std::string_view, patch_op> ops[] = {
    {"add", patch_op::add},   {"remove", patch_op::remove}, {"replace", patch_op::replace},
    {"move", patch_op::move}, {"copy", patch_op::copy},     {"test", patch_op::test},
  };
  const patch_op* op = nullptr;
  for (const auto& [name, code] : ops)
    if (name == op_name)
      op = &code;
  if (!op) {
    errors.push_back(where + ".op: unknown operation '" + std::string{op_name}
                     + "' (one of add, remove, replace, move, copy, test)");
    return;
  }
  auto pointer = [&](bool has, simdjson::dom::element el, const char* key,
                     json_pointer& out) {
    if (!has) {
      errors.push_back(where + "." + key + ": missing (required by " + to_string(*op) + ")");
      return;
    }
    std::string_view text;
    if (el.get_string().get(text)) {
      errors.push_back(where + "." + key + ": must be a string (a JSON Pointer)");
      return;
    }
    auto parsed = json_pointer::parse(text);
    if (!parsed)
      errors.push_back(where + "." + key + ": " + error_text(parsed.error()));
    else
      out = std::move(*parsed);
  };
  json_pointer path;
  json_pointer from;
  pointer(m.has_path, m.path, "path", path);
  bool needs_from = *op == patch_op::move || *op == patch_op::copy;
  if (needs_from)
    pointer(m.has_from, m.from, "from", from);
  bool needs_value = *op == patch_op::add || *op == patch_op::replace || *op == patch_op::test;
  if (needs_value && !m.has_value)
    errors.push_back(where + ".value: missing (required by " + std::string{to_string(*op)}
                     + ")");
  if (*op == patch_op::remove && m.has_path && path.tokens().empty() && errors.size() == before)
    errors.push_back(where + ".path: remove cannot remove the whole document");
  if (*op == patch_op::move && errors.size() == before && from.is_proper_prefix_of(path))
    errors.push_back(where + ".from: a value cannot be moved into one of its own children");
  if (errors.size() != before)
    return;
  chain.push_back(transform_step{*op, std::move(path), std::move(from),
                                 needs_value ? to_tree(m.value) : json::value{}});
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) {
    if (!out.empty())
      out.push_back('\n');
    out += line;
  }
  return out;
}

} // namespace

caf::expected<transform_chain> transform_chain::compile(simdjson::dom::element spec,
                                                        std::string_view path,
                                                        const builtin_registry& registry) {
  std::string base{path};
  simdjson::dom::array arr;
  if (spec.get_array().get(arr))
    return caf::make_error(route_errc::bad_transform, base + ": must be an array");
  transform_chain chain;
  std::vector<std::string> errors;
  std::size_t index = 0;
  for (auto item : arr) {
    auto where = base + "[" + std::to_string(index++) + "]";
    std::string_view name;
    simdjson::dom::object obj;
    if (!item.get_string().get(name)) {
      if (auto* entry = registry.find(name)) {
        chain.push_back(transform_step{std::string{name}, *entry});
      } else {
        std::string known;
        for (const auto& n : registry.names())
          known += (known.empty() ? "" : ", ") + n;
        errors.push_back(where + ": unknown built-in transformation '" + std::string{name}
                         + "' (known: " + known + ")");
      }
    } else if (!item.get_object().get(obj)) {
      compile_patch(obj, where, errors, chain);
    } else {
      errors.push_back(where
                       + ": must be a built-in name or a JSON Patch operation object");
    }
  }
  if (!errors.empty())
    return caf::make_error(route_errc::bad_transform, join_lines(errors));
  return chain;
}

caf::expected<transform_chain> transform_chain::compile(std::string_view json_text,
                                                        std::string_view path,
                                                        const builtin_registry& registry) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.parse(json_text.data(), json_text.size(), true).get(root))
    return caf::make_error(route_errc::bad_transform,
                           std::string{path} + ": not valid JSON: " + simdjson::error_message(err));
  return compile(root, path, registry);
}

void transform_chain::push_back(transform_step step) {
  if (step.members().empty()) {
    whole_ = true;
    members_.clear();
    written_.clear();
  } else if (!whole_) {
    for (const auto& m : step.members())
      if (!touches(m))
        members_.push_back(m);
    for (const auto& m : step.written_members())
      if (!writes(m))
        written_.push_back(m);
  }
  member_written_.clear();
  read_only_.clear();
  for (const auto& m : members_) {
    member_written_.push_back(writes(m));
    if (!member_written_.back())
      read_only_.push_back(m);
  }
  steps_.push_back(std::move(step));
  auto into_metadata = [](const json_pointer& p) {
    return p.tokens().size() == 2 && p.tokens()[0] == "metadata";
  };
  metadata_only_ = !whole_ && written_ == std::vector<std::string>{"metadata"}
                   && std::all_of(steps_.begin(), steps_.end(), [&](const transform_step& t) {
                        if (t.is_builtin())
                          return !t.stamps().empty();
                        if (t.op() == patch_op::add)
                          return into_metadata(t.path()) && !t.value().is_structured();
                        return t.op() == patch_op::copy && into_metadata(t.path())
                               && !t.from().tokens().empty()
                               && t.from().tokens()[0] != "metadata";
                      });
}

std::size_t transform_chain::member_index(std::string_view member) const noexcept {
  for (std::size_t i = 0; i < members_.size(); ++i)
    if (members_[i].size() == member.size()
        && std::memcmp(members_[i].data(), member.data(), member.size()) == 0)
      return i;
  return npos;
}

bool transform_chain::touches(std::string_view member) const noexcept {
  return whole_ || std::find(members_.begin(), members_.end(), member) != members_.end();
}

bool transform_chain::writes(std::string_view member) const noexcept {
  return whole_ || std::find(written_.begin(), written_.end(), member) != written_.end();
}

caf::error transform_chain::apply_tree(json::value& doc, const transform_context& ctx) const {
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    if (auto err = steps_[i].apply(doc, ctx))
      return failed("route '" + std::string{ctx.route} + "': transformation["
                    + std::to_string(i) + "] (" + steps_[i].describe()
                    + "): " + error_text(err));
  }
  return {};
}

bool transform_chain::write_members_raw(std::string& out, const event& ev,
                                        const json::object& tree, tape_writer& tape,
                                        std::size_t& members) const {
  auto root = ev.root().get_object().value_unsafe();
  const auto* parse = ev.tape();
  const auto* parse_strings = ev.tape_strings();
  // A member of the parse: its key and, after it, its value with everything inside.
  auto copy_member = [&](std::string_view key, std::size_t value_at) {
    tape.add_string(key);
    tape.copy_value(parse, parse_strings, value_at);
    ++members;
  };
  auto tree_member = [&](std::string_view key, const json::value& value) {
    tape.add_string(key);
    tape.add_tree(value);
    ++members;
  };
  // One bit per entry of `members_`: which of them `root` holds, and which of those
  // were written. Chains touching more top-level members take the other path.
  if (members_.size() > 64)
    return false;
  uint64_t seen = 0;
  uint64_t emitted = 0;
  bool first = true;
  auto separate = [&] {
    if (!first)
      out.push_back(',');
    first = false;
  };
  // Unchanged members next to each other in compact text are copied as one span.
  const char* run_begin = nullptr;
  const char* run_end = nullptr;
  auto flush = [&] {
    if (run_begin) {
      separate();
      out.append(run_begin, run_end);
      run_begin = nullptr;
    }
  };
  // The reader yields the members in the order the parse holds them; any disagreement
  // in count or keys means the text was not split as the parser did.
  json_member_reader reader{ev.bytes()};
  json_member raw;
  std::size_t key_at = 2; // the root object's word is at 1, its first key next
  for (auto field : root) {
    auto value_at = key_at + 1;
    key_at = tape_writer::value_end(parse, value_at);
    if (!reader.next(raw))
      return false;
    if (raw.key_escaped ? !json_key_equals(raw.key, field.key) : raw.key != field.key)
      return false;
    if (auto index = member_index(field.key); index != npos) {
      auto bit = uint64_t{1} << index;
      seen |= bit;
      // A touched member appears once, at its first place, as the tree holds it.
      if (emitted & bit)
        continue;
      if (member_written_[index]) {
        auto it = tree.find(field.key);
        if (it == tree.end())
          continue; // removed by a step
        emitted |= bit;
        flush();
        separate();
        write_json_string(out, field.key);
        out.push_back(':');
        write_json(out, it->value());
        tree_member(field.key, it->value());
        continue;
      }
      // Only read: the tree holds the first of its duplicates unchanged.
      emitted |= bit;
    }
    copy_member(field.key, value_at);
    const char* begin = raw.key.data() - 1;
    const char* end = raw.value.data() + raw.value.size();
    bool compact = raw.value.data() == raw.key.data() + raw.key.size() + 2;
    if (compact && run_begin && begin == run_end + 1 && *run_end == ',') {
      run_end = end;
      continue;
    }
    flush();
    if (compact) {
      run_begin = begin;
      run_end = end;
      continue;
    }
    separate();
    out.push_back('"');
    out.append(raw.key);
    out.append("\":", 2);
    out.append(raw.value);
  }
  if (reader.next(raw) || !reader.done())
    return false;
  flush();
  // Members the steps added go last, in the tree's order.
  for (const auto& field : tree) {
    std::string_view key{field.key().data(), field.key().size()};
    auto index = member_index(key);
    bool in_root = index != npos ? ((seen >> index) & 1) != 0 : !root.at_key(key).error();
    if (!in_root) {
      separate();
      write_json_string(out, key);
      out.push_back(':');
      write_json(out, field.value());
      tree_member(key, field.value());
    }
  }
  return true;
}

void transform_chain::write_members_parsed(std::string& out, simdjson::dom::object root,
                                           const json::object& tree) const {
  bool first = true;
  auto member = [&](std::string_view key) {
    if (!first)
      out.push_back(',');
    first = false;
    write_json_string(out, key);
    out.push_back(':');
  };
  // Members in their original order; touched ones as the steps left them.
  std::vector<std::string_view> written;
  for (auto field : root) {
    if (!touches(field.key)) {
      member(field.key);
      write_json(out, field.value);
      continue;
    }
    auto it = tree.find(field.key);
    if (it == tree.end()
        || std::find(written.begin(), written.end(), field.key) != written.end())
      continue;
    written.push_back(field.key);
    member(field.key);
    write_json(out, it->value());
  }
  for (const auto& field : tree) {
    std::string_view key{field.key().data(), field.key().size()};
    if (root.at_key(key).error()) {
      member(key);
      write_json(out, field.value());
    }
  }
}

namespace {

// Sets `key` of `fields` to a scalar of the parse; false for an object or array.
bool set_parsed(json_fields& fields, std::string_view key, simdjson::dom::element value) {
  using simdjson::dom::element_type;
  switch (value.type()) {
    case element_type::STRING: fields.set(key, value.get_string().value_unsafe()); break;
    case element_type::INT64: fields.set(key, value.get_int64().value_unsafe()); break;
    case element_type::UINT64: fields.set(key, value.get_uint64().value_unsafe()); break;
    case element_type::DOUBLE: fields.set(key, value.get_double().value_unsafe()); break;
    case element_type::BOOL: fields.set(key, value.get_bool().value_unsafe()); break;
    case element_type::NULL_VALUE: fields.set_raw(key, "null"); break;
    default: return false;
  }
  return true;
}

// Sets `key` of `fields` to a scalar of a tree; false for an object or array.
bool set_tree(json_fields& fields, std::string_view key, const json::value& value) {
  switch (value.kind()) {
    case json::kind::string: fields.set(key, std::string_view{value.get_string()}); break;
    case json::kind::int64: fields.set(key, value.get_int64()); break;
    case json::kind::uint64: fields.set(key, value.get_uint64()); break;
    case json::kind::double_: fields.set(key, value.get_double()); break;
    case json::kind::bool_: fields.set(key, value.get_bool()); break;
    case json::kind::null: fields.set_raw(key, "null"); break;
    default: return false;
  }
  return true;
}

} // namespace

std::optional<caf::expected<event_ptr>>
transform_chain::apply_to_metadata(const event& ev, const transform_context& ctx,
                                   codec& dec) const {
  if (!ev.has_metadata())
    return std::nullopt;
  const auto* parse = ev.tape();
  const auto* strings = ev.tape_strings();
  // On the parse, `metadata` must be the root's last member and the only one so named.
  auto root_close = static_cast<uint32_t>(parse[1]) - 1;
  std::size_t members = 0;
  std::size_t metadata_key = 0;
  std::size_t last_key = 0;
  for (std::size_t at = 2; at < root_close; at = tape_writer::value_end(parse, at + 1)) {
    ++members;
    last_key = at;
    if (tape_writer::string_at(parse, strings, at) == "metadata") {
      if (metadata_key != 0)
        return std::nullopt;
      metadata_key = at;
    }
  }
  if (metadata_key == 0 || metadata_key != last_key)
    return std::nullopt;
  // Its members, as the tree would write them; nested values and repeated keys are
  // left to the tree, and so are many members (repeats are looked for pairwise).
  constexpr uint64_t most_members = 32;
  if (((parse[metadata_key + 1] >> 32) & 0xFFFFFF) > most_members)
    return std::nullopt;
  json_last_member last;
  if (!find_last_object_member(ev.bytes(), last) || last.key != "metadata")
    return std::nullopt;
  json_fields md;
  for (auto field : ev.metadata())
    if (md.contains(field.key) || !set_parsed(md, field.key, field.value))
      return std::nullopt;
  for (const auto& step : steps_) {
    if (step.is_builtin()) {
      for (const auto& stamp : step.stamps())
        md.set(stamp.key, stamp_text(stamp.value, ctx));
      continue;
    }
    const auto& key = step.path().tokens()[1];
    if (step.op() == patch_op::add) {
      set_tree(md, key, step.value());
      continue;
    }
    simdjson::dom::element found;
    if (!find_in_parse(ev.root(), step.from().tokens(), found) || !set_parsed(md, key, found))
      return std::nullopt;
  }
  // The text up to the member and after it stays; the parse of the members before it
  // is copied as it is, since it lands at the same place.
  auto text = ev.bytes();
  std::string out;
  out.reserve(text.size() + md.text_size() + simdjson::SIMDJSON_PADDING);
  out.append(text.data(), last.key_begin);
  out.append("\"metadata\":");
  md.write(out);
  out.append(text.substr(last.value_end));
  thread_local tape_writer tape;
  tape.begin_document();
  auto root_at = tape.begin_object();
  tape.copy_words(parse, strings, 2, metadata_key + 1);
  auto md_at = tape.begin_object();
  bool parse_written = md.write_tape(tape);
  tape.end_object(md_at, md.size());
  tape.end_object(root_at, members);
  tape.end_document();
  auto result = parse_written ? dec.decode_with_tape(out, tape) : dec.decode(std::move(out));
  if (!result)
    return std::nullopt;
  return result;
}

caf::expected<event_ptr> transform_chain::apply(const event& ev, const transform_context& ctx,
                                                codec& dec) const {
  if (metadata_only_)
    if (auto done = apply_to_metadata(ev, ctx, dec))
      return std::move(*done);
  std::string out;
  // Room for what the steps add and for the padding the decoder appends, so neither
  // grows the buffer.
  out.reserve(ev.bytes().size() + 256 + simdjson::SIMDJSON_PADDING);
  auto root = ev.root().get_object().value_unsafe();
  // The tree lives only until it is written: allocate it from a buffer on the stack
  // (the heap past that) and free it all at once instead of node by node.
  unsigned char arena[4096];
  json::monotonic_resource mr(arena, sizeof(arena));
  json::storage_ptr sp(&mr);
  // The parse is written with the text, so the codec need not parse the result; the
  // path that serializes members from the parse leaves it to the codec.
  thread_local tape_writer tape;
  bool parse_written = true;
  if (whole_) {
    auto doc = to_tree(ev.root(), sp);
    if (auto err = apply_tree(doc, ctx))
      return err;
    write_json(out, doc);
    tape.begin_document();
    tape.add_tree(doc);
    tape.end_document();
    parse_written = doc.is_object();
  } else {
    // Only the members the steps write become a tree; the others keep their original
    // text, and steps read those only on the parse.
    json::value doc(json::object_kind, sp);
    auto& tree = doc.get_object();
    tree.reserve(members_.size());
    for (std::size_t i = 0; i < members_.size(); ++i)
      if (member_written_[i])
        if (auto el = root.at_key(members_[i]); !el.error())
          tree.emplace(members_[i], to_tree(el.value_unsafe(), sp));
    auto parsed = ev.root();
    auto read_ctx = ctx;
    read_ctx.original = &parsed;
    read_ctx.read_only = &read_only_;
    if (auto err = apply_tree(doc, read_ctx))
      return err;
    out.push_back('{');
    tape.begin_document();
    auto root_at = tape.begin_object();
    std::size_t written = 0;
    if (write_members_raw(out, ev, tree, tape, written)) {
      tape.end_object(root_at, written);
      tape.end_document();
    } else {
      // This path writes every touched member from the tree.
      parse_written = false;
      for (const auto& m : read_only_)
        if (auto el = root.at_key(m); !el.error() && !tree.contains(m))
          tree.emplace(m, to_tree(el.value_unsafe(), sp));
      out.resize(1);
      write_members_parsed(out, root, tree);
    }
    out.push_back('}');
  }
  auto result = parse_written ? dec.decode_with_tape(out, tape) : dec.decode(std::move(out));
  if (!result)
    return failed("route '" + std::string{ctx.route}
                  + "': transformed event is not a valid event: " + error_text(result.error()));
  return result;
}

json::array transform_chain::spec() const {
  json::array out;
  for (const auto& step : steps_)
    out.push_back(step.spec());
  return out;
}

} // namespace switchboard
