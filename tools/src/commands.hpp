// Each group of `comframe` commands registers itself on the top-level app.
#pragma once

namespace CLI {
class App;
}

namespace comframe::tools {

void add_codec_commands(CLI::App& app);  // encode, decode, schema
void add_port_commands(CLI::App& app);   // ports
void add_device_commands(CLI::App& app); // call, monitor
void add_sim_command(CLI::App& app);     // sim
void add_bridge_commands(CLI::App& app); // tap
void add_log_commands(CLI::App& app);    // log, dissector, replay
void add_gen_commands(CLI::App& app);    // gen c, gen cpp

}  // namespace comframe::tools
