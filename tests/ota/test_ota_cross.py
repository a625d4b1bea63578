"""The bundle verifier (usermod/tinyml/ota/, held to -Wall -Wextra -Werror like the core) and Monocypher compile
for the cores the firmware targets that are not built as images here: Xtensa (the ESP32 boards' family:
Debian's xtensa-lx106 compiler, as tests/cross/ uses) and RISC-V (rv32imc). (The Arm boards' images
compile it: MPS2_AN500, NETDUINO_PLUS_2, RPI_PICO.)"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TARGETS = {
    "xtensa-lx106": ["xtensa-lx106-elf-gcc", "-mlongcalls", "-isystem", "/usr/lib/xtensa-lx106-elf/include"],
    "rv32imc": ["riscv64-unknown-elf-gcc", "--specs=picolibc.specs", "-march=rv32imc", "-mabi=ilp32"],
}


def monocypher() -> Path:
    versions = (ROOT / "firmware" / "versions.mk").read_text()
    version = re.search(r"^MONOCYPHER_VERSION\s*:=\s*(\S+)", versions, re.MULTILINE)
    assert version
    deps = Path(os.environ.get("TINYML_DEPS") or Path.home() / ".cache" / "tinyml")
    return Path(os.environ.get("MONOCYPHER_DIR") or deps / f"Monocypher-{version.group(1)}")


@pytest.mark.parametrize("target", list(TARGETS))
def test_verifier_compiles(target: str, tmp_path: Path) -> None:
    cc = TARGETS[target]
    if shutil.which(cc[0]) is None:
        pytest.skip(f"{cc[0]} is not installed")
    mono = monocypher() / "src"
    if not (mono / "optional" / "monocypher-ed25519.c").exists():
        pytest.skip(f"Monocypher not in {mono.parent}: run 'make deps'")
    inc = [f"-I{mono}", f"-I{mono / 'optional'}"]
    own = ["-std=c99", "-Os", "-Wall", "-Wextra", "-Werror", "-fwrapv", "-ffp-contract=off"]
    # Monocypher (third-party, built with the ports' own warning flags) at -O0: compiling it is the check here
    for src, flags in ((ROOT / "usermod/tinyml/ota/tml_bundle.c", own), (mono / "monocypher.c", ["-O0"]),
                       (mono / "optional/monocypher-ed25519.c", ["-O0"])):
        r = subprocess.run([*cc, *flags, *inc, "-c", str(src), "-o", str(tmp_path / (src.stem + ".o"))],
                           capture_output=True, text=True, check=False, timeout=300)
        assert r.returncode == 0, f"{src.name} for {target}:\n{r.stderr[-3000:]}"
