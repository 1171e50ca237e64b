// Build-time helper of the code generator's tests: writes into OUTPUT_DIR
//   - for codegen_differential_test.cpp: three profiles holding every type of
//     the property tests (tests/core/property_types.hpp) as event payloads, one
//     per byte order of the profile (little, big, native; the types' own
//     per-field orders apply in each), faces_<order>.json; the C generated from
//     each (prefixes f_l, f_b, f_n); and faces_table.inc, which names each
//     event's C payload type:
//       FACES_TYPE(k, c_type)   event t<k> carries the C struct <prefix>_<c_type>
//       FACES_NULL(k)           event t<k> has no payload
//   - for codegen_cpp_roundtrip_test.cpp: the C++ generated from the big-endian
//     faces profile (faces_profile.hpp, namespace faces) and from PROFILES_DIR's
//     thermo.json and echo.json (thermo_profile.hpp, echo_profile.hpp);
//   - for codegen_thermo_test.cpp: the C generated from thermo.json;
//   - for codegen_kinds_test.cpp: the C generated from tests/devices/data/codegen_kinds.json
//   - for codegen_counted_test.cpp: the C++ and the C generated from tests/devices/data/codegen_counted.json,
//     (also with --max-tail 65535, prefix cw, only compiled), and the C generated from codegen_counted_c.json (counted shapes only the C generator
//     takes: text[], bytes[], records with counted fields in arrays, a tail of them)
//     (what profiles written by hand have and C++ exports do not: inline structs
//     and enums, flags in a bit record, aliases, a native byte order).
// The faces profiles are built from the C++ types at build time, so the tests
// follow the property test's list as it grows.
#include <boost/mp11/algorithm.hpp>
#include <fstream>
#include <iterator>
#include <iostream>
#include <nlohmann/json.hpp>

#include "comframe/core/schema_export.hpp"
#include "comframe/devices/codegen.hpp"
#include "comframe/devices/profile.hpp"
#include "core/property_types.hpp"

namespace {

using comframe::core::type_kind;

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc != 3) {
    std::cerr << "usage: codegen_fixtures OUTPUT_DIR PROFILES_DIR\n";
    return 2;
  }
  const std::string dir = argv[1];
  const std::string profiles = argv[2];
  namespace dv = comframe::devices;
  nlohmann::json types = nlohmann::json::object();
  nlohmann::json events = nlohmann::json::array();
  std::string table;
  std::size_t k = 0;
  boost::mp11::mp_for_each<boost::mp11::mp_transform<boost::mp11::mp_identity, cft::property_types>>([&](auto id) {
    using T = typename decltype(id)::type;
    const auto s = comframe::core::schema::of<T>();
    const nlohmann::json doc = s.to_json();
    for (const auto& [name, def] : doc["types"].items()) types[name] = def;
    const std::string name = "t" + std::to_string(k);
    events.push_back({{"id", k + 1}, {"name", name}, {"payload", doc["root"]}});
    const auto& root = s.root();
    if (root.kind == type_kind::null)
      table += "FACES_NULL(" + std::to_string(k) + ")\n";
    else if ((root.kind == type_kind::structure || root.kind == type_kind::bit_record) && !root.name.empty())
      table += "FACES_TYPE(" + std::to_string(k) + ", " + comframe::devices::c_identifier(root.name) + ")\n";
    else
      table += "FACES_TYPE(" + std::to_string(k) + ", " + name + "_payload)\n";
    ++k;
  });
  write(dir + "/faces_table.inc", table);
  for (const auto& [order, prefix] : {std::pair{"little", "f_l"}, {"big", "f_b"}, {"native", "f_n"}}) {
    const nlohmann::json doc = {{"comframe_profile", 1}, {"device", std::string("faces_") + order}, {"version", "1"},
                                {"endian", order},       {"types", types},                      {"commands", nlohmann::json::array()},
                                {"events", events}};
    const auto p = comframe::devices::profile::from_json(doc);
    write(dir + "/faces_" + order + ".json", p.dump() + "\n");
    dv::c_options o;
    o.prefix = prefix;
    for (const auto& f : dv::generate_c(p, o)) write(dir + "/" + f.name, f.text);
    if (std::string(order) == "big") write(dir + "/faces_profile.hpp", dv::generate_cpp(p, {"faces"}));
  }
  const auto kinds = dv::profile::parse(read(profiles + "/../../tests/devices/data/codegen_kinds.json"));
  for (const auto& f : dv::generate_c(kinds, {})) write(dir + "/" + f.name, f.text);
  const auto counted = dv::profile::parse(read(profiles + "/../../tests/devices/data/codegen_counted.json"));
  write(dir + "/counted_profile.hpp", dv::generate_cpp(counted, {}));
  for (const auto& f : dv::generate_c(counted, {})) write(dir + "/" + f.name, f.text);
  dv::c_options wide;  // counts at the widest maximum: no comparison is always false (-Wtype-limits)
  wide.prefix = "cw";
  wide.max_tail = 65535;
  for (const auto& f : dv::generate_c(counted, wide)) write(dir + "/" + f.name, f.text);
  const auto counted_c = dv::profile::parse(read(profiles + "/../../tests/devices/data/codegen_counted_c.json"));
  dv::c_options cc;
  cc.field_max_tail["Blob.name"] = 300;  // more than its u8 count holds: the encoder refuses 256 and up
  for (const auto& f : dv::generate_c(counted_c, cc)) write(dir + "/" + f.name, f.text);
  for (const std::string device : {"thermo", "echo"}) {
    const auto p = dv::profile::parse(read(profiles + "/" + device + ".json"));
    write(dir + "/" + device + "_profile.hpp", dv::generate_cpp(p, {}));
    if (device == "thermo")
      for (const auto& f : dv::generate_c(p, {})) write(dir + "/" + f.name, f.text);
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "codegen_fixtures: " << e.what() << '\n';
  return 1;
}
