"""tinyml fleet DIR [--json]: the devices' latest reports, against what DIR publishes.

Reads DIR/fleet.jsonl (written by tinyml serve from the devices' reports, and by tinyml deploy
--fleet DIR) and DIR/manifest.json: one line per device with its model, version, last status and
whether it runs the newest published version.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tinyml_tools import fleet
from tinyml_tools.cliutil import OK, USAGE, add_json, error, print_json, table


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", type=Path, metavar="DIR", help="the folder tinyml serve serves")
    add_json(p)


def run(args: argparse.Namespace) -> int:
    if not args.folder.is_dir():
        error("fleet", f"{args.folder} is not a folder")
        return USAGE
    newest: dict[str, int] = {}
    for m in fleet.read_manifest(args.folder):
        newest[m["name"]] = max(newest.get(m["name"], 0), int(m["version"]))
    devices = []
    for r in fleet.latest(args.folder):
        name, version = r.get("name"), r.get("version")
        latest = newest.get(name) if isinstance(name, str) else None
        devices.append(dict(r, published=latest, current=latest is not None and version == latest))
    if args.json:
        print_json({"devices": devices, "published": newest})
        return OK
    if not devices:
        print(f"no device has reported to {args.folder} yet ({args.folder / fleet.REPORTS})")
        return OK
    rows = []
    for d in devices:
        status = d.get("status", "?")
        if d.get("reason"):
            status += f" ({d['reason']})"
        rows.append([d["device"], str(d.get("name")), str(d.get("version")),
                     "-" if d["published"] is None else str(d["published"]), "yes" if d["current"] else "no",
                     status, d.get("time", "?"), d.get("address", d.get("port", "-"))])
    print(table(rows, ["device", "model", "version", "published", "current", "last status", "time", "from"],
                right={2, 3}))
    return OK
