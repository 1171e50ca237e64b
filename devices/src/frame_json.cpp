// A frame as people and programs read it: see frame_json.hpp.
#include "comframe/devices/frame_json.hpp"
#include "comframe/devices/session.hpp"
#include "comframe/transport/frame_parse.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "comframe/core/json_text.hpp"
#include "comframe/transport/framing_spec.hpp"
#include "comframe/core/hex.hpp"
#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/schema.hpp"
#include "comframe/core/schema_export.hpp"

namespace comframe::devices {

std::string iso_time(std::chrono::system_clock::time_point t) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(us / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(us % 1000000));
  return buf;
}

frame_record stored_frame(const transport::recorded_frame& r, const transport::framing* kept) {
  const std::chrono::system_clock::time_point time(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(r.time_ns)));
  frame_record out{r.dir, time, std::nullopt, r.bytes, r.error};
  if (r.flags & transport::record_flag::refused) {
    if (!out.error) out.error = transport::frame_error::cobs;
    return out;
  }
  if (kept) {
    transport::frame_error why = transport::frame_error::crc;
    if (const auto f = kept->parse_kept(r.bytes, r.dir, &why)) {
      out.header = f->header;
      out.payload = f->payload;
      out.error.reset();
    } else {
      out.error = why;
    }
    return out;
  }
  if (const auto f = transport::parse_frame(r.bytes)) {
    out.header = f->header;
    out.payload = f->payload;
    out.error.reset();
  } else {
    out.error = f.error();
  }
  return out;
}

namespace {

const core::schema& error_schema() {
  static const core::schema s = core::schema::of<error_payload>();
  return s;
}

}  // namespace

const core::schema* payload_schema(const profile& p, const transport::frame_header& h) {
  if (h.kind == transport::frame_kind::event) {
    const auto* e = p.find_event(h.command);
    return e ? &e->payload : nullptr;
  }
  if (h.kind == transport::frame_kind::error) return &error_schema();
  const auto* c = p.find_command(h.command);
  if (!c) return nullptr;
  return h.kind == transport::frame_kind::request ? &c->request : &c->response;
}

const core::schema* profile_schemas::find(transport::frame_kind kind, std::uint16_t command) const noexcept {
  return profile_ ? payload_schema(*profile_, transport::frame_header{transport::protocol_version, kind, command, 0})
                  : nullptr;
}

nlohmann::json frame_json(const profile& p, const frame_record& r) {
  nlohmann::json j = {{"time", iso_time(r.time)}, {"dir", r.dir == direction::to_device ? "out" : "in"}};
  if (!r.header) {
    j["error"] = r.error ? std::string(transport::to_string(*r.error)) : "unknown";
    j["raw"] = core::hex_text(r.payload);
    return j;
  }
  const auto& h = *r.header;
  j["kind"] = std::string(transport::to_string(h.kind));
  j["command_id"] = h.command;
  j["seq"] = h.sequence;
  const auto& framing = p.framing();
  if (framing.field(transport::header_role::address) != nullptr) j["address"] = h.address;
  if (h.kind == transport::frame_kind::event) {
    if (const auto* e = p.find_event(h.command)) j["event"] = e->name;
  } else if (const auto* c = p.find_command(h.command)) {
    j["command"] = c->name;
  }
  if (h.kind == transport::frame_kind::error && framing.error) {
    // The framing's error rule: the payload is the code alone ({"code": 2, "name": "illegal_data_address"}).
    const auto& rule = *framing.error;
    if (r.payload.size() != rule.code_size || rule.code_size > 8) {
      j["payload_hex"] = core::hex_text(r.payload);
      j["payload_error"] = "an error reply's code takes " + std::to_string(rule.code_size) + " bytes, not " +
                           std::to_string(r.payload.size());
      return j;
    }
    std::uint64_t code = 0;
    for (std::size_t i = 0; i < rule.code_size; ++i) {
      const std::size_t at = rule.code_endian == core::endian::big ? i : rule.code_size - 1 - i;
      code = code << 8 | r.payload[at];
    }
    j["payload"] = {{"code", code}};
    if (auto it = rule.names.find(static_cast<std::uint16_t>(code)); it != rule.names.end()) j["payload"]["name"] = it->second;
    return j;
  }
  const core::schema* schema = payload_schema(p, h);
  if (!schema) {
    j["payload_hex"] = core::hex_text(r.payload);
    j["payload_error"] = "not in the profile";
    return j;
  }
  try {
    const bool builtin = h.kind == transport::frame_kind::error ||
                         (h.kind != transport::frame_kind::event && h.command >= first_reserved_command);
    j["payload"] = core::decode(*schema, r.payload, payload_order(builtin, p.payload_endian()));
    if (schema == &error_schema()) {  // the message as text, not an array of characters
      const auto& m = j["payload"]["message"];
      std::string text;
      // Each char decodes as the code point of its byte (0xe2 as "\u00e2"): take the bytes back,
      // so that the device's UTF-8 (and anything else it sent) is the message's bytes.
      for (const auto& ch : m) {
        const auto& c = ch.get_ref<const std::string&>();
        text += c.size() == 2 ? static_cast<char>(((c[0] & 0x1F) << 6) | (c[1] & 0x3F)) : c.empty() ? '\0' : c[0];
      }
      j["payload"]["message"] = text;
    }
  } catch (const core::codec_error& e) {
    j["payload_hex"] = core::hex_text(r.payload);
    j["payload_error"] = e.what();
  }
  return j;
}

