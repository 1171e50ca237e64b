#!/usr/bin/python3
"""A soak of comframe's long-running processes (docs/reliability.md, "Soak").

Runs, for --duration seconds (10 minutes by default):
  - the simulator (comframe sim --device thermo) with byte faults, garbage and
    unanswered requests, told to disconnect every --disconnect-every seconds;
  - a session (tests/soak/soak_driver) making requests one after another and
    receiving telemetry at 200 Hz, publishing every frame to a bridge whose ring
    is small (64 KiB), reconnecting after each disconnect;
  - two `comframe tap` readers of the bridge, one of them stopped (SIGSTOP) for
    a few seconds every --stall-every seconds so that the ring laps it;
  - `comframe log --bridge` writing pcapng, rotated every 1 MiB.

Every --interval seconds it records each process's resident memory (VmRSS) and
open descriptors (samples.csv in --out). At the end it asserts:
  - no process died;
  - resident memory grew by at most 1 MiB per process between the end of the
    warm-up and the end;
  - each process's open descriptors stayed constant after the warm-up (samples
    taken within a few seconds of a disconnect are left out: the simulator's pty
    is closed then);
  - every loss was reported with its count: each reader's records plus the
    losses it reported equal the records published, the rotated capture files
    hold as many frames as the logger says it wrote, every request ended in
    exactly one way, every disconnect was seen and reconnected.

    /usr/bin/python3 scripts/soak.py [--build build] [--duration 600] [--out DIR]

Exit status 0 when every check held, 1 when one failed (each is printed).
"""
import argparse
import json
import os
import re
import signal
import struct
import subprocess
import sys
import tempfile
import time


def read_line(proc, what, timeout=20.0):
    """A line from proc's stdout, or an error naming what was awaited."""
    import select
    deadline = time.monotonic() + timeout
    buf = b""
    fd = proc.stdout.fileno()
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            ch = os.read(fd, 1)
            if not ch:
                break
            if ch == b"\n":
                return buf.decode()
            buf += ch
        elif proc.poll() is not None:
            break
    raise RuntimeError(f"no {what} from {proc.args[0]} (exit status {proc.poll()}), read {buf!r}")


