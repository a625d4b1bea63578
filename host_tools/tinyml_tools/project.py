"""Where the tinyml project checkout is, for what only it has.

`tinyml inspect` and `tinyml infer` need nothing but this package (its host library and the
board definitions are built into it). Flashing, the emulated boards and the firmware sizes
need the checkout: the images `make firmware` builds (firmware/images/), the emulators'
files (tests/rp2040/, board overlays) and the emulated boards' state (build/). It is:

  1. $TINYML_ROOT, when set;
  2. the checkout this package runs from (`pip install -e host_tools`, or PYTHONPATH=host_tools);
  3. the current folder or the nearest parent of it that is a checkout (has firmware/versions.mk
     and boards/): a package installed from a wheel finds the checkout it is run in.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def is_checkout(path: Path) -> bool:
    return (path / "firmware" / "versions.mk").is_file() and (path / "boards").is_dir()


def find_root() -> Path | None:
    """The project checkout (see the module's doc), or None."""
    env = os.environ.get("TINYML_ROOT")
    if env:
        return Path(env).resolve()
    source = PACKAGE_DIR.parents[1]
    if is_checkout(source):
        return source
    try:
        here = Path.cwd().resolve()
    except OSError:
        return None
    return next((p for p in (here, *here.parents) if is_checkout(p)), None)


FOUND = find_root()
# Paths under ROOT name where things would be; without a checkout they do not exist, and
# the messages about them add not_found_hint().
ROOT = FOUND or Path.cwd()


def not_found_hint() -> str:
    """'' in a checkout; otherwise one sentence on how to point the tool at one."""
    if FOUND is not None:
        return ""
    return (" (no tinyml checkout here: run tinyml inside the tinyml-micropython folder, "
            "or set TINYML_ROOT to it)")


def bundled_boards() -> Path:
    """The board definitions built into the package (boards/*/board.json of the checkout it was built from)."""
    return PACKAGE_DIR / "boards"
