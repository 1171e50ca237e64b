"""comframe.Device and comframe.Simulator: calls, events, errors, faults, disconnects, the GIL, captures."""

import os
import threading
import time

import pytest

import comframe


@pytest.fixture
def sim():
    with comframe.Simulator(device="thermo") as s:
        yield s


@pytest.fixture
def dev(sim, tmp_path):
    with comframe.Device(sim.port, capture=str(tmp_path / "frames.pcapng")) as d:
        yield d


def test_a_call_returns_the_decoded_reply(dev):
    info = dev.call("get_info")
    assert info["serial_number"] == 20240601
    assert info["name"] == "thermo"
    assert list(info) == ["firmware", "serial_number", "name"]


def test_the_profile_is_fetched_from_the_device_or_given(sim, thermo_profile_path):
    with comframe.Device(sim.port) as fetched:
        fetched_hash = fetched.profile.hash
        fetched_config = fetched.call("get_config")
    with comframe.Device(sim.port, profile=thermo_profile_path) as given:
        assert given.profile.hash == fetched_hash
        assert given.call("get_config") == fetched_config


def test_keyword_arguments_and_one_value_are_the_same_request(dev, sim):
    dev.call("set_led", index=2, rgb=[255, 0, 0])
    dev.call("set_led", {"index": 3, "rgb": [0, 255, 0]})
    assert sim.stats()["requests"] >= 2
    assert dev.call("set_config", channels=2, sample_period_ms=50, alarm_high_cdeg=3000, alarm_enabled=True) == {
        "channels": 2, "sample_period_ms": 50, "alarm_high_cdeg": 3000, "alarm_enabled": True}


def test_a_device_error_raises_request_error_with_the_device_code(dev):
    with pytest.raises(comframe.RequestError) as e:
        dev.call("set_led", index=9, rgb=[1, 2, 3])
    assert e.value.kind == "device_error"
    assert e.value.id == "devices.device_error"
    assert e.value.device_code == 3
    assert e.value.command == 3
    assert "LED index 9" in str(e.value)


def test_bad_arguments_raise_codec_error_before_anything_is_sent(dev, sim):
    before = sim.stats()["requests"]
    with pytest.raises(comframe.CodecError) as e:
        dev.call("set_led", index=300, rgb=[1, 2, 3])
    assert e.value.path == "index"
    with pytest.raises(comframe.Error) as e:
        dev.call("no_such_command")
    assert e.value.id == "devices.unknown_command"
    assert sim.stats()["requests"] == before


def test_a_reply_that_never_comes_raises_timeout(dev, sim):
    sim.set_faults("never=1,seed=1")
    with pytest.raises(comframe.RequestError) as e:
        dev.call("get_info", timeout=0.2)
    assert e.value.kind == "timeout"
    assert dev.stats()["timeouts"] == 1
    sim.set_faults("")
    assert dev.call("get_info")["name"] == "thermo"


def test_a_blocking_call_releases_the_gil(dev, sim):
    sim.set_faults("never=1,seed=1")
    counts = []
    stop = threading.Event()

    def count():
        n = 0
        while not stop.is_set():
            n += 1
        counts.append(n)

    t = threading.Thread(target=count)
    t.start()
    n_before = 0
    with pytest.raises(comframe.RequestError):
        dev.call("get_info", timeout=0.3)
    stop.set()
    t.join()
    # The other thread ran while the call waited: with the GIL held it could not have counted at all.
    assert counts[0] > n_before + 1000


def test_events_are_waited_for_by_name_and_keep_their_order(dev):
    dev.call("start_telemetry", rate_hz=100)
    first = dev.wait_event("telemetry", timeout=2.0)
    second = dev.wait_event("telemetry", timeout=2.0)
    dev.call("stop_telemetry")
    assert second["sequence"] == first["sequence"] + 1
    assert set(first) == {"sequence", "uptime_us", "temps_cdeg"}
    ev = dev.next_event(timeout=2.0) if dev.pending_events else None
    if ev is not None:
        assert ev.name == "telemetry"