def wait_for_text(path, pattern, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                if re.search(pattern, f.read()):
                    return
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{path}: no line matching {pattern!r} within {timeout} s")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def pcapng_packets(path):
    """Enhanced packet blocks (type 6) in a pcapng file, read block by block."""
    n = 0
    with open(path, "rb") as f:
        data = f.read()
    at = 0
    endian = "<"
    while at + 12 <= len(data):
        btype, blen = struct.unpack_from(endian + "II", data, at)
        if btype == 0x0A0D0D0A:  # section header: its byte-order magic decides
            magic = struct.unpack_from("<I", data, at + 8)[0]
            endian = "<" if magic == 0x1A2B3C4D else ">"
            blen = struct.unpack_from(endian + "I", data, at + 4)[0]
        if blen < 12 or at + blen > len(data):
            raise RuntimeError(f"{path}: a block at offset {at} of length {blen} runs past the file")
        if btype == 6:
            n += 1
        at += blen
    if at != len(data):
        raise RuntimeError(f"{path}: {len(data) - at} bytes after the last block")
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="build", help="the build directory (default: build)")
    ap.add_argument("--duration", type=int, default=600, help="seconds of load (default: 600)")
    ap.add_argument("--warmup", type=int, help="seconds before memory is compared (default: a tenth, at most 60)")
    ap.add_argument("--interval", type=float, default=5.0, help="seconds between samples (default: 5)")
    ap.add_argument("--disconnect-every", type=int, default=60, help="seconds between disconnects (default: 60)")
    ap.add_argument("--stall-every", type=int, default=45, help="seconds between stops of the second tap (default: 45)")
    ap.add_argument("--faults", default="drop=0.0002,flip=0.0002,garbage=0.002,never=0.01,seed=7",
                    help="the simulator's faults (docs/simulator.md)")
    ap.add_argument("--out", help="a directory for the captures, logs and samples (default: a new one in /tmp)")
    ap.add_argument("--no-memory-check", action="store_true",
                    help="report resident memory but do not check its growth (sanitizer builds hold freed memory)")
    a = ap.parse_args()
    warmup = a.warmup if a.warmup is not None else min(60, a.duration // 10)
    cli = os.path.join(a.build, "tools", "comframe")
    driver = os.path.join(a.build, "tests", "soak", "soak_driver")
    for p in (cli, driver):
        if not os.access(p, os.X_OK):
            sys.exit(f"soak: {p} is not built (cmake --build {a.build} --target comframe soak_driver)")
    out = a.out or tempfile.mkdtemp(prefix="comframe-soak-")
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):  # an earlier run's captures would be counted with this one's
        if f.startswith("cap") and f.endswith(".pcapng"):
            os.remove(os.path.join(out, f))
    bridge = f"soak-{os.getpid()}"
    link = os.path.join(out, "thermo")
    print(f"soak: {a.duration} s, warm-up {warmup} s, output in {out}", flush=True)

    procs = {}
    errs = {}

    def stop_on_signal(signum, _frame):
        raise SystemExit(f"soak: stopped by signal {signum}")
    signal.signal(signal.SIGTERM, stop_on_signal)
    signal.signal(signal.SIGHUP, stop_on_signal)

    def spawn(name, args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL):
        errs[name] = open(os.path.join(out, name + ".stderr"), "w")
        procs[name] = subprocess.Popen(args, stdin=stdin, stdout=stdout, stderr=errs[name])
        return procs[name]

    failures = []

    def check(ok, what):
        print(("ok    " if ok else "FAIL  ") + what, flush=True)
        if not ok:
            failures.append(what)

    try:
        sim = spawn("sim", [cli, "sim", "--device", "thermo", "--symlink", link, "--faults", a.faults,
                            "--stats-json", "--quiet"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        read_line(sim, "port line")
        # The driver makes the bridge, then waits for "go" before it opens the session, so that
        # the readers below see every record from the first one.
        drv = spawn("driver", [driver, link, bridge, str(a.duration), str(64 << 10)], stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE)
        read_line(drv, "bridge line")
        spawn("tap1", [cli, "tap", bridge, "--from-oldest"])
        spawn("tap2", [cli, "tap", bridge, "--from-oldest"])
        spawn("log", [cli, "log", "--bridge", bridge, "-o", os.path.join(out, "cap.pcapng"),
                      "--rotate-size", str(1 << 20)])
        for name in ("tap1", "tap2"):
            wait_for_text(os.path.join(out, name + ".stderr"), r"tap: .*Ctrl-C")
        wait_for_text(os.path.join(out, "log.stderr"), r"log: recording bridge")
        drv.stdin.write(b"go\n")
        drv.stdin.flush()
        read_line(drv, "ready line")

        start = time.monotonic()
        samples = []  # (t, name, rss KiB, fds, near a disconnect)
        disconnects = 0
        last_disconnect = -1e9
        stalls = 0
        next_sample = 0.0
        next_disconnect = a.disconnect_every / 2
        next_stall = min(a.stall_every / 3, a.duration / 3)
        stalled_until = None
        with open(os.path.join(out, "samples.csv"), "w") as csv:
            csv.write("t_s,process,rss_kib,fds\n")
            while True:
                t = time.monotonic() - start
                if t >= a.duration:
                    break
                for name, p in procs.items():
                    if p.poll() is not None:
                        raise RuntimeError(f"{name} exited with status {p.returncode} at {t:.0f} s "
                                           f"(see {out}/{name}.stderr)")
                if t >= next_disconnect and t < a.duration - 5:
                    sim.stdin.write(b"disconnect 300\n")
                    sim.stdin.flush()
                    disconnects += 1
                    last_disconnect = t
                    next_disconnect += a.disconnect_every
                if stalled_until is None and t >= next_stall and t < a.duration - 10:
                    procs["tap2"].send_signal(signal.SIGSTOP)
                    stalled_until = t + 4
                    stalls += 1
                    next_stall += a.stall_every
                if stalled_until is not None and t >= stalled_until:
                    procs["tap2"].send_signal(signal.SIGCONT)
                    stalled_until = None
                if t >= next_sample:
                    near = t - last_disconnect < 4
                    for name, p in procs.items():
                        r, f = rss_kib(p.pid), fds(p.pid)
                        samples.append((t, name, r, f, near))
                        csv.write(f"{t:.1f},{name},{r},{f}\n")
                    csv.flush()
                    next_sample += a.interval
                time.sleep(0.1)
        if stalled_until is not None:
            procs["tap2"].send_signal(signal.SIGCONT)

        report = json.loads(read_line(drv, "counters line", timeout=30))
        time.sleep(2)  # the readers catch up with the last records
        counters = {}
        for name in ("tap1", "tap2", "log"):
            procs[name].send_signal(signal.SIGINT)
            procs[name].wait(timeout=20)
            errs[name].close()
            with open(os.path.join(out, name + ".stderr")) as f:
                text = f.read()
            m = re.search(r"(?:records|frames) (\d+), (?:refused (\d+), )?lost (\d+) in (\d+) gap", text)
            if not m:
                raise RuntimeError(f"{name}: no counters on stderr: {text[-400:]!r}")
            counters[name] = {"records": int(m.group(1)), "refused": int(m.group(2) or 0),
                              "lost": int(m.group(3)), "gaps": int(m.group(4))}
        drv.stdin.close()
        drv.wait(timeout=20)
        sim.stdin.write(b"quit\n")
        sim.stdin.flush()
        sim_out, _ = sim.communicate(timeout=20)
        sim_stats = json.loads([l for l in sim_out.decode().splitlines() if l.startswith("{")][-1])

        print(json.dumps({"driver": report, "readers": counters, "sim": sim_stats, "disconnects": disconnects,
                          "stalls": stalls}, indent=1), file=open(os.path.join(out, "summary.json"), "w"))

        # --- the checks ---
        published = report["bridge"]["published"]
        for name in ("tap1", "tap2"):
            c = counters[name]
            check(c["records"] + c["lost"] == published,
                  f"{name}: records {c['records']} + lost {c['lost']} (in {c['gaps']} gaps) = published {published}")
        c = counters["log"]
        check(c["records"] + c["lost"] == published,
              f"log: frames {c['records']} (refused ones among them: {c['refused']}) + lost {c['lost']} = "
              f"published {published}")
        if stalls:
            check(counters["tap2"]["lost"] > 0, f"tap2, stopped {stalls} times for 4 s, reported losses "
                                                f"({counters['tap2']['lost']} in {counters['tap2']['gaps']} gaps)")
        files = sorted(f for f in os.listdir(out) if f.startswith("cap") and f.endswith(".pcapng"))
        packets = sum(pcapng_packets(os.path.join(out, f)) for f in files)
        check(packets == c["records"],
              f"capture: {len(files)} files hold {packets} packets = the frames the logger reported")
        e, s = report["ended"], report["session"]
        # The driver's count of how each request ended against the session's own
        # counters (the first start_telemetry, before the loop, is the extra one):
        # requests refused while the port was down were never written.
        check(sum(e.values()) == report["attempted"] and
              s["requests"] == report["attempted"] - e.get("not_connected", 0) + 1 and
              s["replies"] == e.get("ok", 0) + 1 and s["timeouts"] == e.get("timeout", 0),
              f"requests: {report['attempted']} made, ended {e}; the session wrote {s['requests']}, "
              f"matched {s['replies']} replies, timed out {s['timeouts']}")
        check(s["link_losses"] == disconnects and s["reconnects"] == disconnects and
              sim_stats["faults"]["disconnects"] == disconnects,
              f"disconnects: {disconnects} made, the simulator counted {sim_stats['faults']['disconnects']}, "
              f"the session lost the link {s['link_losses']} times and reconnected {s['reconnects']}")
        check(report["ended"].get("ok", 0) > 0 and report["telemetry_samples"] > 0,
              f"driver: {report['ended'].get('ok', 0)} replies, {report['telemetry_samples']} telemetry samples, "
              f"{s['frame_errors']} frames refused")
        check(report["bridge"]["refused"] == 0, f"bridge: refused {report['bridge']['refused']} latest values")

        for name in procs:
            mine = [x for x in samples if x[1] == name and x[0] >= warmup]
            if len(mine) < 2:
                print(f"note  {name}: memory not compared: {len(mine)} sample(s) after the warm-up")
            else:
                grew = mine[-1][2] - mine[0][2]
                peak = max(x[2] for x in mine)
                what = (f"{name}: resident {mine[0][2]} KiB at {mine[0][0]:.0f} s, {mine[-1][2]} KiB at the end "
                        f"(grew {grew} KiB, peak {peak} KiB)")
                if a.no_memory_check:
                    print("note  " + what + ", not checked (--no-memory-check)")
                else:
                    check(grew <= 1024, what)
            quiet = [x[3] for x in mine if not x[4]]
            if len(quiet) < 2:
                print(f"note  {name}: descriptors not compared: {len(quiet)} sample(s) after the warm-up away "
                      f"from a disconnect")
            else:
                check(len(set(quiet)) == 1,
                      f"{name}: open descriptors {sorted(set(quiet))} in {len(quiet)} samples after the warm-up")
    except (Exception, SystemExit) as e:  # noqa: BLE001 — a failure of the soak itself is reported as one
        what = f"{type(e).__name__}: {e}"
        failures.append(what)
        print(f"FAIL  {what}", flush=True)
    finally:
        # Children still running (a check or the soak itself failed): asked to stop
        # (SIGTERM), then killed; what they would have removed is removed here.
        live = [p for p in procs.values() if p.poll() is None]
        for p in live:
            p.send_signal(signal.SIGCONT)
            p.terminate()
        for p in live:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for path in (f"/dev/shm/comframe.{bridge}", link):
            if os.path.lexists(path) and live:
                os.remove(path)
    print(f"soak: {'failed: ' + str(len(failures)) + ' checks' if failures else 'every check held'} ({out})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
