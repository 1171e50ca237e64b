#!/usr/bin/python3
"""A reader of comframe's shared-memory bridge, written from docs/bridge.md alone.

It is an independent client: it shares no code with comframe and uses only the
Python standard library, so that a test can hold docs/bridge.md to its word.

    python3 bridge_reader.py NAME         # one JSON line: header, profile, slots, records

`read_bridge(name)` maps /dev/shm/comframe.NAME read-only, checks the header
against the real size of the mapping, reads the profile region and the
latest-value slots (seqlocks), and walks the ring from `tail` to `head` the way
a subscriber does (padding records, skipped ends, laps and torn copies).
Anything that breaks docs/bridge.md raises `CorruptBridge` naming the field and
its byte offset in the segment.
"""

import json
import mmap
import os
import struct
import sys

HEADER_BYTES = 256
RECORD_HEADER_BYTES = 40
SLOT_HEADER_BYTES = 128
KEY_FIELD_BYTES = 48
MAX_KEY_BYTES = 47
PROFILE_HEADER_BYTES = 16

FLAG_REFUSED = 0x01
FLAG_TRUNCATED = 0x02
FLAG_PADDING = 0x80

ERRORS = {0: None, 1: "cobs", 2: "too_short", 3: "oversize", 4: "crc", 5: "bad_version", 6: "bad_kind"}
KINDS = {0: "request", 1: "response", 2: "event", 3: "error"}
DIRECTIONS = {0: "out", 1: "in"}

# A reader gives up a walk that the publisher keeps lapping (bridge.md: comframe's
# subscriber gives up after 10000 tries).
MAX_WALKS = 10000


class CorruptBridge(Exception):
    """The segment breaks a rule of docs/bridge.md: `field` at byte `offset`."""

    def __init__(self, path, offset, field, detail):
        super().__init__(f"{path}: {field} at byte {offset}: {detail}")
        self.offset = offset
        self.field = field


def align8(n):
    return (n + 7) & ~7


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
    return crc ^ 0xFFFFFFFF


