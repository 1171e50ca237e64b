#include "comframe/core/codec.hpp"
#include "comframe/core/error.hpp"

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
    case errc::buffer: return "buffer";
    case errc::json_syntax: return "json_syntax";
  }
  return "unknown";
}

codec_error::codec_error(errc kind, std::string detail, std::string path, std::optional<std::size_t> offset)
    : comframe::error("core." + std::string(to_string(kind)), detail),
      kind_(kind),
      detail_(std::move(detail)),
      path_(std::move(path)),
      offset_(offset) {
  compose();
}

void codec_error::compose() {
  message_ = "[" + id() + "] ";
  if (!path_.empty()) message_ += path_;
  if (offset_) message_ += (path_.empty() ? "at byte " : " at byte ") + std::to_string(*offset_);
  if (!path_.empty() || offset_) message_ += ": ";
  message_ += detail_;
}

void codec_error::prepend_field(std::string_view name) {
  if (path_.empty() || path_.front() == '[') path_ = std::string(name) + path_;
  else path_ = std::string(name) + "." + path_;
  compose();
}

void codec_error::prepend_index(std::size_t index) {
  std::string idx = "[" + std::to_string(index) + "]";
  if (path_.empty() || path_.front() == '[') path_ = idx + path_;
  else path_ = idx + "." + path_;
  compose();
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
                        {}, n);
    if (n > min_size)
      throw codec_error(errc::size,
                        "the value ends, but " + count_of(n, "byte") + " were given (it takes exactly " +
                            count_of(min_size, "byte") + ")",
                        {}, min_size);
    return 0;
  }
  if (n < min_size)
    throw codec_error(errc::size,
                      "the input ends, but the value takes at least " + count_of(min_size, "byte") + " (" +
                          std::to_string(n) + " given)",
                      {}, n);
  const std::size_t left = n - min_size;
  if (left % tail_element_size != 0)
    throw codec_error(errc::size,
                      count_of(left, "byte") + " left, but a dynamic tail of " + std::string(tail_element_type) +
                          " needs a multiple of " + std::to_string(tail_element_size),
                      std::string(tail_path), min_size);
  return left / tail_element_size;
}

void throw_invalid_bool(std::size_t offset, unsigned value) {
  throw codec_error(errc::invalid_bytes, "a bool must be 0 or 1, found " + std::to_string(value), {}, offset);
}

void throw_buffer_too_small(std::size_t have, std::size_t need) {
  throw codec_error(errc::buffer, "the output buffer holds " + count_of(have, "byte") + ", but the value needs " +
                                      std::to_string(need));
}

}  // namespace detail
}  // namespace comframe::core
