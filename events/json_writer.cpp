#include "events/json_writer.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <tuple>
#include <utility>

#include <boost/json/value.hpp>

#if defined(__SSE2__)
#  include <emmintrin.h>
#endif
#if defined(__SSE2__) && defined(__x86_64__) && defined(__GNUC__)
#  include <immintrin.h>
#  include <tmmintrin.h>
#endif

namespace switchboard {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

// For each byte, what follows the backslash of its escape: its letter, 'u' for the
// `\u00XX` form, or 0 when the byte needs no escape.
constexpr std::array<char, 256> escape_table = [] {
  std::array<char, 256> t{};
  for (int c = 0; c < 0x20; ++c)
    t[c] = 'u';
  t['"'] = '"';
  t['\\'] = '\\';
  t['\n'] = 'n';
  t['\r'] = 'r';
  t['\t'] = 't';
  t['\b'] = 'b';
  t['\f'] = 'f';
  return t;
}();

// Writes the escape sequence of a byte that needs one; returns its end.
char* write_escape(char* d, unsigned char c) {
  auto e = escape_table[c];
  d[0] = '\\';
  d[1] = e;
  if (e != 'u')
    return d + 2;
  d[2] = '0';
  d[3] = '0';
  d[4] = hex_digits[c >> 4];
  d[5] = hex_digits[c & 0xF];
  return d + 6;
}

template <class Int>
void append_integer(std::string& out, Int value) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), value);
  out.append(buf, static_cast<std::size_t>(res.ptr - buf));
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#  define SWITCHBOARD_WORD_SCAN 1

// The offset of the first byte of the word `w` that needs escaping, or 8. Borrows
// can only mark bytes above a truly marked one, so the lowest mark is exact.
[[gnu::always_inline]] inline unsigned special_offset(uint64_t w) noexcept {
  auto marks = detail::json_escape_marks(w);
  return marks == 0 ? 8 : static_cast<unsigned>(__builtin_ctzll(marks) / 8);
}

// The offset of the first of the eight bytes at `s` that needs escaping, or 8.
unsigned scan_word(const unsigned char* s) noexcept {
  uint64_t w;
  std::memcpy(&w, s, 8);
  return special_offset(w);
}
#endif

// `copy_block` copies the `block_size` bytes at `s` to `d` and returns the offset of
// the first that needs escaping, or `block_size` when none does.
#if defined(__SSE2__)
#  define SWITCHBOARD_BLOCK_SCAN 1

constexpr std::ptrdiff_t block_size = 16;

[[gnu::always_inline]] inline unsigned special_offset(__m128i v) noexcept {
  auto quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
  auto backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
  auto control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v);
  auto mask = static_cast<unsigned>(
    _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control)));
  return mask == 0 ? block_size : static_cast<unsigned>(__builtin_ctz(mask));
}

unsigned scan_block(const unsigned char* s) noexcept {
  return special_offset(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s)));
}

unsigned copy_block(char* d, const unsigned char* s) noexcept {
  auto v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(d), v);
  return special_offset(v);
}

#elif defined(SWITCHBOARD_WORD_SCAN)
#  define SWITCHBOARD_BLOCK_SCAN 1

constexpr std::ptrdiff_t block_size = 8;

unsigned scan_block(const unsigned char* s) noexcept {
  return scan_word(s);
}

unsigned copy_block(char* d, const unsigned char* s) noexcept {
  std::memcpy(d, s, 8);
  return scan_word(s);
}
#endif

#if defined(__SSE2__) && defined(__x86_64__) && defined(__GNUC__)
#  define SWITCHBOARD_EXPAND_ESCAPES 1

// For each mask of the bytes among eight that take a backslash (quotes and
// backslashes): the pshufb indexes that spread the eight bytes over 8 + popcount bytes
// with a gap before each marked byte, the backslashes that fill the gaps, and the
// length. Text like an event's JSON has a quote every few bytes; this escapes eight
// bytes in a few instructions whatever their number of quotes.
struct expand_tables {
  alignas(16) unsigned char shuffle[256][16];
  alignas(16) unsigned char slashes[256][16];
  unsigned char length[256];
};

