"""ESP-NN's arithmetic against TFLM's, below the operators (usermod/tinyml/kernels/esp_nn/tml_esp_nn.h):

- requantization: ESP-NN's esp_nn_multiply_by_quantized_mult (ANSI C) equals TFLM's
  MultiplyByQuantizedMultiplier everywhere; its _fast variant (the generic-optimisation
  convolutions) differs exactly where rule 4 predicts (a rounded product above
  INT32_MAX - 2^(s-1)), over random and near-INT32_MAX samples (tests/host/esp_nn/requant_check.c);
- SOFTMAX: ESP-NN's kernel (through the esp-nn libraries' tml_softmax_s8) equals the portable one
  on random rows of up to 511 values for random beta and input scales (rule 6's side).
"""

from __future__ import annotations

import ctypes
import subprocess

import numpy as np
import pytest
from harness import ROOT, core_module, esp_nn_dir, esp_nn_missing

if esp_nn_missing():
    pytest.skip(esp_nn_missing(), allow_module_level=True)
ESP_NN = esp_nn_dir()
ESP_BACKENDS = ["esp-nn", "esp-nn-ansi"]


def test_requantization() -> None:
    exe = ROOT / "build" / "esp-nn-check" / "requant_check"
    exe.parent.mkdir(parents=True, exist_ok=True)
    src = ROOT / "tests" / "host" / "esp_nn" / "requant_check.c"
    kernels = ROOT / "usermod" / "tinyml" / "kernels"
    subprocess.run(["gcc", "-std=gnu99", "-O2", "-fwrapv", "-Wall", f"-I{ESP_NN / 'src' / 'common'}", f"-I{kernels}",
                    str(src), str(kernels / "portable" / "tml_math.c"), "-o", str(exe), "-lm"], check=True)
    out = subprocess.run([str(exe), "2000000"], capture_output=True, text=True, check=True).stdout
    samples, exact_bad, fast_bad, unexpected, predicted = map(int, out.split())
    assert exact_bad == 0, f"esp_nn_multiply_by_quantized_mult differs from TFLM on {exact_bad} of {samples}"
    assert unexpected == 0, f"the _fast variant differs where rule 4 does not predict it ({unexpected} samples)"
    assert predicted > 10_000 and fast_bad == predicted  # the overflow region was sampled, and every one differs


class SoftmaxParams(ctypes.Structure):  # tml_softmax_params_t
    _fields_ = [(f, ctypes.c_int32) for f in ("num_rows", "row_size", "mult", "shift", "diff_min", "kernel")]


class Context(ctypes.Structure):  # tml_context_t
    _fields_ = [("buf", ctypes.c_void_p), ("size", ctypes.c_int32), ("again", ctypes.c_int32)]


def ptr(a: np.ndarray) -> ctypes.c_void_p:
    return a.ctypes.data_as(ctypes.c_void_p)


@pytest.mark.parametrize("esp_backend", ESP_BACKENDS)
def test_softmax_matches_portable(esp_backend: str) -> None:
    lib = ctypes.CDLL(str(core_module()._lib_path(esp_backend)))
    lib.tml_calculate_input_radius.restype = ctypes.c_int
    lib.tml_preprocess_softmax_scaling.argtypes = [ctypes.c_double, ctypes.c_double, ctypes.c_int,
                                                   ctypes.POINTER(ctypes.c_int32), ctypes.POINTER(ctypes.c_int)]
    rng = np.random.default_rng(7)
    checked = 0
    for _ in range(300):
        beta, scale = float(rng.uniform(0.1, 4.0)), float(10 ** rng.uniform(-3, 0))
        mult, shift = ctypes.c_int32(), ctypes.c_int()
        lib.tml_preprocess_softmax_scaling(beta, scale, 5, ctypes.byref(mult), ctypes.byref(shift))
        if not (beta * scale * 2**26 > 1.0 and 0 <= shift.value <= 31):
            continue  # the core refuses these (tml_ops_softmax.c)
        rows, cols = int(rng.integers(1, 4)), int(rng.integers(1, 512))
        p = SoftmaxParams(rows, cols, mult.value, shift.value, -lib.tml_calculate_input_radius(5, shift.value, 31), 0)
        assert lib.tml_softmax_s8_select(ctypes.byref(p)) == 0  # ESP-NN runs it
        span = int(min(127, max(4, rng.uniform(1.0, 8.0) / (scale * beta))))  # outputs spread, not all -128
        x = rng.integers(-span, span, (rows, cols), dtype=np.int8, endpoint=True)
        scratch = (ctypes.c_int32 * cols)()
        got, want = np.zeros_like(x), np.zeros_like(x)
        ctx = Context(ctypes.cast(scratch, ctypes.c_void_p), lib.tml_softmax_s8_get_buffer_size(ctypes.byref(p)))
        assert lib.tml_softmax_s8(ctypes.byref(ctx), ctypes.byref(p), ptr(x), ptr(got)) == 0
        assert lib.tml_softmax_s8_portable(ctypes.byref(p), ptr(x), ptr(want)) == 0
        assert got.tobytes() == want.tobytes(), f"beta {beta}, scale {scale}, {rows}x{cols}"
        checked += 1
    assert checked > 200
