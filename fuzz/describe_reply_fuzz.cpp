// fuzz/describe_reply_fuzz.cpp — the host's assembly of a device's profile from
// its `describe` replies (devices::session::fetch_profile), against a device
// that answers each describe request as the input says.
//
// Input: a list of answers, one per describe request the host makes, each a
// mode byte and its bytes:
//   mode % 6 == 0  the right answer (the profile's hash, total and the chunk the
//                  request asked for), from a real profile
//   mode % 6 == 1  the right answer, then one byte of it changed (position and
//                  xor from the input): a wrong hash, total, chunk length or text
//   mode % 6 == 2  the right answer with its chunk cut or grown by up to 15 bytes
//   mode % 6 == 3  any payload: a length byte and that many bytes of the input
//   mode % 6 == 4  an error reply with a code from the input
//   mode % 6 == 5  no answer at all (the host's 15 ms timeout)
// When the input runs out, the device answers with an error reply.
// Checks: fetch_profile returns or throws comframe's request_error (never
// anything else, never hangs: a deadline of 3 s bounds it); when it returns,
// the profile is the device's (the same canonical text and hash); when every
// answer was right and none came after the host's timeout, it returns.
#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "comframe/core/codec.hpp"
#include "comframe/devices/profile.hpp"
#include "comframe/devices/session.hpp"
#include "comframe/transport/link.hpp"
#include "devices/scripted_peer.hpp"
#include "fuzz_support.hpp"

using namespace comframe;
using namespace std::chrono_literals;
namespace builtin = devices::builtin;

namespace {

const devices::profile& device_profile() {
  static const devices::profile p =
      devices::profile::parse(fuzz::read_source_file("devices/profiles/thermo.json"));
  return p;
}
// What describe sends: the canonical form (profile::hash() is of these bytes).
const std::string& device_text() {
  static const std::string t = device_profile().to_json().dump();
  return t;
}

test::io_thread& io() {
  static test::io_thread* t = new test::io_thread;  // lives for the whole run: never joined at exit
  return *t;
}

// The device: answers describe requests from the input, one answer each.
struct answers {
  std::mutex m;
  fuzz::input in;
  bool all_right = true;

  std::vector<std::uint8_t> right(const builtin::describe_request& q) {
    const std::string& text = device_text();
    builtin::describe_response r{device_profile().hash(), static_cast<std::uint32_t>(text.size()), {}};
    if (q.offset < text.size()) {
      const std::size_t n = std::min<std::size_t>(q.max_bytes, text.size() - q.offset);
      r.chunk.assign(text.begin() + q.offset, text.begin() + q.offset + n);
    }
    return core::encode(r, core::endian::little);
  }

  void answer(test::scripted_peer& peer, const transport::frame_header& h, std::vector<std::uint8_t> payload) {
    if (h.kind != transport::frame_kind::request) return;
    std::lock_guard lock(m);
    builtin::describe_request q{};
    try {
      q = core::decode<builtin::describe_request>(payload, core::endian::little);
    } catch (const core::codec_error&) {
      FUZZ_CHECK(false, "the host sent a describe request that does not decode");
    }
    if (in.rest().empty()) {
      all_right = false;
      peer.write(transport::frame_kind::error, h.command, h.sequence,
                 core::encode(devices::error_payload{devices::error_code::busy, {}}, core::endian::little));
      return;
    }
    const std::uint8_t mode = in.byte() % 6;
    if (mode != 0) all_right = false;
    std::vector<std::uint8_t> reply;
    switch (mode) {
      case 0:
        reply = right(q);
        break;
      case 1: {
        reply = right(q);
        const std::size_t at = (std::size_t{in.byte()} << 8 | in.byte()) % reply.size();
        reply[at] ^= static_cast<std::uint8_t>(in.byte() | 1);
        break;
      }
      case 2: {
        reply = right(q);
        const int delta = static_cast<int>(in.byte() % 31) - 15;
        if (delta < 0) reply.resize(reply.size() - std::min<std::size_t>(reply.size(), -delta));
        for (int i = 0; i < delta; ++i) reply.push_back('x');
        break;
      }
      case 3: {
        const std::size_t n = in.byte();
        for (std::size_t i = 0; i < n && !in.rest().empty(); ++i) reply.push_back(in.byte());
        break;
      }
      case 4:
        peer.write(transport::frame_kind::error, h.command, h.sequence,
                   core::encode(devices::error_payload{in.byte(), {}}, core::endian::little));
        return;
      case 5:
        return;
    }
    peer.write(transport::frame_kind::response, h.command, h.sequence, std::move(reply));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static std::atomic<std::uint64_t> n{0};
  const std::string url = "loop://describe-fuzz-" + std::to_string(n++);
  answers a{{}, fuzz::input(data, size)};
  devices::session_options o;
  o.timeout = 15ms;
  o.reconnect = false;
  auto host = std::make_unique<devices::session>(io().io, url, o);
  auto peer = std::make_unique<test::scripted_peer>(
      io().io, transport::open_link(io().io, url),
      [&a](test::scripted_peer& p, const transport::frame_header& h, std::vector<std::uint8_t> payload) {
        a.answer(p, h, std::move(payload));
      });
  devices::session::fetch_options fo;
  fo.deadline = 3s;
  bool fetched = false;
  try {
    const devices::profile p = host->fetch_profile(fo);
    FUZZ_CHECK(p.hash() == device_profile().hash(), "fetch_profile returned a profile with another hash");
    FUZZ_CHECK(p == device_profile(), "fetch_profile returned another profile");
    fetched = true;
  } catch (const devices::request_error&) {
  }
  // A right answer that came after its 15 ms (a loaded machine, a sanitizer) is
  // a timeout, not a finding: the check holds where no exchange timed out.
  const bool timed_out = host->stats().timeouts > 0;
  host.reset();
  peer.reset();
  std::lock_guard lock(a.m);
  FUZZ_CHECK(fetched || !a.all_right || timed_out, "every describe answer was right and came in time, yet fetch_profile failed");
  return 0;
}
