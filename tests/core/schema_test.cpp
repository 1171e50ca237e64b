// Loading run-time schemas: every kind, named types, and every definition rule
// refused with the offending path.
#include <gtest/gtest.h>

#include "comframe/core/json_text.hpp"
#include "comframe/core/limits.hpp"
#include "comframe/core/schema.hpp"
#include "comframe/core/schema_export.hpp"
#include "core/test_types.hpp"

namespace schema_test {

namespace {

using namespace comframe::core;
using nlohmann::json;

std::string load_error(std::string_view text) {
  try {
    (void)schema::parse(text);
  } catch (const codec_error& e) {
    return e.what();
  }
  return "no error";
}

TEST(schema, loads_every_kind_and_reports_its_sizes) {
  const auto s = schema::parse(R"({
    "types": {
      "Point": {"struct": [{"name": "x", "type": "f32"}, {"name": "y", "type": "f32"}]},
      "Shape": {"struct": [{"name": "id", "type": "u32"}, {"name": "vrx", "type": "Point[3]"},
                           {"name": "nothing", "type": "null"},
                           {"name": "grid", "type": {"array": "u8[2]", "length": 2}},
                           {"name": "tail", "type": {"dynamic_array": "Point"}}]}
    },
    "root": "Shape"
  })");
  EXPECT_EQ(s.root().kind, type_kind::structure);
  EXPECT_EQ(s.root().name, "Shape");
  EXPECT_EQ(s.root().fields.size(), 5u);
  EXPECT_EQ(s.fixed_size(), std::nullopt);
  EXPECT_EQ(s.min_size(), 4u + 24u + 0u + 4u);
  EXPECT_EQ(s.element_size(), 8u);
  EXPECT_EQ(s.type("Point").fixed_size(), 8u);
  EXPECT_EQ(s.type_names(), (std::vector<std::string>{"Point", "Shape"}));
  EXPECT_EQ(s.type_expression(), "Shape");
  EXPECT_EQ(s.current_size(json::parse(R"({"tail":[{"x":1,"y":2},{"x":1,"y":2}]})")), 32u + 16u);
}

TEST(schema, accepts_a_bare_type_expression_as_a_document) {
  EXPECT_EQ(schema::parse(R"("u16")").fixed_size(), 2u);
  EXPECT_EQ(schema::parse(R"("i16[]")").element_size(), 2u);
  EXPECT_EQ(schema::parse(R"("char[8]")").fixed_size(), 8u);
  EXPECT_EQ(schema::parse(R"({"struct": [{"name": "a", "type": "bool"}]})").fixed_size(), 1u);
  EXPECT_EQ(schema::parse(R"("null")").fixed_size(), 0u);
  EXPECT_EQ(schema().root().kind, type_kind::null);
}

TEST(schema, all_scalar_names_have_their_c_sizes) {
  const std::pair<const char*, std::size_t> scalars[] = {{"u8", 1},  {"u16", 2}, {"u32", 4}, {"u64", 8},
                                                         {"i8", 1},  {"i16", 2}, {"i32", 4}, {"i64", 8},
                                                         {"f32", 4}, {"f64", 8}, {"bool", 1}, {"char", 1}};
  for (const auto& [name, size] : scalars) EXPECT_EQ(schema::parse(json(name).dump()).fixed_size(), size) << name;
}

TEST(schema, takes_a_single_named_type_as_the_root_and_needs_a_choice_among_several) {
  EXPECT_EQ(schema::parse(R"({"types": {"T": "u8[3]"}})").fixed_size(), 3u);
  const auto two = schema::parse(R"({"types": {"A": "u8", "B": "u16"}})");
  EXPECT_FALSE(two.has_root());
  EXPECT_EQ(two.type("B").fixed_size(), 2u);
  try {
    (void)two.root();
    FAIL();
  } catch (const codec_error& e) {
    EXPECT_STREQ(e.what(), "[core.unknown_type] the schema has several types and no \"root\"; choose one of: A, B");
  }
  try {
    (void)two.type("C");
    FAIL();
  } catch (const codec_error& e) {
    EXPECT_STREQ(e.what(), "[core.unknown_type] no type named \"C\" (the types are: A, B)");
  }
}

TEST(schema, named_types_may_reference_each_other_in_any_order_and_alias) {
  const auto s = schema::parse(R"({"types": {"Outer": {"struct": [{"name": "p", "type": "Celsius"}]},
                                             "Celsius": "i16", "Temp": "Celsius"}, "root": "Outer"})");
  EXPECT_EQ(s.fixed_size(), 2u);
  EXPECT_EQ(s.type("Temp").root().kind, type_kind::number);
  EXPECT_EQ(s.type("Temp").root().name, "Temp");
}

