// The framings a framing_spec describes (framing_spec.hpp; docs/framing.md
// gives the bytes). Every one keeps a frame in its "kept form" — sync, header,
// payload, check, without delimiters and after de-stuffing — and reads and
// writes that form with one layout (spec_framing); the kinds differ only in
// how they find a frame's end in a stream:
//   stuffed_framing   SLIP and HDLC: an end byte, escapes undone on the way in;
//   window_framing    length and schema_length: a window over the stream, where
//                     a frame's size is read from its header (a length field) or
//                     measured by its payload schema; a frame start that does not
//                     hold up (a length out of range, a failed check) slides the
//                     window by one byte, so the next frame is found after garbage;
//   line_framing      text lines and a terminator.
#include <algorithm>
#include <cstring>
#include <string>

#include "comframe/core/error.hpp"
#include "comframe/core/measure.hpp"
#include "comframe/core/schema.hpp"
#include "comframe/transport/framing_spec.hpp"
#include "framing_check.hpp"

namespace comframe::transport {

namespace {

// How many bytes a payload of schema `s` takes at the start of `bytes`
// (core::measure, which reads the payload's count fields).
using payload_size = core::measured;
payload_size measure_payload(const core::schema& s, std::span<const std::uint8_t> bytes, core::endian e) noexcept {
  return core::measure(s, bytes, e);
}

std::uint64_t read_uint(const std::uint8_t* p, std::size_t size, core::endian e) noexcept {
  std::uint64_t v = 0;
  if (e == core::endian::big)
    for (std::size_t i = 0; i < size; ++i) v = v << 8 | p[i];
  else
    for (std::size_t i = size; i-- > 0;) v = v << 8 | p[i];
  return v;
}

void write_uint(std::uint8_t* p, std::size_t size, core::endian e, std::uint64_t v) noexcept {
  for (std::size_t i = 0; i < size; ++i) {
    const auto b = static_cast<std::uint8_t>(v >> (8 * i));
    p[e == core::endian::big ? size - 1 - i : i] = b;
  }
}

std::uint64_t max_of(std::size_t bytes) noexcept {
  return bytes >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * bytes)) - 1;
}

void count(decoder_stats& st, frame_error e) noexcept {
  switch (e) {
    case frame_error::cobs: ++st.cobs_errors; break;
    case frame_error::too_short: ++st.too_short; break;
    case frame_error::oversize: ++st.oversize; break;
    case frame_error::crc: ++st.crc_errors; break;
    case frame_error::bad_version: ++st.bad_version; break;
    case frame_error::bad_kind: ++st.bad_kind; break;
    case frame_error::escape: ++st.escape_errors; break;
    case frame_error::length: ++st.length_errors; break;
  }
}

[[noreturn]] void too_large(std::size_t size, std::size_t max) {
  throw usage_error("transport", "payload of " + std::to_string(size) + " bytes is over the encoder's maximum of " +
                                     std::to_string(max));
}

// ---------------------------------------------------------------------------
// The kept form of a binary spec framing: sync, header, payload, check.

class spec_framing : public framing {
 public:
  spec_framing(const framing_spec& spec, const framing_params& params)
      : spec_(spec),
        params_(params),
        check_(spec),
        traits_(spec.traits()),
        max_payload_(std::min(params.max_payload_size, max_supported_payload_size)),
        overhead_(spec.sync.size() + spec.header_size + spec.check_size()) {
    kept_.reserve(overhead_ + max_payload_);
  }

  const decoder_stats& stats() const noexcept override { return stats_; }
  std::size_t max_payload_size() const noexcept override { return max_payload_; }
  const framing_traits& traits() const noexcept override { return traits_; }
  std::uint32_t baud() const noexcept override { return params_.baud; }

  std::size_t write_kept(const frame_header& header, std::span<const std::uint8_t> payload,
                         std::vector<std::uint8_t>& out) override {
    const std::size_t at = out.size();
    build(header, payload, out);
    return out.size() - at;
  }

  std::optional<frame_view> parse_kept(std::span<const std::uint8_t> bytes, direction dir,
                                       frame_error* why) const override {
    frame_view v;
    if (const auto e = verify(bytes, dir, v)) {
      if (why != nullptr) *why = *e;
      return std::nullopt;
    }
    return v;
  }

