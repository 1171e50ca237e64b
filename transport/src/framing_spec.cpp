#include "comframe/transport/framing_spec.hpp"

#include <utility>

namespace comframe::transport {

// Only the default framing is implemented so far: parse_framing_spec accepts
// {"delimiting": {"kind": "cobs"}} and nothing else; make_framing makes comframe's.

std::string_view to_string(header_role r) noexcept {
  switch (r) {
    case header_role::command: return "command";
    case header_role::sequence: return "sequence";
    case header_role::kind: return "kind";
    case header_role::length: return "length";
    case header_role::address: return "address";
  }
  return "unknown";
}

framing_spec_error::framing_spec_error(std::string path, std::string detail)
    : comframe::error("transport.framing", std::move(detail), {{}, std::move(path), std::nullopt}) {}

bool framing_spec::is_default() const noexcept { return *this == framing_spec{}; }

std::size_t framing_spec::check_size() const noexcept {
  switch (check) {
    case check_kind::none: return 0;
    case check_kind::crc: return crc.width / 8;
    case check_kind::sum8:
    case check_kind::xor8: return 1;
  }
  return 0;
}

const header_field* framing_spec::field(header_role r) const noexcept {
  for (const auto& f : fields)
    if (f.role == r) return &f;
  return nullptr;
}

nlohmann::json framing_spec::to_json() const { return {{"delimiting", {{"kind", "cobs"}}}}; }

framing_traits framing_spec::traits() const { return framing_traits{}; }

std::optional<crc_parameters> named_crc(std::string_view) { return std::nullopt; }

framing_spec parse_framing_spec(const nlohmann::json& section, const std::string& path) {
  if (section == nlohmann::json{{"delimiting", {{"kind", "cobs"}}}}) return {};
  throw framing_spec_error(path, "framings other than comframe's are not implemented yet");
}

std::unique_ptr<framing> make_framing(const framing_spec& spec, const framing_params& params) {
  if (!spec.is_default()) throw usage_error("transport", "make_framing: only the default framing is implemented yet");
  return make_comframe_framing(params);
}

framing_factory framing_factory_for(std::shared_ptr<const framing_spec> spec) {
  return [spec = std::move(spec)](const framing_params& p) { return make_framing(*spec, p); };
}

}  // namespace comframe::transport
