"""The TFLM signal library's custom operators (SignalWindow ... SignalStacker), per op over a
grid of shapes and options, bit-exact against the tflite-micro interpreter on every backend.

Each case is a synthesized model (tflite_builder, options as a FlexBuffer map in
custom_options) run over several invocations on both sides: the stateful operators carry
their state from call to call, then both interpreters are reset and the sequence runs again.
Outputs TFLM leaves unwritten (SignalEnergy outside [start_index, end_index), the frames of
SignalFramer / SignalStacker when their valid flag is false) are not compared. CASES (the
cases whose first call defines every output) feed the fuzzers' seeds (seeds.py).
Bad options are refused with a message naming the operator, never a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from harness import assert_same_outputs, core_module, seed_of
from tflite_builder import ModelBuilder, custom_flexbuffer, invoke_tflm, num_outputs

Gen = Callable[[np.random.Generator], list[np.ndarray]]
Make = Callable[[np.random.Generator], tuple[bytes, Gen]]
Select = Callable[[list[np.ndarray]], list[np.ndarray]]


@dataclass
class Spec:
    make: Make
    calls: int = 1
    select: Select | None = None
    first_defined: bool = True  # the first call writes every output
    constant: bool = False  # the reference output is one value by design (all-zero input)


SPECS: dict[str, Spec] = {}


def spec(name: str, make: Make, calls: int = 1, select: Select | None = None, first_defined: bool = True,
         constant: bool = False) -> None:
    SPECS[name] = Spec(make, calls, select, first_defined, constant)


def i16(rng: np.random.Generator, shape: tuple[int, ...], amp: int = 32767) -> np.ndarray:
    return rng.integers(-amp - (amp == 32767), amp, shape, dtype=np.int16, endpoint=True)


def u32(rng: np.random.Generator, shape: tuple[int, ...], top: int = 1 << 32) -> np.ndarray:
    return rng.integers(0, top, shape, dtype=np.uint64).astype(np.uint32)


def single(name: str, inputs: list[tuple[tuple[int, ...], np.dtype]], outputs: list[tuple[tuple[int, ...], np.dtype]],
           options: dict | bytes | None, consts: list[np.ndarray] | None = None,
           const_first: bool = False) -> tuple[ModelBuilder, bytes]:
    """One custom op: graph inputs (then constant inputs, or constants first) -> outputs."""
    b = ModelBuilder()
    xs = [b.tensor(f"in{k}", shape, dt) for k, (shape, dt) in enumerate(inputs)]
    cs = [b.const(f"c{k}", c) for k, c in enumerate(consts or [])]
    ys = [b.tensor(f"out{k}", shape, dt) for k, (shape, dt) in enumerate(outputs)]
    b.op("CUSTOM", (cs + xs) if const_first else (xs + cs), ys, custom_code=name, custom_options=options)
    b.inputs(xs)
    b.outputs(ys)
    return b, b.build()


# ---- SignalWindow -------------------------------------------------------------------------------
def window(shape: tuple[int, ...], shift: int, big: bool = False) -> Make:
    def make(rng: np.random.Generator) -> tuple[bytes, Gen]:
        size = shape[-1]
        w = i16(rng, (size,)) if big else rng.integers(0, 1 << 12, size, dtype=np.int16)
        _, data = single("SignalWindow", [(shape, np.int16)], [(shape, np.int16)], {"shift": shift}, [w])
        return data, lambda r: [i16(r, shape)]
    return make


for shape in [(8,), (3, 16), (1, 480)]:
    for shift in (0, 8, 12, 15):
        spec(f"window_{'x'.join(map(str, shape))}_shift{shift}", window(shape, shift))
spec("window_signed_weights_saturating", window((2, 32), 4, big=True))


# ---- SignalFftAutoScale -----------------------------------------------------------------------------
def auto_scale(n: int, amp: int) -> Make:
    def make(rng: np.random.Generator) -> tuple[bytes, Gen]:
        _, data = single("SignalFftAutoScale", [((n,), np.int16)], [((n,), np.int16), ((), np.int32)], {})
        return data, lambda r: [i16(r, (n,), amp) if amp else np.zeros(n, np.int16)]
    return make


for n in (16, 480):
    for amp in (3, 100, 5000, 32767):
        spec(f"fft_auto_scale_{n}_amp{amp}", auto_scale(n, amp), calls=2)
spec("fft_auto_scale_zeros", auto_scale(32, 0), constant=True)


# ---- SignalRfft / SignalIrfft ---------------------------------------------------------------------------
def signal_data(rng: np.random.Generator, shape: tuple[int, ...], dt: np.dtype) -> np.ndarray:
    if dt == np.float32:
        return rng.normal(0.0, 1000.0, shape).astype(np.float32)
    if dt == np.int32:
        return rng.integers(-(1 << 31), (1 << 31) - 1, shape, dtype=np.int32, endpoint=True)
    return i16(rng, shape)


TYPE_CODE = {np.int16: 7, np.int32: 2, np.float32: 0}


def rfft(dt: type, fft_length: int, rows: tuple[int, ...], in_len: int, inverse: bool = False) -> Make:
    def make(rng: np.random.Generator) -> tuple[bytes, Gen]:
        if inverse:
            shape_in, shape_out = (*rows, fft_length + 2), (*rows, fft_length)
        else:
            shape_in, shape_out = (*rows, in_len), (*rows, fft_length + 2)
        opts = {"T": TYPE_CODE[dt], "fft_length": fft_length}
        name = "SignalIrfft" if inverse else "SignalRfft"
        _, data = single(name, [(shape_in, np.dtype(dt))], [(shape_out, np.dtype(dt))], opts)
        return data, lambda r: [signal_data(r, shape_in, np.dtype(dt))]
    return make


for dt in (np.int16, np.int32, np.float32):
    tn = np.dtype(dt).name
    for n, rows, in_len in [(8, (), 8), (16, (), 11), (64, (2,), 64), (512, (), 480), (12, (), 12), (20, (3,), 17),
                            (48, (), 40), (30, (), 30), (120, (), 100), (256, (2, 2), 200)]:
        spec(f"rfft_{tn}_{n}_{'x'.join(map(str, rows)) or 'row'}_{in_len}", rfft(dt, n, rows, in_len))
    for n, rows in [(8, ()), (16, (2,)), (64, ()), (512, ()), (12, ()), (20, ()), (60, (2,))]:
        spec(f"irfft_{tn}_{n}_{'x'.join(map(str, rows)) or 'row'}", rfft(dt, n, rows, n, inverse=True))


# ---- SignalEnergy --------------------------------------------------------------------------------------------
def energy(n: int, start: int, end: int) -> Make:
    def make(rng: np.random.Generator) -> tuple[bytes, Gen]:
        opts = {"end_index": end, "start_index": start}
        _, data = single("SignalEnergy", [((2 * n,), np.int16)], [((n,), np.uint32)], opts)
        return data, lambda r: [i16(r, (2 * n,))]
    return make


def energy_range(start: int, end: int) -> Select:
    return lambda outs: [np.asarray(outs[0])[start:end]]


for n, start, end in [(9, 0, 9), (257, 0, 257), (257, 5, 241), (16, 3, 4), (16, 15, 16), (33, 1, 32)]:
    spec(f"energy_{n}_{start}_{end}", energy(n, start, end), select=energy_range(start, end),
         first_defined=start == 0 and end == n)


# ---- SignalFilterBank ------------------------------------------------------------------------------------------
def filter_bank(n_in: int, channels: int, signed: bool = False, top: int = 1 << 32) -> Make:
    def make(rng: np.random.Generator) -> tuple[bytes, Gen]:
        widths = rng.integers(0, 9, channels + 1).astype(np.int16)
        starts = np.array([rng.integers(0, n_in - w + 1) for w in widths], np.int16)
        wstarts = np.concatenate([[0], np.cumsum(widths)[:-1]]).astype(np.int16)
        n_w = int(widths.sum()) + 3
        if signed:
            weights = i16(rng, (n_w,))
            unweights = i16(rng, (n_w,))
        else:
            weights = rng.integers(0, 4097, n_w).astype(np.int16)
            unweights = (4096 - weights).astype(np.int16)
        _, data = single("SignalFilterBank", [((n_in,), np.uint32)], [((channels,), np.uint64)],
                         {"num_channels": channels}, [weights, unweights, starts, wstarts, widths])
        return data, lambda r: [u32(r, (n_in,), top)]
    return make


spec("filter_bank_257_40", filter_bank(257, 40))
spec("filter_bank_33_8_small", filter_bank(33, 8, top=1 << 16))
spec("filter_bank_64_16_signed_weights", filter_bank(64, 16, signed=True))
spec("filter_bank_10_1", filter_bank(10, 1))


# ---- SignalFilterBankSquareRoot ---------------------------------------------------------------------------------
def square_root(n: int, top_bits: int) -> Make:
    def make(rng: np.random.Generator) -> tuple[bytes, Gen]:
        _, data = single("SignalFilterBankSquareRoot", [((n,), np.uint64), ((), np.int32)], [((n,), np.uint32)], {})

        def gen(r: np.random.Generator) -> list[np.ndarray]:
            bits = r.integers(0, top_bits + 1, n)
            x = (r.integers(0, 1 << 62, n, dtype=np.uint64) >> (62 - bits).astype(np.uint64)).astype(np.uint64)
            return [x, np.array(r.integers(0, 16), np.int32)]
        return data, gen
    return make


for n, top in [(40, 64), (40, 32), (7, 20), (64, 62)]:
    spec(f"filter_bank_square_root_{n}_{top}bits", square_root(n, top), calls=4)


# ---- SignalFilterBankSpectralSubtraction --------------------------------------------------------------------------
def spectral(n: int, clamping: bool, alt: bool, top: int, smoothing_bits: int = 10) -> Make:
    def make(rng: np.random.Generator) -> tuple[bytes, Gen]:
        opts = {"alternate_one_minus_smoothing": 15401 if alt else 15975, "alternate_smoothing": 983 if alt else 409,
                "clamping": clamping, "min_signal_remaining": 819, "num_channels": n, "one_minus_smoothing": 15975,
                "smoothing": 409, "smoothing_bits": smoothing_bits, "spectral_subtraction_bits": 14}
        _, data = single("SignalFilterBankSpectralSubtraction", [((n,), np.uint32)],
                         [((n,), np.uint32), ((n,), np.uint32)], opts)
        return data, lambda r: [u32(r, (n,), top)]
    return make


for clamping in (False, True):
    for alt in (False, True):
        spec(f"spectral_subtraction_40_clamp{int(clamping)}_alt{int(alt)}", spectral(40, clamping, alt, 1 << 18),
             calls=6)
spec("spectral_subtraction_7_wide", spectral(7, True, True, 1 << 32, smoothing_bits=4), calls=6)


# ---- SignalPCAN ------------------------------------------------------------------------------------------------------
def pcan(n: int, snr_shift: int, lut_amp: int) -> Make:
    def make(rng: np.random.Generator) -> tuple[bytes, Gen]:
        lut = i16(rng, (125,), lut_amp)
        _, data = single("SignalPCAN", [((n,), np.uint32), ((n,), np.uint32)], [((n,), np.uint32)],
                         {"snr_shift": snr_shift}, [lut])

        def gen(r: np.random.Generator) -> list[np.ndarray]:
            noise = (r.integers(0, 1 << 32, n, dtype=np.uint64) >> r.integers(0, 32, n).astype(np.uint64))
            return [u32(r, (n,), 1 << 24), noise.astype(np.uint32)]
        return data, gen
    return make


for shift in (0, 6, 12, 40):
    for amp in (300, 32767):
        spec(f"pcan_40_shift{shift}_lut{amp}", pcan(40, shift, amp), calls=2)


# ---- SignalFilterBankLog ----------------------------------------------------------------------------------------------
def fb_log(n: int, bits: int, scale: int) -> Make:
    def make(rng: np.random.Generator) -> tuple[bytes, Gen]:
        _, data = single("SignalFilterBankLog", [((n,), np.uint32)], [((n,), np.int16)],
                         {"input_correction_bits": bits, "output_scale": scale})

        def gen(r: np.random.Generator) -> list[np.ndarray]:
            x = (r.integers(0, 1 << 32, n, dtype=np.uint64) >> r.integers(0, 33, n).astype(np.uint64))
            x[:3] = [0, 1, 2]
            return [x.astype(np.uint32)]
        return data, gen
    return make


for bits in (0, 3, 8):
    for scale in (1, 64, 1600):
        spec(f"filter_bank_log_40_bits{bits}_scale{scale}", fb_log(40, bits, scale), calls=2)


# ---- SignalDelay --------------------------------------------------------------------------------------------------------
def delay(shape: tuple[int, ...], length: int) -> Make:
    def make(rng: np.random.Generator) -> tuple[bytes, Gen]:
        _, data = single("SignalDelay", [(shape, np.int16)], [(shape, np.int16)], {"delay_length": length})
        return data, lambda r: [i16(r, shape)]
    return make


for shape in [(16,), (3, 10)]:
    for length in (0, 5, 16, 25):
        spec(f"delay_{'x'.join(map(str, shape))}_{length}", delay(shape, length), calls=5)


# ---- SignalFramer ---------------------------------------------------------------------------------------------------------
def framer(rows: tuple[int, ...], steps: int, size: int, step: int, prefill: bool) -> Make:
    def make(rng: np.random.Generator) -> tuple[bytes, Gen]:
        shape = (*rows, steps * step)
        opts = {"frame_size": size, "frame_step": step, "prefill": prefill}
        _, data = single("SignalFramer", [(shape, np.int16)], [((*rows, steps, size), np.int16), ((), np.bool_)], opts)
        return data, lambda r: [i16(r, shape)]
    return make


def when_valid(outs: list[np.ndarray]) -> list[np.ndarray]:
    """The valid flag, and the frames only when it is set (TFLM leaves them unwritten otherwise)."""
    valid = np.asarray(outs[1])
    return [valid, np.asarray(outs[0])] if bool(valid) else [valid]


for rows, steps, size, step, prefill in [((), 2, 8, 4, True), ((), 1, 8, 4, False), ((2,), 3, 12, 4, False),
                                         ((), 1, 5, 5, False), ((), 2, 3, 5, False), ((), 4, 400, 160, True),
                                         ((2,), 2, 7, 3, True)]:
    name = f"framer_{'x'.join(map(str, rows)) or 'row'}_{steps}x{step}_size{size}_prefill{int(prefill)}"
    first = prefill or size <= step  # otherwise the first frames of the first call are unwritten
    spec(name, framer(rows, steps, size, step, prefill), calls=6, select=when_valid, first_defined=first)


# ---- SignalOverlapAdd -----------------------------------------------------------------------------------------------------
def overlap_add(dt: type, rows: tuple[int, ...], n_frames: int, size: int, step: int) -> Make:
    def make(rng: np.random.Generator) -> tuple[bytes, Gen]:
        shape = (*rows, n_frames, size)
        out = (*rows, n_frames * step)
        opts = {"T": TYPE_CODE[dt], "frame_step": step}
        _, data = single("SignalOverlapAdd", [(shape, np.dtype(dt))], [(out, np.dtype(dt))], opts)
        return data, lambda r: [signal_data(r, shape, np.dtype(dt))]
    return make


for dt in (np.int16, np.float32):
    for rows, n_frames, size, step in [((), 1, 8, 4), ((), 3, 10, 5), ((2,), 2, 9, 3), ((), 1, 6, 6), ((2, 2), 2, 5, 1)]:
        name = f"overlap_add_{np.dtype(dt).name}_{'x'.join(map(str, rows)) or 'row'}_{n_frames}x{size}_step{step}"
        spec(name, overlap_add(dt, rows, n_frames, size, step), calls=4)


# ---- SignalStacker ---------------------------------------------------------------------------------------------------------
def stacker(channels: int, left: int, right: int, step: int) -> Make:
    def make(rng: np.random.Generator) -> tuple[bytes, Gen]:
        opts = {"num_channels": channels, "stacker_left_context": left, "stacker_right_context": right,
                "stacker_step": step}
        out = channels * (left + right + 1)
        _, data = single("SignalStacker", [((channels,), np.int16)], [((out,), np.int16), ((), np.bool_)], opts)
        return data, lambda r: [i16(r, (channels,))]
    return make


for channels, left, right, step in [(4, 0, 0, 1), (4, 2, 0, 1), (5, 1, 2, 1), (3, 2, 2, 3), (40, 3, 0, 2), (2, 0, 3, 4)]:
    spec(f"stacker_{channels}_l{left}_r{right}_s{step}", stacker(channels, left, right, step), calls=8,
         select=when_valid, first_defined=right == 0)


# ---- the cases for the fuzzers' seeds: first call defines every output ------------------------------------------------------
def _case(s: Spec) -> Callable[[np.random.Generator], tuple[bytes, list[np.ndarray]]]:
    def build(rng: np.random.Generator) -> tuple[bytes, list[np.ndarray]]:
        data, gen = s.make(rng)
        return data, gen(rng)
    return build


CASES: dict[str, Callable] = {name: _case(s) for name, s in SPECS.items() if s.first_defined}


@pytest.mark.parametrize("name", list(SPECS))
def test_signal_op(name: str, backend: str) -> None:
    from tflite_micro.python.tflite_micro import runtime

    s = SPECS[name]
    rng = np.random.default_rng(seed_of(name))
    data, gen = s.make(rng)
    seq = [gen(rng) for _ in range(s.calls)]
    interp = runtime.Interpreter.from_bytes(data, arena_size=1 << 20)
    model = core_module().Model(data, backend=backend)
    n_out = num_outputs(data)
    seen: set[bytes] = set()
    for tag in ("", " after reset"):
        for k, inputs in enumerate(seq):
            refs = invoke_tflm(interp, inputs, n_out)
            outs = model.invoke(*inputs)
            if s.select:
                refs, outs = s.select(refs), s.select([np.asarray(o) for o in outs])
            assert_same_outputs(refs, outs, f"{name} [{backend}] call {k}{tag}")
            seen.add(b"".join(np.ascontiguousarray(r).tobytes() for r in refs))
        if s.calls == 1:
            break
        interp.reset()
        model.reset()
    # the sequence exercises the op: its results are not all one value
    flat = np.concatenate([np.frombuffer(x, np.uint8) for x in seen])
    assert s.constant or np.unique(flat).size > 2, f"{name}: reference outputs are (nearly) constant"


# ---- refused models --------------------------------------------------------------------------------------------------------------
def window_model(options: dict | bytes | None, shape: tuple[int, ...] = (16,)) -> bytes:
    return single("SignalWindow", [(shape, np.int16)], [(shape, np.int16)], options,
                  [np.full(shape[-1], 4096, np.int16)])[1]


GOOD_WINDOW = custom_flexbuffer({"shift": 12})


BAD_OPTION_IDS = ["none", "empty", "one_byte", "truncated", "shifted", "garbage", "wrong_key", "out_of_range",
                  "string", "vector"]


@pytest.mark.parametrize("options, message", ids=BAD_OPTION_IDS, argvalues=[
    (None, "has no custom options"),
    (b"", "has no custom options"),
    (b"\x00", "not a well-formed FlexBuffer map"),
    (GOOD_WINDOW[:-1], "not a well-formed FlexBuffer map"),
    (GOOD_WINDOW[1:], "custom option 'shift' is malformed"),  # still a map, its value shifted
    (b"\xff" * 12, "not a well-formed FlexBuffer map"),
    (custom_flexbuffer({"shaft": 12}), "custom option 'shift' is missing"),
    (custom_flexbuffer({"shift": 40}), "custom option 'shift' is 40, outside [0, 31]"),
    (custom_flexbuffer({"shift": "twelve"}), "custom option 'shift' is malformed or not a number"),
    (custom_flexbuffer({"shift": [1, 2]}), "custom option 'shift' is malformed or not a number"),
])
def test_bad_options_are_refused(options: dict | bytes | None, message: str, backend: str) -> None:
    core = core_module()
    with pytest.raises(core.CoreError) as e:
        core.Model(window_model(options), backend=backend)
    assert "operator 0 'SignalWindow'" in str(e.value) and message in str(e.value), str(e.value)


def test_every_truncation_and_byte_flip_of_options_is_refused_or_valid(backend: str) -> None:
    """No prefix or single-byte corruption of a real options map crashes the loader."""
    core = core_module()
    blob = custom_flexbuffer({"alternate_one_minus_smoothing": 15401, "alternate_smoothing": 983, "clamping": False,
                              "min_signal_remaining": 819, "num_channels": 8, "one_minus_smoothing": 15975,
                              "smoothing": 409, "smoothing_bits": 10, "spectral_subtraction_bits": 14})
    variants = [blob[:k] for k in range(len(blob))]
    for k in range(len(blob)):
        for flip in (0x01, 0x80, 0xff):
            v = bytearray(blob)
            v[k] ^= flip
            variants.append(bytes(v))
    refused = 0
    for v in variants:
        data = single("SignalFilterBankSpectralSubtraction", [((8,), np.uint32)], [((8,), np.uint32)] * 2, v)[1]
        try:
            m = core.Model(data, backend=backend)
        except core.CoreError as e:
            assert "SignalFilterBankSpectralSubtraction" in str(e), str(e)
            refused += 1
            continue
        m.invoke(np.arange(8, dtype=np.uint32))
    assert refused >= len(blob), f"only {refused} of {len(variants)} corrupted option maps were refused"


@pytest.mark.parametrize("name, build, message", [
    ("rfft_T_mismatch", lambda: single("SignalRfft", [((16,), np.int16)], [((18,), np.int16)],
                                       {"T": 0, "fft_length": 16})[1], "custom option 'T' is float32"),
    ("rfft_odd_length", lambda: single("SignalRfft", [((14,), np.int16)], [((16,), np.int16)],
                                       {"T": 7, "fft_length": 14})[1], "fft_length 14 is not supported"),
    ("rfft_radix7", lambda: single("SignalRfft", [((28,), np.int16)], [((30,), np.int16)],
                                   {"T": 7, "fft_length": 28})[1], "fft_length 28 is not supported"),
    ("rfft_input_too_long", lambda: single("SignalRfft", [((20,), np.int16)], [((18,), np.int16)],
                                           {"T": 7, "fft_length": 16})[1], "last dimension is 20"),
    ("energy_end_past_input", lambda: single("SignalEnergy", [((16,), np.int16)], [((8,), np.uint32)],
                                             {"end_index": 9, "start_index": 0})[1], "'end_index' is 9"),
    ("pcan_short_lut", lambda: single("SignalPCAN", [((4,), np.uint32), ((4,), np.uint32)], [((4,), np.uint32)],
                                      {"snr_shift": 6}, [np.zeros(100, np.int16)])[1], "gain table has 100 entries"),
    ("framer_step_not_dividing", lambda: single("SignalFramer", [((10,), np.int16)],
                                                [((2, 8), np.int16), ((), np.bool_)],
                                                {"frame_size": 8, "frame_step": 4, "prefill": False})[1],
     "not a multiple of frame_step 4"),
    ("stacker_step_too_big", lambda: single("SignalStacker", [((4,), np.int16)], [((8,), np.int16), ((), np.bool_)],
                                            {"num_channels": 4, "stacker_left_context": 1,
                                             "stacker_right_context": 0, "stacker_step": 3})[1],
     "'stacker_step' is 3, outside [1, 2]"),
])
def test_bad_signal_models_are_refused(name: str, build: Callable[[], bytes], message: str, backend: str) -> None:
    core = core_module()
    with pytest.raises(core.CoreError) as e:
        core.Model(build(), backend=backend)
    assert message in str(e.value), f"{name}: {e.value}"


def test_energy_with_an_empty_range_loads_and_runs(backend: str) -> None:
    """start_index == end_index: a model TFLM accepts, whose operator writes no output; it loads and
    runs (nothing to compare: the output holds whatever the arena held)."""
    data = energy(16, 3, 3)(np.random.default_rng(1))[0]
    from tflite_micro.python.tflite_micro import runtime

    runtime.Interpreter.from_bytes(data, arena_size=1 << 16).invoke()  # TFLM accepts it too
    model = core_module().Model(data, backend=backend)
    (out,) = model.invoke(np.zeros(32, np.int16))
    assert np.asarray(out).shape == (16,) and np.asarray(out).dtype == np.uint32


def test_unknown_custom_op_is_refused_by_name(backend: str) -> None:
    core = core_module()
    data = single("SignalMystery", [((8,), np.int16)], [((8,), np.int16)], {"shift": 1})[1]
    with pytest.raises(core.CoreError) as e:
        core.Model(data, backend=backend)
    assert "unsupported operators: CUSTOM 'SignalMystery' (operator 0)" in str(e.value), str(e.value)
