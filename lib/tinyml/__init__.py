"""tinyml: int8 TensorFlow Lite models on MicroPython, bit-exact with TFLM.

    import tinyml
    m = tinyml.Model("model.tflite")     # a path, or bytes/bytearray/memoryview
    y = m.predict(x)                     # x: int8 buffer, or floats (quantized)
    y = m.predict(x, dequantize=True)    # array('f') of real values

tinyml.stream and tinyml.profile are imported on first use (no RAM until then).
"""

import os
import sys

import _tinyml

version = _tinyml.version
backend = _tinyml.backend
supported_ops = _tinyml.supported_ops
clock = _tinyml.clock
flash_meta_config = _tinyml.flash_meta_config


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
    """A loaded model: Model(source, *, arena=None, patches=True, flash_meta=None).

    source: a file path, or any buffer (kept alive and read in place).
    arena: optional writable buffer for the activations (at least arena_size bytes).
    patches: False: never run a stage of the model band by band (more arena, fewer instructions).
    flash_meta: the model's constant arrays computed on the host (tinyml upload --romfs writes them beside
    the model as <path>.tmx): None uses <path>.tmx when it exists, False never, or a path or buffer.
    The attribute flash_meta then says "used", why it was ignored, or None (none).
    """

    def __init__(self, source, *, arena=None, patches=True, flash_meta=None):
        self._m = _model(source, arena, patches, flash_meta)
        self.inputs = [TensorInfo(i) for i in self._m.inputs]
        self.outputs = [TensorInfo(o) for o in self._m.outputs]

    arena_size = property(lambda self: self._m.arena_size)
    persistent_size = property(lambda self: self._m.persistent_size)
    weights_size = property(lambda self: self._m.weights_size)
    flash_meta = property(lambda self: self._m.flash_meta)
    ops = property(lambda self: self._m.ops)
    # the planner's records: ("inplace" | "stage", first op, last op, rows per kernel call or band)
    plans = property(lambda self: self._m.plans)

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


def _model(source, arena, patches, meta):
    """The binding's model (Model.__init__'s work, in a frame of its own: MicroPython puts a frame of more than
    11 words on the heap, a transient allocation a nearly full heap may not have room for)."""
    if isinstance(source, str):
        source = _find(source)
        if meta is None and _exists(source + ".tmx"):
            meta = source + ".tmx"  # beside the model (tinyml upload --romfs writes it)
    return _tinyml.Model(source, arena, patches, None if meta is False else meta)


_ENOENT = 2  # errno.ENOENT on every MicroPython port (the errno module is optional)
_MOUNT = "/remote"  # where `tinyml run` (mpremote's mount) puts the host folder, made the current folder


def _exists(path):
    try:
        os.stat(path)
        return True
    except OSError as e:
        if e.args and e.args[0] == _ENOENT:
            return False
        raise


def _find(path):
    """The model file `path`, as given; else, when the current folder is the host folder that `tinyml run`
    mounted, the device's own /path (where `tinyml upload` puts models). OSError naming the path and
    the folders it was looked for in when neither exists."""
    if _exists(path):
        return path
    try:
        cwd = os.getcwd()
    except (AttributeError, OSError):
        cwd = "/"
    if path.startswith("/"):
        folder, name = path[: path.rfind("/")] or "/", path[path.rfind("/") + 1 :]
        raise OSError(_ENOENT, f"no model file {name} in {folder} (upload it there: tinyml upload {name} --as {path})")
    if cwd == _MOUNT or cwd.startswith(_MOUNT + "/"):
        alt = "/" + path
        if _exists(alt):
            return alt
        raise OSError(_ENOENT, f"no model file {path} in {cwd} (the host folder tinyml run mounted) nor in / on the "
                      f"device: put it in the host folder, or upload it (tinyml upload {path})")
    raise OSError(_ENOENT, f"no model file {path} in {cwd} (the current folder): upload it (tinyml upload {path}) "
                  "or give its full path")


def __getattr__(name):
    # tinyml.stream and tinyml.profile: imported on first use, so `import tinyml` alone gives them
    if name in ("stream", "profile"):
        __import__("tinyml." + name)
        return sys.modules["tinyml." + name]
    raise AttributeError(name)


def argmax(values):
    """Index of the largest value of a sequence (first one on ties)."""
    best = 0
    for i in range(1, len(values)):
        if values[i] > values[best]:
            best = i
    return best
