"""ctypes wrapper of the tinyml C core built as a host shared library.

The host tools and tests run exactly the C code that runs on the device:
``make host-lib`` builds one library per kernel backend into ``lib/`` beside
this file (``libtinyml-ref.so``, ``libtinyml-cmsis-nn.so``). ``TINYML_LIB``
points at another build (e.g. one with AddressSanitizer) for the ref backend.
"""

from __future__ import annotations

import ctypes
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

LIB_DIR = Path(__file__).resolve().parent / "lib"
MAX_DIMS = 6
MSG_LEN = 256

STATUS_NAMES = {
    0: "OK",
    1: "INVALID_MODEL",
    2: "UNSUPPORTED",
    3: "NO_MEMORY",
    4: "ARGUMENT",
    5: "STATE",
    6: "KERNEL",
}

DTYPES = {0: np.float32, 2: np.int32, 3: np.uint8, 4: np.int64, 6: np.bool_, 7: np.int16, 9: np.int8}


class CoreError(Exception):
    """The core refused a model or an input; ``status`` is its status name."""

    def __init__(self, status: int, message: str, bytes_needed: int = 0) -> None:
        super().__init__(message)
        self.code = status
        self.status = STATUS_NAMES.get(status, str(status))
        self.message = message
        self.bytes_needed = bytes_needed


class _Error(ctypes.Structure):
    _fields_ = [
        ("status", ctypes.c_int),
        ("bytes_needed", ctypes.c_size_t),
        ("msg", ctypes.c_char * MSG_LEN),
    ]


_libs: dict[str, ctypes.CDLL] = {}


def _lib_path(backend: str) -> Path:
    env = os.environ.get("TINYML_LIB")
    if env and backend == "ref":
        return Path(env)
    return LIB_DIR / f"libtinyml-{backend}.so"


def backends() -> list[str]:
    """Backends whose host library has been built."""
    return [b for b in ("ref", "cmsis-nn") if _lib_path(b).exists()]


def _load_lib(backend: str) -> ctypes.CDLL:
    if backend in _libs:
        return _libs[backend]
    path = _lib_path(backend)
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: run 'make host-lib' (backend {backend!r})")
    lib = ctypes.CDLL(str(path))
    p, i, sz = ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t
    lib.tml_host_load.argtypes = [ctypes.c_char_p, sz, ctypes.POINTER(_Error)]
    lib.tml_host_load.restype = p
    lib.tml_host_free.argtypes = [p]
    lib.tml_host_free.restype = None
    lib.tml_host_tensor_info.argtypes = [
        p, i, i, ctypes.POINTER(ctypes.c_int32), ctypes.POINTER(i), ctypes.POINTER(i),
        ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_int32), ctypes.POINTER(p),
        ctypes.POINTER(ctypes.c_int32),
    ]
    lib.tml_host_tensor_info.restype = i
    lib.tml_model_invoke.argtypes = [p, ctypes.POINTER(_Error)]
    lib.tml_model_invoke.restype = i
    lib.tml_model_reset.argtypes = [p]
    lib.tml_model_reset.restype = None
    for name in ("tml_model_num_inputs", "tml_model_num_outputs", "tml_model_num_ops"):
        getattr(lib, name).argtypes = [p]
        getattr(lib, name).restype = i
    for name in ("tml_model_arena_size", "tml_model_persistent_size", "tml_model_weights_size"):
        getattr(lib, name).argtypes = [p]
        getattr(lib, name).restype = sz
    lib.tml_model_op_name.argtypes = [p, i]
    lib.tml_model_op_name.restype = ctypes.c_char_p
    lib.tml_model_op_macs.argtypes = [p, i]
    lib.tml_model_op_macs.restype = ctypes.c_uint64
    lib.tml_backend_name.argtypes = []
    lib.tml_backend_name.restype = ctypes.c_char_p
    lib.tml_supported_op.argtypes = [i]
    lib.tml_supported_op.restype = ctypes.c_char_p
    _libs[backend] = lib
    return lib


def supported_ops(backend: str = "ref") -> list[str]:
    lib = _load_lib(backend)
    names = []
    while (name := lib.tml_supported_op(len(names))) is not None:
        names.append(name.decode())
    return names


@dataclass(frozen=True)
class TensorInfo:
    shape: tuple[int, ...]
    dtype: type
    scale: float
    zero_point: int
    nbytes: int


