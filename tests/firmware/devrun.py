"""Run tests/device/ scripts on a target: the unix firmware, or a board on a serial line
(a QEMU pty or a real port) through mpremote's SerialTransport.

    with SerialTarget(port) as dev:        # raw REPL
        dev.put_files(files, "tmltest")    # name -> host path; skips files already there
        out, err = dev.run_script(path)    # soft reset, cd into the data folder, run

Uploads go through the raw REPL's stdin as zlib-compressed binary chunks (each one
acknowledged by the device), decompressed by the `deflate` module where the firmware
has it: about twice as fast as base64 text over the QEMU pty (~16 KB/s of line bytes).
The first chunk waits for the device to acknowledge that it turned Ctrl-C off: a port
that looks for Ctrl-C as bytes arrive (rp2's USB serial) would otherwise take a 0x03
of the data for an interrupt when it comes before kbd_intr(-1) has run.
"""

from __future__ import annotations

import hashlib
import json
import os
import select
import subprocess
import time
import zlib
from pathlib import Path

from mpremote.transport import TransportError
from mpremote.transport_serial import SerialTransport

CHUNK = 16384
ZLIB_WBITS = 10  # 1 KiB window: what the device's deflate allocates to decompress (small heaps)
ACK = b"\x06"

_HELPERS = """\
import sys, os, gc
try:
 import deflate, io
except ImportError:
 deflate = None
try:
 import hashlib, binascii
except ImportError:
 hashlib = None
def _tml_sha(p):
 if hashlib is None:
  return None
 h = hashlib.sha256()
 b = bytearray(2048)
 m = memoryview(b)
 with open(p, 'rb') as f:
  while True:
   n = f.readinto(b)
   if not n:
    break
   h.update(m[:n])
 return binascii.hexlify(h.digest()).decode()
def _tml_have(p, size, sha):
 try:
  if os.stat(p)[6] != size:
   return False
 except OSError:
  return False
 return hashlib is None or _tml_sha(p) == sha
def _tml_recv(p, chunks):
 try:
  import micropython
  ki = micropython.kbd_intr
 except (ImportError, AttributeError):
  ki = lambda c: None
 ki(-1)
 rd = sys.stdin.buffer
 sys.stdout.write('\\x06')
 try:
  with open(p, 'wb') as f:
   for n, z in chunks:
    b = bytearray(n)
    m = memoryview(b)
    i = 0
    while i < n:
     i += rd.readinto(m[i:])
    if z:
     b = deflate.DeflateIO(io.BytesIO(b), deflate.ZLIB).read()
    f.write(b)
    del b, m
    gc.collect()
    sys.stdout.write('\\x06')
 finally:
  ki(3)
 print(os.stat(p)[6], _tml_sha(p))
def _tml_info():
 gc.collect()
 return {'mem_free': gc.mem_free(), 'cwd': os.getcwd(), 'deflate': deflate is not None,
  'hashlib': hashlib is not None, 'platform': sys.platform}
"""


def _zlib(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, ZLIB_WBITS)
    return c.compress(data) + c.flush()


class DeviceError(AssertionError):
    pass


