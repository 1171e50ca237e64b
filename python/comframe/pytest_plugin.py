"""comframe's pytest plugin: a device for every test, on hardware or in the simulator (docs/python.md).

Enable it with ``-p comframe.pytest_plugin`` on the command line, or with one line in a conftest.py::

    pytest_plugins = ["comframe.pytest_plugin"]

Fixtures
    comframe_device   a comframe.Device: on --comframe-port URL when given, else on a simulator
    comframe_sim      the comframe.Simulator behind it (a test that asks for it is skipped on hardware)
    comframe_bus      a comframe.Subscriber on the device's bridge (every frame the session sees)
    comframe_factory  more simulators and devices in one test: .simulator(...), .device(url, ...)

Every frame of every device a test opens is captured (pcapng). When the test fails, its frames are
added to the report as a section "comframe frames <device>", and with --comframe-artifacts DIR the
captures are kept there.

Marker
    @pytest.mark.comframe_hardware   the test needs a real device: skipped on the simulator
"""

import os
import re
import shutil
import itertools
import json
from typing import Dict, List, Optional

import pytest

import comframe

_ids = itertools.count()
_captures_key = pytest.StashKey[List["_Capture"]]()


class _Capture:
    """One device's capture during one test."""

    def __init__(self, device: comframe.Device, path: str, label: str):
        self.device = device
        self.path = path
        self.label = label


def pytest_addoption(parser):
    group = parser.getgroup("comframe", "comframe devices")
    group.addoption("--comframe-port", metavar="URL", default=None,
                    help="the device under test (a serial port or pty, tcp://HOST:PORT; docs/ports.md); "
                         "default: a simulated device on a pty")
    group.addoption("--comframe-baud", metavar="N", type=int, default=None,
                    help="the baud rate: of the port (added to its URL as ?baud=N), or emulated by the simulator")
    group.addoption("--comframe-profile", metavar="FILE", default=None,
                    help="the device's profile; default: fetched from the device")
    group.addoption("--comframe-device", metavar="NAME", default="thermo",
                    help="the simulator's built-in device (thermo, echo); default thermo")
    group.addoption("--comframe-sim", metavar="FILE", default=None,
                    help="simulate the device of this sim file (docs/simulator.md) instead of a built-in one")
    group.addoption("--comframe-timeout", metavar="SECONDS", type=float, default=1.0,
                    help="the default timeout of a device's requests (default 1.0)")
    group.addoption("--comframe-sim-scope", choices=("function", "session"), default="function",
                    help="a new simulator for each test (function, the default) or one for the whole run "
                         "(session: its faults are cleared and the device's queued events dropped between tests)")
    group.addoption("--comframe-reset", metavar="COMMAND", default="reset",
                    help="on hardware, the command called before each test when the profile has it (default: reset)")
    group.addoption("--comframe-artifacts", metavar="DIR", default=None,
                    help="keep the frame captures (pcapng) and frame logs of failed tests in DIR")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "comframe_hardware: the test needs a real device (--comframe-port); skipped on the simulator")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--comframe-port"):
        return
    skip = pytest.mark.skip(reason="needs a real device: give --comframe-port URL")
    for item in items:
        if item.get_closest_marker("comframe_hardware") is not None:
            item.add_marker(skip)


def _unique_name(config) -> str:
    """A name no other test process uses: bridge names are machine-wide, and xdist runs workers side by side."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"pytest-{os.getpid()}-{worker}-{next(_ids)}"


def _port_url(config) -> Optional[str]:
    port = config.getoption("--comframe-port")
    baud = config.getoption("--comframe-baud")
    if port and baud and "baud=" not in port and not port.startswith(("tcp://", "loop://")):
        port += ("&" if "?" in port else "?") + f"baud={baud}"
    return port


def _make_simulator(config, **kwargs) -> comframe.Simulator:
    if not any(k in kwargs for k in ("device", "sim_file", "profile_file")):
        sim_file = config.getoption("--comframe-sim")
        if sim_file:
            kwargs["sim_file"] = sim_file
        else:
            kwargs["device"] = config.getoption("--comframe-device")
    kwargs.setdefault("baud", config.getoption("--comframe-baud") or 0)
    return comframe.Simulator(**kwargs)


class ComframeFactory:
    """Simulators and devices for one test; all closed after it, every device's frames captured."""

    def __init__(self, request, directory: str):
        self._request = request
        self._config = request.config
        self._dir = directory
        self._sims: List[comframe.Simulator] = []
        self._devices: List[comframe.Device] = []
        request.node.stash.setdefault(_captures_key, [])

    def simulator(self, **kwargs) -> comframe.Simulator:
        """A new simulated device: Simulator's arguments, the command line's device and baud by default."""
        sim = _make_simulator(self._config, **kwargs)
        self._sims.append(sim)
        return sim

    def device(self, url: str, *, label: Optional[str] = None, **kwargs) -> comframe.Device:
        """A new session on url, its frames captured; Device's arguments (profile, timeout from the command line)."""
        profile = kwargs.pop("profile", None) or self._config.getoption("--comframe-profile")
        kwargs.setdefault("timeout", self._config.getoption("--comframe-timeout"))
        captures = self._request.node.stash[_captures_key]
        label = label or f"device{len(captures)}"
        path = os.path.join(self._dir, re.sub(r"[^A-Za-z0-9_.-]", "_", label) + ".pcapng")
        dev = comframe.Device(url, profile=profile, capture=path, **kwargs)
        self._devices.append(dev)
        captures.append(_Capture(dev, path, label))
        return dev

    def bridge_name(self) -> str:
        return _unique_name(self._config)

    def close(self):
        """Closes every device, then stops every simulator, even when one of them fails; raises the first error."""
        errors = []
        for thing in [*self._devices, *self._sims]:
            try:
                thing.close() if isinstance(thing, comframe.Device) else thing.stop()
            except Exception as e:  # noqa: BLE001 (the others must still be closed)
                errors.append(e)
        if errors:
            raise errors[0]