class Model:
    """A model loaded by the C core, with its arena bound (ready to invoke)."""

    def __init__(self, data: bytes, backend: str = "ref") -> None:
        self._data = bytes(data)  # the core reads these bytes in place
        self._lib = _load_lib(backend)
        self.backend = backend
        err = _Error()
        self._m = self._lib.tml_host_load(self._data, len(self._data), ctypes.byref(err))
        if not self._m:
            raise CoreError(err.status, err.msg.decode(errors="replace"), err.bytes_needed)
        self.inputs = [self._info(0, k) for k in range(self._lib.tml_model_num_inputs(self._m))]
        self.outputs = [self._info(1, k) for k in range(self._lib.tml_model_num_outputs(self._m))]

    def _tensor(self, is_output: int, k: int) -> tuple[TensorInfo, int]:
        dims = (ctypes.c_int32 * MAX_DIMS)()
        nd, typ = ctypes.c_int(), ctypes.c_int()
        scale, zp = ctypes.c_float(), ctypes.c_int32()
        data, nbytes = ctypes.c_void_p(), ctypes.c_int32()
        if self._lib.tml_host_tensor_info(self._m, is_output, k, dims, ctypes.byref(nd), ctypes.byref(typ),
                                          ctypes.byref(scale), ctypes.byref(zp), ctypes.byref(data),
                                          ctypes.byref(nbytes)):
            raise IndexError(k)
        if typ.value not in DTYPES:
            raise CoreError(2, f"tensor type {typ.value} has no numpy equivalent")
        info = TensorInfo(tuple(dims[: nd.value]), DTYPES[typ.value], scale.value, zp.value, nbytes.value)
        return info, data.value or 0

    def _info(self, is_output: int, k: int) -> TensorInfo:
        return self._tensor(is_output, k)[0]

    @property
    def arena_size(self) -> int:
        return int(self._lib.tml_model_arena_size(self._m))

    @property
    def persistent_size(self) -> int:
        return int(self._lib.tml_model_persistent_size(self._m))

    @property
    def weights_size(self) -> int:
        return int(self._lib.tml_model_weights_size(self._m))

    @property
    def ops(self) -> list[str]:
        return [self._lib.tml_model_op_name(self._m, k).decode() for k in range(self._lib.tml_model_num_ops(self._m))]

    @property
    def op_macs(self) -> list[int]:
        return [int(self._lib.tml_model_op_macs(self._m, k)) for k in range(self._lib.tml_model_num_ops(self._m))]

    def set_input(self, k: int, value: np.ndarray) -> None:
        info, addr = self._tensor(0, k)
        arr = np.ascontiguousarray(value)
        if arr.dtype != info.dtype:
            raise CoreError(4, f"input {k} must be {np.dtype(info.dtype).name}, got {arr.dtype.name}")
        if arr.nbytes != info.nbytes:
            raise CoreError(4, f"input {k} needs {info.nbytes} bytes {info.shape}, got {arr.nbytes}")
        if info.nbytes:
            ctypes.memmove(addr, arr.ctypes.data, info.nbytes)

    def get_output(self, k: int) -> np.ndarray:
        info, addr = self._tensor(1, k)
        buf = (ctypes.c_uint8 * info.nbytes).from_address(addr) if info.nbytes else b""
        return np.frombuffer(bytes(buf), dtype=info.dtype).reshape(info.shape).copy()

    def run(self) -> None:
        """One inference on the inputs as they are (no copies: for timing)."""
        err = _Error()
        if self._lib.tml_model_invoke(self._m, ctypes.byref(err)) != 0:
            raise CoreError(err.status, err.msg.decode(errors="replace"))

    def invoke(self, *inputs: np.ndarray) -> list[np.ndarray]:
        """Set the inputs (if given), run once and return every output."""
        for k, x in enumerate(inputs):
            self.set_input(k, x)
        self.run()
        return [self.get_output(k) for k in range(len(self.outputs))]

    def reset(self) -> None:
        """Zero the state (variable) tensors."""
        self._lib.tml_model_reset(self._m)

    def close(self) -> None:
        if getattr(self, "_m", None):
            self._lib.tml_host_free(self._m)
            self._m = None

    def __del__(self) -> None:
        self.close()
