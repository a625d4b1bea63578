"""tinyml.ota: over-the-air model updates, signed, versioned, atomic, with rollback.

    import tinyml.ota as ota
    m = ota.model()                       # the active model: signature checked, self-tested (else rolled back)
    ota.check("http://host:8000/")        # what the server's manifest offers for this device's model
    ota.update("http://host:8000/")       # download, verify, load, self-test, then switch; report to the server
    ota.status()                          # name, version, slot, ...

A bundle (made by `tinyml sign`) holds a .tflite, its name and version, a self-test (inputs and the
output bytes the host core computed) and an Ed25519 signature over all of it. update() streams it
into the inactive one of two slot files while the C verifier (_tinyml_ota) hashes it, checks the
signature against a trusted key, loads the model, runs the self-test, and only then switches: one
state record, written to the older of two record files, names the active slot. A power cut at any
point leaves the old model or the new one active, never neither. Boards without a network take
bundles over their serial line: `tinyml deploy BUNDLE --port P` runs receive() here.

Trusted keys: the KEYS tuple of a module `tinyml_keys` frozen into the firmware, and the files
ROOT/keys/*.pub (64 hex digits each; trust() writes one). ROOT is /ota (./ota on the unix port).
"""

import gc
import json
import os
import sys

import tinyml

try:
    import _tinyml_ota
except ImportError:
    raise ImportError("this firmware has no over-the-air update support (built with TINYML_OTA=0, or without "
                      "Monocypher: make deps, then make firmware)") from None

ROOT = "ota" if sys.platform in ("linux", "darwin") else "/ota"
SLOTS = ("a", "b")
CHUNK = 1024  # bytes read, hashed and written at a time
STALL_MS = 2000  # receive(): a sender silent this long has gone
_ITEM = {"int8": 1, "uint8": 1, "bool": 1, "int16": 2, "uint16": 2, "int32": 4, "uint32": 4, "float32": 4,
         "int64": 8, "uint64": 8}


class UpdateError(Exception):
    """An update refused or failed; the active model is unchanged. `reason`: corrupt, format, truncated,
    too_long, key, signature, version, name, unsupported, memory, space, selftest, network, transfer."""

    def __init__(self, reason, message):
        super().__init__(message)
        self.reason = reason


def _step(name):
    """Called between the steps of an update (tests inject crashes here)."""


# ---- files and state ----------------------------------------------------------------------------

def _root(root):
    return (root or ROOT).rstrip("/") or "/"


def _mkdirs(path):
    at = ""
    for part in path.split("/"):
        at = at + "/" + part if at or path.startswith("/") else part
        if part:
            try:
                os.mkdir(at)
            except OSError:
                pass


def _exists(path):
    try:
        os.stat(path)
        return True
    except OSError:
        return False