@pytest.fixture
def comframe_factory(request, tmp_path):
    factory = ComframeFactory(request, str(tmp_path))
    yield factory
    factory.close()


@pytest.fixture(scope="session")
def _comframe_session_sim(request):
    if request.config.getoption("--comframe-port"):
        yield None
        return
    sim = _make_simulator(request.config)
    yield sim
    sim.stop()


@pytest.fixture
def comframe_sim(request, comframe_factory):
    """The simulated device of this test (one per test, or one per run with --comframe-sim-scope session)."""
    if request.config.getoption("--comframe-port"):
        pytest.skip("needs the simulator: the run is on a real device (--comframe-port)")
    if request.config.getoption("--comframe-sim-scope") == "session":
        sim = request.getfixturevalue("_comframe_session_sim")
        sim.set_faults("")
        return sim
    return comframe_factory.simulator()


@pytest.fixture
def comframe_device(request, comframe_factory):
    """A session with the device under test: --comframe-port when given, else the simulator (comframe_sim)."""
    url = _port_url(request.config)
    bridge = comframe_factory.bridge_name() if "comframe_bus" in request.fixturenames else ""
    if url:
        dev = comframe_factory.device(url, label="device", bridge=bridge)
        reset = request.config.getoption("--comframe-reset")
        if reset and reset in dev.profile.commands:
            dev.call(reset)
            dev.clear_events()
        return dev
    sim = request.getfixturevalue("comframe_sim")
    return comframe_factory.device(sim.port, label="device", bridge=bridge)


@pytest.fixture
def comframe_bus(request, comframe_device):
    """A Subscriber on the bridge comframe_device publishes to: every frame it sends and receives, from its first."""
    return comframe.Subscriber(_bridge_of(comframe_device, request), from_oldest=True)


def _bridge_of(device, request) -> str:
    name = device.bridge
    if not name:
        pytest.fail("comframe_bus: the device has no bridge")
    return name


def _payload_text(value, limit: int = 200) -> str:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False,
                      default=lambda b: b.hex() if isinstance(b, bytes) else str(b))
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text) - limit} more characters)"


def frame_log(path: str, profile=None) -> str:
    """A capture as lines people read: time, direction (-> to the device, <- from it), kind, name, sequence
    and the payload as JSON (cut after 200 characters)."""
    lines = []
    try:
        for rec in comframe.read_capture(path, profile):
            lines.extend(_frame_lines(rec))
    except comframe.CaptureError as e:
        # The device is still open when a failure is reported: its last record may be half written.
        lines.append(f"(the capture ends here: {e})")
    return "\n".join(lines)


def _frame_lines(rec) -> List[str]:
    """One record's lines: a loss notice when records were lost before it, then the frame."""
    f = rec.frame or {}
    when = f.get("time", str(rec.time_ns))
    arrow = "->" if rec.dir == "out" else "<-"
    lines = [f"... {rec.lost} frames lost"] if rec.lost else []
    if "error" in f:
        return lines + [f"{when} {arrow} refused ({f['error']}): {f.get('raw', '')}"]
    name = f.get("command") or f.get("event") or f"0x{f.get('command_id', 0):04x}"
    payload = f.get("payload")
    if name == "describe" and isinstance(payload, dict) and isinstance(payload.get("chunk"), list):
        payload = dict(payload, chunk=f"<{len(payload['chunk'])} bytes of profile text>")
    body = _payload_text(payload) if "payload" in f else f.get("payload_hex", "")
    extra = f" ({f['payload_error']})" if "payload_error" in f else ""
    return lines + [f"{when} {arrow} {f.get('kind', '?')} {name} seq {f.get('seq', '?')}: {body}{extra}"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when not in ("setup", "call") or not report.failed:
        return
    captures = item.stash.get(_captures_key, [])
    artifacts = item.config.getoption("--comframe-artifacts")
    for cap in captures:
        try:
            cap.device.flush_capture()
            text = frame_log(cap.path, cap.device.profile)
        except Exception as e:  # the report must still be written
            text = f"(the capture {cap.path} could not be read: {e})"
        report.sections.append((f"comframe frames {cap.label}", text or "(no frames)"))
        if artifacts:
            os.makedirs(artifacts, exist_ok=True)
            stem = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{item.nodeid}-{cap.label}")
            shutil.copyfile(cap.path, os.path.join(artifacts, stem + ".pcapng"))
            with open(os.path.join(artifacts, stem + ".txt"), "w", encoding="utf-8") as out:
                out.write(text + "\n")
