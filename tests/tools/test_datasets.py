"""The data `tinyml convert` reads (tinyml_tools/datasets.py): .npy, .npz, a CSV as `tinyml stream --csv` writes
it (a row per input, or windows of rows of one label; JSON-list cells), folders of WAV files and images with a
named preprocessing, labels from a column, an array or subfolders, and the errors. TensorFlow only for images
and for checking the spectrogram against tf.signal.stft (those skip without it)."""

from __future__ import annotations

import csv
import importlib.util
import wave
from pathlib import Path

import numpy as np
import pytest
from tinyml_tools.datasets import DataError, load, read_classes

HAVE_TF = importlib.util.find_spec("tensorflow") is not None


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def write_wav(path: Path, samples: np.ndarray, rate: int = 16000, channels: int = 1) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(samples, "<i2").tobytes())
    return path


def test_npy_and_npz(tmp_path: Path) -> None:
    x = np.arange(2 * 4 * 3, dtype=np.float32).reshape(2, 4, 3)
    np.save(tmp_path / "a.npy", x)
    d = load(tmp_path / "a.npy", (4, 3))
    assert d.x.shape == (2, 4, 3) and d.y is None and np.array_equal(d.x, x)
    np.save(tmp_path / "one.npy", x[0])
    assert load(tmp_path / "one.npy", (4, 3)).x.shape == (1, 4, 3)
    np.savez(tmp_path / "b.npz", samples=x, names=np.array(["up", "down"]))
    d = load(tmp_path / "b.npz", (4, 3), labels="names")
    assert d.classes == ["down", "up"] and list(d.y) == [1, 0] and d.classification
    d = load(tmp_path / "b.npz", (4, 3), labels="names", classes=["up", "down"])
    assert list(d.y) == [0, 1]
    np.savez(tmp_path / "r.npz", x=x, y=np.array([0.5, 1.5]))
    d = load(tmp_path / "r.npz", (4, 3))
    assert not d.classification and d.y.dtype == np.float64  # regression targets


def test_csv_rows_and_windows(tmp_path: Path) -> None:
    """As tinyml stream --csv writes it: time and seq columns left out; rows of one reading make windows
    within runs of one label (left-over rows dropped and counted); JSON-list cells are flattened."""
    rows = [[0.1 * k, k, "a" if k < 9 else "b", k, -k] for k in range(15)]
    path = write_csv(tmp_path / "s.csv", ["time", "seq", "label", "u", "v"], rows)
    d = load(path, (4, 2), labels="label")
    # label a: rows 0..8 -> 2 windows (1 left over); label b: rows 9..14 -> 1 window (2 left over)
    assert d.x.shape == (3, 4, 2) and list(d.y) == [0, 0, 1] and d.classes == ["a", "b"]
    assert np.array_equal(d.x[1], np.array([[4, -4], [5, -5], [6, -6], [7, -7]], np.float32))
    assert "15 rows, 3 windows of 4, 3 rows left over" in d.source
    lists = write_csv(tmp_path / "l.csv", ["time", "seq", "x", "label"],
                      [[0, 0, "[1,2,3,4]", 2], [0, 1, "[5,6,7,8]", 0]])
    d = load(lists, (2, 2), labels="label")
    assert d.x.shape == (2, 2, 2) and list(d.y) == [2, 0] and d.x[1, 1, 1] == 8
    with pytest.raises(DataError, match=r"s.csv has 2 values per row \(u, v\); the model's input \(3, 3\) has 9"):
        load(path, (3, 3), labels="label")
    with pytest.raises(DataError, match=r"column 'label' holds 'a', not a number \(a column of names is the "
                                        r"labels: --labels label\)"):
        load(path, (4, 3))
    with pytest.raises(DataError, match="has no column 'gesture' .--labels.; its columns: time, seq, label, u, v"):
        load(path, (4, 2), labels="gesture")
    with pytest.raises(DataError, match=r"labels c are not among the classes \(a, b\)"):
        load(write_csv(tmp_path / "c.csv", ["label", "u", "v"], [["c", 1, 2]] * 4), (4, 2), labels="label",
             classes=["a", "b"])


