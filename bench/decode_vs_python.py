#!/usr/bin/python3
"""comframe's dynamic decoder to JSON text against what a Python user writes
instead: struct.unpack + a dict + json.dumps, for the 64-byte telemetry record
of bench/core_codec_bench.cpp, measured in the same run.

    /usr/bin/python3 bench/decode_vs_python.py BUILD_DIR [--records N] [--runs K]

BUILD_DIR holds bench/core_codec_bench and tools/comframe (a Release or
RelWithDebInfo build). Prints, each the best of K runs:
  per record   core::decode_json (core_codec_bench's decode_json_telemetry/text/native)
               against Python's struct.unpack_from + dict + json.dumps in a loop
  per process  `comframe decode --compact` of N records (hex on stdin, the
               schema bench/telemetry.schema.json) against a Python script that
               reads the same N records from a binary file and prints a JSON line each
and each ratio (Python time / comframe time: above 1, comframe is faster).
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
import timeit

FORMAT = "<IQhH6fdBb6H?c"  # the Telemetry struct of bench/core_codec_bench.cpp, 64 bytes
RECORD = struct.Struct(FORMAT)
HERE = os.path.dirname(os.path.abspath(__file__))


def sample(i):
    return RECORD.pack(123456 + i, 1_717_000_000_123_456 + i, -1250, 3300, 0.125, -9.8125, 0.5, -0.015625,
                       0.25, 1.75, 1234.5, 0xA5, -67, 0, 1023, 2048, 4095, 17, 65535, True, b"A")


def to_dict(r):
    return {"sequence": r[0], "timestamp_us": r[1], "temperature_centi_c": r[2], "supply_mv": r[3],
            "imu": list(r[4:10]), "altitude_m": r[10], "status": r[11], "rssi_dbm": r[12],
            "adc_counts": list(r[13:19]), "armed": r[19], "mode": r[20].decode("latin-1")}


PYTHON_SCRIPT = """import json, struct, sys
rec = struct.Struct("%s")
data = open(sys.argv[1], "rb").read()
out = []
for off in range(0, len(data), rec.size):
    r = rec.unpack_from(data, off)
    out.append(json.dumps({"sequence": r[0], "timestamp_us": r[1], "temperature_centi_c": r[2], "supply_mv": r[3],
        "imu": list(r[4:10]), "altitude_m": r[10], "status": r[11], "rssi_dbm": r[12],
        "adc_counts": list(r[13:19]), "armed": r[19], "mode": r[20].decode("latin-1")}, separators=(",", ":")))
sys.stdout.write("\\n".join(out) + "\\n")
""" % FORMAT


def python_per_record(records, runs):
    data = b"".join(records)
    n = len(records)

    def loop():
        for off in range(0, len(data), RECORD.size):
            json.dumps(to_dict(RECORD.unpack_from(data, off)), separators=(",", ":"))

    return min(timeit.repeat(loop, number=1, repeat=runs)) / n * 1e9


def comframe_per_record(build, runs):
    best = None
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(runs):
            report = os.path.join(tmp, "report.json")
            subprocess.run([os.path.join(build, "bench", "core_codec_bench"),
                            "--benchmark_filter=^decode_json_telemetry/(baseline|text)/native$",
                            "--benchmark_min_time=0.2", "--benchmark_out_format=json", "--benchmark_out=" + report],
                           check=True, capture_output=True)
            with open(report) as f:
                times = {b["name"].split("/")[1]: b["real_time"] for b in json.load(f)["benchmarks"]}
            if best is None or times["text"] < best["text"]:
                best = times
    return best


def best_process_time(argv, stdin_path, runs):
    best = None
    for _ in range(runs):
        with open(stdin_path, "rb") as stdin:
            start = time.perf_counter()
            subprocess.run(argv, stdin=stdin, stdout=subprocess.DEVNULL, check=True)
            took = time.perf_counter() - start
        best = took if best is None else min(best, took)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build")
    ap.add_argument("--records", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    records = [sample(i) for i in range(a.records)]

    py_ns = python_per_record(records, a.runs)
    cf = comframe_per_record(a.build, a.runs)
    print(f"per record: comframe decode_json {cf['text']:.0f} ns (static face {cf['baseline']:.1f} ns, "
          f"{cf['text'] / cf['baseline']:.0f}x it); Python struct.unpack + dict + json.dumps {py_ns:.0f} ns; "
          f"Python / comframe = {py_ns / cf['text']:.1f}")

    with tempfile.TemporaryDirectory() as tmp:
        binary = os.path.join(tmp, "records.bin")
        with open(binary, "wb") as f:
            f.write(b"".join(records))
        hex_file = os.path.join(tmp, "records.hex")
        with open(hex_file, "w") as f:
            f.write("\n".join(r.hex() for r in records) + "\n")
        script = os.path.join(tmp, "decode.py")
        with open(script, "w") as f:
            f.write(PYTHON_SCRIPT)
        # Both print the same values: check it once before timing.
        cf_out = subprocess.run([os.path.join(a.build, "tools", "comframe"), "decode", "--compact", "-e", "little",
                                 "-s", os.path.join(HERE, "telemetry.schema.json"), "-"],
                                stdin=open(hex_file, "rb"), check=True, capture_output=True, text=True).stdout
        py_out = subprocess.run(["/usr/bin/python3", script, binary], check=True, capture_output=True,
                                text=True).stdout
        if json.loads(cf_out) != [json.loads(line) for line in py_out.splitlines()]:
            sys.exit("comframe decode and the Python script print different values")
        null = open(os.devnull, "rb").name
        cf_s = best_process_time([os.path.join(a.build, "tools", "comframe"), "decode", "--compact", "-e", "little",
                                  "-s", os.path.join(HERE, "telemetry.schema.json"), "-"], hex_file, a.runs)
        py_s = best_process_time(["/usr/bin/python3", script, binary], null, a.runs)
    print(f"per process, {a.records} records: comframe decode {cf_s * 1000:.1f} ms; Python script {py_s * 1000:.1f} ms; "
          f"Python / comframe = {py_s / cf_s:.1f}")


if __name__ == "__main__":
    main()
