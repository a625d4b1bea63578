"""Codec of the records that tinyml.stream.send() writes on the device's serial line.

A frame is one line of printable ASCII (see lib/tinyml/stream.py):

    ~T1 SSSS LLLL : BASE64 : CCCCCCCC $          (without the spaces)

SSSS the sequence number (hex, mod 65536), LLLL the length of BASE64 (hex, a
multiple of 4), BASE64 the JSON object of the fields, CCCCCCCC the CRC-32 of
"SSSSLLLL:BASE64". Everything between frames is ordinary text (print output).

The decoder accepts a record only when every byte has its place: the start
marker, 8 lowercase hex digits, ':', exactly LLLL base64 characters, ':', 8
hex digits, the end marker, a matching CRC-32, strict base64 and a JSON object.
No field, nor the end marker '$', can contain '~', so a frame cut short by
dropped bytes is noticed at the next frame's start marker at the latest, and
that frame is then decoded normally: damage never costs an intact frame. Damaged frames
are counted (``damaged``), and gaps in the sequence numbers too (``lost``).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from dataclasses import dataclass, field
from typing import Any, Union

START = b"~T1"
END = b"$"
_HEADER = len(START) + 9  # SSSS LLLL ':'
_NOT_HEX = re.compile(rb"[^0-9a-f]")
_NOT_B64 = re.compile(rb"[^A-Za-z0-9+/=]")
MAX_B64 = 0xFFFC


def encode(fields: dict[str, Any], seq: int) -> bytes:
    """The frame of one record (without the newline the device adds)."""
    b64 = base64.b64encode(json.dumps(fields, separators=(",", ":")).encode())
    body = b"%04x%04x:" % (seq & 0xFFFF, len(b64)) + b64
    return START + body + b":%08x" % (zlib.crc32(body) & 0xFFFFFFFF) + END


@dataclass(frozen=True)
class Record:
    seq: int
    fields: dict[str, Any]


Event = Union[Record, bytes]  # a record, or text between frames


@dataclass
class Stats:
    records: int = 0
    damaged: int = 0       # frames started but rejected (bad framing, length, alphabet, CRC, JSON)
    lost: int = 0          # records missing from the sequence numbers
    text_bytes: int = 0    # bytes outside frames (print output, garbage)
    skipped_bytes: int = 0  # bytes of damaged frames, dropped
    fields: list[str] = field(default_factory=list)  # field names seen, in order


class Decoder:
    """Incremental decoder: feed() bytes as they arrive, get records and text back."""

    def __init__(self, max_b64: int = MAX_B64) -> None:
        self.max_b64 = max_b64
        self.stats = Stats()
        self._buf = bytearray()
        self._eat_newline = False
        self._last_seq: int | None = None

    def feed(self, data: bytes) -> list[Event]:
        self._buf += data
        return self._run(final=False)

    def flush(self) -> list[Event]:
        """End of input: a pending partial frame is damaged; the rest is text."""
        return self._run(final=True)

    def _text(self, out: list[Event], n: int) -> None:
        if n > 0:
            out.append(bytes(self._buf[:n]))
            self.stats.text_bytes += n
            del self._buf[:n]

    def _skip(self, n: int) -> None:
        self.stats.damaged += 1
        self.stats.skipped_bytes += n
        del self._buf[:n]

    def _run(self, final: bool) -> list[Event]:
        out: list[Event] = []
        buf = self._buf
        while buf:
            if self._eat_newline:
                if buf.startswith(b"\r\n"):
                    del buf[:2]
                elif buf[:1] == b"\n":
                    del buf[:1]
                elif buf == b"\r" and not final:
                    break
                self._eat_newline = False
                continue
            i = buf.find(START)
            if i < 0:
                keep = 0 if final else next((k for k in (2, 1) if buf.endswith(START[:k])), 0)
                self._text(out, len(buf) - keep)
                break
            self._text(out, i)
            state, n, record = self._frame()
            if state == "more":
                if final:
                    self._skip(len(buf))
                break
            if state == "bad":
                self._skip(n)
                continue
            assert record is not None
            del buf[:n]
            self._eat_newline = True
            self._count(record)
            out.append(record)
        return out

    def _count(self, record: Record) -> None:
        s = self.stats
        s.records += 1
        if self._last_seq is not None:
            gap = (record.seq - self._last_seq - 1) & 0xFFFF
            if 0 < gap < 0x8000:  # a larger gap is a restart of the sender
                s.lost += gap
        self._last_seq = record.seq
        for k in record.fields:
            if k not in s.fields:
                s.fields.append(k)

    def _frame(self) -> tuple[str, int, Record | None]:
        """At a start marker: ("more", 0, None), ("bad", bytes to skip, None) or ("ok", frame bytes, record)."""
        buf = self._buf
        n = len(buf)

        def bad_char(pattern: re.Pattern[bytes], start: int, end: int) -> int | None:
            m = pattern.search(buf, start, min(end, n))
            return m.start() if m else None

        p = bad_char(_NOT_HEX, len(START), _HEADER - 1)
        if p is not None:
            return "bad", p, None
        if n < _HEADER:
            return "more", 0, None
        if buf[_HEADER - 1] != ord(":"):
            return "bad", _HEADER - 1, None
        seq = int(buf[3:7], 16)
        length = int(buf[7:11], 16)
        if length == 0 or length % 4 or length > self.max_b64:
            return "bad", 7, None
        end_b64 = _HEADER + length
        p = bad_char(_NOT_B64, _HEADER, end_b64)
        if p is not None:
            return "bad", p, None
        if n <= end_b64:
            return "more", 0, None
        if buf[end_b64] != ord(":"):
            return "bad", end_b64, None
        p = bad_char(_NOT_HEX, end_b64 + 1, end_b64 + 9)
        if p is not None:
            return "bad", p, None
        if n < end_b64 + 10:
            return "more", 0, None
        if buf[end_b64 + 9] != END[0]:
            return "bad", end_b64 + 9, None
        # complete: a damaged one is skipped up to (not including) its end marker
        body = bytes(buf[len(START):end_b64])
        if zlib.crc32(body) & 0xFFFFFFFF != int(buf[end_b64 + 1:end_b64 + 9], 16):
            return "bad", end_b64 + 9, None
        try:
            fields = json.loads(base64.b64decode(body[9:], validate=True).decode())
        except (binascii.Error, ValueError, UnicodeDecodeError):
            return "bad", end_b64 + 9, None
        if not isinstance(fields, dict):
            return "bad", end_b64 + 9, None
        return "ok", end_b64 + 10, Record(seq, fields)


def decode_all(data: bytes) -> tuple[list[Record], Stats]:
    """Records of a whole capture, and the decoder's counts."""
    d = Decoder()
    events = d.feed(data) + d.flush()
    return [e for e in events if isinstance(e, Record)], d.stats
