"""Broken and unsupported models: the core must raise CoreError with a useful
message and never crash. Also run under AddressSanitizer/UBSan:

    LD_PRELOAD=$(gcc -print-file-name=libasan.so) TINYML_LIB=build/asan/libtinyml-ref.so \\
        ASAN_OPTIONS=detect_leaks=0 pytest tests/host/test_bad_models.py
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pytest
from harness import SHARED_MODELS, core_module, seed_of
from tflite_builder import ModelBuilder

N_FLIPS = 300


def small_model(mutate: Callable[[ModelBuilder, dict], None] | None = None) -> bytes:
    """input(1,4,4,2) -> CONV_2D -> RESHAPE -> FULLY_CONNECTED -> SOFTMAX.
    `mutate(builder, tensors)` may change the graph before the ops are added."""
    rng = np.random.default_rng(7)
    b = ModelBuilder()
    t: dict = {}
    t["x"] = b.tensor("input", (1, 4, 4, 2), np.int8, 0.05, -3)
    t["w"] = b.const("conv_w", rng.integers(-127, 128, (3, 3, 3, 2), dtype=np.int8), scale=[0.01, 0.02, 0.015],
                     zero_point=[0, 0, 0], quantized_dimension=0)
    t["wb"] = b.const("conv_b", np.array([100, -50, 7], np.int32), scale=[0.0005, 0.001, 0.00075], zero_point=[0, 0, 0])
    t["c"] = b.tensor("conv", (1, 4, 4, 3), np.int8, 0.2, 1)
    t["f"] = b.tensor("flat", (1, 48), np.int8, 0.2, 1)
    t["fw"] = b.const("fc_w", rng.integers(-127, 128, (5, 48), dtype=np.int8), scale=0.01, zero_point=0)
    t["fb"] = b.const("fc_b", np.array([1, 2, 3, 4, 5], np.int32), scale=0.002, zero_point=0)
    t["l"] = b.tensor("logits", (1, 5), np.int8, 0.3, 0)
    t["y"] = b.tensor("probs", (1, 5), np.int8, 1.0 / 256, -128)
    if mutate:
        mutate(b, t)
    b.op("CONV_2D", [t["x"], t["w"], t["wb"]], [t["c"]], {"padding": "SAME", "stride_w": 1, "stride_h": 1})
    b.op("RESHAPE", [t["c"], b.const("shape", np.array([1, 48], np.int32))], [t["f"]])
    b.op("FULLY_CONNECTED", [t["f"], t["fw"], t["fb"]], [t["l"]])
    b.op("SOFTMAX", [t["l"]], [t["y"]], {"beta": 1.0})
    b.inputs([t["x"]])
    b.outputs([t["y"]])
    return b.build()


GOOD = small_model()


def load(data: bytes, backend: str) -> object:
    return core_module().Model(data, backend=backend)


def expect_error(data: bytes, backend: str, status: str, *phrases: str) -> str:
    with pytest.raises(core_module().CoreError) as info:
        load(data, backend)
    err = info.value
    msg = str(err)
    assert err.status == status, f"status {err.status}, expected {status}: {msg}"
    for p in phrases:
        assert p in msg, f"{p!r} not in message {msg!r}"
    return msg


def load_or_error(data: bytes, backend: str, what: str) -> None:
    """Either the model loads and runs, or loading fails cleanly."""
    core = core_module()
    try:
        m = load(data, backend)
    except core.CoreError as err:
        assert err.status in ("INVALID_MODEL", "UNSUPPORTED", "NO_MEMORY"), f"{what}: {err.status}: {err}"
        assert str(err).strip(), f"{what}: {err.status} with an empty message"
        return
    inputs = [np.zeros(t.shape, t.dtype) for t in m.inputs]
    try:
        m.invoke(*inputs)
    except core.CoreError as err:
        assert err.status == "KERNEL" and str(err).strip(), f"{what}: invoke: {err.status}: {err}"


def corpus() -> list[tuple[str, bytes]]:
    models = [("small", GOOD)]
    for name in ("hello_world_int8.tflite", "kws_ref_model.tflite"):
        path = SHARED_MODELS / name
        if path.is_file():
            models.append((path.stem, path.read_bytes()))
    if len(models) == 3:  # kws with packed int4 weights in its 10 conv/FC layers (tinyml_tools.int4)
        from tinyml_tools import int4

        models.append(("kws_ref_model_int4", int4.to_int4(models[2][1])[0]))
    return models


CORPUS = corpus()


def test_good_model_loads(backend: str) -> None:
    m = load(GOOD, backend)
    out = m.invoke(np.arange(32, dtype=np.int8).reshape(1, 4, 4, 2))
    assert out[0].shape == (1, 5)


# ---- truncation and corruption ---------------------------------------------
@pytest.mark.parametrize(("name", "data"), CORPUS, ids=[n for n, _ in CORPUS])
def test_truncated(name: str, data: bytes, backend: str) -> None:
    size = len(data)
    cuts = sorted(set(range(min(64, size))) | {size * k // 97 for k in range(97)} | {size - 1})
    for cut in cuts:
        msg = expect_error(data[:cut], backend, "INVALID_MODEL")
        assert re.search(r"truncated|outside|malformed|too short|not a TFLite model", msg), \
            f"{name} cut at {cut}/{size}: {msg!r}"


@pytest.mark.parametrize(("name", "data"), CORPUS, ids=[n for n, _ in CORPUS])
def test_byte_flips(name: str, data: bytes, backend: str) -> None:
    rng = np.random.default_rng(seed_of(name))
    for i in range(N_FLIPS):
        buf = bytearray(data)
        pos = int(rng.integers(0, len(buf)))
        # alternate single-bit flips and random byte values
        buf[pos] = buf[pos] ^ (1 << int(rng.integers(0, 8))) if i % 2 else int(rng.integers(0, 256))
        load_or_error(bytes(buf), backend, f"{name} flip #{i} at {pos}")


@pytest.mark.parametrize(("name", "data"), CORPUS, ids=[n for n, _ in CORPUS])
def test_multi_byte_corruption(name: str, data: bytes, backend: str) -> None:
    """Bursts of random bytes in the flatbuffer's metadata (its first and last 512 bytes)."""
    rng = np.random.default_rng(seed_of(name) + 1)
    n = len(data)
    for i in range(100):
        buf = bytearray(data)
        start = int(rng.integers(0, min(512, n - 8))) if i % 2 else int(rng.integers(max(0, n - 512), n - 8))
        buf[start : start + 8] = rng.integers(0, 256, 8, dtype=np.uint8).tobytes()
        load_or_error(bytes(buf), backend, f"{name} burst #{i} at {start}")


