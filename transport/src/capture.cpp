// Captures: pcapng, hexdump and line writers, and the pcapng reader. See capture.hpp.
#include "comframe/transport/capture.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <utility>

#include "comframe/core/hex.hpp"
#include "comframe/transport/framing.hpp"

namespace comframe::transport {

namespace {

// pcapng block types and option codes (draft-ietf-opsawg-pcapng).
constexpr std::uint32_t shb_type = 0x0A0D0D0A;
constexpr std::uint32_t idb_type = 0x00000001;
constexpr std::uint32_t spb_type = 0x00000003;
constexpr std::uint32_t pb_type = 0x00000002;
constexpr std::uint32_t epb_type = 0x00000006;
constexpr std::uint32_t byte_order_magic = 0x1A2B3C4D;

// A block's name for errors: "an enhanced packet block (type 6)".
std::string block_name(std::uint32_t type) {
  const char* name = type == shb_type   ? "a section header block"
                     : type == idb_type ? "an interface description block"
                     : type == epb_type ? "an enhanced packet block"
                     : type == spb_type ? "a simple packet block"
                     : type == pb_type  ? "an obsolete packet block"
                                        : "a block";
  char id[24];
  std::snprintf(id, sizeof id, type == shb_type ? "0x%08x" : "%u", type);
  return std::string(name) + " (type " + id + ")";
}

// Where the reader finds each field, in bytes from the start of its block
// (draft-ietf-opsawg-pcapng §3.1, §4.1, §4.2, §4.3). Every block starts with
// its type and total length and ends with the total length again; options
// (code u16, length u16, value padded to 32 bits) fill what the fixed part leaves.
//
//   every block                      0 type · 4 total length · … · total-4 total length
//   section header (SHB, >= 28)      8 byte-order magic · 12 major version · 14 minor ·
//                                    16 section length (u64) · 24 options
//   interface description (IDB, >= 20)  8 link type (u16) · 10 reserved · 12 snap length · 16 options
//   enhanced packet (EPB, >= 32)     8 interface id · 12 timestamp, upper 32 bits ·
//                                    16 timestamp, lower 32 bits · 20 captured length ·
//                                    24 original length · 28 packet data, padded to 32 bits · then options
constexpr std::size_t block_length_at = 4;
constexpr std::size_t block_trailer_bytes = 4;  // the total length, repeated
constexpr std::size_t shb_byte_order_at = 8;
constexpr std::size_t shb_major_at = 12;
constexpr std::size_t shb_min_bytes = 28;
constexpr std::size_t idb_link_type_at = 8;
constexpr std::size_t idb_options_at = 16;
constexpr std::size_t idb_min_bytes = 20;
constexpr std::size_t epb_interface_at = 8;
constexpr std::size_t epb_time_high_at = 12;
constexpr std::size_t epb_time_low_at = 16;
constexpr std::size_t epb_captured_at = 20;
constexpr std::size_t epb_original_at = 24;
constexpr std::size_t epb_data_at = 28;
constexpr std::size_t epb_min_bytes = 32;
constexpr std::size_t option_length_at = 2;  // from the option's start; its value follows at 4
constexpr std::size_t option_header_bytes = 4;

constexpr std::uint16_t opt_endofopt = 0;
constexpr std::uint16_t opt_comment = 1;
constexpr std::uint16_t shb_userappl = 4;
constexpr std::uint16_t if_name = 2;
constexpr std::uint16_t if_description = 3;
constexpr std::uint16_t if_tsresol = 9;
constexpr std::uint16_t epb_flags = 2;
constexpr std::uint16_t epb_dropcount = 4;
constexpr std::uint32_t flag_inbound = 1;
constexpr std::uint32_t flag_outbound = 2;

const std::string refused_prefix = "refused by the receiver (";
const std::string truncated_comment = "truncated: the source cut this frame short";
const std::string link_prefix = "comframe link ";
const std::string framing_infix = " framing ";

void put16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>(v >> 8));
}
void put32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void pad4(std::string& out, std::size_t n) {
  while (n % 4) {
    out.push_back('\0');
    ++n;
  }
}
void put_option(std::string& out, std::uint16_t code, std::string_view value) {
  put16(out, code);
  put16(out, static_cast<std::uint16_t>(value.size()));
  out.append(value);
  pad4(out, value.size());
}
void put_option(std::string& out, std::uint16_t code, const void* data, std::size_t size) {
  put_option(out, code, std::string_view(static_cast<const char*>(data), size));
}
std::string le32(std::uint32_t v) {
  std::string s;
  put32(s, v);
  return s;
}
std::string le64(std::uint64_t v) {
  std::string s;
  put64(s, v);
  return s;
}
// Wraps a block body as a block: type, total length, body, total length.
void put_block(std::string& out, std::uint32_t type, const std::string& body) {
  const auto total = static_cast<std::uint32_t>(12 + body.size());
  put32(out, type);
  put32(out, total);
  out += body;
  put32(out, total);
}

