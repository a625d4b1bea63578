"""Shared test helpers: load the tinyml core wrapper, compare against TFLM."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SHARED_MODELS = ROOT.parent / "shared" / "models"


def run_c_check(tmp_path: Path, source: str, arg: str, extra: Sequence[Path] = ()) -> str:
    """Build tests/host/c/SOURCE (with the kernels' headers and EXTRA sources) and run it with ARG; its
    stdout. Skips without a C compiler."""
    import pytest

    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        pytest.skip("no C compiler")
    kernels = ROOT / "usermod" / "tinyml" / "kernels"
    exe = tmp_path / "check"
    subprocess.run([cc, "-O2", "-std=c99", "-Wall", "-Werror", f"-I{kernels}", "-o", str(exe),
                    str(Path(__file__).parent / "c" / source), *map(str, extra), "-lm"], check=True)
    r = subprocess.run([str(exe), arg], capture_output=True, text=True, check=False)
    return r.stdout if r.returncode == 0 else f"exit status {r.returncode}: {r.stdout}"


def core_module() -> Any:
    """The tinyml_tools.core wrapper module (host_tools is on sys.path via conftest)."""
    from tinyml_tools import core

    return core


def core_backends() -> list[str]:
    """Backends whose host library file exists; a library that fails to load fails the tests."""
    return list(core_module().backends())


def _dep_dir(var: str, name: str) -> Path:
    """Where `make host-lib` takes a dependency from (<VAR>_DIR, else the pinned copy in the dependency cache)."""
    if os.environ.get(f"{var}_DIR"):
        return Path(os.environ[f"{var}_DIR"])
    versions = (ROOT / "firmware" / "versions.mk").read_text()
    version = next(ln.split(":=")[1].strip() for ln in versions.splitlines() if ln.startswith(f"{var}_VERSION"))
    return Path(os.environ.get("TINYML_DEPS") or Path.home() / ".cache" / "tinyml") / f"{name}-{version}"


def cmsis_nn_dir() -> Path:
    """Where `make host-lib` takes CMSIS-NN from (CMSIS_NN_DIR, else the pinned copy in the dependency cache)."""
    return _dep_dir("CMSIS_NN", "CMSIS-NN")


def esp_nn_dir() -> Path:
    """Where `make host-lib` takes ESP-NN from (ESP_NN_DIR, else the pinned copy in the dependency cache)."""
    return _dep_dir("ESP_NN", "esp-nn")


def esp_nn_missing() -> str | None:
    """Why the esp-nn backends (esp-nn, esp-nn-ansi) cannot be built here (one line), or None."""
    esp = esp_nn_dir()
    if (esp / "include" / "esp_nn.h").exists():
        return None
    return f"backend esp-nn: ESP-NN is not in {esp} (run 'make deps'), so 'make host-lib' cannot build it"


def expected_backends() -> dict[str, str | None]:
    """Every backend the host tests run on -> None where its library must be there (`make host-lib` builds
    it), or why it cannot be (one line): ref always; cmsis-nn, and armv6m (cmsis-nn with the ARMv6-M
    kernels forced on, as the RP2040 runs them) and dsp (cmsis-nn with the DSP kernels forced on, as the
    Cortex-M4/M7 run them), where CMSIS-NN is in the dependency cache; esp-nn (ESP-NN's
    generic optimisations) and esp-nn-ansi (its ANSI C) where ESP-NN is."""
    cmsis = cmsis_nn_dir()
    have_cmsis = (cmsis / "Include" / "arm_nnfunctions.h").exists()
    no_cmsis = f"CMSIS-NN is not in {cmsis} (run 'make deps'), so 'make host-lib' cannot build it"
    return {"ref": None,
            "cmsis-nn": None if have_cmsis else f"backend cmsis-nn: {no_cmsis}",
            "armv6m": None if have_cmsis else f"backend armv6m: {no_cmsis}",
            "dsp": None if have_cmsis else f"backend dsp: {no_cmsis}",
            "esp-nn": esp_nn_missing(), "esp-nn-ansi": esp_nn_missing()}


def sanitizer_lib() -> str | None:
    """TINYML_LIB: path of a (sanitizer) build the wrapper should load instead."""
    return os.environ.get("TINYML_LIB") or None


def seed_of(name: str) -> int:
    return zlib.crc32(name.encode())


def describe_diff(ref: np.ndarray, got: np.ndarray) -> str:
    r = np.frombuffer(np.ascontiguousarray(ref).tobytes(), np.uint8)
    g = np.frombuffer(np.ascontiguousarray(got).tobytes(), np.uint8)
    if r.size != g.size:
        return (f"size differs: reference {ref.shape} {ref.dtype} ({r.size} B),"
                f" core {got.shape} {got.dtype} ({g.size} B)")
    nbytes = int(np.count_nonzero(r != g))
    if ref.dtype == got.dtype and ref.dtype.kind in "iuf":
        diff = np.abs(ref.astype(np.float64) - got.astype(np.float64).reshape(ref.shape))
        return f"max abs diff {diff.max():g}, {nbytes} of {r.size} bytes differ"
    return f"{nbytes} of {r.size} bytes differ"


def assert_same_outputs(refs: Sequence[np.ndarray], gots: Sequence[np.ndarray], what: str) -> None:
    assert len(gots) == len(refs), f"{what}: {len(gots)} outputs, reference has {len(refs)}"
    for i, (ref, got) in enumerate(zip(refs, gots, strict=True)):
        got = np.asarray(got)
        same = got.dtype == ref.dtype and got.tobytes() == ref.tobytes()
        assert same, f"{what}: output {i} differs from TFLM: {describe_diff(ref, got)}"
        assert tuple(got.shape) == tuple(ref.shape), f"{what}: output {i} shape {got.shape}, TFLM {ref.shape}"


def assert_spread(ref: np.ndarray, what: str) -> None:
    """The reference output must not be (nearly) constant or all saturated."""
    flat = np.asarray(ref).reshape(-1)
    if flat.dtype.kind == "f":
        assert np.unique(flat).size >= min(4, flat.size), f"{what}: reference output nearly constant"
        return
    need = max(2, min(10, flat.size // 3))
    uniq, counts = np.unique(flat, return_counts=True)
    assert uniq.size >= need, f"{what}: reference output has {uniq.size} distinct values (< {need}): {uniq}"
    mode = uniq[counts.argmax()]
    assert counts.max() <= 0.75 * flat.size, f"{what}: {counts.max()} of {flat.size} outputs equal {mode}"
    top = np.count_nonzero(flat == np.iinfo(flat.dtype).max)
    assert top <= 0.4 * flat.size, f"{what}: {top} of {flat.size} outputs saturated high"


# ---- inputs that make a model's outputs vary, and the check that they do ------------------------------
# Uniform random bytes leave some models' outputs (nearly) constant: such a case cannot catch an error
# in the layers before. For these, the quantized input values are drawn from a normal distribution
# (mean, standard deviation, in the input's integer units, clipped to its type) chosen per model:
MODEL_INPUTS: dict[str, tuple[float, float, str]] = {
    "kws_ref_model.tflite": (0.0, 5.0, ("MFCC-like features around 0 (the input zero point is 83): uniform bytes "
                                        "saturate the softmax, 86% of the output bytes -128")),
    "micro_speech_lstm__micro_speech_lstm.tflite": (
        -128.0, 20.0, ("a spectrogram's magnitudes, mostly near zero energy (the input zero point, -128): uniform "
                       "bytes give the same answer for 7 of 8 inputs")),
}
# Models whose outputs are the same for every input, by construction; the test checks that they stay so.
CONSTANT_OUTPUTS: dict[str, str] = {
    "keyword_scrambled.tflite": "its scrambled weights saturate every SVDF (even zero input gives +-128, and output "
                                "scales multiplied by 2**24 still do): output [16384, 16384] for any input",
    "keyword_scrambled_8bit.tflite": "likewise: every SVDF saturated for any input, output [0, 32767]",
}


def model_input(rng: np.random.Generator, name: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """One input of model file `name`: MODEL_INPUTS' distribution for it, else uniform over the integer type
    (standard normal for float32)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return rng.normal(0.0, 1.0, shape).astype(dtype)
    info = np.iinfo(dtype)
    if name in MODEL_INPUTS:
        mean, std, _ = MODEL_INPUTS[name]
        return np.clip(np.round(rng.normal(mean, std, shape)), info.min, info.max).astype(dtype)
    return rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)


