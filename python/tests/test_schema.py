"""comframe.Schema and comframe.Profile: values to bytes and back, sizes, and errors with their ids, paths and offsets."""

import math
import struct

import pytest

import comframe

READINGS = """{"types": {"reading": {"struct": [
    {"name": "id", "type": "u16"},
    {"name": "tag", "type": "bytes[2]"},
    {"name": "name", "type": "text[6]"},
    {"name": "gain", "type": "f32"},
    {"name": "ok", "type": "bool"},
    {"name": "temps", "type": "i16[]"}]}}, "root": "reading"}"""


def test_encode_gives_the_bytes_of_each_field_in_the_byte_order_asked_for():
    s = comframe.Schema.parse(READINGS)
    value = {"id": 0x0102, "tag": b"\xab\xcd", "name": "abc", "gain": 0.5, "ok": True, "temps": [-2, 300]}
    assert s.encode(value, "big") == b"\x01\x02\xab\xcdabc\x00\x00\x00" + struct.pack(">f", 0.5) + b"\x01\xff\xfe\x01\x2c"
    assert s.encode(value, "little") == b"\x02\x01\xab\xcdabc\x00\x00\x00" + struct.pack("<f", 0.5) + b"\x01\xfe\xff\x2c\x01"


def test_decode_gives_python_values_with_keys_in_field_order_and_byte_strings_as_bytes():
    s = comframe.Schema.parse(READINGS)
    data = b"\x00\x07\x01\x02hi\x00\x00\x00\x00" + struct.pack("<f", 0.1)[::-1] + b"\x00\x00\x05"
    v = s.decode(data, "big")
    assert list(v) == ["id", "tag", "name", "gain", "ok", "temps"]
    assert v == {"id": 7, "tag": b"\x01\x02", "name": "hi", "gain": 0.1, "ok": False, "temps": [5]}
    assert isinstance(v["tag"], bytes)


def test_an_f32_decodes_to_its_shortest_digits_as_the_json_face_gives_them():
    s = comframe.Schema.parse('"f32"')
    assert s.decode(struct.pack("<f", 0.1)) == 0.1
    assert repr(s.decode(struct.pack("<f", 1.1))) == "1.1"
    assert s.decode(struct.pack("<f", float("inf"))) == float("inf")
    assert math.isnan(s.decode(s.encode(float("nan"))))


def test_decode_and_encode_round_trip_the_same_value():
    s = comframe.Schema.parse(READINGS)
    value = {"id": 65535, "tag": b"\x00\xff", "name": "\u00e9t\u00e9", "gain": -1.5, "ok": True, "temps": [-32768, 32767]}
    assert s.decode(s.encode(value, "little"), "little") == value


def test_sizes_of_fixed_and_dynamic_schemas():
    s = comframe.Schema.parse(READINGS)
    assert s.fixed_size is None
    assert s.min_size == 15
    assert s.element_size == 2
    assert s.size({"id": 1, "tag": b"\x00\x00", "name": "", "gain": 0, "ok": False, "temps": [1, 2, 3]}) == 21
    assert comframe.Schema.parse('"u32"').fixed_size == 4


def test_short_bytes_raise_codec_error_with_id_and_offset():
    s = comframe.Schema.parse(READINGS)
    with pytest.raises(comframe.CodecError) as e:
        s.decode(b"\x00\x01\x02")
    assert e.value.id == "core.size"
    assert e.value.offset == 3
    assert isinstance(e.value, comframe.Error)
    assert str(e.value).startswith("[core.size]")


def test_a_value_out_of_range_names_its_field_path():
    s = comframe.Schema.parse('{"struct": [{"name": "temps", "type": "i8[2]"}]}')
    with pytest.raises(comframe.CodecError) as e:
        s.encode({"temps": [1, 200]})
    assert e.value.id == "core.json_range"
    assert e.value.path == "temps[1]"


def test_lenient_mode_takes_what_strict_mode_refuses():
    s = comframe.Schema.parse('{"struct": [{"name": "a", "type": "u8"}, {"name": "b", "type": "u8"}]}')
    with pytest.raises(comframe.CodecError) as e:
        s.encode({"a": 300, "b": 1})
    assert e.value.id == "core.json_range"
    assert s.encode({"a": 300}, mode="lenient") == b"\x2c\x00"  # C-cast, and a missing field takes its default


def test_a_bad_schema_raises_with_the_definition_id():
    with pytest.raises(comframe.CodecError) as e:
        comframe.Schema.parse('{"struct": [{"name": "a", "type": "i8[]"}, {"name": "b", "type": "u8"}]}')
    assert e.value.id == "core.definition"
    assert e.value.path == "root.a"


