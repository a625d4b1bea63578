"""tinyml.stream: send records to the host over the REPL serial line.

    import tinyml.stream as stream
    stream.send(step=i, label="yes", score=0.93)     # host: tinyml stream

Each record is one line of ASCII that can share the line with print() output:

    ~T1 SSSS LLLL : BASE64 : CCCCCCCC $          (without the spaces)

SSSS sequence number (hex, mod 65536), LLLL length of BASE64 (hex), BASE64 the
JSON object of the fields, CCCCCCCC the CRC-32 of "SSSSLLLL:BASE64" (hex). The
host decoder checks the framing, the length, the alphabet and the CRC, so
garbage, dropped bytes and cut frames are skipped and counted, never decoded.
"""

import json
import math
import sys

try:
    from binascii import b2a_base64
except ImportError:
    from ubinascii import b2a_base64

try:
    from binascii import crc32
except ImportError:
    crc32 = None

START = "~T1"
END = "$"
_seq = 0


def _crc32(data):
    """CRC-32 (zlib's) in pure Python, for ports without binascii.crc32."""
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0xEDB88320 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def _value(v):
    if isinstance(v, float):
        return v if not math.isnan(v) and not math.isinf(v) else None
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, dict):
        return {str(k): _value(x) for k, x in v.items()}
    return [_value(x) for x in v]  # list, tuple, array, bytes, memoryview


def frame(fields, seq=None):
    """The frame (str, without newline) carrying the dict `fields`; numbers it unless seq is given."""
    global _seq
    if seq is None:
        seq = _seq
        _seq = (_seq + 1) & 0xFFFF
    b64 = b2a_base64(json.dumps(_value(fields)).encode()).strip()
    body = f"{seq & 0xFFFF:04x}{len(b64):04x}:".encode() + b64
    crc = (crc32(body) if crc32 else _crc32(body)) & 0xFFFFFFFF
    return START + body.decode() + f":{crc:08x}" + END


def send(**fields):
    """Send one record; values: numbers, strings, bools, None, lists (arrays are sent as lists)."""
    sys.stdout.write(frame(fields) + "\n")
