#!/usr/bin/python3
"""The comframe Python package against what a Python user writes without it, measured in the same run
(docs/performance.md, "Python").

    PYTHONPATH=BUILD/python /usr/bin/python3 bench/python_package_bench.py [--runs K]

BUILD is a Release or RelWithDebInfo build with the package (scripts/build.sh, or --python). Prints, each the
best of K runs, and each ratio (above 1: comframe is faster):
  decode      the 64-byte telemetry record of bench/core_codec_bench.cpp (bench/telemetry.schema.json) to a
              dict: Schema.decode against struct.unpack_from plus building the same dict in Python
  request     get_info round trips against the thermo simulator in this process, one after the other:
              Device.call against a hand-written pyserial client doing COBS and CRC-32C in Python
              (examples/thermo_device/pyserial_get_info.py's protocol code), each on its own simulator
  bridge      records per second read into Python from a bridge (Subscriber.next, frames decoded by the
              profile on the bridge), filled first by a Publisher in this process
"""
import argparse
import importlib.util
import os
import struct
import sys
import time
import timeit

import comframe
import serial  # pyserial

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

sys.path.insert(0, HERE)
from decode_vs_python import RECORD, sample, to_dict  # noqa: E402  (the same record and dict as that bench)


def load_client():
    path = os.path.join(REPO, "examples", "thermo_device", "pyserial_get_info.py")
    spec = importlib.util.spec_from_file_location("pyserial_get_info", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def best_per_call(fn, number, runs):
    return min(timeit.repeat(fn, number=number, repeat=runs)) / number


def bench_decode(runs):
    schema = comframe.Schema.load(os.path.join(HERE, "telemetry.schema.json")).type("Telemetry")
    rec = sample(7)
    assert schema.decode(rec) == to_dict(RECORD.unpack_from(rec)), "the two decoders disagree"
    n = 100_000
    py = best_per_call(lambda: to_dict(RECORD.unpack_from(rec)), n, runs)
    cf = best_per_call(lambda: schema.decode(rec), n, runs)
    return py, cf


def pyserial_round_trips(client, port, n):
    """n get_info requests, each waiting for its reply: the protocol in Python, the port through pyserial."""
    link = serial.Serial(port, 115200, timeout=1.0)
    pending = bytearray()
    try:
        link.reset_input_buffer()
        for i in range(n):
            seq = i % 65535 + 1
            link.write(b"\x00" + client.encode_frame(client.KIND_REQUEST, client.GET_INFO, seq))
            while True:
                if 0 not in pending:
                    chunk = link.read(link.in_waiting or 1)
                    if not chunk:
                        raise RuntimeError("no reply to get_info")
                    pending += chunk
                    continue
                end = pending.index(0)
                wire, pending = bytes(pending[:end]), pending[end + 1:]
                frame = client.decode_frame(wire) if wire else None
                if frame and frame[0] == client.KIND_RESPONSE and frame[2] == seq:
                    break
    finally:
        link.close()


def device_round_trips(port, profile, n, spin_us):
    with comframe.Device(port, profile=profile, spin_us=spin_us) as dev:
        dev.call("get_info")
        t = time.perf_counter()
        for _ in range(n):
            dev.call("get_info")
        return (time.perf_counter() - t) / n


def bench_requests(runs, n=2000):
    """Best of `runs` for each: the pyserial client, Device.call (spin_us=200, the default) and Device.call
    sleeping at once (spin_us=0); each run on a simulator of its own, in turn."""
    client = load_client()
    best = {"pyserial": float("inf"), "spin": float("inf"), "sleep": float("inf")}
    for _ in range(runs):
        with comframe.Simulator(device="thermo") as sim:
            t = time.perf_counter()
            pyserial_round_trips(client, sim.port, n)
            best["pyserial"] = min(best["pyserial"], (time.perf_counter() - t) / n)
        for key, spin in (("spin", 200), ("sleep", 0)):
            with comframe.Simulator(device="thermo") as sim:
                best[key] = min(best[key], device_round_trips(sim.port, sim.profile, n, spin))
    return best


def bench_bridge(runs, n=200_000):
    profile = comframe.Profile.load(os.path.join(REPO, "devices", "profiles", "thermo.json"))
    telemetry = profile.event("telemetry")
    payload = telemetry["payload"].encode({"sequence": 1, "uptime_us": 123456, "temps_cdeg": [2150, 2187, 2224, 2261]})
    frame = comframe.frame_bytes("event", telemetry["id"], 0, payload)
    best = 0.0
    for run in range(runs):
        name = f"bench-py-{os.getpid()}-{run}"
        pub = comframe.Publisher(name, ring_bytes=64 << 20)
        pub.set_profile(profile)
        sub = comframe.Subscriber(name, from_oldest=True)
        for _ in range(n):
            pub.publish(frame)
        t = time.perf_counter()
        got = 0
        while got < n:
            rec = sub.next(0.0)
            assert rec is not None and rec.lost == 0
            got += 1
        best = max(best, n / (time.perf_counter() - t))
        assert rec.frame["payload"]["temps_cdeg"] == [2150, 2187, 2224, 2261]
        del sub, pub
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    py, cf = bench_decode(args.runs)
    print(f"decode   struct.unpack + dict {py * 1e9:8.0f} ns   comframe Schema.decode {cf * 1e9:8.0f} ns   "
          f"ratio {py / cf:5.2f}")
    r = bench_requests(args.runs)
    print(f"request  pyserial client      {r['pyserial'] * 1e6:8.1f} us   comframe Device.call   {r['spin'] * 1e6:8.1f} us   "
          f"ratio {r['pyserial'] / r['spin']:5.2f}   (spin_us=0: {r['sleep'] * 1e6:.1f} us, ratio "
          f"{r['pyserial'] / r['sleep']:.2f})")
    rate = bench_bridge(args.runs)
    print(f"bridge   {rate:,.0f} records/s into Python (frames decoded)")


if __name__ == "__main__":
    main()
