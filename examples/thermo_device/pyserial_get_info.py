#!/usr/bin/python3
"""Ask a thermo device for its device_info with pyserial alone: no comframe code.

    /usr/bin/python3 pyserial_get_info.py /tmp/thermo [timeout_s]

Builds the request frame by hand from docs/protocol.md (6-byte header, payload,
CRC-32C, COBS, one 0x00), reads frames until the reply with its sequence
number arrives, checks it and prints the decoded fields. Exits 0 on success,
1 on any mismatch (bad reply, error reply, timeout), 2 on a usage error.
Needs Debian's python3-serial.
"""
import os
import struct
import sys
import time

import serial  # pyserial

# ---- CRC-32C (Castagnoli): reflected polynomial 0x82F63B78, init and xorout 0xFFFFFFFF.
CRC32C_TABLE = []
for n in range(256):
    c = n
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    CRC32C_TABLE.append(c)


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for b in data:
        crc = CRC32C_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283, "CRC-32C check value"


# ---- COBS (Consistent Overhead Byte Stuffing)
def cobs_encode(data: bytes) -> bytes:
    out = bytearray()
    block = bytearray()
    after_full_block = False
    for b in data:
        after_full_block = False
        if b == 0:
            out.append(len(block) + 1)
            out += block
            block.clear()
        else:
            block.append(b)
            if len(block) == 254:  # a full block: code 255, no implied 0x00
                out.append(255)
                out += block
                block.clear()
                after_full_block = True
    if not after_full_block:
        out.append(len(block) + 1)
        out += block
    return bytes(out)


def cobs_decode(data: bytes):
    """The decoded bytes, or None for bytes that are not valid COBS."""
    out = bytearray()
    i = 0
    while i < len(data):
        code = data[i]
        if code == 0 or i + code > len(data):  # a block running past the frame's end
            return None
        out += data[i + 1:i + code]
        i += code
        if code < 255 and i < len(data):
            out.append(0)
    return bytes(out)


# ---- Frames (docs/protocol.md): header <version u8, kind u8, command u16, sequence u16>, little-endian.
VERSION = 1
KIND_REQUEST, KIND_RESPONSE, KIND_EVENT, KIND_ERROR = 0, 1, 2, 3
GET_INFO = 0x0001


def encode_frame(kind: int, command: int, sequence: int, payload: bytes = b"") -> bytes:
    body = struct.pack("<BBHH", VERSION, kind, command, sequence) + payload
    return cobs_encode(body + struct.pack("<I", crc32c(body))) + b"\x00"


def decode_frame(wire: bytes):
    """(kind, command, sequence, payload) of a good frame, else None (the reason is printed)."""
    raw = cobs_decode(wire)
    if raw is None:
        print("skipped a frame that is not valid COBS", file=sys.stderr)
        return None
    if len(raw) < 10:
        print("skipped a frame of %d bytes (at least 10)" % len(raw), file=sys.stderr)
        return None
    body, (crc,) = raw[:-4], struct.unpack("<I", raw[-4:])
    if crc32c(body) != crc:
        print("skipped a frame with a bad CRC", file=sys.stderr)
        return None
    version, kind, command, sequence = struct.unpack("<BBHH", body[:6])
    if version != VERSION or kind > KIND_ERROR:
        print("skipped a frame of version %d kind %d" % (version, kind), file=sys.stderr)
        return None
    return kind, command, sequence, body[6:]


def fail(message: str) -> None:
    print("error: " + message, file=sys.stderr)
    sys.exit(1)


def main() -> None:
    if len(sys.argv) not in (2, 3):
        print("usage: pyserial_get_info.py PORT [TIMEOUT_S]", file=sys.stderr)
        sys.exit(2)
    port = sys.argv[1]
    timeout_s = float(sys.argv[2]) if len(sys.argv) == 3 else 5.0
    sequence = os.getpid() % 65535 + 1  # 1..65535; 0 would mean "no reply wanted"

    try:
        link = serial.Serial(port, 115200, timeout=0.1)
    except (serial.SerialException, OSError) as e:
        fail("cannot open %s: %s" % (port, e))
    with link:
        link.reset_input_buffer()
        # A leading 0x00 ends whatever noise the line held, so it cannot spoil the request.
        link.write(b"\x00" + encode_frame(KIND_REQUEST, GET_INFO, sequence))
        link.flush()

        deadline = time.monotonic() + timeout_s
        pending = bytearray()
        while True:
            if time.monotonic() > deadline:
                fail("no reply to get_info (sequence %d) within %.1f s" % (sequence, timeout_s))
            pending += link.read(link.in_waiting or 1)  # waits at most the read timeout
            if len(pending) > 8192 and 0 not in pending:
                pending.clear()  # an oversize frame: drop it, resynchronise at the next 0x00
            while 0 in pending:
                end = pending.index(0)
                wire, pending = bytes(pending[:end]), pending[end + 1:]
                if not wire:
                    continue  # two 0x00 in a row
                frame = decode_frame(wire)
                if frame is None:
                    continue
                kind, command, seq, payload = frame
                if kind == KIND_EVENT or seq != sequence:
                    continue  # telemetry, or a reply to someone else's request
                if command != GET_INFO:
                    fail("the reply with sequence %d is for command 0x%04x, not get_info" % (seq, command))
                if kind == KIND_ERROR:
                    if len(payload) < 2:
                        fail("an error reply of %d bytes (at least 2)" % len(payload))
                    (code,) = struct.unpack("<H", payload[:2])
                    fail("device error %d: %s" % (code, payload[2:].decode("utf-8", "replace")))
                if kind != KIND_RESPONSE:
                    fail("a frame of kind %d answered the request" % kind)
                # device_info: firmware {major u8, minor u8, patch u16}, serial_number u32, name text[16]
                if len(payload) != 24:
                    fail("device_info is 24 bytes, the reply has %d" % len(payload))
                major, minor, patch, serial_number = struct.unpack("<BBHI", payload[:8])
                name = payload[8:24].split(b"\x00", 1)[0].decode("utf-8", "replace")
                print("firmware: %d.%d.%d" % (major, minor, patch))
                print("serial_number: %d" % serial_number)
                print("name: %s" % name)
                return


if __name__ == "__main__":
    main()
