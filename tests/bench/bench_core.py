"""Benchmark table for the C core on the host (`make bench`; not a test).

Per shared model: MACs, weights bytes, our RAM (arena + persistent metadata)
next to TFLM's arena (RecordingMicroAllocator, measured in this run), host
time of each backend as a ratio to the tflite-micro interpreter measured in the
same run, and the flash cost (.text) of core + kernels for Cortex-M4 and M0+.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "host_tools"))
sys.path.insert(0, str(ROOT / "tests" / "cross"))
from tinyml_tools.core import Model, backends

MODELS = ROOT.parent / "shared" / "models"


def tflm_arena(path: Path) -> int:
    code = (
        "from tflite_micro.python.tflite_micro import runtime\n"
        f"runtime.Interpreter.from_file({str(path)!r}, arena_size=4*1024*1024).print_allocations()\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, check=False, text=True)
    out = r.stdout + r.stderr
    m = re.search(r"Arena allocation total (\d+) bytes", out)
    return int(m.group(1)) if m else -1


def time_per_call(fn, n: int) -> float:
    fn()  # warm up
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("-n", type=int, default=30, help="timed invocations per model and runtime")
    ap.add_argument("--no-size", action="store_true", help="skip the cross-compiled .text sizes")
    args = ap.parse_args(argv)
    from tflite_micro.python.tflite_micro import runtime

    if not MODELS.is_dir():
        print(f"bench: {MODELS} not found: no shared models to benchmark")
        return 1
    bks = backends()
    rows = []
    for path in sorted(MODELS.glob("*.tflite")):
        data = path.read_bytes()
        models = {b: Model(data, backend=b) for b in bks}
        m = models[bks[0]]
        rng = np.random.default_rng(0)
        x = rng.integers(-128, 128, size=m.inputs[0].shape, dtype=np.int8)
        interp = runtime.Interpreter.from_bytes(data)

        # time the inference itself: inputs are set once, outside the timed call
        interp.set_input(x, 0)
        t_ref = time_per_call(interp.invoke, args.n)
        ratios = {}
        for b in bks:
            models[b].set_input(0, x)
            ratios[b] = time_per_call(models[b].run, args.n) / t_ref
        rows.append((path.name, sum(m.op_macs), m.weights_size, m.arena_size, m.persistent_size, tflm_arena(path),
                     ratios))
    hdr = "| model | MACs | weights B | arena B | persistent B | total B | TFLM arena B | " + " | ".join(
        f"time {b} / TFLM" for b in bks) + " |"
    print(hdr)
    print("|" + "---|" * (hdr.count("|") - 1))
    for name, macs, w, arena, pers, tflm, ratios in rows:
        r = " | ".join(f"{ratios[b]:.2f}" for b in bks)
        print(f"| {name} | {macs:,} | {w:,} | {arena:,} | {pers:,} | {arena + pers:,} | {tflm:,} | {r} |")
    print("\n(RAM: our arena + persistent metadata, 64-bit host; TFLM: RecordingMicroAllocator total, x86-64."
          " Time: median per inference, ratio < 1 means faster than the tflite-micro interpreter.)")
    if not args.no_size:
        import crossbuild

        print("\n| target | backend | core + kernels .text B |\n|---|---|---|")
        for target in ("cortex-m4", "cortex-m0plus"):
            for b in ("ref", "cmsis-nn"):
                if b == "cmsis-nn" and not (crossbuild.CMSIS / "Include").exists():
                    continue
                ok, _log, text = crossbuild.build(target, b)
                print(f"| {target} | {b} | {text if ok else 'FAILED'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