def test_waiting_for_an_event_that_does_not_come_raises_timeout_error(dev):
    with pytest.raises(TimeoutError, match="telemetry"):
        dev.wait_event("telemetry", timeout=0.1)
    with pytest.raises(KeyError):
        dev.wait_event("nope", timeout=0.1)


def test_an_event_callback_gets_the_payloads_instead_of_the_queue(dev):
    got = []
    done = threading.Event()

    def on_sample(payload):
        got.append(payload["sequence"])
        if len(got) >= 5:
            done.set()

    dev.on_event("telemetry", on_sample)
    dev.call("start_telemetry", rate_hz=200)
    assert done.wait(5.0)
    dev.call("stop_telemetry")
    dev.on_event("telemetry", None)
    assert got[:5] == list(range(got[0], got[0] + 5))
    assert dev.pending_events == 0


def test_the_events_iterator_ends_when_none_come(dev):
    dev.call("start_telemetry", rate_hz=100)
    taken = []
    for ev in dev.events(timeout=1.0):
        taken.append(ev)
        if len(taken) == 3:
            dev.call("stop_telemetry")
            dev.clear_events()
            break
    assert [e.name for e in taken] == ["telemetry"] * 3
    assert list(dev.events(timeout=0.2)) == []


def test_a_disconnect_fails_requests_then_the_device_comes_back(sim):
    states = []
    with comframe.Device(sim.port, timeout=0.5) as dev:
        dev.on_link_state(lambda state, detail: states.append(state))
        sim.disconnect(0.3)
        deadline = time.monotonic() + 5
        lost = False
        while time.monotonic() < deadline:
            try:
                dev.call("get_info", timeout=0.2)
                if lost:
                    break
            except comframe.RequestError as e:
                assert e.kind in ("link_lost", "not_connected", "timeout")
                lost = True
            time.sleep(0.02)
        assert lost
        assert dev.call("get_info")["name"] == "thermo"
        assert dev.stats()["reconnects"] >= 1
        assert "lost" in states and "reconnected" in states
        assert sim.stats()["faults"]["disconnects"] == 1


def test_simulator_statistics_count_what_it_served(sim, dev):
    for _ in range(5):
        dev.call("read_sensors")
    st = sim.stats()
    assert st["requests"] == dev.stats()["requests"]
    assert st["replies"] == st["requests"]
    assert st["frame_errors"]["total"] == 0


def test_simulator_faults_are_read_back_and_corrupt_what_the_device_sends(sim, dev):
    sim.set_faults("flip=0.05,seed=3")
    assert "flip=0.05" in sim.faults
    errors = 0
    for _ in range(40):
        try:
            dev.call("read_sensors", timeout=0.3)
        except comframe.RequestError:
            errors += 1
    sim.set_faults("")
    assert sim.stats()["faults"]["bytes_flipped"] > 0
    assert dev.stats()["frame_errors"] + dev.stats()["timeouts"] > 0
    assert errors > 0


def test_the_simulator_serves_a_sim_file_and_a_bare_profile(tmp_path, thermo_profile_path):
    with comframe.Simulator(profile_file=thermo_profile_path) as s, comframe.Device(s.port) as d:
        assert d.call("get_config") == {"channels": 0, "sample_period_ms": 0, "alarm_high_cdeg": 0, "alarm_enabled": False}
    sim_file = tmp_path / "bench.sim.json"
    sim_file.write_text('{"profile_file": "%s", "replies": {"get_config": {"response": '
                        '{"channels": 4, "sample_period_ms": 10, "alarm_high_cdeg": 1, "alarm_enabled": true}}}}'
                        % thermo_profile_path)
    with comframe.Simulator(sim_file=str(sim_file)) as s, comframe.Device(s.port) as d:
        assert d.call("get_config")["channels"] == 4


def test_simulator_errors_carry_their_ids(tmp_path):
    with pytest.raises(comframe.Error) as e:
        comframe.Simulator(device="toaster")
    assert e.value.id == "firmware_sim.unknown_device"
    with pytest.raises(comframe.Error) as e:
        comframe.Simulator(device="thermo", faults="drop=2")
    assert e.value.id == "firmware_sim.fault"