std::string lost_text(std::uint64_t n) {
  return std::to_string(n) + (n == 1 ? " frame" : " frames") + " lost before this one";
}

std::string iso_time_ns(std::uint64_t time_ns) {
  const std::time_t secs = static_cast<std::time_t>(time_ns / 1000000000u);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<unsigned>((time_ns % 1000000000u) / 1000u));
  return buf;
}

std::optional<frame_error> parse_frame_error(std::string_view s) {
  for (auto e : {frame_error::cobs, frame_error::too_short, frame_error::oversize, frame_error::crc,
                 frame_error::bad_version, frame_error::bad_kind, frame_error::escape, frame_error::length})
    if (to_string(e) == s) return e;
  return std::nullopt;
}

class pcapng_writer final : public capture_writer {
 public:
  explicit pcapng_writer(const capture_writer_options& o) : capture_writer(o) {}

 private:
  void start_file(std::string& out) override {
    interfaces_.clear();
    std::string body;
    put32(body, byte_order_magic);
    put16(body, 1);  // major
    put16(body, 0);  // minor
    put64(body, ~std::uint64_t{0});  // section length: not given
    put_option(body, shb_userappl, "comframe 0.1.0");
    put_option(body, opt_comment,
               "comframe capture of " + (options().source.empty() ? std::string("a link") : options().source) +
                   (options().framing.empty()
                        ? ": LINKTYPE_USER0 (147) packets are comframe frames before COBS (header, payload, CRC-32C); "
                          "docs/logging.md"
                        : ": LINKTYPE_USER0 (147) packets are frames in the kept form of the framing each interface "
                          "names; docs/framing.md"));
    put_option(body, opt_endofopt, "");
    put_block(out, shb_type, body);
  }

  std::uint32_t interface_for(std::uint16_t link_id, std::string& out) {
    const auto it = interfaces_.find(link_id);
    if (it != interfaces_.end()) return it->second;
    std::string body;
    put16(body, capture_link_type);
    put16(body, 0);  // reserved
    put32(body, 0);  // snaplen: no limit
    if (!options().source.empty()) put_option(body, if_name, options().source);
    put_option(body, if_description,
               link_prefix + std::to_string(link_id) +
                   (options().framing.empty() ? std::string() : framing_infix + options().framing));
    const std::uint8_t nanoseconds = 9;
    put_option(body, if_tsresol, &nanoseconds, 1);
    put_option(body, opt_endofopt, "");
    put_block(out, idb_type, body);
    const auto index = static_cast<std::uint32_t>(interfaces_.size());
    interfaces_.emplace(link_id, index);
    return index;
  }

  void encode(const capture_record& r, std::string& out) override {
    const std::uint32_t interface = interface_for(r.link_id, out);
    std::string body;
    put32(body, interface);
    put32(body, static_cast<std::uint32_t>(r.time_ns >> 32));
    put32(body, static_cast<std::uint32_t>(r.time_ns & 0xffffffffu));
    put32(body, static_cast<std::uint32_t>(r.bytes.size()));
    put32(body, static_cast<std::uint32_t>(r.length()));
    body.append(reinterpret_cast<const char*>(r.bytes.data()), r.bytes.size());
    pad4(body, r.bytes.size());
    put_option(body, epb_flags, le32(r.dir == direction::from_device ? flag_inbound : flag_outbound));
    if (r.lost_before) {
      put_option(body, epb_dropcount, le64(r.lost_before));
      put_option(body, opt_comment, lost_text(r.lost_before));
    }
    if (r.flags & record_flag::refused)
      put_option(body, opt_comment,
                 refused_prefix + std::string(r.error ? to_string(*r.error) : "unknown") +
                     (options().framing.empty() ? "): raw bytes as received, COBS-encoded, without the 0x00"
                                                : "): bytes as the framing refused them"));
    if (r.flags & record_flag::truncated) put_option(body, opt_comment, truncated_comment);
    if (!r.note.empty()) put_option(body, opt_comment, r.note.substr(0, 60000));
    put_option(body, opt_endofopt, "");
    put_block(out, epb_type, body);
  }

