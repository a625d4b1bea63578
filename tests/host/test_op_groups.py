"""Leaving operator groups out of a build (-DTML_OPS_<GROUP>=0, the firmware's TINYML_OPS_EXCLUDE):
the core builds without them, refuses their operators by name, and still runs everything else."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from harness import ROOT, SHARED_MODELS

GROUPS = ("INT16", "FLOAT", "MATH", "DATA", "RNN", "SIGNAL", "INT4")
BUILD = ROOT / "build" / "opgroups"


def core_sources() -> list[str]:
    """TML_SRC_REF from core.mk, as the firmware's CMake build reads it."""
    out = subprocess.run(["make", "--no-print-directory", "-s", "-f", str(ROOT / "usermod" / "tinyml" / "core.mk"),
                          f"ROOT={ROOT}", "--eval=tml-print: ; @echo $(TML_SRC_REF) $(TML_HOST_SRC)", "tml-print"],
                         capture_output=True, text=True, check=True).stdout
    return out.split()


@pytest.fixture(scope="module")
def minimal_lib() -> Path:
    BUILD.mkdir(parents=True, exist_ok=True)
    lib = BUILD / "libtinyml-minimal.so"
    flags = [f"-DTML_OPS_{g}=0" for g in GROUPS]
    r = subprocess.run(["gcc", "-std=c99", "-O1", "-fPIC", "-shared", "-Wall", "-Wextra", "-Werror", "-fwrapv",
                        "-ffp-contract=off", *flags, "-o", str(lib), *core_sources(), "-lm"],
                       capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr[-3000:]
    return lib


def run_with(lib: Path, code: str) -> dict:
    env = dict(os.environ, TINYML_LIB=str(lib), PYTHONPATH=os.pathsep.join([str(ROOT / "host_tools"),
                                                                              str(ROOT / "tests" / "host")]))
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True,
                       check=False, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_minimal_build_keeps_the_first_release_ops(minimal_lib: Path) -> None:
    res = run_with(minimal_lib, """
        import json
        from tinyml_tools import core
        print(json.dumps(core.supported_ops("ref")))
    """)
    ops = set(res)
    assert {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "SOFTMAX", "ADD", "MUL", "MEAN",
            "UNIDIRECTIONAL_SEQUENCE_LSTM", "QUANTIZE", "DEQUANTIZE", "RESHAPE", "PAD"} <= ops
    assert not ops & {"SUB", "TRANSPOSE", "STRIDED_SLICE", "SVDF", "SignalWindow", "EXP"}, sorted(ops)


def test_minimal_build_refuses_excluded_ops_by_name(minimal_lib: Path) -> None:
    res = run_with(minimal_lib, """
        import json
        import numpy as np
        from tflite_builder import ModelBuilder
        from tinyml_tools import core
        out = {}
        for name, dtype in (("ADD", np.int16), ("ADD", np.float32), ("SUB", np.int8)):
            b = ModelBuilder()
            q = {} if dtype == np.float32 else {"scale": 0.1, "zero_point": 0}
            x = b.tensor("x", (1, 8), dtype, **q)
            y = b.tensor("y", (1, 8), dtype, **q)
            z = b.tensor("z", (1, 8), dtype, **q)
            b.op(name, [x, y], [z])
            b.inputs([x, y])
            b.outputs([z])
            try:
                core.Model(b.build(), backend="ref")
                out[f"{name} {np.dtype(dtype).name}"] = "loaded"
            except core.CoreError as e:
                out[f"{name} {np.dtype(dtype).name}"] = e.message
        b = ModelBuilder()
        x = b.tensor("x", (16,), np.int16)
        w = b.const("w", np.full(16, 4096, np.int16))
        y = b.tensor("y", (16,), np.int16)
        b.op("CUSTOM", [x, w], [y], custom_code="SignalWindow", custom_options={"shift": 12})
        b.inputs([x])
        b.outputs([y])
        try:
            core.Model(b.build(), backend="ref")
            out["SignalWindow"] = "loaded"
        except core.CoreError as e:
            out["SignalWindow"] = e.message
        import test_ops_int4
        for name in ("conv4/k3x3_c16x8_VALID", "dw4/m1_k3x3_nobias", "fc4/in5x33_u3"):
            data, _ = test_ops_int4.CASES[name](np.random.default_rng(0))
            try:
                core.Model(data, backend="ref")
                out[name] = "loaded"
            except core.CoreError as e:
                out[name] = e.message
        print(json.dumps(out))
    """)
    assert "unsupported operators: ADD for int16 input (runs int8)" in res["ADD int16"]
    assert "unsupported operators: ADD for float32 input (runs int8)" in res["ADD float32"]
    assert "unsupported operators: SUB (operator 0)" in res["SUB int8"]
    assert "unsupported operators: CUSTOM 'SignalWindow' (operator 0)" in res["SignalWindow"]
    for name, op in (("conv4/k3x3_c16x8_VALID", "CONV_2D"), ("dw4/m1_k3x3_nobias", "DEPTHWISE_CONV_2D"),
                     ("fc4/in5x33_u3", "FULLY_CONNECTED")):
        assert res[name] == (f"operator 0 '{op}': filter has type int4; this build leaves int4 weights out "
                             "(TINYML_OPS_EXCLUDE=int4)"), res[name]


@pytest.mark.skipif(not SHARED_MODELS.is_dir(), reason=f"reference models folder {SHARED_MODELS} is absent")
def test_minimal_build_runs_the_mlperf_models_as_the_full_one(minimal_lib: Path) -> None:
    """Outputs of the minimal build on every shared model equal the full build's."""
    res = run_with(minimal_lib, f"""
        import glob, json, zlib
        import numpy as np
        from tinyml_tools import core
        out = {{}}
        for p in sorted(glob.glob({str(SHARED_MODELS / '*.tflite')!r})):
            m = core.Model(open(p, 'rb').read(), backend="ref")
            rng = np.random.default_rng(5)
            xs = [rng.integers(-128, 128, t.shape, dtype=np.int8) for t in m.inputs]
            out[p] = zlib.crc32(b"".join(y.tobytes() for y in m.invoke(*xs)))
        print(json.dumps(out))
    """)
    import zlib

    import numpy as np
    from tinyml_tools import core

    assert len(res) == len(list(SHARED_MODELS.glob("*.tflite")))
    for path, crc in res.items():
        m = core.Model(Path(path).read_bytes(), backend="ref")
        rng = np.random.default_rng(5)
        xs = [rng.integers(-128, 128, t.shape, dtype=np.int8) for t in m.inputs]
        assert zlib.crc32(b"".join(y.tobytes() for y in m.invoke(*xs))) == crc, path
