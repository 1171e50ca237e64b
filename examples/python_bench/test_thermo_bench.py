"""A bench for the thermo board: the same tests against the simulator or, with --comframe-port, a real board.

    /usr/bin/python3 -m pytest examples/python_bench                                   # the simulator
    /usr/bin/python3 -m pytest examples/python_bench --comframe-port /dev/ttyUSB0 --comframe-baud 115200
"""

import time

import pytest

import comframe


def test_the_board_says_who_it_is(comframe_device):
    info = comframe_device.call("get_info")
    assert info["name"] == "thermo"
    assert (info["firmware"]["major"], info["firmware"]["minor"]) >= (1, 4)
    assert info["serial_number"] > 0


def test_readings_are_in_range(comframe_device):
    config = comframe_device.call("get_config")
    for _ in range(10):
        r = comframe_device.call("read_sensors")
        assert 3000 <= r["supply_mv"] <= 3600                        # 3.3 V within 10 %
        assert len(r["temps_cdeg"]) == config["channels"]
        assert all(-4000 <= t <= 12500 for t in r["temps_cdeg"])     # -40 °C to 125 °C


def test_readings_are_numbered_one_after_the_other(comframe_device):
    seqs = [comframe_device.call("read_sensors")["sequence"] for _ in range(5)]
    assert seqs == list(range(seqs[0], seqs[0] + 5))


def test_every_led_takes_a_colour(comframe_device):
    for index in range(8):
        assert comframe_device.call("set_led", index=index, rgb=[index * 30, 0, 255 - index * 30]) is None


@pytest.mark.parametrize("index", [8, 255])
def test_an_led_that_is_not_there_is_refused_with_out_of_range(comframe_device, index):
    with pytest.raises(comframe.RequestError) as e:
        comframe_device.call("set_led", index=index, rgb=[1, 2, 3])
    assert e.value.kind == "device_error"
    assert e.value.device_code == 3                                  # out_of_range (docs/protocol.md)


def test_telemetry_comes_at_the_rate_asked_for(comframe_device):
    rate = 50
    comframe_device.call("start_telemetry", rate_hz=rate)
    try:
        samples = [comframe_device.wait_event("telemetry", timeout=1.0) for _ in range(51)]
    finally:
        comframe_device.call("stop_telemetry")
    seqs = [s["sequence"] for s in samples]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))         # none lost
    # The rate by the board's own clock: 50 periods between the first sample and the last.
    span_s = (samples[-1]["uptime_us"] - samples[0]["uptime_us"]) / 1e6
    assert 50 / span_s == pytest.approx(rate, rel=0.2)


def test_telemetry_stops_when_asked(comframe_device):
    comframe_device.call("start_telemetry", rate_hz=100)
    comframe_device.wait_event("telemetry", timeout=1.0)
    comframe_device.call("stop_telemetry")
    time.sleep(0.05)                                                 # samples already on the line
    comframe_device.clear_events()
    with pytest.raises(TimeoutError):
        comframe_device.wait_event("telemetry", timeout=0.2)


def test_requests_get_through_a_noisy_line(comframe_sim, comframe_device):
    comframe_sim.set_faults("flip=0.002,garbage=0.2,seed=11")
    answered = 0
    for _ in range(50):
        try:
            comframe_device.call("read_sensors", timeout=0.2)
            answered += 1
        except comframe.RequestError as e:
            assert e.kind in ("timeout", "bad_reply")
    comframe_sim.set_faults("")
    stats = comframe_sim.stats()
    assert stats["faults"]["garbage_bursts"] > 0
    assert comframe_device.stats()["frame_errors"] > 0               # the garbage was seen and refused
    assert answered >= 40                                            # and most requests still got through
    assert comframe_device.call("get_info")["name"] == "thermo"


def test_a_lost_reply_is_a_timeout_and_the_next_request_works(comframe_sim, comframe_device):
    comframe_sim.set_faults("never=1,seed=1")
    with pytest.raises(comframe.RequestError) as e:
        comframe_device.call("get_config", timeout=0.2)
    assert e.value.kind == "timeout"
    comframe_sim.set_faults("")
    assert comframe_device.call("get_config")["channels"] >= 1


def test_the_board_comes_back_after_a_disconnect(comframe_sim, comframe_device):
    comframe_device.call("set_led", index=0, rgb=[1, 1, 1])
    comframe_sim.disconnect(0.2)
    kinds = set()
    for _ in range(200):                                             # at most a few seconds
        try:
            comframe_device.call("get_info", timeout=0.2)
            if kinds:
                break
        except comframe.RequestError as e:
            kinds.add(e.kind)
        time.sleep(0.02)
    assert kinds & {"link_lost", "not_connected"}
    assert comframe_device.call("get_info")["name"] == "thermo"
    assert comframe_device.stats()["reconnects"] >= 1


@pytest.mark.comframe_hardware
def test_the_board_keeps_its_configuration_across_a_reconnect(comframe_device):
    before = comframe_device.call("get_config")
    url = comframe_device.url
    profile = comframe_device.profile
    comframe_device.close()
    with comframe.Device(url, profile=profile) as again:
        assert again.call("get_config") == before