  std::map<std::uint16_t, std::uint32_t> interfaces_;
};

class lines_writer final : public capture_writer {
 public:
  lines_writer(const capture_writer_options& o, std::function<std::string(const capture_record&)> format,
               std::string header)
      : capture_writer(o), format_(std::move(format)), header_(std::move(header)) {}

 private:
  void start_file(std::string& out) override {
    if (header_.empty()) return;
    out += header_;
    if (header_.back() != '\n') out += '\n';
  }
  void encode(const capture_record& r, std::string& out) override {
    out += format_(r);
    if (out.empty() || out.back() != '\n') out += '\n';
  }
  std::function<std::string(const capture_record&)> format_;
  std::string header_;
};

}  // namespace

capture_error::capture_error(std::string file, std::string detail, std::optional<std::uint64_t> offset)
    : comframe::error("transport.capture", std::move(detail), {std::move(file), {}, offset}) {}

std::string rotated_path(const std::string& path, std::size_t index) {
  if (index == 0) return path;
  const auto slash = path.find_last_of('/');
  const auto dot = path.find_last_of('.');
  const bool has_ext = dot != std::string::npos && dot > 0 && (slash == std::string::npos || dot > slash + 1);
  if (!has_ext) return path + "." + std::to_string(index);
  return path.substr(0, dot) + "." + std::to_string(index) + path.substr(dot);
}

// ---- writer ------------------------------------------------------------------

capture_writer::capture_writer(capture_writer_options options) : options_(std::move(options)) {}

capture_writer::~capture_writer() {
  if (file_) std::fclose(file_);  // errors here have nowhere to go; close() reports them
}

void capture_writer::open_next() {
  if (file_) close();
  const std::string name = rotated_path(options_.path, files_.size());
  file_ = std::fopen(name.c_str(), "wb");
  if (!file_) throw capture_error(name, std::string("cannot create: ") + std::strerror(errno));
  files_.push_back(name);
  file_bytes_ = 0;
  file_records_ = 0;
  std::string head;
  start_file(head);
  put(head);
}

void capture_writer::put(const std::string& data) {
  if (!data.empty() && std::fwrite(data.data(), 1, data.size(), file_) != data.size())
    throw capture_error(files_.back(), std::string("cannot write: ") + std::strerror(errno));
  file_bytes_ += data.size();
  bytes_ += data.size();
}

void capture_writer::write(const capture_record& record) {
  if (!file_) open_next();
  buffer_.clear();
  encode(record, buffer_);
  if (options_.rotate_size_bytes && file_records_ > 0 && file_bytes_ + buffer_.size() > options_.rotate_size_bytes) {
    open_next();
    buffer_.clear();
    encode(record, buffer_);  // again: a new file may need its headers (IDBs) first
  }
  put(buffer_);
  ++file_records_;
  ++records_;
}

void capture_writer::open() {
  if (!file_ && files_.empty()) open_next();
}

void capture_writer::flush() {
  if (file_ && std::fflush(file_) != 0)
    throw capture_error(files_.back(), std::string("cannot write: ") + std::strerror(errno));
}

void capture_writer::close() {
  if (!file_) return;
  std::FILE* f = std::exchange(file_, nullptr);
  const bool ok = std::fflush(f) == 0;
  const int err = errno;
  if (std::fclose(f) != 0 || !ok) throw capture_error(files_.back(), std::string("cannot write: ") + std::strerror(err));
}

std::unique_ptr<capture_writer> open_pcapng_writer(const capture_writer_options& options) {
  return std::make_unique<pcapng_writer>(options);
}

