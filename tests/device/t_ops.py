"""The per-op conformance cases on the device: every record of ops.bin (tests/firmware/device_ops.py),
a one-operator model with its inputs and tflite-micro's outputs, loaded from a fresh buffer and run.
Integer outputs must be byte-equal; float32 outputs equal within FLOAT_RTOL of their largest value
(the device's libm and float rounding of exp/log/tanh may differ from the host's in the last bits).
"""

import gc
import struct
from array import array

import dtest
import tinyml

FLOAT_RTOL = 1e-5


def read_exact(f, n):
    b = f.read(n)
    if len(b) != n:
        raise EOFError("ops.bin is truncated")
    return b


def read_arrays(f):
    (count,) = struct.unpack("<B", read_exact(f, 1))
    return [read_exact(f, struct.unpack("<I", read_exact(f, 4))[0]) for _ in range(count)]


def close_enough(got, want, info):
    if info.dtype != "float32":
        return bytes(got) == want
    w = array("f", want)
    if len(got) != len(w):
        return False
    top = max([abs(v) for v in w] + [1e-30])
    return all(abs(a - b) <= FLOAT_RTOL * top for a, b in zip(got, w))


def run_case(name, tolerant, model, ins, outs):
    m = tinyml.Model(model)
    try:
        y = m.predict(ins[0] if len(ins) == 1 else tuple(ins))
        ys = y if isinstance(y, tuple) else (y,)
        if len(ys) != len(outs):
            return False
        for g, w, info in zip(ys, outs, m.outputs):
            ok = close_enough(g, w, info) if tolerant else bytes(g) == w
            if not ok:
                print("mismatch", name, info)
                return False
        return True
    finally:
        m.free()


with open("ops.bin", "rb") as f:
    dtest.check("ops.bin magic", read_exact(f, 4) == b"TOPS")
    while True:
        head = f.read(3)
        if not head:
            break
        n, tolerant = struct.unpack("<HB", head)
        name = read_exact(f, n).decode()
        (size,) = struct.unpack("<I", read_exact(f, 4))
        model = bytearray(read_exact(f, size))  # a fresh, aligned buffer
        ins = read_arrays(f)
        outs = read_arrays(f)
        dtest.run(name, run_case, name, tolerant, model, ins, outs)
        del model, ins, outs
        gc.collect()

dtest.done()