def test_empty_and_tiny(backend: str) -> None:
    for size in (0, 1, 7):
        expect_error(b"\0" * size, backend, "INVALID_MODEL", "truncated")


def test_wrong_magic(backend: str) -> None:
    for magic in (b"TFL2", b"\0\0\0\0", b"tfl3"):
        data = GOOD[:4] + magic + GOOD[8:]
        expect_error(data, backend, "INVALID_MODEL", "not a TFLite model", "TFL3")


def test_not_a_flatbuffer(backend: str) -> None:
    rng = np.random.default_rng(3)
    junk = rng.integers(0, 256, 4096, dtype=np.uint8).tobytes()
    expect_error(junk[:4] + b"TFL3" + junk[8:], backend, "INVALID_MODEL")


def test_wrong_schema_version(backend: str) -> None:
    for version in (2, 4):
        b = ModelBuilder(version=version)
        x = b.tensor("x", (1, 8), np.int8, 0.1, 0)
        y = b.tensor("y", (1, 8), np.int8, 0.1, 0)
        b.op("RELU", [x], [y])
        b.inputs([x])
        b.outputs([y])
        expect_error(b.build(), backend, "UNSUPPORTED", f"schema version {version}", "expected 3")


# ---- inconsistent graphs ------------------------------------------------------
def graph(fn: Callable[[ModelBuilder], None]) -> bytes:
    b = ModelBuilder()
    fn(b)
    return b.build()


