#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

namespace switchboard::pattern_values {

/// A JSON number as parsed, plus its comparable form when it has one.
///
/// Like event-ruler, numbers between -5e9 and 5e9 with at most six decimals are
/// comparable: they compare by value in millionths (5, 5.0 and 5e0 are equal).
/// Other numbers compare only with numbers of the same JSON kind and value.
struct json_number {
  /// How simdjson stored the number.
  enum class kind : uint8_t { int64, uint64, dbl };

  kind type = kind::int64;
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0;
  /// True when the number is in the comparable range and precision.
  bool comparable = false;
  /// The value times one million, when comparable.
  int64_t micros = 0;

  /// Reads a number element; nullopt when the element is not a number.
  static std::optional<json_number> from(simdjson::dom::element value) noexcept;
};

/// Equality as event patterns define it for exact number values.
bool same_number(const json_number& x, const json_number& y) noexcept;

/// The largest absolute value a comparable number can have.
inline constexpr double comparable_limit = 5e9;

/// An IPv4 or IPv6 address as 4 or 16 bytes.
struct ip_address {
  bool v6 = false;
  uint8_t bytes[16] = {};

  /// Number of significant bytes (4 or 16).
  std::size_t size() const noexcept {
    return v6 ? 16 : 4;
  }
};

/// Parses an IP address literal as event-ruler recognizes one (dotted IPv4, or
/// hexadecimal IPv6 with `::`); IPv4-mapped IPv6 addresses become IPv4.
std::optional<ip_address> parse_ip(std::string_view text) noexcept;

/// An inclusive range of addresses of one family.
struct ip_range {
  ip_address low;
  ip_address high;

  /// True when `ip` is of the same family and inside the range.
  bool contains(const ip_address& ip) const noexcept;
};

/// Parses `ADDRESS/BITS`; on failure returns nullopt and sets `why`.
std::optional<ip_range> parse_cidr(std::string_view text, std::string& why);

/// A range containing exactly one address.
ip_range single_address(const ip_address& ip) noexcept;

/// A compiled wildcard: literal segments separated by `*`.
struct wildcard {
  /// The literal text between stars, escapes resolved.
  std::vector<std::string> segments;
  /// True when the pattern starts with `*`.
  bool leading_star = false;
  /// True when the pattern ends with `*`.
  bool trailing_star = false;

  /// True when `text` matches the whole pattern.
  bool matches(std::string_view text) const noexcept;

  /// The literal every matching string starts with.
  std::string_view lead() const noexcept {
    return leading_star || segments.empty() ? std::string_view{} : segments.front();
  }
};

/// Compiles a wildcard (`*` any run, `\*` a star, `\\` a backslash); on failure
/// returns nullopt and sets `why` (consecutive stars, bad escapes).
std::optional<wildcard> parse_wildcard(std::string_view text, std::string& why);

/// Appends the simple Unicode case fold of UTF-8 `text` to `out`.
///
/// Covers ASCII, Latin-1, Latin Extended-A/B, Latin Extended Additional, Greek,
/// Cyrillic (with Supplement), Armenian and fullwidth Latin letters.
void case_fold(std::string_view text, std::string& out);

/// The simple case fold of one code point.
char32_t fold_code_point(char32_t cp) noexcept;

} // namespace switchboard::pattern_values
