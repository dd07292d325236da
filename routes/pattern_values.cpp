#include "routes/pattern_values.hpp"

#include <cmath>
#include <cstring>

#include "events/json_members.hpp"

namespace switchboard::pattern_values {

// -- numbers ------------------------------------------------------------------

namespace {

bool to_micros(double d, int64_t& micros) noexcept {
  if (!std::isfinite(d) || std::fabs(d) > comparable_limit)
    return false;
  // long double keeps the product exact enough to find the nearest integer.
  auto m = static_cast<int64_t>(std::llroundl(static_cast<long double>(d) * 1e6L));
  // A decimal with at most six places parses to the double nearest m / 10^6.
  if (static_cast<double>(m) / 1e6 != d)
    return false;
  micros = m;
  return true;
}

} // namespace

std::optional<json_number> json_number::from(simdjson::dom::element value) noexcept {
  json_number n;
  switch (value.type()) {
    case simdjson::dom::element_type::INT64: {
      n.type = kind::int64;
      n.i = value.get_int64().value_unsafe();
      constexpr int64_t limit = 5000000000;
      if (n.i >= -limit && n.i <= limit) {
        n.comparable = true;
        n.micros = n.i * 1000000;
      }
      return n;
    }
    case simdjson::dom::element_type::UINT64:
      n.type = kind::uint64;
      n.u = value.get_uint64().value_unsafe();
      return n;
    case simdjson::dom::element_type::DOUBLE:
      n.type = kind::dbl;
      n.d = value.get_double().value_unsafe();
      n.comparable = to_micros(n.d, n.micros);
      return n;
    default:
      return std::nullopt;
  }
}

bool same_number(const json_number& x, const json_number& y) noexcept {
  if (x.comparable || y.comparable)
    return x.comparable && y.comparable && x.micros == y.micros;
  if (x.type != y.type)
    return false;
  switch (x.type) {
    case json_number::kind::int64:
      return x.i == y.i;
    case json_number::kind::uint64:
      return x.u == y.u;
    default:
      return x.d == y.d;
  }
}

// -- IP addresses -----------------------------------------------------------

namespace {

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

std::optional<ip_address> parse_v4(std::string_view text) noexcept {
  ip_address ip;
  std::size_t part = 0;
  std::size_t pos = 0;
  while (part < 4) {
    std::size_t start = pos;
    unsigned value = 0;
    while (pos < text.size() && is_digit(text[pos])) {
      value = value * 10 + static_cast<unsigned>(text[pos] - '0');
      if (value > 255)
        return std::nullopt;
      ++pos;
    }
    if (pos == start)
      return std::nullopt;
    ip.bytes[part++] = static_cast<uint8_t>(value);
    if (part < 4) {
      if (pos >= text.size() || text[pos] != '.')
        return std::nullopt;
      ++pos;
    }
  }
  if (pos != text.size())
    return std::nullopt;
  return ip;
}

std::optional<ip_address> parse_v6(std::string_view text) noexcept {
  uint16_t groups[8] = {};
  std::size_t count = 0;
  int gap = -1; // index in groups where `::` stands
  std::size_t pos = 0;
  if (text.size() >= 2 && text[0] == ':' && text[1] == ':') {
    gap = 0;
    pos = 2;
  } else if (!text.empty() && text[0] == ':') {
    return std::nullopt;
  }
  while (pos < text.size()) {
    if (count == 8)
      return std::nullopt;
    unsigned value = 0;
    std::size_t digits = 0;
    while (pos < text.size() && hex_digit(text[pos]) >= 0) {
      if (++digits > 4)
        return std::nullopt;
      value = value * 16 + static_cast<unsigned>(hex_digit(text[pos]));
      ++pos;
    }
    if (digits == 0)
      return std::nullopt;
    groups[count++] = static_cast<uint16_t>(value);
    if (pos == text.size())
      break;
    if (text[pos] != ':')
      return std::nullopt;
    ++pos;
    if (pos < text.size() && text[pos] == ':') {
      if (gap >= 0)
        return std::nullopt;
      gap = static_cast<int>(count);
      ++pos;
    } else if (pos == text.size()) {
      return std::nullopt; // a single trailing colon
    }
  }
  if (gap < 0 && count != 8)
    return std::nullopt;
  if (gap >= 0 && count > 7)
    return std::nullopt;
  ip_address ip;
  ip.v6 = true;
  std::size_t tail = gap < 0 ? 0 : count - static_cast<std::size_t>(gap);
  for (std::size_t g = 0; g < count; ++g) {
    std::size_t slot = g;
    if (gap >= 0 && g >= static_cast<std::size_t>(gap))
      slot = 8 - tail + (g - static_cast<std::size_t>(gap));
    ip.bytes[slot * 2] = static_cast<uint8_t>(groups[g] >> 8);
    ip.bytes[slot * 2 + 1] = static_cast<uint8_t>(groups[g] & 0xFF);
  }
  // IPv4-mapped addresses (::ffff:a.b.c.d) are IPv4 addresses.
  static constexpr uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
  if (std::memcmp(ip.bytes, mapped, 12) == 0) {
    ip_address v4;
    std::memcpy(v4.bytes, ip.bytes + 12, 4);
    return v4;
  }
  return ip;
}

} // namespace

std::optional<ip_address> parse_ip(std::string_view text) noexcept {
  if (text.empty())
    return std::nullopt;
  if (text.find(':') != std::string_view::npos)
    return parse_v6(text);
  return parse_v4(text);
}

bool ip_range::contains(const ip_address& ip) const noexcept {
  if (ip.v6 != low.v6)
    return false;
  auto n = ip.size();
  return std::memcmp(ip.bytes, low.bytes, n) >= 0 && std::memcmp(ip.bytes, high.bytes, n) <= 0;
}

ip_range single_address(const ip_address& ip) noexcept {
  return ip_range{ip, ip};
}

std::optional<ip_range> parse_cidr(std::string_view text, std::string& why) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos || slash + 1 == text.size()
      || text.find('/', slash + 1) != std::string_view::npos) {
    why = "malformed CIDR '" + std::string{text} + "', one '/' required";
    return std::nullopt;
  }
  auto bits_text = text.substr(slash + 1);
  bool negative = false;
  std::size_t pos = 0;
  if (bits_text[0] == '-' || bits_text[0] == '+') {
    negative = bits_text[0] == '-';
    pos = 1;
  }
  long bits = 0;
  if (pos == bits_text.size()) {
    why = "malformed CIDR '" + std::string{text} + "', mask bits must be an integer";
    return std::nullopt;
  }
  for (; pos < bits_text.size(); ++pos) {
    if (!is_digit(bits_text[pos])) {
      why = "malformed CIDR '" + std::string{text} + "', mask bits must be an integer";
      return std::nullopt;
    }
    if (bits < 100000)
      bits = bits * 10 + (bits_text[pos] - '0');
  }
  if (negative && bits != 0) {
    why = "malformed CIDR '" + std::string{text} + "', mask bits must not be negative";
    return std::nullopt;
  }
  auto ip = parse_ip(text.substr(0, slash));
  if (!ip) {
    why = "'" + std::string{text.substr(0, slash)} + "' is not an IP address";
    return std::nullopt;
  }
  std::size_t width = ip->size() * 8;
  if (static_cast<std::size_t>(bits) >= width) {
    why = ip->v6 ? "IPv6 mask bits must be < 128" : "IPv4 mask bits must be < 32";
    return std::nullopt;
  }
  ip_range range{*ip, *ip};
  for (std::size_t bit = static_cast<std::size_t>(bits); bit < width; ++bit) {
    auto mask = static_cast<uint8_t>(0x80u >> (bit % 8));
    range.low.bytes[bit / 8] &= static_cast<uint8_t>(~mask);
    range.high.bytes[bit / 8] |= mask;
  }
  return range;
}

