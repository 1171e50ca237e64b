// The link_errc error category and link_error.
#include "comframe/transport/link_error.hpp"

namespace comframe::transport {

std::string_view to_string(link_errc kind) noexcept {
  switch (kind) {
    case link_errc::bad_url: return "bad_url";
    case link_errc::open_failed: return "open_failed";
    case link_errc::link_lost: return "link_lost";
    case link_errc::io_error: return "io_error";
    case link_errc::timeout: return "timeout";
    case link_errc::not_found: return "not_found";
  }
  return "unknown";
}

namespace {

class link_category_impl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "comframe.transport"; }

  std::string message(int value) const override {
    switch (static_cast<link_errc>(value)) {
      case link_errc::bad_url: return "bad link URL";
      case link_errc::open_failed: return "cannot open link";
      case link_errc::link_lost: return "link lost";
      case link_errc::io_error: return "link I/O error";
      case link_errc::timeout: return "timed out";
      case link_errc::not_found: return "no such port";
    }
    return "unknown link error " + std::to_string(value);
  }
};

}  // namespace

const boost::system::error_category& link_category() noexcept {
  static const link_category_impl category;
  return category;
}

boost::system::error_code make_error_code(link_errc e) noexcept {
  return {static_cast<int>(e), link_category()};
}

link_error::link_error(link_errc kind, const std::string& message)
    : comframe::error("transport." + std::string(to_string(kind)), message), kind_(kind) {}

}  // namespace comframe::transport
