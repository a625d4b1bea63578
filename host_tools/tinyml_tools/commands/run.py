"""tinyml run SCRIPT.py [--port P]: run a script on the board with live output.

Like `mpremote run`, after a soft reset; the current folder is mounted on the
device (mpremote's remote filesystem, at /remote, which becomes the current
folder), so the script can open local models and data with relative paths
(tinyml.Model also finds a model the folder lacks in the device's / , where
`tinyml upload` puts it). Ctrl-C interrupts the script on the board. The exit
status is 1 if the script raised an exception (its traceback, naming the
script, goes to stderr).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tinyml_tools.cliutil import FAILED, OK, USAGE, add_port, error, read_file
from tinyml_tools.device import DeviceError, connect, script_traceback


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("script", type=Path, help="MicroPython script to run on the board")
    add_port(p)
    p.add_argument("--no-mount", action="store_true", help="do not mount the current folder on the device")
    p.add_argument("--timeout", type=float, help="stop the script after this many seconds")


def write_out(data: bytes) -> None:
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def run(args: argparse.Namespace) -> int:
    code = read_file("run", args.script)
    if code is None:
        return USAGE
    try:
        with connect(args.port) as dev:
            if not args.no_mount:
                dev.mount(os.getcwd())
            res = dev.exec_follow(code.decode(errors="replace"), write_out, timeout=args.timeout)
    except DeviceError as e:
        error("run", str(e))
        return FAILED
    if res.still_running:
        error("run", "the board ignored Ctrl-C: the script is still running on it")
        return FAILED
    if res.err:
        sys.stderr.write(script_traceback(res.err, str(args.script)).replace("\r\n", "\n"))
        return FAILED
    return OK
