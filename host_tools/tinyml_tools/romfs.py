"""ROMFS images (MicroPython's read-only, memory-mapped filesystem, mounted at /rom) and their deployment.

    image = build({"model.tflite": data, "labels.txt": b"..."})   # every file's data 16-byte aligned
    files = parse(image)                                            # name -> bytes (what the device sees)
    with connect(port) as dev:
        deploy(dev, image)              # vfs.rom_ioctl over the raw REPL (rp2: the ROMFS flash partition)

The format is MicroPython's (extmod/vfs_rom.c): nested records of (kind, length) varuints. This
writer makes every file's data start at a multiple of ALIGN from the image's start (ROMFS partitions
start on a flash sector), so that a model read in place from /rom has its flatbuffer aligned as in
the .tflite file: the tinyml loader then copies nothing (it copies misaligned dimension arrays and
wide constants). The alignment uses varuint padding (0x80 bytes before a length, which the format
defines as meaningless), so mpremote and MicroPython read these images as any other.

QEMU boards have no flash interface: their ROMFS region (board.json "romfs") is filled when QEMU
starts, from the board's ROMFS image file (qemu.installed_romfs), with QEMU's generic loader.
"""

from __future__ import annotations

import binascii
import hashlib
import zlib
from collections.abc import Callable, Mapping
from typing import Any

HEADER = b"\xd2\xcd\x31"  # the filesystem record's kind 0x14a6b1 as a varuint ("RM1")
KIND_PADDING, KIND_DATA, KIND_DIR, KIND_FILE = 1, 2, 4, 5
ALIGN = 16      # file data alignment (TFLite flatbuffers align their buffers to 16)
LEN_WIDTH = 4   # bytes of every record length in the headers: up to 256 MiB
CHUNK = 4096    # bytes per write over the raw REPL
ZLIB_WBITS = 10


class RomfsError(Exception):
    """The image cannot be built, does not fit, or the board has no ROMFS."""


def _uint(value: int, width: int = 0) -> bytes:
    """A varuint (7 bits per byte, big-endian, high bit = more follow), padded with 0x80 to `width` bytes."""
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.insert(0, 0x80 | (value & 0x7F))
        value >>= 7
    if width and len(out) > width:
        raise RomfsError(f"ROMFS record of {value} bytes is too large")
    return bytes([0x80] * max(0, width - len(out)) + out)


def build(files: Mapping[str, bytes], align: int = ALIGN) -> bytes:
    """A ROMFS image holding `files` (name -> data) at its top level, each file's data aligned to `align`
    bytes from the image's start."""
    out = bytearray()
    out += HEADER
    fs_len_at = len(out)
    out += bytes(LEN_WIDTH)  # the filesystem's length, patched below
    for name in sorted(files):
        raw_name = name.encode()
        if not raw_name or b"/" in raw_name or name in (".", ".."):
            raise RomfsError(f"invalid file name {name!r} (ROMFS images here are flat: no folders)")
        data = bytes(files[name])
        start = len(out)
        out += _uint(KIND_FILE) + bytes(LEN_WIDTH) + _uint(len(raw_name)) + raw_name + _uint(KIND_DATA)
        n = _uint(len(data))
        pad = -(len(out) + len(n)) % align
        out += _uint(len(data), len(n) + pad) + data
        body = len(out) - (start + 1 + LEN_WIDTH)
        out[start + 1:start + 1 + LEN_WIDTH] = _uint(body, LEN_WIDTH)
    if len(out) % 2:  # the filesystem record's size must be even: an empty 3-byte padding record
        out += _uint(KIND_PADDING) + _uint(0, 2)
    out[fs_len_at:fs_len_at + LEN_WIDTH] = _uint(len(out) - fs_len_at - LEN_WIDTH, LEN_WIDTH)
    return bytes(out)


def _read_uint(b: bytes, pos: int, end: int) -> tuple[int, int]:
    value = 0
    while True:
        if pos >= end:
            raise RomfsError("truncated ROMFS record")
        c = b[pos]
        pos += 1
        value = (value << 7) | (c & 0x7F)
        if not c & 0x80:
            return value, pos


def _walk(image: bytes) -> dict[str, tuple[int, int]]:
    """name -> (offset, length) of each top-level file's data, as MicroPython's vfs_rom.c finds it."""
    if not image.startswith(HEADER):
        raise RomfsError("not a ROMFS image (no 'RM1' header)")
    length, pos = _read_uint(image, 3, len(image))
    end = pos + length
    if end > len(image):
        raise RomfsError("ROMFS image shorter than its header says")
    found: dict[str, tuple[int, int]] = {}
    while pos < end:
        kind, pos = _read_uint(image, pos, end)
        rlen, pos = _read_uint(image, pos, end)
        nxt = pos + rlen
        if kind == KIND_FILE:
            nlen, p = _read_uint(image, pos, nxt)
            name = image[p:p + nlen].decode()
            p += nlen
            while p < nxt:
                k, p = _read_uint(image, p, nxt)
                dlen, p = _read_uint(image, p, nxt)
                if k == KIND_DATA:
                    found[name] = (p, dlen)
                    break
                p += dlen
        pos = nxt
    return found


def parse(image: bytes) -> dict[str, bytes]:
    """The top-level files of a ROMFS image (name -> data)."""
    return {name: image[off:off + n] for name, (off, n) in _walk(image).items()}


