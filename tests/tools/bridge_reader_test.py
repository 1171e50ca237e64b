#!/usr/bin/python3
"""docs/bridge.md is a contract: a reader written from it alone (bridge_reader.py) sees on a
live bridge exactly what `comframe tap --json` sees.

    bridge_reader_test.py PATH_TO_COMFRAME

A real `comframe sim --device thermo --bridge NAME` on a pty, real `comframe call`
processes as its host, raw bytes written to the pty for refused frames, then the bridge
read by bridge_reader.py and by `comframe tap --from-oldest --json`, and every record
compared field by field. Nothing here bounds time: each wait is for an event, with a
generous watchdog.
"""

import datetime
import json
import os
import re
import select
import signal
import struct
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bridge_reader  # noqa: E402

COMFRAME = None
WATCHDOG_S = 60


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def spaced_hex(data):
    return " ".join(f"{b:02x}" for b in data)


def utc_us(time_ns):
    t = datetime.datetime.fromtimestamp(time_ns // 1000 // 1000000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + f".{time_ns // 1000 % 1000000:06d}Z"


def proc_start_time(pid):
    with open(f"/proc/{pid}/stat", "rb") as f:
        stat = f.read()
    return int(stat[stat.rindex(b")") + 1:].split()[19])


class Sim:
    """`comframe sim --device thermo --bridge NAME ARGS…` on a pty, stopped with SIGTERM."""

    def __init__(self, name, *args):
        self.name = name
        self.proc = subprocess.Popen([COMFRAME, "sim", "--device", "thermo", "--bridge", name, *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     bufsize=0)  # unbuffered, so that select() sees every line
        line = self._line()
        if not line.startswith("port: "):
            raise AssertionError(f"sim's first line: {line!r}")
        self.port = line[len("port: "):]
        while not self._line().startswith("bridge: "):
            pass

    def _line(self):
        ready, _, _ = select.select([self.proc.stdout], [], [], WATCHDOG_S)
        if not ready:
            raise AssertionError("comframe sim printed nothing")
        line = self.proc.stdout.readline().decode()
        if not line:
            raise AssertionError(f"comframe sim ended: {self.proc.stderr.read().decode()}")
        return line.strip()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=WATCHDOG_S)
        return self.proc.returncode, out.decode(), err.decode()


def comframe(*args, check=True):
    r = subprocess.run([COMFRAME, *args], capture_output=True, timeout=WATCHDOG_S)
    if check and r.returncode != 0:
        raise AssertionError(f"comframe {' '.join(args)}: exit {r.returncode}: {r.stderr.decode()}")
    return r


def wait_for(what, predicate):
    deadline = time.monotonic() + WATCHDOG_S
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"watchdog: {what}")
        time.sleep(0.01)