// Found by fuzz/random_schema_fuzz.cpp: a document built in C++ holds its
// integers signed (json{{"length", 3}}), text parses them unsigned; both mean
// the same schema.
TEST(schema, a_document_built_in_cpp_with_signed_integers_loads_as_its_text_does) {
  const json built{{"struct",
                    {{{"name", "a"}, {"type", {{"array", "u8"}, {"length", 3}}}},
                     {{"name", "t"}, {"type", {{"text", 4}}}},
                     {{"name", "b"}, {"type", {{"bits", {{{"name", "x"}, {"type", "u3"}, {"count", 2}}}}, {"size", 8}}}},
                     {{"name", "s"}, {"type", {{"struct", {{{"name", "v"}, {"type", "u8"}, {"offset", 1}}}}, {"size", 4}}}}}}};
  ASSERT_TRUE(built["struct"][0]["type"]["length"].is_number_integer());
  ASSERT_FALSE(built["struct"][0]["type"]["length"].is_number_unsigned());
  const auto from_built = schema::from_json(built);
  EXPECT_EQ(from_built, schema::parse(built.dump()));
  EXPECT_EQ(from_built.fixed_size(), 3u + 4u + 1u + 4u);
  EXPECT_THROW((void)schema::from_json(json{{"array", "u8"}, {"length", -3}}), codec_error);
  EXPECT_THROW((void)schema::from_json(json{{"array", "u8"}, {"length", 0}}), codec_error);
}

TEST(schema, exports_the_schema_of_a_static_type_and_loads_it_back_equal) {
  const auto s = schema::of<cft::Shape>();
  EXPECT_EQ(s.to_json(), json::parse(R"({
    "types": {"cft::Point": {"struct": [{"name": "x", "type": "f32"}, {"name": "y", "type": "f32"}]},
              "cft::Shape": {"struct": [{"name": "id", "type": "u32"}, {"name": "vrx", "type": "cft::Point[3]"}]}},
    "root": "cft::Shape"})"));
  EXPECT_EQ(schema::from_json(s.to_json()), s);
  EXPECT_NE(schema::of<cft::Point>(), s);
  EXPECT_EQ((schema::of<std::vector<std::array<std::uint8_t, 2>>>().to_json()["root"]),
            json::parse(R"({"dynamic_array": "u8[2]"})"));
}

TEST(schema, refuses_a_dynamic_array_that_is_not_the_last_field) {
  EXPECT_EQ(load_error(R"({"types": {"T": {"struct": [{"name": "a", "type": "u8[]"}, {"name": "b", "type": "u8"}]}}})"),
            "[core.definition] T.a: a dynamic array, or a struct that contains one, may only be the last field of a struct");
  EXPECT_EQ(load_error(R"({"types": {"In": {"struct": [{"name": "t", "type": "u8[]"}]},
                         "T": {"struct": [{"name": "in", "type": "In"}, {"name": "b", "type": "u8"}]}}})"),
            "[core.definition] T.in: a dynamic array, or a struct that contains one, may only be the last field of a struct");
}

TEST(schema, refuses_a_dynamic_array_inside_an_array) {
  EXPECT_EQ(load_error(R"({"types": {"In": {"struct": [{"name": "t", "type": "u8[]"}]}, "T": "In[2]"}})"),
            "[core.definition] T[0..1]: the element of a fixed array may not contain a dynamic array: a dynamic array "
            "may only be the last leaf");
  EXPECT_EQ(load_error(R"({"dynamic_array": {"dynamic_array": "u8"}})"),
            "[core.definition] root[]: the element of a dynamic array may not contain a dynamic array: a dynamic "
            "array may only be the last leaf");
}

TEST(schema, refuses_a_dynamic_array_of_zero_size_elements) {
  EXPECT_EQ(load_error(R"("null[]")"),
            "[core.definition] root[]: the element of a dynamic array must have a size above zero, or its length "
            "could not be told from the bytes");
}

