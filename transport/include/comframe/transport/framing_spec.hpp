// comframe/transport/framing_spec.hpp — framings described in data: how the
// frames of a device that speaks its own protocol sit on the wire (a profile's
// "framing" section; docs/framing.md has the format and an example per kind).
//
//   framing_spec spec = parse_framing_spec(profile_json["framing"], "framing");   // checks, names the path
//   std::unique_ptr<framing> f = make_framing(spec, {.incoming = direction::from_device, .schemas = &schemas});
//
// A spec has four parts:
//   delimiting  where a frame starts and ends: COBS + 0x00 (comframe's), SLIP,
//               HDLC-like flags, sync bytes + a length field, a length implied
//               by the header and payload schemas (Modbus RTU), or lines;
//   header      a record of the type system whose fields have roles (command,
//               sequence, kind, length, address) or constant values;
//   check       a CRC (by catalogue name or parameters, Boost.CRC), sum-8,
//               xor-8 or none, over chosen bytes, in a chosen byte order;
//   replies     how replies pair with requests, and the rule that marks an
//               error reply (Modbus: 0x80 in the function code, then a code).
//
// The default spec (is_default()) is comframe's own framing; it is left out of
// a profile's canonical text, so profile hashes stay as they were.
//
// Thread safety: a spec is an immutable value once made.
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "comframe/core/endian.hpp"
#include "comframe/core/error.hpp"
#include "comframe/core/schema.hpp"
#include "comframe/transport/framing.hpp"

namespace comframe::transport {

/// Where frames start and end ("delimiting"."kind").
enum class delimiting_kind : std::uint8_t {
  cobs,           ///< "cobs": COBS, each frame followed by one 0x00 (comframe's; the default)
  slip,           ///< "slip": RFC 1055: END 0xC0 after each frame (and before the first), ESC 0xDB, 0xDC/0xDD
  hdlc,           ///< "hdlc": flag 0x7E before and after, escape 0x7D then the byte xor 0x20
  length,         ///< "length": optional sync bytes, then the header, whose length-role field says how long the frame is
  schema_length,  ///< "schema_length": the header, then a payload whose length the payload schema implies (Modbus RTU)
  line,           ///< "line": text lines ending in a terminator, no header and no check
};
/// What a length field counts ("delimiting"."counts").
enum class length_counts : std::uint8_t {
  payload,        ///< "payload": the payload's bytes
  payload_check,  ///< "payload_check": the payload and the check
  after_length,   ///< "after_length": every byte after the length field, through the check (Modbus TCP's MBAP)
  frame,          ///< "frame": the whole frame: sync, header, payload, check
};
/// A header field's role ("header"."roles").
enum class header_role : std::uint8_t { command, sequence, kind, length, address };
/// "command", "sequence", "kind", "length", "address".
std::string_view to_string(header_role r) noexcept;

enum class check_kind : std::uint8_t { none, crc, sum8, xor8 };
/// Which bytes a check covers ("check"."covers").
enum class check_covers : std::uint8_t {
  header_payload,  ///< "header_payload": the header and the payload (the default)
  payload,         ///< "payload": the payload only
  frame,           ///< "frame": the sync bytes too
};

/// A CRC by its catalogue parameters (Greg Cook's catalogue; Boost.CRC's
/// crc_optimal / crc_basic arguments). width is 8, 16 or 32; poly, init and
/// xorout fit the width.
struct crc_parameters {
  unsigned width = 0;
  std::uint64_t poly = 0;
  std::uint64_t init = 0;
  bool refin = false;
  bool refout = false;
  std::uint64_t xorout = 0;
  /// The catalogue name when given by name ("CRC-16/MODBUS"), else "".
  std::string name;
  friend bool operator==(const crc_parameters&, const crc_parameters&) = default;
};
/// The named CRCs a spec may give by name: CRC-16/MODBUS, CRC-16/IBM-3740
/// (alias CRC-16/CCITT-FALSE), CRC-16/XMODEM, CRC-16/KERMIT, CRC-8/SMBUS,
/// CRC-32/ISO-HDLC, CRC-32C (alias CRC-32/ISCSI). Case-insensitive; nullopt for others.
std::optional<crc_parameters> named_crc(std::string_view name);

/// One field of the header record, as the framing reads and writes it. Header
/// fields are unsigned integers of 1 to 8 bytes (u8, u16, >u16, u24, …).
struct header_field {
  std::string name;
  std::size_t offset = 0;  ///< bytes from the header's start
  std::size_t size = 0;    ///< bytes
  core::endian endian = core::endian::little;
  std::optional<header_role> role;
  std::optional<std::uint64_t> value;  ///< a constant ("header"."values"): written, and checked on decode
  friend bool operator==(const header_field&, const header_field&) = default;
};

/// The rule that marks an error reply ("replies"."error"): a device's frame
/// whose command has any bit of command_mask set is an error reply to the
/// command without those bits; its payload is the code, code_size bytes.
struct error_rule {
  std::uint16_t command_mask = 0;
  std::size_t code_size = 1;
  core::endian code_endian = core::endian::big;
  /// Names of codes, for messages ("2" → "illegal_data_address").
  std::map<std::uint16_t, std::string> names;
  friend bool operator==(const error_rule&, const error_rule&) = default;
};

/// A command of a line framing: the text its request line starts with.
struct line_command {
  std::string command;      ///< the command's name in the profile
  std::uint16_t id = 0;     ///< its id: filled in by the profile (devices::profile) once its commands are known
  std::string text;         ///< "*IDN?"; a request with a payload is text, one space, the payload's bytes
  friend bool operator==(const line_command&, const line_command&) = default;
};

/// A framing described in data. Value type.
struct framing_spec {
  // delimiting
  delimiting_kind delimiting = delimiting_kind::cobs;
  std::vector<std::uint8_t> sync;           ///< length: bytes every frame starts with (may be empty)
  length_counts counts = length_counts::payload;
  std::int64_t adjust = 0;                  ///< length: bytes counted = field value + adjust
  std::string terminator = "\n";            ///< line: what ends a line ("\r\n", "\n", "\r")
  std::size_t max_line = 256;               ///< line: longest line in bytes, terminator excluded
  double silence_characters = 0;            ///< "silence": quiet line before each frame sent, in character times

