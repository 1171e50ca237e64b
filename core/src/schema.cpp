#include "comframe/core/schema.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "comframe/core/json_text.hpp"
#include "schema_document.hpp"

namespace comframe::core {

namespace {

[[noreturn]] void syntax(std::string detail, std::string path) {
  throw codec_error(errc::schema_syntax, std::move(detail), std::move(path));
}
[[noreturn]] void definition(std::string detail, std::string path) {
  throw codec_error(errc::definition, std::move(detail), std::move(path));
}

bool is_field_name(std::string_view s) {
  if (s.empty() || s.size() > limits::max_name_length) return false;
  if (!(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// Type names are C++-like: "Point", "demo::Point", "thermo.Config", "pair<int, int>".
bool is_type_name(std::string_view s) {
  if (s.empty() || s.size() > limits::max_name_length) return false;
  if (!(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  if (s == "null" || parse_scalar(s)) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':' || c == '.' || c == '<' || c == '>' ||
           c == ',' || c == ' ';
  });
}

std::string join(std::string_view path, std::string_view part) {
  if (path.empty()) return std::string(part);
  if (!part.empty() && part.front() == '[') return std::string(path) + std::string(part);
  return std::string(path) + "." + std::string(part);
}

class loader {
 public:
  explicit loader(detail::schema_document& doc) : doc_(doc) {}

  void load_types(const nlohmann::json& types) {
    if (!types.is_object()) syntax("\"types\" must be an object of name: type", "types");
    if (types.size() > limits::max_types)
      throw codec_error(errc::limit, "more than " + std::to_string(limits::max_types) + " types", "types");
    for (const auto& item : types.items()) {
      if (!is_type_name(item.key()))
        syntax("\"" + item.key() +
                   "\" is not a valid type name (a letter or _, then letters, digits, _ : . < > , or space; "
                   "not a scalar name)",
               "types");
      defs_[item.key()] = &item.value();
    }
    for (const auto& [name, def] : defs_) resolve(name, "", 0);
  }

  const type_node* parse_expr(const nlohmann::json& j, const std::string& path, std::size_t depth) {
    if (depth > limits::max_schema_depth)
      throw codec_error(errc::limit, "types nest deeper than " + std::to_string(limits::max_schema_depth), path);
    if (j.is_string()) return parse_string(j.get_ref<const std::string&>(), path, depth);
    if (!j.is_object()) syntax("a type must be a string or an object, got " + detail::describe_json(j), path);

    const bool is_struct = j.contains("struct"), is_array = j.contains("array"), is_dyn = j.contains("dynamic_array");
    if (is_struct + is_array + is_dyn != 1)
      syntax("a type object needs exactly one of \"struct\", \"array\", \"dynamic_array\"", path);
    for (const auto& item : j.items()) {
      const auto& k = item.key();
      if (k != "struct" && k != "array" && k != "dynamic_array" && !(is_array && k == "length"))
        syntax("unknown key \"" + k + "\" in a type object", path);
    }
    if (is_struct) return parse_struct(j["struct"], path, depth);

    auto n = doc_.make();
    if (is_array) {
      n->kind = type_kind::array;
      if (!j.contains("length")) syntax("an \"array\" needs a \"length\"", path);
      const auto& len = j["length"];
      if (!len.is_number_unsigned() || len.get<std::uint64_t>() == 0)
        definition("the length of a fixed array must be a positive integer, got " + detail::describe_json(len), path);
      if (len.get<std::uint64_t>() > limits::max_fixed_size)
        throw codec_error(errc::limit, "a fixed array longer than " + std::to_string(limits::max_fixed_size), path);
      n->length = len.get<std::size_t>();
      n->element = parse_expr(j["array"], join(path, "[]"), depth + 1);
    } else {
      n->kind = type_kind::dynamic_array;
      n->element = parse_expr(j["dynamic_array"], join(path, "[]"), depth + 1);
    }
    finish_array(*n, path);
    return n;
  }

  const type_node* resolve(const std::string& name, const std::string& path, std::size_t depth) {
    if (auto it = doc_.named.find(name); it != doc_.named.end()) return it->second;
    auto def = defs_.find(name);
    if (def == defs_.end()) throw codec_error(errc::unknown_type, "unknown type \"" + name + "\"", path);
    if (std::find(resolving_.begin(), resolving_.end(), name) != resolving_.end()) {
      std::string chain;
      for (const auto& r : resolving_) chain += r + " -> ";
      definition("type \"" + name + "\" contains itself (" + chain + name + "); a type cannot be recursive", name);
    }
    resolving_.push_back(name);
    const type_node* parsed = parse_expr(*def->second, name, depth + 1);
    resolving_.pop_back();
    type_node* n;
    if (!parsed->name.empty()) {  // an alias of another named type: a copy under this name
      n = doc_.make();
      *n = *parsed;
    } else {
      n = const_cast<type_node*>(parsed);  // freshly made by this loader
    }
    n->name = name;
    doc_.named[name] = n;
    return n;
  }

 private:
  const type_node* parse_string(const std::string& s, const std::string& path, std::size_t depth) {
    if (!s.empty() && s.back() == ']') {
      const auto open = s.rfind('[');
      if (open == std::string::npos || open == 0) syntax("bad type \"" + s + "\"", path);
      const std::string inner = s.substr(0, open), count = s.substr(open + 1, s.size() - open - 2);
      if (inner.find('[') != std::string::npos)
        syntax("bad type \"" + s + "\": one [N] or [] per type string; nest arrays with {\"array\": …}", path);
      auto n = doc_.make();
      if (count.empty()) {
        n->kind = type_kind::dynamic_array;
      } else {
        if (count.size() > 9 || !std::all_of(count.begin(), count.end(), [](char c) { return c >= '0' && c <= '9'; }))
          definition("bad length in \"" + s + "\": the length of a fixed array must be a positive integer", path);
        n->kind = type_kind::array;
        n->length = std::stoul(count);
        if (n->length == 0)
          definition("bad length in \"" + s + "\": the length of a fixed array must be a positive integer", path);
        if (n->length > limits::max_fixed_size)
          throw codec_error(errc::limit, "a fixed array longer than " + std::to_string(limits::max_fixed_size), path);
      }
      n->element = parse_string(inner, join(path, "[]"), depth + 1);
      finish_array(*n, path);
      return n;
    }
    if (s == "null") {
      auto n = doc_.make();
      n->kind = type_kind::null;
      return n;
    }
    if (auto sc = parse_scalar(s)) {
      auto n = doc_.make();
      n->kind = type_kind::number;
      n->number = *sc;
      n->min_size = size_of(*sc);
      return n;
    }
    if (defs_.count(s) || doc_.named.count(s)) return resolve(s, path, depth);
    std::string hint;
    if (!defs_.empty()) {
      hint = " (the types are:";
      for (const auto& [name, d] : defs_) hint += " " + name;
      hint += "; the scalars: u8 u16 u32 u64 i8 i16 i32 i64 f32 f64 bool char null)";
    } else {
      hint = " (the scalars are u8 u16 u32 u64 i8 i16 i32 i64 f32 f64 bool char null)";
    }
    throw codec_error(errc::unknown_type, "unknown type \"" + s + "\"" + hint, path);
  }

  const type_node* parse_struct(const nlohmann::json& fields, const std::string& path, std::size_t depth) {
    if (!fields.is_array()) syntax("\"struct\" must be an array of {\"name\": …, \"type\": …}", path);
    if (fields.size() > limits::max_fields)
      throw codec_error(errc::limit, "a struct with more than " + std::to_string(limits::max_fields) + " fields", path);
    auto n = doc_.make();
    n->kind = type_kind::structure;
    std::set<std::string_view> seen;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const auto& f = fields[i];
      const std::string at = path + ".struct[" + std::to_string(i) + "]";
      if (!f.is_object()) syntax("a field must be an object {\"name\": …, \"type\": …}", at);
      for (const auto& item : f.items())
        if (item.key() != "name" && item.key() != "type") syntax("unknown key \"" + item.key() + "\" in a field", at);
      if (!f.contains("name") || !f["name"].is_string()) syntax("a field needs a \"name\" string", at);
      const auto& name = f["name"].get_ref<const std::string&>();
      if (!is_field_name(name))
        syntax("\"" + name + "\" is not a valid field name (a letter or _, then letters, digits or _)", at);
      if (!seen.insert(name).second) definition("two fields named \"" + name + "\"", join(path, name));
      if (!f.contains("type")) syntax("field \"" + name + "\" needs a \"type\"", join(path, name));
      n->fields.push_back({name, parse_expr(f["type"], join(path, name), depth + 1)});
    }
    for (std::size_t i = 0; i < n->fields.size(); ++i) {
      const auto& f = n->fields[i];
      n->depth = std::max(n->depth, f.type->depth + 1);
      if (f.type->dynamic && i + 1 < n->fields.size())
        definition("a dynamic array, or a struct that contains one, may only be the last field of a struct",
                   join(path, f.name));
      n->min_size += f.type->min_size;
      if (n->min_size > limits::max_fixed_size)
        throw codec_error(errc::limit, "larger than " + std::to_string(limits::max_fixed_size) + " bytes", path);
      if (f.type->dynamic) {
        n->dynamic = true;
        n->tail_element_size = f.type->tail_element_size;
      }
    }
    check_depth(*n, path);
    return n;
  }

  // Named types are parsed once and shared, so the parser's own recursion does
  // not see how deep a chain of them nests; every node carries its depth.
  static void check_depth(const type_node& n, const std::string& path) {
    if (n.depth > limits::max_schema_depth)
      throw codec_error(errc::limit, "types nest deeper than " + std::to_string(limits::max_schema_depth), path);
  }

  void finish_array(type_node& n, const std::string& path) {
    const type_node& e = *n.element;
    n.depth = e.depth + 1;
    check_depth(n, path);
    if (e.dynamic)
      definition(std::string("the element of a ") + (n.kind == type_kind::array ? "fixed" : "dynamic") +
                     " array may not contain a dynamic array: a dynamic array may only be the last leaf",
                 join(path, "[]"));
    if (n.kind == type_kind::array) {
      if (e.min_size != 0 && n.length > limits::max_fixed_size / e.min_size)
        throw codec_error(errc::limit, "larger than " + std::to_string(limits::max_fixed_size) + " bytes", path);
      n.min_size = e.min_size * n.length;
    } else {
      if (e.min_size == 0)
        definition("the element of a dynamic array must have a size above zero, or its length could not be told "
                   "from the bytes",
                   join(path, "[]"));
      n.dynamic = true;
      n.min_size = 0;
      n.tail_element_size = e.min_size;
    }
  }

  detail::schema_document& doc_;
  std::map<std::string, const nlohmann::json*> defs_;
  std::vector<std::string> resolving_;
};

}  // namespace

namespace detail {

// The type expression that names or spells out `n`.
nlohmann::json expression(const type_node& n, bool reference_named) {
  if (reference_named && !n.name.empty()) return n.name;
  switch (n.kind) {
    case type_kind::null: return "null";
    case type_kind::number: return std::string(to_string(n.number));
    case type_kind::array:
    case type_kind::dynamic_array: {
      nlohmann::json e = expression(*n.element, true);
      const std::string suffix = n.kind == type_kind::array ? "[" + std::to_string(n.length) + "]" : "[]";
      if (is_plain_name(e))
        return e.get<std::string>() + suffix;
      if (n.kind == type_kind::array) return {{"array", e}, {"length", n.length}};
      return {{"dynamic_array", e}};
    }
    case type_kind::structure: {
      nlohmann::json fields = nlohmann::json::array();
      for (const auto& f : n.fields) fields.push_back({{"name", f.name}, {"type", expression(*f.type, true)}});
      return {{"struct", std::move(fields)}};
    }
  }
  return nullptr;
}

std::string describe(const type_node& n) {
  nlohmann::json e = expression(n, true);
  return e.is_string() ? e.get<std::string>() : e.dump();
}

}  // namespace detail

schema::schema() : schema(nullptr, nullptr) {
  auto doc = std::make_shared<detail::schema_document>();
  auto n = doc->make();
  n->kind = type_kind::null;
  root_ = n;
  doc_ = std::move(doc);
}

schema::schema(std::shared_ptr<const document> doc, const type_node* root) : doc_(std::move(doc)), root_(root) {}

schema schema::parse(std::string_view json_text) {
  return from_json(parse_json(json_text, errc::schema_syntax));
}

schema schema::from_json(const nlohmann::json& document) {
  auto doc = std::make_shared<detail::schema_document>();
  loader load(*doc);
  const type_node* root = nullptr;
  const bool is_document =
      document.is_object() && (document.contains("types") || document.contains("root")) &&
      std::all_of(document.items().begin(), document.items().end(),
                  [](const auto& item) { return item.key() == "types" || item.key() == "root"; });
  if (is_document) {
    if (document.contains("types")) load.load_types(document["types"]);
    if (document.contains("root")) {
      root = load.parse_expr(document["root"], "root", 0);
    } else if (doc->named.size() == 1) {
      root = doc->named.begin()->second;
    }
  } else if (document.is_object() && !document.contains("struct") && !document.contains("array") &&
             !document.contains("dynamic_array")) {
    std::string keys;
    for (const auto& item : document.items()) keys += (keys.empty() ? "\"" : ", \"") + item.key() + "\"";
    syntax("a schema document has the keys \"types\" and \"root\" (or is a type expression); found " + keys, "");
  } else {
    root = load.parse_expr(document, "root", 0);
  }
  return schema(std::move(doc), root);
}

schema schema::type(std::string_view name) const {
  auto it = doc_->named.find(std::string(name));
  if (it == doc_->named.end()) {
    std::string list;
    for (const auto& [n, node] : doc_->named) list += (list.empty() ? "" : ", ") + n;
    throw codec_error(errc::unknown_type,
                      "no type named \"" + std::string(name) + "\"" + (list.empty() ? "" : " (the types are: " + list + ")"));
  }
  return schema(doc_, it->second);
}

std::vector<std::string> schema::type_names() const {
  std::vector<std::string> names;
  for (const auto& [n, node] : doc_->named) names.push_back(n);
  return names;
}

const type_node& schema::root() const {
  if (!root_) {
    std::string list;
    for (const auto& [n, node] : doc_->named) list += (list.empty() ? "" : ", ") + n;
    throw codec_error(errc::unknown_type, "the schema has several types and no \"root\"; choose one of: " + list);
  }
  return *root_;
}

nlohmann::json schema::to_json() const {
  nlohmann::json types = nlohmann::json::object();
  for (const auto& [name, node] : doc_->named) types[name] = detail::expression(*node, false);
  nlohmann::json out = {{"types", std::move(types)}};
  if (root_) out["root"] = detail::expression(*root_, true);
  return out;
}

std::string schema::dump(int indent) const { return dump_readable(to_json(), indent); }

std::string schema::describe() const { return detail::describe(root()); }

std::optional<std::size_t> schema::fixed_size() const {
  if (root().dynamic) return std::nullopt;
  return root().min_size;
}
std::size_t schema::min_size() const { return root().min_size; }
std::optional<std::size_t> schema::element_size() const {
  if (!root().dynamic) return std::nullopt;
  return root().tail_element_size;
}

bool operator==(const schema& a, const schema& b) { return a.to_json() == b.to_json(); }

}  // namespace comframe::core
