// `comframe sim --exec PROG`: a program (exec_device.c, built with the C
// firmware kit) is the device behind the simulator's pty. Real processes on
// real ptys: the comframe CLI and a raw host on the pty talk to it; faults and
// baud emulation act on its bytes; the simulator reports the program's end and
// reaps it.
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <nlohmann/json.hpp>

#include "comframe/devices/profile.hpp"
#include "comframe/transport/frame.hpp"
#include "support/process.hpp"

namespace cli_sim_exec_test {

namespace {

using namespace comframe;
using namespace std::chrono_literals;
using test::child_process;
using test::run;

const std::string cli = COMFRAME_CLI;
const std::string device = COMFRAME_EXEC_DEVICE;

// Orphans of the simulator become this process's children: a program the
// simulator left unreaped (a zombie) or running would still be there after the
// simulator exited, and pid_is_gone() would see it.
const bool subreaper = ::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0;

bool pid_is_gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

std::string temp_path(const std::string& name) {
  return (std::filesystem::path(testing::TempDir()) / (name + "-" + std::to_string(getpid()))).string();
}

// The device's profile in a file, for the options that want one.
std::string profile_file() {
  static const std::string path = [] {
    const std::string p = temp_path("exec_device.profile.json");
    auto r = run({device, "--print-profile"});
    std::ofstream(p) << r.out;
    return p;
  }();
  return path;
}

// `comframe sim --exec exec_device [extra] -- [args]`, with its pty and the program's pid known.
struct exec_sim {
  std::string link;
  child_process proc;
  std::string pty;
  pid_t program = -1;
  exec_sim(const std::string& name, std::vector<std::string> extra = {}, std::vector<std::string> args = {})
      : link(temp_path(name)), proc([&] {
          std::vector<std::string> a{cli, "sim", "--exec", device, "--symlink", link};
          a.insert(a.end(), extra.begin(), extra.end());
          a.push_back("--");
          a.insert(a.end(), args.begin(), args.end());
          return a;
        }()) {
    auto port = proc.wait_for_line("port: ");
    if (!port) throw std::runtime_error("the simulator did not start: " + proc.output());
    pty = *port;
    // The program's stderr is the simulator's (merged into proc's output here);
    // its line may come before the port's.
    const std::string said = "exec_device: pid ";
    std::optional<std::string> pid;
    if (const auto at = proc.output().find(said); at != std::string::npos)
      pid = proc.output().substr(at + said.size(), proc.output().find('\n', at) - at - said.size());
    else
      pid = proc.wait_for_line(said);
    if (!pid) throw std::runtime_error("the program did not start: " + proc.output());
    program = static_cast<pid_t>(std::stol(*pid));
  }
  nlohmann::json stats() {
    proc.write_line("stats json");
    auto line = proc.wait_for_line("{");
    if (!line) throw std::runtime_error("no stats: " + proc.output());
    return nlohmann::json::parse("{" + *line);
  }
};

// A host that writes and reads raw bytes on the pty.
struct raw_host {
  int fd;
  explicit raw_host(const std::string& path) : fd(::open(path.c_str(), O_RDWR | O_NOCTTY)) {
    if (fd < 0) throw std::runtime_error("cannot open " + path);
    termios t{};
    ::tcgetattr(fd, &t);
    cfmakeraw(&t);
    ::tcsetattr(fd, TCSANOW, &t);
  }
  ~raw_host() { ::close(fd); }
  void request(std::uint16_t command, std::uint16_t sequence, std::vector<std::uint8_t> payload) {
    const auto wire = transport::encode_frame(
        {transport::protocol_version, transport::frame_kind::request, command, sequence}, payload);
    ASSERT_EQ(::write(fd, wire.data(), wire.size()), static_cast<ssize_t>(wire.size()));
  }
  // Reads until `done(bytes)` or the watchdog; returns what arrived.
  template <class Done>
  std::vector<std::uint8_t> read_until(Done done, std::chrono::seconds watchdog = 60s) {
    std::vector<std::uint8_t> got;
    const auto deadline = std::chrono::steady_clock::now() + watchdog;
    while (!done(got) && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      std::uint8_t buf[4096];
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) got.insert(got.end(), buf, buf + n);
    }
    return got;
  }
};

std::vector<std::uint8_t> u32le(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v >> 16),
          static_cast<std::uint8_t>(v >> 24)};
}