// -- wildcards ----------------------------------------------------------------

std::optional<wildcard> parse_wildcard(std::string_view text, std::string& why) {
  wildcard result;
  std::string current;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '*') {
      if (i + 1 < text.size() && text[i + 1] == '*') {
        why = "consecutive wildcard characters at position " + std::to_string(i);
        return std::nullopt;
      }
      result.segments.push_back(std::move(current));
      current.clear();
    } else if (c == '\\') {
      if (i + 1 < text.size() && (text[i + 1] == '*' || text[i + 1] == '\\')) {
        current += text[++i];
      } else {
        why = "invalid escape character at position " + std::to_string(i)
              + " (only \\* and \\\\ are allowed)";
        return std::nullopt;
      }
    } else {
      current += c;
    }
  }
  result.segments.push_back(std::move(current));
  result.leading_star = result.segments.size() > 1 && result.segments.front().empty();
  result.trailing_star = result.segments.size() > 1 && result.segments.back().empty();
  return result;
}

bool wildcard::matches(std::string_view text) const noexcept {
  if (segments.size() == 1)
    return text == segments.front();
  const auto& first = segments.front();
  const auto& last = segments.back();
  if (text.size() < first.size() + last.size())
    return false;
  if (text.compare(0, first.size(), first) != 0)
    return false;
  if (text.compare(text.size() - last.size(), last.size(), last) != 0)
    return false;
  // Leftmost placement of each middle segment is optimal with only `*`.
  std::size_t pos = first.size();
  std::size_t end = text.size() - last.size();
  for (std::size_t s = 1; s + 1 < segments.size(); ++s) {
    const auto& seg = segments[s];
    if (seg.empty())
      continue;
    auto found = text.substr(0, end).find(seg, pos);
    if (found == std::string_view::npos)
      return false;
    pos = found + seg.size();
  }
  return true;
}