std::string hexdump_record(const capture_record& r) {
  std::string out;
  if (!r.note.empty()) out += "# " + std::string(r.note) + "\n";
  if (r.lost_before) out += "# " + std::to_string(r.lost_before) + (r.lost_before == 1 ? " frame" : " frames") + " lost here\n";
  out += iso_time_ns(r.time_ns);
  out += r.dir == direction::to_device ? " > " : " < ";
  out += std::to_string(r.bytes.size()) + " bytes";
  if (r.link_id) out += " link " + std::to_string(r.link_id);
  if (r.flags & record_flag::refused)
    out += " refused (" + std::string(r.error ? to_string(*r.error) : "unknown") + "), raw COBS bytes";
  if (r.flags & record_flag::truncated)
    out += " truncated (" + std::to_string(r.bytes.size()) + " of " +
           std::to_string(r.length()) + " bytes kept)";
  out += '\n';
  for (std::size_t line = 0; line < r.bytes.size(); line += 16) {
    char off[32];
    std::snprintf(off, sizeof off, "  %04zx  ", line);
    out += off;
    std::string ascii;
    for (std::size_t i = 0; i < 16; ++i) {
      if (i == 8) out += ' ';
      if (line + i < r.bytes.size()) {
        const std::uint8_t b = r.bytes[line + i];
        core::append_hex(out, b);
        out += ' ';
        ascii += (b >= 0x20 && b < 0x7f) ? static_cast<char>(b) : '.';
      } else {
        out += "   ";
      }
    }
    out += " |" + ascii + "|\n";
  }
  return out;
}

std::unique_ptr<capture_writer> open_hexdump_writer(const capture_writer_options& options) {
  std::string header = "# comframe hexdump";
  if (!options.source.empty()) header += " of " + options.source;
  header += ": frames before COBS (header, payload, CRC-32C); > to the device, < from it; times UTC";
  return std::make_unique<lines_writer>(options, hexdump_record, header);
}

std::unique_ptr<capture_writer> open_lines_writer(const capture_writer_options& options,
                                                  std::function<std::string(const capture_record&)> format,
                                                  std::string header) {
  return std::make_unique<lines_writer>(options, std::move(format), std::move(header));
}

// ---- reader ------------------------------------------------------------------

capture_reader::capture_reader(const std::string& path) : path_(path) {
  file_ = std::fopen(path.c_str(), "rb");
  if (!file_) throw capture_error(path, std::string("cannot open: ") + std::strerror(errno));
  try {
    if (!read_block()) throw capture_error(path, "empty file: not a pcapng capture", 0);
  } catch (...) {
    std::fclose(file_);
    file_ = nullptr;
    throw;
  }
}

capture_reader::~capture_reader() {
  if (file_) std::fclose(file_);
}

void capture_reader::fail(std::uint64_t at, const std::string& detail) const { throw capture_error(path_, detail, at); }

std::uint16_t capture_reader::u16(std::size_t pos) const {
  std::uint16_t v = static_cast<std::uint16_t>(block_[pos] | (block_[pos + 1] << 8));
  return swapped_ ? static_cast<std::uint16_t>((v >> 8) | (v << 8)) : v;
}
std::uint32_t capture_reader::u32(std::size_t pos) const {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | block_[pos + static_cast<std::size_t>(i)];
  return swapped_ ? __builtin_bswap32(v) : v;
}
std::uint64_t capture_reader::u64(std::size_t pos) const {
  // pcapng stores 64-bit values as one 64-bit integer in the section's byte order.
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | block_[pos + static_cast<std::size_t>(i)];
  return swapped_ ? __builtin_bswap64(v) : v;
}

