"""Costs of over-the-air updates (not a test): bundle overhead, verify time on a QEMU board, verifier RAM.

    python tests/bench/bench_ota.py [--board MPS2_AN500]

Signs the example gestures model (and, where ../shared/models has it, kws_ref_model, for the hashing rate)
with a fresh key, copies the bundles to the board (the image of `make firmware BOARD=...`, booted in QEMU
with -icount shift=0: one instruction per virtual nanosecond, so time.ticks_us() x 1000 counts
instructions) and measures there: hashing (Verifier.update over the bundle in 1 KiB chunks, as
tinyml.ota reads it), the Ed25519 check (Verifier.finish), tinyml.ota.model() (read, verify, load,
self-test), and the heap a Verifier takes.
The C stack of the check is GCC's -fstack-usage / -fcallgraph-info of the verifier compiled for the
board's core (the deepest call chain from tml_bundle_finish).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "host_tools"))

from tinyml_tools import bundle  # after the sys.path setup
from tinyml_tools.commands.sign import self_test
from tinyml_tools.core import backends

SHARED = ROOT.parent / "shared" / "models"
CPU = {"MPS2_AN385": "cortex-m3", "MPS2_AN500": "cortex-m7", "MPS3_AN547": "cortex-m55", "NETDUINO_PLUS_2": "cortex-m4"}

DEVICE = """
import _tinyml_ota, tinyml.ota as ota, time, gc
def cost(path, key):
    buf = bytearray(1024)
    gc.collect()
    free = gc.mem_free()
    v = _tinyml_ota.Verifier(key)
    heap = free - gc.mem_free()
    hashing = size = 0
    with open(path, 'rb') as f:
        while True:
            n = f.readinto(buf)
            if not n:
                break
            chunk = memoryview(buf)[:n]
            t0 = time.ticks_us()
            v.update(chunk)
            hashing += time.ticks_diff(time.ticks_us(), t0)
            size += n
    t1 = time.ticks_us()
    v.finish()
    t2 = time.ticks_us()
    return {'bytes': size, 'hash_us': hashing, 'check_us': time.ticks_diff(t2, t1), 'heap': heap}
"""


def stack_usage(cpu: str) -> int | None:
    """Deepest stack (bytes) of tml_bundle_finish's call chain, from GCC's call graph with stack usage."""
    versions = (ROOT / "firmware/versions.mk").read_text()
    version = re.search(r"^MONOCYPHER_VERSION\s*:=\s*(\S+)", versions, re.MULTILINE)
    deps = Path(os.environ.get("TINYML_DEPS") or Path.home() / ".cache" / "tinyml")
    mono = Path(os.environ.get("MONOCYPHER_DIR") or deps / f"Monocypher-{version.group(1)}") / "src"
    srcs = [ROOT / "usermod/tinyml/ota/tml_bundle.c", ROOT / "usermod/tinyml/core/tml_fmt.c", mono / "monocypher.c",
            mono / "optional/monocypher-ed25519.c"]
    if not all(s.exists() for s in srcs):
        return None
    nodes: dict[str, int] = {}
    edges: dict[str, set[str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for s in srcs:
            r = subprocess.run(["arm-none-eabi-gcc", f"-mcpu={cpu}", "-mthumb", "-O2", "-fcallgraph-info=su",
                                f"-I{mono}", f"-I{mono / 'optional'}", "-c", str(s), "-o", f"{tmp}/{s.stem}.o"],
                               cwd=tmp, capture_output=True, text=True, check=False)
            if r.returncode:
                return None
        for ci in Path(tmp).glob("*.ci"):
            text = ci.read_text()
            for m in re.finditer(r'node: \{ title: "([^"]+)" label: "[^\\]*\\n[^\\]*\\n(\d+) bytes', text):
                nodes[m.group(1)] = int(m.group(2))
            for m in re.finditer(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"', text):
                edges.setdefault(m.group(1), set()).add(m.group(2))

    def deepest(fn: str, seen: frozenset[str]) -> int:
        if fn in seen:
            return 0
        return nodes.get(fn, 0) + max((deepest(t, seen | {fn}) for t in edges.get(fn, ())), default=0)

    return deepest("tml_bundle_finish", frozenset())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--board", default="MPS2_AN500", choices=sorted(CPU))
    args = p.parse_args(argv)
    from tinyml_tools.device import Device
    from tinyml_tools.qemu import boot

    key = bundle.generate_key()
    pub = bundle.public_key_bytes(key)
    backend = "cmsis-nn" if "cmsis-nn" in backends() else "ref"
    models = {"gestures": ROOT / "examples/gestures/gestures.tflite", "kws_ref_model": SHARED / "kws_ref_model.tflite"}
    bundles = {}
    for name, path in models.items():
        if path.exists():
            data = path.read_bytes()
            b = bundle.build(data, name, 1, self_test(data, 3, backend, 1), key)
            bundles[name] = (len(data), b)
    rows = []
    with boot(args.board, timeout=60) as pty:
        dev = Device(pty)
        try:
            dev.exec(DEVICE)
            dev.exec(f"ota.trust({pub.hex()!r})")
            for name, (model_bytes, data) in bundles.items():
                dev.put_file(f"/{name}.tmlb", data)
                r = dev.eval(f"cost('/{name}.tmlb', {pub!r})", timeout=600)
                r.update(name=name, model=model_bytes, overhead=len(data) - model_bytes)
                rows.append(r)
            # tinyml.ota.model(): the gestures bundle installed in slot a
            dev.exec("import os\ntry:\n os.mkdir('/ota')\nexcept OSError:\n pass")
            dev.put_file("/ota/a.tmlb", bundles["gestures"][1])
            dev.exec("ota._commit('/ota', {'active': 'a', 'name': 'gestures', 'version': 1, 'previous': None, "
                     "'floors': {'gestures': 1}, 'rolled_back': None})")
            model_us = dev.eval("(lambda t: (ota.model(), time.ticks_diff(time.ticks_us(), t))[1])(time.ticks_us())",
                                timeout=600)
        finally:
            dev.close()
    stack = stack_usage(CPU[args.board])
    print(f"over-the-air updates on {args.board} (QEMU -icount shift=0: instructions = us x 1000)")
    print(f"{'bundle':<14} {'model B':>8} {'overhead B':>10} {'hash instr':>11} {'instr/KB':>9} "
          f"{'Ed25519 check instr':>19} {'Verifier heap B':>15}")
    for r in rows:
        print(f"{r['name']:<14} {r['model']:>8,} {r['overhead']:>10,} {r['hash_us'] * 1000:>11,} "
              f"{r['hash_us'] * 1000 * 1024 // r['bytes']:>9,} {r['check_us'] * 1000:>19,} {r['heap']:>15,}")
    print(f"tinyml.ota.model() of the gestures bundle (read, verify, load, 3 self-test cases): "
          f"{model_us * 1000:,} instructions")
    print(f"C stack of tml_bundle_finish (the Ed25519 check), deepest call chain: {stack} bytes"
          if stack else "C stack: not measured (arm-none-eabi-gcc or Monocypher missing)")
    print(json.dumps({"rows": rows, "model_us": model_us, "stack": stack}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
