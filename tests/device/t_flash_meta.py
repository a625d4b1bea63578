"""Flash metadata beside models in ROMFS: tinyml.Model("/rom/NAME") reads /rom/NAME.tmx in place.

Run by tests/firmware/test_device_flash_meta.py with /rom as the current folder: the ROMFS image holds the models of
manifest.json ("models"; "config": the configuration id the blobs were written for, which
tinyml.flash_meta_config() must give), each with its .io file and NAME.tflite.tmx (written on the host for this board's
build), a copy of one blob with one bit flipped (bad.tmx), manifest.json and dtest.py. Per model:
  - loaded with flash_meta=False: no blob (flash_meta None); then as loaded by default: the blob used;
    the heap drop lower by at least the RAM the core reports saved (arena + metadata) less SLACK, and
    by at least entry["min_saved"] (what the host library measures on the board's build);
  - outputs byte-equal to the reference (tflite-micro) with and without it;
  - the bit-flipped blob (flash_meta="bad.tmx", first model): ignored, saying why, outputs unchanged.
Prints one "flash_meta:" line per model (the measured figures).
"""

import gc

import dtest
import tinyml

# the GC's 16-byte block rounding of the allocations the two loads make differently
SLACK = 64


class RomCases(dtest.Cases):
    def __init__(self, entry):
        self.entry = entry
        self.file = open(entry["name"] + ".io", "rb")  # noqa: SIM115 - kept open: the cases point into it
        self.cases = dtest.split_cases(entry, memoryview(self.file))


def load(path, **kw):
    gc.collect()
    before = gc.mem_free()
    m = tinyml.Model(path, **kw)
    gc.collect()
    return m, before - gc.mem_free()


def outputs_ok(name, m, entry, cases):
    ok = True
    for c in range(entry["cases"]):
        ok = dtest.same(m.predict(cases.x(c)), cases.y(c)) and ok
    return ok


def main():
    manifest = dtest.manifest()
    dtest.check("tinyml.flash_meta_config() is the blobs' configuration",
                tinyml.flash_meta_config() == manifest["config"], hex(tinyml.flash_meta_config()))
    for k, entry in enumerate(manifest["models"]):
        name, path = entry["name"], "/rom/" + entry["file"]
        cases = RomCases(entry)
        m0, drop0 = load(path, flash_meta=False)
        ram0 = m0.arena_size + m0.persistent_size
        dtest.check(name + " without: no flash metadata", m0.flash_meta is None, repr(m0.flash_meta))
        dtest.check(name + " without: outputs", outputs_ok(name, m0, entry, cases), "differ from the reference")
        m0.free()
        del m0
        m1, drop1 = load(path)
        ram1 = m1.arena_size + m1.persistent_size
        print("flash_meta:", name, "heap drop", drop0, "->", drop1, "arena + metadata", ram0, "->", ram1,
              "status", m1.flash_meta)
        dtest.check(name + " .tmx used", m1.flash_meta == "used", repr(m1.flash_meta))
        dtest.check(name + " with .tmx: outputs", outputs_ok(name, m1, entry, cases), "differ from the reference")
        dtest.check(name + " with .tmx: heap drop lower by the RAM saved",
                    drop0 - drop1 >= ram0 - ram1 - SLACK and ram0 - ram1 >= entry["min_saved"],
                    f"drop {drop0} -> {drop1}, arena + metadata {ram0} -> {ram1}, expected >= {entry['min_saved']}")
        m1.free()
        del m1
        if k == 0:
            m2, _ = load(path, flash_meta="bad.tmx")
            dtest.check(name + " bit-flipped .tmx ignored", (m2.flash_meta or "").startswith("ignored: corrupt"),
                        repr(m2.flash_meta))
            dtest.check(name + " bit-flipped .tmx: outputs", outputs_ok(name, m2, entry, cases), "differ")
            m2.free()
            del m2
        gc.collect()
    dtest.done()


main()
