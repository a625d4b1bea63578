"""Boot a tinyml firmware image in QEMU with the board's UART on a pty.

    from tinyml_tools.qemu import boot
    with boot("MPS2_AN500") as pty:          # waits for the REPL, kills QEMU on exit
        subprocess.run(["mpremote", "connect", pty, "exec", "import tinyml"])

Boards are those whose boards/<BOARD>/board.json has a "qemu" section (machine
and arguments): the qemu port's MPS2_AN385, MPS2_AN500 and MPS3_AN547, and the
stm32 port's NETDUINO_PLUS_2 (QEMU's netduinoplus2). QEMU runs with -icount
shift=0 (one instruction per virtual nanosecond), so SysTick-based timings are
deterministic. The image booted is the board's installed one
(build/qemu/<BOARD>/firmware.elf, or $TINYML_QEMU_FLASH/<BOARD>/firmware.elf:
what `tinyml flash --board BOARD --port qemu:` installs, install() here) where
there is one, else firmware/images/<BOARD>/firmware.elf (`make firmware
BOARD=...`). Boards with a "romfs" section in board.json (the qemu port's) have a
ROMFS region that QEMU fills at startup from the board's ROMFS image, the installed
one ($TINYML_QEMU_FLASH/<BOARD>/romfs.img, else build/qemu/<BOARD>/romfs.img: what
`tinyml upload --romfs --port qemu:BOARD` writes, install_romfs() here) when there
is one; the firmware mounts it at /rom.

A board booted with persist=True (what `--port qemu:BOARD` and `make qemu` do) keeps its files
like a real board: its RAM disk (board.json "ramdisk") is loaded at boot from the board's saved
one ($TINYML_QEMU_FLASH/<BOARD>/ramdisk.img, else build/qemu/<BOARD>/ramdisk.img) and saved
there when the board stops (QEMU's pmemsave over its QMP socket); one program at a time runs
it (tinyml_tools.emulated: the others talk to it through its pty). `tinyml board reset
qemu:BOARD` deletes the saved state. Without persist (the tests' boards) QEMU starts from
the image alone and saves nothing. Command line (what `make qemu` runs):

    python -m tinyml_tools.qemu MPS2_AN500 [--image PATH] [--romfs IMG]
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import termios
import threading
import time
import tty
from collections.abc import Iterator, Sequence
from pathlib import Path

from tinyml_tools import emulated
from tinyml_tools.boards import boards_dir
from tinyml_tools.project import ROOT, not_found_hint

_PTY_RE = re.compile(r"char device redirected to (/dev/pts/\d+)")
_ELF_ARM = 40  # e_machine


def _qemu_boards() -> tuple[str, ...]:
    """The boards whose board.json has a "qemu" section."""
    found = []
    for path in sorted(boards_dir().glob("*/board.json")):
        try:
            if "qemu" in json.loads(path.read_text()):
                found.append(path.parent.name)
        except (OSError, ValueError):
            continue
    return tuple(found)


QEMU_BOARDS = _qemu_boards()


class QemuError(RuntimeError):
    """QEMU could not be started, or the firmware did not reach its REPL."""


def boards_hint(board: str = "") -> str:
    """The valid qemu: ports, and the closest to `board`."""
    close = difflib.get_close_matches(board.upper(), QEMU_BOARDS, 1, 0.5) if board else []
    if not close:
        close = [b for b in QEMU_BOARDS if board and board.upper() in b][:1]
    mean = f"did you mean qemu:{close[0]}? " if close else ""
    return f"{mean}the QEMU boards are {', '.join(f'qemu:{b}' for b in QEMU_BOARDS) or 'none'}"


def board_info(board: str) -> dict:
    """The board's board.json (boards/<BOARD>/board.json)."""
    path = boards_dir() / board / "board.json"
    if not path.exists():
        raise QemuError(f"unknown board {board!r}: {boards_hint(board)}")
    info = json.loads(path.read_text())
    if "qemu" not in info:
        raise QemuError(f"board {board} does not run in QEMU (its board.json has no \"qemu\" section): "
                        f"{boards_hint()}")
    return info


def image_path(board: str) -> Path:
    """Where `make firmware BOARD=<board>` puts the image."""
    return ROOT / "firmware" / "images" / board / "firmware.elf"


def state_dir(board: str) -> Path:
    """What the board keeps between boots (firmware.elf, romfs.img, ramdisk.img): $TINYML_QEMU_FLASH/<board>,
    else build/qemu/<board>."""
    return Path(os.environ.get("TINYML_QEMU_FLASH") or ROOT / "build" / "qemu") / board


