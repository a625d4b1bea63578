"""Signed model bundles, as the device's verifier reads them (usermod/tinyml/ota/tml_bundle.h, format 1).

    key = load_private_key(Path("fleet.pem"))
    data = build(model_bytes, "kws", 3, tests, key)        # tests: [(input bytes, expected output bytes), ...]
    b = verify(data, [public_key_bytes(key)])              # BundleError(kind, message) when refused
    b.name, b.version, b.model, b.tests

The layout: a 104-byte fixed header (magic "TMLB", format, name length, header size, the Ed25519
signature, the signer's key id, version, model size, self-test sizes), the name padded to 16 bytes,
the .tflite (16-byte aligned), then the self-test cases. The signature is pure Ed25519 (RFC 8032)
over the bundle without its signature field; the host signs with PyPI's `cryptography`, the device
checks with Monocypher. Keys: a private key in a PKCS#8 PEM file, the public key as 64 hex digits
(`NAME.pub`), its id the first 8 bytes (16 hex digits).
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

MAGIC = b"TMLB"
FORMAT = 1
FIXED = 104
NAME_MAX = 63
SIG_AT, SIG_BYTES = 8, 64
KEY_ID_BYTES = 8
MAX_BYTES = 0x40000000
NAME_RE = re.compile(r"^[A-Za-z0-9._-]{1,63}$")
_FIELDS = struct.Struct("<8sIIIIII")  # key id, version, model, test count, test in, test out, reserved at 72


class BundleError(ValueError):
    """A bundle refused; `kind` is what the device reports: corrupt, format, truncated, too_long, key, signature."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class Bundle:
    name: str
    version: int
    key_id: bytes
    model: bytes
    tests: list[tuple[bytes, bytes]]
    header_bytes: int
    signature: bytes
    total_bytes: int
    test_in_bytes: int = 0
    test_out_bytes: int = 0
    raw: bytes = field(default=b"", repr=False)

    @property
    def overhead(self) -> int:
        """Bytes beyond the model: header (with signature and name) and self-test."""
        return self.total_bytes - len(self.model)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    def describe(self) -> dict[str, object]:
        return {"name": self.name, "version": self.version, "key_id": self.key_id.hex(), "bytes": self.total_bytes,
                "model_bytes": len(self.model), "self_test_cases": len(self.tests), "overhead_bytes": self.overhead,
                "sha256": self.sha256}


def header_size(name: str) -> int:
    return (FIXED + len(name) + 15) & ~15


def check_name(name: str) -> None:
    if not NAME_RE.match(name):
        raise ValueError(f"model name {name!r}: 1 to {NAME_MAX} letters, digits, '.', '_' or '-'")


def signed_message(data: bytes) -> bytes:
    """What the signature covers: the bundle without its signature field."""
    return data[:SIG_AT] + data[SIG_AT + SIG_BYTES:]


# ---- keys ------------------------------------------------------------------------------

def _ed25519():  # imported on use: only signing and host-side verification need `cryptography`
    try:
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError as e:
        raise RuntimeError("signing needs the 'cryptography' package: pip install cryptography") from e
    return ed25519


def generate_key():
    return _ed25519().Ed25519PrivateKey.generate()


def public_key_bytes(private_key) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def private_pem(private_key) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())


def load_private_key(path: Path):
    """An Ed25519 private key from a PEM file (what `tinyml keygen` writes); ValueError, or TypeError for
    another kind of key."""
    from cryptography.hazmat.primitives import serialization

    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as e:
        raise ValueError(f"{path}: not an unencrypted PEM private key ({e})") from None
    if not isinstance(key, _ed25519().Ed25519PrivateKey):
        raise TypeError(f"{path}: not an Ed25519 key (tinyml keygen makes one)")
    return key


def parse_public_key(text: str | bytes) -> bytes:
    """32 key bytes from a public key file's contents: 64 hex digits (what keygen writes) or 32 raw bytes."""
    if isinstance(text, bytes):
        if len(text) == 32:
            return text
        text = text.decode("ascii", errors="replace")
    hexdigits = "".join(text.split())
    if len(hexdigits) != 64 or not re.fullmatch(r"[0-9a-fA-F]+", hexdigits):
        raise ValueError("a public key is 64 hex digits (32 bytes)")
    return bytes.fromhex(hexdigits)


def load_public_key(path: Path) -> bytes:
    try:
        return parse_public_key(path.read_bytes())
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None


def key_id(public_key: bytes) -> bytes:
    return public_key[:KEY_ID_BYTES]


# ---- build, parse, verify -------------------------------------------------------------------