// -- case folding -------------------------------------------------------------

namespace {

// Upper and lower case alternate in these blocks: the even (or odd) code point is
// the capital and the next one its small letter.
struct alternating_block {
  char32_t first;
  char32_t last;
};

constexpr alternating_block even_upper[] = {
  {0x0100, 0x012F}, {0x0132, 0x0137}, {0x014A, 0x0177}, {0x0182, 0x0185},
  {0x01A0, 0x01A5}, {0x01DE, 0x01EF}, {0x01F8, 0x021F}, {0x0222, 0x0233},
  {0x0246, 0x024F}, {0x0370, 0x0373}, {0x03D8, 0x03EF}, {0x0460, 0x0481},
  {0x048A, 0x04BF}, {0x04D0, 0x052F}, {0x1E00, 0x1E95}, {0x1EA0, 0x1EFF},
  {0x2C80, 0x2CE3}, {0xA640, 0xA66D}, {0xA680, 0xA69B},
};

constexpr alternating_block odd_upper[] = {
  {0x0139, 0x0148}, {0x0179, 0x017E}, {0x01B3, 0x01B6}, {0x01CD, 0x01DC},
  {0x04C1, 0x04CE},
};

struct single_mapping {
  char32_t from;
  char32_t to;
};

// Irregular simple folds in the covered scripts.
constexpr single_mapping singles[] = {
  {0x00B5, 0x03BC}, {0x0178, 0x00FF}, {0x017F, 0x0073}, {0x0181, 0x0253},
  {0x0186, 0x0254}, {0x0187, 0x0188}, {0x0189, 0x0256}, {0x018A, 0x0257},
  {0x018B, 0x018C}, {0x018E, 0x01DD}, {0x018F, 0x0259}, {0x0190, 0x025B},
  {0x0191, 0x0192}, {0x0193, 0x0260}, {0x0194, 0x0263}, {0x0196, 0x0269},
  {0x0197, 0x0268}, {0x0198, 0x0199}, {0x019C, 0x026F}, {0x019D, 0x0272},
  {0x019F, 0x0275}, {0x01A6, 0x0280}, {0x01A7, 0x01A8}, {0x01A9, 0x0283},
  {0x01AC, 0x01AD}, {0x01AE, 0x0288}, {0x01AF, 0x01B0}, {0x01B1, 0x028A},
  {0x01B2, 0x028B}, {0x01B7, 0x0292}, {0x01B8, 0x01B9}, {0x01BC, 0x01BD},
  {0x01C4, 0x01C6}, {0x01C5, 0x01C6}, {0x01C7, 0x01C9}, {0x01C8, 0x01C9},
  {0x01CA, 0x01CC}, {0x01CB, 0x01CC}, {0x01F1, 0x01F3}, {0x01F2, 0x01F3},
  {0x01F4, 0x01F5}, {0x01F6, 0x0195}, {0x01F7, 0x01BF}, {0x0220, 0x019E},
  {0x023A, 0x2C65}, {0x023B, 0x023C}, {0x023D, 0x019A}, {0x023E, 0x2C66},
  {0x0241, 0x0242}, {0x0243, 0x0180}, {0x0244, 0x0289}, {0x0245, 0x028C},
  {0x0345, 0x03B9}, {0x0376, 0x0377}, {0x037F, 0x03F3}, {0x0386, 0x03AC},
  {0x038C, 0x03CC}, {0x038E, 0x03CD}, {0x038F, 0x03CE}, {0x03C2, 0x03C3},
  {0x03CF, 0x03D7}, {0x03D0, 0x03B2}, {0x03D1, 0x03B8}, {0x03D5, 0x03C6},
  {0x03D6, 0x03C0}, {0x03F0, 0x03BA}, {0x03F1, 0x03C1}, {0x03F4, 0x03B8},
  {0x03F5, 0x03B5}, {0x03F7, 0x03F8}, {0x03F9, 0x03F2}, {0x03FA, 0x03FB},
  {0x04C0, 0x04CF}, {0x1E9B, 0x1E61}, {0x1E9E, 0x00DF}, {0x2126, 0x03C9},
  {0x212A, 0x006B}, {0x212B, 0x00E5},
};

bool in_block(const alternating_block* blocks, std::size_t n, char32_t cp, bool even) {
  for (std::size_t i = 0; i < n; ++i)
    if (cp >= blocks[i].first && cp <= blocks[i].last)
      return ((cp & 1) == 0) == even;
  return false;
}

} // namespace

