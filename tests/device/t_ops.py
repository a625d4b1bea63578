"""The per-op conformance cases on the device: every record of ops.bin (tests/firmware/device_ops.py: a
one-operator model, its inputs and tflite-micro's outputs), one round of the host's cases. ops.bin is
read in place where the filesystem allows it (ROMFS: a memoryview of the file, so the models and
inputs take no heap), else one record at a time. Every output must be byte-equal to tflite-micro's
(float32 NaNs compare equal whatever their sign and payload: the CPU makes them), except the float32
outputs of the operators whose results come from the C library's transcendental functions (records
flagged by device_ops.LIBM_OPS, with the reason there): within LIBM_RTOL of the largest expected value.
ops.json says which round this is of how many, and the host's case count; the last lines printed give
the records run against it.
"""

import gc
import hashlib
import json
import math
import struct
from array import array

import dtest
import tinyml

LIBM_RTOL = 1e-5
FLAG_LIBM = 1
KIND_RAW, KIND_EVERY, KIND_DIGEST = 0, 1, 2


def every_value(size):
    """Every value of int8 (size 1) or int16 (size 2), ascending: what the exhaustive cases feed."""
    if size == 1:
        return bytes(range(128, 256)) + bytes(range(128))
    return array("h", range(-32768, 32768))


def read_arrays(buf, pos, outputs):
    """[(kind, data)], new position: data is a memoryview into buf (raw), generated (every value), or
    (length, digest) for the outputs sent as their SHA-256."""
    count = buf[pos]
    pos += 1
    arrays = []
    for _ in range(count):
        kind = buf[pos]
        pos += 1
        if kind == KIND_EVERY and not outputs:
            arrays.append((kind, every_value(buf[pos])))
            pos += 1
            continue
        (n,) = struct.unpack_from("<I", buf, pos)
        pos += 4
        if kind == KIND_RAW:
            arrays.append((kind, buf[pos:pos + n]))
            pos += n
        elif kind == KIND_DIGEST and outputs:
            arrays.append((kind, (n, bytes(buf[pos:pos + 32]))))
            pos += 32
        else:
            raise ValueError(f"ops.bin: unknown array kind {kind}")
    return arrays, pos


def is_nan(bits):
    return bits & 0x7F800000 == 0x7F800000 and bits & 0x7FFFFF


def float_equal(got, want, rtol):
    """float32 arrays (as bytes) equal element by element: the same bits, or both NaN (the bits of a NaN an
    operation makes are the CPU's: Arm's default NaN is 0x7fc00000, x86's 0xffc00000), or with rtol > 0
    within rtol of the largest expected magnitude."""
    if len(got) != len(want):
        return False
    n = len(want) // 4
    g = struct.unpack(f"<{n}I", got)
    w = struct.unpack(f"<{n}I", want)
    top = 0.0
    if rtol:
        top = max([abs(v) for v in array("f", want) if not math.isnan(v)] + [1e-30])
    gf, wf = array("f", got), array("f", want)
    for i in range(n):
        if g[i] == w[i] or (is_nan(g[i]) and is_nan(w[i])):
            continue
        if not (rtol and abs(gf[i] - wf[i]) <= rtol * top):
            return False
    return True


def output_ok(got, kind, want, info, libm):
    if kind == KIND_DIGEST:
        n, digest = want
        return len(bytes(got)) == n and hashlib.sha256(got).digest() == digest
    g, w = bytes(got), bytes(want)
    if g == w:
        return True
    return info.dtype == "float32" and float_equal(g, w, LIBM_RTOL if libm else 0.0)


def differences(got, kind, want, info):
    """The first differing elements, as (index, got, expected) in hex: what a mismatch prints."""
    if kind == KIND_DIGEST:
        return "(SHA-256 differs)"
    g, w = bytes(got), bytes(want)
    if len(g) != len(w):
        return f"({len(g)} bytes, expected {len(w)})"
    size = 4 if info.dtype in ("float32", "int32", "uint32") else 2 if info.dtype == "int16" else \
        8 if info.dtype == "int64" else 1
    out = []
    for i in range(0, len(g), size):
        if g[i:i + size] != w[i:i + size]:
            out.append((i // size, g[i:i + size].hex(), w[i:i + size].hex()))
            if len(out) == 4:
                break
    return out


def run_case(name, flags, model, ins, outs):
    m = tinyml.Model(model)
    try:
        xs = [a for _, a in ins]
        y = m.predict(xs[0] if len(xs) == 1 else tuple(xs))
        ys = y if isinstance(y, tuple) else (y,)
        if len(ys) != len(outs):
            print("mismatch", name, "outputs", len(ys), "expected", len(outs))
            return False
        for k, (g, (kind, w), info) in enumerate(zip(ys, outs, m.outputs)):
            if not output_ok(g, kind, w, info, flags & FLAG_LIBM):
                print("mismatch", name, "output", k, info, differences(g, kind, w, info))
                return False
        return True
    finally:
        m.free()


def run_record(rec):
    """Run one record (a memoryview of its bytes); returns its flags."""
    nl, flags = struct.unpack_from("<HB", rec, 4)
    pos = 7
    name = str(bytes(rec[pos:pos + nl]), "utf-8")
    pos += nl
    pos += 1 + rec[pos]
    (size,) = struct.unpack_from("<I", rec, pos)
    pos += 4
    model = rec[pos:pos + size]
    ins, pos = read_arrays(rec, pos + size, False)
    outs, pos = read_arrays(rec, pos, True)
    dtest.run(name, run_case, name, flags, model, ins, outs)
    return flags


def records(f):
    """The records of the open ops.bin after its header: memoryviews into the file where it can be used in
    place (ROMFS), else each record read into a fresh buffer (a file system: one record in RAM at a time)."""
    try:
        buf = memoryview(f)  # ROMFS: the file in place
    except (TypeError, OSError):
        buf = None
    if buf is not None:
        pos = 16
        while pos < len(buf):
            (n,) = struct.unpack_from("<I", buf, pos)
            yield buf[pos:pos + n]
            pos += n
        return
    f.seek(16)
    while True:
        head = f.read(4)
        if not head:
            return
        (n,) = struct.unpack("<I", head)
        rec = bytearray(n)
        rec[:4] = head
        f.readinto(memoryview(rec)[4:])
        yield memoryview(rec)


def main():
    with open("ops.json") as f:
        info = json.load(f)
    f = open("ops.bin", "rb")  # noqa: SIM115 - kept open: the records point into it (ROMFS)
    dtest.check("ops.bin header", f.read(4) == b"TOPS")
    ran, libm = 0, 0
    for rec in records(f):
        libm += run_record(rec) & FLAG_LIBM
        ran += 1
        del rec
        if ran % 64 == 0:
            gc.collect()
    print(f"ops: round {info['round'] + 1} of {info['rounds']}: {ran} records, {libm} of them with the libm "
          f"tolerance; the host has {info['host_count']} cases")
    dtest.check("ops: every record of the round ran", ran == info["count"], f"{ran} of {info['count']}")


main()
dtest.done()