TEST(schema, refuses_a_fixed_array_of_zero_size_elements_at_any_depth_naming_the_path) {
  EXPECT_EQ(load_error(R"({"array": "null[16777216]", "length": 16777216})"),
            "[core.definition] root[0..16777215][0..16777215]: the element of a fixed array must have a size above "
            "zero: null has no bytes, so the array would hold elements that are not on the wire");
  EXPECT_EQ(load_error(R"({"types": {"Empty": {"struct": []}, "T": {"struct": [{"name": "e", "type": "Empty[3]"}]}},
                          "root": "T"})"),
            "[core.definition] T.e[0..2]: the element of a fixed array must have a size above zero: Empty has no bytes, "
            "so the array would hold elements that are not on the wire");
  EXPECT_EQ(load_error(R"({"types": {"T": {"struct": [{"name": "e", "type": {"array": {"struct": [{"name": "n", "type": "null"}]}, "length": 1}}]}}})"),
            "[core.definition] T.e[0]: the element of a fixed array must have a size above zero: "
            "{\"struct\":[{\"name\":\"n\",\"type\":\"null\"}]} has no bytes, so the array would hold elements "
            "that are not on the wire");
  EXPECT_EQ(load_error(R"({"dynamic_array": {"array": {"struct": []}, "length": 2}})"),
            "[core.definition] root[][0..1]: the element of a fixed array must have a size above zero: "
            "{\"struct\":[]} has no bytes, so the array would hold elements that are not on the wire");
}

TEST(schema, refuses_a_value_of_more_elements_than_the_limit_even_of_no_bytes) {
  // Structs of null fields have no bytes, so no byte limit bounds how many
  // values nesting them multiplies: 4096 x 4096 fields.
  json fields = json::array(), outer = json::array();
  for (int i = 0; i < 4096; ++i) fields.push_back({{"name", "f" + std::to_string(i)}, {"type", "null"}});
  for (int i = 0; i < 4096; ++i) outer.push_back({{"name", "g" + std::to_string(i)}, {"type", "Inner"}});
  try {
    (void)schema::from_json({{"types", {{"Inner", {{"struct", fields}}}, {"Outer", {{"struct", outer}}}}}, {"root", "Outer"}});
    FAIL() << "no error";
  } catch (const codec_error& e) {
    EXPECT_STREQ(e.what(), "[core.limit] Outer: a value would have more than 16777216 elements (array elements and "
                           "fields, at every depth)");
  }
  EXPECT_EQ(load_error(R"({"array": "u8[4096]", "length": 4096})"), "[core.limit] root: a value would have more than "
                                                                    "16777216 elements (array elements and fields, at every depth)");
  EXPECT_EQ(schema::parse(R"("u8[16777216]")").fixed_size(), limits::max_elements);
}

TEST(schema, refuses_a_fixed_array_without_elements) {
  EXPECT_EQ(load_error(R"("u8[0]")"),
            "[core.definition] root: bad length in \"u8[0]\": the length of a fixed array must be a positive integer");
  EXPECT_EQ(load_error(R"({"array": "u8", "length": -1})"),
            "[core.definition] root: the length of a fixed array must be a positive integer, got the number -1");
}

