"""A MicroPython board running tinyml, through mpremote's serial transport.

    with connect(port) as dev:                 # port: None (the only board), a path, "qemu[:BOARD]", "rp2040[:BOARD]"
        info = dev.info()                      # tinyml version, supported ops, free RAM and flash
        dev.put_file("model.tflite", data)     # atomic, verified with SHA-256 computed on the device
        print(dev.exec("print(1 + 1)"))

`--port qemu[:BOARD]` boots the firmware built by `make firmware BOARD=...`
in QEMU (tinyml_tools.qemu) and talks to it through its pty; `--port rp2040[:RPI_PICO]`
boots the RP2040 board's flash image in the rp2040js emulator (tinyml_tools.rp2040).
"""

from __future__ import annotations

import ast
import binascii
import contextlib
import hashlib
import os
import select
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import serial.tools.list_ports
from mpremote.transport import TransportError
from mpremote.transport_serial import SerialTransport

DEFAULT_QEMU_BOARD = "MPS2_AN500"
DEFAULT_RP2040_BOARD = "RPI_PICO"
CHUNK = 8192  # bytes of file data per exec
ZLIB_WBITS = 10  # 1 KiB window: what the device's deflate allocates to decompress (32 KiB at zlib's default)

# Helpers defined once per connection in the device's raw REPL globals.
_HELPERS = """\
import os, gc, binascii
try:
 import hashlib
except ImportError:
 hashlib = None
try:
 import deflate, io
 def _tml_inflate(b):
  return deflate.DeflateIO(io.BytesIO(b), deflate.ZLIB).read()
except ImportError:
 _tml_inflate = None
def _tml_sha(p):
 h = hashlib.sha256()
 b = bytearray(1024)
 with open(p, 'rb') as f:
  while True:
   n = f.readinto(b)
   if not n:
    break
   h.update(b if n == len(b) else b[:n])
 return binascii.hexlify(h.digest()).decode()
def _tml_stat(p):
 try:
  return os.stat(p)[6]
 except OSError:
  return None
def _tml_rm(p):
 try:
  os.remove(p)
 except OSError:
  pass
def _tml_info():
 import sys
 try:
  import tinyml as t
 except ImportError:
  t = None
 sv = os.statvfs('.')
 gc.collect()
 return {'tinyml': t is not None, 'version': t and t.version, 'backend': t and t.backend,
  'supported_ops': t and list(t.supported_ops()), 'mem_free': gc.mem_free(),
  'fs_free': sv[0] * sv[3], 'fs_size': sv[0] * sv[2], 'cwd': os.getcwd(),
  'machine': getattr(sys.implementation, '_machine', sys.platform),
  'mpy_arch': (getattr(sys.implementation, '_mpy', 0) >> 10) & 15,
  'deflate': _tml_inflate is not None, 'hashlib': hashlib is not None,
  'flash_meta_config': t.flash_meta_config() if t and hasattr(t, 'flash_meta_config') else None}
def _tml_mkdirs(p):
 parts = p.split('/')[:-1]
 for i in range(1, len(parts) + 1):
  d = '/'.join(parts[:i])
  if d:
   try:
    os.mkdir(d)
   except OSError:
    pass
"""


@dataclass
class Follow:
    """How a program run by Device.exec_follow ended."""

    err: str                     # its traceback ("" if none)
    interrupted: bool = False    # Ctrl-C was sent to it
    still_running: bool = False  # it ignored Ctrl-C and runs on


class DeviceError(Exception):
    """The board could not be reached, or refused a command (message: the reason)."""

    def __init__(self, message: str, traceback: str = "") -> None:
        super().__init__(message)
        self.traceback = traceback


def _zlib(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, ZLIB_WBITS)
    return c.compress(data) + c.flush()


def usb_ports() -> list[Any]:
    """Serial ports with a USB vendor/product id, as mpremote's auto-connect looks for them."""
    return [p for p in sorted(serial.tools.list_ports.comports()) if p.vid is not None and p.pid is not None]


def ports_hint() -> str:
    """The valid --port values, in one sentence: the emulated boards and the serial ports found."""
    from tinyml_tools.qemu import QEMU_BOARDS
    from tinyml_tools.rp2040 import RP2040_BOARDS

    serial = ", ".join(str(p.device) for p in usb_ports()) or "none found"
    return (f"--port rp2040 (the emulated Pico: {', '.join(f'rp2040:{b}' for b in RP2040_BOARDS)}), "
            f"qemu:BOARD ({', '.join(QEMU_BOARDS)}) or a serial port ({serial})")


