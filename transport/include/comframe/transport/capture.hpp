// comframe/transport/capture.hpp — captures of the frames on a link, in files
// that standard tools open: pcapng (Wireshark, tshark), a hexdump, or lines of
// text the caller formats (JSON lines in `comframe log`). docs/logging.md gives
// the bytes.
//
// Writing:
//   transport::capture_writer_options o{.path = "cap.pcapng", .source = "/dev/pts/3"};
//   auto w = transport::open_pcapng_writer(o);
//   std::vector<std::uint8_t> bytes = frame_bytes(header, payload);   // the frame before COBS
//   w->write({.time_ns = now_ns, .dir = direction::to_device, .bytes = bytes});
//
// Reading (replay, tests):
//   transport::capture_reader r("cap.pcapng");
//   while (auto rec = r.next()) use(rec->dir, rec->bytes);   // bytes valid until the next call
//
// A capture keeps one record per frame: the frame's bytes before COBS (header,
// payload, CRC; see write_frame_bytes), or for a frame the receiver refused its
// raw bytes as received (COBS-encoded, without the 0x00), flagged refused.
//
// pcapng layout (little-endian, one section per file):
//   SHB   shb_userappl "comframe …", a comment naming the source
//   IDB   one per link id, LINKTYPE_USER0 (147), snaplen 0, if_tsresol 9
//         (nanoseconds), if_name the source, if_description "comframe link <id>"
//         for comframe's own framing, "comframe link <id> framing <name>" for a
//         framing described in a profile (<name>: framing_traits::name, the
//         framing section's compact canonical JSON); packets are then frames in
//         that framing's kept form (docs/framing.md)
//   EPB   one per frame: timestamp, the bytes (original packet length: the
//         frame's length before a source cut it), and options
//           epb_flags     bits 0-1: 01 inbound = from_device, 10 outbound = to_device
//           epb_dropcount frames lost just before this one (a bridge that overran the logger)
//           opt_comment   "<N> frames lost before this one", "refused by the receiver (<why>) …",
//                         "truncated …", and the record's note, as they apply
// Rotation (rotate_size_bytes > 0): "cap.pcapng", then "cap.1.pcapng",
// "cap.2.pcapng" …; each file is complete on its own (SHB and IDBs again).
//
// Reading is strict: a capture file is untrusted input. Every length and
// offset is checked against the block and the file; a truncated or hostile
// file gives capture_error naming the file and the byte offset, never a crash,
// and no block larger than capture_limits::max_block_bytes is read into memory.
//
// Thread safety: a writer or reader is used by one thread at a time.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "comframe/core/error.hpp"
#include "comframe/transport/frame.hpp"
#include "comframe/transport/frame_record.hpp"

namespace comframe::transport {

/// LINKTYPE_USER0, the pcap link type of comframe captures (DLT 147; Wireshark's
/// "USER0" encapsulation).
inline constexpr std::uint16_t capture_link_type = 147;

namespace capture_limits {
/// Largest pcapng block a reader accepts (a frame of max_supported_payload_size fits).
inline constexpr std::uint32_t max_block_bytes = (std::uint32_t{16} << 20) + 4096;
/// Most interfaces (IDBs) a reader accepts in one section.
inline constexpr std::size_t max_interfaces = 65536;
}  // namespace capture_limits

/// One captured frame: a recorded_frame (frame_record.hpp), and what a capture adds.
struct capture_record : recorded_frame {
  std::uint64_t lost_before = 0;          ///< frames the source lost just before this one
  /// Something people should know about the stream just before this frame
  /// ("the publisher restarted: frames may be missing"); written as a comment
  /// (a reader gives it back in capture_reader::comments(), not here).
  std::string_view note = {};
};

/// A capture file that cannot be written or read. id() is "transport.capture";
/// file() is the capture file and, for a bad file, offset() the byte offset
/// (comframe/core/error.hpp composes what()):
///   "[transport.capture] cap.pcapng at byte 28: block total length 7 is not a multiple of 4"
class capture_error : public comframe::error {
 public:
  capture_error(std::string file, std::string detail, std::optional<std::uint64_t> offset = std::nullopt);
};

struct capture_writer_options {
  std::string path;                    ///< the first file; rotated files get ".1", ".2" … before the extension
  std::uint64_t rotate_size_bytes = 0; ///< start a new file before one would grow beyond this; 0: never
  std::string source;                  ///< what was recorded ("/dev/pts/3", "bridge lab"), written into the file
  /// The framing of the recorded links (framing_traits::name): "" for
  /// comframe's own, else named in each link's interface description.
  std::string framing{};
};

/// The file names rotation gives: index 0 is `path` itself; index n > 0 puts
/// ".n" before the extension ("cap.pcapng" → "cap.3.pcapng", "log" → "log.3").
std::string rotated_path(const std::string& path, std::size_t index);

/// Writes records to a file in one format, starting new files by size.
class capture_writer {
 public:
  virtual ~capture_writer();
  capture_writer(const capture_writer&) = delete;
  capture_writer& operator=(const capture_writer&) = delete;