  // header
  nlohmann::json header_type;               ///< the header's type expression, as given (null: no header)
  std::vector<header_field> fields;         ///< its fields, in order
  std::size_t header_size = 0;              ///< bytes
  /// The kind field's value for request, response, event, error ("header"."kinds").
  std::array<std::uint64_t, 4> kind_values{0, 1, 2, 3};

  // check
  check_kind check = check_kind::none;
  crc_parameters crc;                       ///< check_kind::crc
  check_covers covers = check_covers::header_payload;
  core::endian check_endian = core::endian::little;

  // replies
  reply_match replies = reply_match::sequence;
  std::optional<error_rule> error;
  std::uint16_t default_address = 0;       ///< "address": where requests go by default
  std::optional<std::uint16_t> broadcast;  ///< "broadcast": the address no device answers
  std::vector<line_command> texts;         ///< line: the commands' request texts

  /// comframe's own framing (COBS, its 6-byte header, CRC-32C, by sequence).
  bool is_default() const noexcept;
  /// The check's size in bytes (0 for none).
  std::size_t check_size() const noexcept;
  /// The field with role `r`, or nullptr.
  const header_field* field(header_role r) const noexcept;
  /// The canonical "framing" section: every key, in a fixed order; the default
  /// spec gives {"delimiting": {"kind": "cobs"}}. parse_framing_spec(to_json())
  /// gives an equal spec.
  nlohmann::json to_json() const;
  /// The traits a framing made from it has (framing.hpp).
  framing_traits traits() const;

  friend bool operator==(const framing_spec&, const framing_spec&) = default;
};

/// A framing section that breaks a rule. id() is "transport.framing"; path()
/// is where ("framing.check.crc"); what() reads
///   "[transport.framing] framing.header.roles.length: field \"len\" is not in the header (…)"
class framing_spec_error : public comframe::error {
 public:
  framing_spec_error(std::string path, std::string detail);
};

/// Loads a "framing" section. `path` prefixes every error's path ("framing").
/// Checks every key (an unknown key is an error) and that the framing can
/// work: a role naming a field the header lacks; a length field with delimiting
/// other than "length" or missing with it; a check covering bytes that do not
/// exist; replies that cannot be told apart (by sequence without a sequence
/// field; by command without a command field; by address and command without
/// both); an error rule without a command field; a header field that is not an
/// unsigned integer of 1 to 8 bytes; a CRC whose parameters do not fit its width.
/// Line texts are given by command name; the profile fills in their ids.
framing_spec parse_framing_spec(const nlohmann::json& section, const std::string& path = "framing");

/// The framing `spec` describes, for one direction of one link. The default
/// spec gives make_comframe_framing(params). A schema_length framing needs
/// params.schemas (else usage_error).
std::unique_ptr<framing> make_framing(const framing_spec& spec, const framing_params& params);

/// A framing_factory for make_framing(spec, …); the spec is shared.
framing_factory framing_factory_for(std::shared_ptr<const framing_spec> spec);

}  // namespace comframe::transport
