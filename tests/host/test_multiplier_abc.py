"""The integer-only multiplier (tml_quantize_multiplier_abc) equals the double one on 3 million triples,
and the double one (its uint32 fast path) equals TFLite's formula written out there and on its ties."""

from __future__ import annotations

from pathlib import Path

from harness import ROOT, run_c_check


def test_multiplier_abc_equals_the_double_path(tmp_path: Path) -> None:
    out = run_c_check(tmp_path, "check_multiplier_abc.c", "3000000",
                      [ROOT / "usermod" / "tinyml" / "kernels" / "portable" / "tml_math.c"])
    lines = out.strip().splitlines()
    assert lines[-1] == "0 of 3000000 differ", out
    assert lines[-2].startswith("fast path: 0 of ") and int(lines[-2].split()[4]) > 3_000_000, out
