"""MobileNetV2- and MCUNet-like int8 vision models at 64-144 px, from random weights (benchmarks, and one test).

    python tests/bench/vision_models.py [--out build/models] [--list] [NAME ...]

Builds each model with TensorFlow (Keras layers, weights drawn at random, a fixed seed), converts
it to a full-integer int8 .tflite (int8 input and output, calibrated on random images) and caches
it as build/models/<name>.tflite; an existing file is kept. The files are not committed: `make
bench-tflm` builds them when TensorFlow is installed (pip install tensorflow-cpu) and says so when
it is not. They measure RAM and instructions (tests/bench/tflm), not accuracy: random weights give
the same tensor shapes, operators and memory as trained ones.

  mbv2_w035_r{64,96,144}  MobileNetV2, width 0.35 (keras.applications.MobileNetV2), 2 classes (VWW-like)
  mbv2_w050_r128          MobileNetV2, width 0.5, 10 classes
  mcunet_vww_r80          MCUNet-like: inverted residual blocks with kernels 3/5/7 and expansions
                          3/4/6 at 80 px (the resolution of mcunet-vww1), 2 classes
  mcunet_in_r144          the same family at 144 px, wider, 10 classes (the resolution of mcunet-in4)
  mcunet_pico_r144        the same family at 144 px sized for RPI_PICO (tests/firmware/test_pico_vision.py):
                          a small file for its 384 KiB ROMFS partition, but a first stage (72x72x8
                          expanded 6x: 248,832 B) whose plain plan needs more than the Pico's heap
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / "build" / "models"


def _tf():  # tensorflow is optional: imported here
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    return tf


def mobilenet_v2(res: int, alpha: float, classes: int) -> Callable[[], object]:
    def build() -> object:
        tf = _tf()
        return tf.keras.applications.MobileNetV2(input_shape=(res, res, 3), alpha=alpha, weights=None,
                                                 classes=classes, classifier_activation="softmax")
    return build


# (expansion, out channels, kernel, stride) per block, after a 3x3/2 stem and a 3x3 depthwise block
MCUNET_VWW = [(3, 16, 7, 2), (3, 16, 3, 1), (4, 24, 5, 2), (3, 24, 5, 1), (6, 40, 7, 2), (4, 40, 3, 1),
              (6, 48, 5, 1), (4, 96, 5, 2), (3, 96, 3, 1), (6, 160, 7, 1)]
MCUNET_IN = [(4, 24, 7, 2), (3, 24, 3, 1), (4, 40, 7, 2), (3, 40, 5, 1), (6, 80, 5, 2), (4, 80, 5, 1),
             (6, 96, 5, 1), (4, 96, 3, 1), (6, 192, 7, 2), (4, 192, 5, 1), (6, 320, 3, 1)]

# RPI_PICO: narrow after the first stage (a file that leaves room in the ROMFS partition), MobileNetV2's
# expansion 6 at 72x72 (the RAM), no wide last layers
MCUNET_PICO = [(6, 16, 3, 2), (3, 16, 3, 1), (4, 24, 5, 2), (3, 24, 5, 1), (6, 40, 5, 2), (4, 40, 3, 1),
               (6, 48, 3, 1), (4, 96, 3, 2)]


def mcunet_like(res: int, stem: int, blocks: list[tuple[int, int, int, int]], classes: int) -> Callable[[], object]:
    def build() -> object:
        tf = _tf()
        layers = tf.keras.layers
        x = inp = layers.Input((res, res, 3))
        x = layers.Conv2D(stem, 3, strides=2, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU(6.0)(x)
        x = layers.DepthwiseConv2D(3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU(6.0)(x)
        x = layers.Conv2D(stem // 2, 1, use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        for e, c, k, s in blocks:
            y = layers.Conv2D(x.shape[-1] * e, 1, use_bias=False)(x)
            y = layers.BatchNormalization()(y)
            y = layers.ReLU(6.0)(y)
            y = layers.DepthwiseConv2D(k, strides=s, padding="same", use_bias=False)(y)
            y = layers.BatchNormalization()(y)
            y = layers.ReLU(6.0)(y)
            y = layers.Conv2D(c, 1, use_bias=False)(y)
            y = layers.BatchNormalization()(y)
            x = layers.Add()([x, y]) if s == 1 and x.shape[-1] == c else y
        x = layers.GlobalAveragePooling2D()(x)
        x = layers.Dense(classes, activation="softmax")(x)
        return tf.keras.Model(inp, x)
    return build


MODELS: dict[str, Callable[[], object]] = {
    "mbv2_w035_r64": mobilenet_v2(64, 0.35, 2),
    "mbv2_w035_r96": mobilenet_v2(96, 0.35, 2),
    "mbv2_w035_r144": mobilenet_v2(144, 0.35, 2),
    "mbv2_w050_r128": mobilenet_v2(128, 0.5, 10),
    "mcunet_vww_r80": mcunet_like(80, 16, MCUNET_VWW, 2),
    "mcunet_in_r144": mcunet_like(144, 24, MCUNET_IN, 10),
    "mcunet_pico_r144": mcunet_like(144, 16, MCUNET_PICO, 2),
}


def convert(name: str) -> bytes:
    tf = _tf()
    import numpy as np

    tf.keras.utils.set_random_seed(1234)
    model = MODELS[name]()
    shape = tuple(int(d) for d in model.inputs[0].shape[1:])
    rng = np.random.default_rng(5678)
    # BatchNormalization statistics as a trained network would have them: run random images through
    # it in training mode once (moving averages), so that activations keep a useful range
    for layer in model.layers:
        if isinstance(layer, tf.keras.layers.BatchNormalization):
            layer.momentum = 0.0
    model(rng.uniform(-1, 1, (8, *shape)).astype(np.float32), training=True)

    def representative():
        for _ in range(16):
            yield [rng.uniform(-1, 1, (1, *shape)).astype(np.float32)]

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    return conv.convert()


def ensure(names: list[str], out: Path) -> list[Path]:
    """Build (once) and return the models' paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        path = out / f"{name}.tflite"
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(convert(name))
            tmp.replace(path)
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help=f"models (default: all): {', '.join(MODELS)}")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--list", action="store_true", help="print the paths the models have or would have")
    args = ap.parse_args(argv)
    names = args.names or list(MODELS)
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        print(f"vision_models: unknown model(s) {', '.join(unknown)}; known: {', '.join(MODELS)}", file=sys.stderr)
        return 2
    if args.list:
        print(" ".join(str(args.out / f"{n}.tflite") for n in names))
        return 0
    try:
        _tf()
    except ImportError:
        print("vision_models: TensorFlow is not installed (pip install tensorflow-cpu): the vision models "
              "cannot be built", file=sys.stderr)
        return 3
    for p in ensure(names, args.out):
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