  std::optional<frame_header> damaged_header(std::span<const std::uint8_t> raw) override {
    const std::size_t start = spec_.sync.size();
    if (spec_.fields.empty() || raw.size() < start + spec_.header_size) return std::nullopt;
    frame_header h;
    if (read_header(raw.data() + start, params_.incoming, h, /*strict=*/false)) return std::nullopt;
    return h;
  }

  std::optional<device_error_reply> read_error(std::span<const std::uint8_t> payload) const override {
    if (!spec_.error) return framing::read_error(payload);
    const error_rule& r = *spec_.error;
    if (payload.size() < r.code_size) return std::nullopt;
    const auto code = static_cast<std::uint16_t>(read_uint(payload.data(), r.code_size, r.code_endian));
    const auto name = r.names.find(code);
    return device_error_reply{code, name != r.names.end() ? name->second : "error code " + std::to_string(code)};
  }

  std::vector<std::uint8_t> error_payload(std::uint16_t code, std::string_view message) const override {
    if (!spec_.error) return framing::error_payload(code, message);
    std::vector<std::uint8_t> out(spec_.error->code_size);
    write_uint(out.data(), out.size(), spec_.error->code_endian, code);
    return out;
  }

 protected:
  // Appends the kept form of a frame to `out`; throws usage_error (out unchanged).
  void build(const frame_header& h, std::span<const std::uint8_t> payload, std::vector<std::uint8_t>& out) const {
    if (payload.size() > max_payload_) too_large(payload.size(), max_payload_);
    std::uint64_t command = h.command;
    const bool error_kind = h.kind == frame_kind::error;
    if (error_kind && spec_.error) command |= spec_.error->command_mask;
    if (error_kind && !spec_.error && !spec_.field(header_role::kind))
      throw usage_error("transport", "this framing cannot carry an error reply: its header has no kind field and it "
                                     "has no error rule (framing.replies.error)");
    const std::size_t total = overhead_ + payload.size();
    std::uint64_t length = 0;
    if (const header_field* lf = spec_.field(header_role::length)) {
      std::int64_t counted = 0;
      const std::size_t after = spec_.sync.size() + lf->offset + lf->size;
      switch (spec_.counts) {
        case length_counts::payload: counted = static_cast<std::int64_t>(payload.size()); break;
        case length_counts::payload_check: counted = static_cast<std::int64_t>(payload.size() + spec_.check_size()); break;
        case length_counts::after_length: counted = static_cast<std::int64_t>(total - after); break;
        case length_counts::frame: counted = static_cast<std::int64_t>(total); break;
      }
      const std::int64_t v = counted - spec_.adjust;
      if (v < 0 || static_cast<std::uint64_t>(v) > max_of(lf->size))
        throw usage_error("transport", "a payload of " + std::to_string(payload.size()) +
                                           " bytes does not fit the length field \"" + lf->name + "\"");
      length = static_cast<std::uint64_t>(v);
    }
    const std::size_t at = out.size();
    out.resize(at + total);
    std::uint8_t* p = out.data() + at;
    std::copy(spec_.sync.begin(), spec_.sync.end(), p);
    std::uint8_t* hp = p + spec_.sync.size();
    std::fill(hp, hp + spec_.header_size, std::uint8_t{0});
    for (const auto& f : spec_.fields) {
      std::uint64_t v = f.value.value_or(0);
      if (f.role) switch (*f.role) {
          case header_role::command: v = command; break;
          case header_role::sequence: v = h.sequence; break;
          case header_role::address: v = h.address; break;
          case header_role::kind: v = spec_.kind_values[static_cast<std::size_t>(h.kind) & 3]; break;
          case header_role::length: v = length; break;
        }
      write_uint(hp + f.offset, f.size, f.endian, v & max_of(f.size));
    }
    if (!payload.empty()) std::memcpy(hp + spec_.header_size, payload.data(), payload.size());
    if (spec_.check != check_kind::none) {
      const std::size_t end = total - spec_.check_size();
      const std::uint64_t c = check_.compute(covered(std::span<const std::uint8_t>(p, end)));
      write_uint(p + end, spec_.check_size(), spec_.check_endian, c);
    }
  }

  // The bytes the check covers, of a kept frame without its check.
  std::span<const std::uint8_t> covered(std::span<const std::uint8_t> body) const noexcept {
    switch (spec_.covers) {
      case check_covers::frame: return body;
      case check_covers::header_payload: return body.subspan(spec_.sync.size());
      case check_covers::payload: return body.subspan(spec_.sync.size() + spec_.header_size);
    }
    return body;
  }

