"""comframe for Python: schemas, device sessions, the simulator, the bridge and captures.

The C++ layers of comframe through pybind11 (docs/python.md)::

    import comframe

    with comframe.Simulator(device="thermo") as sim:
        dev = comframe.Device(sim.port)              # the profile is fetched from the device
        print(dev.call("get_info"))
        dev.call("set_led", index=2, rgb=[255, 0, 0])
        dev.call("start_telemetry", rate_hz=50)
        print(dev.wait_event("telemetry", timeout=1.0))

The pytest plugin is comframe.pytest_plugin (``-p comframe.pytest_plugin``).
"""

from typing import Iterator, NamedTuple, Optional

from ._native import (  # noqa: F401  (the package's API)
    BridgeError,
    CaptureError,
    CaptureReader,
    CaptureWriter,
    CodecError,
    Device,
    Error,
    LinkError,
    Profile,
    Publisher,
    Record,
    RequestError,
    Schema,
    Simulator,
    Subscriber,
    UsageError,
    frame_bytes,
)

__all__ = [
    "BridgeError", "CaptureError", "CaptureReader", "CaptureWriter", "CodecError", "Device", "Error", "Event",
    "LinkError", "Profile", "Publisher", "Record", "RequestError", "Schema", "Simulator", "Subscriber", "UsageError",
    "frame_bytes", "read_capture", "records",
]


class Event(NamedTuple):
    """An event from the device: its name, its decoded payload, and when it arrived (Unix seconds)."""

    name: str
    payload: object
    time: float


def read_capture(path: str, profile=None) -> CaptureReader:
    """The records of a pcapng capture as comframe writes it, in order.

    Each is a Record: time_ns, dir ("out"/"in"), bytes, flags, lost, and frame, the frame decoded as
    ``comframe read`` writes it (by ``profile``, a Profile or a profile file, when given).
    Raises CaptureError naming the byte offset of a bad block.
    """
    return CaptureReader(path, profile=profile)


def records(subscriber: Subscriber, timeout: Optional[float] = 1.0, count: Optional[int] = None) -> Iterator[Record]:
    """Records from a bridge until none comes within ``timeout`` seconds (None: wait for ever) or ``count`` are read.

    Records whose status is not "record" (the publisher went or restarted) are yielded too.
    """
    read = 0
    while count is None or read < count:
        rec = subscriber.next(86400.0 if timeout is None else timeout)
        if rec is None:
            if timeout is None:
                continue
            return
        yield rec
        read += 1


def _subscriber_records(self, timeout: Optional[float] = 1.0, count: Optional[int] = None) -> Iterator[Record]:
    return records(self, timeout, count)


def _subscriber_iter(self) -> Iterator[Record]:
    return records(self, None)


def _device_events(self, timeout: Optional[float] = 1.0) -> Iterator[Event]:
    """Events as they come, until none comes within ``timeout`` seconds."""
    while True:
        try:
            yield self.next_event(timeout)
        except TimeoutError:
            return


_subscriber_records.__doc__ = records.__doc__
Subscriber.records = _subscriber_records
Subscriber.__iter__ = _subscriber_iter
Device.events = _device_events
