"""Train the example gesture classifier, then convert it with `tinyml convert` to int8 and to int4 weights.

Data: 3-axis accelerometer windows (64 samples at 50 Hz, in g) for four gestures: idle (gravity and sensor
noise), shake (a fast oscillation along x), circle (a slow rotation in the x/y plane) and tap (short spikes on
z). By default they are synthesized here, each with a random amplitude, frequency, phase, orientation offset
and noise, so the model has to learn the shape of the motion, not one trace. With --csv, they are readings a
board collected (collect.py, tinyml stream --csv): windows of 64 rows of one label.

    pip install 'tinyml-tools[convert]'                 # TensorFlow, once
    python examples/gestures/train.py                   # synthesized data
    python examples/gestures/train.py --csv gestures.csv   # your own readings (column label: the gesture)

Writes next to this file: gestures.keras (the trained model), gestures.tflite (int8 in and out, the demo's
model) with report_int8.md, gestures_int4.tflite (int4 weights) with report_int4.md, samples.bin (16 int8
input windows for the device, 4 of each gesture, quantized with the model's input parameters), labels.txt and
samples_labels.txt. The reports are those of `tinyml convert` (accuracy on held-out windows, per layer, sizes,
boards).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "host_tools"))  # tinyml_tools from the checkout, if not installed
LABELS = ["idle", "shake", "circle", "tap"]
WINDOW, AXES, RATE = 64, 3, 50.0
REPORT_BOARDS = ["MPS2_AN500", "RPI_PICO", "NUCLEO_F446RE", "ESP32_GENERIC"]


def synth(rng: np.random.Generator, label: int) -> np.ndarray:
    t = np.arange(WINDOW) / RATE
    x = np.zeros((WINDOW, AXES), np.float32)
    tilt = rng.normal(0, 0.15, 3)
    x[:] = np.array([0.0, 0.0, 1.0]) + tilt  # gravity, slightly tilted
    if label == 1:  # shake: 5-9 Hz along x, 0.8-2 g
        f, a = rng.uniform(5, 9), rng.uniform(0.8, 2.0)
        x[:, 0] += a * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
        x[:, 1] += 0.2 * a * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
    elif label == 2:  # circle: 0.8-1.6 Hz rotation in x/y
        f, a, ph = rng.uniform(0.8, 1.6), rng.uniform(0.4, 1.0), rng.uniform(0, 2 * np.pi)
        x[:, 0] += a * np.cos(2 * np.pi * f * t + ph)
        x[:, 1] += a * np.sin(2 * np.pi * f * t + ph)
    elif label == 3:  # tap: 1-3 spikes on z
        for _ in range(rng.integers(1, 4)):
            at = rng.integers(2, WINDOW - 4)
            amp = rng.uniform(1.5, 3.0) * rng.choice([-1, 1])
            x[at : at + 3, 2] += amp * np.array([1.0, -0.6, 0.25])
    x += rng.normal(0, rng.uniform(0.02, 0.08), x.shape)
    return x


def dataset(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, len(LABELS), n)
    return np.stack([synth(rng, int(k)) for k in y]), y


def collected(path: Path, labels: str) -> tuple[np.ndarray, np.ndarray]:
    """Windows of readings from a CSV of `tinyml stream --csv` (collect.py), as `tinyml convert` reads them."""
    from tinyml_tools.datasets import load

    data = load(path, (WINDOW, AXES), labels=labels, classes=LABELS)
    print(f"{path}: {data.source}")
    return data.x, data.y


def build_model():
    import tensorflow as tf

    inp = tf.keras.Input((WINDOW, AXES), batch_size=1)
    x = tf.keras.layers.Reshape((1, WINDOW, AXES))(inp)
    x = tf.keras.layers.Conv2D(8, (1, 5), padding="same", activation="relu")(x)
    x = tf.keras.layers.MaxPooling2D((1, 2))(x)
    x = tf.keras.layers.DepthwiseConv2D((1, 5), padding="same", activation="relu")(x)
    x = tf.keras.layers.Conv2D(16, (1, 1), activation="relu")(x)
    x = tf.keras.layers.AveragePooling2D((1, 32))(x)
    x = tf.keras.layers.Flatten()(x)
    x = tf.keras.layers.Dense(len(LABELS))(x)
    out = tf.keras.layers.Softmax()(x)
    return tf.keras.Model(inp, out)


def convert(work: Path, out: Path, weights: str, name: str, report: str) -> None:
    """`tinyml convert` of gestures.keras, calibrated on training windows, measured on the held-out ones."""
    from tinyml_tools.cli import main

    args = ["convert", str(out / "gestures.keras"), "--calibrate", str(work / "calib.npy"), "--validate",
            str(work / "test.npz"), "--classes", str(out / "labels.txt"), "--weights", weights, "-o",
            str(out / name), "--report", str(out / report)]
    for b in REPORT_BOARDS:
        args += ["--board", b]
    if main(args) != 0:
        raise SystemExit(f"tinyml {' '.join(args)} failed")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--csv", type=Path, help="train on readings collected with collect.py (tinyml stream --csv)")
    ap.add_argument("--labels", default="label", help="the CSV's label column (default: label)")
    ap.add_argument("--out", type=Path, default=HERE)
    args = ap.parse_args()
    from tinyml_tools.converter import tensorflow

    tf = tensorflow()
    tf.keras.utils.set_random_seed(0)
    if args.csv:
        x, y = collected(args.csv, args.labels)
        order = np.random.default_rng(0).permutation(len(x))
        cut = max(1, len(x) // 5)
        x_test, y_test, x_train, y_train = x[order[:cut]], y[order[:cut]], x[order[cut:]], y[order[cut:]]
    else:
        x_train, y_train = dataset(4000, seed=1)
        x_test, y_test = dataset(400, seed=2)
    model = build_model()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=16, epochs=args.epochs, verbose=2, validation_data=(x_test, y_test))
    args.out.mkdir(parents=True, exist_ok=True)
    model.save(args.out / "gestures.keras")
    (args.out / "labels.txt").write_text("\n".join(LABELS) + "\n")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        np.save(work / "calib.npy", x_train[:300])
        np.savez(work / "test.npz", x=x_test, y=y_test)
        convert(work, args.out, "int8", "gestures.tflite", "report_int8.md")
        convert(work, args.out, "int4", "gestures_int4.tflite", "report_int4.md")

    from tinyml_tools.convert_report import quantize_input
    from tinyml_tools.core import Model

    info = Model((args.out / "gestures.tflite").read_bytes()).inputs[0]
    # 16 device samples: 4 of each gesture
    order = np.concatenate([np.flatnonzero(y_test == k)[:4] for k in range(len(LABELS))])
    q = np.stack([quantize_input(x_test[i], info) for i in order])
    (args.out / "samples.bin").write_bytes(q.tobytes())
    (args.out / "samples_labels.txt").write_text("\n".join(LABELS[y_test[i]] for i in order) + "\n")


if __name__ == "__main__":
    main()
