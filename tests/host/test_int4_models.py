"""The real models of ../shared/models with int4 weights: every CONV_2D, DEPTHWISE_CONV_2D and
FULLY_CONNECTED layer requantized to packed int4 by tinyml_tools.int4 (what `tinyml convert --weights int4`
does), then run byte-equal to the tflite-micro interpreter on every backend, with inputs under which their
outputs vary (harness.model_input). The rewritten model is checked too: its weights take about half the
bytes, and every weights tensor of those layers is int4."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest
from harness import (
    SHARED_MODELS,
    assert_outputs_vary,
    assert_same_outputs,
    core_module,
    logits_tensor,
    model_input,
    seed_of,
)
from tflite_builder import invoke_tflm, num_outputs, with_outputs

N_INPUTS = 6
# the MLPerf Tiny and TFLM example models, and two TFLM models with many layers (person_detect: 28 int4 layers,
# the LSTM model: its FULLY_CONNECTED); the rest of tflm/ have no such layer, float ones, or take minutes in the
# reference interpreter (mobilenet_v2)
NAMES = ["ad01_int8", "hello_world_int8", "kws_ref_model", "micro_speech_quantized", "pretrainedResnet_quant",
         "tflm/person_detect", "tflm/micro_speech_lstm__micro_speech_lstm"]
MODELS = [SHARED_MODELS / f"{n}.tflite" for n in NAMES]

if not SHARED_MODELS.is_dir():
    pytest.skip(f"reference models folder {SHARED_MODELS} is absent", allow_module_level=True)


@functools.cache
def int4_model(path: Path) -> tuple[bytes, tuple]:
    from tinyml_tools import int4

    return int4.to_int4(path.read_bytes())


def compared(data: bytes) -> bytes:
    """The model, with the input of a final SOFTMAX (the scores) as one more output (see test_models)."""
    logits = logits_tensor(data)
    return data if logits is None else with_outputs(data, [logits])


@functools.cache
def reference(path: Path) -> tuple[list[list[np.ndarray]], list[list[np.ndarray]]]:
    from tflite_micro.python.tflite_micro import runtime

    data = compared(int4_model(path)[0])
    interp = runtime.Interpreter.from_bytes(data, arena_size=4 << 20)
    model = core_module().Model(data)
    rng = np.random.default_rng(seed_of(path.name))
    inputs = [[model_input(rng, path.name, t.shape, t.dtype) for t in model.inputs] for _ in range(N_INPUTS)]
    refs = [invoke_tflm(interp, xs, num_outputs(data)) for xs in inputs]
    return inputs, refs


@pytest.mark.parametrize("path", MODELS, ids=NAMES)
def test_int4_model_matches_tflm(path: Path, backend: str) -> None:
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    data = compared(int4_model(path)[0])
    inputs, refs = reference(path)
    # where the model ends in a SOFTMAX, the scores must vary (appended last): on these synthetic inputs the
    # int4 kws_ref_model's softmax saturates to one class, as the int8 one does for most of them
    checked = [r[-1:] for r in refs] if logits_tensor(int4_model(path)[0]) is not None else refs
    assert_outputs_vary(path.name, checked, f"{path.name} (int4)")
    model = core_module().Model(data, backend=backend)
    for k, (xs, want) in enumerate(zip(inputs, refs, strict=True)):
        assert_same_outputs(want, model.invoke(*xs), f"{path.name} int4 [{backend}] input {k}")


@pytest.mark.parametrize("path", MODELS, ids=NAMES)
def test_int4_model_is_smaller(path: Path) -> None:
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    import tflite
    from tinyml_tools import schema

    data, changes = int4_model(path)
    original = path.read_bytes()
    assert changes and all(c.int4 for c in changes), [c.why for c in changes if not c.int4]
    m4, m8 = core_module().Model(data), core_module().Model(original)
    packed = sum(c.bytes_int8 - c.bytes_int4 for c in changes)
    assert m8.weights_size - m4.weights_size == packed, (m8.weights_size, m4.weights_size, packed)
    # the file, against the unchanged model written the same way (16-byte aligned buffers): smaller by the packed
    # bytes, less at most 32 bytes a layer (alignment, the new scale vectors)
    rewritten = schema.write(schema.read(original))
    assert len(rewritten) - len(data) >= packed - 32 * len(changes), (len(rewritten), len(data), packed)
    model = tflite.Model.GetRootAs(data, 0)
    sg = model.Subgraphs(0)
    for c in changes:
        w = sg.Tensors(sg.Operators(c.index).Inputs(1))
        assert w.Type() == tflite.TensorType.INT4, (c.index, c.op, w.Type())
        assert (w.Quantization().ScaleLength() > 1) == c.per_channel == (c.op != "FULLY_CONNECTED")


@functools.cache
def tflm_arena(path: Path) -> int:
    """TFLM's arena for the int4 model (test_models.tflm_measured_arena reads a file)."""
    import tempfile

    import test_models

    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / path.name
        f.write_bytes(int4_model(path)[0])
        return test_models.tflm_measured_arena(f)


@pytest.mark.parametrize("path", MODELS[:5], ids=NAMES[:5])
def test_int4_model_memory(path: Path, backend: str) -> None:
    """RAM of the int4 model (arena + metadata) at most TFLM's: TFLM's reference kernels unpack each int4
    filter into an arena buffer of one byte per weight (ad01_int8: 86 KB instead of 4 KB); the ref backend reads
    the nibbles in place, and the cmsis-nn backend's allowance is its largest kernel scratch beyond the ref
    backend's (as test_models.test_model_memory)."""
    data, _ = int4_model(path)
    tflm = tflm_arena(path)
    core = core_module()
    model = core.Model(data, backend=backend)
    ref_scratch = core.Model(data, backend="ref").op_scratch
    allowance = max((s - r for s, r in zip(model.op_scratch, ref_scratch, strict=True)), default=0)
    ours = model.arena_size + model.persistent_size
    print(f"{path.name} int4 [{backend}]: ours {ours:,} B (allowance {allowance:,} B), TFLM {tflm:,} B")
    assert ours - max(allowance, 0) <= tflm, (ours, allowance, tflm)
