"""Data for the on-device tests (tests/device/): models, inputs and expected outputs.

    files = build(folder)      # writes every file into `folder`; returns {name: path}
    files = build(folder, board=info)   # only the shared models the board's board.json figures allow

Files (all small, except the shared models, which are linked or copied as they are):
  manifest.json     what the scripts check: per model its file, input/output sizes, op names and MACs
                    (host core), number of cases; bad models with the host core's message; the
                    supported operator list
  <model>.io        per case: the raw input bytes then the expected raw output bytes (tflite-micro,
                    the reference interpreter), all inputs/outputs concatenated; then case 0's
                    inputs as float32 real values that quantize back to those bytes
  t_fc.tflite, t_two.tflite, t_unsup.tflite, t_huge.tflite, bad_*.tflite   synthetic models
  gestures.tflite   the example model (examples/gestures), for t_soak.py: manifest["soak"], not in "models"
  dtest.py          the scripts' helper module
Expected outputs come from tflite-micro, the reference interpreter, only: without it build() raises
device_ops.ReferenceMissing (the host core is the code under test: it describes the models -- sizes,
operator names, MACs -- but never says what they must output). The per-op cases (t_ops.py) are
deployed in rounds of their own: device_ops.py.
"""

from __future__ import annotations

import json
import sys
import tempfile
import zlib
from pathlib import Path
from typing import Any

import device_ops
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SHARED_MODELS = ROOT.parent / "shared" / "models"
DEVICE_DIR = ROOT / "tests" / "device"
SOAK_MODEL = ROOT / "examples" / "gestures" / "gestures.tflite"  # t_soak.py: small, eight different ops
for _p in (str(ROOT / "host_tools"), str(ROOT / "tests" / "host")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

CASES = 3
# blocks of a board's filesystem besides the files' own: littlefs metadata pairs and CTZ pointers (16 blocks
# for the NETDUINO_PLUS_2 data on 512-byte blocks, measured) and room to write
FS_RESERVE_BLOCKS = 24


def _core():
    """tinyml_tools.core if a host library is built, else None."""
    try:
        from tinyml_tools import core
    except ImportError:
        return None
    return core if core.backends() else None


def _tflm_runner():
    """tflite_builder.run_tflm; device_ops.ReferenceMissing (one line saying what to install) without it."""
    return device_ops._reference()


def synthetic_models() -> dict[str, bytes]:
    """Small models built here: one FC layer, two inputs/two outputs, unsupported ops, a huge arena."""
    from tflite_builder import ModelBuilder

    rng = np.random.default_rng(7)
    out: dict[str, bytes] = {}

    b = ModelBuilder("tinyml device test: fc")
    x = b.tensor("x", (1, 16), np.int8, scale=0.05, zero_point=-3)
    w = b.const("w", rng.integers(-127, 128, (8, 16), dtype=np.int8), scale=0.02, zero_point=0)
    bias = b.const("b", rng.integers(-300, 300, 8, dtype=np.int32), scale=0.001, zero_point=0)
    y = b.tensor("y", (1, 8), np.int8, scale=0.08, zero_point=4)
    b.op("FULLY_CONNECTED", [x, w, bias], [y])
    b.inputs([x])
    b.outputs([y])
    out["t_fc"] = b.build()

    b = ModelBuilder("tinyml device test: two inputs, two outputs")
    a = b.tensor("a", (1, 8), np.int8, scale=0.04, zero_point=2)
    c = b.tensor("c", (1, 8), np.int8, scale=0.03, zero_point=-5)
    s = b.tensor("sum", (1, 8), np.int8, scale=0.07, zero_point=1)
    p = b.tensor("prod", (1, 8), np.int8, scale=0.02, zero_point=-1)
    b.op("ADD", [a, c], [s])
    b.op("MUL", [a, c], [p])
    b.inputs([a, c])
    b.outputs([s, p])
    out["t_two"] = b.build()

    b = ModelBuilder("tinyml device test: unsupported operators")
    a = b.tensor("a", (1, 4), np.int8, scale=0.1, zero_point=0)
    c = b.tensor("c", (1, 4), np.int8, scale=0.1, zero_point=0)
    d = b.tensor("d", (1, 4), np.int8, scale=0.1, zero_point=0)
    e = b.tensor("e", (1, 4), np.int8, scale=0.1, zero_point=0)
    b.op("ADD", [a, c], [d])
    b.op("LOCAL_RESPONSE_NORMALIZATION", [d], [e])
    f = b.tensor("f", (1, 4), np.int8, scale=0.1, zero_point=0)
    b.op("CUSTOM", [e], [f], custom_code="TinymlNoSuchOp")
    b.inputs([a, c])
    b.outputs([f])
    out["t_unsup"] = b.build()

    # 3 x 16 MiB activations: more than any board's heap
    b = ModelBuilder("tinyml device test: huge arena")
    shape = (1, 4096, 4096, 1)
    a = b.tensor("a", shape, np.int8, scale=0.1, zero_point=0)
    c = b.tensor("c", shape, np.int8, scale=0.1, zero_point=0)
    d = b.tensor("d", shape, np.int8, scale=0.1, zero_point=0)
    b.op("ADD", [a, c], [d])
    b.inputs([a, c])
    b.outputs([d])
    out["t_huge"] = b.build()
    return out


def bad_models(good: bytes) -> dict[str, bytes]:
    bad_id = bytearray(good)
    bad_id[4:8] = b"XXXX"
    return {
        "bad_empty": b"",
        "bad_trunc": good[:60],
        "bad_ident": bytes(bad_id),
        "bad_junk": bytes(np.random.default_rng(3).integers(0, 256, 200, dtype=np.uint8)),
    }


def _io_info(core, data: bytes):
    m = core.Model(data)
    try:
        return ([(np.dtype(t.dtype), t.shape, t.scale, t.zero_point) for t in m.inputs],
                [(np.dtype(t.dtype), t.shape) for t in m.outputs], m.ops, m.op_macs, m.weights_size,
                any(p.kind == "stage" for p in m.plans))
    finally:
        m.close()


def _random_input(rng: np.random.Generator, dtype: np.dtype, shape: tuple[int, ...]) -> np.ndarray:
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max + 1, shape, dtype=dtype)


