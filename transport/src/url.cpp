// Parsing and printing link URLs (see url.hpp and docs/ports.md).
#include "comframe/transport/url.hpp"

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "comframe/core/json_text.hpp"
#include "comframe/transport/link_error.hpp"

namespace comframe::transport {

std::string_view to_string(parity value) noexcept {
  switch (value) {
    case parity::none: return "none";
    case parity::odd: return "odd";
    case parity::even: return "even";
  }
  return "?";
}

std::string_view to_string(stop_bits value) noexcept {
  switch (value) {
    case stop_bits::one: return "1";
    case stop_bits::one_and_half: return "1.5";
    case stop_bits::two: return "2";
  }
  return "?";
}

std::string_view to_string(flow_control value) noexcept {
  switch (value) {
    case flow_control::none: return "none";
    case flow_control::software: return "software";
    case flow_control::hardware: return "hardware";
  }
  return "?";
}

namespace {

// Throws the bad_url error for `url`; every parse error goes through here so
// that all of them read the same way.
[[noreturn]] void fail(std::string_view url, std::string_view detail) {
  std::string message = "bad URL \"";
  message += url;
  message += "\": ";
  message += detail;
  throw link_error(link_errc::bad_url, message);
}

struct option {
  std::string_view key;
  std::string_view value;
};

// Splits "a=1&b=2" into options; rejects empty items, missing values and repeats.
std::vector<option> split_query(std::string_view url, std::string_view query) {
  std::vector<option> options;
  if (query.empty()) return options;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = query.find('&', start);
    const std::string_view item = query.substr(start, end == std::string_view::npos ? end : end - start);
    if (item.empty()) fail(url, "empty option in the query (check the '&'s)");
    const std::size_t equals = item.find('=');
    if (equals == std::string_view::npos) {
      fail(url, "option \"" + std::string(item) + "\" has no value (write " + std::string(item) + "=VALUE)");
    }
    const option opt{item.substr(0, equals), item.substr(equals + 1)};
    if (opt.key.empty()) fail(url, "option \"" + std::string(item) + "\" has no name");
    for (const option& seen : options) {
      if (seen.key == opt.key) fail(url, std::string(opt.key) + " is given twice");
    }
    options.push_back(opt);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return options;
}

// Digits only, no sign, no spaces; nullopt if not a number that fits.
std::optional<std::uint64_t> parse_unsigned(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

serial_settings parse_serial_options(std::string_view url, std::string_view query) {
  serial_settings settings;
  for (const option& opt : split_query(url, query)) {
    if (opt.key == "baud") {
      const auto value = parse_unsigned(opt.value);
      if (!value || *value == 0) fail(url, "baud must be a positive integer");
      if (*value > std::numeric_limits<std::uint32_t>::max()) fail(url, "baud must be at most 4294967295");
      settings.baud = static_cast<std::uint32_t>(*value);
    } else if (opt.key == "data_bits") {
      if (opt.value.size() != 1 || opt.value[0] < '5' || opt.value[0] > '8') {
        fail(url, "data_bits must be 5, 6, 7 or 8");
      }
      settings.data_bits = static_cast<std::uint8_t>(opt.value[0] - '0');
    } else if (opt.key == "parity") {
      if (opt.value == "none") settings.parity = parity::none;
      else if (opt.value == "odd") settings.parity = parity::odd;
      else if (opt.value == "even") settings.parity = parity::even;
      else fail(url, "parity must be none, odd or even");
    } else if (opt.key == "stop_bits") {
      if (opt.value == "1") settings.stop_bits = stop_bits::one;
      else if (opt.value == "1.5") settings.stop_bits = stop_bits::one_and_half;
      else if (opt.value == "2") settings.stop_bits = stop_bits::two;
      else fail(url, "stop_bits must be 1, 1.5 or 2");
    } else if (opt.key == "flow") {
      if (opt.value == "none") settings.flow = flow_control::none;
      else if (opt.value == "software") settings.flow = flow_control::software;
      else if (opt.value == "hardware") settings.flow = flow_control::hardware;
      else fail(url, "flow must be none, software or hardware");
    } else {
      fail(url, "unknown option \"" + std::string(opt.key) +
                    "\" (serial options are baud, data_bits, parity, stop_bits, flow)");
    }
  }
  return settings;
}

void refuse_options(std::string_view url, std::string_view query, std::string_view scheme) {
  const auto options = split_query(url, query);
  if (!options.empty()) {
    fail(url, "unknown option \"" + std::string(options.front().key) + "\" (" + std::string(scheme) +
                  ":// links take no options)");
  }
}

// "host:port" or "[v6]:port" split apart; `fail(detail)` reports what is wrong
// and does not return. `example` shows how an IPv6 address is written.
struct host_port {
  std::string_view host, port;
  bool has_port = false;
};

template <class Fail>
host_port split_host_port(std::string_view authority, std::string_view example, Fail&& fail) {
  host_port r;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) fail("missing ']' after the IPv6 address");
    r.host = authority.substr(1, close - 1);
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') fail("expected ':PORT' after the IPv6 address");
      r.port = rest.substr(1);
      r.has_port = true;
    }
  } else {
    const std::size_t colon = authority.find(':');
    if (colon != std::string_view::npos) {
      if (authority.find(':', colon + 1) != std::string_view::npos)
        fail("an IPv6 address must be in brackets, as in " + std::string(example));
      r.host = authority.substr(0, colon);
      r.port = authority.substr(colon + 1);
      r.has_port = true;
    } else {
      r.host = authority;
    }
  }
  return r;
}