def relu_model(**kw: object) -> Callable[[ModelBuilder], None]:
    """x -> RELU -> y, with overrides: op_inputs, op_outputs, inputs, outputs, opcode_index, x_shape, y_buffer."""

    def fn(b: ModelBuilder) -> None:
        x = b.tensor("x", kw.get("x_shape", (1, 8)), np.int8, 0.1, 0)
        y = b.tensor("y", (1, 8), np.int8, 0.1, 0, buffer=kw.get("y_buffer"))
        b.op("RELU", kw.get("op_inputs", [x]), kw.get("op_outputs", [y]), opcode_index=kw.get("opcode_index"))
        b.inputs(kw.get("inputs", [x]))
        b.outputs(kw.get("outputs", [y]))

    return fn


def test_relu_model_is_valid(backend: str) -> None:
    m = load(graph(relu_model()), backend)
    x = np.arange(-4, 4, dtype=np.int8).reshape(1, 8)
    assert m.invoke(x)[0].tolist() == [[0, 0, 0, 0, 0, 1, 2, 3]]


@pytest.mark.parametrize(
    ("kw", "phrase"),
    [
        ({"op_inputs": [99]}, "operator 0 refers to tensor 99, but the model has 2 tensors"),
        ({"op_inputs": [-7]}, "operator 0 refers to tensor -7"),
        ({"op_outputs": [2]}, "operator 0 refers to tensor 2, but the model has 2 tensors"),
        ({"op_outputs": [-1]}, "operator 0 refers to tensor -1"),
        ({"inputs": [5]}, "subgraph input 0 refers to tensor 5"),
        ({"outputs": [1000]}, "subgraph output 0 refers to tensor 1000"),
    ],
    ids=["op-input-99", "op-input-neg", "op-output-2", "op-output-absent", "graph-input-5", "graph-output-1000"],
)
def test_tensor_index_out_of_range(kw: dict, phrase: str, backend: str) -> None:
    expect_error(graph(relu_model(**kw)), backend, "INVALID_MODEL", phrase)


def test_buffer_index_out_of_range(backend: str) -> None:
    expect_error(graph(relu_model(y_buffer=77)), backend, "INVALID_MODEL",
                 "tensor 1 refers to buffer 77, but the model has 1 buffers")


def test_opcode_index_out_of_range(backend: str) -> None:
    expect_error(graph(relu_model(opcode_index=3)), backend, "INVALID_MODEL",
                 "operator 0 uses opcode 3, but the model has 1")


@pytest.mark.parametrize(
    ("shape", "phrase"),
    [
        ((1, -3), "tensor 0 'x' has negative dimension -3"),
        ((-1,), "tensor 0 'x' has negative dimension -1"),
        ((65536, 65536), "tensor 0 'x' shape is too large"),
        ((2**31 - 1, 2**31 - 1, 2**31 - 1, 2**31 - 1), "tensor 0 'x' shape is too large"),
        ((2, 2**30), "tensor 0 'x' shape is too large"),
        ((1, 1, 1, 1, 1, 1, 1, 8), "tensor 0 'x' has 8 dimensions; at most 6 are supported"),
    ],
    ids=["neg-3", "neg-1", "2^32", "int64-overflow", "2^31", "8-dims"],
)
def test_absurd_shapes(shape: tuple[int, ...], phrase: str, backend: str) -> None:
    status = "UNSUPPORTED" if "dimensions" in phrase else "INVALID_MODEL"
    expect_error(graph(relu_model(x_shape=shape)), backend, status, phrase)


