"""Smoke test of `make bench-tflm`: TFLM and our core as bare-metal programs on one QEMU board.

Builds the two programs (tests/bench/tflm/build.mk) with three models compiled in (TFLM's
LSTM keyword model, which broke the table before issue 16's fix, micro_speech and a per-op
case), runs both under QEMU -icount shift=0 and checks that each reports a positive
instruction count per inference and that the two produce the same output bytes for all.
The per-op case of tests/host/test_ops.py (a 7x7 depthwise convolution of 96 channels on
a 3x3 map) checks the CMSIS-NN backend's load-time choice on the M7: CMSIS-NN's optimized
kernel would take a 9,408-byte scratch buffer (96 x 7 x 7 int16), which TFLM's arena
holds; ours runs arm_depthwise_conv_s8 there, with no buffer, so its arena is the two
tensors (1,728 bytes). Skips (one line) without the TFLM sources (firmware/deps.sh tflm),
the shared models, the Arm toolchain or QEMU.
The other tests need neither QEMU nor a build: an error or fault in one model is reported
in its row and the others still run (bench_tflm.parse_output, the tables), and the TFLM
program registers every builtin op TFLM has (tflm_main.cc against TFLM's resolver header).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "host"))
from bench_tflm import parse_output, run_elf, tables  # after the sys.path setup

BOARD = "MPS2_AN500"
MODEL = ROOT.parent / "shared" / "models" / "micro_speech_quantized.tflite"
# UNIDIRECTIONAL_SEQUENCE_LSTM: TFLM's resolver lacked it (issue 16), which broke the table
LSTM = ROOT.parent / "shared" / "models" / "tflm" / "micro_speech_lstm__micro_speech_lstm.tflite"
DW_CASE = "dwconv/late_m1_k7x7_s1_SAME_pc_c96"
DW_BUFFER = 96 * 7 * 7 * 2  # arm_depthwise_conv_s8_opt_get_buffer_size with the DSP extension
TFLM_DIR = Path(os.environ.get("TINYML_DEPS", Path.home() / ".cache" / "tinyml"))

# What the TFLM program prints when its first model fails and the second one faults (one boot
# each, as run_elf boots it again after an error), the text TFLM logged inside the first line
# as it was before issue 16's fix.
FAILED_BOOT = """{"models": 3}
{"start": 0, "model": "lstm"}
{"impl": "tflm", "model": "lstm", "clock": 25000000Didn't find op for builtin opcode 'UNIDIRECTIONAL_SEQUENCE_LSTM'
, "error": "AllocateTensors failed"}
"""
FAULT_BOOT = """{"models": 3}
{"start": 1, "model": "pad"}
{"impl": "tflm", "model": "pad", "clock": 25000000, "total": 10, "ops": [["PAD", 0, 
{"fault": 1}
"""
GOOD_BOOT = """{"models": 3}
{"start": 2, "model": "ok"}
{"impl": "tflm", "model": "ok", "clock": 25000000, "total": 100, "arena": 64, "ops": [["ADD", 0, 90]], "out": "01"}
{"done": 1}
"""


def test_parse_output_reports_each_failure_in_its_row() -> None:
    first = parse_output(FAILED_BOOT)
    assert first["models"] == 3 and first["last"] == 0 and not first["done"]
    [row] = first["rows"]
    assert row["model"] == "lstm" and "no result line" in row["error"] and "UNIDIRECTIONAL_SEQUENCE_LSTM" in row["error"]
    second = parse_output(FAULT_BOOT)
    [row] = second["rows"]
    assert row["model"] == "pad" and row["error"].startswith("fault") and second["last"] == 1
    third = parse_output(GOOD_BOOT)
    assert third["done"] and [r["model"] for r in third["rows"]] == ["ok"] and "error" not in third["rows"][0]


def test_tables_print_error_rows_beside_good_ones() -> None:
    ok = {"impl": "x", "model": "ok", "clock": 25000000, "total": 100, "ops": [["ADD", 7, 90]], "out": "01",
          "instr": 4000.0, "ops_instr": 3600.0, "arena": 64, "plain_total": 100, "plain_arena": 64,
          "plain_persistent": 8, "persistent": 8, "load": 5, "plans": []}
    tflm = [{"model": "lstm", "error": "AllocateTensors failed: Didn't find op"}, dict(ok)]
    ours = [{"model": "lstm", "error": "fault (Cortex-M exception)"}, dict(ok)]
    text = tables(BOARD, tflm, ours, ops=True)
    assert ("| lstm | | | | | | | error: TFLM: AllocateTensors failed: Didn't find op; ours: fault (Cortex-M exception) |"
            in text)
    assert "| ok | 7 | 4,000 | 4,000 | 1.000 |" in text


def test_tflm_program_registers_every_builtin_op() -> None:
    header = next(TFLM_DIR.glob("tflite-micro-*/tensorflow/lite/micro/micro_mutable_op_resolver.h"), None)
    if header is None:
        pytest.skip(f"TensorFlow Lite Micro sources not in {TFLM_DIR} (firmware/deps.sh tflm)")
    adds = set(re.findall(r"TfLiteStatus (Add\w+)\(", header.read_text()))
    main = (ROOT / "tests" / "bench" / "tflm" / "tflm_main.cc").read_text()
    registered = set(re.findall(r"resolver\.(Add\w+)\(\);", main))
    # the generic forms, the NPU driver and the signal library's custom ops (see tflm_main.cc)
    left_out = {"AddBuiltin", "AddCustom", "AddEthosU", "AddDelay", "AddEnergy", "AddFftAutoScale",
                "AddFilterBank", "AddFilterBankLog", "AddFilterBankSpectralSubtraction",
                "AddFilterBankSquareRoot", "AddFramer", "AddIrfft", "AddOverlapAdd", "AddPCAN", "AddRfft",
                "AddStacker", "AddWindow"}
    assert len(adds) > 100
    assert sorted(adds - left_out - registered) == []
    assert registered <= adds
    size = re.search(r"MicroMutableOpResolver<(\d+)> resolver;", main)
    assert size and int(size.group(1)) >= len(registered)


# (board, BENCH_TFLM_CPU): make test runs the first; the others (a build of TFLM each, several minutes)
# with TINYML_BENCH_TFLM_BOARDS=all
TARGETS = [(BOARD, ""), ("NETDUINO_PLUS_2", ""), ("MPS2_AN385", "cortex-m0plus")]


@pytest.mark.parametrize(("board", "cpu"), TARGETS, ids=[f"{b}{'-' + c if c else ''}" for b, c in TARGETS])
def test_bench_tflm_smoke(board: str, cpu: str) -> None:
    if (board, cpu) != TARGETS[0] and os.environ.get("TINYML_BENCH_TFLM_BOARDS") != "all":
        pytest.skip(f"bench-tflm on {board}{' ' + cpu if cpu else ''}: a TFLM build of its own; TINYML_BENCH_TFLM_BOARDS=all runs it")
    for tool in ("arm-none-eabi-g++", "qemu-system-arm", "make"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not found")
    for m in (MODEL, LSTM):
        if not m.exists():
            pytest.skip(f"shared model {m.name} not found (../shared/models)")
    target = [f"BOARD={board}", f"BENCH_TFLM_CPU={cpu}"]
    check = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "bench-tflm-check", *target],
                           capture_output=True, text=True, check=False)
    if check.returncode != 0:
        why = [line for line in (check.stdout + check.stderr).splitlines() if line.startswith("bench-tflm:")]
        pytest.skip(why[0] if why else "make bench-tflm-check failed")
    import test_ops  # tests/host: the per-op models (numpy, the builder)

    dw = ROOT / "build" / "bench-models" / "dw_late_c96.tflite"
    dw.parent.mkdir(parents=True, exist_ok=True)
    dw.write_bytes(test_ops.reference(DW_CASE)[0])
    args = [*target, f"BENCH_TFLM_MODELS={LSTM} {MODEL} {dw}", "BENCH_TFLM_TAG=smoke", "BENCH_TFLM_OPS=smoke",
            "BT_DEBUG="]
    build = subprocess.run(["make", "--no-print-directory", "-j2", "-C", str(ROOT), "bench-tflm-elf", *args],
                           capture_output=True, text=True, check=False, timeout=1200)
    assert build.returncode == 0, (build.stdout + build.stderr)[-3000:]
    out = ROOT / "build" / "bench-tflm" / (f"{board}-{cpu}" if cpu else board) / "smoke"
    tflm = run_elf(board, out / "tflm.elf", timeout=300)
    ours = run_elf(board, out / "ours.elf", timeout=300)
    assert [d["model"] for d in tflm] == [d["model"] for d in ours] == [LSTM.stem, MODEL.stem, dw.stem]
    for t, o in zip(tflm, ours):
        assert "error" not in t and "error" not in o, (t.get("error"), o.get("error"))
        assert t["out"] and o["out"] == t["out"], t["model"]
    if board == BOARD:  # the M7's depthwise kernels and their scratch
        t, o = tflm[2], ours[2]
        assert t["arena"] > DW_BUFFER, t["arena"]  # TFLM runs CMSIS-NN's optimized kernel, with its buffer
        # ours: input and output, and kernels/dsp's tap table (its rule takes a 7x7 filter on 3-pixel rows): 49
        # taps of 12 bytes, 7 filter columns and 8 rows of accumulators of 16, aligned (taps_size + 3 -> 832)
        assert o["arena"] == 2 * 3 * 3 * 96 + 832, o["arena"]
    t, o = tflm[1], ours[1]
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
    if board != BOARD and f["status"] != "used":
        return  # the host library's blob is for the M7's build; another board's may refuse it
    assert f["status"] == "used" and f["out"] == o["out"], f
    assert f["flash"] > 0 and f["blob"] > f["flash"], f
    # nothing more in RAM, no multipliers computed per call (the default does for its convolution)
    assert f["persistent"] <= o["persistent"] and f["arena"] <= o["arena"] and f["total"] <= o["total"], (f, o)