class SerialTarget:
    """A MicroPython board on `port`, kept in the raw REPL."""

    def __init__(self, port: str, *, soft_reset: bool = True) -> None:
        self.port = port
        self.t = SerialTransport(port, baudrate=115200)
        self.t.enter_raw_repl(soft_reset=soft_reset, timeout_overall=15)
        self.datadir = ""
        self._helpers = False
        self.uploaded = 0  # bytes sent by put_files
        self.upload_seconds = 0.0

    def close(self) -> None:
        try:
            self.t.exit_raw_repl()
        except (TransportError, OSError):
            pass
        self.t.close()

    def exec(self, code: str, timeout: float = 60) -> str:
        try:
            out, err = self.t.exec_raw(code, timeout=timeout)
        except TransportError as e:
            raise DeviceError(f"lost the board on {self.port}: {e}") from e
        if err:
            raise DeviceError(f"device error running {code[:60]!r}...:\n{err.decode(errors='replace')}")
        return out.decode(errors="replace")

    def _ensure_helpers(self) -> None:
        if not self._helpers:
            self.exec(_HELPERS)
            self._helpers = True

    def info(self) -> dict:
        self._ensure_helpers()
        return json.loads(self.exec("import json\nprint(json.dumps(_tml_info()))").strip().splitlines()[-1])

    def put_files(self, files: dict[str, Path], folder: str) -> None:
        """Copy files (name -> host path) into `folder` (relative to the board's initial folder) unless the
        same bytes are there already; remembers the folder for run_script()."""
        self._ensure_helpers()
        cwd = self.info()["cwd"].rstrip("/")
        self.datadir = f"{cwd}/{folder}"
        self.exec(f"try:\n os.mkdir({self.datadir!r})\nexcept OSError:\n pass")
        compress = self.info()["deflate"]
        for name, path in sorted(files.items()):
            self.put(f"{self.datadir}/{name}", Path(path).read_bytes(), compress)

    def put(self, path: str, data: bytes, compress: bool = True) -> None:
        sha = hashlib.sha256(data).hexdigest()
        if self.exec(f"print(_tml_have({path!r}, {len(data)}, {sha!r}))").strip() == "True":
            return
        t0 = time.monotonic()
        payloads, chunks = [], []
        for i in range(0, max(len(data), 1), CHUNK):
            raw = data[i:i + CHUNK]
            z = _zlib(raw) if compress else raw
            use = compress and len(z) < len(raw)
            payloads.append(z if use else raw)
            chunks.append((len(payloads[-1]), use))
        if not data:
            payloads, chunks = [], []
        self.t.exec_raw_no_follow(f"_tml_recv({path!r}, {chunks!r})")
        # one ACK when Ctrl-C is off (a 0x03 in the data sent before would interrupt it), one per chunk
        for p in [b"", *payloads]:
            self.t.serial.write(p)
            got = self._read_ack(30)
            if not got.endswith(ACK):
                rest = b""
                try:
                    if got.endswith(b"\x04"):  # the device raised: its traceback follows
                        rest = b"".join(self.t.follow(5))
                except TransportError:
                    pass
                raise DeviceError(f"upload of {path} failed: {(got + rest).decode(errors='replace')}")
        out, err = self.t.follow(60)
        if err:
            raise DeviceError(f"upload of {path} failed:\n{err.decode(errors='replace')}")
        size, got_sha = out.decode().split()[-2:]
        if int(size) != len(data) or got_sha not in (sha, "None"):
            raise DeviceError(f"upload of {path}: the device has {size} bytes, SHA-256 {got_sha}; sent {len(data)}, {sha}")
        self.uploaded += sum(len(p) for p in payloads)
        self.upload_seconds += time.monotonic() - t0

    def _read_ack(self, timeout: float) -> bytes:
        """What the device sends up to an ACK, or up to the end of its output (0x04: it raised), or until
        `timeout` seconds without a byte (mpremote's read_until blocks on a pty, whatever its timeout)."""
        s = self.t.serial
        got = b""
        while not got.endswith((ACK, b"\x04")) and select.select([s.fd], [], [], timeout)[0]:
            got += s.read(1)
        return got

    def run_script(self, script: Path, timeout: float = 300) -> tuple[str, str]:
        """Soft reset, cd into the data folder, run the script: (output, error output)."""
        try:
            self.t.enter_raw_repl(soft_reset=True, timeout_overall=15)
            self._helpers = False
            if self.datadir:
                self.exec(f"import os\nos.chdir({self.datadir!r})")
            out, err = self.t.exec_raw(script.read_text(), timeout=timeout)
        except TransportError as e:
            return "", f"lost the board on {self.port}: {e}"
        return out.decode(errors="replace"), err.decode(errors="replace")


class UnixTarget:
    """The unix firmware: scripts run with cwd = the data folder."""

    def __init__(self, binary: Path, datadir: Path) -> None:
        self.binary = binary
        self.datadir = datadir

    def run_script(self, script: Path, timeout: float = 300) -> tuple[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "MICROPYPATH"}
        r = subprocess.run([str(self.binary), str(script)], cwd=self.datadir, capture_output=True, text=True,
                           timeout=timeout, env=env, check=False)
        err = r.stderr + (f"\n(exit status {r.returncode})" if r.returncode else "")
        return r.stdout, err


def link_files(files: dict[str, Path], folder: Path) -> None:
    """Make `files` appear in folder (symlinks to files elsewhere)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, path in files.items():
        dest = folder / name
        if Path(path).resolve().parent != folder.resolve() and not dest.exists():
            dest.symlink_to(Path(path).resolve())


_LFS_SCRIPT = """\
import os, sys, vfs
bs, n, folder, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
names = sys.argv[5:]
class Disk:
    def __init__(self):
        self.data = bytearray(bs * n)
    def readblocks(self, b, buf, off=0):
        a = b * bs + off
        buf[:] = self.data[a:a + len(buf)]
    def writeblocks(self, b, buf, off=0):
        a = b * bs + off
        self.data[a:a + len(buf)] = buf
    def ioctl(self, op, arg):
        return n if op == 4 else bs if op == 5 else 0
d = Disk()
vfs.VfsLfs2.mkfs(d)
vfs.mount(vfs.VfsLfs2(d), "/lfs")
os.mkdir("/lfs/" + folder)
for i in range(0, len(names), 2):
    with open(names[i + 1], "rb") as src, open("/lfs/" + folder + "/" + names[i], "wb") as dst:
        dst.write(src.read())
vfs.umount("/lfs")
with open(out, "wb") as f:
    f.write(d.data)
"""


def lfs_image(micropython: Path, files: dict[str, Path], folder: str, block_size: int, size: int,
              out: Path) -> Path:
    """A littlefs2 image of `size` bytes holding files (name -> host path) in /`folder`, made by the
    unix firmware `micropython` (MicroPython's own littlefs, the one the boards mount): what a QEMU
    board's RAM disk is preloaded with (`-device loader`), instead of a serial upload."""
    script = out.with_suffix(".py")
    script.write_text(_LFS_SCRIPT)
    args = [str(block_size), str(size // block_size), folder, str(out)]
    for name, path in sorted(files.items()):
        args += [name, str(Path(path).resolve())]
    r = subprocess.run([str(micropython), "-X", f"heapsize={2 * size + (4 << 20)}", str(script), *args], capture_output=True, text=True, timeout=120,
                       check=False)
    if r.returncode != 0:
        raise DeviceError(f"making the littlefs image failed:\n{r.stdout}{r.stderr}")
    return out