constexpr expand_tables make_expand_tables() {
  expand_tables t{};
  for (unsigned mask = 0; mask < 256; ++mask) {
    unsigned pos = 0;
    for (unsigned i = 0; i < 8; ++i) {
      if (mask & (1u << i)) {
        t.shuffle[mask][pos] = 0x80; // pshufb writes a zero there
        t.slashes[mask][pos] = '\\';
        ++pos;
      }
      t.shuffle[mask][pos++] = static_cast<unsigned char>(i);
    }
    for (unsigned j = pos; j < 16; ++j)
      t.shuffle[mask][j] = 0x80;
    t.length[mask] = static_cast<unsigned char>(pos);
  }
  return t;
}

constexpr expand_tables expand = make_expand_tables();

// x86-64 guarantees only SSE2; pshufb needs SSSE3, which the CPU is asked for once.
const bool have_ssse3 = __builtin_cpu_supports("ssse3");

// Writes the low eight bytes of `v` with a backslash before those `mask` marks (16
// bytes are stored); returns the end of what counts.
[[gnu::target("ssse3")]] inline char* expand_eight(char* d, __m128i v, unsigned mask) noexcept {
  auto spread = _mm_shuffle_epi8(
    v, _mm_load_si128(reinterpret_cast<const __m128i*>(expand.shuffle[mask])));
  auto out = _mm_or_si128(
    spread, _mm_load_si128(reinterpret_cast<const __m128i*>(expand.slashes[mask])));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(d), out);
  return d + expand.length[mask];
}

// Escapes whole 16-byte blocks from `s` while one is left, `limit` leaves room for the
// 32 bytes a block may take, and the block holds no control byte (those take longer
// escapes); returns where it stopped in the output and the input.
[[gnu::target("ssse3")]] std::pair<char*, const unsigned char*>
expand_blocks(char* d, const unsigned char* s, const unsigned char* end,
              const char* limit) noexcept {
  const auto quote = _mm_set1_epi8('"');
  const auto backslash = _mm_set1_epi8('\\');
  const auto last_control = _mm_set1_epi8(0x1F);
  while (end - s >= 16 && limit - d >= 32) {
    auto v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s));
    if (_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(v, last_control), v)) != 0)
      break;
    auto marks = static_cast<unsigned>(_mm_movemask_epi8(
      _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash))));
    if (marks == 0) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(d), v);
      d += 16;
    } else {
      d = expand_eight(d, v, marks & 0xFF);
      d = expand_eight(d, _mm_srli_si128(v, 8), marks >> 8);
    }
    s += 16;
  }
  return {d, s};
}
#endif

#if defined(SWITCHBOARD_EXPAND_ESCAPES) && (defined(__clang__) || __GNUC__ >= 11)
#  define SWITCHBOARD_WIDE_ESCAPES 1

// AVX-512 VBMI2's byte expand spreads 32 bytes over 32 + popcount bytes in one step;
// BMI2 turns the mask of marked bytes into the mask of where the bytes go.
const bool have_vbmi2 = __builtin_cpu_supports("avx512vbmi2")
                        && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("bmi2");

// As `expand_blocks`, 32 bytes a step, while `limit` leaves room for the 64 bytes a
// step stores.
[[gnu::target("avx512f,avx512bw,avx512vl,avx512vbmi2,bmi2,popcnt")]]
std::pair<char*, const unsigned char*>
expand_blocks_wide(char* d, const unsigned char* s, const unsigned char* end,
                   const char* limit) noexcept {
  const auto quote = _mm256_set1_epi8('"');
  const auto backslash = _mm256_set1_epi8('\\');
  const auto last_control = _mm256_set1_epi8(0x1F);
  const auto slashes = _mm512_set1_epi8('\\');
  // Every input byte owns two output slots, its backslash's (even) and its own (odd);
  // keeping the even slot of marked bytes only and packing the slots gives the places.
  constexpr uint64_t own_slots = 0xAAAAAAAAAAAAAAAAULL;
  constexpr uint64_t slash_slots = 0x5555555555555555ULL;
  while (end - s >= 32 && limit - d >= 64) {
    auto v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s));
    if (_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_min_epu8(v, last_control), v)) != 0)
      break;
    auto marks = static_cast<uint32_t>(_mm256_movemask_epi8(
      _mm256_or_si256(_mm256_cmpeq_epi8(v, quote), _mm256_cmpeq_epi8(v, backslash))));
    if (marks == 0) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(d), v);
      d += 32;
    } else {
      auto kept = _pdep_u64(marks, slash_slots) | own_slots;
      auto places = _pext_u64(own_slots, kept);
      auto out = _mm512_mask_expand_epi8(slashes, places, _mm512_castsi256_si512(v));
      _mm512_storeu_si512(d, out);
      d += 32 + _mm_popcnt_u32(marks);
    }
    s += 32;
  }
  return {d, s};
}
#endif

