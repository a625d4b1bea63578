"""kernels/dsp's ADD (tml_dsp_add.c: every requantization the short SMMULR one) against tflite-micro on every
pair of int8 inputs (65,536 elements per model), for fixed and random quantizations; where its rule
(tml_dsp_add_ok, mirrored by harness.dsp_add_ok) refuses a layer, the layer stays on CMSIS-NN's kernel."""

from __future__ import annotations

import numpy as np
import pytest
from harness import assert_same_outputs, core_module, dsp_add_ok, expected_backends, seed_of
from tflite_builder import ModelBuilder, run_tflm

# (input 1 scale, zero point, input 2 scale, zero point, output scale, zero point, activation)
FIXED = [
    (0.05, -3, 0.05, -3, 0.07, 5, "NONE"),
    (0.02, 5, 0.07, -10, 0.05, 0, "RELU"),
    (0.05, -128, 0.03, 127, 0.04, -128, "NONE"),
    (0.5, 0, 0.005, 3, 0.3, 10, "RELU6"),
    (1.0, 0, 1.0, 0, 0.0079, 0, "NONE"),  # the output saturates: the sum requantized far beyond int8
    (0.01, 127, 0.01, -128, 0.0001, 3, "NONE"),
    (0.05, 0, 0.05 * 2.0**-33, 0, 0.05, 0, "NONE"),  # input 2's multiplier below 2^-31: 0 (TFLM's), shift 0
    (0.05, 0, 0.05 * 2.0**-30.5, 0, 0.05, 0, "NONE"),  # input 2's shift -31: CMSIS-NN's kernel
    (0.05, 0, 0.05 * 2.0**-29.5, 1, 0.06, 0, "NONE"),  # input 2's shift -30: the rule's edge
    (0.05, 3, 0.05, -2, 0.1 * 2.0**10.5, 0, "NONE"),  # the output's shift -30, its zero point 0: foldable
    (0.05, 3, 0.05, -2, 0.1 * 2.0**10.5, 100, "NONE"),  # the same, zero point 100: CMSIS-NN's kernel
]


def random_quants(n: int) -> list[tuple[float, int, float, int, float, int, str]]:
    rng = np.random.default_rng(seed_of("dsp_add_random"))
    out = []
    for _ in range(n):
        s1, s2 = 10.0 ** rng.uniform(-3, 0, 2)
        s_out = float(np.hypot(s1, s2)) * 10.0 ** rng.uniform(-1, 1)
        zp1, zp2, zpo = (int(v) for v in rng.integers(-128, 128, 3))
        out.append((float(s1), zp1, float(s2), zp2, s_out, zpo, str(rng.choice(["NONE", "RELU", "RELU6"]))))
    return out


def add_model(q: tuple[float, int, float, int, float, int, str]) -> bytes:
    s1, zp1, s2, zp2, s_out, zpo, act = q
    b = ModelBuilder()
    x = b.tensor("a", (1, 65536), np.int8, s1, zp1)
    y = b.tensor("b", (1, 65536), np.int8, s2, zp2)
    z = b.tensor("out", (1, 65536), np.int8, s_out, zpo)
    b.op("ADD", [x, y], [z], {"activation": act})
    b.inputs([x, y])
    b.outputs([z])
    return b.build()


@pytest.mark.parametrize("q", FIXED + random_quants(24), ids=lambda q: "_".join(f"{v:.4g}" if isinstance(v, float)
                                                                                   else str(v) for v in q))
def test_dsp_add_every_pair(q: tuple[float, int, float, int, float, int, str]) -> None:
    why = expected_backends()["dsp"]
    if why:
        pytest.skip(why)
    data = add_model(q)
    a = np.repeat(np.arange(-128, 128, dtype=np.int8), 256).reshape(1, 65536)
    c = np.tile(np.arange(-128, 128, dtype=np.int8), 256).reshape(1, 65536)
    ref = run_tflm(data, [a, c])
    model = core_module().Model(data, backend="dsp")
    want = "dsp" if dsp_add_ok(*q[:6]) else "cmsis-nn"
    assert model.op_info(0).kernel == want, f"{q}: ADD ran on {model.op_info(0).kernel}, the rule gives {want}"
    assert_same_outputs(ref, model.invoke(a, c), f"ADD {q} [dsp, {want}]")


def test_dsp_add_rule_edges() -> None:
    """The fixed list holds both sides of the rule (the test above would otherwise check one kernel only)."""
    kinds = {dsp_add_ok(*q[:6]) for q in FIXED}
    assert kinds == {True, False}
    assert dsp_add_ok(*FIXED[-3][:6]) and not dsp_add_ok(*FIXED[-4][:6])
    assert dsp_add_ok(*FIXED[-2][:6]) and not dsp_add_ok(*FIXED[-1][:6])