def _float_values(rng: np.random.Generator, q: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """float32 real values that quantize back to q exactly (a quarter step from any rounding edge)."""
    u = rng.uniform(-0.25, 0.25, q.shape)
    vals = ((q.astype(np.float64) - zero_point + u) * scale).astype(np.float32)
    back = np.round(vals.astype(np.float32) / np.float32(scale)).astype(np.int64) + zero_point
    assert (back == q).all()
    return vals


def model_entry(name: str, data: bytes, core, run_tflm, dest: Path, cases: int = CASES, floats: bool = True) -> dict:
    """Write <name>.io (`cases` cases, expected outputs, then, with `floats`, case 0's float inputs) and
    return the manifest entry."""
    ins, outs, ops, macs, weights, stage = _io_info(core, data)
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    raw = bytearray()
    first: list[np.ndarray] = []
    for case in range(cases):
        xs = [_random_input(rng, dt, shape) for dt, shape, _, _ in ins]
        ys = run_tflm(data, xs)
        for a in (*xs, *ys):
            raw += np.ascontiguousarray(a).tobytes()
        if case == 0:
            first = xs
    for x, (_, _, scale, zp) in zip(first if floats else [], ins):
        raw += _float_values(rng, x, scale, zp).astype("<f4").tobytes()
    (dest / f"{name}.io").write_bytes(bytes(raw))
    return {
        "name": name,
        "file": f"{name}.tflite",
        "size": len(data),
        "cases": cases,
        "in_bytes": [int(np.prod(shape)) * dt.itemsize for dt, shape, _, _ in ins],
        "in_count": [int(np.prod(shape)) for _, shape, _, _ in ins],
        "out_bytes": [int(np.prod(shape)) * dt.itemsize for dt, shape in outs],
        "in_shape": [list(shape) for _, shape, _, _ in ins],
        "out_shape": [list(shape) for _, shape in outs],
        "ops": ops,
        "macs": macs,
        "weights": weights,
        "stage": stage,  # the planner runs a stage band by band (host core, ref)
    }


def shared_model_paths() -> list[Path]:
    return sorted(SHARED_MODELS.glob("*.tflite"))


def build(dest: Path, shared: list[Path] | None = None, board: dict[str, Any] | None = None,
          left_out: dict[str, str] | None = None) -> dict[str, Path]:
    """Write the test data into dest; `shared`: the shared models to include (default: all), of which
    only those fitting_models() keeps when `board` (its board.json) is given (`left_out` gets why the
    others are not). Returns the files a device needs, name -> host path (shared models are not copied)."""
    shared = shared_model_paths() if shared is None else shared
    if board is not None:
        shared = fitting_models(board, shared, left_out)
    return _build(dest, shared)


def _fs_bytes(size: int, block: int) -> int:
    """Room a file takes on the board's filesystem: whole blocks, at least one."""
    return max(1, -(-size // block)) * block


def fitting_models(board: dict[str, Any], shared: list[Path], left_out: dict[str, str] | None = None) -> list[Path]:
    """The shared models a board runs the device tests with, by its board.json figures, smallest first:
    each must fit its GC heap when loaded from a file (tinyml_tools.boards.fit: file + arena + metadata,
    as the host core measures them for the board's backend, within heap_bytes less the interpreter's
    reserve), and all of them its filesystem (fs_bytes when given; files in whole fs_block_bytes blocks,
    default 4 KiB) together with the rest of the test data and FS_RESERVE_BLOCKS free blocks. `left_out`
    gets, for each model not kept, why."""
    from tinyml_tools import boards

    core = _core()
    if core is None:
        raise RuntimeError("the host core library is not built (make host-lib): cannot describe the test models")
    backend = board.get("backend", "ref") if board.get("backend") in core.backends() else "ref"
    block = int(board.get("fs_block_bytes") or 4096)
    with tempfile.TemporaryDirectory() as tmp:
        files = _build(Path(tmp), shared)
        sizes = {name: path.stat().st_size for name, path in files.items()}
        manifest = json.loads((Path(tmp) / "manifest.json").read_text())
    sizes["target.json"] = 256  # written by the test runner

    def fs_needed(models: list[Path]) -> int:
        dropped = {p.stem for p in shared} - {p.stem for p in models}
        files = {name: n for name, n in sizes.items() if name.rpartition(".")[0] not in dropped}
        files["manifest.json"] = len(json.dumps(
            dict(manifest, models=[m for m in manifest["models"] if m["name"] not in dropped]), indent=1))
        return sum(_fs_bytes(n, block) for n in files.values()) + FS_RESERVE_BLOCKS * block

    keep: list[Path] = []
    for path in sorted(shared, key=lambda p: p.stat().st_size):
        data = path.read_bytes()
        m = core.Model(data, backend=backend, inspect=True)
        try:
            fit = boards.fit(board, len(data), m.arena_size, m.persistent_size)
        finally:
            m.close()
        if fit.verdict != "ram":
            why = f"needs {fit.ram_needed_file:,} B of RAM from a file ({board['heap_bytes']:,} B heap)"
        elif board.get("fs_bytes") is not None and fs_needed([*keep, path]) > board["fs_bytes"]:
            why = f"the test data with it would take {fs_needed([*keep, path]):,} B of a {board['fs_bytes']:,} B filesystem"
        else:
            keep.append(path)
            continue
        if left_out is not None:
            left_out[path.stem] = why
    return [p for p in shared if p in keep]


def _build(dest: Path, shared: list[Path]) -> dict[str, Path]:
    core = _core()
    if core is None:
        raise RuntimeError("the host core library is not built (make host-lib): cannot describe the test models")
    run_tflm = _tflm_runner()
    dest.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    synth = synthetic_models()
    models = []
    for name in ("t_fc", "t_two"):
        (dest / f"{name}.tflite").write_bytes(synth[name])
        models.append(model_entry(name, synth[name], core, run_tflm, dest))
    for path in shared:
        models.append(model_entry(path.stem, path.read_bytes(), core, run_tflm, dest))
        files[path.name] = path
    soak = None
    if SOAK_MODEL.exists():
        soak = model_entry(SOAK_MODEL.stem, SOAK_MODEL.read_bytes(), core, run_tflm, dest)
        files[SOAK_MODEL.name] = SOAK_MODEL
    bad = []
    for name, data in {**bad_models(synth["t_fc"]), "t_unsup": synth["t_unsup"]}.items():
        try:
            core.Model(data).close()
            msg = None
        except core.CoreError as e:
            msg = e.message
        assert msg, f"{name}: the host core accepted it"
        (dest / f"{name}.tflite").write_bytes(data)
        bad.append({"file": f"{name}.tflite", "msg": msg})
    (dest / "t_huge.tflite").write_bytes(synth["t_huge"])
    huge = core.Model(synth["t_huge"], inspect=True)
    manifest = {
        "models": models,
        "bad": bad,
        "huge": {"file": "t_huge.tflite", "arena": huge.arena_size},
        "supported_ops": core.supported_ops(),
        "version": _version(),
        "soak": soak,
    }
    huge.close()
    (dest / "manifest.json").write_text(json.dumps(manifest, indent=1))
    for f in dest.iterdir():
        files.setdefault(f.name, f)
    files["dtest.py"] = DEVICE_DIR / "dtest.py"
    return files


def _version() -> str:
    for line in (ROOT / "usermod" / "tinyml" / "core" / "tml_core.h").read_text().splitlines():
        if line.startswith("#define TML_VERSION"):
            return line.split('"')[1]
    return ""


def expected_model_checks(manifest: dict) -> int:
    """How many checks tests/device/t_models.py runs (passed + skipped) for this manifest."""
    return sum(m["cases"] + PER_MODEL_CHECKS for m in manifest["models"])


# t_models.py: per model, besides one check per case
PER_MODEL_CHECKS = 11