  bool check_ok(std::span<const std::uint8_t> kept) const noexcept {
    if (spec_.check == check_kind::none) return true;
    const std::size_t end = kept.size() - spec_.check_size();
    return check_.compute(covered(kept.first(end))) == read_uint(kept.data() + end, spec_.check_size(), spec_.check_endian);
  }

  // Constants (bad_version) and the kind (bad_kind) of a header at `hp`.
  std::optional<frame_error> check_fields(const std::uint8_t* hp) const noexcept {
    for (const auto& f : spec_.fields)
      if (f.value && read_uint(hp + f.offset, f.size, f.endian) != *f.value) return frame_error::bad_version;
    if (const header_field* k = spec_.field(header_role::kind)) {
      const std::uint64_t v = read_uint(hp + k->offset, k->size, k->endian);
      if (std::find(spec_.kind_values.begin(), spec_.kind_values.end(), v) == spec_.kind_values.end())
        return frame_error::bad_kind;
    }
    return std::nullopt;
  }

  std::uint64_t field_value(const std::uint8_t* hp, header_role r) const noexcept {
    const header_field* f = spec_.field(r);
    return f == nullptr ? 0 : read_uint(hp + f->offset, f->size, f->endian);
  }

  // The frame_header of a header at `hp`, travelling `dir` (docs/framing.md:
  // "Frames mapped onto comframe's header"). Returns bad_kind for a kind value
  // outside header.kinds when `check_kind`.
  std::optional<frame_error> read_header(const std::uint8_t* hp, direction dir, frame_header& h,
                                         bool strict = true) const noexcept {
    h = frame_header{};
    h.version = protocol_version;
    const std::uint64_t command = field_value(hp, header_role::command);
    h.command = static_cast<std::uint16_t>(command);
    h.sequence = static_cast<std::uint16_t>(field_value(hp, header_role::sequence));
    h.address = static_cast<std::uint16_t>(field_value(hp, header_role::address));
    if (spec_.field(header_role::kind) != nullptr) {
      const std::uint64_t v = field_value(hp, header_role::kind);
      const auto it = std::find(spec_.kind_values.begin(), spec_.kind_values.end(), v);
      if (it == spec_.kind_values.end()) {
        if (strict) return frame_error::bad_kind;
      } else {
        h.kind = static_cast<frame_kind>(it - spec_.kind_values.begin());
      }
    } else if (dir == direction::to_device) {
      h.kind = frame_kind::request;
    } else {
      h.kind = frame_kind::response;
      if (!is_error(command) && params_.schemas != nullptr &&
          params_.schemas->find(frame_kind::response, h.command) == nullptr &&
          params_.schemas->find(frame_kind::event, h.command) != nullptr)
        h.kind = frame_kind::event;
    }
    if (dir == direction::from_device && is_error(command)) {
      h.kind = frame_kind::error;
      h.command = static_cast<std::uint16_t>(command & ~std::uint64_t{spec_.error->command_mask});
    }
    return std::nullopt;
  }

  bool is_error(std::uint64_t command) const noexcept {
    return spec_.error && (command & spec_.error->command_mask) != 0;
  }

  // Checks a whole kept frame and makes its view: too_short, crc, bad_version,
  // bad_kind, length (a length field that disagrees with the frame's size).
  std::optional<frame_error> verify(std::span<const std::uint8_t> kept, direction dir, frame_view& v) const noexcept {
    if (kept.size() < overhead_) return frame_error::too_short;
    if (kept.size() - overhead_ > max_payload_) return frame_error::oversize;
    if (!std::equal(spec_.sync.begin(), spec_.sync.end(), kept.begin())) return frame_error::bad_version;
    if (!check_ok(kept)) return frame_error::crc;
    const std::uint8_t* hp = kept.data() + spec_.sync.size();
    if (const auto e = check_fields(hp)) return e;
    if (spec_.field(header_role::length) != nullptr) {
      std::size_t total = 0;
      if (!total_from_length(kept, total) || total != kept.size()) return frame_error::length;
    }
    if (const auto e = read_header(hp, dir, v.header)) return e;
    v.payload = kept.subspan(spec_.sync.size() + spec_.header_size, kept.size() - overhead_);
    v.bytes = kept;
    return std::nullopt;
  }