def find_port() -> str:
    """The only connected board's port; an error naming the candidates otherwise."""
    ports = usb_ports()
    if not ports:
        raise DeviceError(f"no MicroPython board found on USB: connect one, or give {ports_hint()}")
    if len(ports) > 1:
        names = ", ".join(f"{p.device} ({p.description})" for p in ports)
        raise DeviceError(f"several boards connected: {names}; choose one with --port")
    return str(ports[0].device)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else "error"


class Device:
    """An open connection in the raw REPL (or, with raw=False, just the open serial line)."""

    def __init__(self, port: str, raw: bool = True, soft_reset: bool = True) -> None:
        self.port = port
        if "://" not in port and not os.path.exists(port):
            raise DeviceError(f"no serial port {port!r}: give {ports_hint()}")
        try:
            self.transport = SerialTransport(port, baudrate=115200)
        except TransportError as e:
            raise DeviceError(f"cannot open {port}: {e} (is another program using it?)") from e
        self.mounted = False
        self._info: dict[str, Any] | None = None
        self._helpers = False
        if raw:
            self.enter_raw(soft_reset)

    # ---- raw REPL ---------------------------------------------------------
    def enter_raw(self, soft_reset: bool = True) -> None:
        """Interrupt whatever runs and enter the raw REPL (a few attempts: a killed
        session may have left the board in the middle of a command)."""
        last: Exception | None = None
        for _ in range(3):
            try:
                self.transport.enter_raw_repl(soft_reset=soft_reset, timeout_overall=4)
                self._sync()
                return
            except TransportError as e:
                last = e
                time.sleep(0.3)
        raise DeviceError(f"no MicroPython raw REPL on {self.port}: {last}")

    def _sync(self, timeout: float = 4) -> None:
        """Read past whatever a killed session left coming (the output of its last command, the banner of
        a soft reset it started): otherwise the next exec may take that for the board's answers. Runs a
        command printing a fresh token in the plain raw REPL and reads up to the end of its output,
        leaving the prompt for the next exec."""
        token = f"tmlsync{os.getpid()}x{time.monotonic_ns()}".encode()
        self.transport.serial.write(b"\x01print('" + token[:4] + b"' + '" + token[4:] + b"')\x04")  # ctrl-A: new line
        end = token + b"\r\n\x04\x04"
        data = self.transport.read_until(1, end, timeout_overall=timeout)
        if not data.endswith(end):
            raise TransportError(f"no answer from the raw REPL: {data[-80:]!r}")

    def exec(self, code: str, timeout: float = 30) -> str:
        """Run code; its output (str). A device exception raises DeviceError with its last line."""
        try:
            out, err = self.transport.exec_raw(code, timeout=timeout)
        except TransportError as e:
            raise DeviceError(f"lost the board on {self.port}: {e}") from e
        if err:
            text = err.decode(errors="replace")
            raise DeviceError(_last_line(text), text)
        return out.decode(errors="replace")

    def eval(self, expr: str, timeout: float = 30) -> Any:
        out = self.exec(f"print(repr({expr}))", timeout)
        try:
            return ast.literal_eval(out.strip().splitlines()[-1])
        except (ValueError, SyntaxError, IndexError) as e:
            raise DeviceError(f"unexpected reply to {expr!r}: {out[-200:]!r}") from e

    def _ensure_helpers(self) -> None:
        if not self._helpers:
            self.exec(_HELPERS)
            self._helpers = True

    def exec_follow(self, code: str, on_output: Callable[[bytes], None], timeout: float | None = None,
                    should_stop: Callable[[], bool] | None = None, grace: float = 3.0) -> Follow:
        """Run code, passing its output to on_output as it arrives. Ctrl-C here, `timeout` seconds
        or should_stop() returning True interrupt the program (Ctrl-C to the board); a board that
        ignores Ctrl-C (some ports only read the UART when asked for input) is left running after
        `grace` seconds."""
        try:
            self.transport.exec_raw_no_follow(code)
        except TransportError as e:
            raise DeviceError(f"lost the board on {self.port}: {e}") from e
        deadline = None if timeout is None else time.monotonic() + timeout
        part, err = 0, bytearray()  # part 0: output, 1: error output, 2: done
        result = Follow("")
        give_up = None

        def interrupt() -> None:
            nonlocal give_up
            if give_up is None:
                result.interrupted = True
                give_up = time.monotonic() + grace
                self.transport.serial.write(b"\x03")

        while part < 2:
            try:
                chunk = self.read_some()
            except KeyboardInterrupt:
                if give_up is not None:
                    raise
                interrupt()
                continue
            now = time.monotonic()
            if give_up is not None and now > give_up:
                result.still_running = True
                break
            if deadline is not None and now > deadline or should_stop is not None and should_stop():
                interrupt()
            while chunk and part < 2:
                k = chunk.find(b"\x04")
                piece, chunk = (chunk, b"") if k < 0 else (chunk[:k], chunk[k + 1:])
                if part == 0:
                    if piece:
                        on_output(piece)
                else:
                    err += piece
                if k >= 0:
                    part += 1
        result.err = err.decode(errors="replace")
        return result

    def read_some(self, wait: float = 0.05) -> bytes:
        """Bytes available on the serial line (waits up to `wait` seconds for the first)."""
        s = self.transport.serial
        n = s.inWaiting()
        if n:
            return bytes(s.read(n))
        try:
            select.select([s.fd], [], [], wait)
        except (OSError, ValueError, AttributeError):
            time.sleep(wait)
        n = s.inWaiting()
        return bytes(s.read(n)) if n else b""

    def mount(self, path: str) -> None:
        """Mount a host folder at /remote on the device (mpremote's remote filesystem) and cd into it."""
        try:
            self.transport.mount_local(path)
        except TransportError as e:
            raise DeviceError(f"cannot mount {path} on the device: {e}") from e
        self.mounted = True

    def close(self) -> None:
        try:
            if self.mounted:
                with contextlib.suppress(TransportError, DeviceError, OSError):
                    self.transport.umount_local()
            if self.transport.in_raw_repl:
                with contextlib.suppress(OSError):
                    self.transport.exit_raw_repl()
        finally:
            with contextlib.suppress(OSError):
                self.transport.close()

    # ---- queries ----------------------------------------------------------
    def info(self, refresh: bool = False) -> dict[str, Any]:
        """Firmware and resources: tinyml (False if missing), version, backend, supported_ops,
        mem_free (after gc.collect), fs_free/fs_size of the current folder, cwd, machine, deflate, hashlib."""
        if self._info is None or refresh:
            self._ensure_helpers()
            self._info = self.eval("_tml_info()")
        return self._info

    def file_size(self, path: str) -> int | None:
        self._ensure_helpers()
        return self.eval(f"_tml_stat({path!r})")

    def sha256(self, path: str, timeout: float = 60) -> str | None:
        """SHA-256 (hex) of a device file, computed on the device; None if the file does not exist."""
        self._ensure_helpers()
        if not self.info()["hashlib"]:
            raise DeviceError("the firmware has no hashlib: cannot verify files on the device")
        return self.eval(f"_tml_stat({path!r}) is not None and _tml_sha({path!r}) or None", timeout)

    # ---- files ------------------------------------------------------------
    @staticmethod
    def part_name(path: str) -> str:
        """The temporary name an upload to `path` writes first."""
        return path + ".part"

    def put_file(self, path: str, data: bytes, progress: Callable[[int, int], None] | None = None) -> str:
        """Write `data` to `path` atomically: to path.part, verified by a SHA-256 computed on the
        device, then renamed over `path`. An interrupted upload leaves `path` as it was.
        Returns the SHA-256 (hex)."""
        info = self.info()
        if not info["hashlib"]:
            raise DeviceError("the firmware has no hashlib: cannot verify the upload")
        tmp = self.part_name(path)
        compress = bool(info["deflate"])
        self.exec(f"_tml_mkdirs({path!r})\n_tml_rm({tmp!r})\n_tml_f = open({tmp!r}, 'wb')")
        try:
            done = 0
            if progress:
                progress(0, len(data))
            while done < len(data):
                raw = data[done:done + CHUNK]
                packed = _zlib(raw) if compress else raw
                b64 = binascii.b2a_base64(packed if len(packed) < len(raw) else raw, newline=False)
                expr = f"_tml_inflate(binascii.a2b_base64({b64!r}))" if len(packed) < len(raw) \
                    else f"binascii.a2b_base64({b64!r})"
                self.exec(f"_tml_f.write({expr})")
                done += len(raw)
                if progress:
                    progress(done, len(data))
            self.exec("_tml_f.close()")
        except BaseException:
            with contextlib.suppress(Exception):
                self.exec(f"_tml_f.close()\n_tml_rm({tmp!r})")
            raise
        want = sha256_hex(data)
        got = self.eval(f"_tml_sha({tmp!r})", timeout=120)
        if got != want:
            self.exec(f"_tml_rm({tmp!r})")
            raise DeviceError(f"verification failed: the device computed SHA-256 {got} for {tmp}, expected {want}; "
                              f"{path} was left unchanged")
        # littlefs renames over an existing file; FAT needs the old one removed first
        self.exec(f"try:\n os.rename({tmp!r}, {path!r})\nexcept OSError:\n os.remove({path!r})\n"
                  f" os.rename({tmp!r}, {path!r})")
        return want

    def remove(self, path: str) -> None:
        self._ensure_helpers()
        self.exec(f"_tml_rm({path!r})")