def installed_image(board: str) -> Path:
    """The board's installed ("flashed") image: $TINYML_QEMU_FLASH/<board>/firmware.elf, else
    build/qemu/<board>/firmware.elf."""
    return state_dir(board) / "firmware.elf"


def saved_ramdisk(board: str) -> Path:
    """The board's RAM disk as the last persistent boot left it."""
    return state_dir(board) / "ramdisk.img"


def lock_file(board: str) -> Path:
    return state_dir(board) / "board.lock"


def ramdisk_region(board: str) -> tuple[int, int] | None:
    """(address, bytes) of the board's RAM disk (board.json "ramdisk", or "qemu": {"ramdisk"} where the device
    tests do not preload it), or None."""
    info = board_info(board)
    rd = info.get("ramdisk") or info["qemu"].get("ramdisk")
    return (int(str(rd["address"]), 0), int(rd["bytes"])) if rd else None


def state_files(board: str) -> list[Path]:
    """The files of the board's saved state that exist."""
    return [p for p in (installed_image(board), installed_romfs(board), saved_ramdisk(board)) if p.exists()]


def reset(board: str) -> list[Path]:
    """Forget what the board keeps (RAM disk, ROMFS, installed firmware): it boots as new, from the image of
    `make firmware`, with an empty filesystem. emulated.BoardBusy while a program runs it. Returns what went."""
    board_info(board)
    with emulated.hold(lock_file(board)):
        gone = state_files(board)
        for p in gone:
            p.unlink()
    return gone


def default_image(board: str) -> Path:
    """What boots when no image is given: the installed image if any, else the one `make firmware` built."""
    installed = installed_image(board)
    return installed if installed.exists() else image_path(board)


def install(board: str, image: str | os.PathLike) -> Path:
    """Make `image` the board's current firmware (what `--port qemu:BOARD` boots from now on), as
    flashing does on hardware: a 32-bit little-endian Arm ELF file, copied whole (to a temporary
    name, then renamed). Returns where it went."""
    board_info(board)
    image = Path(image)
    with open(image, "rb") as f:
        head = f.read(20)
    if len(head) < 20 or head[:4] != b"\x7fELF" or head[4:6] != b"\x01\x01" \
            or int.from_bytes(head[18:20], "little") != _ELF_ARM:
        raise QemuError(f"{image} is not a 32-bit Arm ELF image (QEMU boots the board's firmware.elf)")
    dest = installed_image(board)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    shutil.copyfile(image, tmp)
    os.replace(tmp, dest)
    return dest


def installed_romfs(board: str) -> Path:
    """The board's ROMFS image, loaded into its ROMFS region when QEMU starts."""
    return installed_image(board).with_name("romfs.img")


def romfs_region(board: str) -> tuple[int, int]:
    """(address, bytes) of the board's ROMFS region (board.json "romfs")."""
    info = board_info(board)
    if "romfs" not in info:
        raise QemuError(f"board {board} has no ROMFS region (its board.json has no \"romfs\" section)")
    return int(str(info["romfs"]["address"]), 0), int(info["romfs"]["bytes"])


def install_romfs(board: str, image: bytes) -> Path:
    """Make `image` (a ROMFS image) the board's ROMFS contents from its next start on, as deploying
    it into flash does on hardware (written to a temporary name, then renamed). Returns the path."""
    _, size = romfs_region(board)
    if not image.startswith(b"\xd2\xcd\x31"):
        raise QemuError("not a ROMFS image (no 'RM1' header)")
    if len(image) > size:
        raise QemuError(f"the ROMFS image ({len(image)} bytes) does not fit {board}'s ROMFS region ({size} bytes)")
    dest = installed_romfs(board)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    tmp.write_bytes(image)
    os.replace(tmp, dest)
    return dest


def romfs_args(board: str, romfs: str | os.PathLike) -> list[str]:
    """QEMU arguments that fill the board's ROMFS region with the image file `romfs`."""
    addr, size = romfs_region(board)
    n = Path(romfs).stat().st_size
    if n > size:
        raise QemuError(f"the ROMFS image {romfs} ({n} bytes) does not fit {board}'s ROMFS region ({size} bytes)")
    return ["-device", f"loader,file={Path(romfs).resolve()},addr={addr:#x},force-raw=on"]


