"""Samples for `tinyml convert`: calibration and validation data from files a classroom has.

    data = load(Path("walk.csv"), (64, 3), labels="label")      # -> Data(x [n, 64, 3] float32, y, classes)

Formats (each sample is shaped as the model's input, without the batch dimension):
  .npy            an array of samples [n, *input shape] (or one sample); no labels
  .npz            the samples in array "x" (or the first array that is not the labels), the labels in the
                  array --labels names (default "y" when there is one)
  .csv            as `tinyml stream --csv` writes it: a header, then one record per row; the columns "time" and
                  "seq" and the labels column are left out, every other column is numeric (a cell may hold a
                  JSON list, as stream writes lists). A row holding a whole input is one sample; rows holding a
                  part of one (e.g. one accelerometer reading of a 64-reading window) are taken as consecutive
                  windows, within runs of rows of the same label
  a folder        WAV files (16-bit PCM) or images (PNG, JPEG, BMP, GIF), with a named preprocessing
                  (--preprocess, PREPROCESS below); files in subfolders take the subfolder's name as their label

Labels: integers are class indices; names (strings) are mapped to indices through `classes` (default: the
sorted names, the order of Keras' *_dataset_from_directory); other numbers are regression targets.
"""

from __future__ import annotations

import csv
import json
import math
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif"}
STREAM_COLUMNS = {"time", "seq"}  # written by tinyml stream --csv before the record's fields


class DataError(ValueError):
    """The data cannot be used with this model; the message says why and what to do."""


@dataclass
class Data:
    x: np.ndarray                   # float32 [n, *input shape]
    y: np.ndarray | None = None     # int64 class indices, or float64 regression targets
    classes: list[str] | None = None
    source: str = ""                # what was read, for the report

    @property
    def classification(self) -> bool:
        return self.y is not None and self.y.dtype.kind in "iu"


