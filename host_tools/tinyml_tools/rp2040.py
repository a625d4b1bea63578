"""Boot the RPI_PICO tinyml firmware in the rp2040js emulator with its USB serial on a pty.

    from tinyml_tools.rp2040 import boot
    with boot() as pty:                 # waits for the REPL; stops the emulator (it saves the flash) on exit
        subprocess.run(["mpremote", "connect", pty, "exec", "import tinyml"])

tests/rp2040/runner.mjs (Node, npm rp2040js) runs the board; this module gives it a
pty (os.openpty, relayed to the runner's stdin/stdout by threads), waits for
the MicroPython REPL and yields the pty's path. The board's 2 MiB flash lives
in a file (build/rp2040/<BOARD>.flash, or in the folder $TINYML_RP2040_FLASH): what
the firmware writes (its littlefs filesystem) persists from one boot to the
next, as on a real board. A missing flash file is created with the image built
by `make firmware BOARD=RPI_PICO` in it; `runner_command(flash, uf2, boot=False)`
(what `tinyml flash --port rp2040:` runs) writes a UF2 into it as the RP2040's
UF2 bootloader does, keeping the rest (the filesystem).
Needs node and what `make deps` installs (tests/rp2040/node_modules, the boot
ROM source in the dependency cache); `missing()` says what is not there.
Command line:

    python -m tinyml_tools.rp2040 [RPI_PICO] [--image firmware.uf2] [--flash FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import termios
import threading
import time
import tty
from collections.abc import Callable, Iterator
from pathlib import Path

from tinyml_tools import emulated
from tinyml_tools.project import FOUND, ROOT, not_found_hint

RUNNER_DIR = ROOT / "tests" / "rp2040"
RUNNER = RUNNER_DIR / "runner.mjs"
RP2040_BOARDS = ("RPI_PICO",)
FLASH_BASE = 0x10000000  # where the flash file's first byte is in the RP2040's address space (XIP)
FLASH_BYTES = 2 * 1024 * 1024
DEFAULT_BOARD = "RPI_PICO"
OUTPUT_BUFFER_MAX = 1 << 20  # device output kept while no program reads the pty; older bytes are dropped
_STATS_RE = re.compile(r"cycles (\d+) \(executed (\d+), idle (\d+)\) simulated ([\d.]+) s, wall ([\d.]+) s")


class Rp2040Error(RuntimeError):
    """The emulator cannot run (something missing), or the firmware did not reach its REPL."""


def _deps_dir() -> Path:
    return Path(os.environ.get("TINYML_DEPS") or Path.home() / ".cache" / "tinyml")


def rp2040js_version() -> str:
    """RP2040JS_VERSION of firmware/versions.mk (the release whose boot ROM source `make deps` clones)."""
    m = re.search(r"^RP2040JS_VERSION\s*:?=\s*(\S+)", (ROOT / "firmware" / "versions.mk").read_text(), re.MULTILINE)
    if m is None:
        raise Rp2040Error("firmware/versions.mk does not pin RP2040JS_VERSION")
    return m.group(1)


def bootrom_source() -> Path:
    """rp2040js's demo/bootrom.ts (the RP2040 boot ROM, read by the runner at start)."""
    return _deps_dir() / f"rp2040js-{rp2040js_version()}" / "demo" / "bootrom.ts"


def image_path(board: str = DEFAULT_BOARD) -> Path:
    """Where `make firmware BOARD=<board>` puts the UF2 image."""
    return ROOT / "firmware" / "images" / board / "firmware.uf2"


def default_flash(board: str = DEFAULT_BOARD) -> Path:
    """The board's flash file: <board>.flash in $TINYML_RP2040_FLASH, else in build/rp2040/."""
    return Path(os.environ.get("TINYML_RP2040_FLASH") or ROOT / "build" / "rp2040") / f"{board}.flash"


def missing() -> str | None:
    """Why the emulator cannot run here (one line naming what to install or run), or None."""
    if FOUND is None:
        return "it runs from the tinyml checkout" + not_found_hint()
    if shutil.which("node") is None:
        return "node not found (Debian: apt-get install nodejs npm; then 'make deps')"
    if not (RUNNER_DIR / "node_modules" / "rp2040js" / "package.json").exists():
        return "rp2040js is not installed in tests/rp2040/node_modules: run 'make deps'"
    if not bootrom_source().exists():
        return f"no RP2040 boot ROM source {bootrom_source()}: run 'make deps'"
    return None


def check_board(board: str) -> None:
    if board not in RP2040_BOARDS:
        raise Rp2040Error(f"board {board} does not run in the RP2040 emulator: the RP2040 ports are "
                          f"{', '.join(f'rp2040:{b}' for b in RP2040_BOARDS)}")


def lock_file(flash: Path) -> Path:
    return Path(f"{flash}.lock")


def running(board: str = DEFAULT_BOARD) -> dict | None:
    """What the program running the board's default flash file wrote (its pty), or None."""
    return emulated.running(lock_file(default_flash(board)))