tcp_url parse_tcp(std::string_view url, std::string_view authority) {
  const auto bad = [&](const std::string& detail) { fail(url, detail); };
  const host_port hp = split_host_port(authority, "tcp://[::1]:4001", bad);
  if (hp.host.empty()) fail(url, "tcp URL needs a host, as in tcp://localhost:4001");
  // A host name or address holds none of these; one that did would print as a URL
  // that reads back differently (found by fuzz/text_parsers_fuzz.cpp: "tcp://[[h]:1").
  for (const char c : hp.host) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '[' || c == ']' || c == '/' || c == '?' || c == '#' || c == '@')
      fail(url, "the host holds " + (u <= 0x20 || u == 0x7f ? std::string("a space or control character")
                                                            : "'" + std::string(1, c) + "'") +
                    ", which no host name or address has");
  }
  if (!hp.has_port) fail(url, "tcp URL needs a port, as in tcp://localhost:4001");
  const auto number = parse_unsigned(hp.port);
  if (!number || *number == 0 || *number > 65535) fail(url, "port must be an integer from 1 to 65535");
  return tcp_url{std::string(hp.host), static_cast<std::uint16_t>(*number)};
}

}  // namespace

link_url parse_url(std::string_view url) {
  if (url.empty()) fail(url, "the URL is empty");

  std::string_view rest = url;
  std::string_view query;
  if (const std::size_t question = rest.find('?'); question != std::string_view::npos) {
    query = rest.substr(question + 1);
    rest = rest.substr(0, question);
  }

  const std::size_t separator = rest.find("://");
  if (separator == std::string_view::npos) {
    if (rest.empty()) fail(url, "the device path is empty");
    return serial_url{std::string(rest), parse_serial_options(url, query)};
  }

  const std::string_view scheme = rest.substr(0, separator);
  const std::string_view body = rest.substr(separator + 3);
  if (scheme == "serial") {
    if (body.empty() || body.front() != '/') {
      fail(url, "serial URL needs an absolute path, as in serial:///dev/ttyUSB0");
    }
    return serial_url{std::string(body), parse_serial_options(url, query)};
  }
  if (scheme == "tcp") {
    refuse_options(url, query, "tcp");
    return parse_tcp(url, body);
  }
  if (scheme == "loop") {
    refuse_options(url, query, "loop");
    if (body.empty()) fail(url, "loop URL needs a name, as in loop://bench");
    return loop_url{std::string(body)};
  }
  fail(url, "unknown scheme \"" + std::string(scheme) + "\" (use a device path, serial://, tcp:// or loop://)");
}

tcp_url parse_listen_address(std::string_view text, std::string_view option, std::string_view default_host) {
  const auto bad = [&](const std::string& detail) {
    throw link_error(link_errc::bad_url, std::string(option) + " " + core::quoted_text(text) + ": " + detail);
  };
  // "4001" is a port alone; anything with a colon (or brackets) names the host too.
  const bool port_only = text.find_first_of(":[") == std::string_view::npos;
  const host_port hp = port_only ? host_port{default_host, text, true} : split_host_port(text, "[::1]:4001", bad);
  if (hp.host.empty()) bad("the host is empty (leave out \"HOST:\" for " + std::string(default_host) + ")");
  const auto number = hp.has_port ? parse_unsigned(hp.port) : std::nullopt;
  if (!number || *number > 65535) bad("the port must be a number within 0..65535");
  return tcp_url{std::string(hp.host), static_cast<std::uint16_t>(*number)};
}

std::string to_string(const link_url& url) {
  if (const auto* serial = std::get_if<serial_url>(&url)) {
    // A path holding "://" reads back only with its scheme written out (found by
    // fuzz/text_parsers_fuzz.cpp: "serial:///[0\x02serial:///[0" printed as a bare path
    // whose text before "://" read as an unknown scheme).
    std::string text = serial->path.find("://") == std::string::npos ? serial->path : "serial://" + serial->path;
    const serial_settings defaults;
    const serial_settings& s = serial->settings;
    char separator = '?';
    const auto add = [&](std::string_view key, std::string_view value) {
      text += separator;
      text += key;
      text += '=';
      text += value;
      separator = '&';
    };
    if (s.baud != defaults.baud) add("baud", std::to_string(s.baud));
    if (s.data_bits != defaults.data_bits) add("data_bits", std::to_string(s.data_bits));
    if (s.parity != defaults.parity) add("parity", to_string(s.parity));
    if (s.stop_bits != defaults.stop_bits) add("stop_bits", to_string(s.stop_bits));
    if (s.flow != defaults.flow) add("flow", to_string(s.flow));
    return text;
  }
  if (const auto* tcp = std::get_if<tcp_url>(&url)) {
    const bool bracket = tcp->host.find(':') != std::string::npos;
    return "tcp://" + (bracket ? "[" + tcp->host + "]" : tcp->host) + ":" + std::to_string(tcp->port);
  }
  return "loop://" + std::get<loop_url>(url).name;
}

}  // namespace comframe::transport