def shape_str(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ")"


def load(path: Path, input_shape: tuple[int, ...], *, labels: str | None = None, classes: list[str] | None = None,
         preprocess: str | None = None, what: str = "data") -> Data:
    """The samples (and labels) of `path` for a model whose input is `input_shape` (no batch dimension)."""
    input_shape = tuple(int(d) for d in input_shape)
    if not path.exists():
        raise DataError(f"{what} {path} does not exist")
    if path.is_dir():
        return _folder(path, input_shape, classes, preprocess, what)
    if preprocess:
        raise DataError(f"--preprocess {preprocess} applies to a folder of WAV files or images, not to {path.name}")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        if labels:
            raise DataError(f"{what} {path.name}: a .npy file holds no labels (--labels {labels}): use an .npz with "
                            f"the samples and an array {labels!r}")
        return Data(_samples(_npy(path), input_shape, path.name), None, None, f"{path.name}")
    if suffix == ".npz":
        return _npz(path, input_shape, labels, classes, what)
    if suffix == ".csv":
        return _csv(path, input_shape, labels, classes, what)
    raise DataError(f"{what} {path}: unknown format {suffix or '(no suffix)'}: give a .npy, .npz or .csv file, or a "
                    f"folder of WAV files or images")


def _npy(path: Path) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise DataError(f"{path}: not a readable .npy file ({e})") from e


def _samples(arr: np.ndarray, input_shape: tuple[int, ...], name: str) -> np.ndarray:
    arr = np.asarray(arr)
    if arr.dtype.kind not in "iuf":
        raise DataError(f"{name} holds {arr.dtype} values; samples must be numbers")
    if tuple(arr.shape[1:]) == input_shape:
        out = arr
    elif tuple(arr.shape) == input_shape:
        out = arr[None]
    else:
        per = shape_str(tuple(arr.shape[1:]))
        hint = ""
        if arr.ndim >= 2 and math.prod(arr.shape[1:]) == math.prod(input_shape):
            hint = f": reshape them (x.reshape(-1, {', '.join(str(d) for d in input_shape)}))"
        raise DataError(f"{name} holds {arr.shape[0] if arr.ndim else 0} samples of shape {per}, but the model's "
                        f"input is {shape_str(input_shape)}{hint}")
    if out.shape[0] == 0:
        raise DataError(f"{name} holds no samples")
    return out.astype(np.float32)


def _labels(values: np.ndarray, classes: list[str] | None, name: str) -> tuple[np.ndarray, list[str] | None]:
    """Class indices (from integers, or names mapped through classes) or float targets."""
    v = np.asarray(values).reshape(-1)
    if v.dtype.kind in "US" or v.dtype == object:
        names = [str(s) for s in v]
        order = list(classes) if classes else sorted(set(names))
        unknown = sorted(set(names) - set(order))
        if unknown:
            raise DataError(f"{name}: labels {', '.join(unknown)} are not among the classes ({', '.join(order)})")
        index = {c: i for i, c in enumerate(order)}
        return np.array([index[s] for s in names], np.int64), order
    if v.dtype.kind == "b":
        return v.astype(np.int64), classes
    if v.dtype.kind in "iu" or (v.dtype.kind == "f" and np.all(np.isfinite(v)) and np.all(v == np.round(v))
                                and classes is not None):
        return v.astype(np.int64), classes
    return v.astype(np.float64), None


def _npz(path: Path, input_shape: tuple[int, ...], labels: str | None, classes: list[str] | None,
         what: str) -> Data:
    try:
        z = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise DataError(f"{path}: not a readable .npz file ({e})") from e
    keys = list(z.keys())
    label_key = labels or ("y" if "y" in keys else None)
    if label_key is not None and label_key not in keys:
        raise DataError(f"{what} {path.name} has no array {label_key!r} (--labels); its arrays: {', '.join(keys)}")
    x_key = "x" if "x" in keys else next((k for k in keys if k != label_key), None)
    if x_key is None:
        raise DataError(f"{what} {path.name} holds no samples (arrays: {', '.join(keys) or 'none'})")
    x = _samples(z[x_key], input_shape, f"{path.name}[{x_key!r}]")
    if label_key is None:
        return Data(x, None, None, f"{path.name}[{x_key!r}]")
    y, cls = _labels(z[label_key], classes, f"{path.name}[{label_key!r}]")
    if len(y) != len(x):
        raise DataError(f"{path.name}: {len(x)} samples in {x_key!r} but {len(y)} labels in {label_key!r}")
    return Data(x, y, cls, f"{path.name}[{x_key!r}], labels {label_key!r}")


def _cell_values(cell: str, column: str, row: int, name: str) -> list[float]:
    cell = cell.strip()
    if cell.startswith("["):
        try:
            values = json.loads(cell)
        except ValueError as e:
            raise DataError(f"{name} row {row}: column {column!r} holds {cell[:30]!r}, not a list of numbers") from e
        flat = np.asarray(values, dtype=np.float64).reshape(-1)
        return [float(v) for v in flat]
    try:
        return [float(cell)]
    except ValueError as e:
        raise DataError(f"{name} row {row}: column {column!r} holds {cell[:30]!r}, not a number (a column of names "
                        f"is the labels: --labels {column})") from e


def _csv(path: Path, input_shape: tuple[int, ...], labels: str | None, classes: list[str] | None,
         what: str) -> Data:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise DataError(f"{what} {path.name} is empty")
    header, body = rows[0], [r for r in rows[1:] if any(c.strip() for c in r)]
    if labels is not None and labels not in header:
        raise DataError(f"{what} {path.name} has no column {labels!r} (--labels); its columns: {', '.join(header)}")
    features = [i for i, h in enumerate(header) if h not in STREAM_COLUMNS and h != labels]
    if not features:
        raise DataError(f"{what} {path.name} has no columns of values (columns: {', '.join(header)})")
    values = []
    for k, r in enumerate(body, start=2):
        if len(r) < len(header):
            raise DataError(f"{path.name} row {k} has {len(r)} cells, the header {len(header)}")
        values.append([v for i in features for v in _cell_values(r[i], header[i], k, path.name)])
    per_row = {len(v) for v in values}
    if len(per_row) != 1:
        raise DataError(f"{path.name}: rows hold different numbers of values ({sorted(per_row)})")
    n_values = per_row.pop() if values else 0
    size = math.prod(input_shape)
    cols = ", ".join(header[i] for i in features)
    if n_values == 0 or size % n_values:
        raise DataError(f"{path.name} has {n_values} values per row ({cols}); the model's input "
                        f"{shape_str(input_shape)} has {size}, which is not a whole number of rows")
    window = size // n_values
    label_col = header.index(labels) if labels is not None else None
    tags = [r[label_col].strip() for r in body] if label_col is not None else [""] * len(body)
    xs, ys, left = [], [], 0
    start = 0
    while start < len(body):  # runs of rows with the same label, cut into whole windows
        end = start
        while end < len(body) and tags[end] == tags[start]:
            end += 1
        for w in range(start, end - window + 1, window):
            xs.append(np.asarray(values[w: w + window], np.float32).reshape(input_shape))
            ys.append(tags[start])
        left += (end - start) % window
        start = end
    if not xs:
        raise DataError(f"{path.name}: no run of {window} rows (one input of {shape_str(input_shape)}) "
                        f"{'with the same label ' if labels else ''}in its {len(body)} rows")
    how = f"{len(body)} rows, {len(xs)} windows of {window}" if window > 1 else f"{len(body)} rows"
    if left:
        how += f", {left} rows left over"
    x = np.stack(xs)
    if labels is None:
        return Data(x, None, None, f"{path.name} ({how})")
    label_values: np.ndarray = np.array(ys)
    try:
        label_values = np.array([float(v) for v in ys])
        if np.all(label_values == np.round(label_values)) and classes is None:
            label_values = label_values.astype(np.int64)
    except ValueError:
        pass
    y, cls = _labels(label_values, classes, f"{path.name} column {labels!r}")
    return Data(x, y, cls, f"{path.name} ({how}), labels {labels!r}")


# ---- folders: WAV files and images with a named preprocessing -------------------------------------------
def _wav(path: Path) -> np.ndarray:
    try:
        with wave.open(str(path), "rb") as w:
            if w.getsampwidth() != 2:
                raise DataError(f"{path}: {8 * w.getsampwidth()}-bit samples; WAV files must be 16-bit PCM")
            raw = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768.0
            channels = w.getnchannels()
    except (wave.Error, EOFError) as e:
        raise DataError(f"{path}: not a PCM WAV file ({e})") from e
    return raw.reshape(-1, channels).mean(axis=1) if channels > 1 else raw


def _fit(samples: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n, np.float32)
    out[: min(n, samples.size)] = samples[:n]
    return out


def audio(path: Path, input_shape: tuple[int, ...]) -> np.ndarray:
    """The waveform in [-1, 1), zero-padded or cut to the input's size (no resampling)."""
    return _fit(_wav(path), math.prod(input_shape)).reshape(input_shape)


SPECTROGRAM_FRAME, SPECTROGRAM_STEP, SPECTROGRAM_FFT = 255, 128, 256


def spectrogram(path: Path, input_shape: tuple[int, ...]) -> np.ndarray:
    """TensorFlow's simple audio recognition tutorial's input: |tf.signal.stft(waveform, frame_length=255,
    frame_step=128)| (its Hann window, FFT of 256: 129 bins), of a waveform zero-padded or cut to fill the
    input's frames. Input (frames, 129) or (frames, 129, 1)."""
    if len(input_shape) < 2 or input_shape[1] != SPECTROGRAM_FFT // 2 + 1 or math.prod(input_shape[2:]) != 1:
        raise DataError(f"--preprocess spectrogram makes (frames, {SPECTROGRAM_FFT // 2 + 1}, 1) inputs; the model's "
                        f"input is {shape_str(input_shape)}")
    frames = input_shape[0]
    wave_ = _fit(_wav(path), (frames - 1) * SPECTROGRAM_STEP + SPECTROGRAM_FRAME)
    k = np.arange(SPECTROGRAM_FRAME)
    # the window tf.signal.stft applies, tf.signal.hann_window(255, periodic=True): (TensorFlow 2.21) a cosine
    # over 254 steps, 0 at both ends
    window = (0.5 - 0.5 * np.cos(2 * np.pi * k / (SPECTROGRAM_FRAME - 1))).astype(np.float32)
    idx = np.arange(frames)[:, None] * SPECTROGRAM_STEP + k[None, :]
    spec = np.abs(np.fft.rfft(wave_[idx] * window, n=SPECTROGRAM_FFT, axis=1))
    return spec.astype(np.float32).reshape(input_shape)


def _image(scale: Callable[[np.ndarray], np.ndarray]) -> Callable[[Path, tuple[int, ...]], np.ndarray]:
    def load_image(path: Path, input_shape: tuple[int, ...]) -> np.ndarray:
        if len(input_shape) != 3 or input_shape[2] not in (1, 3):
            raise DataError(f"image preprocessing makes (height, width, 1 or 3) inputs; the model's input is "
                            f"{shape_str(input_shape)}")
        import tensorflow as tf

        try:
            img = tf.io.decode_image(path.read_bytes(), channels=input_shape[2], expand_animations=False)
        except (tf.errors.InvalidArgumentError, ValueError) as e:
            raise DataError(f"{path}: not an image TensorFlow can decode ({e})") from e
        img = tf.image.resize(tf.cast(img, tf.float32), input_shape[:2], method="bilinear")
        return scale(np.asarray(img, np.float32)).reshape(input_shape)
    return load_image


PREPROCESS: dict[str, tuple[str, Callable[[Path, tuple[int, ...]], np.ndarray], str]] = {
    "audio": ("wav", audio, "the waveform in [-1, 1), padded or cut to the input size"),
    "spectrogram": ("wav", spectrogram, "|STFT| as TensorFlow's audio tutorial: frame 255, step 128, 129 bins"),
    "image": ("image", _image(lambda a: a / 255.0), "RGB or grayscale as the input, resized, in [0, 1]"),
    "image-255": ("image", _image(lambda a: a), "resized, values 0..255 (a model that rescales itself)"),
    "image-signed": ("image", _image(lambda a: a / 127.5 - 1.0), "resized, in [-1, 1] (MobileNet's)"),
}


def _folder(path: Path, input_shape: tuple[int, ...], classes: list[str] | None, preprocess: str | None,
            what: str) -> Data:
    wavs = sorted(p for p in path.rglob("*") if p.suffix.lower() == ".wav")
    images = sorted(p for p in path.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not wavs and not images:
        raise DataError(f"{what} folder {path} holds no WAV files or images")
    kind = "wav" if wavs else "image"
    names = ", ".join(k for k, (t, _, _) in PREPROCESS.items() if t == kind)
    if preprocess is None:
        raise DataError(f"{what} folder {path} holds {'WAV files' if wavs else 'images'}: name their preprocessing "
                        f"with --preprocess ({names})")
    if preprocess not in PREPROCESS:
        raise DataError(f"unknown --preprocess {preprocess!r}; known: {', '.join(PREPROCESS)}")
    ptype, fn, _ = PREPROCESS[preprocess]
    if ptype != kind:
        raise DataError(f"--preprocess {preprocess} reads {'WAV files' if ptype == 'wav' else 'images'}, but {path} "
                        f"holds {'WAV files' if wavs else 'images'} ({names})")
    files = wavs if kind == "wav" else images
    x = np.stack([fn(p, input_shape) for p in files]).astype(np.float32)
    tags = [p.parent.relative_to(path).as_posix() for p in files]
    source = f"{path.name}/ ({len(files)} {'WAV files' if kind == 'wav' else 'images'}, --preprocess {preprocess})"
    if all(t == "." for t in tags):
        return Data(x, None, None, source)
    if any(t == "." for t in tags):
        raise DataError(f"{path}: some files are in subfolders (their labels) and some are not")
    y, cls = _labels(np.array(tags), classes, f"{path.name}/")
    return Data(x, y, cls, source + ", labels: subfolder names")


def read_classes(spec: str | None) -> list[str] | None:
    """--classes: a file with one class name per line (e.g. labels.txt), or names separated by commas."""
    if not spec:
        return None
    p = Path(spec)
    if p.is_file():
        names = [s.strip() for s in p.read_text(encoding="utf-8").splitlines() if s.strip()]
    else:
        names = [s.strip() for s in spec.split(",") if s.strip()]
    if len(set(names)) != len(names) or not names:
        raise DataError(f"--classes {spec}: class names must be given once each")
    return names
