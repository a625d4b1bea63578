"""tinyml infer MODEL --input IN.npy --output OUT.npy [--backend ref|cmsis-nn|esp-nn|esp-nn-ansi]"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from tinyml_tools.core import BACKENDS, CoreError, Model, backends, not_built_hint


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", type=Path, help=".tflite model")
    p.add_argument("--input", "-i", type=Path, required=True, help="input tensor as .npy (int8, or float32 to quantize)")
    p.add_argument("--output", "-o", type=Path, required=True, help="where to write the raw output tensor (.npy)")
    p.add_argument("--backend", choices=BACKENDS, default="ref",
                   help="kernel backend, as built by make host-lib (default: ref)")


def quantize_input(x: np.ndarray, dtype: type, scale: float, zero_point: int) -> np.ndarray:
    """Float input -> the model's integer type with its scale and zero point (round half away from zero)."""
    if np.issubdtype(x.dtype, np.floating) and np.issubdtype(np.dtype(dtype), np.integer):
        if scale <= 0:
            raise ValueError("the model input has no quantization scale, cannot quantize float input")
        info = np.iinfo(dtype)
        v = x.astype(np.float32) / np.float32(scale)
        t = np.trunc(v)
        q = np.where(np.abs(v - t) >= 0.5, t + np.sign(v), t) + zero_point
        return np.clip(q, info.min, info.max).astype(dtype)
    return x


def run(args: argparse.Namespace) -> int:
    if args.backend not in backends():
        print(f"tinyml infer: backend {args.backend!r} is not built: {not_built_hint(args.backend)}", file=sys.stderr)
        return 2
    try:
        data = args.model.read_bytes()
        x = np.load(args.input, allow_pickle=False)
    except (OSError, ValueError) as e:
        print(f"tinyml infer: {e}", file=sys.stderr)
        return 2
    try:
        model = Model(data, backend=args.backend)
        info = model.inputs[0]
        x = quantize_input(x, info.dtype, info.scale, info.zero_point)
        if x.dtype != info.dtype:
            raise CoreError(4, f"input must be {np.dtype(info.dtype).name} or float, got {x.dtype.name}")
        if x.size != int(np.prod(info.shape)):
            raise CoreError(4, f"input has {x.size} elements, the model expects shape {list(info.shape)}")
        out = model.invoke(x.reshape(info.shape))[0]
    except (CoreError, ValueError) as e:
        print(f"tinyml infer: {args.model}: {e}", file=sys.stderr)
        return 1
    np.save(args.output, out)
    return 0
