// comframe — the command line of the comframe framework.
#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.hpp"
#include "frame_text.hpp"

int main(int argc, char** argv) {
  CLI::App app{"comframe: typed frames over serial links: encode, decode, ports, call, monitor, sim, tap, log"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "comframe 0.1.0");
  comframe::tools::add_codec_commands(app);
  comframe::tools::add_port_commands(app);
  comframe::tools::add_device_commands(app);
  comframe::tools::add_sim_command(app);
  comframe::tools::add_bridge_commands(app);
  comframe::tools::add_log_commands(app);

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
  } catch (const std::exception& e) {
    // The one place a command's failure is reported: a comframe::error as its
    // what() ("[id] where: detail", docs/errors.md), the CLI's own cli_error as
    // its message; one line, naming the command, safe for a terminal (text from
    // a device or a file is escaped), exit status 1.
    const std::string cmd = app.get_subcommands().empty() ? "" : " " + app.get_subcommands().front()->get_name();
    std::cerr << name << cmd << ": " << comframe::tools::terminal_text(e.what()) << '\n';
    return 1;
  }
  return 0;
}
