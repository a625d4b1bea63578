"""Build small TensorFlow Lite flatbuffers from numpy arrays, for tests.

    b = ModelBuilder()
    x = b.tensor("x", (1, 8, 8, 3), np.int8, scale=0.05, zero_point=-3)
    w = b.const("w", weights, scale=np.full(4, 0.01), zero_point=0, quantized_dimension=0)
    bias = b.const("b", bias_i32, scale=np.full(4, 0.0005), zero_point=0)
    y = b.tensor("y", (1, 8, 8, 4), np.int8, scale=0.1, zero_point=2)
    b.op("CONV_2D", [x, w, bias], [y], {"padding": "SAME", "stride_w": 1})
    b.inputs([x]); b.outputs([y])
    data = b.build()

Schema version 3, file identifier "TFL3", buffer 0 empty as TFLite writes it,
constant data in 16-byte aligned buffers. Op inputs/outputs/intermediates
accept a Tensor, None (optional input absent, index -1) or a raw int index
(to build broken models on purpose).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import flatbuffers
import numpy as np
import tflite

TENSOR_TYPES: dict[np.dtype, int] = {
    np.dtype(np.float32): tflite.TensorType.FLOAT32,
    np.dtype(np.float16): tflite.TensorType.FLOAT16,
    np.dtype(np.int32): tflite.TensorType.INT32,
    np.dtype(np.uint8): tflite.TensorType.UINT8,
    np.dtype(np.int64): tflite.TensorType.INT64,
    np.dtype(np.bool_): tflite.TensorType.BOOL,
    np.dtype(np.int16): tflite.TensorType.INT16,
    np.dtype(np.int8): tflite.TensorType.INT8,
    np.dtype(np.uint16): tflite.TensorType.UINT16,
    np.dtype(np.uint32): tflite.TensorType.UINT32,
    np.dtype(np.uint64): tflite.TensorType.UINT64,
    np.dtype(np.float64): tflite.TensorType.FLOAT64,
}

# Builtin op name -> BuiltinOptions table name (None: the op has no options).
OPTIONS_TABLE: dict[str, str | None] = {
    "CONV_2D": "Conv2DOptions",
    "DEPTHWISE_CONV_2D": "DepthwiseConv2DOptions",
    "AVERAGE_POOL_2D": "Pool2DOptions",
    "MAX_POOL_2D": "Pool2DOptions",
    "FULLY_CONNECTED": "FullyConnectedOptions",
    "SOFTMAX": "SoftmaxOptions",
    "ADD": "AddOptions",
    "SUB": "SubOptions",
    "MUL": "MulOptions",
    "RESHAPE": "ReshapeOptions",
    "SQUEEZE": "SqueezeOptions",
    "CONCATENATION": "ConcatenationOptions",
    "PAD": "PadOptions",
    "MEAN": "ReducerOptions",
    "SUM": "ReducerOptions",
    "UNIDIRECTIONAL_SEQUENCE_LSTM": "UnidirectionalSequenceLSTMOptions",
    "QUANTIZE": "QuantizeOptions",
    "DEQUANTIZE": "DequantizeOptions",
    "DIV": "DivOptions",
    "MAXIMUM": "MaximumMinimumOptions",
    "MINIMUM": "MaximumMinimumOptions",
    "SQUARED_DIFFERENCE": "SquaredDifferenceOptions",
    "LEAKY_RELU": "LeakyReluOptions",
    "HARD_SWISH": "HardSwishOptions",
    "PRELU": None,
    "RELU": None,
    "RELU6": None,
    "RELU_N1_TO_1": None,
    "LOGISTIC": None,
    "TANH": None,
    "EXP": "ExpOptions",
    "LOG": None,
    "RSQRT": None,
    "SQRT": None,
    "ABS": "AbsOptions",
    "NEG": "NegOptions",
    "L2_NORMALIZATION": "L2NormOptions",
    "LOG_SOFTMAX": "LogSoftmaxOptions",
    "TRANSPOSE": "TransposeOptions",
    "TRANSPOSE_CONV": "TransposeConvOptions",
    "STRIDED_SLICE": "StridedSliceOptions",
    "SLICE": "SliceOptions",
    "SPLIT": "SplitOptions",
    "SPLIT_V": "SplitVOptions",
    "PACK": "PackOptions",
    "UNPACK": "UnpackOptions",
    "GATHER": "GatherOptions",
    "EXPAND_DIMS": "ExpandDimsOptions",
    "BATCH_TO_SPACE_ND": "BatchToSpaceNDOptions",
    "SPACE_TO_BATCH_ND": "SpaceToBatchNDOptions",
    "DEPTH_TO_SPACE": "DepthToSpaceOptions",
    "SPACE_TO_DEPTH": "SpaceToDepthOptions",
    "RESIZE_NEAREST_NEIGHBOR": "ResizeNearestNeighborOptions",
    "RESIZE_BILINEAR": "ResizeBilinearOptions",
    "CAST": "CastOptions",
    "SHAPE": "ShapeOptions",
    "FILL": "FillOptions",
    "ZEROS_LIKE": "ZerosLikeOptions",
    "REDUCE_MAX": "ReducerOptions",
    "REDUCE_MIN": "ReducerOptions",
    "REDUCE_PROD": "ReducerOptions",
    "ARG_MAX": "ArgMaxOptions",
    "ARG_MIN": "ArgMinOptions",
    "SVDF": "SVDFOptions",
    "BATCH_MATMUL": "BatchMatMulOptions",
    "FLOOR": None,
    "CEIL": None,
    "ROUND": None,
}

# Option fields whose value may be given as an enum member name.
_ENUM_FIELDS: dict[str, type] = {
    "padding": tflite.Padding,
    "fused_activation_function": tflite.ActivationFunctionType,
    "in_data_type": tflite.TensorType,
    "out_data_type": tflite.TensorType,
    "output_type": tflite.TensorType,
    "quantized_bias_type": tflite.TensorType,
}
# Option fields that are int32 vectors.
_VECTOR_FIELDS = {"new_shape", "squeeze_dims"}


@dataclass(frozen=True)
class Tensor:
    index: int
    name: str
    shape: tuple[int, ...]
    dtype: np.dtype


@dataclass
class _TensorDef:
    name: str
    shape: tuple[int, ...]
    type: int
    buffer: int
    scale: np.ndarray | None
    zero_point: np.ndarray | None
    quantized_dimension: int
    is_variable: bool


@dataclass
class _OpDef:
    opcode: int
    inputs: list[int]
    outputs: list[int]
    intermediates: list[int]
    options_type: int
    options: dict[str, Any]
    custom_options: bytes | None = None


TensorRef = Tensor | int | None


def builtin_code(name: str) -> int:
    """BuiltinOperator code of an op name such as "CONV_2D"."""
    return int(getattr(tflite.BuiltinOperator, name))


def _camel(field: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in field.split("_"))


def _index(ref: TensorRef) -> int:
    if ref is None:
        return -1
    return ref.index if isinstance(ref, Tensor) else int(ref)


class ModelBuilder:
    def __init__(self, description: str = "tinyml test model", version: int = 3) -> None:
        self.description = description
        self.version = version
        self._tensors: list[_TensorDef] = []
        self._buffers: list[bytes] = [b""]
        self._codes: list[tuple[int, str | None, int]] = []
        self._ops: list[_OpDef] = []
        self._inputs: list[int] = []
        self._outputs: list[int] = []

    # ---- tensors -------------------------------------------------------
    def tensor(
        self,
        name: str,
        shape: Sequence[int],
        dtype: Any = np.int8,
        scale: float | Sequence[float] | np.ndarray | None = None,
        zero_point: int | Sequence[int] | np.ndarray | None = None,
        quantized_dimension: int = 0,
        *,
        data: np.ndarray | bytes | None = None,
        is_variable: bool = False,
        buffer: int | None = None,
        type_code: int | None = None,
    ) -> Tensor:
        """Add a tensor. `data` makes it constant; `buffer` forces a buffer
        index and `type_code` a TensorType (both for broken models)."""
        dt = np.dtype(dtype)
        if buffer is None:
            buffer = 0
            if data is not None:
                raw = data if isinstance(data, bytes) else np.ascontiguousarray(data, dtype=dt).tobytes()
                self._buffers.append(raw)
                buffer = len(self._buffers) - 1
        scales = None if scale is None else np.atleast_1d(np.asarray(scale, dtype=np.float32))
        zps = None
        if scales is not None:
            zp = 0 if zero_point is None else zero_point
            zps = np.atleast_1d(np.asarray(zp, dtype=np.int64))
            if zps.size == 1 and scales.size > 1:
                zps = np.full(scales.size, zps[0], dtype=np.int64)
        self._tensors.append(
            _TensorDef(
                name,
                tuple(int(d) for d in shape),
                TENSOR_TYPES[dt] if type_code is None else type_code,
                buffer,
                scales,
                zps,
                quantized_dimension,
                is_variable,
            )
        )
        return Tensor(len(self._tensors) - 1, name, tuple(int(d) for d in shape), dt)

    def const(
        self,
        name: str,
        array: np.ndarray,
        scale: float | Sequence[float] | np.ndarray | None = None,
        zero_point: int | Sequence[int] | np.ndarray | None = None,
        quantized_dimension: int = 0,
    ) -> Tensor:
        """Add a constant tensor holding `array` (its dtype and shape)."""
        arr = np.asarray(array)
        return self.tensor(name, arr.shape, arr.dtype, scale, zero_point, quantized_dimension, data=arr)

    # ---- operators -----------------------------------------------------
    def opcode(self, op: str | int, custom_code: str | None = None, version: int = 1) -> int:
        """Index of the operator code (added once per distinct op)."""
        code = builtin_code(op) if isinstance(op, str) else int(op)
        key = (code, custom_code, version)
        if key not in self._codes:
            self._codes.append(key)
        return self._codes.index(key)

    def op(
        self,
        op: str | int,
        inputs: Sequence[TensorRef],
        outputs: Sequence[TensorRef],
        options: Mapping[str, Any] | None = None,
        *,
        intermediates: Sequence[TensorRef] = (),
        custom_code: str | None = None,
        opcode_index: int | None = None,
        options_table: str | None = None,
        version: int = 1,
        custom_options: bytes | Mapping[str, Any] | None = None,
    ) -> None:
        """Add an operator. `options` keys are the schema's snake_case field
        names (padding, stride_w, fused_activation_function, new_shape, ...);
        "activation" is short for fused_activation_function. Enum fields take
        member names ("SAME", "RELU6"). Custom operators (`op` "CUSTOM" with
        `custom_code`) take `custom_options`: raw bytes, or a mapping written as
        a FlexBuffer map (custom_flexbuffer)."""
        name = op if isinstance(op, str) else None
        index = self.opcode(op, custom_code, version)
        if opcode_index is not None:
            index = opcode_index
        table = options_table or (OPTIONS_TABLE.get(name) if name else None)
        opts = dict(options or {})
        if "activation" in opts:
            opts["fused_activation_function"] = opts.pop("activation")
        if opts and table is None:
            raise ValueError(f"{op} takes no options, got {sorted(opts)}")
        self._ops.append(
            _OpDef(
                index,
                [_index(t) for t in inputs],
                [_index(t) for t in outputs],
                [_index(t) for t in intermediates],
                int(getattr(tflite.BuiltinOptions, table)) if table else 0,
                {"_table": table, **opts},
                custom_flexbuffer(custom_options) if isinstance(custom_options, Mapping) else custom_options,
            )
        )

    def inputs(self, tensors: Sequence[TensorRef]) -> None:
        self._inputs = [_index(t) for t in tensors]

    def outputs(self, tensors: Sequence[TensorRef]) -> None:
        self._outputs = [_index(t) for t in tensors]

    # ---- serialization -------------------------------------------------
    def build(self) -> bytes:
        fb = flatbuffers.Builder(1024)
        buffers = [self._build_buffer(fb, raw) for raw in self._buffers]
        tensors = [self._build_tensor(fb, t) for t in self._tensors]
        ops = [self._build_op(fb, o) for o in self._ops]
        codes = [self._build_code(fb, *c) for c in self._codes]

        sg_name = fb.CreateString("main")
        t_vec = _offsets(fb, tflite.SubGraphStartTensorsVector, tensors)
        in_vec = _int32s(fb, self._inputs)
        out_vec = _int32s(fb, self._outputs)
        op_vec = _offsets(fb, tflite.SubGraphStartOperatorsVector, ops)
        tflite.SubGraphStart(fb)
        tflite.SubGraphAddTensors(fb, t_vec)
        tflite.SubGraphAddInputs(fb, in_vec)
        tflite.SubGraphAddOutputs(fb, out_vec)
        tflite.SubGraphAddOperators(fb, op_vec)
        tflite.SubGraphAddName(fb, sg_name)
        subgraph = tflite.SubGraphEnd(fb)

        desc = fb.CreateString(self.description)
        code_vec = _offsets(fb, tflite.ModelStartOperatorCodesVector, codes)
        sg_vec = _offsets(fb, tflite.ModelStartSubgraphsVector, [subgraph])
        buf_vec = _offsets(fb, tflite.ModelStartBuffersVector, buffers)
        tflite.ModelStart(fb)
        tflite.ModelAddVersion(fb, self.version)
        tflite.ModelAddOperatorCodes(fb, code_vec)
        tflite.ModelAddSubgraphs(fb, sg_vec)
        tflite.ModelAddDescription(fb, desc)
        tflite.ModelAddBuffers(fb, buf_vec)
        model = tflite.ModelEnd(fb)
        fb.Finish(model, file_identifier=b"TFL3")
        return bytes(fb.Output())

    @staticmethod
    def _build_buffer(fb: flatbuffers.Builder, raw: bytes) -> int:
        data = None
        if raw:
            fb.StartVector(1, len(raw), 16)
            fb.head = fb.head - len(raw)
            fb.Bytes[fb.head : fb.head + len(raw)] = raw
            data = fb.EndVector()
        tflite.BufferStart(fb)
        if data is not None:
            tflite.BufferAddData(fb, data)
        return tflite.BufferEnd(fb)

    @staticmethod
    def _build_tensor(fb: flatbuffers.Builder, t: _TensorDef) -> int:
        quant = None
        if t.scale is not None and t.zero_point is not None:
            s_vec = fb.CreateNumpyVector(t.scale.astype("<f4"))
            z_vec = fb.CreateNumpyVector(t.zero_point.astype("<i8"))
            tflite.QuantizationParametersStart(fb)
            tflite.QuantizationParametersAddScale(fb, s_vec)
            tflite.QuantizationParametersAddZeroPoint(fb, z_vec)
            tflite.QuantizationParametersAddQuantizedDimension(fb, t.quantized_dimension)
            quant = tflite.QuantizationParametersEnd(fb)
        name = fb.CreateString(t.name)
        shape = _int32s(fb, t.shape)
        tflite.TensorStart(fb)
        tflite.TensorAddShape(fb, shape)
        tflite.TensorAddType(fb, t.type)
        tflite.TensorAddBuffer(fb, t.buffer)
        tflite.TensorAddName(fb, name)
        if quant is not None:
            tflite.TensorAddQuantization(fb, quant)
        if t.is_variable:
            tflite.TensorAddIsVariable(fb, True)
        return tflite.TensorEnd(fb)

    @staticmethod
    def _build_options(fb: flatbuffers.Builder, opts: dict[str, Any]) -> int | None:
        table = opts.pop("_table")
        if table is None:
            return None
        values: dict[str, Any] = {}
        for field, value in opts.items():
            if field in _VECTOR_FIELDS:
                values[field] = _int32s(fb, value)
            elif field in _ENUM_FIELDS and isinstance(value, str):
                values[field] = int(getattr(_ENUM_FIELDS[field], value))
            else:
                values[field] = value
        getattr(tflite, f"{table}Start")(fb)
        for field, value in values.items():
            adder = getattr(tflite, f"{table}Add{_camel(field)}", None)
            if adder is None:
                raise ValueError(f"{table} has no field {field!r}")
            adder(fb, value)
        return int(getattr(tflite, f"{table}End")(fb))

    def _build_op(self, fb: flatbuffers.Builder, o: _OpDef) -> int:
        options = self._build_options(fb, dict(o.options))
        ins = _int32s(fb, o.inputs)
        outs = _int32s(fb, o.outputs)
        inter = _int32s(fb, o.intermediates) if o.intermediates else None
        custom = fb.CreateByteVector(o.custom_options) if o.custom_options is not None else None
        tflite.OperatorStart(fb)
        tflite.OperatorAddOpcodeIndex(fb, o.opcode)
        tflite.OperatorAddInputs(fb, ins)
        tflite.OperatorAddOutputs(fb, outs)
        if options is not None:
            tflite.OperatorAddBuiltinOptionsType(fb, o.options_type)
            tflite.OperatorAddBuiltinOptions(fb, options)
        if inter is not None:
            tflite.OperatorAddIntermediates(fb, inter)
        if custom is not None:
            tflite.OperatorAddCustomOptions(fb, custom)
        return tflite.OperatorEnd(fb)

    @staticmethod
    def _build_code(fb: flatbuffers.Builder, code: int, custom: str | None, version: int) -> int:
        custom_off = fb.CreateString(custom) if custom is not None else None
        tflite.OperatorCodeStart(fb)
        tflite.OperatorCodeAddDeprecatedBuiltinCode(fb, min(code, 127))
        tflite.OperatorCodeAddBuiltinCode(fb, code)
        tflite.OperatorCodeAddVersion(fb, version)
        if custom_off is not None:
            tflite.OperatorCodeAddCustomCode(fb, custom_off)
        return tflite.OperatorCodeEnd(fb)


def custom_flexbuffer(options: Mapping[str, Any]) -> bytes:
    """A FlexBuffer map of `options` (ints, bools, floats), as TFLM's custom
    operators (the signal library's) read their custom_options."""
    from flatbuffers import flexbuffers

    return bytes(flexbuffers.Dumps(dict(options)))


def _int32s(fb: flatbuffers.Builder, values: Sequence[int] | np.ndarray) -> int:
    return int(fb.CreateNumpyVector(np.asarray(values, dtype="<i4").reshape(-1)))


def _offsets(fb: flatbuffers.Builder, start: Any, offsets: Sequence[int]) -> int:
    start(fb, len(offsets))
    for off in reversed(offsets):
        fb.PrependUOffsetTRelative(off)
    return int(fb.EndVector())


# ---- helpers for tests ------------------------------------------------------
_ARENA = 1 << 20


def run_tflm(data: bytes, inputs: Sequence[np.ndarray], arena_size: int = _ARENA) -> list[np.ndarray]:
    """Run a model once in the tflite-micro reference interpreter."""
    from tflite_micro.python.tflite_micro import runtime

    interp = runtime.Interpreter.from_bytes(data, arena_size=arena_size)
    return invoke_tflm(interp, inputs, num_outputs(data))


def invoke_tflm(interp: Any, inputs: Sequence[np.ndarray], n_outputs: int) -> list[np.ndarray]:
    for i, arr in enumerate(inputs):
        interp.set_input(arr, i)
    interp.invoke()
    return [np.array(interp.get_output(i), copy=True) for i in range(n_outputs)]


def num_outputs(data: bytes) -> int:
    return int(tflite.Model.GetRootAs(data, 0).Subgraphs(0).OutputsLength())


def quantize(x: np.ndarray, scale: float, zero_point: int, dtype: Any = np.int8) -> np.ndarray:
    info = np.iinfo(dtype)
    q = np.round(np.asarray(x, dtype=np.float64) / scale) + zero_point
    return np.clip(q, info.min, info.max).astype(dtype)


def with_outputs(data: bytes, extra: Sequence[int]) -> bytes:
    """The model with tensors `extra` (indices in subgraph 0) appended to its outputs: the same graph and
    operators, the intermediate tensors then read back from both interpreters. The new outputs vector
    is appended to the flatbuffer and the subgraph's field pointed at it (uoffsets only point forward)."""
    import struct

    sg = tflite.Model.GetRootAs(data, 0).Subgraphs(0)
    tab = sg._tab
    field = tab.Offset(8)  # SubGraph.outputs
    if not field:
        raise ValueError("the subgraph has no outputs field")
    outputs = [int(sg.Outputs(i)) for i in range(sg.OutputsLength())] + [int(t) for t in extra]
    if any(not 0 <= t < sg.TensorsLength() for t in outputs):
        raise ValueError(f"tensor index out of range: {outputs}")
    out = bytearray(data) + bytes(-len(data) % 4)
    vec = len(out)
    out += struct.pack(f"<I{len(outputs)}i", len(outputs), *outputs)
    at = tab.Pos + field
    struct.pack_into("<I", out, at, vec - at)
    return bytes(out)


def with_scale(data: bytes, tensor: int, factor: float) -> bytes:
    """The model with tensor `tensor`'s (per-tensor) quantization scale multiplied by `factor`, in place."""
    import struct

    t = tflite.Model.GetRootAs(data, 0).Subgraphs(0).Tensors(tensor)
    q = t.Quantization()
    if q is None or q.ScaleLength() != 1:
        raise ValueError(f"tensor {tensor} has no per-tensor scale")
    tab = q._tab
    at = tab.Vector(tab.Offset(8))  # QuantizationParameters.scale[0]
    out = bytearray(data)
    (scale,) = struct.unpack_from("<f", out, at)
    struct.pack_into("<f", out, at, scale * factor)
    return bytes(out)
