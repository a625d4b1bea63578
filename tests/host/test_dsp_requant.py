"""The DSP kernels' short requantization (SMMULR, tml_dsp_requantize_s) equals arm_nn_requantize
(tml_dsp_requantize_rq) wherever tml_dsp_small lets it run: millions of accumulators, ties included."""

from __future__ import annotations

from pathlib import Path

from harness import run_c_check


def test_dsp_short_requantization_equals_arm_nn_requantize(tmp_path: Path) -> None:
    out = run_c_check(tmp_path, "check_dsp_requant.c", "2000000")
    assert out.startswith("0 of ") and out.strip().endswith(" differ"), out