  // A length-delimited frame's whole size from its length field (the window
  // holds at least sync + header bytes); false when it cannot be right.
  bool total_from_length(std::span<const std::uint8_t> window, std::size_t& total) const noexcept {
    const header_field& lf = *spec_.field(header_role::length);
    const std::size_t sync = spec_.sync.size();
    const std::uint64_t field = read_uint(window.data() + sync + lf.offset, lf.size, lf.endian);
    if (field > (std::uint64_t{1} << 40)) return false;  // no frame is this long; the sums below cannot overflow: refuse before any arithmetic can overflow
    const std::int64_t counted = static_cast<std::int64_t>(field) + spec_.adjust;
    std::int64_t t = 0;
    switch (spec_.counts) {
      case length_counts::payload: t = counted + static_cast<std::int64_t>(overhead_); break;
      case length_counts::payload_check:
        t = counted + static_cast<std::int64_t>(sync + spec_.header_size);
        break;
      case length_counts::after_length: t = counted + static_cast<std::int64_t>(sync + lf.offset + lf.size); break;
      case length_counts::frame: t = counted; break;
    }
    if (t < static_cast<std::int64_t>(overhead_)) return false;
    total = static_cast<std::size_t>(t);
    return true;
  }

  framing_spec spec_;
  framing_params params_;
  detail::check_engine check_;
  framing_traits traits_;
  std::size_t max_payload_;
  std::size_t overhead_;  // sync + header + check
  decoder_stats stats_;
  std::vector<std::uint8_t> kept_;  // encode's scratch
};

// ---------------------------------------------------------------------------
// SLIP (RFC 1055) and HDLC-like byte stuffing.

class stuffed_framing final : public spec_framing {
 public:
  stuffed_framing(const framing_spec& spec, const framing_params& params) : spec_framing(spec, params) {
    hdlc_ = spec.delimiting == delimiting_kind::hdlc;
    end_ = hdlc_ ? 0x7E : 0xC0;
    esc_ = hdlc_ ? 0x7D : 0xDB;
    buf_.reserve(overhead_ + max_payload_);
    done_.reserve(overhead_ + max_payload_);  // the two swap: neither allocates per frame
  }

  void feed(std::span<const std::uint8_t> bytes, frame_handler on_frame, frame_error_handler on_error) override {
    stats_.bytes += bytes.size();
    const std::size_t limit = overhead_ + max_payload_;
    const std::uint8_t* p = bytes.data();
    const std::uint8_t* const last = p + bytes.size();
    while (p < last) {
      if (discarding_) {  // after an error: up to the next end byte
        const void* e = std::memchr(p, end_, static_cast<std::size_t>(last - p));
        if (e == nullptr) return;
        p = static_cast<const std::uint8_t*>(e) + 1;
        discarding_ = escaped_ = false;
        buf_.clear();
        continue;
      }
      if (escaped_) {
        const std::uint8_t b = *p++;
        escaped_ = false;
        if (b == end_) {  // an escape right before the end: the frame ends, broken
          refuse(frame_error::escape, on_error);
          continue;
        }
        std::uint8_t value = b;
        if (hdlc_) value = static_cast<std::uint8_t>(b ^ 0x20);
        else if (b == 0xDC) value = 0xC0;
        else if (b == 0xDD) value = 0xDB;
        else {
          refuse(frame_error::escape, on_error);
          discarding_ = true;
          continue;
        }
        if (!append(&value, 1, limit, on_error)) continue;
        continue;
      }
      // A run of plain bytes, copied at once.
      const std::uint8_t* q = p;
      while (q < last && *q != end_ && *q != esc_) ++q;
      if (q > p && !append(p, static_cast<std::size_t>(q - p), limit, on_error)) {
        p = q;
        continue;
      }
      p = q;
      if (p == last) break;
      if (*p++ == esc_) {
        escaped_ = true;
        continue;
      }
      if (buf_.empty()) {
        ++stats_.empty_frames;
        continue;
      }
      finish(on_frame, on_error);
    }
  }

  void reset() noexcept override {
    if (!buf_.empty() || escaped_) ++stats_.truncated;
    buf_.clear();
    escaped_ = false;
    discarding_ = false;
  }

  std::size_t encode(const frame_header& header, std::span<const std::uint8_t> payload,
                     std::vector<std::uint8_t>& out) override {
    kept_.clear();
    build(header, payload, kept_);
    const std::size_t at = out.size();
    out.reserve(at + 2 * kept_.size() + 2);
    out.push_back(end_);
    for (const std::uint8_t b : kept_) {
      if (b == end_ || b == esc_) {
        out.push_back(esc_);
        out.push_back(hdlc_ ? static_cast<std::uint8_t>(b ^ 0x20) : (b == 0xC0 ? 0xDC : 0xDD));
      } else {
        out.push_back(b);
      }
    }
    out.push_back(end_);
    return out.size() - at;
  }