def _read_record(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    body, _, check = data.rstrip(b"\n").rpartition(b"\n")
    if not body or check != _digest(body):
        return None  # absent, or torn by a power cut while it was written
    try:
        rec = json.loads(body)
        return rec if isinstance(rec, dict) and isinstance(rec.get("seq"), int) else None
    except ValueError:
        return None


def _digest(data):
    return _tinyml_ota.sha512(data)[:8].hex().encode()


def _records(root):
    return [_read_record(root + "/state" + str(i)) for i in (0, 1)]


def state(root=None):
    """The committed state: seq, active slot, name, version, previous, floors (per name: the newest
    version accepted), rolled_back. Empty (active None) before the first update."""
    recs = _records(_root(root))
    best = None
    for r in recs:
        if r is not None and (best is None or r["seq"] > best["seq"]):
            best = r
    return best or {"seq": 0, "active": None, "name": None, "version": 0, "previous": None, "floors": {},
                    "rolled_back": None}


def _commit(root, st):
    """Make `st` the state, atomically: written to the record file not holding the current state."""
    recs = _records(root)
    cur = 0 if recs[0] is not None and (recs[1] is None or recs[0]["seq"] > recs[1]["seq"]) else 1
    target = root + "/state" + str(1 - cur) if recs[cur] is not None else root + "/state0"
    st = dict(st)
    st["seq"] = max([r["seq"] for r in recs if r is not None] + [0]) + 1
    body = json.dumps(st).encode()
    data = body + b"\n" + _digest(body) + b"\n"
    half = len(data) // 2
    _step("commit")
    with open(target, "wb") as f:
        f.write(data[:half])
        _step("record_half")  # a power cut here leaves a torn record: ignored, the other one stands
        f.write(data[half:])
    _step("committed")
    return st


def _slot_path(root, slot):
    return root + "/" + slot + ".tmlb"


def keys(root=None):
    """The trusted public keys (32 bytes each, concatenated): frozen tinyml_keys.KEYS, then ROOT/keys/*.pub."""
    found = []
    try:
        import tinyml_keys

        found += [bytes(k) for k in tinyml_keys.KEYS]
    except ImportError:
        pass
    d = _root(root) + "/keys"
    try:
        names = sorted(os.listdir(d))
    except OSError:
        names = []
    for n in names:
        if n.endswith(".pub"):
            with open(d + "/" + n, "rb") as f:
                text = f.read().strip()
            try:
                k = bytes.fromhex(text.decode()) if len(text) == 64 else text
            except ValueError:
                k = b""
            if len(k) != 32:
                raise ValueError(d + "/" + n + ": not a public key (64 hex digits)")
            found.append(k)
    return b"".join(found)


def trust(public_key, root=None):
    """Trust a signing key from now on: 64 hex digits (a .pub file of `tinyml keygen`) or 32 bytes."""
    k = bytes.fromhex(public_key.strip()) if isinstance(public_key, str) else bytes(public_key)
    if len(k) != 32:
        raise ValueError("a public key is 32 bytes (64 hex digits)")
    d = _root(root) + "/keys"
    _mkdirs(d)
    with open(d + "/" + k[:8].hex() + ".pub", "w") as f:
        f.write(k.hex() + "\n")
    return k[:8].hex()


# ---- bundles: verify, load, self-test -------------------------------------------------------------

def _refused(v, e):
    return UpdateError(v.failure or "corrupt", str(e))


def _open(path, trusted):
    """Read a slot's bundle, verifying it as it is read: (info, model bytes, self-test bytes)."""
    v = _tinyml_ota.Verifier(trusted)
    with open(path, "rb") as f:
        head = f.read(8)
        try:
            v.update(head)
            if len(head) == 8:
                v.update(f.read((head[6] | head[7] << 8) - 8))
        except ValueError as e:
            raise _refused(v, e)
        info = v.info()
        if info is None:
            raise UpdateError("truncated", path + ": truncated bundle (" + str(len(head)) + " bytes)")
        gc.collect()
        try:
            model = bytearray(info["model_bytes"])
        except MemoryError:
            raise UpdateError("memory", "the model does not fit: " + str(info["model_bytes"]) + " bytes needed, "
                              + str(gc.mem_free()) + " free in the heap")
        n = f.readinto(model)
        tests = f.read(info["total_bytes"] - info["header_bytes"] - info["model_bytes"] + 1)
        try:
            v.update(memoryview(model)[:n or 0])
            v.update(tests)
            v.finish()
        except ValueError as e:
            raise _refused(v, e)
    return info, model, tests


def _nbytes(t):
    return t.size * _ITEM.get(t.dtype, 1)


def _load(info, model, tests):
    """The model loaded and self-tested (UpdateError unsupported, memory or selftest otherwise)."""
    try:
        m = tinyml.Model(model)
    except MemoryError as e:
        raise UpdateError("memory", "the model does not fit: " + str(e))
    except ValueError as e:
        raise UpdateError("unsupported", "this firmware cannot run the model: " + str(e))
    _step("loaded")
    count, tin, tout = info["test_count"], info["test_in_bytes"], info["test_out_bytes"]
    ins = [_nbytes(t) for t in m.inputs]
    outs = [bytearray(_nbytes(t)) for t in m.outputs]
    if count and (sum(ins) != tin or sum(len(o) for o in outs) != tout):
        raise UpdateError("selftest", "the self-test does not match the model: cases of " + str(tin) + " + "
                          + str(tout) + " bytes, the model takes " + str(sum(ins)) + " and gives "
                          + str(sum(len(o) for o in outs)))
    mv = memoryview(tests)
    for k in range(count):
        case = mv[k * (tin + tout):(k + 1) * (tin + tout)]
        x, at = [], 0
        for n in ins:
            x.append(case[at:at + n])
            at += n
        m.reset()
        try:
            m.predict_into(x[0] if len(x) == 1 else tuple(x), outs[0] if len(outs) == 1 else tuple(outs))
        except (ValueError, RuntimeError) as e:
            raise UpdateError("selftest", "self-test case " + str(k + 1) + " of " + str(count) + " failed: " + str(e))
        for o in outs:
            for i in range(len(o)):
                if o[i] != case[at + i]:
                    raise UpdateError("selftest", "self-test case " + str(k + 1) + " of " + str(count)
                                      + ": output byte " + str(at + i - tin) + " is " + str(o[i]) + ", expected "
                                      + str(case[at + i]) + " (the model does not compute here what it computed "
                                      "on the host that signed it)")
            at += len(o)
    m.reset()
    return m


def _open_slot(root, slot, trusted):
    info, model, tests = _open(_slot_path(root, slot), trusted)
    m = _load(info, model, tests)
    m.name, m.version, m.slot = info["name"], info["version"], slot
    return m


def model(root=None):
    """The active model, its bundle's signature checked and its self-test passed. If it fails (a
    firmware that runs it differently, a damaged file), the device rolls back to the other slot's
    model, when that one passes, and records why (status()['rolled_back'])."""
    root = _root(root)
    st = state(root)
    if not st["active"]:
        raise OSError("no model installed by tinyml.ota yet: run tinyml.ota.update(url), or tinyml deploy "
                      "BUNDLE --port PORT from the host")
    trusted = keys(root)
    try:
        return _open_slot(root, st["active"], trusted)
    except UpdateError as e:
        if e.reason == "memory":
            raise MemoryError(str(e))  # not the model's fault: no rollback
        first = e
    except OSError as e:
        first = e
    gc.collect()
    other = SLOTS[1 - SLOTS.index(st["active"])]
    try:
        m = _open_slot(root, other, trusted)
    except (UpdateError, OSError) as e:
        raise OSError("no working model: " + str(st["name"]) + " version " + str(st["version"]) + " (slot "
                      + st["active"] + ") fails: " + str(first) + "; slot " + other + ": " + str(e))
    why = str(st["name"]) + " version " + str(st["version"]) + " failed: " + str(first)
    new = dict(st, active=other, name=m.name, version=m.version, previous=None,
               rolled_back={"from": st["version"], "to": m.version, "reason": why})
    floors = dict(st.get("floors") or {})
    floors[m.name] = max(floors.get(m.name, 0), m.version)
    new["floors"] = floors
    _commit(root, new)
    print("tinyml.ota: rolled back to", m.name, "version", m.version, "because", why)
    return m


def status(root=None):
    st = state(root)
    return {"name": st["name"], "version": st["version"], "slot": st["active"], "previous": st["previous"],
            "floors": st.get("floors") or {}, "rolled_back": st.get("rolled_back"), "seq": st["seq"],
            "keys": [k.hex() for k in _split(keys(root))]}


def _split(ks):
    return [ks[i:i + 8] for i in range(0, len(ks), 32)]


# ---- installing a bundle from a stream ---------------------------------------------------------------

def _space(root):
    try:
        s = os.statvfs(root)
        return s[0] * s[4]
    except (OSError, AttributeError):
        return None


def _install(read, size, root, name=None, on_received=None, chunk=CHUNK):
    """Stream `size` bytes (read(buf) fills a memoryview, returns the count) into the inactive slot,
    verifying as they come, then load, self-test and switch. Returns the new state."""
    root = _root(root)
    _mkdirs(root)
    st = state(root)
    trusted = keys(root)
    if not trusted:
        raise UpdateError("key", "this device trusts no signing key: freeze tinyml_keys.KEYS into the firmware, "
                          "or tinyml.ota.trust(public key) (tinyml deploy --trust KEY.pub)")
    slot = SLOTS[1 - SLOTS.index(st["active"])] if st["active"] else SLOTS[0]
    path = _slot_path(root, slot)
    try:
        old = os.stat(path)[6]
    except OSError:
        old = 0
    free = _space(root)
    if free is not None and size > free + old:
        raise UpdateError("space", "the bundle does not fit in the filesystem: " + str(size) + " bytes needed, "
                          + str(free + old) + " free")
    floors = st.get("floors") or {}
    v = _tinyml_ota.Verifier(trusted)
    buf = bytearray(min(chunk, size) or 1)
    mv = memoryview(buf)
    got, info = 0, None
    with open(path, "wb") as f:
        while got < size:
            want = min(len(buf), size - got)
            n = read(mv[:want])
            try:
                v.update(mv[:n])
            except ValueError as e:
                raise _refused(v, e)
            f.write(mv[:n])
            got += n
            if n < want:
                raise UpdateError("truncated", "the download was cut off: " + str(got) + " of " + str(size)
                                  + " bytes received")
            if info is None and v.info() is not None:
                info = v.info()
                _check_header(info, size, st, floors, name)
            if got == n:
                _step("downloading")
    if on_received:
        on_received()
    _step("downloaded")
    try:
        info = v.finish()
    except ValueError as e:
        raise _refused(v, e)
    _step("verified")
    del buf, mv
    gc.collect()
    info, model_bytes, tests = _open(path, trusted)  # the bytes as stored, verified again as they are read
    m = _load(info, model_bytes, tests)
    _step("selftested")
    del m, model_bytes, tests
    floors = dict(floors)
    floors[info["name"]] = info["version"]
    prev = {"slot": st["active"], "name": st["name"], "version": st["version"]} if st["active"] else None
    new = _commit(root, {"active": slot, "name": info["name"], "version": info["version"], "previous": prev,
                         "floors": floors, "rolled_back": None})
    gc.collect()
    return new


def _check_header(info, size, st, floors, name):
    if info["total_bytes"] != size:
        raise UpdateError("truncated" if info["total_bytes"] > size else "too_long", "the bundle's header announces "
                          + str(info["total_bytes"]) + " bytes, the transfer " + str(size))
    want = name or st["name"]
    if want and info["name"] != want:
        raise UpdateError("name", "the bundle is model '" + info["name"] + "', this device runs '" + want
                          + "' (update(url, name='" + info["name"] + "') to change models)")
    floor = floors.get(info["name"], 0)
    if info["version"] <= floor:
        raise UpdateError("version", info["name"] + " version " + str(info["version"]) + " is not newer than version "
                          + str(floor) + ", the newest this device has accepted (anti-rollback): sign a higher "
                          "version")
    gc.collect()
    if info["model_bytes"] > gc.mem_free():
        raise UpdateError("memory", "the model does not fit: loading it needs " + str(info["model_bytes"])
                          + " bytes of heap for the model alone, " + str(gc.mem_free()) + " are free")


def receive(size, chunk=512, root=None, name=None):
    """Take a bundle of `size` bytes from the host over the serial line (what `tinyml deploy` runs in the
    raw REPL): the device asks for each `chunk` with an ACK byte (0x06) and reads it with Ctrl-C off;
    a host that stops sending for STALL_MS ends the transfer. Prints the new state as JSON."""
    import micropython

    stdin = sys.stdin.buffer
    out = sys.stdout

    def read(mv):
        out.write("\x06")
        return _tinyml_ota.read(stdin, mv, STALL_MS)

    def restore():
        micropython.kbd_intr(3)

    micropython.kbd_intr(-1)
    try:
        new = _install(read, size, root, name, restore, chunk)
    except UpdateError as e:
        if e.reason != "truncated":
            raise
        raise UpdateError("transfer", "the host stopped sending: " + str(e).split(": ", 1)[-1]) from None
    finally:
        restore()
    print(json.dumps(new))
    return new


# ---- HTTP: manifest, download, report ---------------------------------------------------------------

def _base(url):
    return url if url.endswith("/") else url + "/"


def _get(url, timeout):
    import requests

    try:
        r = requests.get(url, timeout=timeout)
    except OSError as e:
        raise UpdateError("network", url + ": " + str(e))
    if r.status_code != 200:
        r.close()
        raise UpdateError("network", url + ": HTTP " + str(r.status_code))
    return r


def check(url, name=None, root=None, timeout=10):
    """The newest bundle the server's manifest (URL/manifest.json, written by `tinyml publish`) offers for
    this device's model (or `name`): {'name', 'version', 'url', 'bytes', 'installed', 'newer'}; None if it
    offers none."""
    st = state(root)
    r = _get(_base(url) + "manifest.json", timeout)
    try:
        manifest = r.json()
    except ValueError:
        raise UpdateError("network", _base(url) + "manifest.json: not JSON")
    models = manifest.get("models") if isinstance(manifest, dict) else None
    if not isinstance(models, list):
        raise UpdateError("network", _base(url) + "manifest.json: no 'models' list (write it with tinyml publish)")
    name = name or st["name"]
    if name is None:
        names = {m.get("name") for m in models}
        if len(names) != 1:
            raise UpdateError("name", "the server offers several models (" + ", ".join(sorted(names))
                              + "): choose one with name=")
        name = names.pop()
    best = None
    for m in models:
        if m.get("name") == name and (best is None or m["version"] > best["version"]):
            best = m
    if best is None:
        return None
    installed = st["version"] if st["name"] == name else 0
    floor = (st.get("floors") or {}).get(name, 0)
    return {"name": name, "version": best["version"], "url": _base(url) + best["file"], "bytes": best["bytes"],
            "installed": installed, "newer": best["version"] > floor}


def update(url, name=None, root=None, report=True, timeout=10):
    """Install the newest bundle the server offers, if newer than the device's. Returns the report
    ({'status': 'updated' or 'current', 'name', 'version', ...}); raises UpdateError (the active model
    unchanged) when the bundle is refused. With report=True the outcome is posted to URL/report
    (`tinyml serve` records it; `tinyml fleet` lists it)."""
    offer = None
    try:
        offer = check(url, name, root, timeout)
        if offer is None or not offer["newer"]:
            st = state(root)
            result = {"status": "current", "name": st["name"], "version": st["version"]}
        else:
            r = _get(offer["url"], timeout)
            try:
                size = int(r.headers.get("Content-Length", offer["bytes"]))
                sock = r.raw

                def read(mv):
                    got = 0
                    while got < len(mv):
                        n = sock.readinto(mv[got:])
                        if not n:
                            break
                        got += n
                    return got

                try:
                    _install(read, size, root, offer["name"])
                except OSError as e:
                    raise UpdateError("network", offer["url"] + ": " + str(e))
            finally:
                r.close()
            st = state(root)
            result = {"status": "updated", "name": st["name"], "version": st["version"],
                      "previous": (st["previous"] or {}).get("version")}
    except UpdateError as e:
        if report:
            st = state(root)
            _report(url, {"status": "refused", "reason": e.reason, "message": str(e), "name": st["name"],
                          "version": st["version"], "offered": offer and offer["version"]}, root, timeout)
        raise
    if report:
        result["reported"] = _report(url, result, root, timeout)
    return result


def device_id(root=None):
    """This device's name in fleet reports: ROOT/device if present, else a random id made once."""
    path = _root(root) + "/device"
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        pass
    try:
        tag = os.urandom(4)
    except (AttributeError, OSError):
        tag = b""
    if not any(tag):
        import time

        tag = time.ticks_us().to_bytes(4, "little")
    ident = sys.platform + "-" + tag.hex()
    _mkdirs(_root(root))
    with open(path, "w") as f:
        f.write(ident + "\n")
    return ident


def report(url, root=None, timeout=10, **fields):
    """Post this device's model and version to URL/report; True if the server recorded it."""
    st = state(root)
    body = {"status": "running", "name": st["name"], "version": st["version"]}
    body.update(fields)
    return _report(url, body, root, timeout)


def _report(url, body, root, timeout):
    import requests

    body = dict(body)
    body["device"] = device_id(root)
    body["platform"] = sys.platform
    body["tinyml"] = tinyml.version
    body["backend"] = tinyml.backend
    try:
        r = requests.post(_base(url) + "report", json=body, timeout=timeout)
        ok = r.status_code == 200
        r.close()
        _step("reported")
        return ok
    except OSError:
        return False