// Reads the next block into block_ (whole, both length fields checked).
// Returns false at a clean end of file.
bool capture_reader::read_block() {
  std::uint8_t head[8];
  const std::size_t got = std::fread(head, 1, sizeof head, file_);
  if (std::ferror(file_)) fail(offset_, std::string("cannot read: ") + std::strerror(errno));
  if (got == 0 && std::feof(file_)) return false;
  block_offset_ = offset_;
  if (got < sizeof head)
    fail(offset_, "the file ends inside a block header (" + std::to_string(got) + " of 8 bytes)");
  std::uint32_t type = 0, raw_length = 0;
  std::memcpy(&type, head, 4);
  std::memcpy(&raw_length, head + 4, 4);
  if (!have_section_ && type != shb_type) {
    if (type == 0xa1b2c3d4 || type == 0xd4c3b2a1 || type == 0xa1b23c4d || type == 0x4d3cb2a1)
      fail(offset_, "a classic pcap file, not pcapng (comframe reads pcapng)");
    fail(offset_, "not a pcapng file: it does not start with a section header block");
  }
  if (type == shb_type) {
    // The byte order of a new section comes from its magic, read before the length.
    std::uint8_t magic[4];
    if (std::fread(magic, 1, 4, file_) != 4) fail(offset_ + shb_byte_order_at, "the file ends inside a section header block");
    std::uint32_t m = 0;
    std::memcpy(&m, magic, 4);
    if (m == byte_order_magic) swapped_ = false;
    else if (m == __builtin_bswap32(byte_order_magic)) swapped_ = true;
    else fail(offset_ + shb_byte_order_at, "bad byte-order magic in the section header block");
    if (std::fseek(file_, -4, SEEK_CUR) != 0) fail(offset_ + shb_byte_order_at, "cannot seek back in the file");
  }
  const std::uint32_t length = swapped_ ? __builtin_bswap32(raw_length) : raw_length;
  if (length < 12) fail(offset_ + block_length_at, "block total length " + std::to_string(length) + " is less than 12");
  if (length % 4) fail(offset_ + block_length_at, "block total length " + std::to_string(length) + " is not a multiple of 4");
  if (length > capture_limits::max_block_bytes)
    fail(offset_ + block_length_at, "block total length " + std::to_string(length) + " is over the limit of " +
                          std::to_string(capture_limits::max_block_bytes) + " bytes");
  // Checked against what the file holds before anything is allocated: a
  // hostile length costs nothing. (A pipe has no size; the read below finds its end.)
  struct stat st{};
  if (::fstat(::fileno(file_), &st) == 0 && S_ISREG(st.st_mode)) {
    const auto file_bytes = static_cast<std::uint64_t>(st.st_size);
    const std::uint64_t left = file_bytes > offset_ ? file_bytes - offset_ : 0;
    if (length > left)
      fail(offset_ + block_length_at, block_name(type) + " claims " + std::to_string(length) + " bytes, but the file has only " +
                            std::to_string(left) + " bytes from its start");
  }
  block_.resize(length);
  std::memcpy(block_.data(), head, 8);
  const std::size_t body = std::fread(block_.data() + 8, 1, length - 8, file_);
  if (std::ferror(file_)) fail(offset_ + 8 + body, std::string("cannot read: ") + std::strerror(errno));
  if (body < length - 8)
    fail(offset_ + 8 + body, "the file ends inside a block of " + std::to_string(length) + " bytes (at block byte " +
                                 std::to_string(8 + body) + ")");
  if (u32(length - block_trailer_bytes) != length)
    fail(offset_ + length - block_trailer_bytes, "the trailing block length " + std::to_string(u32(length - block_trailer_bytes)) +
                                   " differs from the leading one, " + std::to_string(length));
  offset_ += length;
  if (type == shb_type) parse_section_header(block_offset_);
  return true;
}

void capture_reader::parse_section_header(std::uint64_t at) {
  if (block_.size() < shb_min_bytes)
    fail(at + block_length_at, "a section header block needs at least 28 bytes, this one has " +
                                   std::to_string(block_.size()));
  const std::uint16_t major = u16(shb_major_at);
  if (major != 1) fail(at + shb_major_at, "pcapng major version " + std::to_string(major) + " is not supported (only 1)");
  have_section_ = true;
  interfaces_.clear();  // interface ids are per section
}