def build(model: bytes, name: str, version: int, tests: list[tuple[bytes, bytes]], private_key) -> bytes:
    """The signed bundle."""
    check_name(name)
    if not 1 <= version <= 0xFFFFFFFF:
        raise ValueError(f"version {version}: an integer from 1 to {0xFFFFFFFF}")
    if len(model) < 16:
        raise ValueError(f"a {len(model)}-byte model")
    in_bytes = len(tests[0][0]) if tests else 0
    out_bytes = len(tests[0][1]) if tests else 0
    if any(len(i) != in_bytes or len(o) != out_bytes for i, o in tests):
        raise ValueError("self-test cases of different sizes")
    if tests and (not in_bytes or not out_bytes):
        raise ValueError("empty self-test inputs or outputs")
    hb = header_size(name)
    pub = public_key_bytes(private_key)
    head = bytearray(hb)
    head[0:4] = MAGIC
    head[4] = FORMAT
    head[5] = len(name)
    struct.pack_into("<H", head, 6, hb)
    _FIELDS.pack_into(head, 72, key_id(pub), version, len(model), len(tests), in_bytes, out_bytes, 0)
    head[FIXED:FIXED + len(name)] = name.encode()
    data = bytearray(head) + model + b"".join(i + o for i, o in tests)
    if len(data) > MAX_BYTES:
        raise ValueError(f"the bundle would take {len(data)} bytes, more than {MAX_BYTES}")
    data[SIG_AT:SIG_AT + SIG_BYTES] = private_key.sign(signed_message(bytes(data)))
    return bytes(data)


def parse(data: bytes) -> Bundle:
    """The bundle's fields, its structure checked as the device checks it (not its signature)."""
    if len(data) < 8:
        raise BundleError("truncated" if data else "corrupt", f"truncated bundle: {len(data)} bytes")
    if data[:4] != MAGIC:
        raise BundleError("corrupt", "not a tinyml model bundle (it does not start with 'TMLB')")
    if data[4] != FORMAT:
        raise BundleError("format", f"bundle format {data[4]}: this tool reads format {FORMAT}")
    name_len = data[5]
    hb = struct.unpack_from("<H", data, 6)[0]
    if not 1 <= name_len <= NAME_MAX or hb != (FIXED + name_len + 15) & ~15:
        raise BundleError("corrupt", f"corrupt bundle header: name length {name_len}, header size {hb}")
    if len(data) < hb:
        raise BundleError("truncated", f"truncated bundle: {len(data)} bytes, its header takes {hb}")
    kid, version, model_bytes, count, tin, tout, reserved = _FIELDS.unpack_from(data, 72)
    raw_name = data[FIXED:FIXED + name_len]
    try:
        name = raw_name.decode("ascii")
        check_name(name)
    except (UnicodeDecodeError, ValueError):
        raise BundleError("corrupt", f"corrupt bundle header: name {raw_name!r}") from None
    if reserved or any(data[FIXED + name_len:hb]) or version == 0 or model_bytes < 16 \
            or (count and (not tin or not tout)):
        raise BundleError("corrupt", "corrupt bundle header")
    total = hb + model_bytes + count * (tin + tout)
    if total > MAX_BYTES:
        raise BundleError("corrupt", f"corrupt bundle header: it announces {total} bytes")
    if len(data) < total:
        raise BundleError("truncated", f"truncated bundle: {len(data)} of its {total} bytes")
    if len(data) > total:
        raise BundleError("too_long", f"the bundle is longer than its header says: {len(data)} bytes, not {total}")
    at = hb + model_bytes
    tests = [(data[at + k * (tin + tout):at + k * (tin + tout) + tin],
              data[at + k * (tin + tout) + tin:at + (k + 1) * (tin + tout)]) for k in range(count)]
    return Bundle(name, version, kid, data[hb:hb + model_bytes], tests, hb, data[SIG_AT:SIG_AT + SIG_BYTES], total,
                  tin, tout, bytes(data))


def verify(data: bytes, public_keys: list[bytes]) -> Bundle:
    """parse() plus the signature against the trusted key the bundle names (BundleError 'key', 'signature')."""
    b = parse(data)
    key = next((k for k in public_keys if key_id(k) == b.key_id), None)
    if key is None:
        raise BundleError("key", f"the bundle is signed by key {b.key_id.hex()}, which is not among the trusted "
                                 f"keys ({', '.join(key_id(k).hex() for k in public_keys) or 'none'})")
    from cryptography.exceptions import InvalidSignature

    try:
        _ed25519().Ed25519PublicKey.from_public_bytes(key).verify(b.signature, signed_message(data))
    except InvalidSignature:
        raise BundleError("signature", f"bad signature: the bundle was not signed by key {b.key_id.hex()}, or was "
                                       "changed or corrupted after signing") from None
    return b


def write_private(path: Path, pem: bytes) -> None:
    """A private key file only its owner can read (created so; never left world-readable)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