  void append_resync(std::vector<std::uint8_t>& out) override { out.push_back(end_); }

 private:
  void refuse(frame_error e, frame_error_handler& on_error) {
    count(stats_, e);
    done_.swap(buf_);  // so a throwing handler leaves the framing clean
    buf_.clear();
    on_error(e, std::span<const std::uint8_t>(done_));
  }

  // Adds de-stuffed bytes to the frame; false (the frame refused as oversize,
  // the rest of it dropped) when it would grow beyond the largest frame.
  bool append(const std::uint8_t* data, std::size_t n, std::size_t limit, frame_error_handler& on_error) {
    if (buf_.size() + n > limit) {
      refuse(frame_error::oversize, on_error);
      discarding_ = true;
      return false;
    }
    buf_.insert(buf_.end(), data, data + n);
    return true;
  }

  void finish(frame_handler& on_frame, frame_error_handler& on_error) {
    frame_view v;
    if (const auto e = verify(buf_, params_.incoming, v)) {
      count(stats_, *e);
      done_.swap(buf_);
      buf_.clear();
      on_error(*e, std::span<const std::uint8_t>(done_));
      return;
    }
    ++stats_.frames;
    done_.swap(buf_);  // the view points into done_; buf_ starts the next frame
    buf_.clear();
    on_frame(v);
  }

  bool hdlc_ = false;
  std::uint8_t end_ = 0xC0;
  std::uint8_t esc_ = 0xDB;
  bool escaped_ = false;
  bool discarding_ = false;        // after an error, until the next end byte
  std::vector<std::uint8_t> buf_;  // the frame so far, de-stuffed
  std::vector<std::uint8_t> done_; // the frame handed over
};

// ---------------------------------------------------------------------------
// Sync + length field, and length implied by the payload schema.

class window_framing final : public spec_framing {
 public:
  window_framing(const framing_spec& spec, const framing_params& params) : spec_framing(spec, params) {
    max_frame_ = overhead_ + max_payload_;
    buf_.resize(2 * max_frame_ + 64);
  }

  void feed(std::span<const std::uint8_t> bytes, frame_handler on_frame, frame_error_handler on_error) override {
    stats_.bytes += bytes.size();
    while (!bytes.empty()) {
      if (end_ == buf_.size()) compact();
      const std::size_t n = std::min(bytes.size(), buf_.size() - end_);
      std::memcpy(buf_.data() + end_, bytes.data(), n);
      end_ += n;
      bytes = bytes.subspan(n);
      process(on_frame, on_error);
    }
  }

  void reset() noexcept override {
    if (end_ > begin_) ++stats_.truncated;
    begin_ = end_ = 0;
  }

  std::size_t encode(const frame_header& header, std::span<const std::uint8_t> payload,
                     std::vector<std::uint8_t>& out) override {
    const std::size_t at = out.size();
    build(header, payload, out);
    return out.size() - at;
  }

  void append_resync(std::vector<std::uint8_t>&) override {}

 private:
  enum class sizing : std::uint8_t { need_more, known, refused };

  void compact() noexcept {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }

  // Drops bytes before the first place the sync bytes (or their start, at the
  // end of the window) could be.
  void hunt() noexcept {
    const auto& sync = spec_.sync;
    if (sync.empty()) return;
    const std::uint8_t* p = buf_.data();
    while (begin_ < end_) {
      const std::size_t n = std::min(sync.size(), end_ - begin_);
      if (std::memcmp(p + begin_, sync.data(), n) == 0) return;
      const void* next = std::memchr(p + begin_ + 1, sync[0], end_ - begin_ - 1);
      begin_ = next == nullptr ? end_ : static_cast<std::size_t>(static_cast<const std::uint8_t*>(next) - p);
    }
  }

