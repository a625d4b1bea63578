"""ctypes wrapper of the tinyml C core built as a host shared library.

The host tools and tests run exactly the C code that runs on the device:
installing the package (``pip install ./host_tools``, setup.py) or ``make host-lib``
builds one library per kernel backend into ``lib/`` beside this file
(``libtinyml-ref.so``, and ``libtinyml-cmsis-nn.so`` where CMSIS-NN was at hand;
``make host-lib`` with ESP-NN also ``libtinyml-esp-nn.so``, its generic
optimisations, and ``libtinyml-esp-nn-ansi.so``, its plain C).
``TINYML_LIB`` points at another build (e.g. one with AddressSanitizer) for the ref backend.
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

DTYPES = {0: np.float32, 2: np.int32, 3: np.uint8, 4: np.int64, 6: np.bool_, 7: np.int16, 9: np.int8, 12: np.uint64,
          15: np.uint32, 16: np.uint16}


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


class _Tensor(ctypes.Structure):
    """tml_tensor_t"""

    _fields_ = [
        ("data", ctypes.c_void_p),
        ("dims", ctypes.POINTER(ctypes.c_int32)),
        ("bytes", ctypes.c_int32),
        ("scale", ctypes.c_float),
        ("zero_point", ctypes.c_int32),
        ("ndims", ctypes.c_uint8),
        ("type", ctypes.c_uint8),
        ("kind", ctypes.c_uint8),
        ("per_channel", ctypes.c_uint8),
    ]


_ALLOC_FN = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)
_FREE_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)


class _Allocator(ctypes.Structure):
    _fields_ = [("alloc", _ALLOC_FN), ("free", _FREE_FN), ("ctx", ctypes.c_void_p)]


_libc = ctypes.CDLL(None)
_libc.malloc.argtypes = [ctypes.c_size_t]
_libc.malloc.restype = ctypes.c_void_p
_libc.free.argtypes = [ctypes.c_void_p]
_libc.free.restype = None
# Callbacks for tml_model_load_ex (kept alive for the life of the process).
_alloc_cb = _ALLOC_FN(lambda _ctx, size: _libc.malloc(size or 1))
_free_cb = _FREE_FN(lambda _ctx, ptr, _size: _libc.free(ptr))
_ALLOCATOR = _Allocator(_alloc_cb, _free_cb, None)
# Storage for a tml_model_t (176 bytes on x86-64 today; generous so that fields may be added).
_MODEL_STRUCT_BYTES = 2048
LOAD_INSPECT = 1
# Planner flags (tml_core.h): no band-by-band stage, nothing in place; for tests, force them.
LOAD_NO_PATCHES = 2
LOAD_NO_INPLACE = 4
LOAD_FORCE_INPLACE = 8
LOAD_FORCE_PATCHES = 16
# Per-channel multipliers and shifts of int8/16x8 convolutions: computed in each eval into the op's scratch
# (kept in no metadata), or kept by every op; neither: the core decides per op (tml_core.h).
LOAD_QUANT_PER_CALL = 32
LOAD_QUANT_KEEP = 64
# Flash metadata (tml_model_load_meta): record the constant arrays for write_meta(); lay them out as
# a Cortex-M55 (MVE) build of the backend does (its kernel sums).
LOAD_META_RECORD = 128
LOAD_META_MVE = 256
KIND_NAMES = {0: "none", 1: "const", 2: "arena", 3: "alias", 4: "variable"}

_libs: dict[str, ctypes.CDLL] = {}
BACKENDS = ("ref", "cmsis-nn", "armv6m", "dsp", "esp-nn", "esp-nn-ansi")


def _lib_path(backend: str) -> Path:
    env = os.environ.get("TINYML_LIB")
    if env and backend == "ref":
        return Path(env)
    return LIB_DIR / f"libtinyml-{backend}.so"


def not_built_hint(backend: str = "ref") -> str:
    """What to do when the host library of `backend` is missing."""
    if backend == "cmsis-nn" and _lib_path("ref").exists():
        return ("the cmsis-nn backend was not built (CMSIS-NN was not found when the package was built): "
                "set CMSIS_NN_DIR to CMSIS-NN's sources (or run 'make deps') and reinstall the package, "
                "or run 'make host-lib' in the checkout; --backend ref works now")
    return ("the tinyml host library is not built: reinstall the package with a C compiler present "
            "(pip install ./host_tools builds it), or run 'make host-lib' in the checkout")


def backends() -> list[str]:
    """Backends whose host library has been built."""
    return [b for b in BACKENDS if _lib_path(b).exists()]


def _load_lib(backend: str) -> ctypes.CDLL:
    if backend in _libs:
        return _libs[backend]
    path = _lib_path(backend)
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: {not_built_hint(backend)}")
    lib = ctypes.CDLL(str(path))
    p, i, sz = ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t
    lib.tml_host_load.argtypes = [ctypes.c_char_p, sz, ctypes.POINTER(_Error)]
    lib.tml_host_load.restype = p
    lib.tml_host_load_ex.argtypes = [ctypes.c_char_p, sz, ctypes.c_uint, ctypes.POINTER(_Error)]
    lib.tml_host_load_ex.restype = p
    lib.tml_host_load_meta.argtypes = [ctypes.c_char_p, sz, ctypes.c_uint, ctypes.c_char_p, sz, ctypes.POINTER(_Error)]
    lib.tml_host_load_meta.restype = p
    lib.tml_model_load_meta.argtypes = [p, ctypes.c_char_p, sz, ctypes.POINTER(_Allocator), ctypes.c_uint,
                                        ctypes.c_char_p, sz, ctypes.POINTER(_Error)]
    lib.tml_model_load_meta.restype = i
    lib.tml_model_meta_write.argtypes = [p, ctypes.c_char_p, sz]
    lib.tml_model_meta_write.restype = sz
    lib.tml_model_flash_meta.argtypes = [p]
    lib.tml_model_flash_meta.restype = ctypes.c_char_p
    lib.tml_model_meta_flash_bytes.argtypes = [p, i]
    lib.tml_model_meta_flash_bytes.restype = sz
    lib.tml_flash_meta_config.argtypes = [ctypes.c_uint]
    lib.tml_flash_meta_config.restype = ctypes.c_uint32
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
    lib.tml_model_op_scratch.argtypes = [p, i]
    lib.tml_model_op_scratch.restype = sz
    lib.tml_model_op_supported.argtypes = [p, i]
    lib.tml_model_op_supported.restype = i
    lib.tml_model_op_kernel.argtypes = [p, i]
    lib.tml_model_op_kernel.restype = ctypes.c_char_p
    lib.tml_backend_name.argtypes = []
    lib.tml_backend_name.restype = ctypes.c_char_p
    lib.tml_supported_op.argtypes = [i]
    lib.tml_supported_op.restype = ctypes.c_char_p
    lib.tml_model_load_ex.argtypes = [p, ctypes.c_char_p, sz, ctypes.POINTER(_Allocator), ctypes.c_uint,
                                      ctypes.POINTER(_Error)]
    lib.tml_model_load_ex.restype = i
    lib.tml_model_free.argtypes = [p]
    lib.tml_model_free.restype = None
    lib.tml_model_unsupported.argtypes = [p]
    lib.tml_model_unsupported.restype = ctypes.c_char_p
    lib.tml_model_op_num_io.argtypes = [p, i, i]
    lib.tml_model_op_num_io.restype = i
    lib.tml_model_op_io.argtypes = [p, i, i, i]
    lib.tml_model_op_io.restype = i
    lib.tml_model_num_tensors.argtypes = [p]
    lib.tml_model_num_tensors.restype = i
    lib.tml_model_tensor.argtypes = [p, i]
    lib.tml_model_tensor.restype = ctypes.POINTER(_Tensor)
    lib.tml_model_tensor_name.argtypes = [p, i, ctypes.c_char_p, sz]
    lib.tml_model_tensor_name.restype = None
    for name in ("tml_model_input", "tml_model_output"):
        getattr(lib, name).argtypes = [p, i]
        getattr(lib, name).restype = ctypes.POINTER(_Tensor)
    lib.tml_model_num_plans.argtypes = [p]
    lib.tml_model_num_plans.restype = i
    ip = ctypes.POINTER(i)
    lib.tml_model_plan.argtypes = [p, i, ip, ip, ip, ip, ctypes.POINTER(ctypes.c_int32)]
    lib.tml_model_plan.restype = i
    lib.tml_model_tensor_arena.argtypes = [p, i, ctypes.POINTER(ctypes.c_int32), ctypes.POINTER(ctypes.c_int32)]
    lib.tml_model_tensor_arena.restype = i
    lib.tml_type_name.argtypes = [i]
    lib.tml_type_name.restype = ctypes.c_char_p
    lib.tml_model_meta_bytes.argtypes = [p, i]
    lib.tml_model_meta_bytes.restype = sz
    lib.tml_meta_name.argtypes = [i]
    lib.tml_meta_name.restype = ctypes.c_char_p
    _libs[backend] = lib
    return lib


def supported_ops(backend: str = "ref") -> list[str]:
    lib = _load_lib(backend)
    names = []
    while (name := lib.tml_supported_op(len(names))) is not None:
        names.append(name.decode())
    return names


@dataclass(frozen=True)
class GraphTensor:
    """A tensor of the graph as the core sees it (for tools: shapes, kinds, quantization)."""

    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str
    nbytes: int
    scale: float
    zero_point: int
    kind: str
    per_channel: bool


@dataclass(frozen=True)
class OpInfo:
    """Operator i: its name, MACs, tensor indices (-1 for an absent optional input), whether
    the core runs it (an operator, or an operator for its input type, may be unsupported), and
    the kernel load chose for it where the backend has more than one (the backend's name,
    "portable" or "esp-nn-ansi"; None where the operator has one)."""

    index: int
    name: str
    macs: int
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    supported: bool
    kernel: str | None = None


@dataclass(frozen=True)
class PlanRecord:
    """A plan record: `kind` "inplace" (operator `first`, output over its dying input, `rows` output rows
    per kernel call) or "stage" (operators first..last band by band, `rows` output rows per band);
    `temp` arena bytes of its temporary area."""

    kind: str
    first: int
    last: int
    rows: int
    temp: int


@dataclass(frozen=True)
class TensorInfo:
    shape: tuple[int, ...]
    dtype: type
    scale: float
    zero_point: int
    nbytes: int


class Model:
    """A model loaded by the C core, with its arena bound (ready to invoke)."""

    def __init__(self, data: bytes, backend: str = "ref", inspect: bool = False, flags: int = 0,
                 meta: bytes | None = None) -> None:
        """inspect=True: load with TML_LOAD_INSPECT, which accepts unsupported operators (listed by
        `unsupported`); such a model is described (ops, tensors, sizes) but has no arena and cannot run.
        flags: LOAD_NO_PATCHES, LOAD_NO_INPLACE (and, for tests, LOAD_FORCE_*), LOAD_META_*, or-ed.
        meta: a flash metadata blob (write_meta()) to read the constant arrays from (flash_meta says
        whether it was used)."""
        self._data = bytes(data)  # the core reads these bytes in place
        # the core reads the blob in place too (a ctypes buffer: 8-byte aligned, as flash would be)
        self._meta = ctypes.create_string_buffer(bytes(meta), len(meta)) if meta is not None else None
        meta_len = len(meta) if meta is not None else 0
        self._lib = _load_lib(backend)
        self.backend = backend
        self.inspect = inspect
        self._m = None
        err = _Error()
        if inspect:
            self._storage = ctypes.create_string_buffer(_MODEL_STRUCT_BYTES)
            addr = ctypes.addressof(self._storage)
            if self._lib.tml_model_load_meta(addr, self._data, len(self._data), ctypes.byref(_ALLOCATOR),
                                             LOAD_INSPECT | flags, self._meta, meta_len, ctypes.byref(err)) != 0:
                raise CoreError(err.status, err.msg.decode(errors="replace"), err.bytes_needed)
            self._m = addr
        else:
            self._m = self._lib.tml_host_load_meta(self._data, len(self._data), flags, self._meta, meta_len,
                                                   ctypes.byref(err))
            if not self._m:
                raise CoreError(err.status, err.msg.decode(errors="replace"), err.bytes_needed)
        self.inputs = [self._info(0, k) for k in range(self._lib.tml_model_num_inputs(self._m))]
        self.outputs = [self._info(1, k) for k in range(self._lib.tml_model_num_outputs(self._m))]

    @property
    def unsupported(self) -> str | None:
        """Inspect mode: the core's message listing the unsupported operators, or None."""
        msg = self._lib.tml_model_unsupported(self._m)
        return msg.decode(errors="replace") if msg else None

    @property
    def num_tensors(self) -> int:
        return int(self._lib.tml_model_num_tensors(self._m))

    def tensor(self, index: int) -> GraphTensor:
        """Tensor `index` of the graph."""
        ptr = self._lib.tml_model_tensor(self._m, index)
        if not ptr:
            raise IndexError(index)
        t = ptr.contents
        name = ctypes.create_string_buffer(128)
        self._lib.tml_model_tensor_name(self._m, index, name, len(name))
        shape = tuple(int(t.dims[d]) for d in range(t.ndims)) if t.dims else ()
        return GraphTensor(index, name.value.decode(errors="replace"), shape,
                           self._lib.tml_type_name(t.type).decode(), int(t.bytes), float(t.scale),
                           int(t.zero_point), KIND_NAMES.get(t.kind, str(t.kind)), bool(t.per_channel))

    def io_tensors(self, is_output: bool) -> list[int]:
        """Graph tensor indices of the model's inputs (or outputs)."""
        get = self._lib.tml_model_output if is_output else self._lib.tml_model_input
        count = len(self.outputs if is_output else self.inputs)
        addrs = {ctypes.addressof(self._lib.tml_model_tensor(self._m, k).contents): k
                 for k in range(self.num_tensors)}
        return [addrs.get(ctypes.addressof(get(self._m, k).contents), -1) for k in range(count)]

    def op_info(self, i: int) -> OpInfo:
        """Operator i with its input and output tensor indices."""
        lib, m = self._lib, self._m
        if not 0 <= i < lib.tml_model_num_ops(m):
            raise IndexError(i)
        ins = tuple(lib.tml_model_op_io(m, i, 0, k) for k in range(lib.tml_model_op_num_io(m, i, 0)))
        outs = tuple(lib.tml_model_op_io(m, i, 1, k) for k in range(lib.tml_model_op_num_io(m, i, 1)))
        kernel = lib.tml_model_op_kernel(m, i)
        return OpInfo(i, lib.tml_model_op_name(m, i).decode(), int(lib.tml_model_op_macs(m, i)), ins, outs,
                      bool(lib.tml_model_op_supported(m, i)), kernel.decode() if kernel else None)

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
    def meta_bytes(self) -> dict[str, int]:
        """The persistent metadata by category (tml_model_meta_bytes, in the core's order): tensors, ops,
        op_data, quant (multipliers and shifts), kernel_sums, plan, other; they sum to persistent_size."""
        return self._by_category(self._lib.tml_model_meta_bytes)

    @property
    def meta_flash_bytes(self) -> dict[str, int]:
        """The bytes per category read in place from the flash metadata instead of RAM."""
        return self._by_category(self._lib.tml_model_meta_flash_bytes)

    def _by_category(self, count) -> dict[str, int]:
        """{category name: count(model, k)} over the core's metadata categories (tml_meta_name)."""
        out, k = {}, 0
        while (name := self._lib.tml_meta_name(k)) is not None:
            out[name.decode()] = int(count(self._m, k))
            k += 1
        return out

    @property
    def flash_meta(self) -> str | None:
        """What became of the blob given as meta: None (none given), "used", or why it was ignored."""
        r = self._lib.tml_model_flash_meta(self._m)
        return r.decode() if r is not None else None

    def write_meta(self) -> bytes:
        """The flash metadata blob of a model loaded with LOAD_META_RECORD (| LOAD_META_MVE)."""
        n = int(self._lib.tml_model_meta_write(self._m, None, 0))
        if n == 0:
            raise ValueError("the model was not loaded with LOAD_META_RECORD")
        buf = ctypes.create_string_buffer(n)
        self._lib.tml_model_meta_write(self._m, buf, n)
        return buf.raw

    @property
    def weights_size(self) -> int:
        return int(self._lib.tml_model_weights_size(self._m))

    @property
    def ops(self) -> list[str]:
        return [self._lib.tml_model_op_name(self._m, k).decode() for k in range(self._lib.tml_model_num_ops(self._m))]

    @property
    def op_macs(self) -> list[int]:
        return [int(self._lib.tml_model_op_macs(self._m, k)) for k in range(self._lib.tml_model_num_ops(self._m))]

    @property
    def op_scratch(self) -> list[int]:
        """Bytes of kernel scratch each operator asked for (its kernel's *_get_buffer_size())."""
        return [int(self._lib.tml_model_op_scratch(self._m, k)) for k in range(self._lib.tml_model_num_ops(self._m))]

    @property
    def plans(self) -> list[PlanRecord]:
        """The planner's records: operators run in place by rows, and the stage run band by band."""
        out = []
        for k in range(self._lib.tml_model_num_plans(self._m)):
            v = [ctypes.c_int() for _ in range(4)]
            temp = ctypes.c_int32()
            if self._lib.tml_model_plan(self._m, k, *[ctypes.byref(x) for x in v], ctypes.byref(temp)) == 0:
                first, last, kind, rows = (x.value for x in v)
                out.append(PlanRecord({1: "inplace", 2: "stage"}.get(kind, str(kind)), first, last, rows, temp.value))
        return out

    def tensor_arena(self, index: int) -> tuple[int, int] | None:
        """(offset, bytes) of tensor `index` in the arena (a stage's inner tensor: its window), or None."""
        off, n = ctypes.c_int32(), ctypes.c_int32()
        if self._lib.tml_model_tensor_arena(self._m, index, ctypes.byref(off), ctypes.byref(n)) != 0:
            return None
        return off.value, n.value

    def _check_runnable(self) -> None:
        if self.inspect:
            raise CoreError(5, "the model was loaded with inspect=True: it has no arena and cannot run")

    def set_input(self, k: int, value: np.ndarray) -> None:
        self._check_runnable()
        info, addr = self._tensor(0, k)
        arr = np.ascontiguousarray(value)
        if arr.dtype != info.dtype:
            raise CoreError(4, f"input {k} must be {np.dtype(info.dtype).name}, got {arr.dtype.name}")
        if arr.nbytes != info.nbytes:
            raise CoreError(4, f"input {k} needs {info.nbytes} bytes {info.shape}, got {arr.nbytes}")
        if info.nbytes:
            ctypes.memmove(addr, arr.ctypes.data, info.nbytes)

    def get_output(self, k: int) -> np.ndarray:
        self._check_runnable()
        info, addr = self._tensor(1, k)
        buf = (ctypes.c_uint8 * info.nbytes).from_address(addr) if info.nbytes else b""
        return np.frombuffer(bytes(buf), dtype=info.dtype).reshape(info.shape).copy()

    def run(self) -> None:
        """One inference on the inputs as they are (no copies: for timing)."""
        self._check_runnable()
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
            if self.inspect:
                self._lib.tml_model_free(self._m)
            else:
                self._lib.tml_host_free(self._m)
            self._m = None

    def __del__(self) -> None:
        self.close()


def flash_meta_blob(data: bytes, backend: str = "ref", mve: bool = False) -> bytes:
    """The flash metadata blob (".tmx") of model `data` for a board of `backend` (a Cortex-M55: mve),
    computed by the host library of that backend."""
    flags = LOAD_META_RECORD | (LOAD_META_MVE if mve else 0)
    m = Model(data, backend=backend, flags=flags)
    try:
        return m.write_meta()
    finally:
        m.close()
