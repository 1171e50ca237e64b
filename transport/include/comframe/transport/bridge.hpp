// comframe/transport/bridge.hpp — the shared-memory bridge: the process that
// owns a link publishes every frame it sees; any number of local processes read
// them without touching the port. docs/bridge.md gives the segment byte by byte.
//
// Publishing (never waits for subscribers):
//   transport::bridge::publisher bridge("lab");     // creates /dev/shm/comframe.lab, mode 0600
//   bridge.publish_frame(direction::from_device, header, payload);
//   bridge.set_profile(profile_text);                 // the device's profile, in a region of its own
//   bridge.set_latest("event.telemetry", "telemetry", payload);
//
// Subscribing, in another process:
//   transport::bridge::subscriber tap("lab");
//   for (;;) {
//     const auto r = tap.next(std::chrono::seconds(1));
//     if (r.status != read_status::record) continue;   // timeout, publisher gone or restarted
//     if (r.lost) std::cout << r.lost << " records lost\n";
//     if (auto f = r.rec.frame()) use(f->header, f->payload);
//   }
//
// Guarantees: a subscriber reads records in order and never a torn one; when
// the publisher laps it, the next record it reads says exactly how many it
// lost. Everything read from a segment is checked against the mapping, so a
// corrupted or hostile segment gives bridge_error (bridge_errc::corrupt),
// never a crash. A subscriber notices a publisher that exited or died, and
// attaches to the next one on the same name.
//
// Thread safety: a publisher may be used from any number of threads. A
// subscriber is used by one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "comframe/core/error.hpp"
#include "comframe/transport/frame.hpp"
#include "comframe/transport/frame_record.hpp"

namespace comframe::transport::bridge {

/// The version of the segment layout this code writes and reads (docs/bridge.md).
inline constexpr std::uint32_t layout_version = 2;

/// What went wrong with a bridge. Each value has one meaning.
enum class bridge_errc : std::uint8_t {
  name,        ///< a bridge name that is not allowed (see check_name)
  in_use,      ///< a live publisher has the name
  not_found,   ///< no segment of that name: is its publisher running?
  permission,  ///< the segment exists but this process may not open it
  corrupt,     ///< a segment that breaks the layout; the message says which field at which byte
  system,      ///< a system call failed for another reason; the message has the OS error
};

/// "name", "in_use", … — the last part of a bridge_error id.
std::string_view to_string(bridge_errc kind) noexcept;

/// An error of the bridge. id() is "transport.bridge." followed by
/// to_string(kind()), e.g. "transport.bridge.not_found"; what() reads
///   [transport.bridge.corrupt] /dev/shm/comframe.lab: tail at byte 192: tail 100 is past head 48
/// A caller's bad options or arguments (a ring size that is no power of two, a
/// latest value larger than its slot) are comframe::usage_error
/// "transport.bridge.usage", like every misuse of a comframe API.
class bridge_error : public comframe::error {
 public:
  /// `where`: for a corrupt segment, its file, the field (path) and the field's byte offset in the segment.
  bridge_error(bridge_errc kind, std::string detail, error_location where = {});
  bridge_errc kind() const noexcept { return kind_; }

 private:
  bridge_errc kind_;
};

/// Throws bridge_error (bridge_errc::name) unless `name` is 1 to 64
/// letters, digits, '.', '-' or '_', not starting with '.'.
void check_name(std::string_view name);
/// Where the segment of `name` lives: "/dev/shm/comframe.<name>".
std::string segment_path(std::string_view name);
/// Where the publisher's doorbell lives: "/dev/shm/comframe-bell.<name>", 64
/// bytes that every process that may read the segment may write: set by a
/// subscriber before it sleeps, so that the publisher wakes subscribers only
/// when one sleeps (docs/bridge.md, "The doorbell").
std::string doorbell_path(std::string_view name);

/// record::flags bits: transport::record_flag, also named bridge::refused and bridge::truncated.
using transport::record_flag;
using enum transport::record_flag;

/// One published frame: a recorded_frame (frame_record.hpp) and its number.
/// `bytes` is valid until the subscriber's next read; a frame longer than the
/// bridge's max_record_bytes is cut there (flag truncated, set by the
/// publisher only).
struct record : recorded_frame {
  std::uint64_t sequence = 0;  ///< 0, 1, 2 … per publisher
};

struct publisher_options {
  std::size_t ring_bytes = std::size_t{4} << 20;         ///< a power of two, 4 KiB to 1 GiB
  std::size_t max_record_bytes = std::size_t{64} << 10;  ///< from 1 to ring_bytes / 4
  std::uint32_t latest_slots = 32;                        ///< 0 to 4096
  std::size_t latest_value_bytes = std::size_t{16} << 10;  ///< per slot, at most 16 MiB
  /// Room for the profile's text (set_profile), at most 16 MiB. The default
  /// holds every profile within devices::profile_limits::max_canonical_bytes;
  /// pages of /dev/shm the profile does not use cost no memory.
  std::size_t profile_bytes = std::size_t{1} << 20;
  unsigned mode = 0600;                                    ///< permission bits of the segment
};

/// Creates the segment of `name` and publishes into it. Refuses (in_use) when a
/// live publisher has the name; replaces a segment whose publisher died. The
/// destructor marks the segment closed, wakes subscribers and removes it.
class publisher {
 public:
  explicit publisher(std::string_view name, const publisher_options& options = {});
  ~publisher();
  publisher(const publisher&) = delete;
  publisher& operator=(const publisher&) = delete;

