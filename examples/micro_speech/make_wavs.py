"""Make the micro_speech example's test clips: "yes" and "no" spoken by espeak-ng, and
silence (quiet white noise, about -50 dBFS, from sox's repeatable generator), each as a one-second 16 kHz mono 16-bit WAV (the word centred in it), the form
the micro_speech model was trained on. Needs espeak-ng and sox (Debian packages).

    python examples/micro_speech/make_wavs.py [OUT_DIR]   # default: build/examples/micro_speech

Writes OUT_DIR/<name>.wav and OUT_DIR/clips.txt (one "file word" line per clip, the word
each file says: the device program's expected answers).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RATE = 16000
# (file stem, spoken text or None for silence, espeak-ng voice, words per minute)
CLIPS: list[tuple[str, str | None, str, int]] = [
    ("yes_en", "yes", "en", 150),
    ("yes_en_us", "yes", "en-us", 130),
    ("no_en", "no", "en", 150),
    ("no_en_us", "no", "en-us", 130),
    ("silence", None, "", 0),
]


def missing_tools() -> list[str]:
    return [t for t in ("espeak-ng", "sox") if shutil.which(t) is None]


def _write(path: Path, samples: bytes) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(samples)


def make_clip(out: Path, text: str | None, voice: str, wpm: int) -> None:
    """One second (16000 samples) of 16 kHz mono int16: the spoken word centred, or silence."""
    if text is None:
        subprocess.run(["sox", "-R", "-n", "-r", str(RATE), "-c", "1", "-b", "16", str(out), "synth", "1",
                        "whitenoise", "vol", "0.003"], check=True)
        return
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        mono = Path(tmp) / "mono.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(raw), text], check=True)
        # 16 kHz mono int16, leading/trailing silence removed, normalised to -3 dBFS
        subprocess.run(["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(mono),
                        "silence", "1", "0.01", "0.5%", "reverse", "silence", "1", "0.01", "0.5%", "reverse",
                        "norm", "-3"], check=True)
        with wave.open(str(mono)) as w:
            word = w.readframes(w.getnframes())[: 2 * (RATE * 9 // 10)]
    lead = (2 * RATE - len(word)) // 4 * 2
    _write(out, bytes(lead) + word + bytes(2 * RATE - lead - len(word)))


def main(out_dir: Path) -> int:
    lacking = missing_tools()
    if lacking:
        print(f"make_wavs: {', '.join(lacking)} not installed (Debian: apt-get install espeak-ng sox)")
        return 1
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = []
    for stem, text, voice, wpm in CLIPS:
        path = out_dir / f"{stem}.wav"
        make_clip(path, text, voice, wpm)
        lines.append(f"{path.name} {text or 'silence'}")
    (out_dir / "clips.txt").write_text("\n".join(lines) + "\n")
    print(f"make_wavs: {len(lines)} clips in {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "examples" / "micro_speech"))
