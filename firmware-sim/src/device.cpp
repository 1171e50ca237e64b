#include "comframe/firmware_sim/device.hpp"

#include "comframe/core/dynamic_codec.hpp"

namespace comframe::firmware_sim {

device::device(devices::profile p)
    : profile_(std::move(p)), profile_text_(profile_.to_json().dump()), profile_hash_(profile_.hash()) {}

void device::on_raw(std::uint16_t command, raw_handler handler) { handlers_[command] = std::move(handler); }

void device::on_json(std::string_view command, json_handler handler) {
  const devices::command_info* c = profile_.find_command(command);
  if (!c) throw comframe::error("firmware_sim.profile", "the profile has no command \"" + std::string(command) + "\"");
  const core::endian order = profile_.payload_endian();
  on_raw(c->id, [handler = std::move(handler), request = c->request, response = c->response,
                 order](std::span<const std::uint8_t> in) {
    return core::encode(response, handler(core::decode(request, in, order)), order);
  });
}

reply device::error_reply(std::uint16_t code, const std::string& message) const {
  return {transport::frame_kind::error,
          core::encode(devices::error_payload{code, {message.begin(), message.end()}}, devices::builtin_endian), code,
          message};
}

// Little-endian whatever the profile says: a host reads it before it knows the
// profile's byte order. max_bytes is clamped to what one reply can carry; an
// offset at or past the end gets an empty chunk with the hash and the total.
reply device::describe(std::span<const std::uint8_t> payload) const {
  const auto req = core::decode<devices::builtin::describe_request>(payload, devices::builtin_endian);
  devices::builtin::describe_response r;
  r.hash = profile_hash_;
  r.total = static_cast<std::uint32_t>(profile_text_.size());
  if (req.offset < profile_text_.size()) {
    const std::size_t largest = devices::builtin::max_describe_chunk(transport::default_max_payload_size);
    const std::size_t n = std::min({std::size_t{req.max_bytes}, largest, profile_text_.size() - req.offset});
    r.chunk.assign(profile_text_.begin() + req.offset, profile_text_.begin() + req.offset + n);
  }
  return {transport::frame_kind::response, core::encode(r, devices::builtin_endian), 0, {}};
}

std::optional<reply> device::handle(const transport::frame_header& header, std::span<const std::uint8_t> payload) const {
  return handle(header, payload, header.sequence != 0);
}

std::optional<reply> device::handle(const transport::frame_header& header, std::span<const std::uint8_t> payload,
                                    bool answer) const {
  if (header.kind != transport::frame_kind::request) return std::nullopt;
  reply r;
  try {
    if (header.command == devices::builtin::describe::id) {
      r = describe(payload);
    } else if (auto it = handlers_.find(header.command); it != handlers_.end()) {
      r.payload = it->second(payload);
    } else {
      const auto* c = profile_.find_command(header.command);
      r = error_reply(devices::error_code::unknown_command,
                      c ? "command " + c->name + " has no handler in this device"
                        : "no command with id " + std::to_string(header.command));
    }
  } catch (const device_error& e) {
    r = error_reply(e.code(), e.detail());  // the handler's message, as the device sends it
  } catch (const core::codec_error& e) {
    r = error_reply(devices::error_code::bad_request, e.what());
  } catch (const std::exception& e) {
    r = error_reply(devices::error_code::internal, e.what());
  }
  if (!answer) return std::nullopt;
  if (r.payload.size() > transport::default_max_payload_size)
    r = error_reply(devices::error_code::internal, "the reply exceeds the maximum payload size");
  return r;
}

std::vector<std::uint8_t> device::event_payload(std::string_view event, const nlohmann::json& value) const {
  const devices::event_info* e = profile_.find_event(event);
  if (!e) throw comframe::error("firmware_sim.profile", "the profile has no event \"" + std::string(event) + "\"");
  return core::encode(e->payload, value, profile_.payload_endian());
}

}  // namespace comframe::firmware_sim
