"""tinyml compare MODEL [--port P] [-n N]: the board and the host core, byte for byte.

Generates N seeded random inputs (the model's input types and shapes), runs
them on the board (uploading the model if needed) and on the host C core with
the firmware's kernel backend, and reports every output byte that differs.
Exit status 0: identical; 1: differences (or an error); 3: the board cannot
run the model.
"""

from __future__ import annotations

import argparse
import binascii
from pathlib import Path
from typing import Any

import numpy as np

from tinyml_tools import boards
from tinyml_tools.cliutil import FAILED, OK, REFUSED, USAGE, add_json, add_port, error, print_json, read_file
from tinyml_tools.commands.upload import Refused, device_path, prepare
from tinyml_tools.core import CoreError, Model, backends
from tinyml_tools.device import Device, DeviceError, connect

MAX_REPORTED = 1000


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", type=Path, help=".tflite model")
    add_port(p)
    p.add_argument("-n", type=int, default=10, help="number of inputs (default 10)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random inputs (default 0)")
    p.add_argument("--as", dest="name", metavar="NAME", help="path of the model on the device (default: its file name)")
    add_json(p)


def make_inputs(model: Model, n: int, seed: int) -> list[list[np.ndarray]]:
    """n sets of inputs: uniform over the integer type's range; floats uniform in [-1, 1)."""
    rng = np.random.default_rng(seed)
    sets = []
    for _ in range(n):
        xs = []
        for t in model.inputs:
            if np.issubdtype(np.dtype(t.dtype), np.integer):
                info = np.iinfo(t.dtype)
                xs.append(rng.integers(info.min, info.max, size=t.shape, dtype=t.dtype, endpoint=True))
            else:
                xs.append(rng.uniform(-1, 1, size=t.shape).astype(t.dtype))
        sets.append(xs)
    return sets


def input_expr(xs: list[np.ndarray]) -> str:
    """MicroPython expression of the raw input buffer(s) for Model.predict."""
    parts = [f"binascii.a2b_base64({binascii.b2a_base64(x.tobytes(), newline=False)!r})" for x in xs]
    return parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ",)"


def load_on_device(dev: Device, path: str) -> None:
    dev.exec(f"import tinyml, binascii, gc\n_m = None\ngc.collect()\n_m = tinyml.Model({path!r})")


def device_outputs(dev: Device, xs: list[np.ndarray]) -> list[bytes]:
    out = dev.exec(f"_o = _m.predict({input_expr(xs)})\n_o = _o if isinstance(_o, tuple) else (_o,)\n"
                   "print(' '.join(binascii.hexlify(bytes(o)).decode() for o in _o))", timeout=120)
    return [binascii.unhexlify(h) for h in out.strip().splitlines()[-1].split(" ") if h] if out.strip() else []


def host_backend(info: dict[str, Any]) -> str:
    b = boards.device_host_backend(info)
    return b if b in backends() else "ref"


def run(args: argparse.Namespace) -> int:
    data = read_file("compare", args.model)
    if data is None:
        return USAGE
    if args.n < 1:
        error("compare", "-n must be at least 1")
        return USAGE
    path = device_path(args.model, args.name)
    diffs: list[dict[str, Any]] = []
    total = 0
    try:
        with connect(args.port) as dev:
            prepare(dev, data, path, show_progress=not args.json, port=args.port)
            backend = host_backend(dev.info())
            host = Model(data, backend=backend)
            load_on_device(dev, path)
            for i, xs in enumerate(make_inputs(host, args.n, args.seed)):
                want = [o.tobytes() for o in host.invoke(*xs)]
                got = device_outputs(dev, xs)
                if len(got) != len(want):
                    raise DeviceError(f"the device returned {len(got)} outputs, the host {len(want)}")
                for k, (w, g) in enumerate(zip(want, got)):
                    total += len(w)
                    if len(w) != len(g):
                        raise DeviceError(f"output {k}: {len(g)} bytes on the device, {len(w)} on the host")
                    a, b = np.frombuffer(w, np.uint8), np.frombuffer(g, np.uint8)
                    for off in np.nonzero(a != b)[0]:
                        diffs.append({"input": i, "output": k, "byte": int(off), "host": int(a[off]),
                                      "device": int(b[off])})
            machine = dev.info().get("machine")
    except Refused as e:
        for r in e.reasons:
            error("compare", f"refused: {r}")
        return REFUSED
    except (DeviceError, CoreError) as e:
        error("compare", str(e))
        return FAILED
    report = {"model": str(args.model), "inputs": args.n, "seed": args.seed, "host_backend": backend,
              "device": machine, "bytes_compared": total, "differences": len(diffs), "diffs": diffs[:MAX_REPORTED]}
    if args.json:
        print_json(report)
    else:
        print(f"{args.n} inputs (seed {args.seed}), {total:,} output bytes compared: device ({machine}) "
              f"vs host core ({backend}): {len(diffs)} bytes differ")
        for d in diffs[:20]:
            print(f"  input {d['input']} output {d['output']} byte {d['byte']}: host {d['host']:#04x} "
                  f"device {d['device']:#04x}")
        if len(diffs) > 20:
            print(f"  ... {len(diffs) - 20} more")
    return OK if not diffs else FAILED
