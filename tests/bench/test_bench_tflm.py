"""Smoke test of `make bench-tflm`: TFLM and our core as bare-metal programs on one QEMU board.

Builds the two programs (tests/bench/tflm/build.mk) with one small shared model compiled
in, runs both under QEMU -icount shift=0 and checks that each reports a positive
instruction count per inference and that the two produce the same output bytes.
A second model, a per-op case of tests/host/test_ops.py (a 7x7 depthwise convolution
of 96 channels on a 3x3 map), checks the CMSIS-NN backend's load-time choice on the
M7: CMSIS-NN's optimized kernel would take a 9,408-byte scratch buffer (96 x 7 x 7
int16), which TFLM's arena holds; ours runs arm_depthwise_conv_s8 there, with no
buffer, so its arena is the two tensors (1,728 bytes), and the outputs are equal.
Skips (one line) without the TFLM sources (firmware/deps.sh tflm), the shared models,
the Arm toolchain or QEMU.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "host"))
from bench_tflm import run_elf  # after the sys.path setup

BOARD = "MPS2_AN500"
MODEL = ROOT.parent / "shared" / "models" / "micro_speech_quantized.tflite"
DW_CASE = "dwconv/late_m1_k7x7_s1_SAME_pc_c96"
DW_BUFFER = 96 * 7 * 7 * 2  # arm_depthwise_conv_s8_opt_get_buffer_size with the DSP extension


def test_bench_tflm_smoke() -> None:
    for tool in ("arm-none-eabi-g++", "qemu-system-arm", "make"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not found")
    if not MODEL.exists():
        pytest.skip(f"shared model {MODEL.name} not found (../shared/models)")
    check = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "bench-tflm-check", f"BOARD={BOARD}"],
                           capture_output=True, text=True, check=False)
    if check.returncode != 0:
        why = [line for line in (check.stdout + check.stderr).splitlines() if line.startswith("bench-tflm:")]
        pytest.skip(why[0] if why else "make bench-tflm-check failed")
    import test_ops  # tests/host: the per-op models (numpy, the builder)

    dw = ROOT / "build" / "bench-models" / "dw_late_c96.tflite"
    dw.parent.mkdir(parents=True, exist_ok=True)
    dw.write_bytes(test_ops.reference(DW_CASE)[0])
    args = [f"BOARD={BOARD}", f"BENCH_TFLM_MODELS={MODEL} {dw}", "BENCH_TFLM_TAG=smoke", "BT_DEBUG="]
    build = subprocess.run(["make", "--no-print-directory", "-j2", "-C", str(ROOT), "bench-tflm-elf", *args],
                           capture_output=True, text=True, check=False, timeout=1200)
    assert build.returncode == 0, (build.stdout + build.stderr)[-3000:]
    out = ROOT / "build" / "bench-tflm" / BOARD / "smoke"
    tflm = run_elf(BOARD, out / "tflm.elf", timeout=300)
    ours = run_elf(BOARD, out / "ours.elf", timeout=300)
    assert [d["model"] for d in tflm] == [d["model"] for d in ours] == [MODEL.stem, dw.stem]
    t, o = tflm[1], ours[1]
    assert "error" not in t and "error" not in o, (t.get("error"), o.get("error"))
    assert t["out"] and o["out"] == t["out"]
    assert t["arena"] > DW_BUFFER, t["arena"]  # TFLM runs the optimized kernel, with its buffer
    assert o["arena"] == 2 * 3 * 3 * 96, o["arena"]  # ours: input and output only
    t, o = tflm[0], ours[0]
    assert "error" not in t and "error" not in o, (t.get("error"), o.get("error"))
    assert t["instr"] > 0 and o["instr"] > 0
    assert [op[0] for op in t["ops"]] == [op[0] for op in o["ops"]]
    assert sum(op[1] for op in o["ops"]) > 0  # MACs
    assert t["out"] and o["out"] == t["out"]
    assert t["arena"] > 0 and o["arena"] > 0
    # the 32-bit build's metadata by category sums to its persistent bytes
    assert sum(o["meta"].values()) == o["persistent"] > 0 and o["meta"]["ops"] > 0, o["meta"]
    # with its flash metadata blob (embedded beside it): used, the same outputs, its arrays out of RAM
    f = o["fm"]
    assert f["status"] == "used" and f["out"] == o["out"], f
    assert f["flash"] > 0 and f["blob"] > f["flash"], f
    # nothing more in RAM, no multipliers computed per call (the default does for its convolution)
    assert f["persistent"] <= o["persistent"] and f["arena"] <= o["arena"] and f["total"] <= o["total"], (f, o)
