"""The per-op conformance cases of tests/host/test_ops*.py, bundled for the devices (tests/device/t_ops.py).

    records = bundle()                        # every host case, with tflite-micro's outputs (cached)
    plan = plan_rounds(records, room, ram)    # the rounds a board runs them in, and what it cannot take
    write_round(dest, plan.rounds[0])         # ops.bin of one round

Every case of every tests/host/test_ops*.py module (tests/host/seeds.py) goes to every device:
2,372 cases today. A board runs them in rounds, each round a file it reads in place (from its ROMFS
region, filled by QEMU or written into the emulated flash before it boots, or from its filesystem):
as many rounds as its room for one file needs. A case a board cannot take at all -- a record larger
than its room for one round, or a model whose arena and metadata need more RAM than its heap can
give -- is left out of its rounds and reported as skipped, with the reason and the figures.

Expected outputs are tflite-micro's (the reference interpreter), never the core's own: without the
tflite-micro package bundle() raises ReferenceMissing.

Integer outputs and float outputs alike must be byte-equal on the device, except the float outputs
of the operators in LIBM_OPS (the device's libm: see there), which t_ops.py compares within a
relative tolerance; the record's flag says so.

The flags' bit 1 (FLAG_SPECIAL) marks the cases with NaN, infinity or subnormal float inputs.

File (little-endian): b"TOPS" and 12 zero bytes, then records, each starting on a 16-byte boundary.
Record: u32 record length (padding included: a device reading a file record by record reads that
much), u16 name length, name, u8 flags (bit 0: float outputs compared within the libm tolerance),
padding bytes 0x00 up to a 16-byte boundary (u8 count first), u32 model length, model (16-byte
aligned in the file, so a model read in place from ROMFS keeps its flatbuffer alignment), then the
inputs and then the expected outputs: u8 count, then per array u8 kind and
  kind 0 (raw):        u32 length, bytes
  kind 1 (every value): u8 item size (1: int8, 2: int16): every value of the signed type in
                       ascending order, generated on the device (the exhaustive unary cases)
  kind 2 (digest):     u32 length, the 32-byte SHA-256 of the expected bytes (outputs larger than
                       DIGEST_OVER bytes: the device hashes its output)
"""

from __future__ import annotations

import hashlib
import os
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
HOST_TESTS = ROOT / "tests" / "host"
if str(HOST_TESTS) not in sys.path:
    sys.path.insert(0, str(HOST_TESTS))
MAGIC = b"TOPS"
ALIGN = 16
HEADER = MAGIC + bytes(ALIGN - len(MAGIC))  # records start at 16
DIGEST_OVER = 2048  # expected outputs larger than this travel as their SHA-256
KIND_RAW, KIND_EVERY, KIND_DIGEST = 0, 1, 2
FLAG_LIBM = 1
FLAG_SPECIAL = 2  # a float32 input holds a NaN, an infinity or a subnormal (the "special values" cases)

# Operators whose float32 results come from the C library's single-precision transcendental functions
# (TFLM calls the same std:: functions, so on a glibc host the core is byte-equal): the firmware's
# libm -- MicroPython's lib/libm on the float ports (rp2, stm32 float builds), and on the ports built
# with double-precision floats (the QEMU MPS boards, NETDUINO_PLUS_2) usermod/tinyml/port/
# tml_float_libm.c, which rounds the double function -- may round the last bit differently. Only
# their float32 outputs get the tolerance; every other operator and type must be byte-equal (sqrtf,
# division and the arithmetic are correctly rounded everywhere).
LIBM_OPS: dict[str, str] = {
    "LOGISTIC": "expf",
    "TANH": "tanhf",
    "EXP": "expf",
    "LOG": "logf",
    "ELU": "expm1f",
    "SOFTMAX": "expf",
    "LOG_SOFTMAX": "expf and logf",
    "UNIDIRECTIONAL_SEQUENCE_LSTM": "expf and tanhf (its float32 gates)",
}
LIBM_RTOL = 1e-5  # t_ops.py: |got - want| <= LIBM_RTOL * max |want| for those outputs
# Boards whose float arithmetic is not IEEE-complete say so in their board.json ("float_special_values":
# why): the cases with NaN, infinity or subnormal float32 inputs (FLAG_SPECIAL) are left out of their
# rounds and reported as skipped with that reason.


class ReferenceMissing(RuntimeError):
    """The tflite-micro package (the reference interpreter) is not installed."""


@dataclass
class Record:
    name: str
    blob: bytes         # the whole record, as the file holds it from a 16-byte boundary
    arena: int          # the host core's arena + metadata bytes for the model (the largest of the built
                        # backends; a 64-bit build: an upper bound of a 32-bit board's)
    io_bytes: int       # bytes of the outputs and generated inputs the device allocates
    special: bool       # FLAG_SPECIAL: float32 inputs with NaN, infinity or subnormal values