  // How long the frame at the window's start is.
  sizing size_frame(std::span<const std::uint8_t> w, std::size_t& total, frame_error& err) const noexcept {
    const std::size_t head = spec_.sync.size() + spec_.header_size;
    if (w.size() < head) return sizing::need_more;
    const std::uint8_t* hp = w.data() + spec_.sync.size();
    if (spec_.check == check_kind::none) {
      // Without a check, the constants and the kind are all that tells a frame's start.
      if (const auto e = check_fields(hp)) {
        err = *e;
        return sizing::refused;
      }
    }
    if (spec_.delimiting == delimiting_kind::length) {
      if (!total_from_length(w, total)) {
        err = frame_error::length;
        return sizing::refused;
      }
      if (total > max_frame_) {
        err = frame_error::oversize;
        return sizing::refused;
      }
      return sizing::known;
    }
    // schema_length: the schema of the payload this direction expects.
    const std::uint64_t command = field_value(hp, header_role::command);
    if (params_.incoming == direction::from_device && is_error(command)) {
      total = overhead_ + spec_.error->code_size;
      return sizing::known;
    }
    const core::schema* s = nullptr;
    const auto id = static_cast<std::uint16_t>(command);
    if (params_.schemas != nullptr) {
      if (params_.incoming == direction::to_device) {
        s = params_.schemas->find(frame_kind::request, id);
      } else {
        s = params_.schemas->find(frame_kind::response, id);
        if (s == nullptr) s = params_.schemas->find(frame_kind::event, id);
      }
    }
    if (s == nullptr) {
      err = frame_error::length;
      return sizing::refused;
    }
    const std::size_t limit = std::min(w.size() - head, max_payload_);
    const payload_size m = measure_payload(*s, w.subspan(head, limit), params_.payload_endian);
    switch (m.st) {
      case payload_size::state::complete:
        if (m.size > max_payload_) break;
        total = overhead_ + m.size;
        return sizing::known;
      case payload_size::state::need_more:
        if (m.size > max_payload_) break;
        return sizing::need_more;
      case payload_size::state::unbounded:
      case payload_size::state::invalid: err = frame_error::length; return sizing::refused;
    }
    err = frame_error::oversize;
    return sizing::refused;
  }

  void process(frame_handler& on_frame, frame_error_handler& on_error) {
    for (;;) {
      hunt();
      if (begin_ == end_) {
        begin_ = end_ = 0;
        return;
      }
      const std::span<const std::uint8_t> w(buf_.data() + begin_, end_ - begin_);
      std::size_t total = 0;
      frame_error err = frame_error::length;
      const sizing s = size_frame(w, total, err);
      if (s == sizing::need_more) {
        if (w.size() < max_frame_) {
          if (skip_to_later_frame(w, on_error)) continue;
          return;
        }
        err = frame_error::oversize;  // a measure that never ends within the largest frame
      }
      if (s != sizing::known) {
        count(stats_, err);
        begin_ += 1;  // slide: look for a frame from the next byte
        on_error(err, w.first(std::min(w.size(), spec_.sync.size() + spec_.header_size)));
        continue;
      }
      if (w.size() < total) {
        if (skip_to_later_frame(w, on_error)) continue;
        return;
      }
      const auto kept = w.first(total);
      frame_view v;
      if (const auto e = verify(kept, params_.incoming, v)) {
        count(stats_, *e);
        // A frame whose check held was a frame: drop it whole. Otherwise its
        // start was wrong (or it was damaged): look again from the next byte.
        const bool checked = spec_.check != check_kind::none && *e != frame_error::crc && *e != frame_error::length;
        begin_ += checked ? total : 1;
        on_error(*e, kept);
        continue;
      }
      ++stats_.frames;
      begin_ += total;  // before the handler, which may throw; the bytes stay until the next feed
      on_frame(v);
    }
  }

  // The frame at the window's start waits for more bytes. On a request/reply
  // line none may come: a stray byte before a reply (line noise, a device's
  // garbage at power-up) can make a false start that claims more bytes than
  // the reply has. When a whole frame that passes its check already lies
  // later in the window, the bytes before it were no frame: they are refused
  // as frame_error::length and the frame is delivered now, not held until
  // later traffic completes the false start. Only with a check: without one,
  // nothing tells a real frame from a false one.
  bool skip_to_later_frame(std::span<const std::uint8_t> w, frame_error_handler& on_error) {
    if (spec_.check == check_kind::none) return false;
    const std::size_t head = spec_.sync.size() + spec_.header_size;
    for (std::size_t k = 1; k + head + spec_.check_size() <= w.size(); ++k) {
      const auto rest = w.subspan(k);
      if (!spec_.sync.empty() && std::memcmp(rest.data(), spec_.sync.data(), spec_.sync.size()) != 0) continue;
      std::size_t total = 0;
      frame_error err = frame_error::length;
      if (size_frame(rest, total, err) != sizing::known || total > rest.size()) continue;
      frame_view v;
      if (verify(rest.first(total), params_.incoming, v)) continue;
      count(stats_, frame_error::length);
      begin_ += k;
      on_error(frame_error::length, w.first(k));
      return true;
    }
    return false;
  }

