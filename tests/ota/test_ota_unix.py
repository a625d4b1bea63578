"""Over-the-air updates on the unix port against `tinyml serve` on 127.0.0.1 (issue 17).

- the whole flow with the host commands: keygen, sign, publish, serve, update on the device, fleet;
- every refusal (untrusted key, no key, bad signature, corrupt header, newer format, truncated and
  over-long bundles, a lower version behind a lying manifest, another model's name, operators the
  firmware lacks, a model that does not fit, a failed self-test), each leaving the old model working;
- a download cut off midway;
- a power cut (SIGKILL of the device process) at each step of the switch, after which the restarted
  device runs a valid signed model (the old or the new one, never neither) and can update again;
- rollback at start-up when the active model fails its self-test or its signature.
"""

from __future__ import annotations

import ast
import json
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from otahelp import ENV, MODEL, UNIX_FW, Kit, UnixDevice, have_ota, serve
from tinyml_tools import bundle, fleet

pytestmark = pytest.mark.skipif(have_ota(UNIX_FW) is not None, reason=str(have_ota(UNIX_FW)))

X = bytes(np.random.default_rng(3).integers(-128, 128, 192, dtype=np.int8).tobytes())
# what the device prints for the active model: its name, version and output for X
SHOW = ("import tinyml.ota as ota, binascii\nm = ota.model()\n"
        f"print('MODEL', m.name, m.version, binascii.hexlify(bytes(m.predict({X!r}))).decode())\n")
STEPS = ["downloading", "downloaded", "verified", "loaded", "selftested", "commit", "record_half", "committed",
         "reported"]


class Site:
    """The served folder: bundles, and a manifest the test writes."""

    def __init__(self, folder: Path, url: str) -> None:
        self.folder, self.url = folder, url

    def offer(self, path: Path, *, name: str | None = None, version: int | None = None) -> None:
        """Make the manifest offer only this bundle (with the name/version the manifest claims)."""
        dest = self.folder / path.name
        if dest != path:
            shutil.copyfile(path, dest)
        try:
            b = bundle.parse(path.read_bytes())
            entry = {"name": b.name, "version": b.version}
        except bundle.BundleError:
            entry = {}
        entry.update({k: v for k, v in (("name", name), ("version", version)) if v is not None})
        entry.update(file=path.name, bytes=path.stat().st_size)
        fleet.write_manifest(self.folder, [entry])