def test_schema_load_names_the_file_in_its_errors(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"struct": [}')
    with pytest.raises(comframe.CodecError) as e:
        comframe.Schema.load(str(bad))
    assert e.value.id == "core.schema_syntax"
    assert e.value.file == str(bad)
    with pytest.raises(FileNotFoundError):
        comframe.Schema.load(str(tmp_path / "missing.json"))


def test_values_python_cannot_give_are_type_errors_naming_the_path():
    s = comframe.Schema.parse('{"struct": [{"name": "a", "type": "u8"}]}')
    with pytest.raises(TypeError, match="a: a set"):
        s.encode({"a": {1}})
    with pytest.raises(ValueError, match="does not fit in 64 bits"):
        s.encode({"a": 1 << 70})
    with pytest.raises(ValueError, match="endian"):
        s.encode({"a": 1}, "middle")


def test_a_byte_string_is_given_as_bytes_bytearray_or_memoryview():
    s = comframe.Schema.parse('{"struct": [{"name": "tag", "type": "bytes[2]"}, {"name": "rest", "type": "bytes[]"}]}')
    want = b"\xab\xcd\x01\x02\x03"
    for make in (bytes, bytearray, lambda b: memoryview(bytes(b))):
        assert s.encode({"tag": make(b"\xab\xcd"), "rest": make(b"\x01\x02\x03")}) == want
    assert s.decode(want) == {"tag": b"\xab\xcd", "rest": b"\x01\x02\x03"}
    with pytest.raises(comframe.CodecError) as e:
        s.encode({"tag": b"\xab", "rest": b""})
    assert e.value.id == "core.json_range" and e.value.path == "tag"


def test_decode_takes_any_bytes_like_object():
    s = comframe.Schema.parse('"u16"')
    assert s.decode(bytearray(b"\x01\x00")) == 1
    assert s.decode(memoryview(b"\x00\x02"), "big") == 2


def test_decode_json_writes_the_text_comframe_writes():
    s = comframe.Schema.parse('{"struct": [{"name": "b", "type": "u8"}, {"name": "a", "type": "f32"}]}')
    data = s.encode({"b": 1, "a": 0.1})
    assert s.decode_json(data) == '{"b":1,"a":0.1}'
    assert s.decode_json(data, sorted_keys=True) == '{"a":0.1,"b":1}'


def test_profile_gives_its_commands_events_and_their_schemas(thermo_profile_path):
    p = comframe.Profile.load(thermo_profile_path)
    assert p.device == "thermo"
    assert "set_led" in p.commands and "telemetry" in p.events
    led = p.command("set_led")
    assert led["id"] == 3
    assert led["request"].encode({"index": 2, "rgb": [255, 0, 0]}) == b"\x02\xff\x00\x00"
    assert p.event("telemetry")["id"] == 256
    assert p.hash == comframe.Profile.parse(p.dump()).hash
    with pytest.raises(KeyError):
        p.command("nope")


def test_a_bad_profile_file_raises_with_the_file_and_path(tmp_path):
    bad = tmp_path / "p.json"
    bad.write_text('{"comframe_profile": 1, "device": "x", "version": "1", "commands": [{"id": -1}]}')
    with pytest.raises(comframe.Error) as e:
        comframe.Profile.load(str(bad))
    assert e.value.id == "devices.profile"
    assert e.value.file == str(bad)
    assert e.value.path.startswith("commands[0]")


# Schemas whose decode runs through a compiled plan, and some that do not: decode() must give
# what the tree decoder (core::decode, then the same conversion) gives, value or error, for any bytes.
DIFFERENTIAL_SCHEMAS = [
    '"u8"', '"i64"', '"f32"', '"f64[2]"', '"bool"', '"char[3]"', '"text[5]"', '"bytes[3]"', '"i16[]"',
    '{"struct": [{"name": "a", "type": "u24"}, {"name": "b", "type": "i40"}, {"name": "c", "type": ">u16"}]}',
    '{"types": {"mode": {"enum": "u8", "values": {"off": 0, "on": 1, "auto": 7}}},'
    ' "root": {"struct": [{"name": "m", "type": "mode"}, {"name": "t", "type": "f32[2]"}]}}',
    '{"struct": [{"name": "p", "type": {"struct": [{"name": "x", "type": "i8"}, {"name": "y", "type": "bool"}]}},'
    ' {"name": "q", "type": "u16", "endian": "big"}, {"name": "tail", "type": "f32[]"}]}',
    '{"struct": [{"name": "n", "type": "u8"}, {"name": "s", "type": {"array": "text[2]", "length": 2}}, {"name": "h", "type": "f2"}]}',
]


@pytest.mark.parametrize("text", DIFFERENTIAL_SCHEMAS)
def test_decode_gives_what_the_tree_decoder_gives_for_any_bytes(text):
    import random
    rng = random.Random(text)
    s = comframe.Schema.parse(text)
    sizes = [s.min_size, s.min_size + 1, max(0, s.min_size - 1)]
    if s.element_size:
        sizes += [s.min_size + k * s.element_size for k in (1, 3)]
    for _ in range(300):
        n = rng.choice(sizes)
        data = bytes(rng.choice([0, 1, 0x7F, 0x80, 0xFF, rng.randrange(256)]) for _ in range(n))
        for endian in ("little", "big"):
            try:
                want = ("ok", s._decode_tree(data, endian))
            except comframe.CodecError as e:
                want = ("error", e.id, e.path, e.offset)
            try:
                got = ("ok", s.decode(data, endian))
            except comframe.CodecError as e:
                got = ("error", e.id, e.path, e.offset)
            if want[0] == "ok" and got[0] == "ok":
                assert repr(got[1]) == repr(want[1]), (text, data.hex(), endian)  # repr: NaN equals NaN
            else:
                assert got == want, (text, data.hex(), endian)
