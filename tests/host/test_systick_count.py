"""profile()'s SysTick clock (usermod/tinyml/port/tml_systick.h) against a model of the timer: every
clock of several milliseconds, every delay of the interrupt, gives its own count (no reading jumps a
millisecond ahead or behind, as one in 32,000 did on MPS3_AN547 when the counter sat at 0)."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import run_c_check


@pytest.mark.parametrize("rvr", [99, 31999])
def test_systick_count_never_jumps(tmp_path: Path, rvr: int) -> None:
    out = run_c_check(tmp_path, "check_systick.c", str(rvr))
    assert out.startswith("0 of ") and out.strip().endswith(" readings wrong"), out
