// `comframe sim` as a separate process on a real pty: the host session, the
// comframe CLI and pyserial (an independent client) talk to it; faults are
// turned on and off while it runs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "comframe/devices/session.hpp"
#include "comframe/devices/builtin/thermo.hpp"
#include "support/process.hpp"

namespace cli_sim_test {

namespace {

using namespace comframe;
using namespace std::chrono_literals;
namespace thermo = devices::builtin::thermo;
using test::child_process;
using test::run;

const std::string cli = COMFRAME_CLI;

std::string temp_link(const std::string& name) {
  return (std::filesystem::path(testing::TempDir()) / (name + "-" + std::to_string(getpid()))).string();
}

struct sim_process {
  std::string link;
  child_process proc;
  std::string pty;
  explicit sim_process(const std::string& name, std::vector<std::string> extra = {})
      : link(temp_link(name)), proc([&] {
          std::vector<std::string> args{cli, "sim", "--device", "thermo", "--symlink", link};
          args.insert(args.end(), extra.begin(), extra.end());
          return args;
        }()) {
    auto port = proc.wait_for_line("port: ");
    if (!port) throw std::runtime_error("the simulator did not start: " + proc.output());
    pty = *port;
  }
};

TEST(sim, prints_its_pty_keeps_the_symlink_and_removes_it_on_sigint) {
  sim_process sim("sim-lifecycle");
  EXPECT_EQ(sim.pty.rfind("/dev/pts/", 0), 0u) << sim.pty;
  EXPECT_EQ(std::filesystem::read_symlink(sim.link).string(), sim.pty);
  EXPECT_EQ(sim.proc.stop(SIGINT), 0) << sim.proc.output();
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::symlink_status(sim.link)));
  EXPECT_NE(sim.proc.output().find("stats: requests 0"), std::string::npos) << sim.proc.output();
}

TEST(sim, exits_cleanly_on_sigterm_too) {
  sim_process sim("sim-sigterm");
  EXPECT_EQ(sim.proc.stop(SIGTERM), 0);
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::symlink_status(sim.link)));
}

TEST(sim, the_host_session_talks_to_it_as_a_separate_process) {
  sim_process sim("sim-session");
  {
    devices::session board(sim.link);
    const auto info = board.request<thermo::get_info>({});
    EXPECT_EQ(info.name.view(), "thermo");
    EXPECT_EQ(info.firmware.major, 1);
    const auto r = board.request<thermo::read_sensors>({});
    EXPECT_EQ(r.temps_cdeg.size(), 4u);  // four channels at power-up
    auto cfg = board.request<thermo::get_config>({});
    cfg.channels = 6;
    EXPECT_EQ(board.request<thermo::set_config>(cfg).channels, 6);
    EXPECT_EQ(board.request<thermo::read_sensors>({}).temps_cdeg.size(), 6u);
    EXPECT_EQ(board.fetch_profile().device(), "thermo");
  }
  EXPECT_EQ(sim.proc.stop(), 0);
}