def logits_tensor(data: bytes) -> int | None:
    """The input tensor of the model's last operator when it is a SOFTMAX (the scores it normalizes: a
    saturated softmax hides them), else None."""
    import tflite

    m = tflite.Model.GetRootAs(data, 0)
    sg = m.Subgraphs(0)
    if not sg.OperatorsLength():
        return None
    op = sg.Operators(sg.OperatorsLength() - 1)
    code = m.OperatorCodes(op.OpcodeIndex())
    if max(code.BuiltinCode(), code.DeprecatedBuiltinCode()) != tflite.BuiltinOperator.SOFTMAX:
        return None
    return int(op.Inputs(0))


def assert_outputs_vary(name: str, runs: Sequence[Sequence[np.ndarray]], what: str) -> str:
    """runs: the reference outputs for each input. Each output must differ between at least half of the
    inputs (distinct vectors), unless the model is in CONSTANT_OUTPUTS (then every output must be the same
    for all inputs). Returns a one-line summary of the spread."""
    n = len(runs)
    parts = []
    for k in range(len(runs[0])):
        rows = np.stack([np.ascontiguousarray(r[k]).reshape(-1) for r in runs])
        distinct = len({row.tobytes() for row in rows})
        values, counts = np.unique(rows, return_counts=True)
        parts.append(f"output {k}: {distinct} of {n} inputs distinct, {values.size} values, "
                     f"most common {counts.max() / rows.size:.0%}")
        if name in CONSTANT_OUTPUTS:
            assert distinct == 1, f"{what}: listed as constant ({CONSTANT_OUTPUTS[name]}) but output {k} varies"
        else:
            assert distinct >= max(2, -(-n // 2)), \
                f"{what}: output {k} is the same for {n - distinct + 1} of {n} inputs: {parts[-1]}"
    return "; ".join(parts)


# ---- the planner's alternatives, forced (tml_core.h TML_LOAD_*) ---------------------------------------
# The planner places outputs over their dying inputs and runs the high-resolution stage band by band only
# where that lowers the arena, which a one-op test model rarely needs. The tests force each alternative
# (and turn both off) so that every operator that can run so is checked byte-equal that way too.
ROW_OPS = {"CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "MAX_POOL_2D"}


# The convolutions' multipliers and shifts (TML_LOAD_QUANT_*): kept in the plain and "both" variants, computed in
# each eval in the in-place and stage ones (the executors' per-eval areas) and in "quant" (the op's scratch).


def plan_variants() -> dict[str, int]:
    core = core_module()
    plain = core.LOAD_NO_INPLACE | core.LOAD_NO_PATCHES
    return {"none": plain | core.LOAD_QUANT_KEEP, "inplace": core.LOAD_FORCE_INPLACE | core.LOAD_QUANT_PER_CALL,
            "patches": core.LOAD_FORCE_PATCHES | core.LOAD_QUANT_PER_CALL,
            "both": core.LOAD_FORCE_INPLACE | core.LOAD_FORCE_PATCHES | core.LOAD_QUANT_KEEP,
            "quant": plain | core.LOAD_QUANT_PER_CALL}


def assert_same_in_every_plan(data: bytes, inputs: Sequence[np.ndarray], refs: Sequence[np.ndarray], backend: str,
                              what: str) -> dict[str, Any]:
    """The model's outputs under each forced plan equal refs; returns each variant's core.Model (loaded)."""
    core = core_module()
    models = {}
    for name, flags in plan_variants().items():
        model = core.Model(data, backend=backend, flags=flags)
        assert_same_outputs(refs, model.invoke(*inputs), f"{what} [{name} plan]")
        models[name] = model
    return models


def expect_row_plans(model: Any, models: dict[str, Any], what: str) -> None:
    """A one-op model of a row-local int8 operator with a 4-D batch-1 output of 2 or more rows must have run
    in place when forced, and as a stage when forced (so that the checks above did run those paths)."""
    if len(model.ops) != 1 or model.ops[0] not in ROW_OPS:
        return
    out = model.outputs[0]
    info = model.op_info(0)
    x = model.tensor(info.inputs[0])
    if x.dtype != "int8" or len(out.shape) != 4 or out.shape[0] != 1 or out.shape[1] < 2:
        return
    kinds = {name: [p.kind for p in m.plans] for name, m in models.items()}
    assert "inplace" in kinds["inplace"], f"{what}: forced in place, but the plan has {kinds['inplace']}"
    assert "stage" in kinds["patches"], f"{what}: forced patches, but the plan has {kinds['patches']}"
    assert kinds["none"] == [], f"{what}: in place and patches off, but the plan has {kinds['none']}"


def assert_sequence_in_every_plan(data: bytes, seq: Sequence[tuple[Sequence[np.ndarray], Sequence[np.ndarray]]],
                                  backend: str, what: str, compare: Any = None) -> None:
    """Each forced plan, fresh, given the inputs of seq in order (state carries, as in the reference run),
    gives its outputs: compare(refs, outs, what) (default: byte-equal)."""
    core = core_module()
    check = compare or assert_same_outputs
    for name, flags in plan_variants().items():
        model = core.Model(data, backend=backend, flags=flags)
        for i, (inputs, refs) in enumerate(seq):
            check(refs, model.invoke(*inputs), f"{what} [{name} plan] input #{i}")


def quantize_multiplier(x: float) -> tuple[int, int]:
    """TFLM's QuantizeMultiplier (double x > 0): (multiplier in [2^30, 2^31), shift), (0, 0) below 2^-31."""
    q, shift = math.frexp(x)
    m = math.floor(q * 2.0**31 + 0.5)
    if m == 2**31:
        m //= 2
        shift += 1
    return (0, 0) if shift < -31 else (m, shift)


def dsp_add_ok(s1: float, zp1: int, s2: float, zp2: int, s_out: float, zp_out: int) -> bool:
    """kernels/dsp's ADD rule (tml_dsp_add_ok) for an int8 ADD of equal shapes with these (float32) scales and
    zero points: int8 input zero points, input shifts in [-30, 0] and the output's within 30, the bound on the
    requantized inputs' sum below 2^28, and the output zero point foldable into the output's rounding constant;
    the multipliers as the core computes them (double, left shift 20)."""
    s1, s2, s_out = (float(np.float32(v)) for v in (s1, s2, s_out))
    twice = 2.0 * max(s1, s2)
    (m1, sh1), (m2, sh2) = quantize_multiplier(s1 / twice), quantize_multiplier(s2 / twice)
    _, sho = quantize_multiplier(twice / (2.0**20 * s_out))
    if not (-128 <= zp1 <= 127 and -128 <= zp2 <= 127) or not (-30 <= sh1 <= 0 and -30 <= sh2 <= 0):
        return False
    if not -30 <= sho <= 30:
        return False

    def bound(m: int, sh: int) -> int:
        return ((((255 << 20) * m >> 31) + 1) >> -sh) + 1

    right = max(-sho, 0)
    return (bound(m1, sh1) + bound(m2, sh2)) << max(sho, 0) < 2**28 and \
        (abs(zp_out) << (right + 1)) + 2**29 + 2**right < 2**31