def qemu_command(board: str, image: str | os.PathLike | None = None, qemu: str = "qemu-system-arm",
                 extra_args: Sequence[str] = (), romfs: str | os.PathLike | None = None,
                 ramdisk: str | os.PathLike | None = None, qmp: str | None = None) -> list[str]:
    """QEMU's command line. romfs: the ROMFS image to load (default: the installed one, if any;
    "" for none); ramdisk: a RAM disk image to load into the board's RAM disk; qmp: path of a QMP socket."""
    info = board_info(board)
    image = Path(image) if image else default_image(board)
    if not image.exists():
        raise QemuError(f"no firmware image {image}: run 'make firmware BOARD={board}'{not_found_hint()}")
    if romfs is None and "romfs" in info and installed_romfs(board).exists():
        romfs = installed_romfs(board)
    q = info["qemu"]
    ram = []
    if ramdisk:
        addr, size = ramdisk_region(board) or (0, 0)
        n = Path(ramdisk).stat().st_size
        if n != size:
            raise QemuError(f"the saved RAM disk {ramdisk} has {n} bytes, {board}'s RAM disk {size}: "
                            f"'tinyml board reset qemu:{board}' starts a new one")
        ram = ["-device", f"loader,file={Path(ramdisk).resolve()},addr={addr:#x},force-raw=on"]
    return [qemu, "-machine", q["machine"], "-nographic", "-monitor", "null", "-semihosting",
            *q.get("args", []), *(romfs_args(board, romfs) if romfs else []), *ram, *extra_args,
            *(["-qmp", f"unix:{qmp},server=on,wait=off"] if qmp else []),
            "-serial", "pty", "-kernel", str(image)]


