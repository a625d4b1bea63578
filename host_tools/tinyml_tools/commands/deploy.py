"""tinyml deploy BUNDLE --port P [--trust KEY.pub] [--fleet DIR]: a signed bundle over the serial line.

For boards without a network: the same on-device code as tinyml.ota.update() (tinyml.ota.receive)
takes the bundle in chunks, each asked for by the device, into its inactive slot, checks the
signature against the keys it trusts, loads the model, runs its self-test and only then switches.
A refused bundle (bad signature or key, not newer, corrupt, a model the firmware cannot run or that
does not fit, a failed self-test) leaves the active model as it was: exit status 3 and the device's
reason. --trust first makes the device trust a public key (stored in its /ota/keys/). --fleet DIR
records the outcome in DIR/fleet.jsonl, as devices that update over HTTP report it (tinyml fleet DIR).
"""

from __future__ import annotations

import argparse
import json
import select
import time
from pathlib import Path
from typing import Any, Callable

from tinyml_tools import bundle, fleet
from tinyml_tools.cliutil import FAILED, OK, REFUSED, USAGE, add_json, add_port, error, n, print_json, read_file
from tinyml_tools.device import Device, DeviceError, Progress, connect

ACK = b"\x06"
CHUNK = 512  # bytes per ACK: small enough for a UART's receive buffer
ACK_TIMEOUT = 30.0  # seconds the device may take before asking for the next chunk
FINISH_TIMEOUT = 300.0  # verify, load, self-test and switch (an emulated Cortex-M0+ is slow)


class Refused(Exception):
    """The device refused the bundle (its active model unchanged)."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("bundle", type=Path, help=".tmlb bundle (tinyml sign)")
    add_port(p)
    p.add_argument("--trust", type=Path, metavar="KEY.pub", help="make the device trust this public key first")
    p.add_argument("--fleet", type=Path, metavar="DIR", help="record the outcome in DIR/fleet.jsonl")
    p.add_argument("--chunk", type=int, default=CHUNK, help=f"bytes per acknowledged chunk (default {CHUNK})")
    add_json(p)


def _read_until(dev: Device, ends: tuple[bytes, ...], timeout: float) -> bytes:
    """The device's bytes up to one of `ends` (select-based: mpremote's reads block on a pty whatever their
    timeout)."""
    s = dev.transport.serial
    got = bytearray()
    deadline = time.monotonic() + timeout
    while not got.endswith(ends):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([s.fd], [], [], left)[0]:
            raise DeviceError(f"the device stopped answering during the deployment (after {bytes(got[-80:])!r})")
        got += s.read(1)
    return bytes(got)


def _device_error(text: str) -> Exception:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    last = lines[-1] if lines else "error"
    if last.startswith("UpdateError:"):
        return Refused(last.split(":", 1)[1].strip())
    if last.startswith("ImportError") and "ota" in last:  # no tinyml.ota, or no _tinyml_ota under it
        return Refused("the firmware has no over-the-air update support (built with TINYML_OTA=0, or without "
                       "Monocypher: make deps, then make firmware)")
    return DeviceError(last, text)


def send(dev: Device, data: bytes, chunk: int = CHUNK, progress: Callable[[int, int], None] | None = None,
         finish_timeout: float = FINISH_TIMEOUT) -> dict[str, Any]:
    """Run tinyml.ota.receive on the device and feed it `data`; the device's new state (Refused if refused)."""
    try:
        dev.exec("import tinyml.ota as _tml_ota")
    except DeviceError as e:
        raise _device_error(e.traceback or str(e)) from None
    t = dev.transport
    t.exec_raw_no_follow(f"_tml_ota.receive({len(data)}, {int(chunk)})")
    sent = 0
    if progress:
        progress(0, len(data))
    while sent < len(data):
        got = _read_until(dev, (ACK, b"\x04"), ACK_TIMEOUT)
        if got.endswith(b"\x04"):  # receive() ended early (refused or failed): its error follows
            raise _device_error(_read_until(dev, (b"\x04",), 30)[:-1].decode(errors="replace"))
        piece = data[sent:sent + chunk]
        t.serial.write(piece)
        sent += len(piece)
        if progress:
            progress(sent, len(data))
    out = _read_until(dev, (b"\x04",), finish_timeout)[:-1]
    err = _read_until(dev, (b"\x04",), 30)[:-1]
    if err:
        raise _device_error(err.decode(errors="replace"))
    lines = [ln for ln in out.decode(errors="replace").splitlines() if ln.strip().startswith("{")]
    if not lines:
        raise DeviceError(f"no state from the device after the transfer: {out[-200:]!r}")
    return json.loads(lines[-1])


def run(args: argparse.Namespace) -> int:
    data = read_file("deploy", args.bundle)
    if data is None:
        return USAGE
    try:
        b = bundle.parse(data)
        trust = bundle.load_public_key(args.trust) if args.trust else None
    except bundle.BundleError as e:
        error("deploy", f"{args.bundle}: {e}")
        return USAGE
    except (OSError, ValueError) as e:
        error("deploy", str(e))
        return USAGE
    if not 16 <= args.chunk <= 65536:
        error("deploy", "--chunk: 16 to 65536 bytes")
        return USAGE
    report: dict[str, Any] = {"offered": b.version, "via": "deploy"}
    device = None
    try:
        with connect(args.port) as dev:
            if trust is not None:
                try:
                    dev.exec(f"import tinyml.ota as _tml_ota\n_tml_ota.trust({trust.hex()!r})")
                except DeviceError as e:
                    raise _device_error(e.traceback or str(e)) from None
            try:
                new = send(dev, data, args.chunk, Progress(f"deploy {b.name} v{b.version}", enabled=not args.json))
                report.update(status="updated", name=new["name"], version=new["version"],
                              previous=(new.get("previous") or {}).get("version"))
            except Refused as e:
                st = dev.eval("_tml_ota.status()")
                report.update(status="refused", message=str(e), name=st["name"], version=st["version"])
                raise
            finally:
                if args.fleet:
                    device = dev.eval("_tml_ota.device_id()")
    except Refused as e:
        _record(args, report, device)
        if args.json:
            print_json(dict(report, deployed=False, bundle=b.describe()))
        error("deploy", f"refused: {e}")
        return REFUSED
    except DeviceError as e:
        error("deploy", str(e))
        return FAILED
    _record(args, report, device)
    if args.json:
        print_json(dict(report, deployed=True, bundle=b.describe(), state=new))
    else:
        was = f" (was version {report['previous']})" if report.get("previous") else ""
        print(f"{b.name} version {b.version} ({n(len(data))} bytes) verified, self-tested and active in slot "
              f"{new['active']}{was}")
    return OK


def _record(args: argparse.Namespace, report: dict[str, Any], device: str | None) -> None:
    if args.fleet and device:
        args.fleet.mkdir(parents=True, exist_ok=True)
        fleet.record(args.fleet, dict(report, device=device, port=args.port))