def image_size(image_head: bytes) -> int | None:
    """Bytes of the ROMFS image that starts with `image_head` (None: not a ROMFS image)."""
    if not image_head.startswith(HEADER):
        return None
    try:
        length, pos = _read_uint(image_head, 3, len(image_head))
    except RomfsError:
        return None
    return pos + length


# ---- deployment over the raw REPL ----------------------------------------------------

_DEVICE_HELPERS = """\
import vfs, binascii
try:
 import deflate, io
 def _tml_rom_inflate(b):
  return deflate.DeflateIO(io.BytesIO(b), deflate.ZLIB).read()
except ImportError:
 _tml_rom_inflate = None
"""


def _zlib(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, ZLIB_WBITS)
    return c.compress(data) + c.flush()


def partition(dev: Any) -> dict[str, Any]:
    """The board's ROMFS partition 0: {"size", "block", "object"} (object: a block device with
    ioctl/writeblocks, as rp2's Flash; else the vfs.rom_ioctl write calls). RomfsError without one."""
    dev.exec(_DEVICE_HELPERS)
    if not dev.eval("hasattr(vfs, 'rom_ioctl')"):
        raise RomfsError("the firmware has no ROMFS (vfs.rom_ioctl): on QEMU boards use --port qemu:BOARD")
    if dev.eval("vfs.rom_ioctl(1)") <= 0:
        raise RomfsError("the firmware has no ROMFS partition")
    dev.exec("_tml_rom = vfs.rom_ioctl(2, 0)")
    if dev.eval("isinstance(_tml_rom, int)"):
        raise RomfsError("the firmware's ROMFS partition 0 cannot be opened")
    if dev.eval("hasattr(_tml_rom, 'ioctl')"):
        count, block = dev.eval("(_tml_rom.ioctl(4, 0), _tml_rom.ioctl(5, 0))")
        return {"size": count * block, "block": block, "object": True}
    size = dev.eval("len(_tml_rom)")
    block = dev.eval("vfs.rom_ioctl(6, 0)")
    return {"size": size, "block": block if block > 0 else size, "object": False}


def deploy(dev: Any, image: bytes, progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Write `image` into the board's ROMFS partition 0 (mpremote's `romfs deploy` protocol: unmount /rom,
    erase, write, complete), then mount it at /rom again and check that it reads back the same bytes
    (SHA-256 on the device). `dev`: a tinyml_tools.device.Device. Returns partition()'s figures."""
    if not image.startswith(HEADER):
        raise RomfsError("not a ROMFS image")
    part = partition(dev)
    if len(image) > part["size"]:
        raise RomfsError(f"the image ({len(image)} bytes) does not fit the board's ROMFS partition "
                         f"({part['size']} bytes)")
    block = part["block"]
    dev.exec("try:\n vfs.umount('/rom')\nexcept OSError:\n pass")
    chunk = CHUNK
    if part["object"]:
        for offset in range(0, len(image), block):
            dev.exec(f"_tml_rom.ioctl(6, {offset // block})", timeout=60)
        chunk = min(chunk, block)
    else:
        # erase what the image needs: vfs.rom_ioctl(3, id, length) (WRITE_PREPARE) returns the write granularity
        min_write = dev.eval(f"vfs.rom_ioctl(3, 0, {len(image)})", timeout=300)
        if min_write < 0:
            raise RomfsError(f"the board refused to prepare its ROMFS partition (error {min_write})")
        chunk = max(chunk, min_write)
    compress = dev.eval("_tml_rom_inflate is not None")
    if progress:
        progress(0, len(image))
    for offset in range(0, len(image), chunk):
        raw = image[offset:offset + chunk]
        raw += bytes(-len(raw) % 4 if part["object"] else 0)
        packed = _zlib(raw) if compress else raw
        b64 = binascii.b2a_base64(packed if len(packed) < len(raw) else raw, newline=False)
        expr = f"_tml_rom_inflate(binascii.a2b_base64({b64!r}))" if len(packed) < len(raw) \
            else f"binascii.a2b_base64({b64!r})"
        if part["object"]:
            dev.exec(f"_tml_rom.writeblocks({offset // block}, {expr}, {offset % block})", timeout=60)
        else:
            r = dev.eval(f"vfs.rom_ioctl(4, 0, {offset}, {expr})", timeout=60)
            if r < 0:
                raise RomfsError(f"the board refused a ROMFS write at offset {offset} (error {r})")
        if progress:
            progress(min(offset + chunk, len(image)), len(image))
    if not part["object"]:
        dev.eval("vfs.rom_ioctl(5, 0)", timeout=60)
    mount(dev)
    got = dev.eval(f"binascii.hexlify(__import__('hashlib').sha256(memoryview(_tml_rom)[:{len(image)}]).digest())"
                   ".decode()", timeout=120)
    want = hashlib.sha256(image).hexdigest()
    if got != want:
        raise RomfsError(f"verification failed: the board's ROMFS partition has SHA-256 {got}, the image {want}")
    return part


def mount(dev: Any) -> None:
    """Mount partition 0 at /rom (as the firmware does at boot)."""
    dev.exec("try:\n vfs.umount('/rom')\nexcept OSError:\n pass\n"
             "_tml_rom = vfs.rom_ioctl(2, 0)\nvfs.mount(vfs.VfsRom(_tml_rom), '/rom')")


__all__ = ["ALIGN", "RomfsError", "build", "deploy", "image_size", "mount", "parse", "partition"]
