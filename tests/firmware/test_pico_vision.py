"""A vision model that does not fit RPI_PICO's heap without the planner runs there from ROMFS (issue 15).

The model: mcunet_pico_r144 (tests/bench/vision_models.py), an int8 MCUNet-like network at 144 px from
random weights, built with TensorFlow into build/models/ once and kept there. Its first stage expands a
72x72x8 map six times (248,832 B), so the plain plan (the core's TML_LOAD_NO_PATCHES | TML_LOAD_NO_INPLACE,
what the loader did before the planner) needs an arena larger than the Pico's whole GC heap
(board.json "heap_bytes"), while the planner, which runs that stage band by band, needs about half of it.

  test_plan_fits_pico   host: the figures from the core (plain arena > heap, planned arena + metadata
                        < heap, with margins), and the host core's outputs (ref and cmsis-nn backends,
                        planned and plain) byte-equal to tflite-micro's on the seeded input
  test_pico_vision      RPI_PICO in rp2040js: the model and its .io file in a ROMFS image written into
                        the board's ROMFS flash partition (as tests/firmware/test_device.py does), then
                        tests/device/t_romfs.py (test_romfs.py's runner) in /rom: loaded in place, heap
                        drop within arena + metadata, output byte-equal to tflite-micro's; the arena the
                        device reports equals the host core's planned arena (cmsis-nn, the Pico's backend)
                        and is smaller than the heap it had free before the load, which the plain arena
                        is not (nor would the model's bytes be, read from a file beside the planned
                        arena: it runs from flash); and Model(..., patches=False) raises MemoryError
                        naming the plain arena's bytes.
Without TensorFlow and no cached model the file skips with one line; the device test also skips without the
RPI_PICO image or the emulator (rp2040js), as test_romfs.py does. The figures are printed (pytest -s).
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for _p in (str(HERE), str(ROOT / "host_tools"), str(ROOT / "tests" / "bench")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import device_data  # after the sys.path setup
import test_romfs
import vision_models
from devrun import SerialTarget
from tinyml_tools import boards, romfs

BOARD = "RPI_PICO"
NAME = "mcunet_pico_r144"
BOARD_JSON = ROOT / "boards" / BOARD / "board.json"
CASES = 1  # one inference in rp2040js (seconds each); the host checks run the same input
MARGIN = 0.1  # "clearly": the plain arena at least 10% above the heap, the planned RAM at least 10% below


@dataclass
class Pico:
    path: Path                 # the model file
    data: bytes
    files: dict[str, bytes]    # the ROMFS image's files
    checks: int                # what t_romfs.py counts with them
    image: bytes               # the ROMFS image
    x: np.ndarray              # case 0's input and tflite-micro's output (the .io file)
    want: bytes
    board: dict


MODEL = vision_models.DEFAULT_OUT / f"{NAME}.tflite"  # built once, kept (as make bench-tflm-vision keeps it)


def _have_tf() -> bool:
    try:
        return importlib.util.find_spec("tensorflow") is not None
    except ValueError:  # sys.modules["tensorflow"] is None: imports of it fail
        return False


if not MODEL.exists() and not _have_tf():
    pytest.skip(f"##### TensorFlow is not installed (pip install -e './host_tools[convert]', as .ci/run does): "
                f"{NAME}, the RPI_PICO vision model, cannot be built", allow_module_level=True)


def _model() -> Path:
    if not MODEL.exists():
        vision_models.ensure([NAME], vision_models.DEFAULT_OUT)
    return MODEL


@pytest.fixture(scope="module")
def pico(tmp_path_factory: pytest.TempPathFactory) -> Pico:
    path = _model()
    tmp = tmp_path_factory.mktemp("pico_vision")
    files, checks = test_romfs.romfs_files(tmp, path, cases=CASES)
    data = files[path.name]
    entry = next(m for m in json.loads(files["manifest.json"])["models"] if m["name"] == NAME)
    (n_in,), (n_out,) = entry["in_bytes"], entry["out_bytes"]
    io = files[f"{NAME}.io"]
    x = np.frombuffer(io[:n_in], dtype=np.int8).reshape(entry["in_shape"][0])
    image = romfs.build(files)
    board = json.loads(BOARD_JSON.read_text())
    print(f"{NAME}: {len(data)} B, {sum(entry['macs'])} MACs; ROMFS image {len(image)} of "
          f"{board['romfs']['bytes']} B")
    return Pico(path, data, files, checks, image, x, io[n_in:n_in + n_out], board)


def _core():
    core = device_data._core()
    if core is None:
        pytest.skip("the host core library is not built (make host-lib)")
    return core


@pytest.fixture
def loaded() -> Iterator[list]:
    models: list = []
    yield models
    for m in models:
        m.close()


def _load(core, data: bytes, backend: str, flags: int, keep: list):
    keep.append(core.Model(data, backend=backend, flags=flags))
    return keep[-1]


def plans(core, data: bytes, keep: list, backend: str = "cmsis-nn") -> tuple:
    """(plain model, planned model) of `backend`."""
    plain = _load(core, data, backend, core.LOAD_NO_PATCHES | core.LOAD_NO_INPLACE, keep)
    return plain, _load(core, data, backend, 0, keep)


def test_plan_fits_pico(pico: Pico, loaded: list) -> None:
    core = _core()
    heap = pico.board["heap_bytes"]
    backends = [b for b in ("ref", "cmsis-nn", "armv6m") if b in core.backends()]
    for backend in backends:
        plain, planned = plans(core, pico.data, loaded, backend)
        print(f"{NAME} ({backend}, host, 64-bit metadata): plain arena {plain.arena_size} + metadata "
              f"{plain.persistent_size}, planned arena {planned.arena_size} + metadata {planned.persistent_size}; "
              f"{BOARD} heap {heap}")
        # the arena alone: the host's metadata (64-bit pointers) is larger than the Pico's
        assert plain.arena_size > heap * (1 + MARGIN), \
            f"{backend}: the plain plan's arena ({plain.arena_size} B) is not clearly above {BOARD}'s heap ({heap} B)"
        assert planned.arena_size + planned.persistent_size < heap * (1 - MARGIN), \
            f"{backend}: the planned RAM ({planned.arena_size} + {planned.persistent_size} B) is not clearly below " \
            f"{BOARD}'s heap ({heap} B)"
        for m, plan in ((planned, "planned"), (plain, "plain")):
            (y,) = m.invoke(pico.x)
            assert y.tobytes() == pico.want, f"{backend}, {plan}: the host core's output differs from tflite-micro's"


_HEAP = re.compile(r"heap: (\S+) drop (\d+) arena (\d+) metadata (\d+) ")
_PREDICT = re.compile(r"predict: (\S+) case 0 us (\d+)")

# Model(..., patches=False): the plain plan (no band-by-band stage; in place changes nothing for this model)
_PLAIN_LOAD = """import gc, tinyml
gc.collect()
try:
    tinyml.Model({path!r}, patches=False)
    print('LOADED')