  /// Writes one record. A new file is started first when this record would
  /// take the current one beyond rotate_size_bytes (a file always gets at least
  /// one record). Throws capture_error when the file cannot be written.
  void write(const capture_record& record);
  /// Creates the first file now (write() does it otherwise), so that a path
  /// that cannot be written is reported before anything is recorded. Throws capture_error.
  void open();
  /// Writes buffered bytes to the file. Throws capture_error.
  void flush();
  /// Flushes and closes the current file. Throws capture_error.
  void close();

  /// Every file written so far, in order.
  const std::vector<std::string>& files() const noexcept { return files_; }
  std::uint64_t records() const noexcept { return records_; }
  /// Bytes written to all files.
  std::uint64_t bytes() const noexcept { return bytes_; }

 protected:
  explicit capture_writer(capture_writer_options options);
  /// Appends what a file starts with.
  virtual void start_file(std::string& out) = 0;
  /// Appends one record.
  virtual void encode(const capture_record& record, std::string& out) = 0;
  const capture_writer_options& options() const noexcept { return options_; }

 private:
  void open_next();
  void put(const std::string& data);
  capture_writer_options options_;
  std::vector<std::string> files_;
  std::FILE* file_ = nullptr;
  std::uint64_t file_bytes_ = 0;
  std::uint64_t file_records_ = 0;
  std::uint64_t records_ = 0;
  std::uint64_t bytes_ = 0;
  std::string buffer_;
};

/// pcapng as described at the top of this header. Throws capture_error when
/// the file cannot be created.
std::unique_ptr<capture_writer> open_pcapng_writer(const capture_writer_options& options);

/// A hexdump for people, one block per frame:
///   2026-11-22T05:00:32.123456Z > 10 bytes
///     0000  01 00 02 00 01 00 65 ac  df 14                    |......e...|
/// `>` is to the device, `<` from it; a refused frame says "refused (crc)",
/// and a loss is a line "# 3 frames lost here".
std::unique_ptr<capture_writer> open_hexdump_writer(const capture_writer_options& options);

/// One line per record, as `format` makes it (without the newline); `header`
/// (if not empty) starts every file. For JSON lines, which need a profile.
std::unique_ptr<capture_writer> open_lines_writer(const capture_writer_options& options,
                                                  std::function<std::string(const capture_record&)> format,
                                                  std::string header = {});

/// The hexdump lines of one record (what open_hexdump_writer writes for it).
std::string hexdump_record(const capture_record& record);

/// A frame as its observers see it (a session's, a device host's
/// observe_frames) as a capture keeps it: a good frame as its kept form —
/// `f.bytes` when the channel filled them, else written by `kept` (its
/// framing::write_kept; nullptr: comframe's own) into `scratch`, or the bare
/// payload when that framing cannot write it — and a refused one as its raw
/// bytes flagged refused. The record's spans point into `f` or `scratch`.
capture_record captured_frame(const frame_record& f, framing* kept, std::vector<std::uint8_t>& scratch);

/// Reads a pcapng file written by comframe or by another tool, one frame at a
/// time. Accepts either byte order and several sections; skips blocks it does
/// not use (name resolution, statistics, custom blocks). Only packets of
/// LINKTYPE_USER0 interfaces are returned; others are an error.
class capture_reader {
 public:
  /// Opens `path` and reads its first section header. Throws capture_error
  /// (cannot open, not pcapng, a bad header).
  explicit capture_reader(const std::string& path);
  ~capture_reader();
  capture_reader(const capture_reader&) = delete;
  capture_reader& operator=(const capture_reader&) = delete;

  /// The next frame, or nullopt at the end of the file. Its bytes are valid
  /// until the next call. Throws capture_error naming the byte offset of the
  /// bad field.
  std::optional<capture_record> next();

  const std::string& path() const noexcept { return path_; }
  /// Comments of the record last returned (opt_comment), for people.
  const std::vector<std::string>& comments() const noexcept { return comments_; }
  /// The framing the current section names for link `link_id` (its interface
  /// description's "framing <name>"): "" for comframe's own framing, for a
  /// capture written before framings were named, and for a link whose
  /// interface has not been read yet (next() reads it with the link's first record).
  const std::string& link_framing(std::uint16_t link_id) const noexcept;

 private:
  struct interface_info {
    std::uint16_t link_type = 0;
    std::uint16_t link_id = 0;
    std::uint8_t tsresol = 6;
    std::string framing;  // "" for comframe's
  };
  bool read_block();
  void parse_section_header(std::uint64_t at);
  void parse_interface(std::uint64_t at);
  std::optional<capture_record> parse_packet(std::uint64_t at);
  [[noreturn]] void fail(std::uint64_t at, const std::string& detail) const;
  std::uint16_t u16(std::size_t pos) const;
  std::uint32_t u32(std::size_t pos) const;
  std::uint64_t u64(std::size_t pos) const;

  std::string path_;
  std::FILE* file_ = nullptr;
  std::uint64_t offset_ = 0;        // of the next block
  std::uint64_t block_offset_ = 0;  // of the block in block_
  bool swapped_ = false;            // the section is big-endian
  bool have_section_ = false;
  std::vector<std::uint8_t> block_;
  std::vector<interface_info> interfaces_;
  std::vector<std::string> comments_;
};

}  // namespace comframe::transport