class QemuBoard:
    """A running QEMU process whose first UART is the pty `self.pty`."""

    def __init__(self, cmd: list[str]):
        if shutil.which(cmd[0]) is None:
            raise QemuError(f"{cmd[0]} not found (Debian: apt-get install qemu-system-arm)")
        self.cmd = cmd
        self.log: list[str] = []
        self.pty = ""
        # QEMU gets SIGTERM if this process dies without stopping it (util-linux setpriv)
        guard = ["setpriv", "--pdeathsig", "TERM"] if shutil.which("setpriv") else []
        # its own session: Ctrl-C on the terminal stops this program, which saves the board's RAM disk
        # (persistent boots) before it stops QEMU
        self.proc = subprocess.Popen(guard + cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, bufsize=1, start_new_session=True)

    def _find_pty(self, deadline: float) -> str:
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if ready:
                line = self.proc.stdout.readline()
                if not line:
                    break
                self.log.append(line.rstrip())
                m = _PTY_RE.search(line)
                if m:
                    # keep draining QEMU's output so that it never blocks on a full pipe
                    threading.Thread(target=self._drain, daemon=True).start()
                    return m.group(1)
            elif self.proc.poll() is not None:
                break
        raise QemuError("QEMU did not open a pty: " + " | ".join(self.log[-5:]))

    def _drain(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.log.append(line.rstrip())

    def _wait_repl(self, deadline: float) -> None:
        fd = os.open(self.pty, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        try:
            tty.setraw(fd, termios.TCSANOW)
            seen = b""
            next_poke = 0.0
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise QemuError(f"QEMU exited with status {self.proc.returncode}: " + " | ".join(self.log[-5:]))
                now = time.monotonic()
                if now >= next_poke:
                    os.write(fd, b"\x03\r")  # interrupt anything running, then ask for a prompt
                    next_poke = now + 1.0
                ready, _, _ = select.select([fd], [], [], 0.1)
                if ready:
                    try:
                        seen = (seen + os.read(fd, 4096))[-4096:]
                    except BlockingIOError:
                        continue
                    if b">>> " in seen:
                        return
            raise QemuError(f"no MicroPython REPL on {self.pty}; last output: {seen[-200:]!r}")
        finally:
            os.close(fd)

    def start(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        self.pty = self._find_pty(deadline)
        self._wait_repl(deadline)
        return self.pty

    def save_memory(self, qmp: str, addr: int, size: int, dest: Path) -> None:
        """Stop the CPU and write `size` bytes of guest memory at `addr` to `dest` (through a temporary file),
        over QEMU's QMP socket `qmp`."""
        tmp = dest.with_name(dest.name + ".part")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(20)
            s.connect(qmp)
            f = s.makefile("rwb")

            def call(command: str, **arguments: object) -> None:
                f.write(json.dumps({"execute": command, **({"arguments": arguments} if arguments else {})}).encode()
                        + b"\n")
                f.flush()
                while True:
                    line = f.readline()
                    if not line:
                        raise QemuError(f"QEMU closed its QMP socket during {command}")
                    reply = json.loads(line)
                    if "error" in reply:
                        raise QemuError(f"QEMU refused {command}: {reply['error'].get('desc')}")
                    if "return" in reply:
                        return

            f.readline()  # greeting
            call("qmp_capabilities")
            call("stop")
            call("pmemsave", val=addr, size=size, filename=str(tmp))
        if tmp.stat().st_size != size:
            raise QemuError(f"QEMU saved {tmp.stat().st_size} bytes of the RAM disk, not {size}")
        os.replace(tmp, dest)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@contextlib.contextmanager
def boot(board: str, image: str | os.PathLike | None = None, timeout: float = 30.0,
         qemu: str = "qemu-system-arm", extra_args: Sequence[str] = (),
         romfs: str | os.PathLike | None = None, persist: bool = False) -> Iterator[str]:
    """Boot `board` in QEMU; yield the pty path of its REPL; stop QEMU on exit. romfs: the ROMFS
    image to load (default: the installed one, if any; "" for none). persist: the board's saved RAM
    disk is loaded, and saved when it stops (one program at a time: emulated.BoardBusy otherwise)."""
    with session(board, image, timeout, qemu, extra_args, romfs, persist) as b:
        yield b.pty


@contextlib.contextmanager
def session(board: str, image: str | os.PathLike | None = None, timeout: float = 30.0,
            qemu: str = "qemu-system-arm", extra_args: Sequence[str] = (),
            romfs: str | os.PathLike | None = None, persist: bool = False) -> Iterator[QemuBoard]:
    """Like boot(), yielding the running QemuBoard."""
    if not persist:
        b = QemuBoard(qemu_command(board, image, qemu, extra_args, romfs))
        try:
            b.start(timeout)
            yield b
        finally:
            b.stop()
        return
    region = ramdisk_region(board)
    qemu_command(board, image, qemu, extra_args, romfs)  # a missing image: said before the board's state is touched
    with emulated.hold(lock_file(board)) as held, tempfile.TemporaryDirectory(prefix="tinyml-qemu-") as tmp:
        saved = saved_ramdisk(board)
        qmp = os.path.join(tmp, "qmp.sock")
        b = QemuBoard(qemu_command(board, image, qemu, extra_args, romfs,
                                   ramdisk=saved if region and saved.exists() else None, qmp=qmp))
        started = False
        try:
            b.start(timeout)
            started = True
            held.update(pty=b.pty, board=board)
            emulated.publish(lock_file(board), held)
            yield b
        finally:
            try:
                if started and region and b.proc.poll() is None:
                    b.save_memory(qmp, *region, saved)
            finally:
                b.stop()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tinyml_tools.qemu", description="Boot a tinyml board in QEMU on a pty.")
    p.add_argument("board", choices=QEMU_BOARDS)
    p.add_argument("--image", help="firmware image (default: the installed one, else "
                                   "firmware/images/<BOARD>/firmware.elf)")
    p.add_argument("--romfs", help="ROMFS image to load into the board's ROMFS region (default: the installed "
                                   "one, if any)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the REPL")
    args = p.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # still stop QEMU (finally)
    signal.signal(signal.SIGHUP, lambda *_: sys.exit(0))
    try:
        with session(args.board, args.image, args.timeout, romfs=args.romfs, persist=True) as b:
            print(f"qemu: {args.board} REPL on {b.pty}: mpremote connect {b.pty}, or tinyml ... --port "
                  f"qemu:{args.board}   (Ctrl-C stops QEMU; files kept in {saved_ramdisk(args.board)})", flush=True)
            b.proc.wait()
            print(f"qemu: QEMU exited with status {b.proc.returncode}")
            return b.proc.returncode or 0
    except emulated.BoardBusy as e:
        print(f"qemu: {busy_message(args.board, e)}", file=sys.stderr)
        return 1
    except QemuError as e:
        print(f"qemu: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


def busy_message(board: str, e: emulated.BoardBusy) -> str:
    pty = e.info.get("pty")
    where = f" on {pty} (--port {pty})" if pty else ""
    return f"qemu:{board} is already running{where}, started by process {e.info.get('pid', '?')}: stop that first"


if __name__ == "__main__":
    sys.exit(main())