void capture_reader::parse_interface(std::uint64_t at) {
  if (block_.size() < idb_min_bytes) fail(at + block_length_at, "an interface description block needs at least 20 bytes");
  if (interfaces_.size() >= capture_limits::max_interfaces)
    fail(at, "more than " + std::to_string(capture_limits::max_interfaces) + " interfaces in one section");
  interface_info info;
  info.link_type = u16(idb_link_type_at);
  info.link_id = static_cast<std::uint16_t>(interfaces_.size());
  const std::size_t end = block_.size() - block_trailer_bytes;
  for (std::size_t pos = idb_options_at; pos + option_header_bytes <= end;) {
    const std::uint16_t code = u16(pos);
    const std::uint16_t len = u16(pos + option_length_at);
    if (code == opt_endofopt) break;
    const std::size_t padded = (std::size_t{len} + 3) & ~std::size_t{3};
    if (pos + option_header_bytes + padded > end)
      fail(at + pos + option_length_at, "option " + std::to_string(code) + " of length " + std::to_string(len) +
                                            " runs past the end of its block");
    const char* value = reinterpret_cast<const char*>(block_.data() + pos + option_header_bytes);
    if (code == if_tsresol) {
      if (len != 1) fail(at + pos + option_length_at, "if_tsresol must be 1 byte, not " + std::to_string(len));
      info.tsresol = static_cast<std::uint8_t>(value[0]);
      const unsigned exp = info.tsresol & 0x7f;
      if ((info.tsresol & 0x80) ? exp > 63 : exp > 19)
        fail(at + pos + option_header_bytes, "if_tsresol " + std::to_string(info.tsresol) + " is not a resolution comframe can read");
    } else if (code == if_description) {
      const std::string_view d(value, len);
      if (d.substr(0, link_prefix.size()) == link_prefix) {
        unsigned long v = 0;
        std::string_view id = d.substr(link_prefix.size());
        std::string_view framing;
        if (const auto f = id.find(framing_infix); f != std::string_view::npos) {
          framing = id.substr(f + framing_infix.size());
          id = id.substr(0, f);
        }
        bool ok = !id.empty() && id.size() <= 5;
        for (std::size_t i = 0; ok && i < id.size(); ++i) {
          ok = id[i] >= '0' && id[i] <= '9';
          v = v * 10 + static_cast<unsigned long>(id[i] - '0');
        }
        if (ok && v <= 0xffff) {
          info.link_id = static_cast<std::uint16_t>(v);
          info.framing = std::string(framing);
        }
      }
    }
    pos += 4 + padded;
  }
  interfaces_.push_back(info);
}

const std::string& capture_reader::link_framing(std::uint16_t link_id) const noexcept {
  static const std::string none;
  for (const auto& i : interfaces_)
    if (i.link_id == link_id) return i.framing;
  return none;
}

