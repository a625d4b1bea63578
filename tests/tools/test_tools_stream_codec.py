"""The stream codec: round trips, and damage that is skipped and counted, never mis-decoded."""

from __future__ import annotations

import importlib.util
import json
import random
import zlib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from tinyml_tools.stream import Decoder, Record, decode_all, encode

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def device_stream() -> ModuleType:
    """lib/tinyml/stream.py (the on-device module) loaded under CPython."""
    spec = importlib.util.spec_from_file_location("device_stream", ROOT / "lib" / "tinyml" / "stream.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def random_fields(rng: random.Random) -> dict[str, Any]:
    values = [
        lambda: rng.randint(-(2**40), 2**40),
        lambda: round(rng.uniform(-1e6, 1e6), 6),
        lambda: "".join(rng.choice("abcxyz ~:#é€\n") for _ in range(rng.randint(0, 12))),
        lambda: [rng.randint(-128, 127) for _ in range(rng.randint(0, 20))],
        lambda: rng.random() < 0.5,
        lambda: None,
        lambda: {"nested": rng.randint(0, 9)},
    ]
    return {f"f{k}": rng.choice(values)() for k in range(rng.randint(0, 6))}


def capture(frames: list[bytes], rng: random.Random) -> bytes:
    """Frames on their own lines, with print output in between."""
    parts = []
    for f in frames:
        if rng.random() < 0.3:
            parts.append(b"print output: %d ~ T1 : done\r\n" % rng.randint(0, 999))
        parts.append(f + rng.choice([b"\n", b"\r\n"]))
    return b"".join(parts)


def test_round_trip_any_chunking() -> None:
    rng = random.Random(1)
    records = [random_fields(rng) for _ in range(500)]
    data = capture([encode(r, i) for i, r in enumerate(records)], rng)
    got, stats = decode_all(data)
    assert [r.fields for r in got] == records
    assert [r.seq for r in got] == list(range(500))
    assert (stats.records, stats.damaged, stats.lost) == (500, 0, 0)
    # fed in random pieces, even one byte at a time, the result is the same
    for max_piece in (1, 7, 300):
        d = Decoder()
        events: list[Any] = []
        i = 0
        while i < len(data):
            n = rng.randint(1, max_piece)
            events += d.feed(data[i:i + n])
            i += n
        events += d.flush()
        assert [e.fields for e in events if isinstance(e, Record)] == records
        text = b"".join(e for e in events if isinstance(e, bytes))
        assert text.count(b"print output") == data.count(b"print output")
        assert b"~T1" not in text


def test_device_module_frames_decode(device_stream: ModuleType) -> None:
    rng = random.Random(2)
    frames, sent = [], []
    for _ in range(200):
        fields = random_fields(rng)
        sent.append(fields)
        frames.append(device_stream.frame(fields).encode())
    got, stats = decode_all(b"\n".join(frames) + b"\n")
    assert [r.fields for r in got] == sent
    assert [r.seq for r in got] == list(range(200))
    assert stats.damaged == 0
    # frames are printable ASCII: they do not disturb a terminal
    assert all(32 <= b < 127 for f in frames for b in f)
    # values the device cannot send as JSON become lists or None
    (r,), _ = decode_all(device_stream.frame({"a": b"\x01\x02", "t": (1, 2), "nan": float("nan")}, seq=7).encode())
    assert r == Record(7, {"a": [1, 2], "t": [1, 2], "nan": None})


def test_pure_python_crc32_matches_zlib(device_stream: ModuleType) -> None:
    rng = random.Random(3)
    for n in (0, 1, 5, 64, 1000):
        data = bytes(rng.getrandbits(8) for _ in range(n))
        assert device_stream._crc32(data) == zlib.crc32(data)


def test_random_bytes_decode_no_record() -> None:
    data = random.Random(4).randbytes(1 << 20)
    d = Decoder()
    events = []
    for i in range(0, len(data), 4096):
        events += d.feed(data[i:i + 4096])
    events += d.flush()
    assert not [e for e in events if isinstance(e, Record)]
    assert d.stats.records == 0
    assert d.stats.text_bytes + d.stats.skipped_bytes == len(data)


def test_random_text_with_markers_decodes_no_record() -> None:
    """Text made of the frame alphabet and markers: framing passes often, the CRC never."""
    rng = random.Random(5)
    alphabet = "~T1:0123456789abcdefABCXYZ+/=\n"
    data = "".join(rng.choice(alphabet) if rng.random() < 0.9 else "~T1" for _ in range(300_000)).encode()
    got, stats = decode_all(data)
    assert got == []
    assert stats.damaged > 1000  # plenty of start markers were examined and rejected


def test_bit_flips_never_give_a_false_record() -> None:
    rng = random.Random(6)
    originals = {}
    frames = []
    for i in range(20_000):
        fields = {"i": i, "v": rng.randint(0, 1 << 30), "s": "x" * rng.randint(0, 8)}
        originals[i] = fields
        frame = bytearray(encode(fields, i) + b"\n")
        for _ in range(rng.randint(1, 4)):
            pos = rng.randrange(len(frame))
            frame[pos] ^= 1 << rng.randrange(8)
        frames.append(bytes(frame))
    got, stats = decode_all(b"".join(frames))
    for r in got:  # only a flip of the newline leaves a frame intact
        assert r.fields == originals[r.seq], f"false record {r}"
        assert frames[r.seq].startswith(encode(originals[r.seq], r.seq))
    assert stats.records == len(got) < 20_000 // 10
    assert stats.damaged > 15_000


def test_damage_is_skipped_counted_and_later_records_survive() -> None:
    """Random drops, inserted garbage, bit flips and cut frames: every intact frame is decoded."""
    rng = random.Random(7)
    n = 3000
    originals = [{"i": i, "x": rng.random(), "tag": rng.choice(["a", "bb", "ccc"])} for i in range(n)]
    pieces, intact, started = [], set(), 0
    for i, fields in enumerate(originals):
        frame = bytearray(encode(fields, i))
        kind = rng.choice(["ok", "ok", "drop", "garbage", "flip", "cut"])
        if kind == "drop":  # bytes lost on the line
            start = rng.randrange(len(frame))
            del frame[start:start + rng.randint(1, 10)]
        elif kind == "garbage":  # noise inserted into the frame
            pos = rng.randrange(1, len(frame))
            frame[pos:pos] = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 20)))
        elif kind == "flip":
            pos = rng.randrange(len(frame))
            frame[pos] ^= 1 << rng.randrange(8)
        elif kind == "cut":  # the rest of the frame never arrives, nor its newline
            del frame[rng.randrange(1, len(frame)):]
        if kind == "ok":
            intact.add(i)
        elif frame.startswith(b"~T1"):
            started += 1  # a damaged frame whose start marker survived
        pieces.append(bytes(frame) + (b"" if kind == "cut" else b"\n"))
        if rng.random() < 0.2:
            pieces.append(bytes(rng.choice(b"abc \r\n\x00\xff") for _ in range(rng.randint(1, 40))))
    got, stats = decode_all(b"".join(pieces))
    assert {r.seq for r in got} == intact, "an intact frame was lost, or a damaged one decoded"
    for r in got:
        assert r.fields == originals[r.seq]
    assert stats.records == len(intact)
    assert stats.damaged == started  # each damaged frame counted once, if its start marker survived
    seqs = sorted(intact)
    assert stats.lost == seqs[-1] - seqs[0] + 1 - len(seqs)  # every other frame is missing from the sequence


def test_cut_frame_followed_by_a_frame() -> None:
    a, b = encode({"a": 1}, 0), encode({"b": 2}, 1)
    got, stats = decode_all(a[:15] + b + b"\n")
    assert [r.fields for r in got] == [{"b": 2}]
    assert stats.damaged == 1 and stats.lost == 0
    # the end marker lost: the next frame's start takes its place
    got, stats = decode_all(a[:-1] + b + b"\n")
    assert [r.fields for r in got] == [{"b": 2}]
    assert stats.damaged == 1


def test_json_payload_must_be_an_object() -> None:
    import base64

    b64 = base64.b64encode(json.dumps([1, 2]).encode())
    body = b"%04x%04x:" % (0, len(b64)) + b64
    frame = b"~T1" + body + b":%08x~" % zlib.crc32(body)
    got, stats = decode_all(frame + b"\n")
    assert got == [] and stats.damaged == 1
