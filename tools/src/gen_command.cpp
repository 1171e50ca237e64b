// comframe gen c | gen cpp — code from a device's profile: the firmware's C
// and the host's C++ (comframe/devices/codegen.hpp does the work).
#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "comframe/devices/codegen.hpp"
#include "frame_text.hpp"
#include "text_io.hpp"

namespace comframe::tools {

namespace {

namespace fs = std::filesystem;

struct gen_c_options {
  std::string profile_file;
  std::string output_dir;
  std::string prefix;
  std::vector<std::string> max_tails;
};

struct gen_cpp_options {
  std::string profile_file;
  std::string output;
  std::string name_space;
};

// Writes `text` to `path` through a temporary file renamed into place, so a
// failed run leaves no half-written file behind.
void write_file(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw cli_error("cannot write " + path.string() + ": " + std::strerror(errno));
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) {
      const std::string why = std::strerror(errno);
      std::error_code ignored;
      fs::remove(tmp, ignored);
      throw cli_error("cannot write " + path.string() + ": " + why);
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw cli_error("cannot write " + path.string() + ": " + ec.message());
  }
}

// "N" or "TYPE.FIELD=N", N a whole number.
std::size_t parse_count(const std::string& text, const std::string& arg) {
  if (text.empty() || text.size() > 6 || text.find_first_not_of("0123456789") != std::string::npos)
    throw cli_error("--max-tail " + arg + ": expected N or TYPE.FIELD=N, N a whole number from 1 to 65535");
  return static_cast<std::size_t>(std::stoul(text));
}

void run_gen_c(const gen_c_options& o) {
  const devices::profile p = load_profile_file(o.profile_file);
  devices::c_options co;
  co.prefix = o.prefix;
  for (const auto& arg : o.max_tails) {
    const auto eq = arg.rfind('=');
    if (eq == std::string::npos) {
      co.max_tail = parse_count(arg, arg);
    } else {
      co.field_max_tail[arg.substr(0, eq)] = parse_count(arg.substr(eq + 1), arg);
    }
  }
  const auto files = devices::generate_c(p, co);
  std::error_code ec;
  const fs::path dir(o.output_dir);
  if (!fs::is_directory(dir, ec)) {
    if (fs::exists(dir, ec)) throw cli_error("-o " + o.output_dir + ": it is not a directory");
    fs::create_directories(dir, ec);
    if (ec) throw cli_error("cannot create the directory " + o.output_dir + ": " + ec.message());
  }
  for (const auto& f : files) write_file(dir / f.name, f.text);
  for (const auto& f : files) std::cout << (dir / f.name).string() << '\n';
}

void run_gen_cpp(const gen_cpp_options& o) {
  const devices::profile p = load_profile_file(o.profile_file);
  devices::cpp_options co;
  co.name_space = o.name_space;
  const std::string text = devices::generate_cpp(p, co);
  if (o.output.empty() || o.output == "-") {
    std::cout << text;
    std::cout.flush();
    if (!std::cout) throw cli_error("cannot write to stdout");
  } else {
    write_file(o.output, text);
  }
}

}  // namespace

void add_gen_commands(CLI::App& app) {
  auto* gen = app.add_subcommand("gen", "Generate code from a device's profile: the firmware's C, the host's C++");
  gen->require_subcommand(1);

  auto c = std::make_shared<gen_c_options>();
  auto* gc = gen->add_subcommand("c", "Write <prefix>_profile.h and <prefix>_profile.c for the C firmware kit");
  gc->add_option("-p,--profile", c->profile_file, "The device's profile (JSON)")->required();
  gc->add_option("-o,--output", c->output_dir, "The directory to write the two files to (made if missing)")->required();
  gc->add_option("--prefix", c->prefix, "Prefix of every generated name; default: the device name as a C identifier");
  gc->add_option("--max-tail", c->max_tails,
                 "N: most elements of every dynamic array and counted field (bytes for text[] and bytes[]; "
                 "default 16); TYPE.FIELD=N: of that one (repeatable)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->expected(1);
  gc->callback([c] { run_gen_c(*c); });
  gc->footer("Example: comframe gen c --profile thermo.json -o firmware/gen --max-tail sensor_readings.temps_cdeg=8\n"
             "The API is in docs/codegen.md. Prints the paths it wrote.");

  auto cpp = std::make_shared<gen_cpp_options>();
  auto* gp = gen->add_subcommand("cpp", "Write the host's C++ declarations (Boost.Describe structs, command<> aliases)");
  gp->add_option("-p,--profile", cpp->profile_file, "The device's profile (JSON)")->required();
  gp->add_option("-o,--output", cpp->output, "Write the header here instead of stdout");
  gp->add_option("--namespace", cpp->name_space,
                 "Namespace of the command aliases and profile(); default: the device name as an identifier");
  gp->callback([cpp] { run_gen_cpp(*cpp); });
  gp->footer("Example: comframe gen cpp --profile thermo.json -o thermo_profile.hpp");
}

}  // namespace comframe::tools