except MemoryError as e:
    print('MemoryError', e)
"""


def test_pico_vision(pico: Pico, tmp_path: Path, loaded: list) -> None:
    from tinyml_tools import rp2040

    core = _core()
    uf2 = test_romfs.IMAGES / BOARD / "firmware.uf2"
    if not uf2.exists():
        pytest.skip(f"{BOARD}: no image {uf2.relative_to(ROOT)}: run 'make firmware BOARD={BOARD}'")
    why = rp2040.missing()
    if why:
        pytest.skip(f"{BOARD}: {why}")
    # the host library that plans as the Pico's firmware (cmsis-nn with the ARMv6-M kernels: their scratch)
    host = boards.host_backend(pico.board)
    assert host == "armv6m"
    if host not in core.backends():
        pytest.skip(f"{BOARD}: the host core's {host} library (the Pico's kernels) is not built: make deps host-lib")
    plain, planned = plans(core, pico.data, loaded, host)
    # NO_PATCHES alone (patches=False) is the plain plan for this model
    no_patches = _load(core, pico.data, host, core.LOAD_NO_PATCHES, loaded)
    assert no_patches.arena_size == plain.arena_size
    flash = tmp_path / "pico.flash"
    rp2040.program(flash, uf2)
    rp2040.write_flash(flash, int(str(pico.board["romfs"]["address"]), 0) - rp2040.FLASH_BASE, pico.image)
    rom = f"/rom/{pico.path.name}"
    with rp2040.session(BOARD, flash=flash) as b, closing(SerialTarget(b.pty)) as dev:
        free = int(dev.exec("import gc\ngc.collect()\nprint(gc.mem_free())").split()[-1])
        assert plain.arena_size > free
        lines = test_romfs._run(dev, pico.checks, BOARD)
        heap = next((m for m in map(_HEAP.match, lines) if m and m[1] == rom), None)
        assert heap is not None, "t_romfs.py printed no heap line for the model:\n" + "\n".join(lines)
        drop, arena, metadata = map(int, heap.groups()[1:])
        us = next(int(m[2]) for m in map(_PREDICT.match, lines) if m and m[1] == rom)
        # the plan is active on the device: the host core's planned arena (pointers are not in the arena)
        assert arena == planned.arena_size, f"{BOARD}: arena {arena} B, the host core plans {planned.arena_size} B"
        assert metadata < planned.persistent_size  # 32-bit records
        assert arena + metadata < free < plain.arena_size
        # read from a file instead, the model's bytes would not fit beside them: it runs from flash
        assert len(pico.data) + arena + metadata > free
        out = dev.exec(_PLAIN_LOAD.format(path=rom), timeout=120).strip()
    stats = b.stats()
    print(f"{BOARD}: {NAME} from /rom: heap {free} B free, drop {drop} B (arena {arena} + metadata {metadata}); "
          f"plain arena {plain.arena_size} B; one inference {us} us in rp2040js = {us * 125} cycles at 125 MHz"
          + (f"; emulator {stats['cycles'] / stats['wall'] / 1e6:.1f} M cycles/s" if stats else ""))
    assert out.startswith("MemoryError") and str(plain.arena_size) in out, \
        f"{BOARD}: Model({rom!r}, patches=False) should raise MemoryError naming {plain.arena_size} bytes: {out}"