  /// Publishes one record without waiting; returns its sequence number. Bytes
  /// over max_record_bytes are cut and the record flagged truncated (the
  /// record keeps the original length). `flags` may hold `refused`; other bits
  /// are the publisher's. A time_ns of 0 means now.
  std::uint64_t publish(direction dir, std::span<const std::uint8_t> bytes, std::uint16_t link_id = 0,
                        std::uint8_t flags = 0, std::optional<frame_error> error = std::nullopt,
                        std::uint64_t time_ns = 0);
  /// Publishes a frame (header, payload, CRC), written straight into the ring.
  std::uint64_t publish_frame(direction dir, const frame_header& header, std::span<const std::uint8_t> payload,
                              std::uint16_t link_id = 0, std::uint64_t time_ns = 0);

  /// Sets the latest value of `key` (1 to 47 bytes), with the name of its
  /// schema (at most 47 bytes). Readers never see a torn value. Throws
  /// usage_error ("transport.bridge.usage") when the key or schema name is
  /// too long, the value is over latest_value_bytes or all slots hold other
  /// keys; each refusal is also counted in the segment (refused()), so
  /// readers see that a value is missing.
  void set_latest(std::string_view key, std::string_view schema_name, std::span<const std::uint8_t> value);
  void set_latest(std::string_view key, std::string_view schema_name, std::string_view text);

  /// Puts the device's profile (JSON text) in the segment's profile region.
  /// Throws usage_error ("transport.bridge.usage"), counted in refused(),
  /// when it is over publisher_options::profile_bytes.
  void set_profile(std::string_view text);

  /// Values set_latest and set_profile refused so far (the segment's
  /// `refused` counter).
  std::uint64_t refused() const noexcept;
  /// FUTEX_WAKE system calls made: at most one per record, only when a
  /// subscriber has gone to sleep since the last one (the doorbell, docs/bridge.md).
  std::uint64_t wakes() const noexcept;

  const std::string& name() const noexcept;
  std::uint64_t published() const noexcept;  ///< records published so far
  std::uint64_t epoch() const noexcept;       ///< this publisher's random identity

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

enum class read_status : std::uint8_t {
  record,               ///< `rec` holds the next record (and `lost` what was lost before it)
  timeout,              ///< nothing new within the timeout
  publisher_gone,       ///< the publisher exited or died; every record it wrote has been read
  publisher_restarted,  ///< a new publisher has the name; reading goes on with its records
};
/// "record", "timeout", "publisher_gone", "publisher_restarted".
std::string_view to_string(read_status status) noexcept;

struct read_result {
  read_status status = read_status::timeout;
  /// Records the publisher overwrote before this subscriber read them, lost
  /// just before `rec`. Exact. After publisher_restarted, the first record
  /// counts the new publisher's records overwritten before it was reached.
  std::uint64_t lost = 0;
  record rec;
  /// For publisher_gone and publisher_restarted: what happened, for people.
  std::string detail;
};

struct subscriber_options {
  /// Start with the oldest record still in the ring instead of the next new one.
  bool from_oldest = false;
  /// Check for a new record for up to this long before sleeping on the
  /// futex, for lower latency (a record is then seen within a microsecond
  /// instead of after a wake-up). The most it spins: the spin adapts
  /// (adaptive_spin.hpp) — it shortens, down to sleeping at once, while spins
  /// do not find a record or lose the core to another task, and grows back
  /// when they pay. It yields the core every few microseconds of spinning.
  /// 0: never spin. docs/bridge.md says when spinning helps.
  std::chrono::nanoseconds spin{0};
};

struct subscriber_stats {
  std::uint64_t records = 0;      ///< records read
  std::uint64_t lost = 0;         ///< records lost to laps, over all publishers
  std::uint64_t gaps = 0;         ///< times records were lost
  std::uint64_t publishers = 1;   ///< publishers attached to (1 + restarts)
  std::uint64_t spins = 0;        ///< spins made before sleeping (subscriber_options::spin)
  std::uint64_t spins_found = 0;  ///< of which found a record without losing the core
  std::uint64_t sleeps = 0;       ///< futex waits
};

/// A latest value as read: its key, schema name, bytes and how often it was set.
struct latest_value {
  std::string key;
  std::string schema_name;
  std::vector<std::uint8_t> value;
  std::uint64_t version = 0;
};

/// Maps the segment of `name` read-only and reads its records. Throws
/// bridge_error: not_found, permission, corrupt.
class subscriber {
 public:
  explicit subscriber(std::string_view name, const subscriber_options& options = {});
  ~subscriber();
  subscriber(const subscriber&) = delete;
  subscriber& operator=(const subscriber&) = delete;

  /// Waits up to `timeout` for the next record. After publisher_gone it keeps
  /// looking for a new publisher on the name on every call. Throws bridge_error
  /// (bridge_errc::corrupt) for a segment that breaks the layout.
  read_result next(std::chrono::nanoseconds timeout);

  /// The latest value of `key`, if the publisher set one.
  std::optional<latest_value> latest(std::string_view key) const;
  /// Every key with a value.
  std::vector<std::string> latest_keys() const;
  /// The profile text the publisher put on the bridge (set_profile), if any.
  std::optional<std::string> profile() const;
  /// Values the publisher could not store (publisher::refused()).
  std::uint64_t refused() const noexcept;

  subscriber_stats stats() const noexcept;
  const std::string& name() const noexcept;
  std::uint64_t epoch() const noexcept;  ///< the attached publisher's
  int publisher_pid() const noexcept;    ///< the attached publisher's

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace comframe::transport::bridge