TEST(schema, refuses_unknown_types_and_keys_and_bad_names) {
  EXPECT_EQ(load_error(R"({"types": {"T": {"struct": [{"name": "a", "type": "Pont"}]}, "Point": "u8"}})"),
            "[core.unknown_type] T.a: unknown type \"Pont\" (the types are: Point T; the built-in types: u8 u16 u32 u64 "
            "i8 i16 i32 i64 f32 f64 bool char null, whole-byte integers such as u24 (u1 to u7 count bytes), f4 f8, "
            "text[N] bytes[N] SN)");
  EXPECT_EQ(load_error(R"("u12")"),
            "[core.definition] root: \"u12\" is not a whole number of bytes; an integer of 12 bits belongs in a bit "
            "record ({\"bits\": […]})");
  EXPECT_EQ(load_error(R"("Pont")"),
            "[core.unknown_type] root: unknown type \"Pont\" (the built-in types are u8 u16 u32 u64 i8 i16 i32 i64 f32 "
            "f64 bool char null, whole-byte integers such as u24 (u1 to u7 count bytes), f4 f8, text[N] bytes[N] SN)");
  EXPECT_EQ(load_error(R"({"struct": [{"name": "a", "typ": "u8"}]})"),
            "[core.schema_syntax] root.struct[0]: unknown key \"typ\" in a field");
  EXPECT_EQ(load_error(R"({"struct": [{"name": "2a", "type": "u8"}]})"),
            "[core.schema_syntax] root.struct[0]: \"2a\" is not a valid field name (a letter or _, then letters, "
            "digits or _)");
  EXPECT_EQ(load_error(R"({"struct": [{"name": "a", "type": "u8"}, {"name": "a", "type": "u8"}]})"),
            "[core.definition] root.a: two fields named \"a\"");
  EXPECT_EQ(load_error(R"({"types": {"u8": "u16"}})"),
            "[core.schema_syntax] types: \"u8\" is not a valid type name (a letter or _, then letters, digits, _ : . < "
            "> , or space; not a scalar name)");
  EXPECT_EQ(load_error(R"({"typs": {}})"),
            "[core.schema_syntax] a schema document has the keys \"types\" and \"root\" (or is a type expression); "
            "found \"typs\"");
  EXPECT_EQ(load_error(R"({"struct": [], "length": 3})"), "[core.schema_syntax] root: unknown key \"length\" in a type object");
  EXPECT_EQ(load_error("42"), "[core.schema_syntax] root: a type must be a string or an object, got the number 42");
}

TEST(schema_messages, a_document_without_types_says_so) {
  const schema s = schema::parse(R"({"types": {}})");
  EXPECT_FALSE(s.has_root());
  try {
    (void)s.root();
    FAIL() << "no error";
  } catch (const codec_error& e) {
    EXPECT_STREQ(e.what(), "[core.unknown_type] the schema has no types and no \"root\"");
  }
  EXPECT_EQ(load_error("{}"),
            "[core.schema_syntax] a schema document has the keys \"types\" and \"root\" (or is a type expression); "
            "found an empty object");
}

TEST(schema_messages, text_and_bytes_have_a_length_in_bytes_and_no_byte_order) {
  EXPECT_EQ(load_error(R"("text[0]")"),
            "[core.definition] root: bad length in \"text[0]\": the length of text must be a positive integer (bytes)");
  EXPECT_EQ(load_error(R"("bytes[x]")"),
            "[core.definition] root: bad length in \"bytes[x]\": the length of bytes must be a positive integer "
            "(bytes)");
  EXPECT_EQ(load_error(R"("<text[4]")"), "[core.definition] root: \"<text[4]\": text has no byte order");
  EXPECT_EQ(load_error(R"(">bytes[2]")"), "[core.definition] root: \">bytes[2]\": bytes have no byte order");
  EXPECT_EQ(load_error(R"(">S4")"), "[core.definition] root: \">S4\": bytes have no byte order");
}

TEST(schema_messages, counts_of_one_are_singular) {
  EXPECT_EQ(load_error(R"({"bits": [{"name": "a", "type": "bool"}]})"),
            "[core.definition] root: a bit record must be a whole number of bytes, but it is 1 bit; add a field or "
            "state a \"size\" in bits");
  EXPECT_EQ(load_error(R"({"struct": [{"name": "a", "type": "u16"}], "size": 1})"),
            "[core.definition] root: states a size of 1 byte, but its fields end at byte 2");
  EXPECT_EQ(load_error(R"({"bits": [{"name": "e", "type": {"enum": "u8", "values": {"a": 2}}, "bits": 1}], "size": 8})"),
            "[core.definition] root.e: the enum value a = 2 does not fit in 1 bit");
}

TEST(schema, refuses_text_that_is_not_json_saying_where) {
  const std::string e = load_error(R"({"types": {"T": "u8",}})");
  EXPECT_EQ(e.rfind("[core.schema_syntax] at byte 22: not valid JSON: ", 0), 0u) << e;
}

TEST(schema, refuses_a_type_that_contains_itself) {
  EXPECT_EQ(load_error(R"({"types": {"A": {"struct": [{"name": "b", "type": "B"}]},
                                     "B": {"struct": [{"name": "a", "type": "A"}]}}})"),
            "[core.definition] A: type \"A\" contains itself (A -> B -> A); a type cannot be recursive");
}

