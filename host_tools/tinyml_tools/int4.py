"""int4 weights: requantize the int8 weights of chosen layers of a converted model to packed int4.

TFLM (and the tinyml core) run CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED with int8 activations and
weights of the INT4 type: two weights per byte, weight 2k in the low nibble of byte k, packed over the
whole tensor. This module rewrites an int8 .tflite:

    data4, changes = to_int4(data, select="1,dense_1")     # or select=None: every eligible layer

For each chosen layer, the real weights (int8 value x its scale) are quantized again to -8..7:
per output channel for the convolutions, per tensor for FULLY_CONNECTED (TFLM runs no per-channel int4
FULLY_CONNECTED); each scale is the one of a few clipping ratios of the channel's largest weight that
gives the smallest squared error. The bias (int32, scale input scale x weight scale) is rescaled to the
new weight scales, so the layer computes the same real function up to the weights' rounding. Layers whose
weights or bias another operator shares are left int8 (said in `changes`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from tinyml_tools import schema

WEIGHT_OPS = {"CONV_2D": 0, "DEPTHWISE_CONV_2D": 3, "FULLY_CONNECTED": 0}  # op -> output-channel axis of its weights
CLIP_RATIOS = np.linspace(1.0, 0.6, 9)  # of a channel's largest |weight|, tried as the int4 range's end


class Int4Error(ValueError):
    """The model or the layer selection cannot be turned into int4 weights (message says why)."""


@dataclass
class Layer:
    """An operator with constant weights, as the report and the selection name it."""

    index: int
    op: str
    name: str           # the layer's name (from its weights tensor: "conv2d_1", "dense_1")
    weights: int        # tensor index
    bias: int           # tensor index, or -1
    eligible: str       # "" if it can take int4 weights, else why not


@dataclass
class Change:
    """What to_int4 did to one layer."""

    index: int
    op: str
    name: str
    int4: bool          # False: left int8 (see why)
    why: str
    bytes_int8: int
    bytes_int4: int
    per_channel: bool
    weight_error: float  # RMS of (int4 real weights - int8 real weights) / RMS of the int8 real weights


def pack(values: np.ndarray) -> bytes:
    """Packed int4 bytes of `values` (-8..7), in TFLM's layout (tensor_utils::PackInt8IntoDenseInt4)."""
    flat = np.asarray(values, dtype=np.int64).reshape(-1)
    if flat.size and (flat.min() < -8 or flat.max() > 7):
        raise ValueError("int4 values must be in -8..7")
    nib = (flat & 0xF).astype(np.uint8)
    if nib.size % 2:
        nib = np.append(nib, np.uint8(0))
    return (nib[0::2] | (nib[1::2] << 4)).astype(np.uint8).tobytes()


def unpack(data: bytes, count: int) -> np.ndarray:
    """The `count` int4 values packed in `data`, as int8."""
    raw = np.frombuffer(bytes(data), np.uint8)
    lo = ((raw & 0xF).astype(np.int8) << 4) >> 4
    hi = raw.astype(np.int8) >> 4
    out = np.empty(raw.size * 2, np.int8)
    out[0::2], out[1::2] = lo, hi
    return out[:count]


def layer_name(tensor_name: str) -> str:
    """A layer's short name from a tensor name TFLite's converter wrote ("functional_1/dense_1/MatMul;..." ->
    "dense_1"): the path component after the model's own, else the name itself."""
    first = tensor_name.split(";")[0]
    parts = [p for p in first.split("/") if p]
    if len(parts) >= 3:
        return parts[1]
    return parts[0] if parts else tensor_name