def test_wav_folder(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    for label in ("no", "yes"):
        for k in range(2):
            write_wav(tmp_path / "clips" / label / f"{k}.wav", rng.integers(-3000, 3000, 12000))
    d = load(tmp_path / "clips", (16000, 1), preprocess="audio")
    assert d.x.shape == (4, 16000, 1) and d.classes == ["no", "yes"] and list(d.y) == [0, 0, 1, 1]
    assert np.all(d.x[:, 12000:] == 0) and np.abs(d.x).max() < 0.1  # padded with silence, scaled to [-1, 1)
    d = load(tmp_path / "clips", (124, 129, 1), preprocess="spectrogram")
    assert d.x.shape == (4, 124, 129, 1) and np.all(d.x >= 0)
    with pytest.raises(DataError, match=r"holds WAV files: name their preprocessing with --preprocess "
                                        r"\(audio, spectrogram\)"):
        load(tmp_path / "clips", (16000, 1))
    with pytest.raises(DataError, match=r"--preprocess image reads images, but .* holds WAV files"):
        load(tmp_path / "clips", (16000, 1), preprocess="image")
    with pytest.raises(DataError, match=r"spectrogram makes \(frames, 129, 1\) inputs; the model's input is"):
        load(tmp_path / "clips", (49, 40), preprocess="spectrogram")


@pytest.mark.skipif(not HAVE_TF, reason="TensorFlow not installed: the spectrogram is checked against tf.signal.stft")
def test_spectrogram_is_tensorflows(tmp_path: Path) -> None:
    """--preprocess spectrogram is TensorFlow's audio tutorial's |tf.signal.stft(x, 255, 128)| (float rounding)."""
    from tinyml_tools.converter import tensorflow

    tf = tensorflow()
    samples = np.random.default_rng(1).integers(-20000, 20000, 16000)
    d = load(write_wav(tmp_path / "w" / "a.wav", samples).parent, (124, 129, 1), preprocess="spectrogram")
    want = np.abs(tf.signal.stft(samples.astype(np.float32) / 32768.0, frame_length=255, frame_step=128).numpy())
    assert want.shape == (124, 129)
    np.testing.assert_allclose(d.x[0, :, :, 0], want, rtol=1e-4, atol=1e-4)


@pytest.mark.skipif(not HAVE_TF, reason="TensorFlow not installed: images are decoded with it")
def test_image_folder(tmp_path: Path) -> None:
    from tinyml_tools.converter import tensorflow

    tf = tensorflow()
    for label, value in (("cat", 50), ("dog", 200)):
        (tmp_path / "img" / label).mkdir(parents=True)
        png = tf.io.encode_png(np.full((20, 30, 3), value, np.uint8)).numpy()
        (tmp_path / "img" / label / "1.png").write_bytes(png)
    d = load(tmp_path / "img", (10, 15, 3), preprocess="image")
    assert d.x.shape == (2, 10, 15, 3) and d.classes == ["cat", "dog"]
    np.testing.assert_allclose(d.x[1], 200 / 255, rtol=1e-6)
    d = load(tmp_path / "img", (10, 15, 1), preprocess="image-signed")
    np.testing.assert_allclose(d.x[0], 50 / 127.5 - 1, rtol=1e-5)


def test_errors(tmp_path: Path) -> None:
    np.save(tmp_path / "a.npy", np.zeros((3, 5)))
    with pytest.raises(DataError, match=r"a.npy holds 3 samples of shape \(5\), but the model's input is \(4\)"):
        load(tmp_path / "a.npy", (4,))
    with pytest.raises(DataError, match="a .npy file holds no labels"):
        load(tmp_path / "a.npy", (5,), labels="y")
    (tmp_path / "a.txt").write_text("1 2 3")
    with pytest.raises(DataError, match=r"unknown format .txt: give a .npy, .npz or .csv file, or a folder"):
        load(tmp_path / "a.txt", (3,))
    with pytest.raises(DataError, match="calibration data .*nothing.npy does not exist"):
        load(tmp_path / "nothing.npy", (3,), what="calibration data")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="holds no WAV files or images"):
        load(tmp_path / "empty", (3,), preprocess="audio")
    assert read_classes("a, b,c") == ["a", "b", "c"]
    (tmp_path / "labels.txt").write_text("idle\nshake\n")
    assert read_classes(str(tmp_path / "labels.txt")) == ["idle", "shake"]
    with pytest.raises(DataError, match="class names must be given once each"):
        read_classes("a,a")
