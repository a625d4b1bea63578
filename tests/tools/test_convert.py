"""tinyml convert: a small Keras model, trained here in seconds on synthesized data, converted to int8, to 16x8
and to int4 weights. Each result runs byte-equal to the tflite-micro interpreter on both host backends and on
the QEMU board; the report's accuracy is the one the tflite-micro interpreter gives on the same samples; the
report names every layer, the one that loses most, sizes and the boards; bad input gives a clear error (no
calibration data, mismatched shapes, a layer TFLite cannot quantize, int4 with 16x8, an unknown layer); without
TensorFlow the command says what to install. The classroom path of the README is run too: a device script
streams labelled accelerometer readings (tinyml stream --csv), they calibrate and validate a conversion.

TensorFlow (pip install tensorflow-cpu; .ci/run installs it) is imported once, by the first test that needs it
(not at collection: pytest-xdist collects every module in every worker); without it the module is skipped
with one line."""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import io
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from toolhelp import QEMU_BOARD, QEMU_IMAGE, ROOT

if importlib.util.find_spec("tensorflow") is None:
    pytest.skip("tinyml convert tests: TensorFlow is not installed (pip install './host_tools[convert]', or "
                "tensorflow-cpu; .ci/run installs it)", allow_module_level=True)

import tflite
from harness import assert_same_outputs, core_backends
from tflite_builder import run_tflm
from tinyml_tools.cli import main
from tinyml_tools.converter import tensorflow

WINDOW, AXES, CLASSES = 32, 3, 3
EXAMPLE = ROOT / "examples" / "gestures"