namespace {

// The members of one frame's object as text, put in key order by write().
class object_text {
 public:
  explicit object_text(bool ascii_only) : ascii_only_(ascii_only) {}
  // A member whose value the caller appends to text() right after.
  std::string& add(std::string_view key) {
    members_.push_back({key, text_.size(), 0});
    return text_;
  }
  void end() { members_.back().end = text_.size(); }
  void add_string(std::string_view key, std::string_view value) {
    core::append_json_string(add(key), value, ascii_only_);
    end();
  }
  void add_integer(std::string_view key, std::uint64_t value) {
    add(key) += std::to_string(value);
    end();
  }
  void remove(std::string_view key) {
    std::erase_if(members_, [&](const member& m) { return m.key == key; });
  }
  // extra's members: each replaces the member of its key, or (null) removes it.
  void merge(const nlohmann::json& extra) {
    for (auto it = extra.begin(); it != extra.end(); ++it) {
      const std::string& key = it.key();  // in extra's map: outlives this object
      remove(key);
      if (it->is_null()) continue;
      add(key) += core::format_json(*it, {.ascii_only = ascii_only_});
      end();
    }
  }
  void write(std::string& out) {
    std::sort(members_.begin(), members_.end(), [](const member& a, const member& b) { return a.key < b.key; });
    out += '{';
    for (std::size_t i = 0; i < members_.size(); ++i) {
      if (i) out += ',';
      core::append_json_string(out, members_[i].key, ascii_only_);
      out += ':';
      out.append(text_, members_[i].begin, members_[i].end - members_[i].begin);
    }
    out += '}';
  }
  bool ascii_only() const noexcept { return ascii_only_; }

 private:
  struct member {
    std::string_view key;  // a literal, a profile's name or a key of extra: all outlive the object
    std::size_t begin, end;
  };
  bool ascii_only_;
  std::string text_;
  std::vector<member> members_;
};

}  // namespace

void append_frame_json(std::string& out, const profile& p, const frame_record& r, const frame_text_options& o) {
  const core::schema* schema = r.header ? payload_schema(p, *r.header) : nullptr;
  // A refused frame, an error reply and a payload the profile does not describe are
  // small trees, written as frame_json() makes them; the rest without a tree.
  if (!schema || r.header->kind == transport::frame_kind::error) {
    auto j = frame_json(p, r);
    if (o.extra) {
      for (const auto& [key, value] : o.extra->items()) {
        if (value.is_null()) j.erase(key);
        else j[key] = value;
      }
    }
    out += core::format_json(j, {.ascii_only = o.ascii_only});
    return;
  }
  const auto& h = *r.header;
  object_text obj(o.ascii_only);
  obj.add_string("time", iso_time(r.time));
  obj.add_string("dir", r.dir == direction::to_device ? "out" : "in");
  obj.add_string("kind", transport::to_string(h.kind));
  obj.add_integer("command_id", h.command);
  obj.add_integer("seq", h.sequence);
  if (p.framing().field(transport::header_role::address) != nullptr) obj.add_integer("address", h.address);
  if (h.kind == transport::frame_kind::event) {
    if (const auto* e = p.find_event(h.command)) obj.add_string("event", e->name);
  } else if (const auto* c = p.find_command(h.command)) {
    obj.add_string("command", c->name);
  }
  const bool builtin = h.kind != transport::frame_kind::event && h.command >= first_reserved_command;
  std::string& text = obj.add("payload");
  try {
    core::decode_json(*schema, r.payload, text, core::json_text_options{.sorted_keys = true, .ascii_only = o.ascii_only},
                      payload_order(builtin, p.payload_endian()));
    obj.end();
  } catch (const core::codec_error& e) {  // decode_json left `text` as it was
    obj.remove("payload");
    obj.add_string("payload_hex", core::hex_text(r.payload));
    obj.add_string("payload_error", e.what());
  }
  if (o.extra) obj.merge(*o.extra);
  obj.write(out);
}

void use_framing_of(session_options& so, const std::shared_ptr<const profile>& p) {
  if (!p || p->framing().is_default()) return;
  so.framing = transport::framing_factory_for(std::make_shared<const transport::framing_spec>(p->framing()));
  so.payload_schemas = std::make_shared<profile_schemas>(p);
  so.payload_endian = p->payload_endian();  // the framing measures payloads in it
}

kept_framing kept_framing_of(const profile* p) {
  if (!p || p->framing().is_default()) return {nullptr, transport::make_comframe_framing({})};
  auto schemas = std::make_shared<const profile_schemas>(std::make_shared<const profile>(*p));
  auto f = transport::make_framing(p->framing(), {.incoming = transport::direction::from_device,
                                                  .schemas = schemas.get(),
                                                  .payload_endian = p->payload_endian()});
  return {std::move(schemas), std::move(f)};
}

}  // namespace comframe::devices
