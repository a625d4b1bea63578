"""tinyml keygen [NAME] [--dir DIR]: an Ed25519 key pair for signing model bundles.

Writes NAME.pem (the private key, PKCS#8 PEM, readable by its owner only: keep it off the devices
and out of version control) and NAME.pub (the public key, 64 hex digits), and with --module a
`tinyml_keys.py` to freeze into the firmware. A device trusts the keys frozen into its firmware
(tinyml_keys.KEYS) and those stored in its /ota/keys/ (tinyml.ota.trust(), tinyml deploy --trust).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tinyml_tools import bundle
from tinyml_tools.cliutil import FAILED, OK, USAGE, add_json, error, print_json


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", nargs="?", default="fleet", help="file name of the key pair (default: fleet)")
    p.add_argument("--dir", type=Path, default=Path("."), help="where to write NAME.pem and NAME.pub (default: .)")
    p.add_argument("--module", action="store_true",
                   help="also write tinyml_keys.py (KEYS = (public key,)) to freeze into the firmware")
    add_json(p)


def module_text(public_keys: list[bytes]) -> str:
    lines = "".join(f"    {k!r},  # key id {bundle.key_id(k).hex()}\n" for k in public_keys)
    return ('"""Public keys tinyml.ota trusts (written by tinyml keygen --module): freeze into the firmware."""\n\n'
            f"KEYS = (\n{lines})\n")


def run(args: argparse.Namespace) -> int:
    pem, pub = args.dir / f"{args.name}.pem", args.dir / f"{args.name}.pub"
    for path in (pem, pub):
        if path.exists():
            error("keygen", f"{path} exists: not overwriting a key (choose another NAME or --dir)")
            return USAGE
    try:
        key = bundle.generate_key()
        public = bundle.public_key_bytes(key)
        args.dir.mkdir(parents=True, exist_ok=True)
        bundle.write_private(pem, bundle.private_pem(key))
        pub.write_text(public.hex() + "\n")
        module = None
        if args.module:
            module = args.dir / "tinyml_keys.py"
            module.write_text(module_text([public]))
    except (OSError, RuntimeError) as e:
        error("keygen", str(e))
        return FAILED
    kid = bundle.key_id(public).hex()
    if args.json:
        print_json({"private": str(pem), "public": str(pub), "key_id": kid, "public_key": public.hex(),
                    "module": str(module) if module else None})
        return OK
    print(f"{pem}: private key (keep it secret: it signs models every device trusting {pub.name} will run)")
    print(f"{pub}: public key, id {kid}")
    if module:
        print(f"{module}: freeze it into the firmware (module(\"tinyml_keys.py\") in the board's manifest.py)")
    print(f"next: tinyml sign MODEL.tflite --name NAME --version 1 --key {pem}")
    return OK
