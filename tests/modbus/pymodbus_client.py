#!/usr/bin/python3
"""A Modbus client built on pymodbus 3.0 (Debian's python3-pymodbus), the second
implementation no one here wrote. One line of output per operation:

  pymodbus_client.py TARGET ADDRESS "OPERATION ARGS" ...
    TARGET: rtu:TTY (Modbus RTU on a serial port or pty, 19200 8N1)
            tcp:HOST:PORT (Modbus TCP)
    read_coils START COUNT             prints the bits: 1 0 0 1
    read_holding_registers START COUNT prints the values: 0 1 2 3
    read_input_registers START COUNT
    write_single_coil ADDR 0|1         prints "ok"
    write_single_register ADDR VALUE
    write_multiple_coils START B1,B2,...
    write_multiple_registers START V1,V2,...

An exception response prints "exception N", no answer within 1 s prints
"no answer". Exit 0 once every operation has run, 2 if the target cannot be
opened.
"""
import sys

from pymodbus.client import ModbusSerialClient, ModbusTcpClient
from pymodbus.exceptions import ModbusException
from pymodbus.pdu import ExceptionResponse


def run(client, slave, words):
    op, args = words[0], [int(w) if "," not in w else [int(v) for v in w.split(",")] for w in words[1:]]
    if op == "read_coils":
        rr = client.read_coils(args[0], args[1], slave=slave)
        result = lambda r: " ".join(str(int(b)) for b in r.bits[: args[1]])
    elif op == "read_holding_registers":
        rr = client.read_holding_registers(args[0], args[1], slave=slave)
        result = lambda r: " ".join(str(v) for v in r.registers)
    elif op == "read_input_registers":
        rr = client.read_input_registers(args[0], args[1], slave=slave)
        result = lambda r: " ".join(str(v) for v in r.registers)
    elif op == "write_single_coil":
        rr = client.write_coil(args[0], bool(args[1]), slave=slave)
        result = lambda r: "ok"
    elif op == "write_single_register":
        rr = client.write_register(args[0], args[1], slave=slave)
        result = lambda r: "ok"
    elif op == "write_multiple_coils":
        values = args[1] if isinstance(args[1], list) else [args[1]]
        rr = client.write_coils(args[0], [bool(v) for v in values], slave=slave)
        result = lambda r: "ok"
    elif op == "write_multiple_registers":
        values = args[1] if isinstance(args[1], list) else [args[1]]
        rr = client.write_registers(args[0], values, slave=slave)
        result = lambda r: "ok"
    else:
        return "unknown operation " + op
    if isinstance(rr, ExceptionResponse):
        return "exception %d" % rr.exception_code
    if isinstance(rr, ModbusException) or rr is None or rr.isError():
        return "no answer"
    return result(rr)


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    target, slave = sys.argv[1], int(sys.argv[2])
    if target.startswith("rtu:"):
        client = ModbusSerialClient(port=target[4:], baudrate=19200, timeout=1, retries=0)
    elif target.startswith("tcp:"):
        host, port = target[4:].rsplit(":", 1)
        client = ModbusTcpClient(host, port=int(port), timeout=1, retries=0)
    else:
        print("pymodbus_client.py: TARGET is rtu:TTY or tcp:HOST:PORT, not " + target, file=sys.stderr)
        return 2
    if not client.connect():
        print("pymodbus_client.py: cannot open " + target, file=sys.stderr)
        return 2
    for operation in sys.argv[3:]:
        try:
            print(run(client, slave, operation.split()), flush=True)
        except ModbusException:
            print("no answer", flush=True)
    client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