def layers(model: Any) -> list[Layer]:
    """Every CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED operator of subgraph 0, with whether it can take
    int4 weights (int8 input and constant int8 weights, int32 or no bias, weights and bias not shared)."""
    s = schema.load()
    sg = model.subgraphs[0]
    readers: dict[int, int] = {}
    for op in sg.operators:
        for t in _ints(op.inputs):
            readers[t] = readers.get(t, 0) + 1
    out = []
    for i, op in enumerate(sg.operators):
        name = schema.op_name(model, op)
        if name not in WEIGHT_OPS:
            continue
        ins = _ints(op.inputs)
        w = ins[1] if len(ins) > 1 else -1
        b = ins[2] if len(ins) > 2 else -1
        why = ""
        x = sg.tensors[ins[0]] if ins and ins[0] >= 0 else None
        wt = sg.tensors[w] if w >= 0 else None
        if wt is None:
            why = "it has no weights tensor"
        elif wt.type == s.TensorType.INT4:
            why = "its weights are int4 already"
        elif x is None or x.type != s.TensorType.INT8:
            kind = schema.type_name(x.type) if x is not None else "no"
            why = f"its input is {kind}: int4 weights need int8 activations (as in TFLM)"
        elif wt.type != s.TensorType.INT8 or _data(model, wt) is None:
            const = "" if _data(model, wt) is not None else " and not constant"
            why = f"its weights are {schema.type_name(wt.type)}{const}"
        elif b >= 0 and (sg.tensors[b].type != s.TensorType.INT32 or _data(model, sg.tensors[b]) is None):
            why = "its bias is not a constant int32 tensor"
        elif readers.get(w, 0) > 1 or (b >= 0 and readers.get(b, 0) > 1):
            why = "another operator shares its weights or bias"
        out.append(Layer(i, name, layer_name(schema.tensor_name(wt) if wt is not None else ""), w, b, why))
    return out


def select(all_layers: list[Layer], spec: str | None) -> set[int]:
    """Operator indices chosen by `spec`: None or "" = every eligible layer; else a comma-separated list of
    operator indices (as `tinyml inspect` and the report number them) or layer names. A chosen layer that
    cannot take int4 weights, or a name or index that is no weights layer, is an Int4Error."""
    if not spec:
        return {la.index for la in all_layers if not la.eligible}
    chosen: set[int] = set()
    by_index = {la.index: la for la in all_layers}
    for item in (x.strip() for x in spec.split(",")):
        if not item:
            continue
        if item.isdigit():
            hits = [by_index[int(item)]] if int(item) in by_index else []
        else:
            hits = [la for la in all_layers if la.name == item]
        if not hits:
            names = ", ".join(f"{la.index} ({la.op} {la.name})" for la in all_layers) or "none"
            raise Int4Error(f"--weights int4:{spec}: {item!r} is not a layer with weights; the layers are: {names}")
        for la in hits:
            if la.eligible:
                raise Int4Error(f"layer {la.index} ({la.op} {la.name}) cannot take int4 weights: {la.eligible}")
            chosen.add(la.index)
    return chosen


