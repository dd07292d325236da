#include "events/json_fields.hpp"

#include <cmath>
#include <cstring>

namespace switchboard {

json_fields::value::value(std::string_view text) {
  write_json_string(text_, text);
}

json_fields::value::value(double number) {
  write_json_double(text_, number);
}

json_fields::value::value(bool flag) : text_(flag ? "true" : "false") {
  // nop
}

json_fields::json_fields(std::initializer_list<std::pair<std::string_view, value>> fields) {
  for (const auto& [key, v] : fields)
    set_raw(key, v.text());
}

namespace {

// Whether the `n` bytes at `a` and `b` are equal: each new field is compared with the
// keys before it, which are mostly 8 to 16 bytes quoted, so two word loads decide.
bool same_bytes(const char* a, const char* b, std::size_t n) noexcept {
  if (n >= 8 && n <= 16) {
    auto word = [](const char* p) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      return w;
    };
    return word(a) == word(b) && word(a + n - 8) == word(b + n - 8);
  }
  return std::memcmp(a, b, n) == 0;
}

} // namespace

json_fields::field json_fields::begin_field(std::string_view key) {
  if (!json_needs_escape(key))
    return begin_plain_field(key, nullptr); // keys are mostly plain names
  if (!fields_.empty())
    body_.push_back(',');
  auto key_begin = body_.size();
  auto* d = body_.extend(6 * key.size() + 3);
  d = write_json_string_to(d, key);
  *d++ = ':';
  body_.truncate(static_cast<std::size_t>(d - body_.data()));
  field added{static_cast<uint32_t>(key_begin),
              static_cast<uint32_t>(body_.size() - 1 - key_begin)};
  // Escapes make the text longer than the quoted key.
  added.key_plain = added.key_size == key.size() + 2;
  return added;
}

json_fields::field json_fields::begin_plain_field(std::string_view key,
                                                  const std::string_view* text) {
  std::size_t comma = fields_.empty() ? 0 : 1;
  field added{static_cast<uint32_t>(body_.size() + comma),
              static_cast<uint32_t>(key.size() + 2)};
  added.key_plain = true;
  // `,"key":` and `"text"`, written in place.
  auto* d = body_.extend(comma + key.size() + 3 + (text != nullptr ? text->size() + 2 : 0));
  *d = ',';
  d = write_plain_json_string_to(d + comma, key);
  *d = ':';
  if (text != nullptr) {
    write_plain_json_string_to(d + 1, *text);
    added.kind = value_kind::string;
  }
  return added;
}

json_fields& json_fields::end_field(field added) {
  const char* key = body_.data() + added.key_begin;
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    auto& f = fields_[i];
    if (f.key_size != added.key_size || !same_bytes(body_.data() + f.key_begin, key, f.key_size))
      continue;
    // Move the new value over the old one and drop the new field's text.
    f.kind = added.kind;
    f.bits = added.bits;
    std::size_t value_begin = added.key_begin + added.key_size + 1;
    std::string value{body_.data() + value_begin, body_.size() - value_begin};
    body_.truncate(added.key_begin - 1); // from its comma on
    std::size_t old_begin = f.key_begin + f.key_size + 1;
    auto old_end = value_end(i);
    auto tail = body_.size() - old_end;
    auto shift = static_cast<int64_t>(value.size()) - static_cast<int64_t>(old_end - old_begin);
    if (shift > 0)
      body_.extend(static_cast<std::size_t>(shift));
    else
      body_.truncate(static_cast<std::size_t>(static_cast<int64_t>(body_.size()) + shift));
    // The fields after the old value move by the difference in length.
    std::memmove(body_.data() + old_begin + value.size(), body_.data() + old_end, tail);
    std::memcpy(body_.data() + old_begin, value.data(), value.size());
    for (auto j = i + 1; j < fields_.size(); ++j)
      fields_[j].key_begin = static_cast<uint32_t>(fields_[j].key_begin + shift);
    return *this;
  }
  fields_.push_back(added);
  return *this;
}

std::size_t json_fields::value_end(std::size_t index) const noexcept {
  // A field's value ends where the comma before the next key is.
  return index + 1 < fields_.size() ? fields_[index + 1].key_begin - 1 : body_.size();
}

json_fields& json_fields::set(std::string_view key, std::string_view text) {
  if (!json_needs_escape(key) && !json_needs_escape(text))
    return end_field(begin_plain_field(key, &text)); // the usual field
  auto added = begin_field(key);
  auto at = body_.size();
  auto* end = write_json_string_to(body_.extend(6 * text.size() + 2), text);
  body_.truncate(static_cast<std::size_t>(end - body_.data()));
  if (body_.size() - at == text.size() + 2)
    added.kind = value_kind::string;
  return end_field(added);
}

json_fields& json_fields::set(std::string_view key, double number) {
  auto added = begin_field(key);
  auto* end = write_json_double_to(body_.extend(json_double_room), number);
  body_.truncate(static_cast<std::size_t>(end - body_.data()));
  if (std::isfinite(number)) {
    added.kind = value_kind::real;
    std::memcpy(&added.bits, &number, 8);
  } else {
    added.kind = value_kind::null; // written as null
  }
  return end_field(added);
}

json_fields& json_fields::set(std::string_view key, bool flag) {
  auto added = begin_field(key);
  std::string_view text = flag ? "true" : "false";
  body_.append(text.data(), text.size());
  added.kind = flag ? value_kind::yes : value_kind::no;
  return end_field(added);
}

json_fields& json_fields::set(std::string_view key, const json_fields& object) {
  auto added = begin_field(key);
  object.write_to(body_.extend(object.text_size()));
  return end_field(added);
}

json_fields& json_fields::set_raw(std::string_view key, std::string_view json_text) {
  auto added = begin_field(key);
  body_.append(json_text.data(), json_text.size());
  return end_field(added);
}

bool json_fields::contains(std::string_view key) const {
  if (fields_.empty())
    return false;
  // Keys are stored quoted and escaped; compare in that form.
  std::string quoted;
  write_json_string(quoted, key);
  for (const auto& f : fields_)
    if (std::string_view{body_.data() + f.key_begin, f.key_size} == quoted)
      return true;
  return false;
}

void json_fields::write(std::string& out) const {
  auto at = out.size();
  out.resize(at + text_size());
  write_to(out.data() + at);
}

bool json_fields::write_tape(tape_writer& tape) const {
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    const auto& f = fields_[i];
    if (!f.key_plain || f.kind == value_kind::unknown)
      return false;
    tape.add_string(std::string_view{body_.data() + f.key_begin + 1, f.key_size - 2});
    switch (f.kind) {
      case value_kind::string: {
        // A plain string's text is its bytes between the quotes.
        auto begin = f.key_begin + f.key_size + 2;
        tape.add_string(std::string_view{body_.data() + begin, value_end(i) - 1 - begin});
        break;
      }
      case value_kind::int64:
        tape.add_integer(static_cast<int64_t>(f.bits));
        break;
      case value_kind::uint64:
        tape.add_unsigned(f.bits);
        break;
      case value_kind::real: {
        double d;
        std::memcpy(&d, &f.bits, 8);
        tape.add_double(d);
        break;
      }
      case value_kind::yes:
        tape.add_literal('t');
        break;
      case value_kind::no:
        tape.add_literal('f');
        break;
      case value_kind::null:
        tape.add_literal('n');
        break;
      case value_kind::unknown:
        return false;
    }
  }
  return true;
}

std::string json_fields::str() const {
  std::string out;
  write(out);
  return out;
}

} // namespace switchboard