@pytest.fixture(scope="module")
def site(kit: Kit, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("site")
    with serve(folder) as url:
        yield Site(folder, url)


def show(dev: UnixDevice) -> tuple[str, int, str]:
    out = dev.ok(SHOW)
    line = next(ln for ln in out.splitlines() if ln.startswith("MODEL "))
    _, name, version, y = line.split()
    return name, int(version), y


@pytest.fixture(scope="module")
def v1_home(kit: Kit, site: Site, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A device home with gestures version 1 installed (copied by each test that needs one)."""
    home = tmp_path_factory.mktemp("v1-home")
    dev = UnixDevice(home)
    site.offer(kit.sign("gestures", 1))
    dev.ok(f"import tinyml.ota as ota\nota.trust({kit.public.hex()!r})\nprint(ota.update({site.url!r}, name='gestures'))")
    assert show(dev)[:2] == ("gestures", 1)
    return home


def fresh(v1_home: Path, tmp_path: Path) -> UnixDevice:
    home = tmp_path / "dev"
    shutil.copytree(v1_home, home)
    return UnixDevice(home)


def test_whole_flow(kit: Kit, tmp_path: Path) -> None:
    """keygen -> sign -> publish -> serve -> update on the device -> fleet, with the `tinyml` command."""
    def tinyml(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "tinyml_tools", *args], cwd=tmp_path, capture_output=True,
                              text=True, env=ENV, timeout=120, check=False)

    r = tinyml("keygen", "--json")
    assert r.returncode == 0, r.stderr
    key = json.loads(r.stdout)
    assert (tmp_path / "fleet.pem").stat().st_mode & 0o077 == 0  # the private key: owner only
    assert tinyml("keygen").returncode == 2  # never overwrites a key
    model = str(MODEL)
    for v in (1, 2):
        r = tinyml("sign", model, "--name", "gestures", "--version", str(v), "--self-test", "3", "--json")
        assert r.returncode == 0, r.stderr
        signed = json.loads(r.stdout)
        assert signed["key_id"] == key["key_id"] and signed["self_test_cases"] == 3
    assert tinyml("publish", "site", "gestures-1.tmlb", "--trust", "fleet.pub").returncode == 0
    dev = UnixDevice(tmp_path / "device")
    with serve(tmp_path / "site") as url:
        out = dev.ok(f"import tinyml.ota as ota\nota.trust(open('../fleet.pub').read())\n"
                     f"print(ota.check({url!r}, name='gestures'))\nprint(ota.update({url!r}, name='gestures'))")
        assert "'newer': True" in out and "'status': 'updated'" in out
        assert show(dev) == ("gestures", 1, kit.expected(X).hex())
        r = tinyml("publish", "site", "gestures-2.tmlb", "--trust", "fleet.pub", "--json")
        assert r.returncode == 0 and [m["version"] for m in json.loads(r.stdout)["models"]] == [1, 2]
        out = dev.ok(f"import tinyml.ota as ota\nprint(ota.update({url!r}))\nprint(ota.update({url!r}))")
        assert "'status': 'updated'" in out and "'previous': 1" in out and "'status': 'current'" in out
        assert show(dev) == ("gestures", 2, kit.expected(X).hex())
    r = tinyml("fleet", "site", "--json")
    assert r.returncode == 0
    (d,) = json.loads(r.stdout)["devices"]
    assert (d["name"], d["version"], d["published"], d["current"], d["status"]) == ("gestures", 2, 2, True, "current")
    assert d["address"] == "127.0.0.1" and d["tinyml"] and d["device"].startswith("linux-")
    r = tinyml("fleet", "site")
    assert r.returncode == 0 and d["device"] in r.stdout and "gestures" in r.stdout


def _flip(path: Path, at: int, out: Path) -> Path:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    out.write_bytes(bytes(data))
    return out


def _resign_header(kit: Kit, data: bytearray, out: Path) -> Path:
    data[bundle.SIG_AT:bundle.SIG_AT + bundle.SIG_BYTES] = kit.key.sign(bundle.signed_message(bytes(data)))
    out.write_bytes(bytes(data))
    return out


def _unsupported_model() -> bytes:
    from tflite_builder import ModelBuilder

    b = ModelBuilder()
    x = b.tensor("x", (1, 8), np.int8, scale=0.1, zero_point=0)
    y = b.tensor("y", (1, 8), np.int8, scale=0.1, zero_point=0)
    b.op("CUSTOM", [x], [y], custom_code="NotInThisFirmware")
    b.inputs([x])
    b.outputs([y])
    return b.build()


def _huge_model() -> bytes:
    """A RELU over 2 x 3 MiB of int8 activations: a small file, an arena the unix port's 2 MiB heap lacks."""
    from tflite_builder import ModelBuilder

    b = ModelBuilder()
    x = b.tensor("x", (1, 2048, 1536), np.int8, scale=0.1, zero_point=0)
    y = b.tensor("y", (1, 2048, 1536), np.int8, scale=0.1, zero_point=0)
    b.op("RELU", [x], [y])
    b.inputs([x])
    b.outputs([y])
    return b.build()


def refusal_cases(kit: Kit, tmp: Path) -> list[tuple[str, Path, dict, str, str]]:
    """(case, bundle, what the manifest claims beyond gestures version 5, expected reason, words in the message)."""
    good = kit.sign("gestures", 5)
    hb = bundle.header_size("gestures")
    data = bytearray(good.read_bytes())
    reserved = bytearray(data)
    reserved[100] = 1
    newer_format = bytearray(data)
    newer_format[4] = 2
    longer = tmp / "longer.tmlb"
    longer.write_bytes(good.read_bytes() + b"\0" * 7)
    cut = tmp / "cut.tmlb"
    cut.write_bytes(good.read_bytes()[:len(data) // 2])
    bad_test = kit.sign("gestures", 5, file="badtest.tmlb",
                        tamper=lambda cases: [(i, bytes([o[0] ^ 1]) + o[1:]) for i, o in cases])
    return [
        ("untrusted key", kit.sign("gestures", 5, key=kit.other_key, file="otherkey.tmlb"), {}, "key",
         "which this device does not trust"),
        ("bad signature", _flip(good, hb + 100, tmp / "flipped.tmlb"), {}, "signature", "bad signature"),
        ("signature field", _flip(good, bundle.SIG_AT + 40, tmp / "sigflip.tmlb"), {}, "signature", "bad signature"),
        ("corrupt header", _resign_header(kit, reserved, tmp / "reserved.tmlb"), {}, "corrupt", "corrupt bundle header"),
        ("not a bundle", _flip(good, 0, tmp / "magic.tmlb"), {"name": "gestures", "version": 5}, "corrupt",
         "not a tinyml model bundle"),
        ("newer format", _resign_header(kit, newer_format, tmp / "format2.tmlb"), {}, "format", "bundle format 2"),
        ("truncated", cut, {"name": "gestures", "version": 5}, "truncated", "announces"),
        ("too long", longer, {"name": "gestures", "version": 5}, "too_long", "announces"),
        ("lower version", kit.sign("gestures", 1, file="old.tmlb"), {"version": 9}, "version", "anti-rollback"),
        ("same version", kit.sign("gestures", 2, file="same.tmlb"), {"version": 9}, "version", "anti-rollback"),
        ("another model", kit.sign("other", 5), {"name": "gestures"}, "name", "the bundle is model 'other'"),
        ("unsupported op", kit.sign("gestures", 5, model=_unsupported_model(), tests=0, file="custom.tmlb"), {},
         "unsupported", "NotInThisFirmware"),
        ("does not fit", kit.sign("gestures", 5, model=_huge_model(), tests=0, file="huge.tmlb"), {}, "memory",
         "does not fit"),
        ("self-test fails", bad_test, {}, "selftest", "self-test case 1 of 2"),
    ]


def test_every_refusal_keeps_the_old_model(kit: Kit, site: Site, v1_home: Path, tmp_path: Path) -> None:
    dev = fresh(v1_home, tmp_path)
    site.offer(kit.sign("gestures", 2))
    dev.ok(f"import tinyml.ota as ota\nota.update({site.url!r})")
    before = show(dev)
    assert before == ("gestures", 2, kit.expected(X).hex())
    seq = json.loads(dev.ok("import tinyml.ota as ota, json\nprint(json.dumps(ota.status()))"))["seq"]
    for case, path, claims, reason, words in refusal_cases(kit, tmp_path):
        site.offer(path, **{"name": "gestures", "version": 5, **claims})
        got, message = dev.refused(f"print(ota.update({site.url!r}))  # {case}")
        assert (got, words in message) == (reason, True), f"{case}: refused as {got}: {message}"
        assert show(dev) == before, f"{case}: the old model changed"
        st = json.loads(dev.ok("import tinyml.ota as ota, json\nprint(json.dumps(ota.status()))"))
        assert st["seq"] == seq and st["version"] == 2, f"{case}: the state changed: {st}"
    # a device that trusts no key refuses everything
    bare = UnixDevice(tmp_path / "bare")
    site.offer(kit.sign("gestures", 5))
    reason, message = bare.refused(f"ota.update({site.url!r}, name='gestures')")
    assert reason == "key" and "trusts no signing key" in message
    # the refusals were reported to the server
    reports = [json.loads(ln) for ln in (site.folder / fleet.REPORTS).read_text().splitlines()]
    assert {r.get("reason") for r in reports if r.get("status") == "refused"} >= {"key", "signature", "version",
                                                                                  "selftest", "memory"}


def test_download_cut_off_midway(kit: Kit, site: Site, v1_home: Path, tmp_path: Path) -> None:
    """A server that announces the whole bundle and closes the connection half way."""
    dev = fresh(v1_home, tmp_path)
    data = kit.sign("gestures", 2).read_bytes()
    manifest = json.dumps({"format": 1, "models": [{"name": "gestures", "version": 2, "file": "g.tmlb",
                                                   "bytes": len(data)}]}).encode()
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    sent = []

    def serve_cut() -> None:
        for _ in range(2):
            conn, _ = listener.accept()
            with conn:
                request = b""
                while b"\r\n\r\n" not in request:  # the whole request, then the answer
                    request += conn.recv(4096)
                request = request.split(b" ")[1]
                body = manifest if request.endswith(b"manifest.json") else data
                half = len(body) if body is manifest else len(body) // 2
                conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:half])
                sent.append(half)

    t = threading.Thread(target=serve_cut, daemon=True)
    t.start()
    try:
        reason, message = dev.refused(f"ota.update('http://127.0.0.1:{port}/', report=False)")
    finally:
        t.join(10)
        listener.close()
    assert reason == "truncated", message
    assert f"cut off: {len(data) // 2} of {len(data)} bytes" in message
    assert sent[-1] == len(data) // 2
    assert show(dev)[:2] == ("gestures", 1)
    site.offer(kit.sign("gestures", 2))
    dev.ok(f"import tinyml.ota as ota\nota.update({site.url!r})")
    assert show(dev) == ("gestures", 2, kit.expected(X).hex())


@pytest.mark.parametrize("step", STEPS)
def test_power_cut_between_steps(kit: Kit, site: Site, v1_home: Path, tmp_path: Path, step: str) -> None:
    """SIGKILL at each step of an update: the restarted device runs version 1 or 2, signed and self-tested,
    and the next update completes."""
    dev = fresh(v1_home, tmp_path)
    site.offer(kit.sign("gestures", 2))
    steps = dev.crash_at(f"ota.update({site.url!r})", step)
    assert steps == STEPS[:STEPS.index(step) + 1]
    name, version, y = show(dev)  # the restart: ota.model() verifies the signature and runs the self-test
    assert (name, y) == ("gestures", kit.expected(X).hex())
    assert version == (2 if STEPS.index(step) > STEPS.index("record_half") else 1), f"crash at {step}"
    records = [dev.home / "ota" / f"state{i}" for i in (0, 1)]
    if step == "record_half":  # the torn record is there, and ignored
        torn = [p for p in records if p.exists() and p.read_bytes().count(b"\n") < 2]
        assert len(torn) == 1
    out = dev.ok(f"import tinyml.ota as ota\nprint(ota.update({site.url!r})['status'])")
    assert out.split()[-1] == ("updated" if version == 1 else "current")
    assert show(dev)[:2] == ("gestures", 2)


def _install_v2(kit: Kit, site: Site, v1_home: Path, tmp_path: Path) -> UnixDevice:
    dev = fresh(v1_home, tmp_path)
    site.offer(kit.sign("gestures", 2))
    dev.ok(f"import tinyml.ota as ota\nota.update({site.url!r})")
    assert show(dev)[:2] == ("gestures", 2)
    return dev


@pytest.mark.parametrize("damage", ["self-test", "signature"])
def test_rollback_at_start(kit: Kit, site: Site, v1_home: Path, tmp_path: Path, damage: str) -> None:
    """The active model fails at start-up (a firmware that computes differently: a signed bundle whose
    self-test fails; a damaged file: its signature): ota.model() rolls back to the previous one and
    records why; the failed version is never installed again, a newer one is."""
    dev = _install_v2(kit, site, v1_home, tmp_path)
    slot_b = dev.home / "ota" / "b.tmlb"
    if damage == "self-test":
        kit.sign("gestures", 2, file="b-bad.tmlb",
                 tamper=lambda cases: [(i, bytes([o[0] ^ 1]) + o[1:]) for i, o in cases])
        shutil.copyfile(kit.folder / "b-bad.tmlb", slot_b)
    else:
        _flip(slot_b, len(slot_b.read_bytes()) - 3, slot_b)
    out = dev.ok(SHOW + "import json\nprint(json.dumps(ota.status()))")
    assert "rolled back to gestures version 1" in out
    assert f"MODEL gestures 1 {kit.expected(X).hex()}" in out
    st = json.loads(out.splitlines()[-1])
    assert st["slot"] == "a" and st["rolled_back"]["from"] == 2 and st["floors"]["gestures"] == 2
    assert ("self-test case" if damage == "self-test" else "bad signature") in st["rolled_back"]["reason"]
    assert show(dev)[:2] == ("gestures", 1)  # and it stays rolled back
    site.offer(kit.sign("gestures", 2))  # not offered as newer: the device does not take it again
    assert "'status': 'current'" in dev.ok(f"import tinyml.ota as ota\nprint(ota.update({site.url!r}, report=False))")
    site.offer(kit.sign("gestures", 2), version=9)  # nor when the manifest says it is
    assert dev.refused(f"ota.update({site.url!r}, report=False)")[0] == "version"
    site.offer(kit.sign("gestures", 3))
    dev.ok(f"import tinyml.ota as ota\nota.update({site.url!r}, report=False)")
    assert show(dev)[:2] == ("gestures", 3)


def test_power_cut_during_rollback(kit: Kit, site: Site, v1_home: Path, tmp_path: Path) -> None:
    dev = _install_v2(kit, site, v1_home, tmp_path)
    slot_b = dev.home / "ota" / "b.tmlb"
    _flip(slot_b, 200, slot_b)
    steps = dev.crash_at("ota.model()", "record_half")
    assert steps == ["loaded", "commit", "record_half"]  # the other slot's model loaded, then the record
    assert show(dev)[:2] == ("gestures", 1)


def test_no_model_yet_and_keys(kit: Kit, tmp_path: Path) -> None:
    dev = UnixDevice(tmp_path / "new")
    r = dev.run("import tinyml.ota as ota\nota.model()")
    assert r.returncode != 0 and "no model installed by tinyml.ota yet" in r.stdout + r.stderr
    out = dev.ok(f"import tinyml.ota as ota\nprint(ota.trust({kit.public.hex()!r}))\n"
                 f"print(ota.trust({kit.other_public!r}))\nprint(ota.status()['keys'])")
    assert out.split("\n")[0] == kit.public[:8].hex()
    assert sorted([kit.public[:8].hex(), kit.other_public[:8].hex()]) == sorted(ast.literal_eval(out.splitlines()[-1]))
    (dev.home / "ota" / "keys" / "bad.pub").write_text("xyz\n")
    r = dev.run("import tinyml.ota as ota\nota.keys()")
    assert r.returncode != 0 and "bad.pub: not a public key" in r.stdout + r.stderr


def _two_in_two_out() -> bytes:
    """ADD and MUL of two int8 inputs: a model with two inputs and two outputs."""
    from tflite_builder import ModelBuilder

    b = ModelBuilder()
    x = b.tensor("x", (1, 6), np.int8, scale=0.05, zero_point=3)
    z = b.tensor("z", (1, 6), np.int8, scale=0.04, zero_point=-2)
    s = b.tensor("s", (1, 6), np.int8, scale=0.1, zero_point=1)
    p = b.tensor("p", (1, 6), np.int8, scale=0.02, zero_point=0)
    b.op("ADD", [x, z], [s])
    b.op("MUL", [x, z], [p])
    b.inputs([x, z])
    b.outputs([s, p])
    return b.build()


def test_switch_to_a_model_with_two_inputs_and_outputs(kit: Kit, site: Site, v1_home: Path, tmp_path: Path) -> None:
    """update(url, name=...) changes models; the self-test feeds several inputs and checks several outputs."""
    dev = fresh(v1_home, tmp_path)
    model = _two_in_two_out()
    site.offer(kit.sign("pair", 1, model=model, tests=3))
    out = dev.ok(f"import tinyml.ota as ota\nprint(ota.update({site.url!r}, name='pair')['status'])\n"
                 "m = ota.model()\nprint(m.name, m.version, len(m.inputs), len(m.outputs))")
    assert out.split() == ["updated", "pair", "1", "2", "2"]
    # a wrong expected byte in the second output is caught
    site.offer(kit.sign("pair", 2, model=model, tests=3,
                        tamper=lambda cases: [(i, o[:-1] + bytes([o[-1] ^ 1])) for i, o in cases]))
    reason, message = dev.refused(f"ota.update({site.url!r})")
    assert reason == "selftest" and "output byte 11" in message


def test_keys_from_a_module(kit: Kit, site: Site, tmp_path: Path) -> None:
    """`tinyml keygen --module` writes tinyml_keys.py, which a firmware freezes: a device trusts its KEYS
    (here importable from the device's folder, as a frozen module is) with no key file."""
    r = subprocess.run([sys.executable, "-m", "tinyml_tools", "keygen", "frozen", "--module", "--dir", str(tmp_path)],
                       capture_output=True, text=True, env=ENV, timeout=120, check=False)
    assert r.returncode == 0, r.stderr
    key = bundle.load_private_key(tmp_path / "frozen.pem")
    dev = UnixDevice(tmp_path / "dev")
    shutil.copyfile(tmp_path / "tinyml_keys.py", dev.home / "tinyml_keys.py")
    out = dev.ok("import tinyml.ota as ota\nprint(ota.status()['keys'])")
    assert bundle.public_key_bytes(key)[:8].hex() in out and not (dev.home / "ota" / "keys").exists()
    site.offer(kit.sign("gestures", 1, key=key, file="frozen-key.tmlb"))
    dev.ok(f"import tinyml.ota as ota\nota.update({site.url!r}, name='gestures')")
    assert show(dev) == ("gestures", 1, kit.expected(X).hex())
