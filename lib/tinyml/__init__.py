"""tinyml: int8 TensorFlow Lite models on MicroPython, bit-exact with TFLM.

    import tinyml
    m = tinyml.Model("model.tflite")     # a path, or bytes/bytearray/memoryview
    y = m.predict(x)                     # x: int8 buffer, or floats (quantized)
    y = m.predict(x, dequantize=True)    # array('f') of real values
"""

import _tinyml

version = _tinyml.version
backend = _tinyml.backend
supported_ops = _tinyml.supported_ops
clock = _tinyml.clock


class TensorInfo:
    """A model input or output: shape, dtype, scale, zero_point (also unpacks as a tuple)."""

    def __init__(self, info):
        self.shape, self.dtype, self.scale, self.zero_point = info

    @property
    def size(self):
        n = 1
        for d in self.shape:
            n *= d
        return n

    def quantize(self, value):
        """The quantized value of a real number (round half away from zero, clamped)."""
        r = value / self.scale
        q = int(r + 0.5) if r >= 0 else -int(0.5 - r)
        lo, hi = _RANGES.get(self.dtype, (-(1 << 31), (1 << 31) - 1))
        return min(hi, max(lo, q + self.zero_point))

    def dequantize(self, q):
        return (q - self.zero_point) * self.scale

    def __iter__(self):
        return iter((self.shape, self.dtype, self.scale, self.zero_point))

    def __getitem__(self, i):
        return (self.shape, self.dtype, self.scale, self.zero_point)[i]

    def __len__(self):
        return 4

    def __repr__(self):
        return f"TensorInfo(shape={self.shape}, dtype={self.dtype!r}, scale={self.scale}, zero_point={self.zero_point})"


_RANGES = {"int8": (-128, 127), "uint8": (0, 255), "int16": (-32768, 32767)}


class Model:
    """A loaded model: Model(source, *, arena=None).

    source: a file path, or any buffer (kept alive and read in place).
    arena: optional writable buffer for the activations (at least arena_size bytes).
    """

    def __init__(self, source, *, arena=None):
        self._m = _tinyml.Model(source, arena=arena)
        self.inputs = [TensorInfo(i) for i in self._m.inputs]
        self.outputs = [TensorInfo(o) for o in self._m.outputs]

    arena_size = property(lambda self: self._m.arena_size)
    persistent_size = property(lambda self: self._m.persistent_size)
    weights_size = property(lambda self: self._m.weights_size)
    ops = property(lambda self: self._m.ops)

    def predict(self, x, *, dequantize=False):
        """Run once. x: raw input data (int8 buffer) or real values (list, array('f'))."""
        return self._m.predict(x, dequantize=dequantize)

    def predict_into(self, x, out):
        """Like predict, into the buffer(s) `out`; allocates nothing."""
        return self._m.predict_into(x, out)

    def profile(self, x):
        """Run once with per-op timing: [(op name, MACs, ticks)] (units: tinyml.clock())."""
        return self._m.profile(x)

    def reset(self):
        """Zero the state tensors (stateful models)."""
        self._m.reset()

    def free(self):
        """Release the model's memory now (it is also released when collected)."""
        self._m.free()

    def __repr__(self):
        return repr(self._m)


def argmax(values):
    """Index of the largest value of a sequence (first one on ties)."""
    best = 0
    for i in range(1, len(values)):
        if values[i] > values[best]:
            best = i
    return best
