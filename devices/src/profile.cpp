#include "comframe/devices/profile.hpp"

#include "comframe/core/measure.hpp"

#include "comframe/core/json_document.hpp"
#include "comframe/core/json_text.hpp"
#include "comframe/core/limits.hpp"
#include "comframe/transport/frame.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <map>
#include <set>

namespace comframe::devices {

using nlohmann::json;

namespace {

// ---- Messages ------------------------------------------------------------------

// Text from the document reaches a message escaped and cut (core/json_document.hpp).
using core::json_value_phrase;
using core::quoted_text;

// "0xff00 to 0xffff": the ids comframe keeps for its builtin commands and events.
std::string reserved_range() {
  return transport::command_id_text(first_reserved_command) + " to " + transport::command_id_text(0xffff);
}

std::string index_path(std::string_view list, std::size_t i) {
  return std::string(list) + "[" + std::to_string(i) + "]";
}

// ---- Checks on the document's shape -----------------------------------------------

void check_keys(const json& object, const std::string& path, std::initializer_list<std::string_view> keys) {
  if (auto problem = core::unknown_key(object, keys)) throw profile_error(path, std::move(*problem));
}

const json& require(const json& object, std::string_view key, const std::string& path) {
  auto it = object.find(key);
  if (it == object.end()) throw profile_error(path, "missing key \"" + std::string(key) + "\"");
  return *it;
}

void check_depth(const json& j, const std::string& path) {
  if (core::deeper_than(j, profile_limits::max_json_depth))
    throw profile_error(path, "JSON nested deeper than " + std::to_string(profile_limits::max_json_depth) + " levels");
}

bool valid_utf8(const std::string& s) {
  try {
    (void)json(s).dump();
    return true;
  } catch (const json::type_error&) {
    return false;
  }
}

std::string read_text(const json& j, const std::string& path) {
  if (!j.is_string()) throw profile_error(path, "expected a string, got " + json_value_phrase(j));
  const auto& s = j.get_ref<const std::string&>();
  if (s.size() > profile_limits::max_text_length)
    throw profile_error(path, "longer than " + std::to_string(profile_limits::max_text_length) + " bytes");
  if (!valid_utf8(s)) throw profile_error(path, "not valid UTF-8");
  return s;
}

bool is_identifier(std::string_view s) {
  if (s.empty() || s.size() > core::limits::max_name_length) return false;
  if (!(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

std::string read_name(const json& j, const std::string& path) {
  if (!j.is_string()) throw profile_error(path, "expected a name string, got " + json_value_phrase(j));
  const auto& s = j.get_ref<const std::string&>();
  if (!is_identifier(s))
    throw profile_error(path, quoted_text(s) + " is not a valid name (a letter or _, then letters, digits or _; at most " +
                                  std::to_string(core::limits::max_name_length) + " characters)");
  return s;
}

std::optional<std::int64_t> integer_of(const json& j) {
  if (j.is_number_unsigned()) {
    const auto u = j.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(INT64_MAX)) return INT64_MAX;
    return static_cast<std::int64_t>(u);
  }
  if (j.is_number_integer()) return j.get<std::int64_t>();
  return std::nullopt;
}

std::uint16_t read_id(const json& j, const std::string& path) {
  const auto v = integer_of(j);
  if (!v || *v < 0 || *v > 0xFFFF)
    throw profile_error(path, "expected an integer from 0 to 65535, got " + json_value_phrase(j));
  return static_cast<std::uint16_t>(*v);
}

// ---- Schemas ---------------------------------------------------------------------

const command_info& builtin_describe() {
  static const command_info info{builtin::describe::id, std::string(builtin::describe::name),
                                 core::schema::of<builtin::describe::request>(),
                                 core::schema::of<builtin::describe::response>()};
  return info;
}

// The type names a type expression mentions, read from its text before it is
// loaded: "Point[3]" mentions "Point". Scalar names come along and find no type.
void mentioned_names(const json& e, std::set<std::string>& out) {
  if (e.is_string()) {
    std::string s = e.get<std::string>();
    if (!s.empty() && s.back() == ']') {
      const auto open = s.rfind('[');
      if (open != std::string::npos) s.resize(open);
    }
    out.insert(std::move(s));
  } else if (e.is_object()) {
    for (const char* k : {"array", "dynamic_array"})
      if (auto it = e.find(k); it != e.end()) mentioned_names(*it, out);
    if (auto it = e.find("struct"); it != e.end() && it->is_array())
      for (const auto& field : *it)
        if (field.is_object())
          if (auto t = field.find("type"); t != field.end()) mentioned_names(*t, out);
  }
}

// Everything known about the document's "types", loaded once: each named
// type's canonical definition, the named types it refers to directly, and its
// size in type nodes. A command's schema then loads only the types it reaches,
// so that the schemas of two profiles compare equal when what each command
// uses is equal, and the work is bounded by profile_limits::max_schema_nodes.
class type_library {
 public:
  void load(const json& types) {
    core::schema all;
    try {
      all = core::schema::from_json({{"types", types}});
    } catch (const core::codec_error& e) {
      detail::throw_schema_error(e, "types", false);
    }
    canonical_ = all.to_json()["types"];
    for (const auto& name : all.type_names()) {
      entry& t = entries_[name];
      walk(all.type(name).root(), true, t);
    }
  }

  core::schema expression(const json& e, const std::string& path) {
    check_depth(e, path);
    std::set<std::string> todo;
    mentioned_names(e, todo);
    json subset = json::object();
    std::size_t nodes = 1;
    std::vector<std::string> stack(todo.begin(), todo.end());
    while (!stack.empty()) {
      const std::string name = std::move(stack.back());
      stack.pop_back();
      auto it = entries_.find(name);
      if (it == entries_.end() || subset.contains(name)) continue;
      subset[name] = canonical_[name];
      nodes += it->second.nodes;
      stack.insert(stack.end(), it->second.refs.begin(), it->second.refs.end());
    }
    nodes_used_ += nodes;
    if (nodes_used_ > profile_limits::max_schema_nodes)
      throw profile_error(path, "the schemas of all commands and events hold more than " +
                                    std::to_string(profile_limits::max_schema_nodes) + " type nodes together");
    try {
      return core::schema::from_json({{"types", std::move(subset)}, {"root", e}});
    } catch (const core::codec_error& first) {
      // Only on the way to an error: load against every type, so that a
      // message such as "unknown type" lists them all.
      try {
        (void)core::schema::from_json({{"types", canonical_}, {"root", e}});
      } catch (const core::codec_error& full) {
        detail::throw_schema_error(full, path, true);
      }
      detail::throw_schema_error(first, path, true);
    }
  }

 private:
  struct entry {
    std::vector<std::string> refs;
    std::size_t nodes = 0;
  };

  // Node depth is bounded by core::limits::max_schema_depth.
  static void walk(const core::type_node& n, bool top, entry& t) {
    if (!top && !n.name.empty()) {
      t.refs.push_back(n.name);
      return;
    }
    ++t.nodes;
    for (const auto& f : n.fields) walk(*f.type, false, t);
    if (n.element) walk(*n.element, false, t);
  }

  json canonical_ = json::object();
  std::map<std::string, entry, std::less<>> entries_;
  std::size_t nodes_used_ = 0;
};

// The canonical "types" of a profile: the union of its schemas' named types.
// One name with two definitions is an error naming who uses each.
class type_union {
 public:
  void add(const core::schema& s, const std::string& user) {
    const json doc = s.to_json();
    for (const auto& [name, def] : doc["types"].items()) {
      auto it = types_.find(name);
      if (it == types_.end()) {
        types_[name] = def;
        users_[name] = user;
      } else if (*it != def) {
        throw profile_error("types", "type " + quoted_text(name) + " has two definitions: one used by " + users_[name] +
                                         ", another by " + user);
      }
    }
  }
  json& types() { return types_; }

 private:
  json types_ = json::object();
  std::map<std::string, std::string> users_;
};

std::string command_user(std::string_view name, std::string_view part) {
  return "command \"" + std::string(name) + "\" (" + std::string(part) + ")";
}
std::string event_user(std::string_view name) { return "event \"" + std::string(name) + "\" (payload)"; }

}  // namespace

// ---- profile_error ------------------------------------------------------------------

profile_error::profile_error(std::string path, std::string detail, std::optional<std::size_t> offset)
    : comframe::error("devices.profile", std::move(detail), {{}, std::move(path), offset}) {}

namespace detail {

void throw_schema_error(const core::codec_error& e, const std::string& path, bool expression) {
  std::string where = path;
  const std::string& inner = e.path();
  if (expression && (inner == "root" || inner.starts_with("root.") || inner.starts_with("root["))) {
    where += inner.substr(4);
  } else if (!inner.empty() && inner != "types") {
    where += (inner.front() == '[' ? "" : ".") + inner;
  }
  // The schema error's path joins the profile's; its id and offset stay in the detail.
  throw profile_error(std::move(where), comframe::error::format(e.id(), e.detail(), {{}, {}, e.offset()}));
}

}  // namespace detail

// ---- Loading ------------------------------------------------------------------------

profile::profile() : profile(blank{}) {
  static const profile empty =
      from_json({{"comframe_profile", profile_format_version}, {"device", ""}, {"commands", json::array()}});
  *this = empty;
}

profile profile::parse(std::string_view json_text) {
  json doc;
  try {
    doc = core::parse_json(json_text);
  } catch (const core::codec_error& e) {
    throw profile_error(e.path(), e.detail(), e.offset());
  }
  return from_json(doc);
}

namespace {

// ---- The document's parts --------------------------------------------------------

// The first keys of a profile: its format version (checked first, as another
// version may have keys this one does not know), then which keys it has.
void check_format(const json& doc) {
  if (!doc.is_object())
    throw profile_error("", "a profile is a JSON object {\"comframe_profile\": 1, ...}, got " +
                                json_value_phrase(doc));
  const auto format = doc.find("comframe_profile");
  if (format == doc.end())
    throw profile_error("comframe_profile", "missing; a profile starts with \"comframe_profile\": 1");
  if (const auto v = integer_of(*format); !v) {
    throw profile_error("comframe_profile", "expected the integer 1, got " + json_value_phrase(*format));
  } else if (*v != profile_format_version) {
    throw profile_error("comframe_profile",
                        "format version " + std::to_string(*v) + " is not supported (this comframe reads version 1)");
  }
  check_keys(doc, "", {"comframe_profile", "device", "version", "endian", "framing", "types", "commands", "events"});
}

// "endian": the byte order of the payloads, in full ("little", "big", "native").
std::optional<core::endian> read_endian(const json& doc) {
  auto it = doc.find("endian");
  if (it == doc.end()) return std::nullopt;
  const auto e = it->is_string() ? core::parse_endian(it->get_ref<const std::string&>(), core::endian_names::full)
                                 : std::nullopt;
  if (!e) throw profile_error("endian", "expected \"little\", \"big\" or \"native\", got " + json_value_phrase(*it));
  return e;
}

void load_types(const json& doc, type_library& library) {
  auto it = doc.find("types");
  if (it == doc.end()) return;
  if (!it->is_object())
    throw profile_error("types", "expected an object of name: type expression, got " + json_value_phrase(*it));
  check_depth(*it, "types");
  library.load(*it);
}

// The shape "commands" and "events" share: an array of at most `max_entries`
// objects, each with exactly `keys` (all of them needed, "id" and "name" first),
// no id or name twice. `complete(info, entry, at)` reads the rest of an entry.
template <class Info, class Complete>
std::vector<Info> read_entries(const json& list, const std::string& section, std::size_t max_entries,
                               std::initializer_list<std::string_view> keys, Complete&& complete) {
  if (!list.is_array()) throw profile_error(section, "expected an array, got " + json_value_phrase(list));
  if (list.size() > max_entries)
    throw profile_error(section, "more than " + std::to_string(max_entries) + " " + section);
  std::string shape;
  for (const auto k : keys) shape += (shape.empty() ? "{\"" : ", \"") + std::string(k) + "\"";
  shape += "}";
  std::vector<Info> out;
  std::map<std::uint16_t, std::size_t> ids;
  std::map<std::string, std::size_t, std::less<>> names;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string at = index_path(section, i);
    const json& entry = list[i];
    if (!entry.is_object())
      throw profile_error(at, "expected an object " + shape + ", got " + json_value_phrase(entry));
    check_keys(entry, at, keys);
    Info info;
    info.id = read_id(require(entry, "id", at), at + ".id");
    info.name = read_name(require(entry, "name", at), at + ".name");
    for (const auto k : keys) (void)require(entry, k, at);
    if (auto [it, fresh] = ids.emplace(info.id, i); !fresh)
      throw profile_error(at + ".id", std::to_string(info.id) + " is also the id of " + index_path(section, it->second) +
                                          " " + quoted_text(out[it->second].name));
    if (auto [it, fresh] = names.emplace(info.name, i); !fresh)
      throw profile_error(at + ".name", quoted_text(info.name) + " is also the name of " + index_path(section, it->second));
    complete(info, entry, at);
    out.push_back(std::move(info));
  }
  return out;
}

// ---- "framing" ------------------------------------------------------------------

// "framing" (optional): transport's parser checks the section; its errors keep their path.
transport::framing_spec read_framing(const json& doc) {
  auto it = doc.find("framing");
  if (it == doc.end()) return {};
  check_depth(*it, "framing");
  try {
    return transport::parse_framing_spec(*it, "framing");
  } catch (const transport::framing_spec_error& e) {
    throw profile_error(e.path().empty() ? "framing" : e.path(), e.detail());
  } catch (const core::codec_error& e) {
    detail::throw_schema_error(e, "framing", false);
  }
}

// Whether a frame's length follows from the schema of its payload, as a
// schema_length framing needs: fixed sizes and counted fields do; a dynamic
// array or text that is not counted ends only where its input does.
bool measurable(const core::schema& s, core::endian e) {
  return core::measure(s, {}, e).st != core::measured::state::unbounded;
}

// A schema_length framing finds each frame's end from its payload's schema.
void check_measurable(const transport::framing_spec& framing, const core::schema& s, core::endian e,
                      const std::string& path) {
  if (framing.delimiting != transport::delimiting_kind::schema_length || measurable(s, e)) return;
  throw profile_error(path, "its length cannot be known from its schema (" + s.type_expression() +
                                " ends only where its input does), and the framing's delimiting is "
                                "\"schema_length\", which finds each frame's end from its payload's schema; "
                                "give the array or text a count field, or use another delimiting");
}

// "commands": each with its request and response schemas. The builtin describe
// may be listed, exactly as it is; it is added when it is not.
std::vector<command_info> read_commands(const json& doc, type_library& library, const transport::framing_spec& framing,
                                        core::endian order) {
  const command_info& describe = builtin_describe();
  auto commands = read_entries<command_info>(
      require(doc, "commands", ""), "commands", profile_limits::max_commands, {"id", "name", "request", "response"},
      [&](command_info& info, const json& c, const std::string& at) {
        if (info.id >= first_reserved_command && info.id != describe.id)
          throw profile_error(at + ".id", std::to_string(info.id) + " (" + transport::command_id_text(info.id) +
                                              ") is reserved for comframe's builtin commands (" + reserved_range() + ")");
        if (info.id != describe.id && info.name == describe.name)
          throw profile_error(at + ".name", quoted_text(info.name) + " is the name of the builtin command " +
                                                transport::command_id_text(describe.id));
        info.request = library.expression(c["request"], at + ".request");
        info.response = library.expression(c["response"], at + ".response");
        if (info.id != describe.id) {  // describe is comframe's: a device with another framing does not answer it
          check_measurable(framing, info.request, order, at + ".request");
          check_measurable(framing, info.response, order, at + ".response");
        }
        if (info.id == describe.id && !(info == describe))
          throw profile_error(at, "id " + std::to_string(info.id) + " (" + transport::command_id_text(info.id) +
                                      ") is the builtin command \"describe\"; an entry with this id must be exactly it: "
                                      "name \"describe\", request " + describe.request.type_expression() +
                                      ", response " + describe.response.type_expression());
      });
  if (std::none_of(commands.begin(), commands.end(), [&](const command_info& c) { return c.id == describe.id; }))
    commands.push_back(describe);
  return commands;
}

// "events" (optional): each with its payload schema.
std::vector<event_info> read_events(const json& doc, type_library& library, const transport::framing_spec& framing,
                                    const std::vector<command_info>& commands, core::endian order) {
  // Without a kind field, a device's frame is a response or an event by its id alone.
  const bool kindless = !framing.is_default() && framing.field(transport::header_role::kind) == nullptr;
  auto it = doc.find("events");
  if (it == doc.end()) return {};
  return read_entries<event_info>(
      *it, "events", profile_limits::max_events, {"id", "name", "payload"},
      [&](event_info& info, const json& e, const std::string& at) {
        if (info.id >= first_reserved_command)
          throw profile_error(at + ".id", std::to_string(info.id) + " (" + transport::command_id_text(info.id) +
                                              ") is reserved for comframe's builtin events (" + reserved_range() + ")");
        if (kindless) {
          const auto c = std::find_if(commands.begin(), commands.end(), [&](const command_info& x) { return x.id == info.id; });
          if (c != commands.end())
            throw profile_error(at + ".id", std::to_string(info.id) + " is also the id of command " + quoted_text(c->name) +
                                                ", and the framing's header has no kind field, so a frame with this id "
                                                "could be either (give the header a \"kind\" role, or the event another id)");
        }
        info.payload = library.expression(e["payload"], at + ".payload");
        check_measurable(framing, info.payload, order, at + ".payload");
      });
}

// A line framing's texts are given by command name: each gets its command's id.
void resolve_texts(transport::framing_spec& framing, const std::vector<command_info>& commands) {
  for (auto& t : framing.texts) {
    const auto c = std::find_if(commands.begin(), commands.end(), [&](const command_info& x) { return x.name == t.command; });
    if (c == commands.end()) {
      std::string names;
      for (const auto& x : commands)
        if (x.id != builtin::describe::id) names += (names.empty() ? "" : ", ") + x.name;
      throw profile_error("framing.texts." + t.command,
                          "no command is named " + quoted_text(t.command) + " (the profile's commands: " +
                              (names.empty() ? std::string("none") : names) + ")");
    }
    t.id = c->id;
  }
}

}  // namespace

profile profile::from_json(const json& doc) {
  check_format(doc);
  profile p{blank{}};
  p.device_ = read_text(require(doc, "device", ""), "device");
  if (auto it = doc.find("version"); it != doc.end()) p.version_ = read_text(*it, "version");
  if (const auto e = read_endian(doc)) p.endian_ = *e;

  p.framing_ = read_framing(doc);

  type_library library;
  load_types(doc, library);
  p.commands_ = read_commands(doc, library, p.framing_, p.endian_);
  p.events_ = read_events(doc, library, p.framing_, p.commands_, p.endian_);
  resolve_texts(p.framing_, p.commands_);
  auto by_id = [](const auto& a, const auto& b) { return a.id < b.id; };
  std::sort(p.commands_.begin(), p.commands_.end(), by_id);
  std::sort(p.events_.begin(), p.events_.end(), by_id);

  type_union types;
  for (const auto& c : p.commands_) {
    types.add(c.request, command_user(c.name, "request"));
    types.add(c.response, command_user(c.name, "response"));
  }
  for (const auto& e : p.events_) types.add(e.payload, event_user(e.name));
  p.types_ = std::move(types.types());
  if (const auto size = p.to_json().dump().size(); size > profile_limits::max_canonical_bytes)
    throw profile_error("", "the canonical form is " + std::to_string(size) + " bytes, over the limit of " +
                                std::to_string(profile_limits::max_canonical_bytes) + " (1 MiB)");
  return p;
}

profile profile::from_declarations(std::string device, std::string version, core::endian payload_endian,
                                   const std::vector<declaration>& items) {
  type_union types;
  json commands = json::array(), events = json::array();
  for (const auto& d : items) {
    if (d.is_event) {
      types.add(d.first, event_user(d.name));
      events.push_back({{"id", d.id}, {"name", d.name}, {"payload", d.first.to_json()["root"]}});
    } else {
      types.add(d.first, command_user(d.name, "request"));
      types.add(d.second, command_user(d.name, "response"));
      commands.push_back({{"id", d.id},
                          {"name", d.name},
                          {"request", d.first.to_json()["root"]},
                          {"response", d.second.to_json()["root"]}});
    }
  }
  return from_json({{"comframe_profile", profile_format_version},
                    {"device", std::move(device)},
                    {"version", std::move(version)},
                    {"endian", core::to_string(payload_endian)},
                    {"types", std::move(types.types())},
                    {"commands", std::move(commands)},
                    {"events", std::move(events)}});
}

// ---- Export -------------------------------------------------------------------------

json profile::to_json() const {
  json commands = json::array(), events = json::array();
  for (const auto& c : commands_)
    commands.push_back({{"id", c.id},
                        {"name", c.name},
                        {"request", c.request.to_json()["root"]},
                        {"response", c.response.to_json()["root"]}});
  for (const auto& e : events_)
    events.push_back({{"id", e.id}, {"name", e.name}, {"payload", e.payload.to_json()["root"]}});
  json doc = {{"comframe_profile", profile_format_version},
              {"device", device_},
              {"version", version_},
              {"endian", core::to_string(endian_)},
              {"types", types_},
              {"commands", std::move(commands)},
              {"events", std::move(events)}};
  // The default framing is left out, so the hashes of profiles written before framings existed stay.
  if (!framing_.is_default()) doc["framing"] = framing_.to_json();
  return doc;
}

std::string profile::dump(int indent) const {
  return core::format_json(to_json(), {.indent = std::max(indent, 0),
                                       .width = 100,
                                       .key_order = {"comframe_profile", "device", "version", "endian", "framing",
                                                     "types", "commands", "events"}});
}

std::uint64_t profile::hash() const {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const char c : to_json().dump()) {
    h ^= static_cast<std::uint8_t>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

// ---- Queries ------------------------------------------------------------------------

namespace {
// Commands and events are kept sorted by id: binary search by id, a scan by name.
template <class Info>
const Info* find_by_id(const std::vector<Info>& items, std::uint16_t id) noexcept {
  auto it = std::lower_bound(items.begin(), items.end(), id, [](const Info& x, std::uint16_t v) { return x.id < v; });
  return it != items.end() && it->id == id ? &*it : nullptr;
}
template <class Info>
const Info* find_by_name(const std::vector<Info>& items, std::string_view name) noexcept {
  auto it = std::find_if(items.begin(), items.end(), [&](const Info& x) { return x.name == name; });
  return it != items.end() ? &*it : nullptr;
}
}  // namespace

const command_info* profile::find_command(std::uint16_t id) const noexcept { return find_by_id(commands_, id); }
const command_info* profile::find_command(std::string_view name) const noexcept { return find_by_name(commands_, name); }
const event_info* profile::find_event(std::uint16_t id) const noexcept { return find_by_id(events_, id); }
const event_info* profile::find_event(std::string_view name) const noexcept { return find_by_name(events_, name); }

std::vector<std::string> profile::differences(const profile& other) const {
  std::vector<std::string> names;
  for (const auto& c : commands_)
    if (const auto* o = other.find_command(c.name); !o || !(*o == c)) names.push_back(c.name);
  for (const auto& c : other.commands_)
    if (!find_command(c.name)) names.push_back(c.name);
  for (const auto& e : events_)
    if (const auto* o = other.find_event(e.name); !o || !(*o == e)) names.push_back(e.name);
  for (const auto& e : other.events_)
    if (!find_event(e.name)) names.push_back(e.name);
  if (!(framing_ == other.framing_)) names.push_back("framing");
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

bool operator==(const profile& a, const profile& b) { return a.to_json() == b.to_json(); }

}  // namespace comframe::devices
