"""TensorFlow Lite conversion for `tinyml convert`: a Keras model (.keras, .h5) or a SavedModel folder to a float
.tflite (the reference the report measures against) and to an int8 or 16x8 .tflite calibrated on samples.

TensorFlow is an optional dependency (pip install 'tinyml-tools[convert]'): tensorflow() imports it, quietly,
or raises ConvertError with the one line to run.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tinyml_tools import schema

MAX_CALIBRATION = 1000  # samples the converter's calibration sees at most
INSTALL = "pip install 'tinyml-tools[convert]' (or pip install tensorflow-cpu)"


class ConvertError(RuntimeError):
    """Conversion is impossible; the message says why and what to do."""


def tensorflow() -> Any:
    """The tensorflow module (its C++ logging silenced), or ConvertError if it is not installed."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    try:
        with quiet():
            import tensorflow as tf
    except ImportError as e:
        raise ConvertError(f"TensorFlow is not installed: {INSTALL}") from e
    return tf


@contextlib.contextmanager
def quiet() -> Iterator[io.StringIO]:
    """Silence what TensorFlow prints (Python prints and its C++ logging on file descriptors 1 and 2) for the
    duration; the text is kept (yielded) for error messages."""
    text = io.StringIO()
    saved = []
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
            for fd in (1, 2):
                try:
                    saved.append((fd, os.dup(fd)))
                    os.dup2(tmp.fileno(), fd)
                except OSError:
                    pass
            with contextlib.redirect_stdout(text), contextlib.redirect_stderr(text):
                yield text
        finally:
            for fd, old in saved:
                os.dup2(old, fd)
                os.close(old)
            tmp.seek(0)
            text.write(tmp.read().decode(errors="replace"))


@dataclass
class Source:
    """A model to convert: its path, the TFLite converter factory and the input shape (no batch dimension)."""

    path: Path
    kind: str                  # "keras" or "saved_model"
    input_shape: tuple[int, ...]
    keras_model: Any = None

    def converter(self) -> Any:
        tf = tensorflow()
        if self.kind == "keras":
            return tf.lite.TFLiteConverter.from_keras_model(self.keras_model)
        return tf.lite.TFLiteConverter.from_saved_model(str(self.path))


def open_model(path: Path) -> Source:
    """The Keras model file or SavedModel folder at `path`."""
    if path.is_dir():
        if not (path / "saved_model.pb").is_file():
            raise ConvertError(f"{path} is a folder without saved_model.pb: give a SavedModel folder, or a Keras "
                               f".keras / .h5 file")
        tf = tensorflow()
        try:
            with quiet():
                loaded = tf.saved_model.load(str(path))
        except Exception as e:
            raise ConvertError(f"{path}: TensorFlow cannot load this SavedModel: {_first_line(e)}") from e
        sig = loaded.signatures.get("serving_default")
        if sig is None:
            raise ConvertError(f"{path}: the SavedModel has no 'serving_default' signature to convert")
        specs = list(sig.structured_input_signature[1].values())
        if len(specs) != 1:
            raise ConvertError(f"{path}: the model has {len(specs)} inputs; tinyml convert takes models with one")
        return Source(path, "saved_model", _shape(specs[0].shape, path))
    if path.suffix.lower() not in (".keras", ".h5"):
        raise ConvertError(f"{path}: give a Keras model (.keras, .h5) or a SavedModel folder"
                           + ("; a .tflite takes only --weights int4" if path.suffix.lower() == ".tflite" else ""))
    if not path.is_file():
        raise ConvertError(f"{path} does not exist")
    tf = tensorflow()
    try:
        with quiet():
            model = tf.keras.models.load_model(str(path), compile=False)
    except Exception as e:
        raise ConvertError(f"{path}: Keras cannot load this model: {_first_line(e)}") from e
    if len(model.inputs) != 1:
        raise ConvertError(f"{path}: the model has {len(model.inputs)} inputs; tinyml convert takes models with one")
    return Source(path, "keras", _shape(model.inputs[0].shape, path), model)


def _shape(shape: Any, path: Path) -> tuple[int, ...]:
    dims = list(shape)
    rest = dims[1:]
    if any(d is None for d in rest):
        raise ConvertError(f"{path}: the input shape {tuple(dims)} has unknown dimensions besides the batch: give the "
                           "model a fixed input shape (keras.Input(shape=...))")
    return tuple(int(d) for d in rest)


def _first_line(e: BaseException) -> str:
    lines = [s for s in str(e).splitlines() if s.strip()]
    return lines[0][:300] if lines else type(e).__name__


def convert_float(src: Source) -> bytes:
    """The model as a float32 .tflite (no optimization): the reference of the report."""
    conv = src.converter()
    return _run(conv, src, "float32")


def convert_quantized(src: Source, calibration: np.ndarray, mode: str) -> bytes:
    """int8 ("int8": int8 activations and weights, int8 input and output) or 16x8 ("16x8": int16 activations,
    int8 weights, int16 input and output), calibrated on up to MAX_CALIBRATION samples."""
    tf = tensorflow()
    conv = src.converter()
    samples = np.asarray(calibration[:MAX_CALIBRATION], np.float32)

    def representative() -> Iterator[list[np.ndarray]]:
        for k in range(len(samples)):
            yield [samples[k: k + 1]]

    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    if mode == "16x8":
        conv.target_spec.supported_ops = [tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
        conv.inference_input_type = conv.inference_output_type = tf.int16
    else:
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        conv.inference_input_type = conv.inference_output_type = tf.int8
    data = _run(conv, src, mode)
    _check_quantized(data, mode)
    return data


def _run(conv: Any, src: Source, what: str) -> bytes:
    log = io.StringIO()
    try:
        with quiet() as log:
            return bytes(conv.convert())
    except Exception as e:
        errors = [ln.strip() for ln in (str(e) + "\n" + log.getvalue()).splitlines() if "error:" in ln]
        detail = errors[0].split("error:", 1)[1].strip() if errors else _first_line(e)
        raise ConvertError(f"{src.path.name}: TensorFlow Lite cannot convert it to {what}: {detail[:300]}") from e


def _check_quantized(data: bytes, mode: str) -> None:
    """A layer TFLite could not quantize stays float32 between a DEQUANTIZE and a QUANTIZE: name it."""
    s = schema.load()
    m = schema.read(data)
    sg = m.subgraphs[0]
    bad = []
    for i, op in enumerate(sg.operators):
        name = schema.op_name(m, op)
        if name in ("QUANTIZE", "DEQUANTIZE"):
            continue
        ins = [int(t) for t in (op.inputs if op.inputs is not None else []) if int(t) >= 0]
        if any(sg.tensors[t].type == s.TensorType.FLOAT32 for t in ins):
            out = sg.tensors[int(op.outputs[0])]
            from tinyml_tools.int4 import layer_name

            bad.append(f"operator {i} {name} (layer {layer_name(schema.tensor_name(out))})")
    if bad:
        raise ConvertError(f"TensorFlow Lite cannot quantize {'; '.join(bad)} to {mode}: it left "
                           f"{'it' if len(bad) == 1 else 'them'} float32 between a DEQUANTIZE and a QUANTIZE, so the "
                           "model is not integer throughout. Replace or remove that layer in the model (TFLite "
                           "quantizes e.g. Dense, Conv2D, DepthwiseConv2D, pooling, ReLU, Softmax, Add)")
