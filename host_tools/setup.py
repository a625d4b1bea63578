"""Build of the tinyml-tools package: `pip install ./host_tools` (or `-e`, or `python -m build host_tools`).

Besides the Python package it compiles the tinyml C core (usermod/tinyml: core, kernels, host
shim) into plain shared libraries, loaded by tinyml_tools.core with ctypes, one per kernel
backend, at the place `make host-lib` puts them: tinyml_tools/lib/libtinyml-ref.so, and
libtinyml-cmsis-nn.so, libtinyml-armv6m.so and libtinyml-dsp.so (cmsis-nn with the ARMv6-M
kernels, as the RP2040 runs it, and with the DSP kernels, as the Cortex-M4/M7 boards run it: their
arenas) where the CMSIS-NN sources are at hand ($CMSIS_NN_DIR, else
${TINYML_DEPS:-~/.cache/tinyml}/CMSIS-NN-<version of firmware/versions.mk>, where `make deps`
clones them); without them only the ref backend is built, and the build says so in one line.
Flags are the host library's of the Makefile (-std=c99 -O2 -fwrapv -ffp-contract=off), so the
results are the same bit for bit.

The C sources, the board definitions (boards/*/board.json, installed as tinyml_tools/boards) and
firmware/versions.mk live outside host_tools/: the build reads them from the checkout around
it, and the source distribution carries a copy of them under _repo/, so a wheel built from
the sdist (what `python -m build` does) needs no checkout. `make host-lib` remains the
developers' way (with -Werror) and makes the same files.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

HERE = Path(__file__).resolve().parent
BUNDLE = "_repo"  # the copy of the checkout's files in the sdist
TML = Path("usermod", "tinyml")
C_DIRS = ("core", "kernels", "host")  # what the host library compiles (the MicroPython binding stays out)
CFLAGS = ["-std=c99", "-O2", "-fwrapv", "-ffp-contract=off", "-Wall", "-Wextra"]
JOBS = max(1, min(2, os.cpu_count() or 1))  # compiler processes at a time (TINYML_BUILD_JOBS overrides)


def repo() -> Path:
    """The checkout around host_tools/, else the copy in an unpacked sdist."""
    for cand in (HERE.parent, HERE / BUNDLE):
        if (cand / TML / "core" / "tml_core.h").is_file() and (cand / "firmware" / "versions.mk").is_file():
            return cand
    sys.exit("tinyml-tools: the C core sources are missing: build from the tinyml-micropython checkout "
             "(pip install ./host_tools) or from its source distribution")


def bundled_files(root: Path) -> list[Path]:
    """The files of the checkout the build needs, relative to it."""
    files = [p.relative_to(root) for d in C_DIRS for p in sorted((root / TML / d).rglob("*"))
             if p.suffix in (".c", ".h")]
    files += [p.relative_to(root) for p in sorted(root.glob("boards/*/board.json"))]
    return files + [Path("firmware", "versions.mk")]


def cmsis_nn_dir(root: Path) -> Path | None:
    """CMSIS-NN's sources: $CMSIS_NN_DIR, else the dependency cache's pinned version; None if absent."""
    env = os.environ.get("CMSIS_NN_DIR")
    if env:
        path = Path(env).expanduser()
    else:
        versions = (root / "firmware" / "versions.mk").read_text()
        m = re.search(r"^CMSIS_NN_VERSION\s*:?=\s*(\S+)", versions, re.MULTILINE)
        deps = Path(os.environ.get("TINYML_DEPS") or Path.home() / ".cache" / "tinyml").expanduser()
        path = deps / f"CMSIS-NN-{m.group(1) if m else 'unknown'}"
    return path if (path / "Include" / "arm_nnfunctions.h").is_file() else None


def libraries() -> list[Extension]:
    """One shared library per backend; the sources are listed when the build runs (build_lib below)."""
    return [Extension("tinyml_tools.lib.libtinyml-ref", sources=[]),
            Extension("tinyml_tools.lib.libtinyml-cmsis-nn", sources=[]),
            Extension("tinyml_tools.lib.libtinyml-armv6m", sources=[]),
            Extension("tinyml_tools.lib.libtinyml-dsp", sources=[])]


class build_lib(build_ext):
    """Compiles each backend's library as a plain shared object (no Python module: ctypes loads it)."""

    def get_ext_filename(self, fullname: str) -> str:
        parts = fullname.split(".")
        return os.path.join(*parts[:-1], parts[-1] + ".so")

    def get_export_symbols(self, ext: Extension) -> list[str]:
        return []  # not a Python module: no PyInit_ symbol

    def get_source_files(self) -> list[str]:
        return []  # outside the project folder: the sdist carries them (sdist_bundle), not the manifest

    def run(self) -> None:
        root = repo()
        tml = root / TML
        # core.mk's lists: the core, the selection table and the core-family kernels; then per backend
        # its folder's files and the portable ones they do not replace
        common = sorted(str(p) for d in ("core", "kernels/armv6m", "kernels/dsp") for p in (tml / d).glob("*.c"))
        common += [str(tml / "kernels" / "tml_select.c"), str(tml / "host" / "tml_host.c")]

        def backend(folder: str | None) -> list[str]:
            own = sorted((tml / "kernels" / folder).glob("*.c")) if folder else []
            names = {p.name for p in own}
            return [str(p) for p in own] + [str(p) for p in sorted((tml / "kernels" / "portable").glob("*.c"))
                                            if p.name not in names]

        cmsis = cmsis_nn_dir(root)
        keep = []
        for ext in self.extensions:
            if ext.name.endswith("-ref"):
                ext.sources = common + backend(None)
            elif cmsis is not None:
                third = sorted(str(p) for p in cmsis.glob("Source/*/*.c"))
                ext.sources = common + backend("cmsis_nn") + third
                ext.define_macros = [("TML_BACKEND_CMSIS_NN", None)]
                if ext.name.endswith("-armv6m"):
                    ext.define_macros.append(("TML_KERNELS_ARMV6M", "1"))
                if ext.name.endswith("-dsp"):
                    ext.define_macros.append(("TML_KERNELS_DSP", "1"))
                ext.include_dirs = [str(cmsis / "Include")]
                ext.shared_sources = set(third)  # CMSIS-NN's own files: compiled once for its libraries
            else:
                if ext.name.endswith("-cmsis-nn"):  # one line for the libraries it leaves out
                    print("tinyml-tools: CMSIS-NN not found (set CMSIS_NN_DIR, or run 'make deps'): "
                          "building the ref backend only", flush=True)
                continue
            ext.extra_compile_args = CFLAGS
            ext.libraries = ["m"]
            keep.append(ext)
        self.extensions = keep
        super().run()

    def copy_extensions_to_source(self) -> None:
        """An editable install copies the libraries into tinyml_tools/lib/, which a fresh checkout
        lacks (it is ignored by git): make it first."""
        for ext in self.extensions:
            (HERE / Path(*ext.name.split(".")[:-1])).mkdir(parents=True, exist_ok=True)
        super().copy_extensions_to_source()

    def build_extension(self, ext: Extension) -> None:
        """As build_ext does, with up to JOBS compiler processes at a time (objects in build_temp, per backend)."""
        out = self.get_ext_fullpath(ext.name)
        temp = os.path.join(self.build_temp, ext.name.rsplit(".", 1)[-1])
        macros = list(ext.define_macros)

        shared = getattr(ext, "shared_sources", set())

        def compile_one(src: str) -> list[str]:
            if src in shared:  # read none of our macros: one object serves every library that links it
                where = os.path.join(self.build_temp, "shared")
                (obj,) = self.compiler.object_filenames([src], output_dir=where)
                if os.path.exists(obj) and os.path.getmtime(obj) >= os.path.getmtime(src):
                    return [obj]
                return self.compiler.compile([src], output_dir=where, include_dirs=ext.include_dirs,
                                             extra_postargs=ext.extra_compile_args)
            return self.compiler.compile([src], output_dir=temp, macros=macros, include_dirs=ext.include_dirs,
                                         extra_postargs=ext.extra_compile_args, depends=ext.depends)

        jobs = int(os.environ.get("TINYML_BUILD_JOBS") or JOBS)
        print(f"tinyml-tools: compiling {len(ext.sources)} files for {os.path.basename(out)}", flush=True)
        with ThreadPoolExecutor(jobs) as pool:
            objects = [o for objs in pool.map(compile_one, ext.sources) for o in objs]
        os.makedirs(os.path.dirname(out), exist_ok=True)
        self.compiler.link_shared_object(objects, out, libraries=ext.libraries, target_lang="c")


class build_py_boards(build_py):
    """The package plus the checkout's board definitions as tinyml_tools/boards/<NAME>/board.json
    (an editable install reads the checkout's boards/ directly)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        root = repo()
        for src in sorted(root.glob("boards/*/board.json")):
            dest = Path(self.build_lib, "tinyml_tools", "boards", src.parent.name, "board.json")
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)


class sdist_bundle(sdist):
    """The sdist with the checkout's C sources, board definitions and versions.mk under _repo/."""

    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, files)
        root = repo()
        for rel in bundled_files(root):
            dest = Path(base_dir, BUNDLE, rel)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / rel, dest)


setup(ext_modules=libraries(), cmdclass={"build_ext": build_lib, "build_py": build_py_boards, "sdist": sdist_bundle})
