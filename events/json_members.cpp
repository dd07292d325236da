#include "events/json_members.hpp"

#include <cstddef>
#include <cstring>

#if defined(__SSE2__)
#  include <emmintrin.h>
#endif

namespace switchboard {

namespace {

bool is_space(char c) noexcept {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

const char* skip_space(const char* p, const char* end) noexcept {
  while (p != end && is_space(*p))
    ++p;
  return p;
}

#if defined(__SSE2__)
// Bit i is set when byte i of `v` equals `c`.
[[gnu::always_inline]] inline unsigned match(__m128i v, char c) noexcept {
  return static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c))));
}

[[gnu::always_inline]] inline __m128i load16(const char* p) noexcept {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}
#endif

// The closing quote of the string whose opening quote is at `p`, or null when the
// text ends first; `escaped` is set when the string holds an escape. An escape's second
// byte is skipped, so `\"` never ends a string; `\uXXXX` needs nothing more because hex
// digits are never quotes. Inlined: it runs for every key and most values.
[[gnu::always_inline]] inline const char* string_end(const char* p, const char* end,
                                                     bool& escaped) noexcept {
  ++p;
#if defined(__SSE2__)
  // Most bytes of an event are inside strings: look for quotes and backslashes 16 at
  // a time.
  while (end - p >= 16) {
    auto v = load16(p);
    auto mask = match(v, '"') | match(v, '\\');
    if (mask == 0) {
      p += 16;
      continue;
    }
    p += __builtin_ctz(mask);
    if (*p == '"')
      return p;
    escaped = true;
    if (end - p < 2)
      return nullptr;
    p += 2;
  }
#endif
  while (p != end) {
    if (*p == '"')
      return p;
    if (*p == '\\') {
      escaped = true;
      if (end - p < 2)
        return nullptr;
      p += 2;
    } else {
      ++p;
    }
  }
  return nullptr;
}

// One past the object or array whose opening bracket is at `p`, or null.
const char* container_end(const char* p, const char* end) noexcept {
  const char close = *p == '{' ? '}' : ']';
  std::size_t depth = 0;
  bool escaped = false;
  while (p != end) {
#if defined(__SSE2__)
    // Only quotes and brackets matter between the strings: skip the rest 16 at a time.
    if (end - p >= 16) {
      auto v = load16(p);
      auto mask = match(v, '"') | match(v, '{') | match(v, '}') | match(v, '[')
                  | match(v, ']');
      if (mask == 0) {
        p += 16;
        continue;
      }
      p += __builtin_ctz(mask);
    }
#endif
    switch (*p) {
      case '"':
        p = string_end(p, end, escaped);
        if (!p)
          return nullptr;
        break;
      case '{':
      case '[':
        ++depth;
        break;
      case '}':
      case ']':
        if (--depth == 0)
          return *p == close ? p + 1 : nullptr;
        break;
      default:
        break;
    }
    ++p;
  }
  return nullptr;
}

