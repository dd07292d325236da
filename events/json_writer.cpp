#include "events/json_writer.hpp"

#include <array>
#include <charconv>
#include <cmath>

#include <boost/json/value.hpp>

namespace switchboard {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

// Bytes that must be escaped inside a JSON string: controls, quote, backslash.
constexpr std::array<bool, 256> escape_table = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c)
    t[c] = true;
  t['"'] = true;
  t['\\'] = true;
  return t;
}();

template <class Int>
void write_integer(std::string& out, Int value) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), value);
  out.append(buf, res.ptr);
}

} // namespace

void write_json_string(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size() + 2);
  out.push_back('"');
  auto* p = reinterpret_cast<const unsigned char*>(text.data());
  auto* end = p + text.size();
  for (;;) {
    // Copy the longest run that needs no escaping in one append.
    auto* run = p;
    while (p != end && !escape_table[*p])
      ++p;
    out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run));
    if (p == end)
      break;
    auto c = *p++;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out.push_back(hex_digits[c >> 4]);
        out.push_back(hex_digits[c & 0xF]);
    }
  }
  out.push_back('"');
}

void write_json_double(std::string& out, double value) {
  if (!std::isfinite(value)) {
    // JSON has no NaN or infinity; null is what JSON.stringify writes too.
    out += "null";
    return;
  }
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof(buf), value);
  std::string_view text{buf, static_cast<size_t>(res.ptr - buf)};
  out += text;
  if (text.find_first_of(".e") == std::string_view::npos)
    out += ".0";
}

void write_json(std::string& out, simdjson::dom::element value) {
  using simdjson::dom::element_type;
  switch (value.type()) {
    case element_type::OBJECT: {
      out.push_back('{');
      bool first = true;
      // Bind the result first: value_unsafe() of a temporary would dangle in a range-for.
      simdjson::dom::object obj = value.get_object().value_unsafe();
      for (auto field : obj) {
        if (!first)
          out.push_back(',');
        first = false;
        write_json_string(out, field.key);
        out.push_back(':');
        write_json(out, field.value);
      }
      out.push_back('}');
      break;
    }
    case element_type::ARRAY: {
      out.push_back('[');
      bool first = true;
      simdjson::dom::array arr = value.get_array().value_unsafe();
      for (auto item : arr) {
        if (!first)
          out.push_back(',');
        first = false;
        write_json(out, item);
      }
      out.push_back(']');
      break;
    }
    case element_type::STRING:
      write_json_string(out, value.get_string().value_unsafe());
      break;
    case element_type::INT64:
      write_integer(out, value.get_int64().value_unsafe());
      break;
    case element_type::UINT64:
      write_integer(out, value.get_uint64().value_unsafe());
      break;
    case element_type::DOUBLE:
      write_json_double(out, value.get_double().value_unsafe());
      break;
    case element_type::BOOL:
      out += value.get_bool().value_unsafe() ? "true" : "false";
      break;
    case element_type::NULL_VALUE:
      out += "null";
      break;
  }
}

void write_json(std::string& out, const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& field : value.get_object()) {
        if (!first)
          out.push_back(',');
        first = false;
        write_json_string(out, {field.key().data(), field.key().size()});
        out.push_back(':');
        write_json(out, field.value());
      }
      out.push_back('}');
      break;
    }
    case boost::json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : value.get_array()) {
        if (!first)
          out.push_back(',');
        first = false;
        write_json(out, item);
      }
      out.push_back(']');
      break;
    }
    case boost::json::kind::string: {
      const auto& s = value.get_string();
      write_json_string(out, {s.data(), s.size()});
      break;
    }
    case boost::json::kind::int64:
      write_integer(out, value.get_int64());
      break;
    case boost::json::kind::uint64:
      write_integer(out, value.get_uint64());
      break;
    case boost::json::kind::double_:
      write_json_double(out, value.get_double());
      break;
    case boost::json::kind::bool_:
      out += value.get_bool() ? "true" : "false";
      break;
    case boost::json::kind::null:
      out += "null";
      break;
  }
}

std::string to_json(const boost::json::value& value) {
  std::string out;
  write_json(out, value);
  return out;
}

double json_number(const boost::json::value* v, double fallback) noexcept {
  if (v == nullptr)
    return fallback;
  switch (v->kind()) {
    case boost::json::kind::double_: return v->get_double();
    case boost::json::kind::int64: return static_cast<double>(v->get_int64());
    case boost::json::kind::uint64: return static_cast<double>(v->get_uint64());
    default: return fallback;
  }
}

boost::json::value to_tree(simdjson::dom::element value) {
  using simdjson::dom::element_type;
  switch (value.type()) {
    case element_type::OBJECT: {
      auto obj = value.get_object().value_unsafe();
      boost::json::object result;
      result.reserve(obj.size());
      for (auto field : obj)
        result.emplace(field.key, to_tree(field.value));
      return result;
    }
    case element_type::ARRAY: {
      auto arr = value.get_array().value_unsafe();
      boost::json::array result;
      result.reserve(arr.size());
      for (auto item : arr)
        result.push_back(to_tree(item));
      return result;
    }
    case element_type::STRING: {
      auto s = value.get_string().value_unsafe();
      return boost::json::string{s};
    }
    case element_type::INT64:
      return value.get_int64().value_unsafe();
    case element_type::UINT64:
      return value.get_uint64().value_unsafe();
    case element_type::DOUBLE:
      return value.get_double().value_unsafe();
    case element_type::BOOL:
      return value.get_bool().value_unsafe();
    case element_type::NULL_VALUE:
      break;
  }
  return nullptr;
}

} // namespace switchboard
