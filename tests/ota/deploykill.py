"""`tinyml deploy` in a child process that SIGKILLs itself after writing a given number of bytes to the serial
line (the write in progress cut there), for the deploy fault tests.

    python deploykill.py PORT BUNDLE KILL_AT [--trust KEY.pub]

KILL_AT -1: no kill; at exit prints `TOTAL serial=N data=A:B` (the serial bytes of the whole deploy and the
range of them that carried the bundle). Otherwise, just before the kill, prints on stderr
`KILL serial=K bundle=S of T`: S bundle bytes had reached the line out of T.
"""

from __future__ import annotations

import os
import signal
import sys

import serial
from tinyml_tools.cli import main
from tinyml_tools.commands import deploy


def run(port: str, path: str, kill_at: int, extra: list[str]) -> int:
    with open(path, "rb") as f:
        data = f.read()
    st = {"serial": 0, "bundle": 0, "first": None, "last": None}
    write = serial.Serial.write

    class Recorder:
        def __init__(self, *args: object, **kwargs: object) -> None:
            pass

        def __call__(self, done: int, total: int) -> None:
            st["bundle"] = done

    def counting_write(self: serial.Serial, b: bytes) -> int | None:
        b = bytes(b)
        at = st["bundle"]
        is_data = len(b) > 0 and b == data[at:at + len(b)] and st["serial"] >= (st["first"] or 0)
        if is_data and st["first"] is None:
            st["first"] = st["serial"]
        if 0 <= kill_at < st["serial"] + len(b):
            cut = kill_at - st["serial"]
            write(self, b[:cut])
            self.flush()
            print(f"KILL serial={kill_at} bundle={at + (cut if is_data else 0)} of {len(data)}", file=sys.stderr,
                  flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        st["serial"] += len(b)
        if is_data:
            st["last"] = st["serial"]
        return write(self, b)

    serial.Serial.write = counting_write
    deploy.Progress = Recorder
    rc = main(["deploy", path, "--port", port, *extra])
    print(f"TOTAL serial={st['serial']} data={st['first']}:{st['last']}", flush=True)
    return rc


if __name__ == "__main__":
    sys.exit(run(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]))