def synth(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Three classes of 3-axis windows: still (noise), a fast oscillation on x, a slow one on x and y."""
    t = np.arange(WINDOW) / 25.0
    y = rng.integers(0, CLASSES, n)
    x = rng.normal(0, 0.05, (n, WINDOW, AXES)).astype(np.float32)
    x[:, :, 2] += 1.0
    for k in range(n):
        ph, a = rng.uniform(0, 2 * np.pi), rng.uniform(0.5, 1.5)
        if y[k] == 1:
            x[k, :, 0] += a * np.sin(2 * np.pi * rng.uniform(5, 8) * t + ph)
        elif y[k] == 2:
            f = rng.uniform(0.8, 1.5)
            x[k, :, 0] += a * np.cos(2 * np.pi * f * t + ph)
            x[k, :, 1] += a * np.sin(2 * np.pi * f * t + ph)
    return x, y


def small_model() -> Any:
    tf = tensorflow()
    inp = tf.keras.Input((WINDOW, AXES), batch_size=1)
    x = tf.keras.layers.Reshape((1, WINDOW, AXES))(inp)
    x = tf.keras.layers.Conv2D(8, (1, 5), padding="same", activation="relu")(x)
    x = tf.keras.layers.DepthwiseConv2D((1, 3), padding="same", activation="relu")(x)
    x = tf.keras.layers.Conv2D(12, (1, 1), activation="relu")(x)
    x = tf.keras.layers.AveragePooling2D((1, WINDOW))(x)
    x = tf.keras.layers.Flatten()(x)
    x = tf.keras.layers.Dense(CLASSES)(x)
    return tf.keras.Model(inp, tf.keras.layers.Softmax()(x))


def tinyml_json(*args: Any) -> tuple[int, Any, str]:
    """Run `tinyml ... --json` in this process: exit status, the JSON it printed (or None), stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main([str(a) for a in args] + ["--json"])
        except SystemExit as e:
            rc = int(e.code or 0)
    text = out.getvalue()
    return rc, (json.loads(text) if text.strip().startswith("{") else None), err.getvalue()


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The trained model (model.keras), calibration samples (calib.npy) and labelled validation samples
    (val.npz), trained in a few seconds."""
    d = tmp_path_factory.mktemp("convert")
    tf = tensorflow()  # imported here, once (seconds)
    tf.keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x, y = synth(rng, 900)
    model = small_model()
    model.compile(tf.keras.optimizers.Adam(3e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[:700], y[:700], batch_size=32, epochs=8, verbose=0)
    model.save(d / "model.keras")
    np.save(d / "calib.npy", x[:200])
    np.savez(d / "val.npz", x=x[700:], y=y[700:])
    return d


CONVERSIONS = {"int8": ["--int8"], "16x8": ["--16x8"], "int4": ["--weights", "int4"]}


@pytest.fixture(scope="module")
def converted(work: Path) -> dict[str, tuple[bytes, dict[str, Any]]]:
    """Each conversion: the .tflite and the JSON report."""
    out = {}
    for name, flags in CONVERSIONS.items():
        dest = work / f"model_{name}.tflite"
        rc, rep, err = tinyml_json("convert", work / "model.keras", "--calibrate", work / "calib.npy", "--validate",
                                   work / "val.npz", "-o", dest, *flags)
        assert rc == 0, err
        out[name] = (dest.read_bytes(), rep)
    return out


def quantized_inputs(data: bytes, x: np.ndarray) -> list[np.ndarray]:
    """The samples as the model's integer input, quantized here independently of the tool (round half away from
    zero, saturate)."""
    m = tflite.Model.GetRootAs(data, 0)
    sg = m.Subgraphs(0)
    t = sg.Tensors(sg.Inputs(0))
    scale, zp = float(t.Quantization().Scale(0)), int(t.Quantization().ZeroPoint(0))
    dtype = {tflite.TensorType.INT8: np.int8, tflite.TensorType.INT16: np.int16}[t.Type()]
    lim = np.iinfo(dtype)
    out = []
    for k in range(len(x)):
        v = x[k].astype(np.float64) / scale
        q = np.clip(np.sign(v) * np.floor(np.abs(v) + 0.5) + zp, lim.min, lim.max).astype(dtype)
        out.append(q.reshape(tuple(t.ShapeAsNumpy())))
    return out


@pytest.mark.parametrize("name", list(CONVERSIONS))
def test_converted_runs_byte_equal(name: str, converted: dict, work: Path) -> None:
    """The converted model on both host backends, byte-equal to tflite-micro on 40 validation samples; its
    types are what the mode says."""
    from tinyml_tools.core import Model

    data, _ = converted[name]
    m = tflite.Model.GetRootAs(data, 0)
    sg = m.Subgraphs(0)
    io_type = sg.Tensors(sg.Inputs(0)).Type()
    assert io_type == (tflite.TensorType.INT16 if name == "16x8" else tflite.TensorType.INT8)
    weights = [sg.Tensors(sg.Operators(i).Inputs(1)).Type() for i in range(sg.OperatorsLength())
               if sg.Operators(i).InputsLength() > 1 and sg.Tensors(sg.Operators(i).Inputs(1)).Buffer() > 0
               and sg.Tensors(sg.Operators(i).Inputs(1)).ShapeLength() > 1]
    assert weights and all(w == (tflite.TensorType.INT4 if name == "int4" else tflite.TensorType.INT8)
                           for w in weights), weights
    x = np.load(work / "val.npz")["x"][:40]
    inputs = quantized_inputs(data, x)
    for backend in core_backends():
        model = Model(data, backend=backend)
        for k, q in enumerate(inputs):
            assert_same_outputs(run_tflm(data, [q]), model.invoke(q), f"{name} [{backend}] sample {k}")


@pytest.mark.parametrize("name", list(CONVERSIONS))
def test_report_accuracy_is_tflite_micro(name: str, converted: dict, work: Path) -> None:
    """The report's accuracy of the quantized model is the tflite-micro interpreter's on the same samples; the
    float model's is TensorFlow's (Keras) within one sample."""
    from tflite_micro.python.tflite_micro import runtime

    data, rep = converted[name]
    z = np.load(work / "val.npz")
    interp = runtime.Interpreter.from_bytes(data, arena_size=1 << 20)
    correct = 0
    for q, label in zip(quantized_inputs(data, z["x"]), z["y"], strict=True):
        interp.set_input(q, 0)
        interp.invoke()
        correct += int(np.argmax(interp.get_output(0)) == label)
    acc = rep["accuracy"]
    assert acc[-1]["correct"] == correct and acc[-1]["samples"] == len(z["y"]), (acc[-1], correct)
    keras = tensorflow().keras.models.load_model(work / "model.keras")
    pred = np.argmax(keras.predict(z["x"], batch_size=1, verbose=0), axis=1)
    assert abs(acc[0]["correct"] - int(np.count_nonzero(pred == z["y"]))) <= 1
    assert acc[0]["accuracy"] > 0.9, acc[0]  # the model learned something: the comparison means something


def test_report_contents(converted: dict, work: Path) -> None:
    """Per-layer errors for every operator, the layer that loses most, sizes (int4 saves flash), the boards,
    a suggestion; the Markdown report is written next to the model."""
    rep8, rep4 = converted["int8"][1], converted["int4"][1]
    ops = [la["op"] for la in rep8["layers"]]
    assert ops == ["RESHAPE", "CONV_2D", "DEPTHWISE_CONV_2D", "CONV_2D", "AVERAGE_POOL_2D", "FULLY_CONNECTED",
                   "SOFTMAX"], ops
    assert all(la["error"] is not None and la["layer_error"] is not None for la in rep8["layers"])
    worst = max(rep4["layers"], key=lambda la: la["layer_error"])
    assert rep4["loses_most"]["index"] == worst["index"] and worst["weights"] == "int4"
    for la in rep4["layers"]:  # int4 weights lose more than int8 ones, in each of those layers
        assert (la["layer_error"] > la["layer_error_int8"]) == (la["weights"] == "int4"), la
    assert [la["weights"] for la in rep4["layers"] if la["op"] in ("CONV_2D", "DEPTHWISE_CONV_2D",
                                                                   "FULLY_CONNECTED")] == ["int4"] * 4
    assert all(la["error_int8"] is not None for la in rep4["layers"])
    sizes = list(rep4["size"].values())
    packed = sum(c["bytes_int8"] - c["bytes_int4"] for c in rep4["weights_layers"])
    assert sizes[0]["weights_bytes"] - sizes[1]["weights_bytes"] == packed > 0
    assert rep4["flash_saved"] == sizes[0]["bytes"] - sizes[1]["bytes"] >= packed - 32 * 4
    assert {b["board"] for b in rep8["boards"]} >= {"MPS2_AN500", "RPI_PICO", "NUCLEO_F446RE"}
    assert rep8["size"]["int8"]["macs"] == sum(la["macs"] for la in rep8["layers"]) > 0
    assert rep8["suggestion"] and rep4["suggestion"]
    text = (work / "model_int4.md").read_text()
    for part in ("## Accuracy", "## Per-layer error", "Loses most: operator", "## Size and memory",
                 "int4 weights save", "## Where it fits", "MPS2_AN500", "## Suggestion"):
        assert part in text, part


def test_int4_layers_chosen(converted: dict, work: Path) -> None:
    """--weights int4:LAYERS gives int4 weights to those layers only (indices or names); an unknown one is an
    error listing the layers."""
    dest = work / "one.tflite"
    rc, rep, err = tinyml_json("convert", work / "model.keras", "--calibrate", work / "calib.npy", "-o", dest,
                               "--weights", "int4:1")
    assert rc == 0, err
    assert [la["weights"] for la in rep["layers"] if la["weights"] != "-"] == ["int4", "int8", "int8", "int8"]
    assert rep["validation"].startswith("200 samples of calib.npy") and "no labels" in rep["validation"]
    assert rep["accuracy"][-1]["top1_agreement"] > 0.8
    name = rep["layers"][5]["layer"]  # the FULLY_CONNECTED, by name (from the int8 .tflite: the same layers)
    rc, rep, err = tinyml_json("convert", dest.with_name("model_int8.tflite"), "--validate", work / "calib.npy",
                               "-o", dest, "--weights", f"int4:{name},3")
    assert rc == 0, err
    assert [la["weights"] for la in rep["layers"] if la["weights"] != "-"] == ["int8", "int8", "int4", "int4"]
    rc, rep, err = tinyml_json("convert", dest.with_name("model_int8.tflite"), "--validate", work / "calib.npy",
                               "-o", dest, "--weights", "int4:nosuch")
    assert rc == 1 and "'nosuch' is not a layer with weights; the layers are: 1 (CONV_2D" in err, err


def test_int4_of_int8_tflite(converted: dict, work: Path) -> None:
    """An int8 .tflite takes --weights int4 alone; the report compares it with the given int8 model."""
    src = work / "model_int8.tflite"
    dest = work / "model_int8_int4.tflite"
    rc, rep, err = tinyml_json("convert", src, "--weights", "int4", "--validate", work / "val.npz", "-o", dest)
    assert rc == 0, err
    assert [a["model"] for a in rep["accuracy"]] == ["int8", "int4"]
    assert rep["accuracy"][0]["correct"] == converted["int8"][1]["accuracy"][-1]["correct"]
    assert dest.read_bytes() == converted["int4"][0]  # the same requantization as from the Keras model
    z = np.load(work / "val.npz")  # labels kept as floats (as numpy pipelines often do): still class indices
    np.savez(work / "val_float.npz", x=z["x"], y=z["y"].astype(np.float32))
    rc, rep2, err = tinyml_json("convert", src, "--weights", "int4", "--validate", work / "val_float.npz", "-o", dest)
    assert rc == 0, err
    assert [a["correct"] for a in rep2["accuracy"]] == [a["correct"] for a in rep["accuracy"]]


# ---- bad input -------------------------------------------------------------------------------------------------
def test_no_calibration_data(work: Path) -> None:
    rc, _, err = tinyml_json("convert", work / "model.keras", "-o", work / "x.tflite")
    assert rc == 2 and "int8 conversion needs calibration data: --calibrate DATA" in err, err


def test_mismatched_shapes(work: Path) -> None:
    bad = work / "bad.npy"
    np.save(bad, np.zeros((10, WINDOW * AXES), np.float32))
    rc, _, err = tinyml_json("convert", work / "model.keras", "--calibrate", bad, "-o", work / "x.tflite")
    assert rc == 1, err
    assert (f"bad.npy holds 10 samples of shape ({WINDOW * AXES}), but the model's input is ({WINDOW}, {AXES}): "
            f"reshape them (x.reshape(-1, {WINDOW}, {AXES}))") in err, err
    np.savez(bad.with_suffix(".npz"), x=np.zeros((5, WINDOW, AXES)), y=np.arange(4))
    rc, _, err = tinyml_json("convert", work / "model.keras", "--calibrate", work / "calib.npy", "--validate",
                             bad.with_suffix(".npz"), "-o", work / "x.tflite")
    assert rc == 1 and "bad.npz: 5 samples in 'x' but 4 labels in 'y'" in err, err


def test_layer_tflite_cannot_quantize(work: Path) -> None:
    tf = tensorflow()
    inp = tf.keras.Input((8,), batch_size=1)
    x = tf.keras.layers.Dense(8)(inp)
    x = tf.keras.layers.Activation("elu", name="curve")(x)
    tf.keras.Model(inp, tf.keras.layers.Dense(2)(x)).save(work / "elu.keras")
    np.save(work / "elu.npy", np.random.default_rng(0).normal(size=(20, 8)).astype(np.float32))
    rc, _, err = tinyml_json("convert", work / "elu.keras", "--calibrate", work / "elu.npy", "-o", work / "x.tflite")
    assert rc == 1, err
    assert "TensorFlow Lite cannot quantize operator 2 ELU (layer curve" in err and "left it float32" in err, err
    assert not (work / "x.tflite").exists()


def test_int4_with_16x8_refused(work: Path) -> None:
    rc, _, err = tinyml_json("convert", work / "model.keras", "--calibrate", work / "calib.npy", "--16x8",
                             "--weights", "int4")
    assert rc == 2 and "TFLM (and tinyml) run int4 weights with int8 activations only" in err, err


def test_without_tensorflow(work: Path, tmp_path: Path) -> None:
    """Where TensorFlow is missing the command says, in one line, what to install."""
    code = ("import sys; sys.modules['tensorflow'] = None\n"
            "from tinyml_tools.cli import main\n"
            f"sys.exit(main(['convert', {str(work / 'model.keras')!r}, '--calibrate', {str(work / 'calib.npy')!r}]))")
    r = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120,
                       cwd=tmp_path,
                       env={"PYTHONPATH": str(ROOT / "host_tools"), "PATH": "/usr/bin:/bin"})
    assert r.returncode == 1, r.stderr
    assert r.stderr.strip().splitlines() == [
        ("tinyml convert: TensorFlow is not installed: pip install 'tinyml-tools[convert]' (or pip install "
         "tensorflow-cpu)")], r.stderr


# ---- on the QEMU board -----------------------------------------------------------------------------------------
@pytest.mark.skipif(not QEMU_IMAGE.exists() or shutil.which("qemu-system-arm") is None,
                    reason=f"no QEMU firmware {QEMU_IMAGE.relative_to(ROOT)} (make firmware BOARD={QEMU_BOARD}) "
                           "or no qemu-system-arm")
def test_converted_on_qemu_board(converted: dict, work: Path, qemu_port: str) -> None:
    """The three conversions on the board (cmsis-nn, Cortex-M7): outputs byte-equal to tflite-micro."""
    from tinyml_tools.commands.compare import device_outputs, load_on_device
    from tinyml_tools.device import connect

    x = np.load(work / "val.npz")["x"][:8]
    with connect(qemu_port) as dev:
        for name, (data, _) in converted.items():
            path = f"conv_{name}.tflite"
            dev.put_file(path, data)
            load_on_device(dev, path)
            for k, q in enumerate(quantized_inputs(data, x)):
                want = run_tflm(data, [q])
                got = device_outputs(dev, [q])
                assert got == [w.tobytes() for w in want], f"{name} sample {k} on {QEMU_BOARD}"
            dev.remove(path)


@pytest.mark.skipif(not QEMU_IMAGE.exists() or shutil.which("qemu-system-arm") is None,
                    reason=f"no QEMU firmware {QEMU_IMAGE.relative_to(ROOT)} (make firmware BOARD={QEMU_BOARD}) "
                           "or no qemu-system-arm")
def test_classroom_stream_csv_convert(work: Path, qemu_port: str, tmp_path: Path) -> None:
    """README's classroom path: examples/gestures/collect.py on the board streams labelled readings (here its
    simulated sensor), tinyml stream --csv writes them, and they calibrate and validate a conversion (windows of
    64 readings, string labels mapped through labels.txt)."""
    csv_path = tmp_path / "gestures.csv"
    script = (EXAMPLE / "collect.py").read_text()
    assert "\nWINDOWS = 20  #" in script
    (tmp_path / "collect.py").write_text(script.replace("\nWINDOWS = 20  #", "\nWINDOWS = 3  #"))  # 3 a gesture
    r = subprocess.run([sys.executable, "-m", "tinyml_tools", "stream", "--port", qemu_port, "--run", "collect.py",
                        "--csv", str(csv_path), "--quiet"],
                       check=False, capture_output=True, text=True, timeout=300, cwd=tmp_path,
                       env={"PYTHONPATH": str(ROOT / "host_tools"), "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr
    with open(csv_path, newline="") as f:
        rows = list(csv.DictReader(f))
    labels = (EXAMPLE / "labels.txt").read_text().split()
    assert {row["label"] for row in rows} == set(labels) and len(rows) == 3 * 64 * len(labels)
    assert all(math.isfinite(float(row[a])) for row in rows for a in ("ax", "ay", "az"))
    rc, rep, err = tinyml_json("convert", EXAMPLE / "gestures.keras", "--calibrate", csv_path, "--validate",
                               csv_path, "--labels", "label", "--classes", EXAMPLE / "labels.txt",
                               "-o", tmp_path / "g.tflite")
    assert rc == 0, err
    assert rep["validation"].startswith(f"{3 * len(labels)} samples of gestures.csv ({len(rows)} rows, "
                                        f"{3 * len(labels)} windows of 64)"), rep["validation"]
    assert rep["accuracy"][0]["accuracy"] >= 0.75, rep["accuracy"]