// One past the number or literal starting at `p`, or null when none starts there.
const char* scalar_end(const char* p, const char* end) noexcept {
  char c = *p;
  if (!(c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n'))
    return nullptr;
  while (p != end && !is_space(*p) && *p != ',' && *p != '}' && *p != ']')
    ++p;
  return p;
}

// One past the value starting at `p` (not at the end), or null.
const char* value_end(const char* p, const char* end) noexcept {
  switch (*p) {
    case '"': {
      bool escaped = false;
      auto* q = string_end(p, end, escaped);
      return q ? q + 1 : nullptr;
    }
    case '{':
    case '[':
      return container_end(p, end);
    default:
      return scalar_end(p, end);
  }
}

// The code unit of the four hex digits at `p`, or -1.
long hex4(const char* p) noexcept {
  long out = 0;
  for (int i = 0; i < 4; ++i) {
    int d = hex_digit(p[i]);
    if (d < 0)
      return -1;
    out = out * 16 + d;
  }
  return out;
}

// Writes `cp` as UTF-8 to `buf`; returns the number of bytes.
std::size_t encode_utf8(long cp, char* buf) noexcept {
  if (cp < 0x80) {
    buf[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    buf[0] = static_cast<char>(0xC0 | (cp >> 6));
    buf[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    buf[0] = static_cast<char>(0xE0 | (cp >> 12));
    buf[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    buf[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  buf[0] = static_cast<char>(0xF0 | (cp >> 18));
  buf[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  buf[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  buf[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

// Decodes the escape starting at raw[i] (a backslash) into `buf`; returns the number
// of bytes written and advances `i` past the escape, or returns 0 when it is invalid.
std::size_t unescape(std::string_view raw, std::size_t& i, char* buf) noexcept {
  if (raw.size() - i < 2)
    return 0;
  char e = raw[i + 1];
  char c = 0;
  switch (e) {
    case '"':
    case '\\':
    case '/': c = e; break;
    case 'b': c = '\b'; break;
    case 'f': c = '\f'; break;
    case 'n': c = '\n'; break;
    case 'r': c = '\r'; break;
    case 't': c = '\t'; break;
    case 'u': {
      if (raw.size() - i < 6)
        return 0;
      long cp = hex4(raw.data() + i + 2);
      if (cp < 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
        return 0;
      std::size_t used = 6;
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        // A high surrogate counts only with the low one that must follow it.
        if (raw.size() - i < 12 || raw[i + 6] != '\\' || raw[i + 7] != 'u')
          return 0;
        long low = hex4(raw.data() + i + 8);
        if (low < 0xDC00 || low > 0xDFFF)
          return 0;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        used = 12;
      }
      i += used;
      return encode_utf8(cp, buf);
    }
    default: return 0;
  }
  buf[0] = c;
  i += 2;
  return 1;
}

} // namespace

json_member_reader::json_member_reader(std::string_view text) noexcept
  : pos_(text.data()), end_(text.data() + text.size()) {
  if (text.size() >= 3 && std::memcmp(pos_, "\xEF\xBB\xBF", 3) == 0)
    pos_ += 3;
  pos_ = skip_space(pos_, end_);
  if (pos_ == end_ || *pos_ != '{')
    fail();
  else
    ++pos_;
}

bool json_member_reader::fail() noexcept {
  failed_ = true;
  return false;
}

bool json_member_reader::next(json_member& out) noexcept {
  if (failed_ || done_)
    return false;
  auto* p = skip_space(pos_, end_);
  if (p == end_)
    return fail();
  if (*p == '}') {
    pos_ = skip_space(p + 1, end_);
    if (pos_ != end_)
      return fail();
    done_ = true;
    return false;
  }
  if (!first_) {
    if (*p != ',')
      return fail();
    p = skip_space(p + 1, end_);
    if (p == end_)
      return fail();
  }
  if (*p != '"')
    return fail();
  bool escaped = false;
  auto* key_end = string_end(p, end_, escaped);
  if (!key_end)
    return fail();
  std::string_view key{p + 1, static_cast<std::size_t>(key_end - p - 1)};
  p = skip_space(key_end + 1, end_);
  if (p == end_ || *p != ':')
    return fail();
  p = skip_space(p + 1, end_);
  if (p == end_)
    return fail();
  auto* end = value_end(p, end_);
  if (!end)
    return fail();
  out.key = key;
  out.value = std::string_view{p, static_cast<std::size_t>(end - p)};
  out.key_escaped = escaped;
  pos_ = end;
  first_ = false;
  return true;
}

namespace {

// Steps back over whitespace from `i` (one past the byte to look at).
std::size_t back_over_space(std::string_view text, std::size_t i) noexcept {
  while (i > 0 && is_space(text[i - 1]))
    --i;
  return i;
}

// The opening quote of the string whose closing quote is at `close`, or npos. A quote
// inside a string follows an odd run of backslashes; the opening one follows none
// (outside strings, valid JSON has no backslash).
std::size_t opening_quote(std::string_view text, std::size_t close) noexcept {
  auto at = close;
  while (at > 0) {
    at = text.rfind('"', at - 1);
    if (at == std::string_view::npos)
      return at;
    std::size_t slashes = 0;
    while (at > slashes && text[at - 1 - slashes] == '\\')
      ++slashes;
    if (slashes % 2 == 0)
      return at;
  }
  return std::string_view::npos;
}

} // namespace

bool find_last_object_member(std::string_view text, json_last_member& out) noexcept {
  constexpr auto npos = std::string_view::npos;
  auto i = back_over_space(text, text.size());
  if (i == 0 || text[i - 1] != '}')
    return false;
  i = back_over_space(text, i - 1);
  if (i == 0 || text[i - 1] != '}')
    return false;
  out.value_end = i;
  // Back to the brace that opens the value, stepping over whole strings.
  std::size_t depth = 0;
  while (i > 0) {
    char c = text[--i];
    if (c == '"') {
      i = opening_quote(text, i);
      if (i == npos)
        return false;
    } else if (c == '}' || c == ']') {
      ++depth;
    } else if (c == '{' || c == '[') {
      if (--depth == 0)
        break;
    }
  }
  if (depth != 0 || text[i] != '{')
    return false;
  out.value_begin = i;
  i = back_over_space(text, i);
  if (i == 0 || text[i - 1] != ':')
    return false;
  i = back_over_space(text, i - 1);
  if (i == 0 || text[i - 1] != '"')
    return false;
  auto key_end = i - 1;
  auto key_begin = opening_quote(text, key_end);
  if (key_begin == npos)
    return false;
  // Another member must come before it: the comma, not the object's own brace.
  auto before = back_over_space(text, key_begin);
  if (before == 0 || text[before - 1] != ',')
    return false;
  out.key_begin = key_begin;
  out.key = text.substr(key_begin + 1, key_end - key_begin - 1);
  return true;
}

bool split_json_members(std::string_view text, std::vector<json_member>& out) {
  json_member_reader reader{text};
  json_member member;
  while (reader.next(member))
    out.push_back(member);
  return reader.done();
}

bool json_key_equals(std::string_view raw, std::string_view key) noexcept {
  // Keys almost never hold escapes; then the text is the key.
  if (raw.find('\\') == std::string_view::npos)
    return raw == key;
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < raw.size()) {
    if (raw[i] != '\\') {
      if (j == key.size() || key[j] != raw[i])
        return false;
      ++i;
      ++j;
      continue;
    }
    char buf[4];
    auto n = unescape(raw, i, buf);
    if (n == 0 || key.size() - j < n || std::memcmp(key.data() + j, buf, n) != 0)
      return false;
    j += n;
  }
  return j == key.size();
}

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

} // namespace switchboard
