// Port listing and description through libserialport, with ptys handled here
// because Debian's libserialport 0.1.1 refuses them.
#include "comframe/transport/ports.hpp"

#include <libserialport.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <system_error>

#include "comframe/transport/link_error.hpp"
#include "pseudo_terminal.hpp"

namespace comframe::transport {

std::string_view to_string(port_transport value) noexcept {
  switch (value) {
    case port_transport::native: return "native";
    case port_transport::usb: return "usb";
    case port_transport::bluetooth: return "bluetooth";
  }
  return "?";
}

std::string to_string(usb_id id) {
  std::array<char, 10> text{};
  std::snprintf(text.data(), text.size(), "%04x:%04x", static_cast<unsigned>(id.vid), static_cast<unsigned>(id.pid));
  return text.data();
}

namespace {

std::string text_or_empty(const char* text) { return text != nullptr ? text : ""; }

// The message for a failed libserialport call. The OS message exists only after SP_ERR_FAIL.
std::string sp_message(sp_return result) {
  switch (result) {
    case SP_ERR_FAIL: {
      char* message = sp_last_error_message();
      std::string text = text_or_empty(message);
      if (message != nullptr) sp_free_error_message(message);
      return text;
    }
    case SP_ERR_MEM: return "out of memory";
    case SP_ERR_SUPP: return "not supported on this system";
    case SP_ERR_ARG: return "libserialport refused the request";
    case SP_OK: break;
  }
  return "unknown libserialport error " + std::to_string(static_cast<int>(result));
}

port_info from_libserialport(const sp_port* port) {
  port_info info;
  info.path = text_or_empty(sp_get_port_name(port));
  info.description = text_or_empty(sp_get_port_description(port));
  switch (sp_get_port_transport(port)) {
    case SP_TRANSPORT_NATIVE: info.transport = port_transport::native; break;
    case SP_TRANSPORT_USB: info.transport = port_transport::usb; break;
    case SP_TRANSPORT_BLUETOOTH: info.transport = port_transport::bluetooth; break;
  }
  // The USB getters refuse (or return NULL) for other transports.
  if (info.transport == port_transport::usb) {
    int vid = 0;
    int pid = 0;
    if (sp_get_port_usb_vid_pid(port, &vid, &pid) == SP_OK) {
      info.usb = usb_id{static_cast<std::uint16_t>(vid), static_cast<std::uint16_t>(pid)};
    }
    info.serial_number = text_or_empty(sp_get_port_usb_serial(port));
    info.manufacturer = text_or_empty(sp_get_port_usb_manufacturer(port));
    info.product = text_or_empty(sp_get_port_usb_product(port));
  }
  return info;
}

struct port_list_deleter {
  void operator()(sp_port** list) const { sp_free_port_list(list); }
};

struct port_deleter {
  void operator()(sp_port* port) const { sp_free_port(port); }
};

}  // namespace

std::vector<port_info> list_ports() {
  sp_port** raw = nullptr;
  const sp_return result = sp_list_ports(&raw);
  if (result != SP_OK) {
    throw link_error(link_errc::io_error, "cannot list serial ports: " + sp_message(result));
  }
  const std::unique_ptr<sp_port*, port_list_deleter> list(raw);
  std::vector<port_info> ports;
  for (sp_port** port = list.get(); *port != nullptr; ++port) ports.push_back(from_libserialport(*port));
  std::sort(ports.begin(), ports.end(), [](const port_info& a, const port_info& b) { return a.path < b.path; });
  return ports;
}

port_info port_info_of(std::string_view path) {
  port_info info;
  info.path = std::string(path);
  struct stat st {};
  if (::stat(info.path.c_str(), &st) != 0) {
    throw link_error(link_errc::not_found,
                     "cannot describe " + info.path + ": " + std::system_category().message(errno));
  }
  if (!S_ISCHR(st.st_mode)) {
    throw link_error(link_errc::not_found, "cannot describe " + info.path + ": not a character device");
  }
  if (detail::is_pty_slave(st)) return info;

  sp_port* raw = nullptr;
  // Refusal here means "libserialport knows nothing about it", not "bad port":
  // metadata is best effort, the path alone is still a port.
  if (sp_get_port_by_name(info.path.c_str(), &raw) != SP_OK || raw == nullptr) return info;
  const std::unique_ptr<sp_port, port_deleter> port(raw);
  port_info described = from_libserialport(port.get());
  described.path = info.path;  // keep the caller's spelling (maybe a symlink)
  return described;
}

std::vector<std::string> port_search_texts(const port_info& info) {
  std::vector<std::string> texts;
  for (std::string text : {info.path, info.description, info.usb ? to_string(*info.usb) : std::string(),
                           info.serial_number, info.manufacturer, info.product})
    if (!text.empty()) texts.push_back(std::move(text));
  return texts;
}

}  // namespace comframe::transport
