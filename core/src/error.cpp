#include "comframe/core/codec.hpp"
#include "comframe/core/error.hpp"
#include "comframe/core/json_text.hpp"

namespace comframe {

// The one place a comframe error's message is composed: "[id] file: path at byte N: detail".
std::string error::format(const std::string& id, const std::string& detail, const error_location& where) {
  std::string m = "[" + id + "] ";
  // File and path come from outside: shown on one line, escaped, cut far past any real length.
  if (!where.file.empty()) m += core::printable_text(where.file, 4096);
  if (!where.file.empty() && !where.path.empty()) m += ": ";
  if (!where.path.empty()) m += core::printable_text(where.path, 4096);
  const bool named = !where.file.empty() || !where.path.empty();
  if (where.offset) m += (named ? " at byte " : "at byte ") + std::to_string(*where.offset);
  if (named || where.offset) m += ": ";
  return m + detail;
}

error::error() : std::runtime_error("") {}

error::error(std::string id, std::string detail) : error(std::move(id), std::move(detail), error_location{}) {}

error::error(std::string id, std::string detail, error_location where)
    : std::runtime_error(format(id, detail, where)),
      id_(std::move(id)),
      detail_(std::move(detail)),
      where_(std::move(where)) {}

void error::set_path(std::string path) {
  where_.path = std::move(path);
  std::runtime_error::operator=(std::runtime_error(format(id_, detail_, where_)));
}

void error::set_mismatch(std::string expected, std::string found) {
  expected_ = std::move(expected);
  found_ = std::move(found);
}

usage_error::usage_error(std::string_view scope, std::string detail)
    : error(std::string(scope) + ".usage", std::move(detail)) {}

}  // namespace comframe