def test_const_buffer_size_mismatch(backend: str) -> None:
    def fn(b: ModelBuilder) -> None:
        x = b.tensor("x", (1, 8), np.int8, 0.1, 0)
        c = b.tensor("c", (1, 8), np.int8, 0.1, 0, data=b"\1\2\3")
        y = b.tensor("y", (1, 8), np.int8, 0.1, 0)
        b.op("ADD", [x, c], [y])
        b.inputs([x])
        b.outputs([y])

    expect_error(graph(fn), backend, "INVALID_MODEL", "tensor 1 'c': buffer holds 3 bytes, its shape needs 8")


def test_output_never_written(backend: str) -> None:
    def fn(b: ModelBuilder) -> None:
        x = b.tensor("x", (1, 8), np.int8, 0.1, 0)
        y = b.tensor("y", (1, 8), np.int8, 0.1, 0)
        z = b.tensor("z", (1, 8), np.int8, 0.1, 0)
        b.op("RELU", [x], [y])
        b.inputs([x])
        b.outputs([z])

    expect_error(graph(fn), backend, "INVALID_MODEL", "output 0 (tensor 2) is never written")


def test_read_before_written(backend: str) -> None:
    def fn(b: ModelBuilder) -> None:
        x = b.tensor("x", (1, 8), np.int8, 0.1, 0)
        y = b.tensor("y", (1, 8), np.int8, 0.1, 0)
        z = b.tensor("z", (1, 8), np.int8, 0.1, 0)
        b.op("RELU", [y], [z])
        b.op("RELU", [x], [y])
        b.inputs([x])
        b.outputs([z])

    expect_error(graph(fn), backend, "INVALID_MODEL", "operator 0 'RELU'", "input 0 (tensor 1) is read before")


def test_output_shape_mismatch(backend: str) -> None:
    def bad_conv_shape(b: ModelBuilder, t: dict) -> None:
        t["c"] = b.tensor("conv", (1, 4, 5, 3), np.int8, 0.2, 1)

    expect_error(small_model(bad_conv_shape), backend, "INVALID_MODEL", "operator 0 'CONV_2D'",
                 "output shape is [1, 4, 5, 3], expected [1, 4, 4, 3]")


@pytest.mark.parametrize("qdim", [3, 5, -1])
def test_per_channel_filter_wrong_dimension(qdim: int, backend: str) -> None:
    """A per-channel conv filter whose quantized_dimension is not its output channels: refused,
    as TFLM refuses it (PopulateConvolutionQuantizationParams); a bias's dimension is not checked
    (test_ops_extra.py: person_detect's biases)."""
    from tflite_builder import run_tflm

    def mutate(b: ModelBuilder, t: dict) -> None:
        t["w"] = b.const("conv_w2", np.ones((3, 3, 3, 2), np.int8), scale=[0.01, 0.02, 0.015], zero_point=[0, 0, 0],
                         quantized_dimension=qdim)

    data = small_model(mutate)
    if qdim != -1:  # TFLM reads dims[-1] out of bounds: not run
        with pytest.raises(RuntimeError):
            run_tflm(data, [np.zeros((1, 4, 4, 2), np.int8)])
    expect_error(data, backend, "INVALID_MODEL", "operator 0 'CONV_2D'",
                 f"filter is quantized per channel along dimension {qdim}, which is not its 3 channels")


def test_uint8_conv_unsupported(backend: str) -> None:
    """An operator the registry has, for an input type it has no row for (TFLM has no uint8 CONV_2D)."""
    def fn(b: ModelBuilder) -> None:
        x = b.tensor("x", (1, 4, 4, 1), np.uint8, 0.1, 128)
        w = b.const("w", np.ones((1, 1, 1, 1), np.uint8), scale=0.1, zero_point=128)
        y = b.tensor("y", (1, 4, 4, 1), np.uint8, 0.1, 128)
        b.op("CONV_2D", [x, w, None], [y], {"padding": "SAME", "stride_w": 1, "stride_h": 1})
        b.inputs([x])
        b.outputs([y])

    expect_error(graph(fn), backend, "UNSUPPORTED", "unsupported operators: CONV_2D for uint8 input (runs int8",
                 "(operator 0)")


