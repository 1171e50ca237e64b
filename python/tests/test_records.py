"""comframe.Subscriber on a bridge another process publishes to, and pcapng captures written and read."""

import os
import subprocess
import sys
import time

import pytest

import comframe

# The publisher runs in a process of its own: `comframe sim --bridge` when the build's tool is
# given (COMFRAME_TOOL), else comframe.Simulator (the same C++ publisher) in another interpreter.
TOOL = os.environ.get("COMFRAME_TOOL", "")
if TOOL and not os.path.exists(TOOL):
    TOOL = ""  # named by the build, not built


def start_publisher(bridge, device="thermo"):
    if TOOL:
        cmd = [TOOL, "sim", "--device", device, "--bridge", bridge, "--quiet"]
    else:
        code = ("import comframe, sys\n"
                f"sim = comframe.Simulator(device={device!r}, bridge={bridge!r})\n"
                "print('port: ' + sim.port, flush=True)\n"
                "sys.stdin.read()\n"
                "sim.stop()\n")
        cmd = [sys.executable, "-c", code]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=os.environ.copy())
    line = proc.stdout.readline()
    assert line.startswith("port: "), line
    return proc, line[len("port: "):].strip()


def stop_publisher(proc):
    proc.stdin.close()
    if TOOL:
        proc.terminate()
    assert proc.wait(10) == 0 or TOOL


@pytest.fixture
def bridge_name():
    return f"pytest-rec-{os.getpid()}-{time.monotonic_ns()}"


def test_a_subscriber_reads_each_frame_another_process_published_decoded_by_the_bridge_profile(bridge_name):
    proc, port = start_publisher(bridge_name)
    try:
        bus = comframe.Subscriber(bridge_name, from_oldest=True)
        assert bus.profile is not None and bus.profile.device == "thermo"
        with comframe.Device(port) as dev:
            dev.call("set_led", index=4, rgb=[1, 2, 3])
            dev.call("get_info")
        frames = []
        for rec in bus.records(timeout=1.0):
            assert rec.status == "record"
            frames.append(rec)
        leds = [r for r in frames if r.frame.get("command") == "set_led"]
        # The simulator's bridge sees the device's side: requests in, replies out.
        assert [r.frame["kind"] for r in leds] == ["request", "response"]
        assert leds[0].frame["payload"] == {"index": 4, "rgb": [1, 2, 3]}
        assert [r.sequence for r in frames] == list(range(frames[0].sequence, frames[0].sequence + len(frames)))
        assert all(r.lost == 0 for r in frames)
        assert bus.stats()["records"] == len(frames)
    finally:
        stop_publisher(proc)
    gone = bus.next(timeout=5.0)
    assert gone is not None and gone.status == "publisher_gone"


def test_a_restarted_publisher_is_reported_and_read_on(bridge_name):
    proc, _ = start_publisher(bridge_name)
    bus = comframe.Subscriber(bridge_name)
    stop_publisher(proc)
    assert bus.next(timeout=5.0).status == "publisher_gone"
    proc, port = start_publisher(bridge_name, device="echo")
    try:
        rec = bus.next(timeout=5.0)
        assert rec.status == "publisher_restarted"
        assert bus.stats()["publishers"] == 2
        assert bus.profile.device == "echo"
    finally:
        stop_publisher(proc)


def test_latest_values_hold_the_last_event_decoded(bridge_name):
    with comframe.Simulator(device="thermo", bridge=bridge_name) as sim, comframe.Device(sim.port) as dev:
        bus = comframe.Subscriber(bridge_name)
        dev.call("start_telemetry", rate_hz=100)
        last = dev.wait_event("telemetry", timeout=2.0)
        dev.call("stop_telemetry")
        time.sleep(0.05)
        v = bus.latest("event.telemetry")
        assert v is not None and v["schema"] == "telemetry"
        assert v["value"]["sequence"] >= last["sequence"]
        assert "event.telemetry" in bus.latest_keys
        assert bus.latest("event.nothing") is None


def test_a_bridge_that_is_not_there_raises_bridge_error():
    with pytest.raises(comframe.BridgeError) as e:
        comframe.Subscriber("no-such-bridge-here")
    assert e.value.id == "transport.bridge.not_found"
    with pytest.raises(comframe.BridgeError) as e:
        comframe.Subscriber("../bad")
    assert e.value.id == "transport.bridge.name"


def test_a_capture_written_from_python_reads_back_the_same_frames(tmp_path, thermo_profile_path):
    path = str(tmp_path / "w.pcapng")
    led = comframe.Profile.load(thermo_profile_path).command("set_led")["request"].encode({"index": 1, "rgb": [4, 5, 6]})
    with comframe.CaptureWriter(path, source="test") as w:
        w.write(comframe.frame_bytes("request", 3, 7, led), dir="out", time_ns=1_000_000_000)
        w.write(comframe.frame_bytes("response", 3, 7), dir="in", time_ns=1_000_500_000)
        w.write(b"\x05\xff\xff\x00", dir="in", refused=True, time_ns=1_001_000_000)
        assert w.records == 3
    recs = list(comframe.read_capture(path, thermo_profile_path))
    assert [r.dir for r in recs] == ["out", "in", "in"]
    assert recs[0].time_ns == 1_000_000_000
    assert recs[0].frame["payload"] == {"index": 1, "rgb": [4, 5, 6]}
    assert recs[0].frame["seq"] == 7 and recs[0].frame["command"] == "set_led"
    assert recs[1].frame["kind"] == "response"
    assert recs[2].refused and recs[2].bytes == b"\x05\xff\xff\x00"
    # Without a profile: the header still, the payload as hex.
    bare = next(iter(comframe.read_capture(path)))
    assert bare.frame["command_id"] == 3 and bare.frame["payload_hex"] == "01 04 05 06"


def test_a_damaged_capture_raises_capture_error_with_the_offset(tmp_path):
    path = tmp_path / "bad.pcapng"
    with comframe.CaptureWriter(str(path)) as w:
        w.write(comframe.frame_bytes("event", 256, 0, b"\x00" * 8))
    data = bytearray(path.read_bytes())
    data[-4:] = b"\x07\x00\x00\x00"  # the last block's closing length no longer matches
    path.write_bytes(bytes(data))
    with pytest.raises(comframe.CaptureError) as e:
        list(comframe.read_capture(str(path)))
    assert e.value.id == "transport.capture"
    assert e.value.offset is not None


def test_the_comframe_tool_reads_what_python_captured(tmp_path, thermo_profile_path):
    if not TOOL:
        pytest.skip("the comframe tool is not built in this tree (COMFRAME_TOOL)")
    path = str(tmp_path / "c.pcapng")
    with comframe.Simulator(device="thermo") as sim, comframe.Device(sim.port, capture=path) as dev:
        dev.call("set_led", index=5, rgb=[7, 7, 7])
    out = subprocess.run([TOOL, "read", path, "-p", thermo_profile_path], capture_output=True, text=True, check=True)
    assert '"payload":{"index":5,"rgb":[7,7,7]}' in out.stdout
