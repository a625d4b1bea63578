"""Write each model's flash metadata blob (NAME.tmx) for a board's build, with the host library of its
backend (make bench-tflm embeds them beside the models).

    python tests/bench/flash_meta_blobs.py --backend cmsis-nn [--mve] --out DIR MODEL.tflite...

A model the host core rejects gets an empty file (the benchmark program then loads it without one).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "host_tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "host_tools"))

from tinyml_tools import core  # after the sys.path setup


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", default="cmsis-nn")
    ap.add_argument("--mve", action="store_true", help="the Cortex-M55 (MVE) build's arrays (kernel sums)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("models", type=Path, nargs="+")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for path in args.models:
        try:
            blob = core.flash_meta_blob(path.read_bytes(), args.backend, args.mve)
        except core.CoreError as e:
            print(f"flash_meta_blobs: {path.name}: {e}: no blob", file=sys.stderr)
            blob = b""
        target = args.out / f"{path.stem}.tmx"
        if not target.exists() or target.read_bytes() != blob:
            target.write_bytes(blob)
    return 0


if __name__ == "__main__":
    sys.exit(main())