# ---- unsupported operators -----------------------------------------------------------
def test_custom_op(backend: str) -> None:
    def fn(b: ModelBuilder) -> None:
        x = b.tensor("x", (1, 8), np.int8, 0.1, 0)
        y = b.tensor("y", (1, 8), np.int8, 0.1, 0)
        b.op("CUSTOM", [x], [y], custom_code="MyFancyOp")
        b.inputs([x])
        b.outputs([y])

    expect_error(graph(fn), backend, "UNSUPPORTED", "unsupported operators: CUSTOM 'MyFancyOp' (operator 0)")


def test_unsupported_ops_all_listed(backend: str) -> None:
    def fn(b: ModelBuilder) -> None:
        x = b.tensor("x", (1, 8), np.int8, 0.1, 0)
        y = b.tensor("y", (1, 8), np.int8, 0.1, 0)
        z = b.tensor("z", (1, 8), np.int8, 0.1, 0)
        w = b.tensor("w", (1, 8), np.int8, 0.1, 0)
        b.op("RELU", [x], [y])
        b.op("LOCAL_RESPONSE_NORMALIZATION", [y], [z])
        b.op("LOCAL_RESPONSE_NORMALIZATION", [z], [w])  # listed once
        v = b.tensor("v", (8, 1), np.int8, 0.1, 0)
        b.op("MIRROR_PAD", [w, b.const("pads", np.array([[0, 0], [1, 1]], np.int32))], [v])
        b.inputs([x])
        b.outputs([v])

    msg = expect_error(graph(fn), backend, "UNSUPPORTED", "unsupported operators:",
                       "LOCAL_RESPONSE_NORMALIZATION (operator 1)", "MIRROR_PAD (operator 3)")
    assert msg.count("LOCAL_RESPONSE_NORMALIZATION") == 1, msg


def test_ethos_u_model(backend: str) -> None:
    """A model compiled by Vela for an Arm Ethos-U NPU (one 'ethos-u' custom op) says so."""
    def fn(b: ModelBuilder) -> None:
        x = b.tensor("x", (1, 8), np.int8, 0.1, 0)
        cmd = b.const("command_stream", np.arange(64, dtype=np.uint8))
        y = b.tensor("y", (1, 8), np.int8, 0.1, 0)
        b.op("CUSTOM", [cmd, x], [y], custom_code="ethos-u")
        b.inputs([x])
        b.outputs([y])

    expect_error(graph(fn), backend, "UNSUPPORTED", "unsupported operators: CUSTOM 'ethos-u' (compiled", "(operator 0)",
                 "compiled by Vela for an Arm Ethos-U NPU", "use the model as it was before Vela")


def test_unknown_builtin_code(backend: str) -> None:
    def fn(b: ModelBuilder) -> None:
        x = b.tensor("x", (1, 8), np.int8, 0.1, 0)
        y = b.tensor("y", (1, 8), np.int8, 0.1, 0)
        b.op(9999, [x], [y])
        b.inputs([x])
        b.outputs([y])

    expect_error(graph(fn), backend, "UNSUPPORTED", "builtin 9999")


def test_good_model_after_failures(backend: str) -> None:
    """Nothing leaks between loads: a good model still loads and runs the same."""
    x = np.arange(32, dtype=np.int8).reshape(1, 4, 4, 2)
    first = load(GOOD, backend).invoke(x)[0]
    for cut in (10, 100, len(GOOD) // 2):
        expect_error(GOOD[:cut], backend, "INVALID_MODEL")
    assert load(GOOD, backend).invoke(x)[0].tobytes() == first.tobytes()
