"""Host instructions per inference of each shared model, per backend (`make bench-instructions`;
a benchmark, not a test).

Each model runs once in tests/bench/instr_main.c (seeded input bytes, the same for every backend)
under `valgrind --tool=callgrind --toggle-collect=tml_model_invoke`: the x86-64 instructions of
one tml_model_invoke, the whole inference, kernels and graph walk. The backends are the host
libraries `make host-lib` built (ref, cmsis-nn's plain C, esp-nn's generic optimisations and
ANSI C); the ratio column is each backend over ref.

    python3 tests/bench/bench_instructions.py [--models a.tflite ...] [--backend ref ...]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "host_tools"))
from tinyml_tools.core import _lib_path, backends

MODELS = ROOT.parent / "shared" / "models"
DRIVER = ROOT / "build" / "bench" / "instr_main"


def driver() -> Path:
    src = ROOT / "tests" / "bench" / "instr_main.c"
    if not DRIVER.exists() or DRIVER.stat().st_mtime < src.stat().st_mtime:
        DRIVER.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["gcc", "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", f"-I{ROOT / 'usermod/tinyml/core'}",
                        str(src), "-o", str(DRIVER), "-ldl"], check=True)
    return DRIVER


def instructions(backend: str, model: Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        r = subprocess.run(["valgrind", "--tool=callgrind", "--toggle-collect=tml_model_invoke",
                            f"--callgrind-out-file={out}", str(driver()), str(_lib_path(backend)), str(model)],
                           capture_output=True, text=True, check=False)
        if r.returncode:
            raise RuntimeError(f"{backend} {model.name}: {r.stderr[-1000:]}")
        m = re.search(r"^(?:summary|totals): (\d+)", out.read_text(), re.MULTILINE)
        if not m:
            raise RuntimeError(f"{backend} {model.name}: no totals in the callgrind output")
        return int(m.group(1))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="*", type=Path, help="default: ../shared/models/*.tflite")
    ap.add_argument("--backend", action="append", help="default: every built host library")
    args = ap.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("bench-instructions: valgrind is not installed (apt-get install valgrind)")
        return 1
    models = args.models or sorted(MODELS.glob("*.tflite"))
    if not models:
        print(f"bench-instructions: no models (../shared/models is {'absent' if not MODELS.is_dir() else 'empty'})")
        return 1
    bks = args.backend or backends()
    driver()
    jobs = [(b, m) for m in models for b in bks]
    with ThreadPoolExecutor(max_workers=2) as pool:
        counts = dict(zip(jobs, pool.map(lambda j: instructions(*j), jobs)))
    head = "| model | " + " | ".join(bks) + " |" + ("".join(f" {b} / ref |" for b in bks if b != "ref")
                                                  if "ref" in bks else "")
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for m in models:
        cells = [f"{counts[(b, m)]:,}" for b in bks]
        if "ref" in bks:
            cells += [f"{counts[(b, m)] / counts[('ref', m)]:.2f}" for b in bks if b != "ref"]
        print(f"| {m.stem} | " + " | ".join(cells) + " |")
    print("\n(x86-64 instructions of one tml_model_invoke, callgrind; host libraries built by make host-lib, -O2.)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