@dataclass
class Plan:
    rounds: list[list[Record]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (case, why)

    @property
    def count(self) -> int:
        return sum(len(r) for r in self.rounds)


def _op_names(data: bytes) -> list[str]:
    import tflite

    names = {v: k for k, v in tflite.BuiltinOperator.__dict__.items() if not k.startswith("_")}
    m = tflite.Model.GetRootAs(data, 0)
    out = []
    for s in range(m.SubgraphsLength()):
        sg = m.Subgraphs(s)
        for i in range(sg.OperatorsLength()):
            code = m.OperatorCodes(sg.Operators(i).OpcodeIndex())
            out.append(names.get(max(code.BuiltinCode(), code.DeprecatedBuiltinCode()), "?"))
    return out


def libm_tolerant(data: bytes, refs: list[np.ndarray]) -> bool:
    """Whether the case's float outputs may differ in the last bits on a device (LIBM_OPS)."""
    return any(r.dtype == np.float32 for r in refs) and any(op in LIBM_OPS for op in _op_names(data))


def float_specials(inputs: list[np.ndarray]) -> bool:
    """Whether a float32 input holds a NaN, an infinity or a subnormal number."""
    for a in inputs:
        if a.dtype == np.float32 and a.size:
            v = np.abs(a.astype(np.float64))
            if not np.isfinite(v).all() or ((v > 0) & (v < np.finfo(np.float32).tiny)).any():
                return True
    return False


def _every_value(a: np.ndarray) -> int:
    """1 or 2 (item size) if `a` holds every value of int8 or int16 in ascending order, else 0."""
    if a.dtype not in (np.int8, np.int16):
        return 0
    info = np.iinfo(a.dtype)
    flat = a.reshape(-1)
    if flat.size != info.max - info.min + 1 or not np.array_equal(flat, np.arange(info.min, info.max + 1)):
        return 0
    return a.dtype.itemsize


def _arrays(arrays: list[np.ndarray], outputs: bool) -> tuple[bytes, int]:
    """The encoded arrays, and the bytes the device allocates for them (generated inputs, outputs)."""
    out = bytearray(struct.pack("<B", len(arrays)))
    alloc = 0
    for a in arrays:
        raw = np.ascontiguousarray(a).tobytes()
        every = 0 if outputs else _every_value(a)
        if every:
            out += struct.pack("<BB", KIND_EVERY, every)
            alloc += len(raw)
        elif outputs and len(raw) > DIGEST_OVER:
            out += struct.pack("<BI", KIND_DIGEST, len(raw)) + hashlib.sha256(raw).digest()
        else:
            out += struct.pack("<BI", KIND_RAW, len(raw)) + raw
        if outputs:
            alloc += len(raw)
    return bytes(out), alloc


def record(name: str, data: bytes, inputs: list[np.ndarray], refs: list[np.ndarray]) -> tuple[bytes, int]:
    """One record, as it sits in the file at a 16-byte boundary, and its device allocations."""
    raw = name.encode()
    flags = (FLAG_LIBM if libm_tolerant(data, refs) else 0) | (FLAG_SPECIAL if float_specials(inputs) else 0)
    head = struct.pack("<IHB", 0, len(raw), flags) + raw
    pad = -(len(head) + 1 + 4) % ALIGN  # the model starts on a 16-byte boundary
    rec = bytearray(head + struct.pack("<B", pad) + bytes(pad) + struct.pack("<I", len(data)) + data)
    ins, alloc_in = _arrays(inputs, outputs=False)
    outs, alloc_out = _arrays(refs, outputs=True)
    rec += ins + outs
    rec += bytes(-len(rec) % ALIGN)  # the next record starts on a 16-byte boundary
    struct.pack_into("<I", rec, 0, len(rec))
    return bytes(rec), alloc_in + alloc_out


def _sources_key() -> str:
    """What the cached bundle depends on: the case generators, this format, the reference's version."""
    h = hashlib.sha256()
    for p in sorted(HOST_TESTS.glob("*.py")) + [Path(__file__)]:
        h.update(p.name.encode() + p.read_bytes())
    from importlib.metadata import PackageNotFoundError, version

    try:
        h.update(version("tflite-micro").encode())
    except PackageNotFoundError:  # bundle() says so when it needs it
        h.update(b"no tflite-micro")
    return h.hexdigest()[:16]


def _reference():
    try:
        from tflite_builder import run_tflm
        from tflite_micro.python.tflite_micro import runtime  # noqa: F401
    except ImportError as e:
        raise ReferenceMissing(
            f"the tflite-micro package, the reference interpreter the device tests compare with, is not "
            f"installed ({e}): pip install -r requirements-dev.txt") from e
    return run_tflm


def bundle(cache: Path | None = None) -> list[Record]:
    """Every per-op host case with tflite-micro's outputs, in the host tests' order (cached in `cache`,
    default build/device-ops/, keyed by the sources: ~15 s to make)."""
    import pickle

    cache = cache or ROOT / "build" / "device-ops"
    path = cache / f"records-{_sources_key()}.pickle"
    if path.exists():
        return pickle.loads(path.read_bytes())
    run_tflm = _reference()
    from seeds import build_case, per_op_cases, tflm_options
    from tinyml_tools import core

    records = []
    for name, build in per_op_cases():
        data, inputs = build_case(name, build)
        blob, alloc = record(name, data, inputs, run_tflm(data, inputs, **tflm_options(name)))
        need = 0
        for backend in core.backends():  # the largest: a board runs one of them
            m = core.Model(data, backend=backend, inspect=True)
            try:
                need = max(need, m.arena_size + m.persistent_size)
            finally:
                m.close()
        records.append(Record(name, blob, need, alloc, float_specials(inputs)))
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(pickle.dumps(records))
    tmp.replace(path)  # atomic: two pytest workers may make it at once
    return records


def plan_rounds(records: list[Record], room: int | None, ram: int | None, no_specials: str | None = None,
                io_in_heap: bool = True) -> Plan:
    """Rounds of records, each file at most `room` bytes (None: one round), leaving out the records larger
    than `room` and those needing more than `ram` bytes of heap (arena + metadata + generated inputs and
    outputs; None: no limit), and where the board's float arithmetic is not IEEE-complete (no_specials: why,
    from its board.json) the special-value cases, each with the reason. io_in_heap=False: the runner reads
    inputs and outputs in the model's tensors (a bare-metal harness), so only arena + metadata count."""
    plan = Plan()
    size = len(HEADER)
    current: list[Record] = []
    for r in records:
        if no_specials and r.special:
            plan.skipped.append((r.name, f"NaN, infinity or subnormal float inputs: {no_specials}"))
            continue
        if room is not None and len(HEADER) + len(r.blob) > room:
            why = f"its record is {len(r.blob):,} bytes, the board's room for one round is {room:,}"
            plan.skipped.append((r.name, why))
            continue
        need = r.arena + (r.io_bytes if io_in_heap else 0)
        if ram is not None and need > ram:
            why = (f"it needs {need:,} bytes of heap (arena and metadata {r.arena:,}, inputs and outputs "
                   f"{r.io_bytes if io_in_heap else 0:,}), the board gives {ram:,}")
            plan.skipped.append((r.name, why))
            continue
        if room is not None and size + len(r.blob) > room:
            plan.rounds.append(current)
            current, size = [], len(HEADER)
        current.append(r)
        size += len(r.blob)
    if current:
        plan.rounds.append(current)
    return plan


def round_bytes(records: list[Record]) -> bytes:
    """The ops.bin of one round (HEADER, then the records)."""
    return HEADER + b"".join(r.blob for r in records)


@dataclass
class Decoded:
    """A record read back (device_ops.record's layout): what a host-side comparison needs."""
    name: str
    flags: int
    model: bytes
    inputs: list[bytes]                          # raw bytes (the generated ones too)
    outputs: list[tuple[int, bytes]]             # (KIND_RAW, bytes) or (KIND_DIGEST, sha256 digest)
    output_sizes: list[int]


def decode(blob: bytes) -> Decoded:
    """Read a record back (the inverse of record(), the every-value inputs generated as a device does)."""
    (n,) = struct.unpack_from("<I", blob, 0)
    nl, flags = struct.unpack_from("<HB", blob, 4)
    at = 7
    name = blob[at:at + nl].decode()
    at += nl
    at += 1 + blob[at]
    (size,) = struct.unpack_from("<I", blob, at)
    model = blob[at + 4:at + 4 + size]
    at += 4 + size
    inputs: list[bytes] = []
    outputs: list[tuple[int, bytes]] = []
    sizes: list[int] = []
    for dest in (inputs, outputs):
        count = blob[at]
        at += 1
        for _ in range(count):
            kind = blob[at]
            at += 1
            if kind == KIND_EVERY:
                info = np.iinfo(np.int8 if blob[at] == 1 else np.int16)
                inputs.append(np.arange(info.min, info.max + 1).astype(info.dtype).tobytes())
                at += 1
                continue
            (k,) = struct.unpack_from("<I", blob, at)
            at += 4
            data = blob[at:at + (32 if kind == KIND_DIGEST else k)]
            at += len(data)
            if dest is inputs:
                inputs.append(data)
            else:
                outputs.append((kind, data))
                sizes.append(k)
    assert at <= n == len(blob), f"{name}: record length {n}, parsed {at}"
    return Decoded(name, flags, model, inputs, outputs, sizes)


def float32_equal(got: bytes, want: bytes) -> bool:
    """float32 arrays equal bit for bit, except that a NaN equals any NaN (the CPU makes a NaN's bits)."""
    if got == want:
        return True
    if len(got) != len(want) or len(got) % 4:
        return False
    g, w = np.frombuffer(got, np.uint32), np.frombuffer(want, np.uint32)

    def nan(x: np.ndarray) -> np.ndarray:
        return ((x & 0x7F800000) == 0x7F800000) & ((x & 0x7FFFFF) != 0)

    return bool(np.all((g == w) | (nan(g) & nan(w))))