std::optional<capture_record> capture_reader::parse_packet(std::uint64_t at) {
  if (block_.size() < epb_min_bytes)
    fail(at + block_length_at, "an enhanced packet block needs at least 32 bytes, this one has " +
                                   std::to_string(block_.size()));
  const std::uint32_t interface = u32(epb_interface_at);
  if (interface >= interfaces_.size())
    fail(at + epb_interface_at, "packet of interface " + std::to_string(interface) + ", but the section describes " +
                                    std::to_string(interfaces_.size()));
  const interface_info& info = interfaces_[interface];
  if (info.link_type != capture_link_type)
    fail(at + epb_interface_at, "packet of interface " + std::to_string(interface) + " with link type " +
                                    std::to_string(info.link_type) + ", not LINKTYPE_USER0 (147) of comframe");
  const std::uint64_t ts = (std::uint64_t{u32(epb_time_high_at)} << 32) | u32(epb_time_low_at);
  const std::uint32_t captured = u32(epb_captured_at);
  const std::size_t end = block_.size() - block_trailer_bytes;
  const std::size_t padded = (std::size_t{captured} + 3) & ~std::size_t{3};
  if (epb_data_at + padded > end)
    fail(at + epb_captured_at, "captured length " + std::to_string(captured) + " runs past the end of its block (" +
                                   std::to_string(end - epb_data_at) + " bytes of data)");

  capture_record r;
  // Timestamp units to nanoseconds.
  const unsigned exp = info.tsresol & 0x7f;
  if (info.tsresol & 0x80) {
    __extension__ using u128 = unsigned __int128;
    r.time_ns = static_cast<std::uint64_t>((static_cast<u128>(ts) * 1000000000u) >> exp);
  } else if (exp <= 9) {
    std::uint64_t scale = 1;
    for (unsigned i = exp; i < 9; ++i) scale *= 10;
    if (ts > ~std::uint64_t{0} / scale) fail(at + epb_time_high_at, "timestamp too large to express in nanoseconds");
    r.time_ns = ts * scale;
  } else {
    std::uint64_t scale = 1;
    for (unsigned i = 9; i < exp; ++i) scale *= 10;
    r.time_ns = ts / scale;
  }
  r.link_id = info.link_id;
  r.bytes = std::span<const std::uint8_t>(block_.data() + epb_data_at, captured);
  r.original_length = std::max(u32(epb_original_at), captured);
  r.dir = direction::to_device;
  comments_.clear();
  bool have_direction = false;
  for (std::size_t pos = epb_data_at + padded; pos + option_header_bytes <= end;) {
    const std::uint16_t code = u16(pos);
    const std::uint16_t len = u16(pos + option_length_at);
    if (code == opt_endofopt) break;
    const std::size_t opt_padded = (std::size_t{len} + 3) & ~std::size_t{3};
    if (pos + option_header_bytes + opt_padded > end)
      fail(at + pos + option_length_at, "option " + std::to_string(code) + " of length " + std::to_string(len) +
                                            " runs past the end of its block");
    const std::size_t value = pos + option_header_bytes;
    if (code == epb_flags) {
      if (len != 4) fail(at + pos + option_length_at, "epb_flags must be 4 bytes, not " + std::to_string(len));
      const std::uint32_t f = u32(value) & 3;
      if (f == flag_inbound) r.dir = direction::from_device, have_direction = true;
      else if (f == flag_outbound) r.dir = direction::to_device, have_direction = true;
    } else if (code == epb_dropcount) {
      if (len != 8) fail(at + pos + option_length_at, "epb_dropcount must be 8 bytes, not " + std::to_string(len));
      r.lost_before = u64(value);
    } else if (code == opt_comment) {
      std::string c(reinterpret_cast<const char*>(block_.data() + value), len);
      if (c.rfind(refused_prefix, 0) == 0) {
        r.flags |= record_flag::refused;
        const auto close = c.find(')', refused_prefix.size());
        if (close != std::string::npos) r.error = parse_frame_error(c.substr(refused_prefix.size(), close - refused_prefix.size()));
      } else if (c == truncated_comment) {
        r.flags |= record_flag::truncated;
      }
      comments_.push_back(std::move(c));
    }
    pos += option_header_bytes + opt_padded;
  }
  if (!have_direction) fail(at, "packet without a direction (epb_flags inbound or outbound)");
  return r;
}

std::optional<capture_record> capture_reader::next() {
  // The first block (the section header) was read by the constructor.
  for (;;) {
    if (!read_block()) return std::nullopt;
    std::uint32_t type = 0;
    std::memcpy(&type, block_.data(), 4);
    if (swapped_) type = __builtin_bswap32(type);
    const std::uint64_t at = block_offset_;
    switch (type) {
      case shb_type:
        continue;  // parsed by read_block
      case idb_type:
        parse_interface(at);
        continue;
      case epb_type:
        return parse_packet(at);
      case spb_type:
      case pb_type:
        fail(at, "simple and obsolete packet blocks are not read (no timestamp or direction); write enhanced packet blocks");
      default:
        continue;  // name resolution, statistics, custom blocks: not needed
    }
  }
}

capture_record captured_frame(const frame_record& f, framing* kept, std::vector<std::uint8_t>& scratch) {
  capture_record r;
  r.time_ns = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(f.time.time_since_epoch()).count());
  r.dir = f.dir;
  r.error = f.error;
  r.bytes = f.payload;
  if (!f.header) {
    r.flags = record_flag::refused;
  } else if (!f.bytes.empty()) {
    r.bytes = f.bytes;  // the kept form, as the channel read or wrote it
  } else {
    scratch.clear();
    try {
      if (kept) kept->write_kept(*f.header, f.payload, scratch);
      else scratch = frame_bytes(*f.header, f.payload);
    } catch (const comframe::usage_error&) {
      scratch.assign(f.payload.begin(), f.payload.end());  // the framing cannot say more than the payload
    }
    r.bytes = scratch;
  }
  return r;
}

}  // namespace comframe::transport
