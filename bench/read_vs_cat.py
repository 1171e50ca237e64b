#!/usr/bin/python3
"""JSON lines from a page-cached capture: `comframe read CAP --profile thermo.json`
against `cat CAP > /dev/null`, the baseline, measured in the same run
(docs/performance.md, "JSON lines from a capture").

    /usr/bin/python3 bench/read_vs_cat.py build/tools/comframe [--records N] [--runs K]

Writes a pcapng capture of N thermo telemetry events (docs/logging.md, "pcapng"),
reads it once to bring it into the page cache, then times each command K times and
keeps the fastest. Prints the throughputs in capture bytes per second and their ratio.
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
import time


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def block(kind: int, body: bytes) -> bytes:
    body += b"\0" * (-len(body) % 4)
    return struct.pack("<II", kind, len(body) + 12) + body + struct.pack("<I", len(body) + 12)


def option(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


def telemetry_frame(seq: int, channels: int) -> bytes:
    # The thermo telemetry event (id 0x0100): sequence u32, uptime_us u64, temps_cdeg i16[].
    payload = struct.pack("<IQ", seq, seq * 1000) + struct.pack(f"<{channels}h", *[2100 + i for i in range(channels)])
    frame = bytes([1, 2]) + struct.pack("<HH", 0x0100, 0) + payload
    return frame + struct.pack("<I", crc32c(frame))


def write_capture(path: str, records: int, channels: int) -> None:
    shb = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + option(0, b""))
    idb = block(1, struct.pack("<HHI", 147, 0, 0) + option(2, b"bench") + option(3, b"comframe link 0")
                + option(9, b"\x09") + option(0, b""))
    flags = option(2, struct.pack("<I", 1)) + option(0, b"")  # inbound: from the device
    distinct = [telemetry_frame(i, channels) for i in range(1000)]
    t0 = 1795000000 * 10**9
    with open(path, "wb") as f:
        f.write(shb + idb)
        chunk = []
        for i in range(records):
            frame = distinct[i % len(distinct)]
            t = t0 + i * 1000
            body = struct.pack("<IIIII", 0, t >> 32, t & 0xFFFFFFFF, len(frame), len(frame)) + frame
            body += b"\0" * (-len(body) % 4) + flags
            chunk.append(block(6, body))
            if len(chunk) == 10000:
                f.write(b"".join(chunk))
                chunk.clear()
        f.write(b"".join(chunk))


def fastest(argv, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("comframe", help="the comframe program (build/tools/comframe)")
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--channels", type=int, default=8, help="temperatures per telemetry sample")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    profile = os.path.join(here, "..", "devices", "profiles", "thermo.json")
    with tempfile.TemporaryDirectory() as d:
        cap = os.path.join(d, "telemetry.pcapng")
        write_capture(cap, a.records, a.channels)
        size = os.path.getsize(cap)
        out = subprocess.run([a.comframe, "read", cap, "--profile", profile, "--count", "1"],
                             capture_output=True, text=True, check=True).stdout
        sample = json.loads(out)
        assert sample["event"] == "telemetry" and len(sample["payload"]["temps_cdeg"]) == a.channels, out
        subprocess.run(["cat", cap], stdout=subprocess.DEVNULL, check=True)  # into the page cache
        cat = fastest(["cat", cap], max(a.runs, 5))
        read = fastest([a.comframe, "read", cap, "--profile", profile], a.runs)
        line_bytes = len(out)
    print(f"capture: {a.records} telemetry records, {size / 1e6:.1f} MB; JSON line {line_bytes} bytes")
    print(f"cat:           {cat * 1e3:8.1f} ms  {size / cat / 1e6:9.1f} MB/s")
    print(f"comframe read: {read * 1e3:8.1f} ms  {size / read / 1e6:9.1f} MB/s  "
          f"{read / a.records * 1e9:6.0f} ns per record  {a.records / read / 1e6:.2f} M records/s")
    print(f"ratio (read throughput / cat throughput): {cat / read:.4f}  (target >= 0.1)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
