// comframe/firmware_sim/device.hpp — the device side of a profile: a handler
// per command, answering requests as firmware would.
//
//   comframe::firmware_sim::device dev(devices::profile::of<GetInfo, SetLed, Telemetry>("thermo", "1.0"));
//   dev.on<GetInfo>([](const core::null&) { return DeviceInfo{…}; });
//   dev.on<SetLed>([&](const Led& led) {
//     if (led.index > 7) throw device_error(error_code::out_of_range, "LED index must be 0..7");
//     leds[led.index] = led.rgb;
//     return core::null{};
//   });
//   auto reply = dev.handle(frame_header, payload);   // what the firmware answers
//
// The built-in describe command is answered from the profile. A request for a
// command without a handler gets an unknown_command error reply, one whose
// payload does not decode a bad_request reply, one whose handler throws
// device_error that error's code and message. A request with sequence number 0
// is a fire-and-forget send: it runs its handler and gets no reply.
//
// Thread safety: register handlers before the device serves requests; handle()
// may then be called from one thread at a time.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "comframe/core/codec.hpp"
#include "comframe/core/error.hpp"
#include "comframe/devices/command.hpp"
#include "comframe/devices/profile.hpp"
#include "comframe/transport/frame.hpp"

namespace comframe::firmware_sim {

/// Thrown by a handler to answer with an error-kind reply: code() is the
/// reply's error code (devices::error_code), detail() its message, sent as it
/// is. id() is "firmware_sim.device"; what() is "[firmware_sim.device] <message>".
class device_error : public comframe::error {
 public:
  device_error(std::uint16_t code, std::string message)
      : comframe::error("firmware_sim.device", std::move(message)), code_(code) {}
  std::uint16_t code() const noexcept { return code_; }

 private:
  std::uint16_t code_;
};

/// What a device answers to one request.
struct reply {
  transport::frame_kind kind = transport::frame_kind::response;  ///< response or error
  std::vector<std::uint8_t> payload;  ///< an error's: comframe's error_payload (code, then message)
  /// An error reply's code and message, for a framing that writes error
  /// replies its own way (transport::framing::error_payload).
  std::uint16_t error_code = 0;
  std::string error_message;
};

class device {
 public:
  using raw_handler = std::function<std::vector<std::uint8_t>(std::span<const std::uint8_t> request)>;
  using json_handler = std::function<nlohmann::json(const nlohmann::json& request)>;

  explicit device(devices::profile p);

  const devices::profile& profile() const noexcept { return profile_; }

  /// Handles Cmd with `handler(const Cmd::request&) -> Cmd::response`.
  template <class Cmd, class F>
  void on(F handler) {
    const core::endian order = profile_.payload_endian();
    on_raw(Cmd::id, [handler = std::move(handler), order](std::span<const std::uint8_t> in) {
      typename Cmd::request req{};
      core::decode_into(in, req, order);  // a codec_error becomes a bad_request reply
      return core::encode(handler(req), order);
    });
  }
  /// Handles a command by id with raw payload bytes.
  void on_raw(std::uint16_t command, raw_handler handler);
  /// Handles a command of the profile by name with JSON values, decoded and
  /// encoded by the profile's schemas. Throws comframe::error "firmware_sim.profile"
  /// if the profile has no such command.
  void on_json(std::string_view command, json_handler handler);

  /// The reply to a request, or nullopt for a fire-and-forget send (sequence 0).
  std::optional<reply> handle(const transport::frame_header& header, std::span<const std::uint8_t> payload) const;
  /// The same, where the caller says whether the request is answered: a
  /// framing without sequence numbers answers every request but a broadcast
  /// (device_host). With `answer` false the handler runs and nothing is returned.
  std::optional<reply> handle(const transport::frame_header& header, std::span<const std::uint8_t> payload,
                              bool answer) const;

  /// An event's payload from JSON by the profile's schema (for simulators defined without C++).
  std::vector<std::uint8_t> event_payload(std::string_view event, const nlohmann::json& value) const;

 private:
  reply error_reply(std::uint16_t code, const std::string& message) const;
  reply describe(std::span<const std::uint8_t> payload) const;

  devices::profile profile_;
  std::string profile_text_;
  std::uint64_t profile_hash_;
  std::map<std::uint16_t, raw_handler> handlers_;
};

}  // namespace comframe::firmware_sim
