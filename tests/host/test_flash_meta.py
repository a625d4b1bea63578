"""Flash metadata (the ".tmx" blob beside a model in flash, tml_model_load_meta): written on the host by the
same core, read in place at load.

- Accepted: outputs byte-equal to tflite-micro and to the model loaded without it; the RAM metadata lower by
  exactly the categories the blob holds (checked per operator from the blob's own entry table, parsed here
  independently of the core, against the records' layouts), and no per-call multipliers left.
- Refused (another model, another build, truncated, bit-flipped, bad magic or version, corrupt entries,
  misaligned, per-call flag): ignored with the reason, and the model loads and runs exactly as without it.
- Arrays it lacks or holds out of range: used in part, those computed into RAM, outputs unchanged.
"""

from __future__ import annotations

import ctypes
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from harness import SHARED_MODELS, assert_same_outputs, core_module, logits_tensor, model_input, seed_of
from tflite_builder import invoke_tflm, num_outputs, with_outputs

if not SHARED_MODELS.is_dir():
    pytest.skip(f"reference models folder {SHARED_MODELS} is absent", allow_module_level=True)

TFLM_DIR = SHARED_MODELS / "tflm"
# shared models, and models with the other arrays: many convolutions (person_detect), SVDF
# (keyword_scrambled_8bit), LSTM (micro_speech_lstm)
MODELS = sorted(SHARED_MODELS.glob("*.tflite")) + [
    p for p in (TFLM_DIR / "person_detect.tflite", TFLM_DIR / "keyword_scrambled_8bit.tflite",
                TFLM_DIR / "micro_speech_lstm__micro_speech_lstm.tflite") if p.exists()]
KWS = SHARED_MODELS / "kws_ref_model.tflite"
HEADER, ENTRY = 32, 12
PTR = ctypes.sizeof(ctypes.c_void_p)


def fnv1a(data: bytes, h: int = 2166136261) -> int:
    for b in data:
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def reseal(blob: bytes | bytearray) -> bytes:
    """The blob with its checksum recomputed (to reach the checks behind it)."""
    b = bytearray(blob)
    struct.pack_into("<I", b, 28, fnv1a(bytes(b[HEADER:]), fnv1a(bytes(b[:28]))))
    return bytes(b)


def entries(blob: bytes) -> list[tuple[int, int, int, int, int]]:
    """(op, slot, category, offset, bytes) of each array, parsed from the format (tml_fmeta.h)."""
    assert blob[:4] == b"TMX1"
    version, header, total, _, _, _, n, _ = struct.unpack_from("<HHIIIIII", blob, 4)
    assert (version, header, total) == (1, HEADER, len(blob))
    return [struct.unpack_from("<HBBII", blob, HEADER + i * ENTRY) for i in range(n)]


def a8(n: int) -> int:
    return (n + 7) & ~7


CATS = ["tensors", "ops", "op_data", "quant", "kernel_sums", "plan", "other"]
# op data records with pointers to flash arrays (tml_ops_fc.c fc8_data_t, tml_ops_svdf.c svdf_data_t)
FC8_RECORD, SVDF_RECORD = 24, 20


def op_data_delta(model: Any, blob: bytes) -> int:
    """What op_data gains, reading the blob's arrays in place, from the records' layouts: an int8
    FULLY_CONNECTED's record gets two pointers instead of its arrays, an SVDF's one (the arrays were counted
    in their categories exactly, the rounding of the block to 8 in op_data); convolutions and LSTMs lose
    their arrays only."""
    per_op: dict[int, int] = {}
    for op, _slot, _cat, _off, n in entries(blob):
        per_op[op] = per_op.get(op, 0) + n
    delta = 0
    for op, n in per_op.items():
        name = model.op_info(op).name
        if name == "FULLY_CONNECTED":
            delta += a8(FC8_RECORD + 2 * PTR) - (a8(FC8_RECORD + n) - n)
        elif name == "SVDF":
            delta += a8(SVDF_RECORD + PTR) - (a8(SVDF_RECORD + n) - n)
    return delta


def runs(model: Any, path: Path, data: bytes, n: int = 3) -> list[tuple[list[np.ndarray], list[np.ndarray]]]:
    rng = np.random.default_rng(seed_of(path.name))
    out = []
    for _ in range(n):
        inputs = [model_input(rng, path.name, t.shape, t.dtype) for t in model.inputs]
        model.reset()
        out.append((inputs, [o.copy() for o in model.invoke(*inputs)]))
    return out