char32_t fold_code_point(char32_t cp) noexcept {
  if (cp < 0x80)
    return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
    return cp + 32;
  if (cp >= 0x0391 && cp <= 0x03AB && cp != 0x03A2)
    return cp + 32;
  if (cp >= 0x0388 && cp <= 0x038A)
    return cp + 37;
  if (cp >= 0x0410 && cp <= 0x042F)
    return cp + 32;
  if (cp >= 0x0400 && cp <= 0x040F)
    return cp + 80;
  if (cp >= 0x0531 && cp <= 0x0556)
    return cp + 48;
  if (cp >= 0xFF21 && cp <= 0xFF3A)
    return cp + 32;
  if (cp >= 0x03FD && cp <= 0x03FF)
    return cp - 130;
  if (in_block(even_upper, std::size(even_upper), cp, true))
    return cp + 1;
  if (in_block(odd_upper, std::size(odd_upper), cp, false))
    return cp + 1;
  for (const auto& m : singles)
    if (m.from == cp)
      return m.to;
  return cp;
}

namespace {

void append_utf8(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

} // namespace

void case_fold(std::string_view text, std::string& out) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
      ++i;
      continue;
    }
    // simdjson validated the UTF-8; still guard against truncated sequences.
    std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (len == 1 || i + len > text.size()) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    char32_t cp = len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t k = 1; k < len; ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    auto folded = fold_code_point(cp);
    if (folded == cp)
      out.append(text.data() + i, len);
    else
      append_utf8(folded, out);
    i += len;
  }
}

} // namespace switchboard::pattern_values
