// Port listing and description: libserialport's view, ptys handled without it,
// and --match patterns.
#include "comframe/transport/ports.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <regex>
#include <string>

#include "comframe/transport/link_error.hpp"
#include "support/pty_master.hpp"

namespace ports_test {

namespace {

using namespace comframe::transport;

// A pseudo-terminal whose slave path the tests describe.
class pty {
 public:
  pty() : m_(comframe::test::open_pty_master()) {}
  ~pty() { ::close(m_.fd); }
  pty(const pty&) = delete;
  pty& operator=(const pty&) = delete;

  const std::string& slave_path() const { return m_.slave_path; }

 private:
  comframe::test::pty_master m_;
};

// The kind and message of the link_error that describing `path` throws.
std::string port_info_error(const std::string& path) {
  try {
    port_info_of(path);
  } catch (const link_error& e) {
    EXPECT_EQ(e.kind(), link_errc::not_found);
    EXPECT_EQ(e.id(), "transport.not_found");
    EXPECT_EQ(std::string(e.what()), "[" + e.id() + "] " + e.detail());
    return e.detail();
  }
  ADD_FAILURE() << "no error describing " << path;
  return {};
}

port_info ftdi_adapter() {
  port_info info;
  info.path = "/dev/ttyUSB0";
  info.transport = port_transport::usb;
  info.description = "FT232R USB UART - FT232R USB UART";
  info.usb = usb_id{0x0403, 0x6001};
  info.serial_number = "A50285BI";
  info.manufacturer = "FTDI";
  info.product = "FT232R USB UART";
  return info;
}

TEST(ports, list_ports_returns_without_error_and_every_port_has_a_path_and_metadata) {
  const auto ports = list_ports();
  for (const port_info& port : ports) {
    EXPECT_FALSE(port.path.empty());
    EXPECT_TRUE(port.has_metadata()) << port.path;
    if (port.usb) {
      EXPECT_EQ(port.transport, port_transport::usb) << port.path;
    }
  }
  EXPECT_TRUE(std::is_sorted(ports.begin(), ports.end(),
                             [](const port_info& a, const port_info& b) { return a.path < b.path; }));
}

TEST(ports, port_info_of_a_pty_is_the_path_without_metadata) {
  pty terminal;
  const port_info info = port_info_of(terminal.slave_path());
  EXPECT_EQ(info.path, terminal.slave_path());
  EXPECT_FALSE(info.has_metadata());
  EXPECT_FALSE(info.transport);
  EXPECT_FALSE(info.usb);
  EXPECT_TRUE(info.description.empty());
  EXPECT_TRUE(info.serial_number.empty());
  EXPECT_TRUE(info.manufacturer.empty());
  EXPECT_TRUE(info.product.empty());
}

TEST(ports, port_info_of_a_symlink_to_a_pty_keeps_the_symlink_path_and_has_no_metadata) {
  pty terminal;
  std::string dir_template = (std::filesystem::temp_directory_path() / "comframe-ports-XXXXXX").string();
  ASSERT_NE(::mkdtemp(dir_template.data()), nullptr) << std::strerror(errno);
  const std::filesystem::path dir = dir_template;
  const auto symlink = dir / "sim-port";
  std::filesystem::create_symlink(terminal.slave_path(), symlink);
  const port_info info = port_info_of(symlink.string());
  EXPECT_EQ(info.path, symlink.string());
  EXPECT_FALSE(info.has_metadata());
  std::filesystem::remove_all(dir);
}

TEST(ports, port_info_of_a_missing_path_says_the_path_and_the_os_reason) {
  EXPECT_EQ(port_info_error("/dev/ttyUSB-comframe-missing"),
            "cannot describe /dev/ttyUSB-comframe-missing: No such file or directory");
}

TEST(ports, port_info_of_something_that_is_no_device_says_so) {
  EXPECT_EQ(port_info_error("/"), "cannot describe /: not a character device");
}

TEST(ports, port_info_of_a_character_device_libserialport_does_not_know_is_just_the_path) {
  const port_info info = port_info_of("/dev/null");
  EXPECT_EQ(info.path, "/dev/null");
  EXPECT_FALSE(info.has_metadata());
}

TEST(ports, port_info_of_agrees_with_list_ports_on_listed_ports) {
  for (const port_info& listed : list_ports()) {
    const port_info described = port_info_of(listed.path);
    EXPECT_EQ(described.path, listed.path);
    EXPECT_EQ(described.transport, listed.transport) << listed.path;
    EXPECT_EQ(described.usb, listed.usb) << listed.path;
    EXPECT_EQ(described.serial_number, listed.serial_number) << listed.path;
  }
}

TEST(ports, usb_ids_print_as_four_lower_case_hex_digits_each) {
  EXPECT_EQ(to_string(usb_id{0x0403, 0x6001}), "0403:6001");
  EXPECT_EQ(to_string(usb_id{0x2E8A, 0x000A}), "2e8a:000a");
  EXPECT_EQ(to_string(usb_id{0xFFFF, 0}), "ffff:0000");
}

TEST(ports, transports_print_by_name) {
  EXPECT_EQ(to_string(port_transport::native), "native");
  EXPECT_EQ(to_string(port_transport::usb), "usb");
  EXPECT_EQ(to_string(port_transport::bluetooth), "bluetooth");
}

// What `comframe ports --match` passes: std::regex_search on each text.
auto search(const char* pattern, std::regex::flag_type flags = std::regex::ECMAScript) {
  return [re = std::regex(pattern, flags)](std::string_view text) { return std::regex_search(text.begin(), text.end(), re); };
}

TEST(ports, a_search_looks_at_path_description_vid_pid_serial_manufacturer_and_product_in_that_order) {
  EXPECT_EQ(port_search_texts(ftdi_adapter()),
            (std::vector<std::string>{"/dev/ttyUSB0", "FT232R USB UART - FT232R USB UART", "0403:6001", "A50285BI",
                                      "FTDI", "FT232R USB UART"}));
  port_info pty;
  pty.path = "/dev/pts/7";
  EXPECT_EQ(port_search_texts(pty), std::vector<std::string>{"/dev/pts/7"});
}

TEST(ports, a_pattern_matches_any_of_path_description_vid_pid_serial_manufacturer_and_product) {
  const port_info info = ftdi_adapter();
  EXPECT_TRUE(port_matches(info, search("ttyUSB")));
  EXPECT_TRUE(port_matches(info, search("UART - FT232R")));
  EXPECT_TRUE(port_matches(info, search("0403:6001")));
  EXPECT_TRUE(port_matches(info, search("^0403:")));
  EXPECT_TRUE(port_matches(info, search("A50285BI")));
  EXPECT_TRUE(port_matches(info, search("^FTDI$")));
  EXPECT_TRUE(port_matches(info, search("^FT232R USB UART$")));
}

TEST(ports, a_pattern_that_matches_no_field_does_not_match) {
  const port_info info = ftdi_adapter();
  EXPECT_FALSE(port_matches(info, search("ttyACM")));
  EXPECT_FALSE(port_matches(info, search("2e8a:")));
  EXPECT_FALSE(port_matches(info, search("6001:0403")));
}

TEST(ports, a_pattern_is_case_sensitive_unless_built_with_icase) {
  const port_info info = ftdi_adapter();
  EXPECT_FALSE(port_matches(info, search("ftdi")));
  EXPECT_TRUE(port_matches(info, search("ftdi", std::regex::icase)));
}

TEST(ports, a_port_without_metadata_matches_by_path_only) {
  port_info info;
  info.path = "/dev/pts/7";
  EXPECT_TRUE(port_matches(info, search("pts")));
  EXPECT_FALSE(port_matches(info, search(":")));
}

}  // namespace

}  // namespace ports_test