def mve_cases(backend: str) -> list[bool]:
    return [False, True] if backend == "cmsis-nn" else [False]


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_blob_used_outputs_equal_ram_lower(path: Path, backend: str) -> None:
    core = core_module()
    data = path.read_bytes()
    if path.parent == SHARED_MODELS and (logits := logits_tensor(data)) is not None:
        data = with_outputs(data, [logits])
    for mve in mve_cases(backend):
        flags = core.LOAD_META_MVE if mve else 0
        blob = core.flash_meta_blob(data, backend, mve)
        base = core.Model(data, backend=backend, flags=flags)
        keep = core.Model(data, backend=backend, flags=flags | core.LOAD_QUANT_KEEP)
        fm = core.Model(data, backend=backend, flags=flags, meta=blob)
        what = f"{path.name} [{backend}{' mve' if mve else ''}]"
        assert base.flash_meta is None and fm.flash_meta == "used", (what, fm.flash_meta)
        # outputs: with the blob == without it (== tflite-micro for the shared models)
        ref_runs = runs(base, path, data)
        for inputs, refs in ref_runs:
            fm.reset()
            assert_same_outputs(refs, fm.invoke(*inputs), what + " with the blob")
        if path.parent == SHARED_MODELS:
            from tflite_micro.python.tflite_micro import runtime
            interp = runtime.Interpreter.from_bytes(data, arena_size=4 << 20)
            for inputs, refs in ref_runs:
                assert_same_outputs(invoke_tflm(interp, inputs, num_outputs(data)), refs, what + " vs tflite-micro")
        # RAM: exactly the arrays the blob holds leave it (against the load that keeps every array)
        flash, km, fmm = fm.meta_flash_bytes, keep.meta_bytes, fm.meta_bytes
        held = {c: 0 for c in CATS}
        for _op, _slot, cat, _off, n in entries(blob):
            held[CATS[cat]] += n
        assert flash == held, (what, flash, held)
        if {"CONV_2D", "DEPTHWISE_CONV_2D"} & set(fm.ops):
            assert flash["quant"] > 0, what
        if mve and {"FULLY_CONNECTED", "SVDF", "UNIDIRECTIONAL_SEQUENCE_LSTM"} & set(fm.ops):
            assert flash["kernel_sums"] > 0, what
        for c in ("quant", "kernel_sums"):
            assert fmm[c] == km[c] - flash[c], (what, c, fmm[c], km[c], flash[c])
        for c in ("tensors", "ops", "plan", "other"):
            assert fmm[c] == km[c], (what, c)
        assert fmm["op_data"] - km["op_data"] == op_data_delta(fm, blob), what
        assert sum(fmm.values()) == fm.persistent_size
        # nothing computed per call: the kept scratch, never more arena than the default
        assert fm.op_scratch == keep.op_scratch and fm.arena_size == keep.arena_size, what
        assert fm.arena_size <= base.arena_size, what
        # and no more metadata than the default (which computes the big layers' multipliers per call)
        assert fm.persistent_size <= base.persistent_size, what
        for m in (base, keep, fm):
            m.close()


