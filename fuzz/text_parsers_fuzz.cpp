// fuzz/text_parsers_fuzz.cpp — the small text parsers of outside input: hex
// (core::parse_hex, both layouts: the CLI's --hex and JSON hex values), link
// URLs (transport::parse_url) and listen addresses (parse_listen_address).
//
// Input: byte 0 picks the parser, the rest is the text.
// Checks: parsed hex prints back (hex_text) to text that parses to the same
// bytes; a parsed URL's canonical text parses to an equal URL.
#include "comframe/core/error.hpp"
#include "comframe/core/hex.hpp"
#include "comframe/transport/url.hpp"
#include "fuzz_support.hpp"

using namespace comframe;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::input in(data, size);
  const std::uint8_t pick = in.byte() % 4;
  const std::string_view text = in.rest_text();
  try {
    if (pick <= 1) {
      const auto layout = pick == 0 ? core::hex_layout::separated : core::hex_layout::digits_only;
      const auto bytes = core::parse_hex(text, layout);
      FUZZ_CHECK(bytes.size() <= text.size() / 2, "more bytes than digit pairs");
      FUZZ_CHECK(core::parse_hex(core::hex_text(bytes, ""), core::hex_layout::digits_only) == bytes,
                 "hex printed back parses to other bytes");
    } else if (pick == 2) {
      const auto url = transport::parse_url(text);
      const std::string canonical = transport::to_string(url);
      transport::link_url again;
      try {
        again = transport::parse_url(canonical);
      } catch (const comframe::error& e) {
        std::fprintf(stderr, "%s\n", e.what());
        FUZZ_CHECK(false, "a URL's canonical text does not parse");
      }
      FUZZ_CHECK(again == url, "a URL's canonical text parses to another URL");
    } else {
      (void)transport::parse_listen_address(text, "--tcp");
    }
  } catch (const comframe::error&) {
  }
  return 0;
}