// The first byte from `s` on that needs escaping, or `end`. The last block and word
// are read overlapping what was scanned before, so short tails need no byte loop.
const unsigned char* find_special(const unsigned char* s, const unsigned char* end) noexcept {
#ifdef SWITCHBOARD_BLOCK_SCAN
  if (end - s >= block_size) {
    for (; end - s > block_size; s += block_size)
      if (auto n = scan_block(s); n != block_size)
        return s + n;
    auto* last = end - block_size;
    auto n = scan_block(last);
    return n == block_size ? end : last + n;
  }
#endif
#ifdef SWITCHBOARD_WORD_SCAN
  if (end - s >= 8) {
    if (auto n = scan_word(s); n != 8)
      return s + n;
    auto* last = end - 8;
    auto n = scan_word(last);
    return n == 8 ? end : last + n;
  }
#endif
  while (s != end && !escape_table[*s])
    ++s;
  return s;
}

// Appends `text` quoted, escaping from `special`, its first byte that needs it, the
// way `path` says. Kept out of line so the common path of `write_json_string` stays
// small.
[[gnu::noinline]] void write_escaped(std::string& out, std::string_view text,
                                     const unsigned char* special, detail::escape_path path) {
  auto* s = reinterpret_cast<const unsigned char*>(text.data());
  auto* end = s + text.size();
  // Written through a pointer into room made up front, not appended piece by piece;
  // room is checked once per step (a block and one escape), not per byte.
  auto at = out.size();
  out.resize(at + text.size() + text.size() / 4 + 64);
  char* d = out.data() + at;
  char* limit = out.data() + out.size();
  auto make_room = [&](std::size_t need) {
    if (static_cast<std::size_t>(limit - d) >= need)
      return;
    auto used = d - out.data();
    out.resize(out.size() + need + static_cast<std::size_t>(end - s) + text.size() / 4);
    d = out.data() + used;
    limit = out.data() + out.size();
  };
  *d++ = '"';
  std::memcpy(d, s, static_cast<std::size_t>(special - s));
  d += special - s;
  s = special;
#ifdef SWITCHBOARD_BLOCK_SCAN
  // A block with a control byte, and every block on the plain path, is copied whole;
  // the part before its first special byte is kept and that byte escaped.
  while (end - s >= block_size) {
    make_room(64);
#  ifdef SWITCHBOARD_WIDE_ESCAPES
    if (path == detail::escape_path::wide)
      std::tie(d, s) = expand_blocks_wide(d, s, end, limit);
#  endif
#  ifdef SWITCHBOARD_EXPAND_ESCAPES
    if (path != detail::escape_path::plain) {
      std::tie(d, s) = expand_blocks(d, s, end, limit);
      if (end - s < block_size || limit - d < 64)
        continue; // the loop's test or make_room takes it from here
    }
#  endif
    auto n = copy_block(d, s);
    s += n;
    d += n;
    if (n != block_size)
      d = write_escape(d, *s++);
  }
#endif
  make_room(static_cast<std::size_t>(end - s) * 6 + 1);
  for (; s != end; ++s) {
    if (escape_table[*s])
      d = write_escape(d, *s);
    else
      *d++ = static_cast<char>(*s);
  }
  *d++ = '"';
  out.resize(static_cast<std::size_t>(d - out.data()));
}

// The fastest way to escape this CPU offers.
const detail::escape_path best_path =
#ifdef SWITCHBOARD_WIDE_ESCAPES
  have_vbmi2 ? detail::escape_path::wide :
#endif
#ifdef SWITCHBOARD_EXPAND_ESCAPES
  have_ssse3 ? detail::escape_path::blocks :
#endif
             detail::escape_path::plain;

// Strings up to this length are quoted in a stack buffer.
constexpr std::size_t short_string = 62;

} // namespace

void write_json_integer(std::string& out, int64_t value) {
  append_integer(out, value);
}

void write_json_integer(std::string& out, uint64_t value) {
  append_integer(out, value);
}

