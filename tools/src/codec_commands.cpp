// comframe encode | decode | schema — the type system from the command line.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "comframe/core/hex.hpp"
#include "comframe/core/dynamic_codec.hpp"
#include "comframe/core/schema.hpp"
#include "commands.hpp"
#include "text_io.hpp"

namespace comframe::tools {

namespace {

using core::codec_error;

struct codec_options {
  std::string schema_file;
  std::string type;
  std::string endian = "native";
  std::string input;
  bool lenient = false;
  bool compact = false;
};

core::schema load_schema(const codec_options& o) {
  const std::string text = read_input_file(o.schema_file, "schema file");
  core::schema s;
  try {
    s = core::schema::parse(text);
    if (!o.type.empty()) s = s.type(o.type);
  } catch (const codec_error& e) {
    throw cli_error("schema file " + o.schema_file + ": " + e.what());
  }
  if (!s.has_root()) {
    if (s.type_names().empty()) throw cli_error("schema file " + o.schema_file + " has no types and no \"root\"");
    std::string names;
    for (const auto& n : s.type_names()) names += (names.empty() ? "" : ", ") + n;
    throw cli_error("schema file " + o.schema_file + " has several types and no \"root\"; choose one with --type (" +
                    names + ")");
  }
  return s;
}

void add_schema_options(CLI::App& cmd, codec_options& o) {
  cmd.add_option("-s,--schema", o.schema_file, "Schema file (JSON, see docs/schema.md)")->required();
  cmd.add_option("-t,--type", o.type, "Named type of the schema to use (default: its root)");
  cmd.add_option("-e,--endian", o.endian, "Byte order of every scalar")
      ->check(CLI::IsMember({"native", "little", "big"}))
      ->capture_default_str();
}

void run_encode(const codec_options& o) {
  const auto s = load_schema(o);
  const std::string text = argument_or_stdin(o.input, "JSON value");
  const nlohmann::json value = parse_json_value(text, "the value", o.lenient);
  const auto mode = o.lenient ? core::json_mode::lenient : core::json_mode::strict;
  std::cout << core::hex_text(core::encode(s, value, *core::parse_endian(o.endian), mode)) << '\n';
}

void run_decode(const codec_options& o) {
  const auto s = load_schema(o);
  std::vector<std::uint8_t> bytes;
  try {  // "0a1b", "0a 1b", "0a:1b", "0x0a 0x1b" and newlines are all accepted
    bytes = core::parse_hex(argument_or_stdin(o.input, "hex input"), core::hex_layout::separated);
  } catch (const core::codec_error& e) {
    throw cli_error(e.detail());  // "bad hex at character 5: ...": a mistake in the input, not in a value
  }
  const auto mode = o.lenient ? core::json_mode::lenient : core::json_mode::strict;
  // Straight to text, with no tree in between: the same text as format_json(decode(…)).
  std::string text;
  core::decode_json(s, bytes, text, o.compact ? -1 : 2, *core::parse_endian(o.endian), mode);
  text += '\n';
  std::cout.write(text.data(), static_cast<std::streamsize>(text.size()));
}

void run_schema(const codec_options& o) {
  const auto s = load_schema(o);
  std::cout << s.dump() << '\n';
  const auto& root = s.root();
  if (!root.dynamic) {
    std::cout << "# " << s.type_expression() << ": " << core::detail::count_of(root.min_size, "byte") << '\n';
  } else {
    std::cout << "# " << s.type_expression() << ": dynamic, " << core::detail::count_of(root.min_size, "byte") << " + "
              << root.tail_element_size << " per element of the dynamic array\n";
  }
}

}  // namespace

void add_codec_commands(CLI::App& app) {
  auto o = std::make_shared<codec_options>();

  auto* enc = app.add_subcommand("encode", "Encode a JSON value to hex bytes by a schema");
  add_schema_options(*enc, *o);
  enc->add_flag("--lenient", o->lenient,
                "Accept missing fields (defaults), unknown keys, short or long fixed arrays, wrapping integers");
  enc->add_option("value", o->input, "The JSON value, or - to read it from stdin")->required();
  enc->callback([o] { run_encode(*o); });
  enc->footer("Example: comframe encode --schema point.json --endian big '{\"x\": 1.5, \"y\": -2}'");

  auto* dec = app.add_subcommand("decode", "Decode hex bytes to JSON by a schema");
  add_schema_options(*dec, *o);
  dec->add_flag("-c,--compact", o->compact, "Print the JSON on one line");
  dec->add_flag("--lenient", o->lenient, "Show a set bit that no flag of a flag set names as its bit number, not an error");
  dec->add_option("hex", o->input, "The bytes as hex (\"0a1b\", \"0a 1b\", \"0x0a,0x1b\"), or - for stdin")->required();
  dec->callback([o] { run_decode(*o); });
  dec->footer("Example: comframe decode --schema point.json --endian big '3f c0 00 00 c0 00 00 00'");

  auto* sch = app.add_subcommand("schema", "Check a schema file and print it in canonical form with its sizes");
  // One file, given either way; neither form is required on its own.
  auto* file = sch->add_option("file", o->schema_file, "Schema file (or give it with --schema)");
  sch->add_option("-s,--schema", o->schema_file, "Schema file")->excludes(file);
  sch->add_option("-t,--type", o->type, "Named type to show (default: the root)");
  sch->callback([o] {
    if (o->schema_file.empty()) throw CLI::RequiredError("a schema file (FILE or --schema)");
    run_schema(*o);
  });
}

}  // namespace comframe::tools