TEST(schema, refuses_nesting_deeper_than_the_limit_without_recursing_further) {
  std::string deep = R"("u8")";
  for (int i = 0; i < 100; ++i) deep = R"({"array": )" + deep + R"(, "length": 1})";
  const std::string e = load_error(deep);
  EXPECT_NE(e.find("[core.limit]"), std::string::npos) << e;
  EXPECT_NE(e.find("types nest deeper than 32"), std::string::npos) << e;
  // The same depth through a chain of named types.
  json types = json::object();
  types["T0"] = "u8";
  for (int i = 1; i < 100; ++i) types["T" + std::to_string(i)] = {{"struct", {{{"name", "f"}, {"type", "T" + std::to_string(i - 1)}}}}};
  try {
    (void)schema::from_json({{"types", types}, {"root", "T99"}});
    FAIL() << "no error";
  } catch (const codec_error& e) {
    EXPECT_EQ(e.kind(), errc::limit);
    EXPECT_EQ(e.detail(), "types nest deeper than 32");
  }
}

TEST(schema, refuses_a_size_beyond_the_limit_before_allocating_anything) {
  EXPECT_EQ(load_error(R"("u8[4294967296]")"),
            "[core.definition] root: bad length in \"u8[4294967296]\": the length of a fixed array must be a positive "
            "integer");
  EXPECT_EQ(load_error(R"({"array": "u64", "length": 4294967296})"), "[core.limit] root: a fixed array longer than 16777216");
  EXPECT_EQ(load_error(R"({"array": "u64[1000]", "length": 1000000})"), "[core.limit] root: larger than 16777216 bytes");
}

}  // namespace

}  // namespace schema_test

// At file scope, as a user's type would be.
namespace {
struct Hidden {
  std::uint8_t a;
};
BOOST_DESCRIBE_STRUCT(Hidden, (), (a))
}  // namespace

namespace schema_test {

TEST(schema_names, a_type_in_an_anonymous_namespace_exports_without_the_anonymous_segment) {
  EXPECT_EQ(comframe::core::type_name_v<Hidden>, "Hidden");
  EXPECT_EQ(comframe::core::schema::of<Hidden>().type_expression(), "Hidden");
}

TEST(schema_limits, a_deeply_nested_json_value_as_a_type_is_refused_without_exhausting_the_stack) {
  std::string deep(200000, '[');
  deep += std::string(200000, ']');
  try {
    (void)comframe::core::schema::parse(deep);
    FAIL();
  } catch (const comframe::core::codec_error& e) {
    EXPECT_STREQ(e.what(), "[core.schema_syntax] root: a type must be a string or an object, got an array");
  }
}

TEST(schema_limits, a_struct_with_the_most_fields_allowed_loads) {
  nlohmann::json fields = nlohmann::json::array();
  for (std::size_t i = 0; i < comframe::core::limits::max_fields; ++i)
    fields.push_back({{"name", "f" + std::to_string(i)}, {"type", "u8"}});
  EXPECT_EQ(comframe::core::schema::from_json({{"struct", fields}}).fixed_size(), comframe::core::limits::max_fields);
  fields.push_back({{"name", "one_more"}, {"type", "u8"}});
  EXPECT_THROW((void)comframe::core::schema::from_json({{"struct", fields}}), comframe::core::codec_error);
}

TEST(schema_text, a_key_written_twice_in_one_object_is_refused_not_silently_dropped) {
  try {
    (void)comframe::core::schema::parse(R"({"types": {"T": "u8", "T": "u16"}})");
    FAIL();
  } catch (const comframe::core::codec_error& e) {
    EXPECT_STREQ(e.what(), "[core.schema_syntax] types: duplicate key \"T\"");
  }
  try {
    (void)comframe::core::parse_json(R"({"a": [{"b": 1, "b": 2}]})");
    FAIL();
  } catch (const comframe::core::codec_error& e) {
    EXPECT_EQ(e.kind(), comframe::core::errc::json_syntax);
    EXPECT_STREQ(e.what(), "[core.json_syntax] a[0]: duplicate key \"b\"");
  }
}

}  // namespace schema_test
