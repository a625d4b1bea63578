"""`tinyml infer`: one inference on the host core, exit codes and messages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from harness import SHARED_MODELS

ROOT = Path(__file__).resolve().parents[2]
HELLO = SHARED_MODELS / "hello_world_int8.tflite"
KWS = SHARED_MODELS / "kws_ref_model.tflite"


def tinyml(*args: str) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(ROOT / "host_tools"), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "tinyml_tools", *args], capture_output=True, check=False, text=True, env=env,
                          timeout=120)


@pytest.fixture()
def need_models() -> None:
    if not KWS.exists():
        pytest.skip(f"shared models not found at {SHARED_MODELS}")


def test_infer_int8_matches_tflm(tmp_path: Path, backend: str, need_models: None) -> None:
    from tflite_micro.python.tflite_micro import runtime

    x = np.random.default_rng(1).integers(-128, 128, size=(1, 49, 10, 1), dtype=np.int8)
    np.save(tmp_path / "in.npy", x)
    r = tinyml("infer", str(KWS), "--input", str(tmp_path / "in.npy"), "--output", str(tmp_path / "out.npy"),
               "--backend", backend)
    assert r.returncode == 0, r.stderr
    interp = runtime.Interpreter.from_file(str(KWS))
    interp.set_input(x, 0)
    interp.invoke()
    expected = interp.get_output(0)
    got = np.load(tmp_path / "out.npy")
    assert got.dtype == np.int8 and got.shape == (1, 12)
    assert got.tobytes() == expected.tobytes()


def test_infer_float_input_is_quantized(tmp_path: Path, need_models: None) -> None:
    from tflite_micro.python.tflite_micro import runtime

    # hello_world: input scale 0.02448, zero point -128; 1.5 / 0.02448 = 61.27 -> 61 - 128 = -67
    np.save(tmp_path / "in.npy", np.array([[1.5]], dtype=np.float32))
    r = tinyml("infer", str(HELLO), "-i", str(tmp_path / "in.npy"), "-o", str(tmp_path / "out.npy"))
    assert r.returncode == 0, r.stderr
    interp = runtime.Interpreter.from_file(str(HELLO))
    interp.set_input(np.array([[-67]], dtype=np.int8), 0)
    interp.invoke()
    assert np.load(tmp_path / "out.npy").tobytes() == interp.get_output(0).tobytes()


def test_infer_bad_model_exits_with_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"\x10\x00\x00\x00NOPE" + bytes(64))
    np.save(tmp_path / "in.npy", np.zeros((1, 1), np.int8))
    r = tinyml("infer", str(bad), "-i", str(tmp_path / "in.npy"), "-o", str(tmp_path / "out.npy"))
    assert r.returncode == 1
    assert "not a TFLite model: the file identifier is not 'TFL3'" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "out.npy").exists()


def test_infer_wrong_input_size(tmp_path: Path, need_models: None) -> None:
    np.save(tmp_path / "in.npy", np.zeros(7, np.int8))
    r = tinyml("infer", str(KWS), "-i", str(tmp_path / "in.npy"), "-o", str(tmp_path / "out.npy"))
    assert r.returncode == 1
    assert "input has 7 elements, the model expects shape [1, 49, 10, 1]" in r.stderr


def test_infer_missing_files(tmp_path: Path) -> None:
    r = tinyml("infer", str(tmp_path / "none.tflite"), "-i", str(tmp_path / "x.npy"), "-o", str(tmp_path / "o.npy"))
    assert r.returncode == 2
    assert "No such file" in r.stderr
