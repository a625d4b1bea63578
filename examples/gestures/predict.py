"""Classify accelerometer gestures on the device (MicroPython).

Needs on the device's filesystem: gestures.tflite, labels.txt, samples.bin and
samples_labels.txt (make demo copies them; or `mpremote cp` them yourself).
"""

import time

import tinyml


def lines(path):
    with open(path) as f:
        return [s.strip() for s in f]


labels = lines("labels.txt")
expected = lines("samples_labels.txt")
model = tinyml.Model("gestures.tflite")
size = model.inputs[0].size
out_info = model.outputs[0]
print("tinyml", tinyml.version, "backend", tinyml.backend)
print("ops:", " ".join(model.ops))
print("arena:", model.arena_size, "bytes")

with open("samples.bin", "rb") as f:
    samples = f.read()
correct = 0
elapsed = 0
for i, want in enumerate(expected):
    x = memoryview(samples)[i * size : (i + 1) * size]
    t0 = time.ticks_us()
    y = model.predict(x)
    elapsed += time.ticks_diff(time.ticks_us(), t0)
    best = max(range(len(y)), key=lambda k: y[k])
    p = out_info.dequantize(y[best])
    correct += labels[best] == want
    print(f"sample {i:2d}: {labels[best]:7s} p={p:.2f}  (expected {want})")
print(f"accuracy: {correct}/{len(expected)}")
print(f"time per inference: {elapsed // len(expected)} us")
