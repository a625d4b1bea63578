"""The TensorFlow Lite flatbuffer schema's Python object API (ModelT, TensorT, ...), to read and rewrite models.

The generated module (schema_py_generated.py, needing only the flatbuffers and numpy packages) ships
with TensorFlow (the `convert` extra) and with the tflite-micro package; it is loaded from whichever is
installed, as a file, without importing TensorFlow itself (seconds of start-up).

    m = read(data)                      # ModelT
    m.subgraphs[0].tensors[3].type = TensorType.INT4
    data = write(m)                     # constant data 16-byte aligned, as TFLite's converter writes it
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

# where each package keeps its copy, relative to the package folder
_PLACES = (("tensorflow", "lite/python/schema_py_generated.py"),
           ("tflite_micro", "tensorflow/lite/micro/python/schema_py_generated.py"),
           ("tflite_micro", "tensorflow/lite/python/schema_py_generated.py"))
_MODULE: ModuleType | None = None


class SchemaMissing(RuntimeError):
    """Neither TensorFlow nor tflite-micro is installed."""


def load() -> ModuleType:
    """The schema module (loaded once)."""
    global _MODULE
    if _MODULE is not None:
        return _MODULE
    for package, rel in _PLACES:
        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            spec = None
        for folder in (spec.submodule_search_locations or []) if spec else []:
            path = Path(folder) / rel
            if path.is_file():
                mspec = importlib.util.spec_from_file_location("tinyml_tflite_schema", path)
                assert mspec is not None and mspec.loader is not None
                module = importlib.util.module_from_spec(mspec)
                sys.modules.setdefault("tinyml_tflite_schema", module)
                mspec.loader.exec_module(module)
                _MODULE = module
                return module
    raise SchemaMissing("reading and rewriting .tflite models needs TensorFlow: pip install 'tinyml-tools[convert]' "
                        "(or pip install tensorflow-cpu)")


def read(data: bytes) -> Any:
    """The model as a ModelT object tree."""
    s = load()
    return s.ModelT.InitFromPackedBuf(bytearray(data), 0)


def write(model: Any) -> bytes:
    """Serialize a ModelT with the file identifier "TFL3"; every buffer's data 16-byte aligned (the core and
    TFLM read constants in place: an int32 bias must be 4-byte aligned, and on the M0+ misaligned loads fault)."""
    import flatbuffers

    cls = _aligned_buffer_class()
    for i, buf in enumerate(model.buffers or []):
        if type(buf) is not cls:
            aligned = cls()
            aligned.__dict__.update(buf.__dict__)
            model.buffers[i] = aligned
    builder = flatbuffers.Builder(1 << 16)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


_ALIGNED: list[type] = []


def _aligned_buffer_class() -> type:
    """BufferT whose Pack aligns the data to 16 bytes (made once: it subclasses a class of the loaded schema)."""
    if _ALIGNED:
        return _ALIGNED[0]
    s = load()

    class AlignedBuffer(s.BufferT):  # type: ignore[name-defined,misc]
        def Pack(self, builder: Any) -> int:
            data = None
            raw = bytes(bytearray(self.data)) if self.data is not None and len(self.data) else b""
            if raw:
                builder.StartVector(1, len(raw), 16)
                builder.head = builder.head - len(raw)
                builder.Bytes[builder.head: builder.head + len(raw)] = raw
                data = builder.EndVector()
            s.BufferStart(builder)
            if data is not None:
                s.BufferAddData(builder, data)
            if self.offset:
                s.BufferAddOffset(builder, self.offset)
                s.BufferAddSize(builder, self.size)
            return s.BufferEnd(builder)

    _ALIGNED.append(AlignedBuffer)
    return AlignedBuffer


def op_name(model: Any, op: Any) -> str:
    """BuiltinOperator name of an OperatorT ("CONV_2D"), or "CUSTOM 'name'"."""
    s = load()
    code = model.operatorCodes[op.opcodeIndex]
    value = max(int(code.builtinCode), int(code.deprecatedBuiltinCode))
    if value == s.BuiltinOperator.CUSTOM:
        custom = code.customCode.decode() if isinstance(code.customCode, bytes) else str(code.customCode)
        return f"CUSTOM '{custom}'"
    return _names(s).get(value, str(value))


def _names(s: ModuleType) -> dict[int, str]:
    return {v: k for k, v in vars(s.BuiltinOperator).items() if not k.startswith("_")}


def type_name(value: int) -> str:
    s = load()
    return {v: k.lower() for k, v in vars(s.TensorType).items() if not k.startswith("_")}.get(value, str(value))


def tensor_name(t: Any) -> str:
    name = t.name
    return name.decode(errors="replace") if isinstance(name, bytes) else str(name or "")
