"""Train the example gesture classifier and convert it to an int8 .tflite.

Data: 3-axis accelerometer windows (64 samples at 50 Hz, in g) synthesized here
for four gestures: idle (gravity and sensor noise), shake (a fast oscillation
along x), circle (a slow rotation in the x/y plane) and tap (short spikes on z).
Every window gets a random amplitude, frequency, phase, orientation offset and
noise, so the model has to learn the shape of the motion, not one trace.

    python examples/gestures/train.py          # needs tensorflow-cpu

Writes gestures.tflite (int8 in and out), samples.bin (int8 input windows for
the device, quantized with the model's input parameters), labels.txt and
samples_labels.txt next to this file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
LABELS = ["idle", "shake", "circle", "tap"]
WINDOW, AXES, RATE = 64, 3, 50.0


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--out", type=Path, default=HERE)
    args = ap.parse_args()
    import tensorflow as tf

    tf.keras.utils.set_random_seed(0)
    x_train, y_train = dataset(4000, seed=1)
    x_test, y_test = dataset(400, seed=2)
    model = build_model()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=1, epochs=args.epochs, verbose=2,
              validation_data=(x_test, y_test))
    _, acc = model.evaluate(x_test, y_test, batch_size=1, verbose=0)
    print(f"float model test accuracy: {acc:.3f}")

    def representative():
        for i in range(200):
            yield [x_train[i : i + 1]]

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    tflite_model = conv.convert()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "gestures.tflite").write_bytes(tflite_model)

    interp = tf.lite.Interpreter(model_content=tflite_model)
    interp.allocate_tensors()
    din, dout = interp.get_input_details()[0], interp.get_output_details()[0]
    s, zp = din["quantization"]
    q = np.clip(np.round(x_test / s) + zp, -128, 127).astype(np.int8)
    correct = 0
    for i in range(len(q)):
        interp.set_tensor(din["index"], q[i : i + 1])
        interp.invoke()
        correct += int(np.argmax(interp.get_tensor(dout["index"])) == y_test[i])
    print(f"int8 model test accuracy: {correct / len(q):.3f}, {len(tflite_model)} bytes")

    # 16 device samples: 4 of each gesture
    order = np.concatenate([np.flatnonzero(y_test == k)[:4] for k in range(len(LABELS))])
    (args.out / "samples.bin").write_bytes(q[order].tobytes())
    (args.out / "samples_labels.txt").write_text("\n".join(LABELS[y_test[i]] for i in order) + "\n")
    (args.out / "labels.txt").write_text("\n".join(LABELS) + "\n")


if __name__ == "__main__":
    main()