// Good frames in `bytes`, by kind.
struct frame_count {
  std::size_t responses = 0, events = 0;
};
frame_count count_frames(const std::vector<std::uint8_t>& bytes) {
  frame_count c;
  transport::frame_decoder d;
  d.feed(bytes, [&](const transport::frame_view& f) {
    if (f.header.kind == transport::frame_kind::response) ++c.responses;
    if (f.header.kind == transport::frame_kind::event) ++c.events;
  });
  return c;
}

std::string joined_chars(const nlohmann::json& chars) {
  std::string s;
  for (const auto& c : chars) s += c.get<std::string>();
  return s;
}

// ---- serving ------------------------------------------------------------------

TEST(sim_exec, the_test_device_serves_its_profile_in_canonical_form) {
  auto r = run({device, "--print-profile"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(devices::profile::parse(r.out).to_json().dump(), r.out);
}

TEST(sim_exec, serves_the_program_on_its_pty_with_its_arguments_and_its_stderr) {
  exec_sim sim("exec-serve", {}, {"alpha", "two words", "--not-an-option-of-sim"});
  EXPECT_EQ(std::filesystem::read_symlink(sim.link).string(), sim.pty);
  // Without --profile: `comframe call` fetches the program's profile through describe.
  auto r = run({cli, "call", sim.link, "get_info", "--compact"});
  ASSERT_EQ(r.exit_code, 0) << r.err << sim.proc.output();
  EXPECT_EQ(joined_chars(nlohmann::json::parse(r.out)["args"]), "alpha two words --not-an-option-of-sim");
  r = run({cli, "call", sim.link, "echo", R"({"data": [0, 1, 0, 255]})", "--compact"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"data\":[0,1,0,255]}\n");
  const auto s = sim.stats();
  EXPECT_EQ(s["program"]["frame_errors"], 0);
  EXPECT_EQ(s["program"]["bytes_to_program"], s["faults"]["bytes_read"]) << s;
  EXPECT_EQ(s["program"]["bytes_from_program"], s["faults"]["bytes_written"]) << s;
  EXPECT_EQ(s["requests"], s["replies"]) << s;
  EXPECT_EQ(sim.proc.stop(SIGINT), 0) << sim.proc.output();
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::symlink_status(sim.link)));
  EXPECT_TRUE(pid_is_gone(sim.program));
}

// The C program of docs/simulator.md, cut from the page (tests/tools/CMakeLists.txt), works as written.
TEST(sim_exec, the_program_on_the_docs_page_serves_through_the_simulator) {
  const std::string link = temp_path("exec-doc");
  child_process sim({cli, "sim", "--exec", COMFRAME_DOC_EXEC_DEVICE, "--symlink", link, "--baud", "115200"});
  ASSERT_TRUE(sim.wait_for_line("port: ")) << sim.output();
  auto r = run({cli, "call", link, "echo", R"({"data": [0, 1, 2, 0]})", "--compact"});  // its profile through describe
  EXPECT_EQ(r.exit_code, 0) << r.err << sim.output();
  EXPECT_EQ(r.out, "{\"data\":[0,1,2,0]}\n");
  EXPECT_EQ(sim.stop(SIGINT), 0) << sim.output();
  EXPECT_NE(sim.output().find("program: " + std::string(COMFRAME_DOC_EXEC_DEVICE)), std::string::npos) << sim.output();
}

TEST(sim_exec, verbose_prints_the_programs_frames_decoded_by_the_profile_given) {
  exec_sim sim("exec-verbose", {"-v", "--profile", profile_file()});
  auto r = run({cli, "call", "--profile", profile_file(), sim.link, "echo", R"({"data": [7]})"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(sim.proc.stop(SIGINT), 0);
  EXPECT_NE(sim.proc.output().find("> request echo seq=1 data=[7]"), std::string::npos) << sim.proc.output();
  EXPECT_NE(sim.proc.output().find("< response echo seq=1 data=[7]"), std::string::npos) << sim.proc.output();
}

TEST(sim_exec, serves_tcp_hosts_one_after_another_with_one_program) {
  child_process sim({cli, "sim", "--exec", device, "--tcp", "127.0.0.1:0"});
  auto url = sim.wait_for_line("port: ");
  ASSERT_TRUE(url) << sim.output();
  for (int host = 0; host < 2; ++host) {
    auto r = run({cli, "call", "--profile", profile_file(), *url, "echo", R"({"data": [1, 2]})", "--compact"});
    EXPECT_EQ(r.exit_code, 0) << r.err << sim.output();
    EXPECT_EQ(r.out, "{\"data\":[1,2]}\n");
    ASSERT_TRUE(sim.wait_for_line("disconnected: ")) << sim.output();
  }
  EXPECT_EQ(sim.stop(SIGINT), 0) << sim.output();
  EXPECT_NE(sim.output().find("stats: requests 2, replies 2"), std::string::npos) << sim.output();
}

// The program gets its stdin, stdout and stderr and nothing else of the
// simulator's: not its listening socket, nor a host's connection.
TEST(sim_exec, the_program_inherits_no_descriptor_but_its_three_streams) {
  auto r = run({cli, "sim", "--tcp", "127.0.0.1:0", "--exec", "sh", "--", "-c", "exec ls -l /proc/self/fd >&2"});
  EXPECT_EQ(r.exit_code, 1) << r.err;  // it exits at once: the simulator reports it
  // "lrwx------ 1 u g 64 Dec 6 12:00 3 -> /proc/4242/fd": the descriptors of ls.
  std::istringstream lines(r.err);
  std::map<int, std::string> fds;
  for (std::string line; std::getline(lines, line);) {
    const auto arrow = line.find(" -> ");
    if (arrow == std::string::npos) continue;
    const auto name = line.rfind(' ', arrow - 1);
    fds[std::stoi(line.substr(name + 1, arrow - name - 1))] = line.substr(arrow + 4);
  }
  ASSERT_EQ(fds.size(), 4u) << r.err;
  EXPECT_TRUE(fds.contains(0) && fds.contains(1) && fds.contains(2)) << r.err;
  EXPECT_NE(fds[3].find("/proc/"), std::string::npos) << "only the listing's own: " << r.err;
}

// ---- faults and baud ----------------------------------------------------------

TEST(sim_exec, faults_act_on_the_programs_bytes_and_are_counted) {
  exec_sim sim("exec-faults", {"--faults", "never=1,seed=1"});
  // Every reply is dropped whole: the call times out, though the program answered.
  auto r = run({cli, "call", "--profile", profile_file(), "--timeout", "300", sim.link, "echo", R"({"data": [1]})"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  auto s = sim.stats();
  EXPECT_EQ(s["requests"], 1) << s;
  EXPECT_EQ(s["replies"], 1) << s;
  EXPECT_EQ(s["faults"]["replies"], 1) << s;
  EXPECT_EQ(s["faults"]["replies_dropped"], 1) << s;

  sim.proc.write_line("faults");  // off
  ASSERT_TRUE(sim.proc.wait_for_line("faults: none")) << sim.proc.output();
  r = run({cli, "call", "--profile", profile_file(), sim.link, "echo", R"({"data": [2]})", "--compact"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"data\":[2]}\n");

  // Every byte the host sends gets a bit flipped: the program sees no good request.
  sim.proc.write_line("faults rx_flip=1,seed=2");
  ASSERT_TRUE(sim.proc.wait_for_line("faults: ")) << sim.proc.output();
  r = run({cli, "call", "--profile", profile_file(), "--timeout", "300", sim.link, "echo", R"({"data": [3]})"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  s = sim.stats();
  EXPECT_GT(s["faults"]["rx_bytes_flipped"], 0) << s;
  EXPECT_GT(s["frame_errors"]["total"], 0) << s;
  EXPECT_EQ(s["requests"], 2) << s;  // the good one and the dropped reply's
  EXPECT_EQ(s["program"]["bytes_to_program"], s["faults"]["bytes_read"]) << s;
  EXPECT_EQ(sim.proc.stop(SIGINT), 0);
}

// Without a baud every byte the program writes reaches the host, counted alike on both sides.
TEST(sim_exec, relays_a_burst_byte_for_byte) {
  exec_sim sim("exec-burst");
  raw_host host(sim.link);
  const std::size_t ticks = 1500;  // 60 000 bytes
  host.request(6, 1, u32le(ticks));
  const auto got = host.read_until([&](const auto& b) { return count_frames(b).events == ticks; });
  const auto c = count_frames(got);
  EXPECT_EQ(c.responses, 1u);
  EXPECT_EQ(c.events, ticks);
  const auto s = sim.stats();
  EXPECT_EQ(s["program"]["bytes_from_program"], got.size()) << s;
  EXPECT_EQ(s["faults"]["bytes_written"], got.size()) << s;
  EXPECT_EQ(s["events"], ticks) << s;
  EXPECT_EQ(sim.proc.stop(SIGINT), 0);
}

// At 1200 baud (120 bytes per second) the line takes the program's bytes one
// read (4096 bytes) at a time as they leave: the rest waits in the program's
// pipe. When the host has its first bytes, the relay has read a few KiB of the
// 60 000 — a count that only 2 minutes of line time could raise past 20 000.
TEST(sim_exec, baud_emulation_holds_the_programs_bytes_back_at_the_line_rate) {
  exec_sim sim("exec-baud", {"--baud", "1200"});
  raw_host host(sim.link);
  host.request(6, 1, u32le(1500));
  const auto got = host.read_until([](const auto& b) { return b.size() >= 100; });
  ASSERT_GE(got.size(), 100u);
  const auto s = sim.stats();
  EXPECT_GT(s["program"]["bytes_from_program"], 0) << s;
  EXPECT_LT(s["program"]["bytes_from_program"], 20000) << s;
  EXPECT_LE(s["faults"]["bytes_written"], s["program"]["bytes_from_program"]) << s;
  // The program is blocked writing to its full pipe: stopping still ends and reaps it.
  EXPECT_EQ(sim.proc.stop(SIGINT), 0) << sim.proc.output();
  EXPECT_TRUE(pid_is_gone(sim.program));
}

// ---- life cycle ---------------------------------------------------------------
// Where the simulator ends by itself, stop(0) only waits for it (signal 0 is none).

TEST(sim_exec, the_programs_exit_ends_the_simulator_with_its_status) {
  exec_sim sim("exec-exit");
  // (Whether the call gets its reply is a race with the simulator closing its pty.)
  run({cli, "call", "--profile", profile_file(), sim.link, "exit", R"({"status": 3})"});
  const auto error = sim.proc.wait_for_line("error: ");
  ASSERT_TRUE(error) << sim.proc.output();
  EXPECT_EQ(*error, "[firmware_sim.exec] " + device + " exited with status 3");
  EXPECT_EQ(sim.proc.stop(0), 1);
  EXPECT_NE(sim.proc.output().find("comframe sim: [firmware_sim.exec] " + device + " exited with status 3\n"),
            std::string::npos)
      << sim.proc.output();
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::symlink_status(sim.link)));
}

TEST(sim_exec, a_program_killed_by_a_signal_is_reported_by_its_signal) {
  exec_sim sim("exec-killed");
  ::kill(sim.program, SIGKILL);
  const auto error = sim.proc.wait_for_line("error: ");
  ASSERT_TRUE(error) << sim.proc.output();
  EXPECT_EQ(*error, "[firmware_sim.exec] " + device + " was killed by signal 9 (SIGKILL)");
  EXPECT_EQ(sim.proc.stop(0), 1);
}

TEST(sim_exec, a_program_that_closes_its_stdout_is_reported_stopped_and_reaped) {
  exec_sim sim("exec-stdout", {"--stop-grace", "200"});
  auto r = run({cli, "call", "--profile", profile_file(), sim.link, "close_stdout"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto error = sim.proc.wait_for_line("error: ");
  ASSERT_TRUE(error) << sim.proc.output();
  EXPECT_EQ(*error, "[firmware_sim.exec] " + device + " closed its stdout");
  EXPECT_EQ(sim.proc.stop(0), 1);
  EXPECT_TRUE(pid_is_gone(sim.program));
}

// Writing to a program that closed its stdin gives EPIPE: SIGPIPE must not kill the simulator.
TEST(sim_exec, a_program_that_closes_its_stdin_is_reported_not_a_sigpipe) {
  exec_sim sim("exec-stdin", {"--stop-grace", "200"});
  auto r = run({cli, "call", "--profile", profile_file(), sim.link, "close_stdin"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  raw_host host(sim.link);
  host.request(2, 1, {1, 2, 3});
  const auto error = sim.proc.wait_for_line("error: ");
  ASSERT_TRUE(error) << sim.proc.output();
  EXPECT_EQ(*error, "[firmware_sim.exec] " + device + " closed its stdin");
  EXPECT_EQ(sim.proc.stop(0), 1) << "1, not 128 + SIGPIPE";
  EXPECT_TRUE(pid_is_gone(sim.program));
}

TEST(sim_exec, stopping_the_simulator_terminates_and_reaps_the_program) {
  exec_sim sim("exec-stop");
  EXPECT_EQ(sim.proc.stop(SIGTERM), 0) << sim.proc.output();
  // SIGTERM, or the end of its stdin that comes with it: either way it is reaped.
  EXPECT_NE(sim.proc.output().find("program: " + device), std::string::npos) << sim.proc.output();
  EXPECT_TRUE(pid_is_gone(sim.program));
}

TEST(sim_exec, a_program_that_ignores_sigterm_is_killed_after_the_grace) {
  exec_sim sim("exec-ignore-term", {"--stop-grace", "200"}, {"--ignore-term"});
  ::kill(sim.program, SIGSTOP);  // it cannot even take its stdin's end as a hint
  sim.proc.write_line("quit");
  EXPECT_EQ(sim.proc.stop(SIGINT), 0) << sim.proc.output();
  EXPECT_NE(sim.proc.output().find("program: " + device + " was killed by signal 9 (SIGKILL)"), std::string::npos)
      << sim.proc.output();
  EXPECT_TRUE(pid_is_gone(sim.program));
}

TEST(sim_exec, a_program_that_cannot_be_run_is_a_clear_error) {
  auto r = run({cli, "sim", "--exec", "/nonexistent/fw"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe sim: [firmware_sim.exec] cannot run /nonexistent/fw: No such file or directory\n");

  r = run({cli, "sim", "--exec", "comframe-no-such-program"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "comframe sim: [firmware_sim.exec] cannot run comframe-no-such-program: No such file or directory "
            "(looked up in PATH)\n");

  const std::string not_executable = temp_path("exec-not-executable");
  std::ofstream(not_executable) << "#!/bin/sh\n";
  ::chmod(not_executable.c_str(), 0644);
  r = run({cli, "sim", "--exec", not_executable});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe sim: [firmware_sim.exec] cannot run " + not_executable + ": Permission denied\n");

  r = run({cli, "sim", "--exec", device, "--device", "thermo"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "comframe sim: --exec PROG is the device: give no --device or --sim with it (--profile FILE names its "
            "profile)\n");
  r = run({cli, "sim", "--device", "thermo", "--", "arg"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--exec"), std::string::npos) << r.err;
}

}  // namespace

}  // namespace cli_sim_exec_test
