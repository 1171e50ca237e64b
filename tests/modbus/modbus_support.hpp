// Test support for the Modbus tests: a socat pty pair, the libmodbus programs
// built beside the tests, and the pymodbus client script, each a real process.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/process.hpp"
#include "support/require_tool.hpp"

namespace comframe::test::modbus {

inline const std::string cli = COMFRAME_CLI;
inline const std::string source_dir = COMFRAME_SOURCE_DIR;
inline const std::string pymodbus_client = source_dir + "/tests/modbus/pymodbus_client.py";
#ifdef COMFRAME_MODBUS_SERVER
inline const std::string libmodbus_server = COMFRAME_MODBUS_SERVER;
inline const std::string libmodbus_client = COMFRAME_MODBUS_CLIENT;
inline constexpr bool have_libmodbus = true;
#else
inline const std::string libmodbus_server;
inline const std::string libmodbus_client;
inline constexpr bool have_libmodbus = false;
#endif

inline std::string temp_path(const std::string& name) {
  return (std::filesystem::path(testing::TempDir()) / (name + "-" + std::to_string(getpid()))).string();
}

inline bool have_program(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

/// Two ptys joined by socat: whatever is written to one end is read at the other.
/// `a` and `b` are the symlinks to the two ends. The destructor kills socat (by pid).
class pty_pair {
 public:
  explicit pty_pair(const std::string& name)
      : a(temp_path(name + "-A")), b(temp_path(name + "-B")) {
    std::filesystem::remove(a);
    std::filesystem::remove(b);
    socat_ = std::make_unique<child_process>(std::vector<std::string>{
        "/usr/bin/socat", "pty,raw,echo=0,link=" + a, "pty,raw,echo=0,link=" + b});
    // socat makes the links before it starts copying; wait for both (bounded).
    for (int i = 0; i < 500 && !(std::filesystem::exists(a) && std::filesystem::exists(b)); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  bool ready() const { return std::filesystem::exists(a) && std::filesystem::exists(b); }
  std::string output() const { return socat_->output(); }
  const std::string a, b;

 private:
  std::unique_ptr<child_process> socat_;
};

}  // namespace comframe::test::modbus

/// Ends the test (skip, or failure under CI=true) when libmodbus, pymodbus or socat is missing.
#define COMFRAME_REQUIRE_LIBMODBUS()                                                             \
  do {                                                                                           \
    if (!::comframe::test::modbus::have_libmodbus)                                               \
      COMFRAME_MISSING_TOOL("libmodbus was not found at configure time (apt-get install libmodbus-dev, then cmake again)"); \
  } while (0)
#define COMFRAME_REQUIRE_SOCAT()                                                                 \
  do {                                                                                           \
    if (!::comframe::test::modbus::have_program("/usr/bin/socat"))                              \
      COMFRAME_MISSING_TOOL("socat is not installed (apt-get install socat)");                  \
  } while (0)
#define COMFRAME_REQUIRE_PYMODBUS()                                                              \
  do {                                                                                           \
    if (::comframe::test::run({"/usr/bin/python3", "-c",                                        \
                               "import serial_asyncio; from pymodbus.client import ModbusSerialClient"}) \
            .exit_code != 0)                                                                     \
      COMFRAME_MISSING_TOOL("pymodbus 3 is not installed (apt-get install python3-pymodbus python3-serial-asyncio)"); \
  } while (0)