namespace comframe::core {

std::string_view to_string(errc kind) noexcept {
  switch (kind) {
    case errc::definition: return "definition";
    case errc::schema_syntax: return "schema_syntax";
    case errc::unknown_type: return "unknown_type";
    case errc::size: return "size";
    case errc::invalid_bytes: return "invalid_bytes";
    case errc::json_type: return "json_type";
    case errc::json_range: return "json_range";
    case errc::json_key: return "json_key";
    case errc::json_length: return "json_length";
    case errc::limit: return "limit";
    case errc::json_syntax: return "json_syntax";
  }
  return "unknown";
}

codec_error::codec_error(errc kind, std::string detail, std::string path, std::optional<std::size_t> offset)
    : comframe::error("core." + std::string(to_string(kind)), std::move(detail), {{}, std::move(path), offset}),
      kind_(kind) {}

codec_error&& codec_error::mismatch(std::string expected, std::string found) && {
  set_mismatch(std::move(expected), std::move(found));
  return std::move(*this);
}

void codec_error::prepend_field(std::string_view name) {
  const std::string& p = path();
  if (p.empty() || p.front() == '[') set_path(std::string(name) + p);
  else set_path(std::string(name) + "." + p);
}

void codec_error::prepend_index(std::size_t index) {
  const std::string& p = path();
  std::string idx = "[" + std::to_string(index) + "]";
  if (p.empty() || p.front() == '[') set_path(idx + p);
  else set_path(idx + "." + p);
}

namespace detail {

std::string count_of(std::size_t n, std::string_view unit) {
  std::string out = std::to_string(n) + " " + std::string(unit);
  if (n != 1) out += 's';
  return out;
}

std::size_t check_size(std::size_t n, bool dynamic, std::size_t min_size, std::size_t tail_element_size,
                       std::string_view tail_path, std::string_view tail_element_type) {
  // The offset is where the input ends (too short) or where the value ends (too long).
  if (!dynamic) {
    if (n < min_size)
      throw codec_error(errc::size,
                        "the input ends, but the value takes exactly " + count_of(min_size, "byte") + " (" +
                            std::to_string(n) + " given)",
                        {}, n)
          .mismatch("exactly " + count_of(min_size, "byte"), count_of(n, "byte"));
    if (n > min_size)
      throw codec_error(errc::size,
                        "the value ends, but " + count_of(n, "byte") + " were given (it takes exactly " +
                            count_of(min_size, "byte") + ")",
                        {}, min_size)
          .mismatch("exactly " + count_of(min_size, "byte"), count_of(n, "byte"));
    return 0;
  }
  if (n < min_size)
    throw codec_error(errc::size,
                      "the input ends, but the value takes at least " + count_of(min_size, "byte") + " (" +
                          std::to_string(n) + " given)",
                      {}, n)
        .mismatch("at least " + count_of(min_size, "byte"), count_of(n, "byte"));
  const std::size_t left = n - min_size;
  if (left % tail_element_size != 0)
    throw codec_error(errc::size,
                      count_of(left, "byte") + " left, but a dynamic tail of " + std::string(tail_element_type) +
                          " needs a multiple of " + std::to_string(tail_element_size),
                      std::string(tail_path), min_size)
        .mismatch("a multiple of " + count_of(tail_element_size, "byte"), count_of(left, "byte"));
  return left / tail_element_size;
}

void throw_invalid_bool(std::size_t offset, unsigned value) {
  throw codec_error(errc::invalid_bytes, "a bool must be 0 or 1, found " + std::to_string(value), {}, offset)
      .mismatch("0 or 1", std::to_string(value));
}

void throw_buffer_too_small(std::size_t have, std::size_t need) {
  throw usage_error("core", "the output buffer holds " + count_of(have, "byte") + ", but the value needs " +
                               std::to_string(need) + " (size it with current_size())");
}

void throw_json_length(std::size_t want, std::size_t got) {
  throw codec_error(errc::json_length, "expected " + std::to_string(want) + " elements, got " + std::to_string(got))
      .mismatch(count_of(want, "element"), count_of(got, "element"));
}

void throw_input_ends(std::size_t need, std::size_t offset, std::size_t left) {
  throw codec_error(errc::size,
                    "the input ends, but the value needs " + count_of(need, "byte") + " from byte " +
                        std::to_string(offset) + " (" + std::to_string(left) + " left)",
                    {}, offset + left)
      .mismatch("at least " + count_of(need, "byte"), count_of(left, "byte"));
}

void throw_count_splits(std::uint64_t count, std::size_t each, const std::string& element, std::size_t offset) {
  throw codec_error(errc::size,
                    "its count is " + count_of(count, "byte") + ", which is no whole number of " + element + " (" +
                        count_of(each, "byte") + " each)",
                    {}, offset)
      .mismatch("a multiple of " + count_of(each, "byte"), count_of(count, "byte"));
}

void throw_count_exceeds(std::uint64_t n, std::size_t each, const std::string& element, std::size_t left,
                         std::size_t offset) {
  const bool blob = element.empty();
  // n * each cannot overflow: n is a 64-bit count only when each is 1 (text, bytes), and element sizes are
  // at most limits::max_fixed_size; the message names the product only for elements.
  const std::string need = blob ? count_of(n, "byte") : count_of(n * each, "byte");
  throw codec_error(errc::size,
                    "its count says " + (blob ? need : count_of(n, "element") + " (" + need + ")") +
                        ", but the input has " + count_of(left, "byte") + " left from byte " + std::to_string(offset),
                    {}, offset)
      .mismatch(need, count_of(left, "byte"));
}

void throw_value_ends(std::size_t given, std::size_t used) {
  throw codec_error(errc::size,
                    "the value ends, but " + count_of(given, "byte") + " were given (its counts make it " +
                        count_of(used, "byte") + ")",
                    {}, used)
      .mismatch(count_of(used, "byte"), count_of(given, "byte"));
}

void throw_count_overflow(const std::string& counted, std::uint64_t n, bool bytes, const std::string& count_type,
                          unsigned bits) {
  const std::uint64_t most = bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
  throw codec_error(errc::json_range, "\"" + counted + "\" has " + count_of(n, bytes ? "byte" : "element") +
                                          ", more than " + count_type + " can count (" + std::to_string(most) + ")")
      .mismatch("at most " + std::to_string(most), std::to_string(n));
}

void throw_count_mismatch(const std::string& counted, std::uint64_t given, std::uint64_t n, bool bytes) {
  throw codec_error(errc::json_range, "is " + std::to_string(given) + ", but \"" + counted + "\" has " +
                                          count_of(n, bytes ? "byte" : "element") +
                                          " (leave the count out to have it written)")
      .mismatch(std::to_string(n), std::to_string(given));
}

}  // namespace detail
}  // namespace comframe::core
