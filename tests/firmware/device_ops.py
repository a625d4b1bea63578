"""The per-op conformance cases of tests/host/test_ops*.py, bundled for the devices (tests/device/t_ops.py).

    n = write_bundle(dest / "ops.bin")     # a selection of the host cases, with tflite-micro's outputs

The cases are those of every tests/host/test_ops*.py module (tests/host/seeds.py). From each group of cases with the same (first operator, type of its
first input) the first PER_GROUP are taken, so every operator x type the host grids cover runs
on every device, in one file of a few hundred KB read record by record (small RAM boards too).

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
    """The device selection: (name, model, inputs), PER_GROUP per (operator, input type)."""
    from seeds import build_case, per_op_cases

    seen: dict[tuple[int, str, int], int] = {}
    out = []
    for name, build in per_op_cases():
        data, inputs = build_case(name, build)
        key = _group(data)
        if seen.get(key, 0) >= PER_GROUP:
            continue
        seen[key] = seen.get(key, 0) + 1
        out.append((name, data, inputs))
    return out


def write_bundle(path: Path) -> int:
    """Write the selection with tflite-micro's outputs; returns the number of records."""
    from tflite_builder import run_tflm

    records = bytearray(MAGIC)
    n = 0
    for name, data, inputs in select():
        refs = run_tflm(data, inputs)
        tolerant = any(r.dtype.kind == "f" for r in refs)
        raw = name.encode()
        records += struct.pack("<HB", len(raw), int(tolerant)) + raw
        records += struct.pack("<I", len(data)) + data
        for arrays in (inputs, refs):
            records += struct.pack("<B", len(arrays))
            for a in arrays:
                b = np.ascontiguousarray(a).tobytes()
                records += struct.pack("<I", len(b)) + b
        n += 1
    path.write_bytes(bytes(records))
    return n