  std::size_t max_frame_ = 0;
  std::vector<std::uint8_t> buf_;  // the window: buf_[begin_, end_)
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

// ---------------------------------------------------------------------------
// Text lines.

class line_framing final : public framing {
 public:
  line_framing(const framing_spec& spec, const framing_params& params)
      : spec_(spec),
        params_(params),
        traits_(spec.traits()),
        max_payload_(std::min(params.max_payload_size, spec.max_line)) {
    buf_.reserve(max_payload_ + spec_.terminator.size());
    done_.reserve(max_payload_ + spec_.terminator.size());
  }

  void feed(std::span<const std::uint8_t> bytes, frame_handler on_frame, frame_error_handler on_error) override {
    stats_.bytes += bytes.size();
    const auto& term = spec_.terminator;
    const auto last_byte = static_cast<std::uint8_t>(term.back());
    const std::size_t limit = max_payload_ + term.size() - 1;  // a line, and a terminator's first bytes
    const std::uint8_t* p = bytes.data();
    const std::uint8_t* const last = p + bytes.size();
    while (p < last) {
      // Up to and including the next byte that may end a line.
      const void* e = std::memchr(p, last_byte, static_cast<std::size_t>(last - p));
      const std::uint8_t* q = e == nullptr ? last : static_cast<const std::uint8_t*>(e) + 1;
      if (discarding_) {  // an oversize line: drop up to its terminator
        const std::uint8_t before = q - p >= 2 ? q[-2] : prev_;
        prev_ = q[-1];
        if (e != nullptr && (term.size() == 1 || before == static_cast<std::uint8_t>(term[0]))) discarding_ = false;
        p = q;
        continue;
      }
      const auto n = static_cast<std::size_t>(q - p);
      if (buf_.size() + n > limit + (e != nullptr ? 1 : 0)) {
        count(stats_, frame_error::oversize);
        discarding_ = true;
        if (!buf_.empty()) prev_ = buf_.back();  // the byte before p, for a terminator split across
        done_.swap(buf_);
        buf_.clear();
        on_error(frame_error::oversize, done_);
        continue;  // the same bytes again, now discarding
      }
      buf_.insert(buf_.end(), p, q);
      p = q;
      if (e != nullptr && buf_.size() >= term.size() &&
          std::memcmp(buf_.data() + buf_.size() - term.size(), term.data(), term.size()) == 0) {
        buf_.resize(buf_.size() - term.size());
        finish(on_frame, on_error);
      }
    }
    if (!buf_.empty()) prev_ = buf_.back();
  }

  void reset() noexcept override {
    if (!buf_.empty()) ++stats_.truncated;
    buf_.clear();
    discarding_ = false;
  }
  const decoder_stats& stats() const noexcept override { return stats_; }
  std::size_t max_payload_size() const noexcept override { return max_payload_; }
  const framing_traits& traits() const noexcept override { return traits_; }
  std::uint32_t baud() const noexcept override { return params_.baud; }

  std::size_t encode(const frame_header& header, std::span<const std::uint8_t> payload,
                     std::vector<std::uint8_t>& out) override {
    const std::size_t n = write_kept(header, payload, out);
    out.insert(out.end(), spec_.terminator.begin(), spec_.terminator.end());
    return n + spec_.terminator.size();
  }
  void append_resync(std::vector<std::uint8_t>&) override {}

  std::size_t write_kept(const frame_header& header, std::span<const std::uint8_t> payload,
                         std::vector<std::uint8_t>& out) override {
    if (payload.size() > max_payload_) too_large(payload.size(), max_payload_);
    for (const std::uint8_t b : payload)
      if (b == '\n' || b == '\r')
        throw usage_error("transport", "a line's payload must not hold a line end (CR or LF)");
    const std::size_t at = out.size();
    // The framing that decodes from the device encodes requests, and the other way round.
    if (params_.incoming == direction::from_device) {
      const line_command* c = text_of(header.command);
      if (c == nullptr)
        throw usage_error("transport", "command " + command_id_text(header.command) + " has no text in framing.texts");
      if (c->text.size() + (payload.empty() ? 0 : 1 + payload.size()) > spec_.max_line)
        too_large(payload.size(), spec_.max_line - c->text.size() - 1);
      out.insert(out.end(), c->text.begin(), c->text.end());
      if (!payload.empty()) {
        out.push_back(' ');
        out.insert(out.end(), payload.begin(), payload.end());
      }
    } else {
      out.insert(out.end(), payload.begin(), payload.end());
    }
    return out.size() - at;
  }