def test_blob_values_are_the_cores() -> None:
    """The blob's multipliers and shifts are what the loader keeps in RAM without it (conv record arrays),
    and its layout is what tml_fmeta.h documents: entries in load order, arrays 8-aligned, in range."""
    core = core_module()
    data = KWS.read_bytes()
    blob = core.flash_meta_blob(data, "ref")
    es = entries(blob)
    assert es and [e[0] for e in es] == sorted(e[0] for e in es)
    end = HEADER + ENTRY * len(es)
    for op, slot, cat, off, n in es:
        assert off % 8 == 0 and off >= end and off + n <= len(blob)
        assert slot == 0 and CATS[cat] == "quant"
        vals = np.frombuffer(blob, dtype="<i4", count=n // 4, offset=off)
        mult, shift = vals[: n // 8], vals[n // 8:]
        assert (mult >= 1 << 30).all() and (shift >= -31).all() and (shift <= 31).all(), op
    hdr = struct.unpack_from("<4sHHIIIIII", blob)
    assert hdr[4] == len(data) and hdr[5] == fnv1a(data)
    assert hdr[6] == core._load_lib("ref").tml_flash_meta_config(0)
    assert hdr[8] == fnv1a(blob[HEADER:], fnv1a(blob[:28]))


def _tamper(blob: bytes, offset: int, fmt: str, value: int) -> bytes:
    b = bytearray(blob)
    struct.pack_into(fmt, b, offset, value)
    return reseal(b)


def rejection_cases(core: Any, data: bytes, backend: str) -> dict[str, tuple[bytes, str]]:
    """name -> (blob, the start of the reason the core must give)."""
    blob = core.flash_meta_blob(data, backend)
    other = core.flash_meta_blob((SHARED_MODELS / "ad01_int8.tflite").read_bytes(), backend)
    es = entries(blob)
    first_off, first_n = es[0][3], es[0][4]
    cases = {
        "other model (size)": (other, "ignored: written for another model"),
        "other model (hash)": (_tamper(blob, 16, "<I", fnv1a(data) ^ 1), "ignored: written for another model"),
        "other build (config)": (_tamper(blob, 20, "<I", struct.unpack_from("<I", blob, 20)[0] ^ 0x100),
                                 "ignored: written for another build"),
        "truncated": (blob[:-8], "ignored: truncated"),
        "padded": (blob + bytes(8), "ignored: truncated or padded"),
        "header only": (blob[:20], "ignored: shorter than its header"),
        "empty": (b"", "ignored: shorter than its header"),
        "bad magic": (b"TMX2" + blob[4:], "ignored: not tinyml flash metadata"),
        "version 2": (_tamper(blob, 4, "<H", 2), "ignored: unsupported format version"),
        "checksum": (blob[:28] + bytes(4) + blob[32:], "ignored: corrupt (checksum"),
        "entry count": (_tamper(blob, 24, "<I", 1 << 30), "ignored: corrupt (entry table"),
        "entry offset past end": (_tamper(blob, HEADER + 4, "<I", len(blob) - 4), "ignored: corrupt (entry table"),
        "entry offset misaligned": (_tamper(blob, HEADER + 4, "<I", first_off + 4), "ignored: corrupt (entry table"),
        "entry offset in table": (_tamper(blob, HEADER + 4, "<I", 0), "ignored: corrupt (entry table"),
        "entry bytes overflow": (_tamper(blob, HEADER + 8, "<I", 0xFFFFFFFC), "ignored: corrupt (entry table"),
        "entry category": (_tamper(blob, HEADER + 3, "<B", 7), "ignored: corrupt (entry table"),
        "entry length differs": (_tamper(blob, HEADER + 8, "<I", first_n - 8), "used in part"),
        "entry for another op": (_tamper(blob, HEADER, "<H", 9999), "used in part"),
        "shift out of range": (_tamper(blob, first_off + first_n - 4, "<i", 40), "used in part"),
        "negative multiplier": (_tamper(blob, first_off, "<i", -5), "used in part"),
    }
    return cases


def test_blob_rejected_with_reason_same_outputs(backend: str) -> None:
    core = core_module()
    data = KWS.read_bytes()
    base = core.Model(data, backend=backend)
    ref_runs = runs(base, KWS, data, 2)
    keep = core.Model(data, backend=backend, flags=core.LOAD_QUANT_KEEP)
    for name, (blob, reason) in rejection_cases(core, data, backend).items():
        fm = core.Model(data, backend=backend, meta=blob)
        assert fm.flash_meta is not None and fm.flash_meta.startswith(reason), (name, fm.flash_meta)
        for inputs, refs in ref_runs:
            fm.reset()
            assert_same_outputs(refs, fm.invoke(*inputs), f"kws [{backend}] blob {name}")
        if reason.startswith("ignored"):
            # as without a blob: the same metadata, the same per-call plan
            assert fm.meta_bytes == base.meta_bytes and fm.arena_size == base.arena_size, name
            assert sum(fm.meta_flash_bytes.values()) == 0, name
        else:
            # in part: the array it lacked (or held out of range) is in RAM again, the others in flash
            assert 0 < sum(fm.meta_flash_bytes.values()) < len(blob), name
            assert fm.meta_bytes["quant"] + fm.meta_flash_bytes["quant"] == keep.meta_bytes["quant"], name
        fm.close()


def test_blob_of_other_build_ignored(backend: str) -> None:
    """A blob written for another backend, or for the M55 (MVE) build of this one, is not this build's."""
    core = core_module()
    data = KWS.read_bytes()
    others = [b for b in core.backends() if b != backend][:1]
    blobs = [core.flash_meta_blob(data, b) for b in others]
    if backend == "cmsis-nn":
        blobs.append(core.flash_meta_blob(data, backend, mve=True))
    assert blobs, "no other build to write for"
    for blob in blobs:
        fm = core.Model(data, backend=backend, meta=blob)
        assert fm.flash_meta.startswith("ignored: written for another build"), fm.flash_meta
        fm.close()


def test_every_bit_flip_rejected() -> None:
    """One flipped bit anywhere (header, entries, arrays) is never used: FNV-1a changes with any one byte."""
    core = core_module()
    data = KWS.read_bytes()
    blob = core.flash_meta_blob(data, "ref")
    base = core.Model(data)
    (inputs, refs), = runs(base, KWS, data, 1)
    rng = np.random.default_rng(1)
    positions = list(range(HEADER + ENTRY * 2)) + sorted(rng.choice(len(blob), 40, replace=False).tolist())
    for pos in positions:
        b = bytearray(blob)
        b[pos] ^= 1 << int(rng.integers(8))
        fm = core.Model(data, meta=bytes(b))
        assert fm.flash_meta.startswith("ignored"), (pos, fm.flash_meta)
        assert_same_outputs(refs, fm.invoke(*inputs), f"bit flip at {pos}")
        fm.close()


def test_flags_and_alignment() -> None:
    core = core_module()
    data = KWS.read_bytes()
    blob = core.flash_meta_blob(data, "ref")
    fm = core.Model(data, flags=core.LOAD_QUANT_PER_CALL, meta=blob)
    assert fm.flash_meta.startswith("ignored: loaded with per-call")
    fm.close()
    # a blob 1 byte off its 4-byte alignment (the core reads int32 arrays in place)
    lib = core._load_lib("ref")
    buf = ctypes.create_string_buffer(len(blob) + 1)
    ctypes.memmove(ctypes.addressof(buf) + 1, blob, len(blob))
    err = core._Error()
    m = lib.tml_host_load_meta(data, len(data), 0, ctypes.cast(ctypes.addressof(buf) + 1, ctypes.c_char_p),
                               len(blob), ctypes.byref(err))
    assert m, err.msg
    assert lib.tml_model_flash_meta(m) == b"ignored: not 4-byte aligned in memory"
    lib.tml_host_free(m)
    # the same bytes aligned: used
    m = lib.tml_host_load_meta(data, len(data), 0, blob, len(blob), ctypes.byref(err))
    assert lib.tml_model_flash_meta(m) == b"used"
    lib.tml_host_free(m)


def test_write_needs_record_flag() -> None:
    core = core_module()
    m = core.Model(KWS.read_bytes())
    with pytest.raises(ValueError, match="LOAD_META_RECORD"):
        m.write_meta()
    m.close()


def const_data(model: Any, index: int) -> np.ndarray:
    """A constant tensor's values (int8 / int32), read from the model bytes through the core's record."""
    t = model.tensor(index)
    ptr = model._lib.tml_model_tensor(model._m, index).contents
    raw = ctypes.string_at(ptr.data, t.nbytes)
    return np.frombuffer(raw, dtype={"int8": np.int8, "int32": np.int32}[t.dtype]).reshape(t.shape)


def test_mve_kernel_sums_are_cmsis_nns(backend: str) -> None:
    """The M55 kernel sums the host writes (arm_vector_sum_s8's C path) equal the formula the MVE kernels
    expect, computed here from the weights: bias + (row sum + depth * filter offset) * input offset. Only
    the M55 reads them, so outputs on the host cannot check them."""
    if backend != "cmsis-nn":
        pytest.skip("only the cmsis-nn backend has an MVE build")
    core = core_module()
    data = (SHARED_MODELS / "ad01_int8.tflite").read_bytes()
    blob = core.flash_meta_blob(data, backend, mve=True)
    model = core.Model(data, backend=backend)
    checked = 0
    for op, slot, cat, off, n in entries(blob):
        if CATS[cat] != "kernel_sums":
            continue
        o = model.op_info(op)
        assert o.name == "FULLY_CONNECTED" and slot == 1
        inp, w = model.tensor(o.inputs[0]), model.tensor(o.inputs[1])
        weights = const_data(model, o.inputs[1]).astype(np.int64)
        bias = const_data(model, o.inputs[2]).astype(np.int64) if len(o.inputs) > 2 and o.inputs[2] >= 0 else 0
        filter_offset = 0 if w.per_channel else -w.zero_point
        want = bias + (weights.sum(axis=1) + weights.shape[1] * filter_offset) * -inp.zero_point
        got = np.frombuffer(blob, dtype="<i4", count=n // 4, offset=off)
        assert np.array_equal(got, want.astype(np.int32)), f"op {op}"
        checked += n
    assert checked == 6688  # ad01's four FULLY_CONNECTED layers' sums: what the M55 build keeps in RAM
    model.close()
