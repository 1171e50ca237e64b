// comframe — the command line of the comframe framework.
#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.hpp"
#include "frame_text.hpp"
#include "text_io.hpp"

namespace {
// " call", " sim", " gen c", …: the subcommand that failed, "" before one was chosen.
std::string command_name(const CLI::App& app) {
  std::string name;
  for (const CLI::App* a = &app; !a->get_subcommands().empty();) {
    a = a->get_subcommands().front();
    name += " " + a->get_name();
  }
  return name;
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"comframe: typed frames over serial links: encode, decode, ports, call, monitor, sim, tap, log, gen"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "comframe 0.1.0");
  comframe::tools::add_codec_commands(app);
  comframe::tools::add_port_commands(app);
  comframe::tools::add_device_commands(app);
  comframe::tools::add_sim_command(app);
  comframe::tools::add_bridge_commands(app);
  comframe::tools::add_log_commands(app);
  comframe::tools::add_gen_commands(app);

  const std::string name = "comframe";
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::CallForVersion& v) {
    std::cout << v.what() << '\n';
    return 0;
  } catch (const CLI::ParseError& e) {
    // Help for a subcommand arrives here too, as CallForHelp from that subcommand.
    if (e.get_exit_code() == 0) return app.exit(e);
    std::cerr << name << ": " << e.what() << "\nRun '" << name << " --help' for usage.\n";
    return 2;
  } catch (const comframe::tools::cli_error& e) {
    // The CLI's own message: its text from outside is escaped where it was
    // assembled, and it may span lines on purpose (a usage hint).
    std::cerr << name << command_name(app) << ": " << e.what() << '\n';
    return 1;
  } catch (const std::exception& e) {
    // The one place a library failure is reported: a comframe::error as its
    // what() ("[id] where: detail", docs/errors.md); one line, naming the
    // command, safe for a terminal (text from a device or a file is escaped),
    // exit status 1.
    std::cerr << name << command_name(app) << ": " << comframe::tools::terminal_text(e.what()) << '\n';
    return 1;
  }
  return 0;
}
