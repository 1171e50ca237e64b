// Link URLs: every form, every option, and the exact message for every mistake.
#include "comframe/transport/url.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <variant>

#include "comframe/transport/link_error.hpp"

namespace url_test {

namespace {

using namespace comframe::transport;

serial_url parse_serial(std::string_view text) {
  const link_url url = parse_url(text);
  EXPECT_TRUE(std::holds_alternative<serial_url>(url)) << text;
  return std::holds_alternative<serial_url>(url) ? std::get<serial_url>(url) : serial_url{};
}

// The message of the bad_url error that parsing `text` throws.
std::string bad_url_message(std::string_view text) {
  try {
    parse_url(text);
  } catch (const link_error& e) {
    EXPECT_EQ(e.kind(), link_errc::bad_url);
    EXPECT_EQ(e.id(), "transport.bad_url");
    EXPECT_EQ(std::string(e.what()), "[" + e.id() + "] " + e.detail());
    return e.detail();
  }
  ADD_FAILURE() << "no error for " << text;
  return {};
}

TEST(url, a_device_path_is_a_serial_port_with_115200_8n1_and_no_flow_control) {
  const serial_url url = parse_serial("/dev/ttyUSB0");
  EXPECT_EQ(url.path, "/dev/ttyUSB0");
  EXPECT_EQ(url.settings.baud, 115200u);
  EXPECT_EQ(url.settings.data_bits, 8);
  EXPECT_EQ(url.settings.parity, parity::none);
  EXPECT_EQ(url.settings.stop_bits, stop_bits::one);
  EXPECT_EQ(url.settings.flow, flow_control::none);
  EXPECT_EQ(url.settings, serial_settings{});
}

TEST(url, a_relative_path_or_pty_path_is_a_serial_port_too) {
  EXPECT_EQ(parse_serial("/dev/pts/3").path, "/dev/pts/3");
  EXPECT_EQ(parse_serial("sim-port").path, "sim-port");
  EXPECT_EQ(parse_serial("./run/sim-port").path, "./run/sim-port");
}

TEST(url, the_serial_scheme_takes_an_absolute_path) {
  const serial_url url = parse_serial("serial:///dev/ttyACM0");
  EXPECT_EQ(url.path, "/dev/ttyACM0");
  EXPECT_EQ(url.settings, serial_settings{});
}

TEST(url, every_serial_option_is_read_from_the_query) {
  const serial_url url =
      parse_serial("serial:///dev/ttyUSB1?baud=250000&data_bits=7&parity=even&stop_bits=2&flow=hardware");
  EXPECT_EQ(url.path, "/dev/ttyUSB1");
  EXPECT_EQ(url.settings.baud, 250000u);
  EXPECT_EQ(url.settings.data_bits, 7);
  EXPECT_EQ(url.settings.parity, parity::even);
  EXPECT_EQ(url.settings.stop_bits, stop_bits::two);
  EXPECT_EQ(url.settings.flow, flow_control::hardware);
}

TEST(url, every_spelling_of_each_serial_option_is_accepted) {
  EXPECT_EQ(parse_serial("/dev/x?baud=1").settings.baud, 1u);
  EXPECT_EQ(parse_serial("/dev/x?baud=4294967295").settings.baud, 4294967295u);
  for (int bits = 5; bits <= 8; ++bits) {
    EXPECT_EQ(parse_serial("/dev/x?data_bits=" + std::to_string(bits)).settings.data_bits, bits);
  }
  EXPECT_EQ(parse_serial("/dev/x?parity=none").settings.parity, parity::none);
  EXPECT_EQ(parse_serial("/dev/x?parity=odd").settings.parity, parity::odd);
  EXPECT_EQ(parse_serial("/dev/x?parity=even").settings.parity, parity::even);
  EXPECT_EQ(parse_serial("/dev/x?stop_bits=1").settings.stop_bits, stop_bits::one);
  EXPECT_EQ(parse_serial("/dev/x?stop_bits=1.5").settings.stop_bits, stop_bits::one_and_half);
  EXPECT_EQ(parse_serial("/dev/x?stop_bits=2").settings.stop_bits, stop_bits::two);
  EXPECT_EQ(parse_serial("/dev/x?flow=none").settings.flow, flow_control::none);
  EXPECT_EQ(parse_serial("/dev/x?flow=software").settings.flow, flow_control::software);
  EXPECT_EQ(parse_serial("/dev/x?flow=hardware").settings.flow, flow_control::hardware);
}

TEST(url, an_empty_query_means_the_defaults) {
  const serial_url url = parse_serial("/dev/ttyS0?");
  EXPECT_EQ(url.path, "/dev/ttyS0");
  EXPECT_EQ(url.settings, serial_settings{});
}

TEST(url, tcp_takes_a_host_and_a_port) {
  const link_url url = parse_url("tcp://localhost:4001");
  ASSERT_TRUE(std::holds_alternative<tcp_url>(url));
  EXPECT_EQ(std::get<tcp_url>(url).host, "localhost");
  EXPECT_EQ(std::get<tcp_url>(url).port, 4001);
  EXPECT_EQ(std::get<tcp_url>(parse_url("tcp://192.168.1.20:65535")), (tcp_url{"192.168.1.20", 65535}));
}

TEST(url, tcp_takes_an_ipv6_address_in_brackets) {
  EXPECT_EQ(std::get<tcp_url>(parse_url("tcp://[::1]:4001")), (tcp_url{"::1", 4001}));
}

TEST(url, loop_takes_a_name) {
  const link_url url = parse_url("loop://bench");
  ASSERT_TRUE(std::holds_alternative<loop_url>(url));
  EXPECT_EQ(std::get<loop_url>(url).name, "bench");
}

TEST(url, to_string_prints_only_options_that_differ_from_the_defaults) {
  EXPECT_EQ(to_string(parse_url("serial:///dev/ttyUSB0")), "/dev/ttyUSB0");
  EXPECT_EQ(to_string(parse_url("/dev/ttyUSB0?parity=even&baud=9600")), "/dev/ttyUSB0?baud=9600&parity=even");
  EXPECT_EQ(to_string(parse_url("/dev/ttyUSB0?baud=115200&stop_bits=1.5&flow=software&data_bits=7")),
            "/dev/ttyUSB0?data_bits=7&stop_bits=1.5&flow=software");
  EXPECT_EQ(to_string(parse_url("tcp://[::1]:4001")), "tcp://[::1]:4001");
  EXPECT_EQ(to_string(parse_url("tcp://example.org:23")), "tcp://example.org:23");
  EXPECT_EQ(to_string(parse_url("loop://bench")), "loop://bench");
  // A path holding "://" keeps its scheme, or it would read as one.
  EXPECT_EQ(to_string(parse_url("serial:///dev/a://b")), "serial:///dev/a://b");
}

TEST(url, to_string_reads_back_as_the_same_url) {
  for (const char* text : {"/dev/ttyUSB0?baud=250000&data_bits=5&parity=odd&stop_bits=2&flow=hardware",
                           "tcp://[fe80::1]:1", "loop://x", "serial:///dev/a://b?baud=9600"}) {
    const link_url url = parse_url(text);
    EXPECT_EQ(parse_url(to_string(url)), url) << text;
  }
}

TEST(url, bad_baud_values_are_refused_with_the_option_named) {
  EXPECT_EQ(bad_url_message("/dev/x?baud=fast"), R"(bad URL "/dev/x?baud=fast": baud must be a positive integer)");
  EXPECT_EQ(bad_url_message("/dev/x?baud=0"), R"(bad URL "/dev/x?baud=0": baud must be a positive integer)");
  EXPECT_EQ(bad_url_message("/dev/x?baud=-9600"), R"(bad URL "/dev/x?baud=-9600": baud must be a positive integer)");
  EXPECT_EQ(bad_url_message("/dev/x?baud=+9600"), R"(bad URL "/dev/x?baud=+9600": baud must be a positive integer)");
  EXPECT_EQ(bad_url_message("/dev/x?baud=96 00"), R"(bad URL "/dev/x?baud=96 00": baud must be a positive integer)");
  EXPECT_EQ(bad_url_message("/dev/x?baud="), R"(bad URL "/dev/x?baud=": baud must be a positive integer)");
  EXPECT_EQ(bad_url_message("/dev/x?baud=4294967296"), R"(bad URL "/dev/x?baud=4294967296": baud must be at most 4294967295)");
  EXPECT_EQ(bad_url_message("/dev/x?baud=123456789012345678901234"),
            R"(bad URL "/dev/x?baud=123456789012345678901234": baud must be a positive integer)");
}

TEST(url, bad_data_bits_parity_stop_bits_and_flow_are_refused_with_the_choices_named) {
  EXPECT_EQ(bad_url_message("/dev/x?data_bits=9"), R"(bad URL "/dev/x?data_bits=9": data_bits must be 5, 6, 7 or 8)");
  EXPECT_EQ(bad_url_message("/dev/x?data_bits=4"), R"(bad URL "/dev/x?data_bits=4": data_bits must be 5, 6, 7 or 8)");
  EXPECT_EQ(bad_url_message("/dev/x?data_bits=08"), R"(bad URL "/dev/x?data_bits=08": data_bits must be 5, 6, 7 or 8)");
  EXPECT_EQ(bad_url_message("/dev/x?parity=mark"), R"(bad URL "/dev/x?parity=mark": parity must be none, odd or even)");
  EXPECT_EQ(bad_url_message("/dev/x?parity=ODD"), R"(bad URL "/dev/x?parity=ODD": parity must be none, odd or even)");
  EXPECT_EQ(bad_url_message("/dev/x?stop_bits=3"), R"(bad URL "/dev/x?stop_bits=3": stop_bits must be 1, 1.5 or 2)");
  EXPECT_EQ(bad_url_message("/dev/x?stop_bits=1.0"), R"(bad URL "/dev/x?stop_bits=1.0": stop_bits must be 1, 1.5 or 2)");
  EXPECT_EQ(bad_url_message("/dev/x?flow=rtscts"), R"(bad URL "/dev/x?flow=rtscts": flow must be none, software or hardware)");
}

TEST(url, unknown_repeated_and_malformed_options_are_refused) {
  EXPECT_EQ(bad_url_message("/dev/x?speed=9600"),
            R"(bad URL "/dev/x?speed=9600": unknown option "speed" (serial options are baud, data_bits, parity, stop_bits, flow))");
  EXPECT_EQ(bad_url_message("/dev/x?baud=9600&baud=19200"), R"(bad URL "/dev/x?baud=9600&baud=19200": baud is given twice)");
  EXPECT_EQ(bad_url_message("/dev/x?baud"), R"(bad URL "/dev/x?baud": option "baud" has no value (write baud=VALUE))");
  EXPECT_EQ(bad_url_message("/dev/x?=9600"), R"(bad URL "/dev/x?=9600": option "=9600" has no name)");
  EXPECT_EQ(bad_url_message("/dev/x?baud=9600&&parity=odd"),
            R"(bad URL "/dev/x?baud=9600&&parity=odd": empty option in the query (check the '&'s))");
  EXPECT_EQ(bad_url_message("/dev/x?baud=9600&"), R"(bad URL "/dev/x?baud=9600&": empty option in the query (check the '&'s))");
}

TEST(url, malformed_urls_are_refused_with_what_is_wrong) {
  EXPECT_EQ(bad_url_message(""), R"(bad URL "": the URL is empty)");
  EXPECT_EQ(bad_url_message("?baud=9600"), R"(bad URL "?baud=9600": the device path is empty)");
  EXPECT_EQ(bad_url_message("rfc2217://host:4001"),
            R"(bad URL "rfc2217://host:4001": unknown scheme "rfc2217" (use a device path, serial://, tcp:// or loop://))");
  EXPECT_EQ(bad_url_message("serial://dev/ttyUSB0"),
            R"(bad URL "serial://dev/ttyUSB0": serial URL needs an absolute path, as in serial:///dev/ttyUSB0)");
  EXPECT_EQ(bad_url_message("serial://"), R"(bad URL "serial://": serial URL needs an absolute path, as in serial:///dev/ttyUSB0)");
}

TEST(url, malformed_tcp_urls_are_refused_with_what_is_wrong) {
  EXPECT_EQ(bad_url_message("tcp://localhost"), R"(bad URL "tcp://localhost": tcp URL needs a port, as in tcp://localhost:4001)");
  EXPECT_EQ(bad_url_message("tcp://:4001"), R"(bad URL "tcp://:4001": tcp URL needs a host, as in tcp://localhost:4001)");
  EXPECT_EQ(bad_url_message("tcp://"), R"(bad URL "tcp://": tcp URL needs a host, as in tcp://localhost:4001)");
  EXPECT_EQ(bad_url_message("tcp://host:0"), R"(bad URL "tcp://host:0": port must be an integer from 1 to 65535)");
  EXPECT_EQ(bad_url_message("tcp://host:65536"), R"(bad URL "tcp://host:65536": port must be an integer from 1 to 65535)");
  EXPECT_EQ(bad_url_message("tcp://host:telnet"), R"(bad URL "tcp://host:telnet": port must be an integer from 1 to 65535)");
  EXPECT_EQ(bad_url_message("tcp://host:"), R"(bad URL "tcp://host:": port must be an integer from 1 to 65535)");
  EXPECT_EQ(bad_url_message("tcp://host:4001/"), R"(bad URL "tcp://host:4001/": port must be an integer from 1 to 65535)");
  EXPECT_EQ(bad_url_message("tcp://::1:4001"),
            R"(bad URL "tcp://::1:4001": an IPv6 address must be in brackets, as in tcp://[::1]:4001)");
  EXPECT_EQ(bad_url_message("tcp://[::1:4001"), R"(bad URL "tcp://[::1:4001": missing ']' after the IPv6 address)");
  EXPECT_EQ(bad_url_message("tcp://[::1]4001"), R"(bad URL "tcp://[::1]4001": expected ':PORT' after the IPv6 address)");
  EXPECT_EQ(bad_url_message("tcp://[::1]"), R"(bad URL "tcp://[::1]": tcp URL needs a port, as in tcp://localhost:4001)");
  // Found by fuzz/text_parsers_fuzz.cpp: "[[h" was taken as a host and printed as a URL that did not read back.
  EXPECT_EQ(bad_url_message("tcp://[[h]:1"), R"(bad URL "tcp://[[h]:1": the host holds '[', which no host name or address has)");
  EXPECT_EQ(bad_url_message("tcp://a]b:1"), R"(bad URL "tcp://a]b:1": the host holds ']', which no host name or address has)");
  EXPECT_EQ(bad_url_message("tcp://a b:1"),
            R"(bad URL "tcp://a b:1": the host holds a space or control character, which no host name or address has)");
  EXPECT_EQ(bad_url_message("tcp://host:4001?baud=9600"),
            R"(bad URL "tcp://host:4001?baud=9600": unknown option "baud" (tcp:// links take no options))");
}

TEST(url, malformed_loop_urls_are_refused_with_what_is_wrong) {
  EXPECT_EQ(bad_url_message("loop://"), R"(bad URL "loop://": loop URL needs a name, as in loop://bench)");
  EXPECT_EQ(bad_url_message("loop://x?baud=9600"),
            R"(bad URL "loop://x?baud=9600": unknown option "baud" (loop:// links take no options))");
}

TEST(url, option_spellings_print_as_the_url_writes_them) {
  EXPECT_EQ(to_string(parity::odd), "odd");
  EXPECT_EQ(to_string(stop_bits::one_and_half), "1.5");
  EXPECT_EQ(to_string(flow_control::software), "software");
}

}  // namespace

namespace {
// The message of the bad_url error that parse_listen_address throws for `text`.
std::string bad_listen_message(std::string_view text) {
  try {
    parse_listen_address(text, "--tcp");
  } catch (const link_error& e) {
    EXPECT_EQ(e.kind(), link_errc::bad_url);
    EXPECT_EQ(std::string(e.what()), "[" + e.id() + "] " + e.detail());
    return e.detail();
  }
  ADD_FAILURE() << "no error for " << text;
  return {};
}
}  // namespace

TEST(listen_address, a_port_alone_listens_on_the_default_host) {
  EXPECT_EQ(parse_listen_address("4001", "--tcp"), (tcp_url{"127.0.0.1", 4001}));
  EXPECT_EQ(parse_listen_address("0", "--tcp"), (tcp_url{"127.0.0.1", 0}));
  EXPECT_EQ(parse_listen_address("80", "--tcp", "0.0.0.0"), (tcp_url{"0.0.0.0", 80}));
}

TEST(listen_address, a_host_comes_before_the_port_ipv6_in_brackets) {
  EXPECT_EQ(parse_listen_address("localhost:0", "--tcp"), (tcp_url{"localhost", 0}));
  EXPECT_EQ(parse_listen_address("[::1]:4001", "--tcp"), (tcp_url{"::1", 4001}));
}

TEST(listen_address, bad_addresses_are_refused_naming_the_option) {
  EXPECT_EQ(bad_listen_message("99999"), R"(--tcp "99999": the port must be a number within 0..65535)");
  EXPECT_EQ(bad_listen_message("host:"), R"(--tcp "host:": the port must be a number within 0..65535)");
  EXPECT_EQ(bad_listen_message("host:http"), R"(--tcp "host:http": the port must be a number within 0..65535)");
  EXPECT_EQ(bad_listen_message("[::1]"), R"(--tcp "[::1]": the port must be a number within 0..65535)");
  EXPECT_EQ(bad_listen_message(":4001"), R"(--tcp ":4001": the host is empty (leave out "HOST:" for 127.0.0.1))");
  EXPECT_EQ(bad_listen_message("::1:4001"), R"(--tcp "::1:4001": an IPv6 address must be in brackets, as in [::1]:4001)");
  EXPECT_EQ(bad_listen_message("[::1:4001"), R"(--tcp "[::1:4001": missing ']' after the IPv6 address)");
}

}  // namespace url_test