def quantize(real: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int4 values and scales of `real` [channels, k]: per row, the clipping ratio (CLIP_RATIOS) of the row's
    largest |value| whose rounding to -8..7 has the smallest squared error."""
    amax = np.abs(real).max(axis=1)
    best_q = np.zeros(real.shape, np.int8)
    best_s = np.where(amax > 0, amax / 7.0, 1.0)
    best_e = np.full(real.shape[0], np.inf)
    for r in CLIP_RATIOS:
        s = np.where(amax > 0, amax * r / 7.0, 1.0)
        q = np.clip(np.round(real / s[:, None]), -8, 7)
        e = ((q * s[:, None] - real) ** 2).sum(axis=1)
        better = e < best_e
        best_e[better], best_s[better] = e[better], s[better]
        best_q[better] = q[better].astype(np.int8)
    return best_q, best_s


def to_int4(data: bytes, spec: str | None = None) -> tuple[bytes, list[Change]]:
    """The model with int4 weights in the layers `spec` chooses (see select), and what was done per layer."""
    s = schema.load()
    model = schema.read(data)
    sg = model.subgraphs[0]
    all_layers = layers(model)
    if not all_layers:
        raise Int4Error("the model has no CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED layer to give int4 weights")
    chosen = select(all_layers, spec)
    if not chosen:
        reasons = "; ".join(f"{la.index} ({la.op} {la.name}): {la.eligible}" for la in all_layers)
        raise Int4Error(f"no layer can take int4 weights: {reasons}")
    changes = []
    for la in all_layers:
        wt = sg.tensors[la.weights]
        n8 = int(np.prod(wt.shape)) if wt.shape is not None else 0
        if la.index not in chosen:
            changes.append(Change(la.index, la.op, la.name, False, la.eligible or "not chosen", n8, n8, False, 0.0))
            continue
        changes.append(_requantize(s, model, sg, la))
    return schema.write(model), changes


def _requantize(s: Any, model: Any, sg: Any, la: Layer) -> Change:
    wt = sg.tensors[la.weights]
    shape = tuple(int(d) for d in wt.shape)
    q8 = np.frombuffer(bytes(bytearray(_data(model, wt))), np.int8).reshape(shape).astype(np.float64)
    qp = wt.quantization
    scales8 = np.asarray(qp.scale, np.float64).reshape(-1)
    zps8 = np.asarray(qp.zeroPoint if qp.zeroPoint is not None else [0], np.float64).reshape(-1)
    axis = WEIGHT_OPS[la.op]
    channels = shape[axis]
    qdim = int(qp.quantizedDimension or 0) if scales8.size > 1 else axis
    if scales8.size > 1 and (scales8.size != shape[qdim] or qdim != axis):
        raise Int4Error(f"layer {la.index} ({la.op} {la.name}): its {scales8.size} weight scales are not one per "
                        f"output channel")
    # real weights, output channels first: [channels, k]
    rows = np.moveaxis(q8, axis, 0).reshape(channels, -1)
    s8 = np.broadcast_to(scales8, (channels,)) if scales8.size > 1 else np.full(channels, scales8[0])
    z8 = np.broadcast_to(zps8, (channels,)) if zps8.size > 1 else np.full(channels, zps8[0])
    real = (rows - z8[:, None]) * s8[:, None]
    per_channel = la.op != "FULLY_CONNECTED"
    if per_channel:
        q4, s4 = quantize(real)
    else:
        q_flat, s_one = quantize(real.reshape(1, -1))
        q4, s4 = q_flat.reshape(real.shape), np.full(channels, s_one[0])
    err = float(np.sqrt(((q4 * s4[:, None] - real) ** 2).mean()) / max(np.sqrt((real ** 2).mean()), 1e-30))
    values = np.moveaxis(q4.reshape((channels, *np.delete(np.array(shape), axis))), 0, axis)
    _set_data(s, model, wt, pack(values))
    wt.type = s.TensorType.INT4
    nq = s.QuantizationParametersT()
    nq.scale = (s4 if per_channel else s4[:1]).astype(np.float32)
    nq.zeroPoint = np.zeros(nq.scale.size, np.int64)
    nq.quantizedDimension = axis if per_channel else 0
    wt.quantization = nq
    if la.bias >= 0:
        bt = sg.tensors[la.bias]
        b32 = np.frombuffer(bytes(bytearray(_data(model, bt))), np.int32).astype(np.float64)
        # the bias's real value is b32 x input scale x s8 (per channel): the same value at the new scale
        b_new = np.clip(np.round(b32 * (s8 / s4)), -(2 ** 31), 2 ** 31 - 1).astype(np.int32)
        bq = bt.quantization
        in_scale = float(sg.tensors[_ints(sg.operators[la.index].inputs)[0]].quantization.scale[0])
        _set_data(s, model, bt, b_new.tobytes())
        nb = s.QuantizationParametersT()
        nb.scale = (in_scale * (s4 if per_channel else s4[:1])).astype(np.float32)
        nb.zeroPoint = np.zeros(nb.scale.size, np.int64)
        nb.quantizedDimension = int(bq.quantizedDimension or 0) if bq is not None else 0
        bt.quantization = nb
    n8 = int(np.prod(shape))
    return Change(la.index, la.op, la.name, True, "", n8, (n8 + 1) // 2, per_channel, err)


def _set_data(s: Any, model: Any, tensor: Any, raw: bytes) -> None:
    """Give `tensor` the constant bytes `raw`: in its buffer if no other tensor uses it, else in a new one."""
    users = sum(1 for sg in model.subgraphs for t in sg.tensors if t.buffer == tensor.buffer)
    if users == 1 and tensor.buffer > 0:
        model.buffers[tensor.buffer].data = np.frombuffer(raw, np.uint8)
        return
    buf = s.BufferT()
    buf.data = np.frombuffer(raw, np.uint8)
    model.buffers.append(buf)
    tensor.buffer = len(model.buffers) - 1


def _ints(values: Iterable[int] | None) -> list[int]:
    return [int(v) for v in values] if values is not None else []


def _data(model: Any, tensor: Any) -> Any:
    buf = model.buffers[tensor.buffer] if 0 <= tensor.buffer < len(model.buffers) else None
    return buf.data if buf is not None and buf.data is not None and len(buf.data) else None