def runner_command(flash: str | os.PathLike, uf2: str | os.PathLike | None = None, boot: bool = True) -> list[str]:
    """The node command line: boot `flash` (after programming `uf2` into it), or only program it."""
    node = shutil.which("node") or "node"
    cmd = [node, str(RUNNER), "--flash", str(flash), "--bootrom", str(bootrom_source())]
    if uf2 is not None:
        cmd += ["--uf2", str(uf2)]
    if not boot:
        cmd.append("--no-boot")
    return cmd


@contextlib.contextmanager
def flash_lock(flash: Path) -> Iterator[dict]:
    """Only one emulator at a time per flash file; yields the lock's record (emulated.hold)."""
    try:
        with emulated.hold(lock_file(flash)) as held:
            yield held
    except emulated.BoardBusy as e:
        pty = e.info.get("pty")
        where = f" (its console: --port {pty})" if pty else ""
        raise Rp2040Error(f"the flash image {flash} is in use by another RP2040 emulator{where}") from None


def _require(image: Path | None, board: str) -> None:
    why = missing()
    if why:
        raise Rp2040Error(f"the RP2040 emulator cannot run: {why}")
    if image is not None and not image.exists():
        raise Rp2040Error(f"no firmware image {image}: run 'make firmware BOARD={board}'{not_found_hint()}")


def _program_locked(flash: Path, image: Path) -> str:
    """Write the UF2 `image` into `flash` (its lock held); the runner's summary line."""
    r = subprocess.run(runner_command(flash, image, boot=False), capture_output=True, text=True, check=False)
    lines = [ln.removeprefix("rp2040: ") for ln in r.stderr.splitlines() if ln.strip()]
    if r.returncode != 0:
        raise Rp2040Error("; ".join(lines) or f"the RP2040 runner failed with status {r.returncode}")
    return lines[-1] if lines else f"programmed {image}"


def program(flash: str | os.PathLike, image: str | os.PathLike) -> str:
    """Write the UF2 `image` into the flash file `flash` (created if missing) without booting it."""
    flash = Path(flash)
    _require(Path(image), DEFAULT_BOARD)
    with flash_lock(flash):
        return _program_locked(flash, Path(image))


def write_flash(flash: str | os.PathLike, offset: int, data: bytes) -> None:
    """Write `data` into the flash file at `offset` (from FLASH_BASE), as a programmer would before the
    board boots: e.g. a ROMFS image into its ROMFS partition."""
    flash = Path(flash)
    if offset < 0 or offset + len(data) > FLASH_BYTES:
        raise Rp2040Error(f"{len(data)} bytes at flash offset {offset:#x}: outside the {FLASH_BYTES // 1048576} MiB flash")
    with flash_lock(flash):
        image = bytearray(flash.read_bytes() if flash.exists() else b"")
        image += b"\xff" * (FLASH_BYTES - len(image))
        image[offset:offset + len(data)] = data
        flash.write_bytes(bytes(image))


class _Relay:
    """Bytes between the pty master and the runner's stdin/stdout, in two threads."""

    def __init__(self, master: int, proc: subprocess.Popen[bytes]) -> None:
        self.master = master
        self.proc = proc
        self.stopping = threading.Event()
        self.dropped = 0
        os.set_blocking(master, False)
        self.threads = [threading.Thread(target=self._to_device, daemon=True),
                        threading.Thread(target=self._from_device, daemon=True)]
        for t in self.threads:
            t.start()

    def _to_device(self) -> None:
        assert self.proc.stdin is not None
        dest = self.proc.stdin.fileno()
        while not self.stopping.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if not ready:
                continue
            try:
                data = memoryview(os.read(self.master, 65536))
            except BlockingIOError:
                continue
            except OSError:
                return
            try:
                while data:
                    data = data[os.write(dest, data):]
            except OSError:  # the runner exited
                return

    def _from_device(self) -> None:
        assert self.proc.stdout is not None
        src = self.proc.stdout.fileno()
        pending = bytearray()
        while not self.stopping.is_set():
            wants_write = [self.master] if pending else []
            ready_r, ready_w, _ = select.select([src], wants_write, [], 0.1)
            if ready_r:
                data = os.read(src, 65536)
                if not data:
                    return  # the runner exited
                pending += data
                if len(pending) > OUTPUT_BUFFER_MAX:  # nobody reads the pty: drop the oldest, as a CDC port does
                    self.dropped += len(pending) - OUTPUT_BUFFER_MAX
                    del pending[:len(pending) - OUTPUT_BUFFER_MAX]
            if pending and (ready_w or ready_r):
                try:
                    del pending[:os.write(self.master, pending)]
                except BlockingIOError:
                    pass
                except OSError as e:
                    if e.errno != errno.EIO:
                        raise

    def stop(self) -> None:
        self.stopping.set()
        for t in self.threads:
            t.join(5)


