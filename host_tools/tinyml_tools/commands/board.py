"""tinyml board list | reset PORT: the boards --port can name, and a clean start for an emulated one.

`list` shows every valid --port: the serial ports of connected boards, `rp2040:BOARD` (RPI_PICO in
the rp2040js emulator) and `qemu:BOARD` (the QEMU boards), with whether their firmware is built,
what they keep between commands and whether a program runs them now.

An emulated board keeps what is written to it from one command to the next, as a real board keeps
its flash: rp2040:RPI_PICO its whole flash (build/rp2040/RPI_PICO.flash: firmware, ROMFS,
filesystem), qemu:BOARD its RAM disk (build/qemu/BOARD/ramdisk.img, saved when the command that
booted it ends), the ROMFS image of `tinyml upload --romfs` and the firmware of `tinyml flash`.
`reset` forgets all of it: the next command boots the image of `make firmware` with an empty
filesystem.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tinyml_tools import emulated, qemu, rp2040
from tinyml_tools.cliutil import FAILED, OK, USAGE, add_json, error, n, print_json, table
from tinyml_tools.device import ports_hint, qemu_port_board, rp2040_port_board, usb_ports
from tinyml_tools.project import FOUND, not_found_hint

RESET_HELP = ("erase an emulated board: the files, ROMFS image and installed firmware it keeps between commands; "
              "the next command boots the image of make firmware with an empty filesystem")


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    ls = sub.add_parser("list", help="the ports --port takes: connected boards and emulated ones",
                        description="the ports --port takes: connected boards and emulated ones")
    add_json(ls)
    reset = sub.add_parser("reset", help="erase an emulated board (qemu:BOARD, rp2040:BOARD): files, ROMFS, "
                                         "installed firmware", description=RESET_HELP)
    reset.add_argument("port", help="qemu:BOARD or rp2040:BOARD")
    add_json(reset)


def _state(files: list[Path]) -> str:
    return ", ".join(f"{p.name} {n(p.stat().st_size)} B" for p in files if p.exists()) or "new"


def emulated_ports() -> list[dict[str, Any]]:
    rows = []
    for board in rp2040.RP2040_BOARDS:
        flash = rp2040.default_flash(board)
        run = rp2040.running(board)
        rows.append({"port": f"rp2040:{board}", "image": str(rp2040.image_path(board)),
                     "built": rp2040.image_path(board).exists(), "kept": _state([flash]),
                     "running": (run or {}).get("pty") or bool(run), "missing": rp2040.missing()})
    for board in qemu.QEMU_BOARDS:
        run = emulated.running(qemu.lock_file(board))
        image = qemu.default_image(board)
        rows.append({"port": f"qemu:{board}", "image": str(image), "built": image.exists(),
                     "kept": _state(qemu.state_files(board)), "running": (run or {}).get("pty") or bool(run),
                     "missing": None})
    return rows


def run(args: argparse.Namespace) -> int:
    if args.action == "list":
        return run_list(args)
    return run_reset(args)


def run_list(args: argparse.Namespace) -> int:
    serial = [{"port": str(p.device), "description": str(p.description)} for p in usb_ports()]
    rows = emulated_ports()
    if args.json:
        print_json({"serial": serial, "emulated": rows, "checkout": str(FOUND) if FOUND else None})
        return OK
    print("serial ports: " + (", ".join(f"{s['port']} ({s['description']})" for s in serial) or "none found"))
    body = []
    for r in rows:
        ready = "yes" if r["built"] and not r["missing"] else "no: " + (r["missing"] or "run 'make firmware BOARD="
                                                                         f"{r['port'].split(':')[1]}'")
        body.append([r["port"], ready, r["kept"], r["running"] or "-"])
    print(table(body, ["--port", "firmware built", "keeps between commands", "running on"]))
    if FOUND is None:
        print("emulated boards need the checkout" + not_found_hint())
    return OK


def run_reset(args: argparse.Namespace) -> int:
    port = args.port
    try:
        if rp2040_port_board(port) is not None:
            board = rp2040_port_board(port)
            rp2040.check_board(board)
            flash = rp2040.default_flash(board)
            with rp2040.flash_lock(flash):
                gone = [flash] if flash.exists() else []
                for p in gone:
                    p.unlink()
        elif qemu_port_board(port) is not None:
            board = qemu_port_board(port)
            gone = qemu.reset(board)
        else:
            error("board", f"reset takes an emulated board's port, not {port!r}: {ports_hint()}")
            return USAGE
    except (qemu.QemuError, rp2040.Rp2040Error) as e:
        error("board", str(e))
        return FAILED
    except emulated.BoardBusy as e:
        error("board", qemu.busy_message(board, e))
        return FAILED
    if args.json:
        print_json({"port": port, "removed": [str(p) for p in gone]})
    elif gone:
        print(f"{port}: removed {', '.join(str(p) for p in gone)}: it boots as new (make firmware's image, "
              "empty filesystem)")
    else:
        print(f"{port}: nothing kept, it already boots as new")
    return OK
