"""The per-op conformance cases on a target, in rounds (tests/firmware/test_device.py's test_device_ops).

    plan = plan_for(board_json, records)          # rounds and skipped cases for a board
    for k, files in enumerate(round_images(plan, len(records))):
        ...                                       # boot with files in /rom, run tests/device/t_ops.py

A round is a ROMFS image holding ops.bin (device_ops.round_bytes), ops.json (the round's figures) and
dtest.py: QEMU loads it into the board's ROMFS region when it starts (tinyml_tools.qemu.boot(romfs=)),
the RP2040 runner finds it written into the emulated flash's ROMFS partition, a real board gets it
through `vfs.rom_ioctl` (tinyml_tools.romfs.deploy). t_ops.py then runs with /rom as its current
folder and reads every record in place. The unix firmware reads one ops.bin with every case from its
data folder.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import device_ops

ROOT = Path(__file__).resolve().parents[2]
DTEST = ROOT / "tests" / "device" / "dtest.py"
SCRIPT = ROOT / "tests" / "device" / "t_ops.py"
# heap the script itself takes before its first record (t_ops.py and dtest.py compiled, the
# ROMFS file object, the interpreter's state): measured 11-14 KB on the boards, kept with a margin
SCRIPT_HEAP = 24 * 1024
# of the rest, what one record's allocations may take: the heap fragments over 2,000 loads
HEAP_SHARE = 0.8
RESULT = re.compile(r"(\d+) passed, (\d+) failed, (\d+) skipped")


def room_for_ops(romfs_bytes: int) -> int:
    """Bytes of ops.bin that fit a ROMFS region of `romfs_bytes` next to ops.json and dtest.py."""
    from tinyml_tools import romfs

    overhead = len(romfs.build({"ops.bin": b"", "ops.json": bytes(512), "dtest.py": DTEST.read_bytes()}))
    return romfs_bytes - overhead - 64  # the alignment padding before ops.bin's data


def plan_for(board: dict[str, Any] | None, records: list[device_ops.Record]) -> device_ops.Plan:
    """The rounds of a board (its board.json: the ROMFS region bounds one round, the heap what a record
    may need), or one round with every record for the unix firmware (board None)."""
    if board is None:
        return device_ops.plan_rounds(records, None, None)
    room = room_for_ops(int(board["romfs"]["bytes"]))
    ram = int((int(board["heap_bytes"]) - SCRIPT_HEAP) * HEAP_SHARE)
    return device_ops.plan_rounds(records, room, ram, board.get("float_special_values"))


def round_files(plan: device_ops.Plan, k: int, host_count: int) -> dict[str, bytes]:
    """The files of round k: ops.bin, ops.json, dtest.py."""
    info = {"round": k, "rounds": len(plan.rounds), "count": len(plan.rounds[k]), "host_count": host_count}
    return {"ops.bin": device_ops.round_bytes(plan.rounds[k]), "ops.json": json.dumps(info).encode(),
            "dtest.py": DTEST.read_bytes()}


def round_image(files: dict[str, bytes]) -> bytes:
    from tinyml_tools import romfs

    return romfs.build(files)


def result(out: str, err: str, where: str, records: int) -> str:
    """The line t_ops.py printed about its round; AssertionError unless every record and check passed."""
    lines = [ln.strip() for ln in out.splitlines() if ln.strip()]
    m = RESULT.fullmatch(lines[-1]) if lines else None
    assert m and not err.strip(), f"t_ops.py on {where} did not finish:\n{out[-4000:]}\n{err[-4000:]}"
    passed, failed, skipped = map(int, m.groups())
    want = records + 2  # the header check, one per record, the count check
    bad = [ln for ln in lines if ln.startswith(("FAIL", "mismatch"))]
    assert failed == 0 and skipped == 0 and passed == want, \
        f"t_ops.py on {where}: {passed} passed, {failed} failed, {skipped} skipped of {want} checks:\n" + \
        "\n".join(bad[:40])
    return next((ln for ln in lines if ln.startswith("ops:")), "")


def skipped_summary(plan: device_ops.Plan) -> str:
    """The cases a board cannot take, grouped by why (the figures of the largest in each group)."""
    groups: dict[str, list[str]] = {}
    for name, why in plan.skipped:
        kind = "record larger than one round" if why.startswith("its record") else \
            "need more heap" if why.startswith("it needs") else "special float values"
        groups.setdefault(kind, []).append(f"{name} ({why})")
    return "; ".join(f"{len(v)} {k}, e.g. {v[0]}" for k, v in groups.items())
