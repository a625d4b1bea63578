"""The signal FFTs' twiddles (kernels/portable/tml_k_fft.c computes them with its own double
cos/sin/floor, as float-only ports have no double libm) equal the reference's, which uses
the C library's: after rounding to float32, Q15 and Q31, for every phase KissFFT computes
for every FFT length the core accepts (fft_length <= 16384: 8192 complex points)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from harness import ROOT

PROGRAM = r"""
#include <math.h>
#include <stdio.h>
#include "tml_k_fft.c"
static long tot, dd, df, d16, d32;
static void chk(double ph) {
    const double a[2] = { cos(ph), sin(ph) }, b[2] = { tml_cos(ph), tml_sin(ph) };
    for (int k = 0; k < 2; k++) {
        tot++;
        dd += a[k] != b[k];
        df += (float)a[k] != (float)b[k];
        d16 += (int16_t)floor(.5 + 32767 * a[k]) != (int16_t)tml_floor(.5 + 32767 * b[k]);
        d32 += (int32_t)floor(.5 + 2147483647 * a[k]) != (int32_t)tml_floor(.5 + 2147483647 * b[k]);
    }
}
int main(void) {
    const double pi = 3.141592653589793238462643383279502884197169399375105820974944;
    for (int n = 2; n <= 8192; n++) {
        for (int i = 0; i < n; i++) { const double ph = -2 * pi * i / n; chk(ph); chk(-ph); }
        for (int i = 0; i < n / 2; i++) {
            const double ph = -3.14159265358979323846264338327 * ((double)(i + 1) / n + .5);
            chk(ph);
            chk(-ph);
        }
    }
    printf("%ld %ld %ld %ld %ld\n", tot, dd, df, d16, d32);
    return 0;
}
"""


def test_twiddles_equal_the_c_library_s(tmp_path: Path) -> None:
    src = tmp_path / "twiddles.c"
    src.write_text(PROGRAM)
    exe = tmp_path / "twiddles"
    common = ROOT / "usermod" / "tinyml" / "kernels" / "portable"
    subprocess.run(["gcc", "-std=c99", "-O2", "-fwrapv", "-ffp-contract=off", f"-I{common}", "-o", str(exe),
                    str(src), "-lm"], check=True)
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=True, timeout=600).stdout.split()
    total, double_diff, float_diff, q15_diff, q31_diff = map(int, out)
    assert total > 200_000_000
    assert 0 < double_diff < total // 10, "the two cos/sin differ in the last bit now and then, no more"
    assert (float_diff, q15_diff, q31_diff) == (0, 0, 0)
