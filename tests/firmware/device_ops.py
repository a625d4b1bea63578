"""The per-op conformance cases of tests/host/test_ops*.py, bundled for the devices (tests/device/t_ops.py).

    n = write_bundle(dest / "ops.bin")     # a selection of the host cases, with tflite-micro's outputs

The cases are those of every tests/host/test_ops*.py module (tests/host/seeds.py). From each group of cases with the same (first operator, type of its
first input) the first PER_GROUP are taken, so every operator x type the host grids cover runs
on every device, in one file of a few hundred KB read record by record (small RAM boards too).

A board with a small filesystem gets the first records that fit its room (write_bundle's
max_bytes; tests/firmware/device_data.py computes it from board.json).

Record (little-endian): u16 name length, name, u8 tolerance flag (1: float outputs may differ
in the last bits: the device's libm), u32 model length, model, then u8 count of inputs and for
each u32 length + bytes, then the same for the expected outputs.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
HOST_TESTS = ROOT / "tests" / "host"
if str(HOST_TESTS) not in sys.path:
    sys.path.insert(0, str(HOST_TESTS))
PER_GROUP = 2
MAGIC = b"TOPS"


def _group(data: bytes) -> tuple[int, str, int]:
    """(first operator's builtin code, its custom name, type of its first input)."""
    import tflite

    m = tflite.Model.GetRootAs(data, 0)
    sg = m.Subgraphs(0)
    op = sg.Operators(0)
    code = m.OperatorCodes(op.OpcodeIndex())
    builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
    custom = (code.CustomCode() or b"").decode()
    first = next(int(op.Inputs(i)) for i in range(op.InputsLength()) if op.Inputs(i) >= 0)
    return builtin, custom, sg.Tensors(first).Type()


def select() -> list[tuple[str, bytes, list[np.ndarray]]]:
    """The device selection: (name, model, inputs), PER_GROUP per (operator, input type), in rounds:
    first one case of every group, then the second of every group."""
    from seeds import build_case, per_op_cases

    rounds: list[list[tuple[str, bytes, list[np.ndarray]]]] = [[] for _ in range(PER_GROUP)]
    seen: dict[tuple[int, str, int], int] = {}
    for name, build in per_op_cases():
        data, inputs = build_case(name, build)
        key = _group(data)
        k = seen.get(key, 0)
        if k < PER_GROUP:
            seen[key] = k + 1
            rounds[k].append((name, data, inputs))
    return [case for r in rounds for case in r]


def _record(name: str, data: bytes, inputs: list[np.ndarray], refs: list[np.ndarray]) -> bytes:
    raw = name.encode()
    rec = bytearray(struct.pack("<HB", len(raw), int(any(r.dtype.kind == "f" for r in refs))) + raw)
    rec += struct.pack("<I", len(data)) + data
    for arrays in (inputs, refs):
        rec += struct.pack("<B", len(arrays))
        for a in arrays:
            b = np.ascontiguousarray(a).tobytes()
            rec += struct.pack("<I", len(b)) + b
    return bytes(rec)


def write_bundle(path: Path, max_bytes: int | None = None) -> int:
    """Write the selection with tflite-micro's outputs, at most max_bytes of it (a board with a
    small filesystem gets the first cases of the selection that fit); returns the number of records."""
    from tflite_builder import run_tflm

    out = bytearray(MAGIC)
    n = 0
    for name, data, inputs in select():
        if max_bytes is not None and len(out) + len(data) > max_bytes:
            continue
        rec = _record(name, data, inputs, run_tflm(data, inputs))
        if max_bytes is None or len(out) + len(rec) <= max_bytes:
            out += rec
            n += 1
    path.write_bytes(bytes(out))
    return n
