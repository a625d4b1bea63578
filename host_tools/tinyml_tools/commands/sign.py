"""tinyml sign MODEL --name N --version V [--self-test K] [--key KEY.pem]: a signed model bundle.

The bundle (NAME-VERSION.tmlb by default) holds the model, its name and version, K self-test cases
(seeded random inputs and the output bytes the host core computes for them, with the firmware's
kernel backend: the device refuses the model unless it computes the same bytes) and an Ed25519
signature over all of it. The model must load in the host core (the firmware's C code).
"""

from __future__ import annotations

import argparse
import hashlib
import os
from pathlib import Path

from tinyml_tools import bundle
from tinyml_tools.cliutil import FAILED, OK, REFUSED, USAGE, add_json, error, n, print_json, read_file
from tinyml_tools.commands.compare import make_inputs
from tinyml_tools.core import CoreError, Model, backends


def default_key() -> Path:
    return Path(os.environ.get("TINYML_SIGNING_KEY") or "fleet.pem")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", type=Path, help=".tflite model")
    p.add_argument("--name", required=True, help="model name (letters, digits, '.', '_', '-'; at most 63)")
    p.add_argument("--version", required=True, type=int, help="version, an integer >= 1: devices install only "
                                                               "versions above the newest they have accepted")
    p.add_argument("--self-test", type=int, default=3, metavar="K",
                   help="self-test cases (default 3; 0: none, the device then only checks that the model loads)")
    p.add_argument("--key", type=Path, default=None,
                   help="private key from tinyml keygen (default: $TINYML_SIGNING_KEY, else fleet.pem)")
    p.add_argument("--backend", choices=("cmsis-nn", "ref"), default=None,
                   help="kernel backend of the self-test outputs (default: cmsis-nn when its host library is "
                        "built, else ref; both give the same bytes but for last-bit float differences)")
    p.add_argument("--seed", type=int, default=None, help="seed of the self-test inputs (default: from the model)")
    p.add_argument("--output", "-o", type=Path, help="bundle file (default: NAME-VERSION.tmlb)")
    add_json(p)


def self_test(model: bytes, k: int, backend: str, seed: int) -> list[tuple[bytes, bytes]]:
    """k cases: the inputs' bytes and the outputs' bytes, each run from a reset state (as the device does)."""
    m = Model(model, backend=backend)
    try:
        cases = []
        for xs in make_inputs(m, k, seed):
            m.reset()
            ys = m.invoke(*xs)
            cases.append((b"".join(x.tobytes() for x in xs), b"".join(y.tobytes() for y in ys)))
        return cases
    finally:
        m.close()


def run(args: argparse.Namespace) -> int:
    data = read_file("sign", args.model)
    if data is None:
        return USAGE
    try:
        bundle.check_name(args.name)
    except ValueError as e:
        error("sign", str(e))
        return USAGE
    if not 1 <= args.version <= 0xFFFFFFFF or not 0 <= args.self_test <= 1000:
        error("sign", "--version: 1 to 4294967295; --self-test: 0 to 1000")
        return USAGE
    key_path = args.key or default_key()
    if not key_path.exists():
        error("sign", f"no private key {key_path}: make one with 'tinyml keygen' (or give --key)")
        return USAGE
    built = backends()
    backend = args.backend or ("cmsis-nn" if "cmsis-nn" in built else "ref")
    if backend not in built:
        error("sign", f"the host core for backend {backend} is not built (make host-lib; built: {built})")
        return FAILED
    seed = args.seed if args.seed is not None else int.from_bytes(hashlib.sha256(data).digest()[:4], "little")
    try:
        key = bundle.load_private_key(key_path)
        tests = self_test(data, args.self_test, backend, seed)
        out = bundle.build(data, args.name, args.version, tests, key)
    except CoreError as e:
        error("sign", f"{args.model}: the tinyml core refuses the model ({e.status}): {e.message}")
        return REFUSED
    except (ValueError, TypeError, RuntimeError) as e:
        error("sign", str(e))
        return USAGE
    dest = args.output or Path(f"{args.name}-{args.version}.tmlb")
    try:
        tmp = dest.with_name(dest.name + ".part")
        tmp.write_bytes(out)
        tmp.replace(dest)
    except OSError as e:
        error("sign", f"cannot write {dest}: {e.strerror or e}")
        return FAILED
    b = bundle.parse(out)
    if args.json:
        print_json(dict(b.describe(), path=str(dest), backend=backend, seed=seed))
        return OK
    print(f"{dest}: {args.name} version {args.version}, {n(len(out))} bytes (model {n(len(data))} + header "
          f"{b.header_bytes} + self-test {n(b.overhead - b.header_bytes)}: {len(tests)} cases), signed with key "
          f"{b.key_id.hex()}")
    return OK