TEST(sim, comframe_call_works_against_it_without_a_profile_file) {
  sim_process sim("sim-call");
  auto r = run({cli, "call", sim.link, "get_info", "--compact"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["serial_number"], 20240601);
  r = run({cli, "call", sim.link, "set_led", R"({"index": 9, "rgb": [0, 0, 0]})"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe call: [devices.device_error] set_led: device error 3 (out_of_range): LED index 9 is outside 0..7\n");
}

TEST(sim, comframe_call_prints_thermos_name_as_a_json_string) {
  sim_process sim("sim-text");
  auto r = run({cli, "call", sim.pty, "get_info", "--compact"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, R"({"firmware":{"major":1,"minor":4,"patch":2},"serial_number":20240601,"name":"thermo"})"
                   "\n");
  r = run({cli, "call", sim.pty, "get_info"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\n  \"name\": \"thermo\"\n}"), std::string::npos) << r.out;
  EXPECT_EQ(sim.proc.stop(), 0);
}

TEST(sim, comframe_call_describe_shows_the_chunk_as_text) {
  sim_process sim("sim-describe");
  auto r = run({cli, "call", sim.pty, "describe", R"({"offset": 0, "max_bytes": 20})", "--compact"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["chunk"], R"({"comframe_profile":)");
  EXPECT_GT(j["total"].get<std::uint32_t>(), 20u);
  EXPECT_TRUE(j["hash"].is_number_unsigned());
  EXPECT_EQ(sim.proc.stop(), 0);
}

TEST(sim, pyserial_talks_to_it_using_only_the_byte_level_spec) {
  sim_process sim("sim-pyserial");
  const std::string script = std::string(COMFRAME_SOURCE_DIR) + "/examples/thermo_device/pyserial_get_info.py";
  auto r = run({"/usr/bin/python3", script, sim.link});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("thermo"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("20240601"), std::string::npos) << r.out;
}

TEST(sim, serves_on_a_tcp_port_one_host_after_another) {
  child_process sim({cli, "sim", "--device", "thermo", "--tcp", "127.0.0.1:0"});
  auto url = sim.wait_for_line("port: ");
  ASSERT_TRUE(url) << sim.output();
  EXPECT_EQ(url->rfind("tcp://127.0.0.1:", 0), 0u) << *url;
  for (int host = 0; host < 2; ++host) {
    devices::session board(*url);
    EXPECT_EQ(board.request<thermo::get_info>({}).serial_number, 20240601u);
    EXPECT_EQ(board.request<thermo::read_sensors>({}).sequence, static_cast<std::uint32_t>(host));  // one device
  }
  EXPECT_EQ(sim.stop(), 0);
  EXPECT_NE(sim.output().find("stats: requests 4, replies 4"), std::string::npos) << sim.output();
}

TEST(sim, a_bare_profile_file_is_a_device_answering_zero_values) {
  const std::string profile_file = testing::TempDir() + "blank.profile.json";
  std::ofstream(profile_file) << R"({"comframe_profile": 1, "device": "blank", "commands": [
      {"id": 1, "name": "read", "request": "null", "response": {"struct": [{"name": "value", "type": "u16"}]}}]})";
  const std::string link = temp_link("sim-profile");
  child_process sim({cli, "sim", "--profile", profile_file, "--symlink", link});
  ASSERT_TRUE(sim.wait_for_line("port: ")) << sim.output();
  auto r = run({cli, "call", link, "read", "--compact"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"value\":0}\n");
  EXPECT_EQ(sim.stop(), 0);
}

// --link, the option's first name, is kept for the scripts that use it; --help names only --symlink.
TEST(sim, the_old_option_name_link_still_keeps_the_symlink) {
  const std::string link = temp_link("sim-old-name");
  child_process sim({cli, "sim", "--device", "echo", "--link", link});
  const auto pty = sim.wait_for_line("port: ");
  ASSERT_TRUE(pty) << sim.output();
  EXPECT_EQ(sim.wait_for_line("link: "), link) << sim.output();
  EXPECT_EQ(std::filesystem::read_symlink(link).string(), *pty);
  EXPECT_EQ(sim.stop(SIGINT), 0) << sim.output();
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::symlink_status(link)));

  const auto help = run({cli, "sim", "--help"});
  EXPECT_NE(help.out.find("-l,--symlink TEXT"), std::string::npos) << help.out;
  EXPECT_EQ(help.out.find("--link"), std::string::npos) << help.out;
  const auto both = run({cli, "sim", "--device", "echo", "--symlink", link, "--link", link});
  EXPECT_EQ(both.exit_code, 1);
  EXPECT_EQ(both.err, "comframe sim: give --symlink PATH, not also --link (its old name)\n");
}

TEST(sim, bad_arguments_are_clear_errors) {
  auto r = run({cli, "sim"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe sim: give one of --device NAME, --sim FILE, --profile FILE or --exec PROG\n");
  r = run({cli, "sim", "--device", "thermo", "--tcp", "99999"});
  EXPECT_EQ(r.err, "comframe sim: [transport.bad_url] --tcp \"99999\": the port must be a number within 0..65535\n");
  r = run({cli, "sim", "--device", "toaster"});
  EXPECT_EQ(r.err, "comframe sim: no built-in device \"toaster\" (the devices are: thermo, echo; or give --sim FILE)\n");
  r = run({cli, "sim", "--device", "thermo", "--faults", "drop=2"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "comframe sim: [firmware_sim.fault] bad fault \"drop=2\": a probability must be within 0..1\n");
  r = run({cli, "sim", "--device", "thermo", "--baud", "0"});
  EXPECT_EQ(r.exit_code, 2);
  const std::string not_a_link = testing::TempDir() + "regular-file";
  std::ofstream(not_a_link) << "x";
  r = run({cli, "sim", "--device", "thermo", "--symlink", not_a_link});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("is not a symbolic link"), std::string::npos) << r.err;
}

// Every request ends in its correct reply or a reported timeout or link error,
// never a wrong reply; the session goes on once the faults are off. While
// faults are on, a short timeout keeps the rounds quick: a timeout is one of
// the outcomes allowed, so no assertion depends on a reply beating it (a slow
// sanitizer build only turns more rounds into timeouts). Without faults every
// request must succeed, so the timeout is generous: a test never bounds time
// from above.
constexpr auto faulty_timeout = 300ms;
constexpr auto healthy_timeout = std::chrono::milliseconds(30'000);

void exercise(devices::session& board, int rounds, int& ok, int& failed,
              std::chrono::milliseconds timeout = healthy_timeout) {
  for (int i = 0; i < rounds; ++i) {
    const thermo::led_setting led{static_cast<std::uint8_t>(i % 8), {static_cast<std::uint8_t>(i), 1, 2}};
    try {
      board.request<thermo::set_led>(led, timeout);
      auto cfg = board.request<thermo::get_config>({}, timeout);
      EXPECT_GE(cfg.channels, 1);
      EXPECT_LE(cfg.channels, 8);
      const auto r = board.request<thermo::read_sensors>({}, timeout);
      EXPECT_EQ(r.temps_cdeg.size(), cfg.channels);
      for (auto t : r.temps_cdeg) {
        EXPECT_GT(t, 2000);  // the simulator's plausible range: never a value from another reply
        EXPECT_LT(t, 2600);
      }
      ++ok;
    } catch (const devices::request_error& e) {
      const auto k = e.kind();
      EXPECT_TRUE(k == devices::request_errc::timeout || k == devices::request_errc::link_lost ||
                  k == devices::request_errc::not_connected || k == devices::request_errc::bad_reply)
          << e.what();
      if (k == devices::request_errc::not_connected) std::this_thread::sleep_for(20ms);  // the port is away: pace retries
      ++failed;
    }
  }
}

TEST(sim_faults, every_request_ends_in_its_reply_or_a_reported_error_never_a_wrong_reply) {
  sim_process sim("sim-faults", {"--faults", "seed=7"});
  devices::session_options o;
  o.reconnect_initial = 20ms;
  o.reconnect_max = 200ms;
  devices::session board(sim.link, o);
  int ok = 0, failed = 0;
  exercise(board, 10, ok, failed);
  EXPECT_EQ(failed, 0) << "no faults yet";

  const char* matrix[] = {"flip=0.02,seed=1", "drop=0.02,seed=2", "garbage=0.5,seed=3", "delay=20,jitter=20,seed=4",
                          "late=400,seed=5",  "never=0.3,seed=6"};
  for (const char* spec : matrix) {
    SCOPED_TRACE(spec);
    sim.proc.write_line(std::string("faults ") + spec);
    ASSERT_TRUE(sim.proc.wait_for_line("faults: ")) << sim.proc.output();
    int fault_ok = 0, fault_failed = 0;
    exercise(board, 30, fault_ok, fault_failed, faulty_timeout);
    sim.proc.write_line("faults");  // off
    ASSERT_TRUE(sim.proc.wait_for_line("faults: none")) << sim.proc.output();
    // Bytes of the faulty period may still be on the line (garbage, a frame cut
    // by a dropped delimiter): they can spoil the next reply, which the session
    // then reports as broken. One good reply shows the line is clean again; from
    // then on every request succeeds.
    int settled = 0;
    for (int attempt = 0; attempt < 5 && settled == 0; ++attempt) {
      int failed_once = 0;
      exercise(board, 1, settled, failed_once);
    }
    ASSERT_EQ(settled, 1) << "the session goes on once the device is well again";
    int after_ok = 0, after_failed = 0;
    exercise(board, 5, after_ok, after_failed);
    EXPECT_EQ(after_ok, 5);
    EXPECT_EQ(after_failed, 0);
    ok += fault_ok;
    failed += fault_failed;
  }
  EXPECT_GT(failed, 0) << "the faults did something";
  EXPECT_GT(ok, 0);
  EXPECT_EQ(sim.proc.stop(), 0);
}

// never and late act on replies, whole: a dropped reply is a timeout (the
// device made it, not a byte of it reached the line), a late one arrives intact
// while the events made meanwhile overtake it.
TEST(sim_faults, never_is_a_timeout_and_a_late_reply_arrives_whole_behind_the_events_made_meanwhile) {
  sim_process sim("sim-reply-faults", {"--faults", "never=1,seed=1"});
  devices::session board(sim.link);
  try {
    board.request<thermo::get_info>({}, 300ms);
    ADD_FAILURE() << "a reply arrived";
  } catch (const devices::request_error& e) {
    EXPECT_EQ(e.kind(), devices::request_errc::timeout) << e.what();
  }
  sim.proc.write_line("stats json");
  auto line = sim.proc.wait_for_line("{");
  ASSERT_TRUE(line) << sim.proc.output();
  auto s = nlohmann::json::parse("{" + *line);
  EXPECT_EQ(s["requests"], 1) << s;
  EXPECT_EQ(s["faults"]["replies_dropped"], 1) << s;
  EXPECT_EQ(s["faults"]["bytes_written"], 0) << s;

  sim.proc.write_line("faults");
  ASSERT_TRUE(sim.proc.wait_for_line("faults: none")) << sim.proc.output();
  std::mutex m;
  std::uint32_t events = 0;
  board.on_event<thermo::telemetry>([&](const thermo::telemetry_sample&) {
    std::lock_guard lock(m);
    ++events;
  });
  board.request<thermo::start_telemetry>({50});
  sim.proc.write_line("faults late=1000");
  ASSERT_TRUE(sim.proc.wait_for_line("faults: late=1000")) << sim.proc.output();
  std::uint32_t before = 0;
  {
    std::lock_guard lock(m);
    before = events;
  }
  const auto info = board.request<thermo::get_info>({}, 10s);
  std::uint32_t during = 0;
  {
    std::lock_guard lock(m);
    during = events - before;
  }
  EXPECT_EQ(info.serial_number, 20240601u);  // whole and right
  EXPECT_GT(during, 0u) << "events made while the reply was held went out before it";
  sim.proc.write_line("faults");
  ASSERT_TRUE(sim.proc.wait_for_line("faults: none")) << sim.proc.output();
  board.request<thermo::stop_telemetry>({});
  sim.proc.write_line("stats json");
  line = sim.proc.wait_for_line("{");
  ASSERT_TRUE(line) << sim.proc.output();
  s = nlohmann::json::parse("{" + *line);
  EXPECT_EQ(s["faults"]["replies_late"], 1) << s;
  EXPECT_EQ(s["frame_errors"]["total"], 0) << s;
  EXPECT_EQ(sim.proc.stop(), 0);
}

TEST(sim_faults, a_disconnect_is_reported_and_the_session_reconnects_to_the_new_pty) {
  sim_process sim("sim-disconnect");
  devices::session_options o;
  o.reconnect_initial = 20ms;
  o.reconnect_max = 100ms;
  // Declared before the session: its handler may run until the session is destroyed.
  std::mutex m;
  std::condition_variable cv;
  std::vector<devices::link_state> states;
  devices::session board(sim.link, o);
  board.on_link_state([&](devices::link_state s, const std::string&) {
    std::lock_guard lock(m);
    states.push_back(s);
    cv.notify_all();
  });
  EXPECT_EQ(board.request<thermo::get_info>({}).serial_number, 20240601u);
  sim.proc.write_line("disconnect 300");
  auto back = sim.proc.wait_for_line("port: ");
  ASSERT_TRUE(back) << sim.proc.output();
  {
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, 30s, [&] {
      return std::find(states.begin(), states.end(), devices::link_state::reconnected) != states.end();
    }));
  }
  EXPECT_NE(std::find(states.begin(), states.end(), devices::link_state::lost), states.end());
  EXPECT_EQ(board.request<thermo::get_info>({}).serial_number, 20240601u);
  EXPECT_EQ(std::filesystem::read_symlink(sim.link).string(), *back);
  EXPECT_EQ(sim.proc.stop(), 0);
}

}  // namespace

namespace {

TEST(sim_stats, stats_json_prints_one_json_line_and_stats_json_makes_the_exit_line_json) {
  auto r = comframe::test::run({cli, "sim", "--device", "thermo", "-q", "--stats-json"}, "stats json\nstall abc\nquit\n");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::vector<std::string> json_lines;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty() && line[0] == '{') json_lines.push_back(line);
  ASSERT_EQ(json_lines.size(), 2u) << r.out;
  for (const auto& line : json_lines) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["requests"], 0);
    EXPECT_EQ(j["wrong_kind"], 0);
    EXPECT_EQ(j["replies_dropped"], 0);
    EXPECT_EQ(j["frame_errors"]["bad_version"], 0);
    EXPECT_EQ(j["frame_errors"]["bad_kind"], 0);
    EXPECT_TRUE(j["faults"].is_object());
  }
  EXPECT_NE(r.out.find("error: stall \"abc\": expected stall MS, MS a whole number of milliseconds within 0..3600000\n"),
            std::string::npos)
      << r.out;
}

TEST(sim_stats, a_long_fault_string_is_not_echoed_whole) {
  const std::string spec = "drop=" + std::string(100000, '9');
  auto r = comframe::test::run({cli, "sim", "--device", "thermo", "--faults", spec});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_LT(r.err.size(), 400u) << "the error echoes the whole fault string";
  EXPECT_NE(r.err.find("cut"), std::string::npos) << r.err;
}

}  // namespace

}  // namespace cli_sim_test
