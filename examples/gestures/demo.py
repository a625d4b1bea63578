"""Host side of `make demo`: boot the emulated board, copy the example, run it.

    python examples/gestures/demo.py [--board MPS2_AN500]

Boots the firmware built by `make firmware BOARD=...` in QEMU (serial on a pty),
copies gestures.tflite, its labels and sample windows to the board's filesystem
with mpremote, then runs predict.py on the board and shows its output live.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "host_tools"))
from tinyml_tools.qemu import QemuError, boot, image_path

FILES = ("gestures.tflite", "labels.txt", "samples.bin", "samples_labels.txt")


def mpremote(pty: str, *args: str) -> None:
    cmd = [sys.executable, "-m", "mpremote", "connect", pty, *args]
    r = subprocess.run(cmd, check=False)
    if r.returncode:
        raise SystemExit(f"demo: '{' '.join(cmd[2:])}' failed with exit code {r.returncode}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--board", default="MPS2_AN500")
    args = ap.parse_args()
    if not image_path(args.board).exists():
        print(f"demo: no firmware image for {args.board}: run 'make firmware BOARD={args.board}'")
        return 1
    if shutil.which("qemu-system-arm") is None:
        print("demo: qemu-system-arm is missing: sudo apt-get install qemu-system-arm")
        return 1
    try:
        with boot(args.board) as pty:
            print(f"demo: {args.board} booted in QEMU, console on {pty}")
            for name in FILES:
                mpremote(pty, "cp", str(HERE / name), ":" + name)
            print(f"demo: copied {', '.join(FILES)}; running predict.py on the board\n")
            mpremote(pty, "run", str(HERE / "predict.py"))
    except QemuError as e:
        print(f"demo: {e}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