def test_a_stopped_simulator_removes_its_port_and_keeps_its_statistics(tmp_path):
    import os
    sim = comframe.Simulator(device="echo", symlink=str(tmp_path / "echo"))
    assert os.path.islink(sim.port)
    sim.stop()
    assert not os.path.exists(sim.port)
    assert not sim.running
    assert sim.stats()["requests"] == 0
    sim.stop()  # again: nothing


def test_opening_a_port_that_is_not_there_raises_link_error(tmp_path):
    with pytest.raises(comframe.LinkError) as e:
        comframe.Device(str(tmp_path / "no-such-port"))
    assert e.value.id.startswith("transport.")


def test_every_frame_is_captured_and_read_back(sim, tmp_path, thermo_profile_path):
    path = str(tmp_path / "c.pcapng")
    with comframe.Device(sim.port, profile=thermo_profile_path, capture=path) as d:
        d.call("set_led", index=1, rgb=[9, 8, 7])
        with pytest.raises(comframe.RequestError):
            d.call("set_led", index=8, rgb=[0, 0, 0])
    recs = list(comframe.read_capture(path, thermo_profile_path))
    leds = [r.frame for r in recs if r.frame.get("command") == "set_led"]
    assert [(f["dir"], f["kind"]) for f in leds] == [("out", "request"), ("in", "response"), ("out", "request"),
                                                     ("in", "error")]
    assert leds[0]["payload"] == {"index": 1, "rgb": [9, 8, 7]}
    assert leds[3]["payload"]["code"] == 3
    assert all(r.time_ns > 0 and r.bytes for r in recs)


# The firmware kit's thermo board built natively (examples/firmware_thermo), when the build has it:
# scripts/test.sh names the one its first stage built.
FIRMWARE = os.environ.get("COMFRAME_FIRMWARE_THERMO", "")


def test_the_simulator_runs_native_firmware_as_the_device(thermo_profile_path):
    if not (FIRMWARE and os.path.exists(FIRMWARE)):
        if os.environ.get("CI") == "true":  # CI builds it: its absence is a fault there
            pytest.fail("COMFRAME_FIRMWARE_THERMO does not name a built firmware_thermo: " + repr(FIRMWARE))
        pytest.skip("the native thermo firmware is not built (COMFRAME_FIRMWARE_THERMO)")
    with comframe.Simulator(program=[FIRMWARE, "--stdio"], profile_file=thermo_profile_path) as sim:
        assert sim.profile.device == "thermo"
        assert sim.ended == ""
        with comframe.Device(sim.port) as dev:  # the firmware answers describe itself
            assert dev.profile.hash == sim.profile.hash
            assert dev.call("get_info")["name"] == "thermo"
            with pytest.raises(comframe.RequestError) as e:
                dev.call("set_led", index=8, rgb=[0, 0, 0])
            assert e.value.device_code == 3
        st = sim.stats()
        assert st["program"]["frames"] >= 2 and st["program"]["frame_errors"] == 0
    assert sim.ended != ""


def test_a_program_and_a_device_name_together_are_refused():
    with pytest.raises(comframe.UsageError):
        comframe.Simulator(program=["/bin/cat"], device="thermo")


def test_close_from_another_thread_ends_a_waiting_call_and_wait(sim):
    dev = comframe.Device(sim.port, timeout=5.0)
    sim.set_faults("never=1,seed=2")
    results = {}

    def waiting_call():
        try:
            dev.call("get_info")
        except comframe.RequestError as e:
            results["call"] = e.kind

    def waiting_event():
        try:
            dev.wait_event("telemetry", timeout=5.0)
        except ValueError as e:
            results["wait"] = str(e)

    threads = [threading.Thread(target=waiting_call), threading.Thread(target=waiting_event)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    dev.close()
    for t in threads:
        t.join(10)
    assert results == {"call": "closed", "wait": "the device is closed"}
    with pytest.raises(ValueError):
        dev.call("get_info")