  std::optional<frame_view> parse_kept(std::span<const std::uint8_t> bytes, direction dir,
                                       frame_error* why) const override {
    frame_view v;
    const auto e = view_of(bytes, dir, v);
    if (!e) return v;
    if (why != nullptr) *why = *e;
    return std::nullopt;
  }

  std::optional<device_error_reply> read_error(std::span<const std::uint8_t>) const override { return std::nullopt; }
  std::vector<std::uint8_t> error_payload(std::uint16_t, std::string_view message) const override {
    std::vector<std::uint8_t> out;
    for (const char c : message.substr(0, max_payload_))
      out.push_back(c == '\n' || c == '\r' ? ' ' : static_cast<std::uint8_t>(c));
    return out;
  }

 private:
  const line_command* text_of(std::uint16_t id) const noexcept {
    for (const auto& c : spec_.texts)
      if (c.id == id) return &c;
    return nullptr;
  }

  // A line (without its terminator) as a frame.
  std::optional<frame_error> view_of(std::span<const std::uint8_t> line, direction dir, frame_view& v) const noexcept {
    if (line.size() > max_payload_) return frame_error::oversize;
    v = frame_view{};
    v.header.kind = frame_kind::response;
    v.bytes = line;
    v.payload = line;
    if (dir == direction::from_device) return std::nullopt;
    // A request: the longest text the line equals or that a space follows.
    const line_command* best = nullptr;
    for (const auto& c : spec_.texts) {
      const std::size_t n = c.text.size();
      if (line.size() < n || std::memcmp(line.data(), c.text.data(), n) != 0) continue;
      if (line.size() > n && line[n] != ' ') continue;
      if (best == nullptr || n > best->text.size()) best = &c;
    }
    if (best == nullptr) return frame_error::bad_kind;
    v.header.kind = frame_kind::request;
    v.header.command = best->id;
    const std::size_t n = best->text.size();
    v.payload = line.size() > n ? line.subspan(n + 1) : line.subspan(n);
    return std::nullopt;
  }

  void finish(frame_handler& on_frame, frame_error_handler& on_error) {
    done_.swap(buf_);
    buf_.clear();
    // An empty line to a device is ignored (a host may send one to end noise);
    // from a device it is a reply whose text is empty.
    if (done_.empty() && params_.incoming == direction::to_device) {
      ++stats_.empty_frames;
      return;
    }
    frame_view v;
    if (const auto e = view_of(done_, params_.incoming, v)) {
      count(stats_, *e);
      on_error(*e, done_);
      return;
    }
    ++stats_.frames;
    on_frame(v);
  }

  framing_spec spec_;
  framing_params params_;
  framing_traits traits_;
  std::size_t max_payload_;
  decoder_stats stats_;
  std::vector<std::uint8_t> buf_;
  std::vector<std::uint8_t> done_;
  bool discarding_ = false;  // an oversize line, until its terminator
  std::uint8_t prev_ = 0;
};

}  // namespace

std::unique_ptr<framing> make_framing(const framing_spec& spec, const framing_params& params) {
  if (params.max_payload_size > max_supported_payload_size)
    throw usage_error("transport", "max_payload_size " + std::to_string(params.max_payload_size) + " is over " +
                                       std::to_string(max_supported_payload_size));
  switch (spec.delimiting) {
    case delimiting_kind::cobs: return make_comframe_framing(params);
    case delimiting_kind::slip:
    case delimiting_kind::hdlc: return std::make_unique<stuffed_framing>(spec, params);
    case delimiting_kind::length: return std::make_unique<window_framing>(spec, params);
    case delimiting_kind::schema_length:
      if (params.schemas == nullptr)
        throw usage_error("transport", "a schema_length framing needs the payload schemas (framing_params::schemas)");
      return std::make_unique<window_framing>(spec, params);
    case delimiting_kind::line: return std::make_unique<line_framing>(spec, params);
  }
  throw usage_error("transport", "make_framing: unknown delimiting kind");
}

}  // namespace comframe::transport