def wait_for_repl(pty: str, alive: Callable[[], bool], deadline: float) -> None:
    """Poke the board with Ctrl-C until it shows the '>>> ' prompt (Rp2040Error if it does not)."""
    fd = os.open(pty, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    try:
        seen = b""
        next_poke = 0.0
        while time.monotonic() < deadline:
            if not alive():
                raise Rp2040Error("the RP2040 runner exited")
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
        raise Rp2040Error(f"no MicroPython REPL on {pty}; last output: {seen[-200:]!r} (is a firmware in the "
                          "flash image? 'tinyml flash --board RPI_PICO --port rp2040:' writes one)")
    finally:
        os.close(fd)


class Rp2040Board:
    """A running emulator whose USB serial port is the pty `self.pty`."""

    def __init__(self, flash: Path, echo: bool = False) -> None:
        self.flash = flash
        self.echo = echo  # the runner's diagnostics also to our stderr, as they come
        self.log: list[str] = []
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave, termios.TCSANOW)  # no echo or line editing between the clients' opens
        self.pty = os.ttyname(self.slave)
        # the runner gets SIGTERM if this process dies without stopping it (util-linux setpriv)
        guard = ["setpriv", "--pdeathsig", "TERM"] if shutil.which("setpriv") else []
        self.proc = subprocess.Popen(guard + runner_command(flash), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, bufsize=0)
        self.relay = _Relay(self.master, self.proc)
        self._stderr = threading.Thread(target=self._drain_stderr, daemon=True)
        self._stderr.start()

    def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.log.append(line.decode(errors="replace").rstrip())
            if self.echo:
                print(self.log[-1], file=sys.stderr, flush=True)

    def start(self, timeout: float) -> str:
        try:
            wait_for_repl(self.pty, lambda: self.proc.poll() is None, time.monotonic() + timeout)
        except Rp2040Error as e:
            time.sleep(0.2)  # the runner's last words
            raise Rp2040Error(f"{e}: {' | '.join(self.log[-5:])}") from None
        return self.pty

    def stats(self) -> dict[str, float] | None:
        """The runner's last cycle report (cycles, executed, idle, simulated, wall), if any."""
        for line in reversed(self.log):
            m = _STATS_RE.search(line)
            if m:
                return dict(zip(("cycles", "executed", "idle", "simulated", "wall"), map(float, m.groups())))
        return None

    def stop(self) -> None:
        """Stop the runner (closing its stdin: it saves the flash and prints its cycle report)."""
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                assert self.proc.stdin is not None
                self.proc.stdin.close()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.terminate()
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        self.relay.stop()
        self._stderr.join(5)
        if self.relay.dropped:
            self.log.append(f"rp2040: {self.relay.dropped} bytes of the board's output dropped: no program read the pty")
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)


@contextlib.contextmanager
def session(board: str = DEFAULT_BOARD, image: str | os.PathLike | None = None,
            flash: str | os.PathLike | None = None, timeout: float = 60.0, echo: bool = False) -> Iterator[Rp2040Board]:
    """Like boot(), yielding the running Rp2040Board (its pty, log and cycle report); echo: the runner's
    diagnostics to stderr as they come."""
    check_board(board)
    flash = Path(flash) if flash else default_flash(board)
    uf2 = Path(image) if image else (None if flash.exists() else image_path(board))
    _require(uf2, board)
    with flash_lock(flash) as held:
        if uf2 is not None:
            _program_locked(flash, uf2)
        b = Rp2040Board(flash, echo)
        try:
            b.start(timeout)
            held.update(pty=b.pty, board=board)
            emulated.publish(lock_file(flash), held)
            yield b
        finally:
            b.stop()


@contextlib.contextmanager
def boot(board: str = DEFAULT_BOARD, image: str | os.PathLike | None = None,
         flash: str | os.PathLike | None = None, timeout: float = 60.0) -> Iterator[str]:
    """Boot `board` in rp2040js from its flash file (`flash`, default default_flash(board)), after writing
    the UF2 `image` into it when given (or when the flash file does not exist yet: the image of `make
    firmware`); yield the pty path of its REPL; stop the emulator, which saves the flash, on exit."""
    with session(board, image, flash, timeout) as b:
        yield b.pty


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tinyml_tools.rp2040",
                                description="Boot the RPI_PICO firmware in the rp2040js emulator on a pty.")
    p.add_argument("board", nargs="?", default=DEFAULT_BOARD, choices=RP2040_BOARDS)
    p.add_argument("--image", help="UF2 to write into the flash first (default: none, or firmware/images/BOARD/"
                                   "firmware.uf2 when the flash file does not exist)")
    p.add_argument("--flash", help="flash image file (default: BOARD.flash in $TINYML_RP2040_FLASH, else in "
                                   "build/rp2040/)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the REPL")
    args = p.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # still stop the emulator (finally)
    signal.signal(signal.SIGHUP, lambda *_: sys.exit(0))
    try:
        with session(args.board, args.image, args.flash, args.timeout, echo=True) as b:
            print(f"rp2040: {args.board} REPL on {b.pty}: mpremote connect {b.pty}   (Ctrl-C stops the emulator; "
                  f"kill -USR1 {b.proc.pid} prints its cycle count; flash in {b.flash})", flush=True)
            return b.proc.wait()
    except Rp2040Error as e:
        print(f"rp2040: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
