"""The update server's folder: the manifest of its bundles and the devices' reports.

    DIR/manifest.json   {"format": 1, "models": [{"name", "version", "file", "bytes", "sha256", "key_id"}, ...]}
                        (tinyml publish; the devices' tinyml.ota.check() reads it)
    DIR/*.tmlb          the signed bundles
    DIR/fleet.jsonl     one JSON report per line, as devices post them to /report (tinyml serve) or as
                        tinyml deploy --fleet DIR records them; tinyml fleet lists the latest per device
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from tinyml_tools import bundle

MANIFEST = "manifest.json"
REPORTS = "fleet.jsonl"
REPORT_MAX_BYTES = 16384
_lock = threading.Lock()


def scan(folder: Path, trusted: list[bytes] | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """Manifest entries of every bundle in `folder` (signatures checked against `trusted` when given),
    and one problem per bundle left out."""
    entries, problems = [], []
    for path in sorted(folder.glob("*.tmlb")):
        data = path.read_bytes()
        try:
            b = bundle.verify(data, trusted) if trusted else bundle.parse(data)
        except bundle.BundleError as e:
            problems.append(f"{path.name}: {e}")
            continue
        entries.append({"name": b.name, "version": b.version, "file": path.name, "bytes": b.total_bytes,
                        "sha256": b.sha256, "key_id": b.key_id.hex()})
    seen: dict[tuple[str, int], str] = {}
    for e in entries:
        other = seen.setdefault((e["name"], e["version"]), e["file"])
        if other != e["file"]:
            problems.append(f"{e['file']}: {e['name']} version {e['version']} is also {other}")
    return entries, problems


def write_manifest(folder: Path, entries: list[dict[str, Any]]) -> Path:
    path = folder / MANIFEST
    tmp = folder / (MANIFEST + ".part")
    tmp.write_text(json.dumps({"format": 1, "models": entries}, indent=1) + "\n")
    os.replace(tmp, path)
    return path


def read_manifest(folder: Path) -> list[dict[str, Any]]:
    try:
        return list(json.loads((folder / MANIFEST).read_text()).get("models") or [])
    except (OSError, ValueError, AttributeError):
        return []


def record(folder: Path, report: dict[str, Any], address: str | None = None) -> dict[str, Any]:
    """Append a device report (with the time and the sender's address) to DIR/fleet.jsonl."""
    if not isinstance(report, dict) or not isinstance(report.get("device"), str):
        raise TypeError("a report is a JSON object with a 'device' string")
    entry = {k: v for k, v in report.items() if isinstance(k, str)}
    entry["time"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    if address:
        entry["address"] = address
    line = json.dumps(entry, sort_keys=True)
    with _lock, open(folder / REPORTS, "a") as f:
        f.write(line + "\n")
    return entry


def latest(folder: Path) -> list[dict[str, Any]]:
    """The latest report of each device (in the order the devices first reported)."""
    devices: dict[str, dict[str, Any]] = {}
    try:
        lines = (folder / REPORTS).read_text().splitlines()
    except OSError:
        return []
    for line in lines:
        try:
            r = json.loads(line)
        except ValueError:
            continue  # a line cut short by a crash of the server
        if isinstance(r, dict) and isinstance(r.get("device"), str):
            devices[r["device"]] = r
    return list(devices.values())
