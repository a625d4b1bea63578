"""tinyml publish DIR [BUNDLE...] [--trust KEY.pub]: a folder any HTTP server can serve to devices.

Copies the bundles into DIR, then writes DIR/manifest.json listing every bundle in DIR (name,
version, file, size, SHA-256), which tinyml.ota.check()/update() read. Each bundle's structure is
checked, and with --trust its signature; a bad bundle is refused (exit status 3) and left out.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from tinyml_tools import bundle, fleet
from tinyml_tools.cliutil import FAILED, OK, REFUSED, USAGE, add_json, error, n, print_json, table


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", type=Path, metavar="DIR", help="the folder to serve (created if missing)")
    p.add_argument("bundles", type=Path, nargs="*", metavar="BUNDLE", help=".tmlb bundles to add (tinyml sign)")
    p.add_argument("--trust", type=Path, action="append", default=[], metavar="KEY.pub",
                   help="check the signatures against this public key (repeatable)")
    add_json(p)


def run(args: argparse.Namespace) -> int:
    try:
        trusted = [bundle.load_public_key(p) for p in args.trust]
    except (OSError, ValueError) as e:
        error("publish", str(e))
        return USAGE
    refused = []
    try:
        args.folder.mkdir(parents=True, exist_ok=True)
        for src in args.bundles:
            data = src.read_bytes()
            try:
                bundle.verify(data, trusted) if trusted else bundle.parse(data)
            except bundle.BundleError as e:
                refused.append(f"{src}: {e}")
                continue
            dest = args.folder / src.name
            if dest.resolve() != src.resolve():
                tmp = dest.with_name(dest.name + ".part")
                shutil.copyfile(src, tmp)
                tmp.replace(dest)
        entries, problems = fleet.scan(args.folder, trusted or None)
        path = fleet.write_manifest(args.folder, entries)
    except OSError as e:
        error("publish", str(e))
        return FAILED
    refused += problems
    if args.json:
        print_json({"manifest": str(path), "models": entries, "refused": refused})
    else:
        rows = [[e["name"], str(e["version"]), e["file"], n(e["bytes"]), e["key_id"]] for e in entries]
        print(table(rows, ["name", "version", "file", "bytes", "key id"], right={1, 3}))
        print(f"{path}: {len(entries)} bundle{'s' if len(entries) != 1 else ''}; serve {args.folder} with any HTTP "
              f"server (tinyml serve {args.folder}) and call tinyml.ota.update(URL) on the devices")
    for r in refused:
        error("publish", f"refused: {r}")
    return REFUSED if refused else OK
