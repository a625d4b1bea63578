"""examples/micro_speech on the device: espeak-ng's "yes" and "no" and a silent clip, made by
examples/micro_speech/make_wavs.py, recognized by micro_speech.py on the unix port and on
MPS2_AN500 in QEMU (-icount shift=0), with no allocation in its per-window loop.

Skips (one line) without espeak-ng / sox, the firmware image, QEMU or the shared models.
Run with -s to see the figures: instructions per second of audio on MPS2_AN500 (QEMU's
virtual microseconds x 1000, as -icount shift=0 runs one instruction per nanosecond), and the
preprocessor's arena and persistent bytes.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from contextlib import closing
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
for p in (ROOT / "host_tools", ROOT / "tests" / "firmware"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from devrun import SerialTarget, UnixTarget, link_files  # after the sys.path setup

EXAMPLE = ROOT / "examples" / "micro_speech"
IMAGES = ROOT / "firmware" / "images"
SHARED = ROOT.parent / "shared" / "models"
MODELS = {"audio_preprocessor_int8.tflite": SHARED / "tflm" / "micro_speech__audio_preprocessor_int8.tflite",
          "micro_speech_quantized.tflite": SHARED / "micro_speech_quantized.tflite"}
TARGETS = {"unix": IMAGES / "unix" / "micropython", "MPS2_AN500": IMAGES / "MPS2_AN500" / "firmware.elf"}


def _make_wavs() -> object:
    spec = importlib.util.spec_from_file_location("make_wavs", EXAMPLE / "make_wavs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    make_wavs = _make_wavs()
    lacking = make_wavs.missing_tools()
    if lacking:
        pytest.skip(f"micro_speech: {', '.join(lacking)} not installed (Debian: apt-get install espeak-ng sox)")
    absent = [str(p) for p in MODELS.values() if not p.exists()]
    if absent:
        pytest.skip(f"micro_speech: shared models absent: {', '.join(absent)}")
    folder = tmp_path_factory.mktemp("clips")
    assert make_wavs.main(folder) == 0
    out = {p.name: p for p in folder.iterdir()}
    out.update(MODELS)
    return out


def _check(out: str, err: str, where: str) -> dict:
    lines = [ln for ln in out.splitlines() if ln.strip()]
    assert lines and not err.strip() and lines[-1].startswith("{"), f"{where}: did not finish:\n{out}\n{err}"
    summary = json.loads(lines[-1])
    for name, word, expected in summary["results"]:
        assert word == expected, f"{where}: {name} recognized as {word!r}, says {expected!r}:\n{out}"
    assert {r[2] for r in summary["results"]} == {"yes", "no", "silence"}, summary["results"]
    assert summary["allocated_in_loop"] == 0, f"{where}: the loop allocated {summary['allocated_in_loop']} bytes"
    return summary


@pytest.mark.parametrize("target", list(TARGETS))
def test_micro_speech(target: str, files: dict[str, Path], tmp_path: Path) -> None:
    image = TARGETS[target]
    if not image.exists():
        pytest.skip(f"micro_speech: no {target} image {image.relative_to(ROOT)} (make firmware BOARD={target})")
    script = EXAMPLE / "micro_speech.py"
    if target == "unix":
        link_files(files, tmp_path)
        out, err = UnixTarget(image, tmp_path).run_script(script, timeout=300)
        _check(out, err, target)
        return
    if shutil.which("qemu-system-arm") is None:
        pytest.skip("micro_speech: qemu-system-arm not installed (Debian: apt-get install qemu-system-arm)")
    from tinyml_tools.qemu import boot

    with boot(target, image=image, timeout=60) as pty, closing(SerialTarget(pty, soft_reset=False)) as dev:
        dev.put_files(files, "micro_speech")
        out, err = dev.run_script(script, timeout=600)
    s = _check(out, err, target)
    print("\n" + "\n".join(ln for ln in out.splitlines() if ln.strip() and not ln.startswith("{")))
    seconds = s["audio_samples"] / 16000
    kind, hz = s["clock"]
    per_s = s["loop_us"] * 1000 / seconds
    print(f"\n{target}: {seconds:.2f} s of audio in {s['loop_us']} virtual us: {per_s / 1e6:.1f} M instructions "
          f"per second of audio (the whole loop, Python included)")
    if kind == "systick":
        print(f"  front end {s['frontend_ticks'] * 1e9 / hz:,.0f} instructions per 30 ms window; classifier "
              f"{s['classifier_ticks'] * 1e9 / hz:,.0f} per call")
    print(f"  preprocessor: arena {s['frontend']['arena']} B, persistent {s['frontend']['persistent']} B; "
          f"classifier: arena {s['classifier']['arena']} B, persistent {s['classifier']['persistent']} B")


def test_micro_speech_int4_classifier(files: dict[str, Path], tmp_path: Path) -> None:
    """The classifier with int4 weights in its two layers (tinyml_tools.int4, as tinyml convert --weights int4
    makes it) on the unix port: every clip still recognized; -s prints the flash it saves and the scores."""
    image = TARGETS["unix"]
    if not image.exists():
        pytest.skip(f"micro_speech: no unix image {image.relative_to(ROOT)} (make firmware BOARD=unix)")
    from tinyml_tools import int4

    int8 = files["micro_speech_quantized.tflite"].read_bytes()
    data, changes = int4.to_int4(int8)
    assert [c.op for c in changes if c.int4] == ["DEPTHWISE_CONV_2D", "FULLY_CONNECTED"], changes
    model4 = tmp_path / "int4" / "micro_speech_quantized.tflite"
    model4.parent.mkdir()
    model4.write_bytes(data)
    link_files({**files, "micro_speech_quantized.tflite": model4}, tmp_path)
    out, err = UnixTarget(image, tmp_path).run_script(EXAMPLE / "micro_speech.py", timeout=300)
    _check(out, err, "unix, int4 classifier")
    print(f"\nint4 classifier: {len(int8):,} -> {len(data):,} bytes ({len(int8) - len(data):,} saved)")
    print("\n".join(ln for ln in out.splitlines() if ln.strip() and not ln.startswith("{")))