def rp2040_port_board(port: str | None) -> str | None:
    """The board of an RP2040 emulator port ("rp2040", "rp2040:BOARD"); None for other ports."""
    if port and (port == "rp2040" or port.startswith("rp2040:")):
        return port.partition(":")[2] or DEFAULT_RP2040_BOARD
    return None


def qemu_port_board(port: str | None) -> str | None:
    """The board of a QEMU port ("qemu", "qemu:BOARD"); None for other ports."""
    if port and (port == "qemu" or port.startswith("qemu:")):
        return port.partition(":")[2] or DEFAULT_QEMU_BOARD
    return None


def script_traceback(err: str, script: str) -> str:
    """A device traceback of a script sent over the raw REPL (compiled as "<stdin>", with the script's own
    line numbers), naming the script instead."""
    return err.replace('File "<stdin>"', f'File "{script}"')


@contextlib.contextmanager
def _open(pty: str, raw: bool, soft_reset: bool) -> Iterator[Device]:
    dev = Device(pty, raw=raw, soft_reset=soft_reset)
    try:
        yield dev
    finally:
        dev.close()


@contextlib.contextmanager
def connect(port: str | None = None, raw: bool = True, soft_reset: bool = True) -> Iterator[Device]:
    """Open the board on `port` (None: the only connected board; "qemu[:BOARD]": boot it in QEMU;
    "rp2040[:BOARD]": boot it in the rp2040js emulator). An emulated board keeps its files from one
    connection to the next (tinyml_tools.emulated); one that another program runs (make qemu) is used
    through its pty."""
    from tinyml_tools.emulated import BoardBusy

    rp2040_board = rp2040_port_board(port)
    if rp2040_board is not None:
        from tinyml_tools import rp2040

        try:
            rp2040.check_board(rp2040_board)
            running = rp2040.running(rp2040_board)
            if running and running.get("pty"):
                with _open(running["pty"], raw, soft_reset) as dev:
                    yield dev
                return
            with rp2040.boot(rp2040_board) as pty, _open(pty, raw, soft_reset) as dev:
                yield dev
        except rp2040.Rp2040Error as e:
            raise DeviceError(str(e)) from e
        return
    board = qemu_port_board(port)
    if board is not None:
        from tinyml_tools import emulated, qemu

        try:
            qemu.board_info(board)
            running = emulated.running(qemu.lock_file(board))
            if running and running.get("pty"):
                with _open(running["pty"], raw, soft_reset) as dev:
                    yield dev
                return
            with qemu.boot(board, persist=True) as pty, _open(pty, raw, soft_reset) as dev:
                yield dev
        except qemu.QemuError as e:
            raise DeviceError(str(e)) from e
        except BoardBusy as e:
            raise DeviceError(qemu.busy_message(board, e)) from e
        return
    with _open(port or find_port(), raw, soft_reset) as dev:
        yield dev


class Progress:
    """A progress bar on stderr: redrawn in place on a terminal, one line per 10% otherwise."""

    def __init__(self, label: str, enabled: bool = True) -> None:
        self.label = label
        self.enabled = enabled
        self.tty = sys.stderr.isatty()
        self.t0 = time.monotonic()
        self._last_decile = -1

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        frac = done / total if total else 1.0
        rate = done / max(time.monotonic() - self.t0, 1e-6) / 1024
        bar = "#" * int(frac * 30)
        line = f"{self.label} [{bar:<30}] {frac * 100:3.0f}% {done / 1024:.1f}/{total / 1024:.1f} KiB {rate:.1f} KiB/s"
        if self.tty:
            sys.stderr.write("\r" + line + ("\n" if done >= total else ""))
            sys.stderr.flush()
        elif int(frac * 10) > self._last_decile:
            self._last_decile = int(frac * 10)
            sys.stderr.write(line + "\n")
            sys.stderr.flush()


def env_port() -> str | None:
    """$TINYML_PORT, the default of --port when set."""
    return os.environ.get("TINYML_PORT") or None


__all__ = ["Device", "DeviceError", "Follow", "Progress", "connect", "find_port", "sha256_hex"]
