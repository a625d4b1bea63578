"""A model of only a float edge, for the QUANTIZE/DEQUANTIZE instruction counts (README, issue 15).

    python tests/bench/float_edge_model.py [--out build/bench-models]
    make bench-tflm BOARD=MPS2_AN500 BENCH_TFLM_TAG=edge BENCH_TFLM_ARGS=--ops \
        BENCH_TFLM_MODELS=$PWD/build/bench-models/float_edge_80x80.tflite

int8 input 1x80x80x3 -> DEQUANTIZE -> float32 -> QUANTIZE (another scale and zero point) -> int8
output: the QUANTIZE reads real-valued floats (the bench fills inputs with bytes, which as floats
would be mostly huge or NaN), as at the float input of an 80x80 vision model.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "host"))

from tflite_builder import ModelBuilder  # after the path


def build() -> bytes:
    b = ModelBuilder()
    x = b.tensor("input", (1, 80, 80, 3), np.int8, 0.02, -3)
    f = b.tensor("float", (1, 80, 80, 3), np.float32)
    y = b.tensor("output", (1, 80, 80, 3), np.int8, 0.03, 5)
    b.op("DEQUANTIZE", [x], [f])
    b.op("QUANTIZE", [f], [y])
    b.inputs([x])
    b.outputs([y])
    return b.build()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "bench-models")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "float_edge_80x80.tflite"
    path.write_bytes(build())
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