def telemetry_writes(name):
    bridge = bridge_reader.Bridge(name)
    try:
        return sum(s["version"] // 2 for s in bridge.slots() if s["key"] == "event.telemetry")
    finally:
        bridge.close()


def tap(name, count, *args):
    """`comframe tap NAME --from-oldest --json --count N ARGS…`: (JSON lines, counter line)."""
    r = comframe("tap", name, "--from-oldest", "--json", "--count", str(count), *args)
    lines = [json.loads(line) for line in r.stdout.decode().splitlines()]
    counters = [line for line in r.stderr.decode().splitlines() if line.startswith("tap: records ")]
    return lines, counters[0] if counters else None


def expected_line(rec, profile):
    """What docs/bridge.md says `tap --json` prints for this record, given the profile's names."""
    line = bridge_reader.frame_fields(rec)
    line["time"] = utc_us(rec["time_ns"])
    for key in ("payload_hex", "frame_hex", "raw"):
        if key in line:
            line[key] = spaced_hex(bytes.fromhex(line[key]))
    if profile is not None and "command_id" in line and not rec["flags"] & bridge_reader.FLAG_TRUNCATED:
        names = {c["id"]: c["name"] for c in profile["commands"]}
        events = {e["id"]: e["name"] for e in profile["events"]}
        if line["kind"] == "event" and line["command_id"] in events:
            line["event"] = events[line["command_id"]]
        elif line["kind"] != "event" and line["command_id"] in names:
            line["command"] = names[line["command_id"]]
    return line


class BridgeReaderAgreesWithTap(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def drive(self, sim):
        """A host's traffic: a call, an error reply, telemetry, and bytes the device refuses."""
        comframe("call", sim.port, "get_info")
        r = comframe("call", sim.port, "set_led", '{"index": 9, "rgb": [1, 2, 3]}', check=False)
        self.assertIn("device error 3 (out_of_range)", r.stderr.decode())
        comframe("call", sim.port, "start_telemetry", '{"rate_hz": 1000}')
        wait_for("200 telemetry events on the bridge", lambda: telemetry_writes(sim.name) >= 200)
        comframe("call", sim.port, "stop_telemetry")
        fd = os.open(sim.port, os.O_RDWR | os.O_NOCTTY)
        try:
            # a frame whose CRC fails, one too short, and a long one that is not COBS
            os.write(fd, b"\x00\x0b\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x00")
            os.write(fd, b"\x03\x01\x02\x00")
            os.write(fd, b"\x05" + bytes(range(1, 60)) + b"\x00")
        finally:
            os.close(fd)
        # the last frame of the traffic: a reply published after the refused frames
        comframe("call", sim.port, "get_info")

    def snapshot(self, name):
        """A quiet bridge read whole, and what tap prints for it (retried while the bridge still moves)."""
        empty_profile = os.path.join(self.tmp.name, "empty_profile.json")
        with open(empty_profile, "w") as f:
            f.write('{"comframe_profile": 1, "device": "none", "commands": []}')
        for _ in range(100):
            bridge = bridge_reader.read_bridge(name)
            n = len(bridge["records"])
            named, named_counters = tap(name, n)
            raw, raw_counters = tap(name, n, "--profile", empty_profile)
            again = bridge_reader.read_bridge(name)
            if (again["head"], again["tail"]) == (bridge["head"], bridge["tail"]):
                return bridge, named, named_counters, raw, raw_counters
        raise AssertionError("the bridge never stood still")

    def check(self, name, sim):
        bridge, named, named_counters, raw, raw_counters = self.snapshot(name)
        h = bridge["header"]
        records = bridge["records"]
        profile = json.loads(bridge["profile"])

        # the header, as the Liveness section defines it
        self.assertEqual(h["pid"], sim.proc.pid)
        self.assertEqual(h["start_time"], proc_start_time(sim.proc.pid))
        self.assertNotEqual(h["epoch"], 0)
        self.assertEqual(h["closed"], 0)
        self.assertEqual(h["refused"], 0)

        # the profile region: canonical text, the one describe reports
        text = bridge["profile"].encode()
        self.assertEqual(bridge["profile"], json.dumps(profile, sort_keys=True, separators=(",", ":"), ensure_ascii=False))
        d = json.loads(comframe("call", sim.port, "describe", '{"offset": 0, "max_bytes": 0}', "-c").stdout)
        self.assertEqual((d["hash"], d["total"]), (fnv1a64(text), len(text)))
        self.assertEqual(profile["device"], "thermo")

        # the records: sequences without gaps from the oldest on
        seqs = [r["sequence"] for r in records]
        self.assertEqual(seqs, list(range(seqs[0], seqs[0] + len(seqs))))
        self.assertEqual(bridge["gaps"], [])

        # tap prints the same records, field by field, with the profile's names…
        self.assertEqual(len(named), len(records))
        for rec, line in zip(records, named):
            want = expected_line(rec, profile)
            got = dict(line)
            if "payload" in got:  # decoded by the profile: the bytes are compared below
                self.assertNotIn("payload_error", got, got)
                del got["payload"]
                del want["payload_hex"]
            self.assertEqual(got, want)
        # …and, given a profile that names nothing, the same payload bytes
        # (every profile has the builtin describe: profiles.md)
        builtin = {"commands": [{"id": 0xFFF0, "name": "describe"}], "events": []}
        self.assertEqual(len(raw), len(records))
        for rec, line in zip(records, raw):
            want = expected_line(rec, builtin)
            got = dict(line)
            if got.get("command") == "describe" and "payload" in got:
                del got["payload"]
                del want["payload_hex"]
            elif got.get("kind") == "error" and "payload" in got:
                # error replies decode without a profile (protocol.md, Error replies)
                payload = bytes.fromhex(want.pop("payload_hex"))
                self.assertEqual(got.pop("payload"), {"code": int.from_bytes(payload[:2], "little"),
                                                      "message": payload[2:].decode()})
            elif "payload_hex" in got:
                self.assertIn("payload_error", got)
                del got["payload_error"]
            self.assertEqual(got, want)

        # the counters tap prints at exit
        truncated = sum(1 for r in records if r["flags"] & bridge_reader.FLAG_TRUNCATED)
        refused = sum(1 for r in records if r["flags"] & bridge_reader.FLAG_REFUSED)
        want = (f"tap: records {len(records)}, lost 0 in 0 gaps, refused frames {refused}, truncated {truncated}, "
                f"publisher gone 0, restarts 0 (bridge: records {len(records)}, lost 0, "
                f"values the publisher could not store 0)")
        self.assertEqual(named_counters, want)
        self.assertEqual(raw_counters, want)

        # the latest-value slot: slot 0, keyed by the event's name, its last payload
        events = [r for r in records if r["direction"] == 1 and not r["flags"] & bridge_reader.FLAG_REFUSED
                  and r["data"][1] == 2 and r["data"][2:4] == b"\x00\x01"]
        self.assertEqual([(s["slot"], s["key"], s["schema"]) for s in bridge["slots"]],
                         [(0, "event.telemetry", "telemetry")])
        return bridge, events

    def test_a_bridge_with_room_for_everything(self):
        name = f"bridgereader-{os.getpid()}-a"
        sim = Sim(name)
        try:
            self.drive(sim)
            bridge, events = self.check(name, sim)
            records = bridge["records"]
            self.assertEqual(records[0]["sequence"], 0)
            self.assertEqual(bridge["tail"], 0)
            # every event frame wrote the slot once; it holds the last one's payload
            slot = bridge["slots"][0]
            self.assertEqual(slot["version"], 2 * len(events))
            self.assertEqual(slot["value"], events[-1]["data"][6:-4])
            self.assertEqual([r["error"] for r in records if r["error"]], [4, 2, 1])
            self.assertEqual(sum(1 for r in records if r["flags"] & bridge_reader.FLAG_TRUNCATED), 0)
        finally:
            code, out, err = sim.stop()
        self.assertEqual(code, 0, err)
        self.assertFalse(os.path.exists("/dev/shm/comframe." + name))

    def corrupt_copy_is_refused_alike(self, name, offset, fmt, value, count):
        """A copy of the live segment with one field changed: tap and this reader name the same field and byte."""
        with open("/dev/shm/comframe." + name, "rb") as f:
            data = bytearray(f.read())
        struct.pack_into("=" + fmt, data, offset, value)
        copy = f"{name}-bad"
        path = "/dev/shm/comframe." + copy
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, bytes(data))
            os.close(fd)
            r = comframe("tap", copy, "--from-oldest", "--json", "--count", str(count), check=False)
            with self.assertRaises(bridge_reader.CorruptBridge) as mine:
                bridge_reader.read_bridge(copy)
        finally:
            os.unlink(path)
        m = re.search(r"^comframe tap: \[transport\.bridge\.corrupt\] \S+: (.+?) at byte (\d+): ",
                      r.stderr.decode(), re.M)
        self.assertIsNotNone(m, r.stderr.decode())
        self.assertEqual((int(m.group(2)), m.group(1)), (mine.exception.offset, mine.exception.field))
        self.assertEqual(int(m.group(2)), offset)

    def test_a_corrupt_segment_is_refused_at_the_same_field_and_byte_as_tap_refuses_it(self):
        name = f"bridgereader-{os.getpid()}-c"
        sim = Sim(name)
        try:
            comframe("call", sim.port, "get_info")
            bridge = bridge_reader.read_bridge(name)
            first = bridge["records"][0]
            second_at = 256 + first["size"]
            profile_at = bridge["header"]["profile_offset"]
            for offset, fmt, value, field_count in [
                    (56, "I", 0, 1),                       # max_record_bytes
                    (128, "Q", bridge["head"] + (1 << 40), 1),  # head past tail + ring_bytes
                    (256 + 4, "I", 1 << 20, 1),            # the first record's length
                    (256 + 26, "B", 5, 1),                 # its direction
                    (second_at + 8, "Q", 99, 2),           # the second record's sequence
                    (profile_at + 8, "Q", 1 << 40, 1)]:    # the profile's length
                with self.subTest(offset=offset):
                    self.corrupt_copy_is_refused_alike(name, offset, fmt, value, field_count)
        finally:
            code, out, err = sim.stop()
        self.assertEqual(code, 0, err)

    def test_a_small_ring_that_wraps_and_cuts_frames(self):
        name = f"bridgereader-{os.getpid()}-b"
        sim = Sim(name, "--bridge-ring", "4096", "--bridge-record", "28")
        try:
            self.drive(sim)
            bridge, events = self.check(name, sim)
            h = bridge["header"]
            records = bridge["records"]
            self.assertEqual((h["ring_bytes"], h["max_record_bytes"]), (4096, 28))
            # the records from tail to head cross the ring's start once: one of them starts
            # at ring position 0, after a padding record, a skipped end or (when the sizes
            # happen to add up) a record ending there; it may be the oldest, when the tail
            # is just there, or none, when the newest ends right at the ring's end
            self.assertGreater(bridge["head"], 2 * h["ring_bytes"])
            starts = [r["pos"] % h["ring_bytes"] for r in records]
            head_at_start = bridge["head"] % h["ring_bytes"] == 0 and starts[0] != 0
            self.assertEqual(starts.count(0), 0 if head_at_start else 1, (bridge["tail"], bridge["head"], starts[:3]))
            self.assertLessEqual(bridge["padding_records"] + bridge["skipped_ends"], 1)
            self.assertGreater(bridge["tail"], 0)
            self.assertLessEqual(bridge["head"] - bridge["tail"], h["ring_bytes"])
            # the oldest record's sequence says how many were overwritten
            self.assertGreater(records[0]["sequence"], 0)
            # frames over 28 bytes are cut, refused ones too (flags 0x03)
            for r in records:
                self.assertEqual(r["length"], min(r["original_length"], 28))
                self.assertEqual(bool(r["flags"] & bridge_reader.FLAG_TRUNCATED), r["original_length"] > 28)
            self.assertIn(bridge_reader.FLAG_REFUSED | bridge_reader.FLAG_TRUNCATED, [r["flags"] for r in records])
        finally:
            code, out, err = sim.stop()
        self.assertEqual(code, 0, err)


if __name__ == "__main__":
    COMFRAME = sys.argv.pop(1)
    unittest.main()
