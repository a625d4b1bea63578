"""The ARMv6-M kernels' requantization from 16x16 products (tml_armv6m.h) equals arm_nn_requantize:
millions of accumulators, every shift, ties of the final rounding."""

from __future__ import annotations

from pathlib import Path

from harness import run_c_check


def test_armv6m_requantizations_equal_arm_nn_requantize(tmp_path: Path) -> None:
    out = run_c_check(tmp_path, "check_armv6m_requant.c", "1000000")
    assert out == "0 of 8000000 differ\n", out
