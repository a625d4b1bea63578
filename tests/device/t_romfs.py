"""Models used in place, not copied into the heap: files under /rom (ROMFS) and a frozen module's const bytes.

Run by tests/firmware/test_romfs.py with /rom as the current folder: the ROMFS image holds the models of
manifest.json ("models"), their .io files, manifest.json and this helper module (dtest.py). Per model:
gc.mem_free() drops by no more than the model's arena + metadata (arena_size + persistent_size, what it
reports) + SLACK bytes when it is loaded from /rom (its file is used in place: the drop does not count
the file's bytes), and its outputs are byte-equal to the reference (tflite-micro) for every case. Then
the same for the frozen module tml_gestures (examples/gestures/manifest.py): MODEL, a const bytes
object kept in the firmware image, against manifest["frozen"]. Prints one "heap:" line per model and
one "predict:" line per case (its time by time.ticks_us: on an emulated board the emulator's clock).
"""

import gc
import time

import dtest
import tinyml

# the Python Model object (its TensorInfo lists), the binding's object (its tml_model_t and the flash
# metadata it holds), the open ROMFS file, the arena's bytearray header and the GC's 16-byte block rounding
# of each allocation: 520-528 bytes on NETDUINO_PLUS_2 and RPI_PICO
SLACK = 640


class RomCases(dtest.Cases):
    """dtest.Cases on the .io file in place (a memoryview of the ROMFS file): the cases take no heap,
    which a small board needs for the arena."""

    def __init__(self, entry):
        self.entry = entry
        self.file = open(entry["name"] + ".io", "rb")  # noqa: SIM115 - kept open: the cases point into it
        self.cases = dtest.split_cases(entry, memoryview(self.file))


def in_place(name, source, entry, cases):
    """Load tinyml.Model(source) (a path or a buffer) and check its heap drop and outputs."""
    gc.collect()
    before = gc.mem_free()
    m = tinyml.Model(source)
    gc.collect()
    drop = before - gc.mem_free()
    bound = m.arena_size + m.persistent_size + SLACK
    print("heap:", name, "drop", drop, "arena", m.arena_size, "metadata", m.persistent_size,
          "model bytes", entry["size"], "free before", before)
    dtest.check(name + " heap drop within arena + metadata + " + str(SLACK), drop <= bound,
                f"dropped {drop} bytes, bound {bound}")
    for c in range(entry["cases"]):
        x = cases.x(c)
        t = time.ticks_us()
        y = m.predict(x)
        print("predict:", name, "case", c, "us", time.ticks_diff(time.ticks_us(), t))
        dtest.check(f"{name} case {c}", dtest.same(y, cases.y(c)), "output differs from the reference")
    m.free()
    del m
    gc.collect()


def main():
    manifest = dtest.manifest()
    for entry in manifest["models"]:
        try:
            cases = RomCases(entry)
            in_place("/rom/" + entry["file"], "/rom/" + entry["file"], entry, cases)
        except Exception as e:  # noqa: BLE001 - the model's remaining checks are not counted: N is short
            print("FAIL", entry["name"], "raised:")
            import sys

            sys.print_exception(e)
            dtest.check(entry["name"], False)
    frozen = manifest["frozen"]
    try:
        import tml_gestures

        dtest.check("frozen MODEL is the model's bytes", isinstance(tml_gestures.MODEL, bytes)
                    and len(tml_gestures.MODEL) == frozen["size"], repr(type(tml_gestures.MODEL)))
        cases = RomCases(frozen)
        in_place("tml_gestures.MODEL", tml_gestures.MODEL, frozen, cases)
    except Exception as e:  # noqa: BLE001
        print("FAIL frozen raised:")
        import sys

        sys.print_exception(e)
        dtest.check("frozen", False)
    dtest.done()


main()