class Bridge:
    """One mapped segment. All fields are in the host's byte order ("=")."""

    def __init__(self, name):
        self.path = "/dev/shm/comframe." + name
        fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            st = os.fstat(fd)
            self.file_bytes = st.st_size
            if self.file_bytes < HEADER_BYTES:
                raise CorruptBridge(self.path, 0, "segment_bytes",
                                    f"the file has {self.file_bytes} bytes, fewer than the {HEADER_BYTES}-byte header")
            self.mm = mmap.mmap(fd, self.file_bytes, mmap.MAP_SHARED, mmap.PROT_READ)
        finally:
            os.close(fd)
        # head and tail must each be one aligned 8-byte load: a memoryview cast to
        # "Q" reads them whole (bridge.md, Header).
        self.words = memoryview(self.mm).cast("Q")
        self.header = self._read_header()

    def close(self):
        self.words.release()
        self.mm.close()

    # -- the header ---------------------------------------------------------

    def _u(self, fmt, offset):
        return struct.unpack_from("=" + fmt, self.mm, offset)[0]

    def _fail(self, offset, field, detail):
        raise CorruptBridge(self.path, offset, field, detail)

    def _read_header(self):
        h = {}
        if self.mm[0:8] != b"CFBRIDGE":
            self._fail(0, "magic", f"{self.mm[0:8]!r}, expected b'CFBRIDGE'")
        fields = [("layout_version", "I", 8), ("header_bytes", "I", 12), ("segment_bytes", "Q", 16),
                  ("ring_offset", "Q", 24), ("ring_bytes", "Q", 32), ("latest_offset", "Q", 40),
                  ("latest_slots", "I", 48), ("slot_bytes", "I", 52), ("max_record_bytes", "I", 56),
                  ("pid", "i", 60), ("start_time", "Q", 64), ("epoch", "Q", 72), ("created_ns", "Q", 80),
                  ("closed", "I", 88), ("notify", "I", 92), ("profile_offset", "Q", 96),
                  ("profile_bytes", "Q", 104), ("refused", "Q", 112)]
        for name, fmt, offset in fields:
            h[name] = self._u(fmt, offset)
        off = {name: offset for name, _, offset in fields}

        def need(ok, name, detail):
            if not ok:
                self._fail(off[name], name, f"{h[name]}: {detail}")

        need(h["layout_version"] == 2, "layout_version", "this reader knows layout 2")
        need(h["header_bytes"] == HEADER_BYTES, "header_bytes", "expected 256")
        need(h["segment_bytes"] == self.file_bytes, "segment_bytes", f"the file has {self.file_bytes} bytes")
        need(h["ring_offset"] == HEADER_BYTES, "ring_offset", "expected 256")
        rb = h["ring_bytes"]
        need(4096 <= rb <= 1 << 30 and rb & (rb - 1) == 0, "ring_bytes", "not a power of two from 4096 to 2^30")
        need(h["profile_offset"] == HEADER_BYTES + rb, "profile_offset", "expected ring_offset + ring_bytes")
        pb = h["profile_bytes"]
        need(pb % 8 == 0 and PROFILE_HEADER_BYTES <= pb <= PROFILE_HEADER_BYTES + (16 << 20),
             "profile_bytes", "not 16 + a text capacity up to 16 MiB, a multiple of 8")
        need(h["latest_offset"] == h["profile_offset"] + pb, "latest_offset", "expected profile_offset + profile_bytes")
        need(h["latest_slots"] <= 4096, "latest_slots", "more than 4096")
        sb = h["slot_bytes"]
        need(sb % 8 == 0 and SLOT_HEADER_BYTES <= sb <= SLOT_HEADER_BYTES + (16 << 20), "slot_bytes",
             "not 128 + a value capacity up to 16 MiB, a multiple of 8")
        need(h["latest_offset"] + h["latest_slots"] * sb == h["segment_bytes"], "latest_slots",
             "the slots do not end at segment_bytes")
        need(1 <= h["max_record_bytes"] <= rb // 4, "max_record_bytes", "not from 1 to ring_bytes / 4")
        need(h["closed"] in (0, 1), "closed", "expected 0 or 1")
        for gap in list(range(120, 128)) + list(range(136, 192)) + list(range(200, 256)):
            if self.mm[gap] != 0:
                self._fail(gap, "reserved", f"byte {self.mm[gap]:#04x}, expected 0")
        return h

    def head(self):
        return self.words[128 // 8]

    def tail(self):
        return self.words[192 // 8]

    def head_tail(self):
        """A (head, tail) pair that belong together: head, tail, head until both heads agree."""
        while True:
            h1 = self.head()
            t = self.tail()
            if self.head() == h1:
                if not t <= h1 <= t + self.header["ring_bytes"]:
                    self._fail(128, "head", f"head {h1} and tail {t} break tail <= head <= tail + ring_bytes")
                return h1, t

    # -- seqlocked regions ----------------------------------------------------

    def _seqlock_copy(self, offset, copy):
        """Copy between two loads of the 8-byte version at offset; keep it when both are one even number.

        A publisher killed mid-write leaves the version odd for good: give up after MAX_WALKS tries.
        """
        for _ in range(MAX_WALKS):
            v1 = self.words[offset // 8]
            if v1 % 2:
                os.sched_yield()
                continue
            value = copy()
            v2 = self.words[offset // 8]
            if v1 == v2:
                return v1, value
        self._fail(offset, "version", "the value never settles")

    def profile(self):
        """The profile's text (str), or None when the bridge carries none."""
        h = self.header
        start, size = h["profile_offset"], h["profile_bytes"]

        def copy():
            length = self._u("Q", start + 8)
            if length > size - PROFILE_HEADER_BYTES:
                return ("bad", length)
            return ("ok", bytes(self.mm[start + 16:start + 16 + length]))

        version, (status, value) = self._seqlock_copy(start, copy)
        if version == 0:
            return None
        if status == "bad":
            self._fail(start + 8, "profile length", f"{value}, more than profile_bytes - 16 = {size - 16}")
        return value.decode("utf-8")

    def slots(self):
        """Every set latest-value slot, in slot order: {"slot", "key", "schema", "value" (bytes), "version"}."""
        h = self.header
        cap = h["slot_bytes"] - SLOT_HEADER_BYTES
        out = []
        for i in range(h["latest_slots"]):
            start = h["latest_offset"] + i * h["slot_bytes"]

            def copy(start=start):
                head = bytes(self.mm[start:start + SLOT_HEADER_BYTES])
                value_length = struct.unpack_from("=I", head, 16)[0]
                return head, bytes(self.mm[start + SLOT_HEADER_BYTES:start + SLOT_HEADER_BYTES + min(value_length, cap)])

            version, (head, value) = self._seqlock_copy(start, copy)
            if version == 0:
                continue
            key_length, schema_length, value_length = struct.unpack_from("=III", head, 8)
            if not 1 <= key_length <= MAX_KEY_BYTES:
                self._fail(start + 8, "slot key_length", f"{key_length}, not from 1 to 47")
            if schema_length > MAX_KEY_BYTES:
                self._fail(start + 12, "slot schema_length", f"{schema_length}, more than 47")
            if value_length > cap:
                self._fail(start + 16, "slot value_length", f"{value_length}, more than slot_bytes - 128 = {cap}")
            if any(head[24 + key_length:72]) or any(head[72 + schema_length:120]):
                self._fail(start + 24, "slot key", "bytes after the key or the schema name are not zero")
            out.append({"slot": i, "version": version,
                        "key": head[24:24 + key_length].decode("utf-8"),
                        "schema": head[72:72 + schema_length].decode("utf-8"),
                        "value": value})
        return out

    # -- the ring -------------------------------------------------------------

    def _ring(self, p):
        return HEADER_BYTES + p % self.header["ring_bytes"]

    def _left(self, p):
        rb = self.header["ring_bytes"]
        return rb - p % rb

    def _record(self, p, head):
        """The record at position p: ("padding", size) or ("record", dict), or ("torn", None)."""
        h = self.header
        at = self._ring(p)
        rec = bytes(self.mm[at:at + RECORD_HEADER_BYTES])
        if self.tail() > p:
            return "torn", None
        size, length, sequence, time_ns, link_id, direction, flags, error, original_length = \
            struct.unpack_from("=IIQQHBBBxxxI", rec, 0)
        if flags & FLAG_PADDING:
            if size != self._left(p):
                self._fail(at, "record size", f"padding of {size} bytes, {self._left(p)} left before the ring's end")
            if any(rec[4:27]) or any(rec[28:40]) or flags != FLAG_PADDING:
                self._fail(at + 4, "padding record", "a padding record's header is not zero but for size and flags")
            return "padding", size
        if length > h["max_record_bytes"]:
            self._fail(at + 4, "record length", f"{length}, more than max_record_bytes {h['max_record_bytes']}")
        if size != align8(RECORD_HEADER_BYTES + length):
            self._fail(at, "record size", f"{size}, expected align8(40 + {length})")
        if size > self._left(p) or p + size > head:
            self._fail(at, "record size", f"{size}: the record runs past the ring's end or head")
        if direction > 1:
            self._fail(at + 26, "record direction", f"{direction}")
        if error > 6 or (error != 0) != bool(flags & FLAG_REFUSED):
            self._fail(at + 28, "record error", f"{error} with flags {flags:#04x}")
        if flags & FLAG_TRUNCATED:
            if original_length <= length:
                self._fail(at + 32, "record original_length", f"{original_length}, not more than length {length}")
        elif original_length != length:
            self._fail(at + 32, "record original_length", f"{original_length}, expected length {length}")
        data = bytes(self.mm[at + RECORD_HEADER_BYTES:at + RECORD_HEADER_BYTES + length])
        if self.tail() > p:
            return "torn", None
        return "record", {"pos": p, "size": size, "sequence": sequence, "time_ns": time_ns, "link": link_id,
                          "direction": direction, "flags": flags, "error": error, "length": length,
                          "original_length": original_length, "data": data}

    def records(self):
        """Every record from tail to head, in order, as a subscriber "from the oldest" reads them.

        Returns (records, gaps): `gaps` is [(n, before_sequence)] for each lap during the
        walk. As bridge.md says of `from_oldest`, the first record's sequence number is taken
        as it is (records overwritten before the reader came are not a gap: the first
        record's `sequence` says how many). The walk stops at the head it read first.
        """
        head, p = self.head_tail()
        out, gaps = [], []
        self.padding_records = self.skipped_ends = 0
        expected = None  # taken from the first record
        resync = False
        for _ in range(MAX_WALKS * 1000):
            if p >= head:
                return out, gaps
            t = self.tail()
            if p < t:
                p, resync = t, True
                continue
            if self._left(p) < RECORD_HEADER_BYTES:
                p += self._left(p)
                self.skipped_ends += 1
                continue
            kind, value = self._record(p, head)
            if kind == "torn":
                continue
            if kind == "padding":
                p += value
                self.padding_records += 1
                continue
            seq = value["sequence"]
            if expected is None:
                expected = seq
            if resync:
                if seq < expected:
                    self._fail(self._ring(p) + 8, "record sequence", f"sequence {seq}, expected at least {expected}")
                if seq > expected:
                    gaps.append((seq - expected, seq))
                resync = False
            elif seq != expected:
                self._fail(self._ring(p) + 8, "record sequence", f"sequence {seq}, expected {expected}")
            out.append(value)
            expected = seq + 1
            p += value["size"]
        self._fail(192, "tail", "the publisher overwrites the ring faster than it can be read")


def frame_fields(rec):
    """What a record's data says, as comframe tap --json names it."""
    data = rec["data"]
    out = {"dir": DIRECTIONS[rec["direction"]], "bus_seq": rec["sequence"]}
    if rec["link"]:
        out["link"] = rec["link"]
    if rec["flags"] & FLAG_TRUNCATED:
        out["truncated"] = {"kept": rec["length"], "of": rec["original_length"]}
        if rec["flags"] & FLAG_REFUSED:
            out["error"] = ERRORS[rec["error"]]
            out["raw"] = data.hex()
        else:
            if len(data) >= 6:
                out["kind"] = KINDS.get(data[1], data[1])
                out["command_id"], out["seq"] = struct.unpack_from("<HH", data, 2)
            out["frame_hex"] = data.hex()
        return out
    if rec["flags"] & FLAG_REFUSED:
        out["error"] = ERRORS[rec["error"]]
        out["raw"] = data.hex()
        return out
    if len(data) < 10 or crc32c(data[:-4]) != struct.unpack_from("<I", data, len(data) - 4)[0]:
        raise ValueError(f"record {rec['sequence']}: a good frame whose CRC does not check")
    out["kind"] = KINDS.get(data[1], data[1])
    out["command_id"], out["seq"] = struct.unpack_from("<HH", data, 2)
    out["payload_hex"] = data[6:-4].hex()
    return out


def read_bridge(name):
    bridge = Bridge(name)
    try:
        profile = bridge.profile()
        slots = bridge.slots()
        records, gaps = bridge.records()
        head, tail = bridge.head_tail()
        return {"header": bridge.header, "head": head, "tail": tail, "profile": profile,
                "slots": slots, "records": records, "gaps": gaps,
                "padding_records": bridge.padding_records, "skipped_ends": bridge.skipped_ends}
    finally:
        bridge.close()


def main(argv):
    if len(argv) != 2:
        print("usage: bridge_reader.py NAME", file=sys.stderr)
        return 2
    bridge = read_bridge(argv[1])
    bridge["slots"] = [dict(s, value=s["value"].hex()) for s in bridge["slots"]]
    bridge["records"] = [frame_fields(r) for r in bridge["records"]]
    print(json.dumps(bridge))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
