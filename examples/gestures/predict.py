"""Classify accelerometer gestures on the device (MicroPython).

Needs on the device's filesystem: gestures.tflite, labels.txt, samples.bin and
samples_labels.txt (make demo copies them; or `mpremote cp` them yourself).
"""

import time

import tinyml

labels = [s.strip() for s in open("labels.txt")]
expected = [s.strip() for s in open("samples_labels.txt")]
model = tinyml.Model("gestures.tflite")
size = model.inputs[0].size
out_info = model.outputs[0]
print("tinyml", tinyml.version, "backend", tinyml.backend)
print("ops:", " ".join(model.ops))
print("arena:", model.arena_size, "bytes")

samples = open("samples.bin", "rb").read()
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
    print("sample {:2d}: {:7s} p={:.2f}  (expected {})".format(i, labels[best], p, want))
print("accuracy: {}/{}".format(correct, len(expected)))
print("time per inference: {} us".format(elapsed // len(expected)))