void write_json_string(std::string& out, std::string_view text) {
  auto* s = reinterpret_cast<const unsigned char*>(text.data());
  auto* end = s + text.size();
  auto* special = text.size() <= 16 && !json_needs_escape(text) ? end : find_special(s, end);
  if (special != end) {
    write_escaped(out, text, special, best_path);
    return;
  }
  // Most strings need no escape at all, and most are short: quoted on the stack, they
  // take one append instead of three.
  auto n = text.size();
  if (n <= short_string) {
    char quoted[short_string + 2];
    out.append(quoted, static_cast<std::size_t>(write_plain_json_string_to(quoted, text) - quoted));
    return;
  }
  out.reserve(out.size() + n + 2);
  out.push_back('"');
  out.append(text);
  out.push_back('"');
}

char* write_json_string_to(char* d, std::string_view text) noexcept {
  if (!json_needs_escape(text))
    return write_plain_json_string_to(d, text);
  *d++ = '"';
  for (unsigned char c : text) {
    if (escape_table[c])
      d = write_escape(d, c);
    else
      *d++ = static_cast<char>(c);
  }
  *d++ = '"';
  return d;
}

bool detail::escape_path_available(escape_path path) noexcept {
  switch (path) {
    case escape_path::plain: return true;
#ifdef SWITCHBOARD_EXPAND_ESCAPES
    case escape_path::blocks: return have_ssse3;
#endif
#ifdef SWITCHBOARD_WIDE_ESCAPES
    case escape_path::wide: return have_vbmi2;
#endif
    default: return false;
  }
}

void detail::write_json_string_by(std::string& out, std::string_view text, escape_path path) {
  auto* s = reinterpret_cast<const unsigned char*>(text.data());
  auto* special = find_special(s, s + text.size());
  if (special == s + text.size() || !escape_path_available(path)) {
    write_json_string(out, text);
    return;
  }
  write_escaped(out, text, special, path);
}

bool detail::json_needs_escape_scan(std::string_view text) noexcept {
  auto* s = reinterpret_cast<const unsigned char*>(text.data());
  return find_special(s, s + text.size()) != s + text.size();
}

char* write_json_double_to(char* d, double value) noexcept {
  if (!std::isfinite(value)) {
    // JSON has no NaN or infinity; null is what JSON.stringify writes too.
    std::memcpy(d, "null", 4);
    return d + 4;
  }
  auto* begin = d;
  d = std::to_chars(d, d + json_double_room, value).ptr;
  if (std::string_view{begin, static_cast<std::size_t>(d - begin)}.find_first_of(".e")
      == std::string_view::npos) {
    std::memcpy(d, ".0", 2);
    d += 2;
  }
  return d;
}

void write_json_double(std::string& out, double value) {
  char buf[json_double_room];
  out.append(buf, static_cast<std::size_t>(write_json_double_to(buf, value) - buf));
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
      write_json_integer(out, value.get_int64().value_unsafe());
      break;
    case element_type::UINT64:
      write_json_integer(out, value.get_uint64().value_unsafe());
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
      write_json_integer(out, value.get_int64());
      break;
    case boost::json::kind::uint64:
      write_json_integer(out, value.get_uint64());
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

boost::json::value to_tree(simdjson::dom::element value, boost::json::storage_ptr sp) {
  using simdjson::dom::element_type;
  // Children share the parent's storage, so emplacing them moves instead of copying.
  switch (value.type()) {
    case element_type::OBJECT: {
      auto obj = value.get_object().value_unsafe();
      boost::json::object result(sp);
      result.reserve(obj.size());
      for (auto field : obj)
        result.emplace(field.key, to_tree(field.value, sp));
      return result;
    }
    case element_type::ARRAY: {
      auto arr = value.get_array().value_unsafe();
      boost::json::array result(sp);
      result.reserve(arr.size());
      for (auto item : arr)
        result.push_back(to_tree(item, sp));
      return result;
    }
    case element_type::STRING: {
      auto s = value.get_string().value_unsafe();
      return boost::json::string(s, sp);
    }
    case element_type::INT64:
      return boost::json::value(value.get_int64().value_unsafe(), sp);
    case element_type::UINT64:
      return boost::json::value(value.get_uint64().value_unsafe(), sp);
    case element_type::DOUBLE:
      return boost::json::value(value.get_double().value_unsafe(), sp);
    case element_type::BOOL:
      return boost::json::value(value.get_bool().value_unsafe(), sp);
    case element_type::NULL_VALUE:
      break;
  }
  return boost::json::value(nullptr, sp);
}

} // namespace switchboard
