"""comframe.pytest_plugin: its fixtures, its options, and the frames it adds to a failing test's report."""

import os

import pytest

pytest_plugins = ["pytester"]


def run(pytester, source, *args):
    pytester.makepyfile(test_bench=source)
    return pytester.runpytest_subprocess("-p", "comframe.pytest_plugin", "-p", "no:cacheprovider", *args)


def test_a_test_gets_a_simulated_device_and_its_control(pytester):
    result = run(pytester, """
def test_info(comframe_device, comframe_sim):
    assert comframe_device.call("get_info")["name"] == "thermo"
    assert comframe_sim.stats()["requests"] >= 1
""")
    result.assert_outcomes(passed=1)


def test_each_test_has_its_own_simulator_by_default_and_one_is_shared_with_session_scope(pytester):
    source = """
seen = []
def test_one(comframe_sim):
    seen.append(comframe_sim.port)
def test_two(comframe_sim):
    seen.append(comframe_sim.port)
    print("PORTS", len(set(seen)))
"""
    result = run(pytester, source, "-s")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*PORTS 2*"])
    result = run(pytester, source, "-s", "--comframe-sim-scope", "session")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*PORTS 1*"])


def test_a_failing_test_shows_the_frames_it_exchanged_and_keeps_the_capture(pytester, tmp_path):
    artifacts = tmp_path / "artifacts"
    result = run(pytester, """
def test_led(comframe_device):
    comframe_device.call("set_led", index=6, rgb=[10, 20, 30])
    assert comframe_device.call("get_config")["channels"] == 99
""", "--comframe-artifacts", str(artifacts))
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    assert "comframe frames device" in text
    result.stdout.fnmatch_lines([
        "*-> request set_led seq *: {\"index\":6,\"rgb\":[[]10,20,30[]]}",
        "*<- response set_led seq *: null",
        "*-> request get_config seq *",
        "*<- response get_config seq *: {\"channels\":4,*",
    ])
    assert sorted(os.listdir(artifacts)) == ["test_bench.py__test_led-device.pcapng", "test_bench.py__test_led-device.txt"]
    import comframe
    kept = list(comframe.read_capture(str(artifacts / "test_bench.py__test_led-device.pcapng")))
    assert [r.frame["seq"] for r in kept if r.frame.get("command_id") == 3] == [r.frame["seq"] for r in kept
                                                                               if r.frame.get("command_id") == 3][:2]
    assert len([r for r in kept if r.frame.get("command_id") == 3]) == 2  # set_led's request and reply
    log = (artifacts / "test_bench.py__test_led-device.txt").read_text()
    assert "request set_led" in log


def test_a_passing_test_keeps_no_artifacts_and_shows_no_frames(pytester, tmp_path):
    artifacts = tmp_path / "artifacts"
    result = run(pytester, """
def test_ok(comframe_device):
    comframe_device.call("get_info")
""", "--comframe-artifacts", str(artifacts), "-rA")
    result.assert_outcomes(passed=1)
    assert "comframe frames" not in result.stdout.str()
    assert not artifacts.exists()


def test_hardware_tests_are_skipped_on_the_simulator_and_simulator_tests_on_hardware(pytester):
    source = """
import pytest
@pytest.mark.comframe_hardware
def test_real(comframe_device):
    pass
def test_faults(comframe_sim):
    pass
"""
    result = run(pytester, source, "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*needs a real device*"])


def test_the_port_option_runs_the_same_test_against_a_device_on_that_port(pytester):
    import comframe
    with comframe.Simulator(device="echo") as other:
        result = run(pytester, """
def test_which(comframe_device):
    assert comframe_device.profile.device == "echo"
""", "--comframe-port", other.port)
    result.assert_outcomes(passed=1)


def test_the_bus_fixture_sees_the_frames_of_the_device(pytester):
    result = run(pytester, """
def test_bus(comframe_device, comframe_bus):
    comframe_device.call("set_led", index=1, rgb=[1, 1, 1])
    kinds = [(r.frame["dir"], r.frame["kind"]) for r in comframe_bus.records(timeout=0.5)
             if r.frame.get("command") == "set_led"]
    assert kinds == [("out", "request"), ("in", "response")]
""")
    result.assert_outcomes(passed=1)


def test_several_devices_in_one_test_each_with_its_frames(pytester):
    result = run(pytester, """
def test_two(comframe_factory):
    a = comframe_factory.simulator(device="thermo")
    b = comframe_factory.simulator(device="echo")
    da = comframe_factory.device(a.port, label="thermo")
    db = comframe_factory.device(b.port, label="echo")
    assert da.profile.device == "thermo" and db.profile.device == "echo"
    assert False
""")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*comframe frames thermo*", "*comframe frames echo*"])


def test_tests_run_in_parallel_without_sharing_ports_or_bridges(pytester):
    source = "\n".join(f"""
def test_{i}(comframe_device, comframe_bus):
    comframe_device.call("set_led", index={i % 8}, rgb=[{i}, 0, 0])
    got = [r.frame["payload"] for r in comframe_bus.records(timeout=0.5)
           if r.frame.get("command") == "set_led" and r.frame["dir"] == "out"]
    assert got == [{{"index": {i % 8}, "rgb": [{i}, 0, 0]}}]
""" for i in range(8))
    result = run(pytester, source, "-n", "2")
    result.assert_outcomes(passed=8)
