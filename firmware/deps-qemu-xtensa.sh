#!/usr/bin/env bash
# qemu-system-xtensa with the ESP32 (LX6) and ESP32-S3 (LX7) core configurations, for the bare-metal
# Xtensa tests (tests/xtensa). Part of the opt-in `make deps-esp32`; cached in $TINYML_DEPS:
#
#   firmware/deps-qemu-xtensa.sh   ->  $TINYML_DEPS/qemu-xtensa-esp/bin/qemu-system-xtensa -cpu esp32|esp32s3
#                                      $TINYML_DEPS/qemu-xtensa-esp/cores/<core>/core-isa.h (memory map, vectors)
#
# QEMU's source is Debian's, of the installed qemu-system-misc's version (apt-get source through a
# private apt configuration holding deb-src twins of the machine's apt sources: /etc/apt is not
# touched; dpkg-source applies Debian's patches). The cores come from Espressif's xtensa-overlays at
# the pinned commit, imported by QEMU's own target/xtensa/import_core.sh at a 1 GHz core clock, so
# that under -icount shift=0 (1 ns per instruction) CCOUNT counts instructions. Only the
# xtensa-softmmu target is built, without optional features. One line per step with its time.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEPS=${TINYML_DEPS:-$HOME/.cache/tinyml}
# pins: firmware/versions.mk's when it has them (the toolchain build uses the same overlay commit)
if [ -f "$ROOT/firmware/versions.mk" ]; then
    eval "$(sed -n 's/^\(XTENSA_OVERLAYS_URL\|XTENSA_OVERLAYS_VERSION\)[ ]*:\{0,1\}=[ ]*\([^ ]*\)[ ]*$/: "${\1:=\2}"/p' "$ROOT/firmware/versions.mk")"
fi
: "${XTENSA_OVERLAYS_URL:=https://github.com/espressif/xtensa-overlays}"
: "${XTENSA_OVERLAYS_VERSION:=dd1cf19f6eb327a9db51043439974a6de13f5c7f}"
CORES="esp32 esp32s3"
CLOCK_KHZ=1000000
OUT=$DEPS/qemu-xtensa-esp
SRC=$OUT/src
APT_NEEDED="qemu-system-misc meson ninja-build pkg-config libglib2.0-dev libpixman-1-dev libfdt-dev dpkg-dev git"

say() { echo "deps-qemu-xtensa: $*"; }
step() { # step NAME COMMAND...: run, then one line with the time it took
    local name=$1 t0=$SECONDS
    shift
    "$@"
    say "$name ($((SECONDS - t0)) s)"
}

QEMU_VERSION=$(dpkg-query -W -f='${source:Version}' qemu-system-misc 2>/dev/null || true)
STAMP="qemu $QEMU_VERSION overlays $XTENSA_OVERLAYS_VERSION cores $CORES clock $CLOCK_KHZ script $(sha256sum "$0" | cut -c1-16)"
if [ -x "$OUT/bin/qemu-system-xtensa" ] && [ "$(cat "$OUT/.stamp" 2>/dev/null)" = "$STAMP" ]; then
    say "up to date in $OUT ($STAMP)"
    exit 0
fi

packages() {
    local missing="" p
    for p in $APT_NEEDED; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
    else
        say "please run: sudo apt-get install -y$missing"
        exit 1
    fi
}
step "Debian packages: $APT_NEEDED" packages
QEMU_VERSION=$(dpkg-query -W -f='${source:Version}' qemu-system-misc)
STAMP="qemu $QEMU_VERSION overlays $XTENSA_OVERLAYS_VERSION cores $CORES clock $CLOCK_KHZ script $(sha256sum "$0" | cut -c1-16)"

rm -rf "$SRC" "$OUT/.stamp"
mkdir -p "$SRC"

# deb-src twins of the machine's apt sources, in a private apt configuration
source_package() {
    local apt=$SRC/apt
    mkdir -p "$apt/sources.list.d" "$apt/lists/partial" "$apt/archives/partial" "$SRC/qemu-deb"
    : > "$apt/sources.list"
    if [ -f /etc/apt/sources.list ]; then
        sed -n 's/^deb \(.*\)$/deb-src \1/p' /etc/apt/sources.list > "$apt/sources.list"
    fi
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] && sed 's/^Types:.*$/Types: deb-src/' "$f" > "$apt/sources.list.d/$(basename "$f")"
    done
    for f in /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] && sed -n 's/^deb \(.*\)$/deb-src \1/p' "$f" > "$apt/sources.list.d/$(basename "$f")"
    done
    local opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=$apt/sources.list.d"
                -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache::Archives=$apt/archives" -o "APT::Sandbox::User=root")
    apt-get "${opts[@]}" update -qq
    (cd "$SRC/qemu-deb" && apt-get "${opts[@]}" source -qq --download-only "qemu=$QEMU_VERSION" >/dev/null)
    (cd "$SRC/qemu-deb" && dpkg-source --no-check -x ./*.dsc "$SRC/qemu" >/dev/null)
}
step "QEMU source $QEMU_VERSION (apt-get source, Debian patches applied)" source_package

overlays() {
    git clone -q --no-checkout "$XTENSA_OVERLAYS_URL" "$SRC/xtensa-overlays"
    git -C "$SRC/xtensa-overlays" -c advice.detachedHead=false checkout -q "$XTENSA_OVERLAYS_VERSION"
}
step "xtensa-overlays $XTENSA_OVERLAYS_VERSION" overlays

# import_core.sh reads an overlay archive laid out as Tensilica's: xtensa/config/core-isa.h,
# xtensa/config/core-matmap.h, gdb/xtensa-config.c, binutils/xtensa-modules.c. Espressif's overlay
# has the same files in its binutils/gdb/newlib parts; it has no core-matmap.h, which QEMU does not
# read either (its own lx106 core has none): an empty one is given.
import_cores() {
    local core ov t
    for core in $CORES; do
        ov=$SRC/xtensa-overlays/xtensa_$core
        t=$SRC/overlay-$core
        mkdir -p "$t/xtensa/config" "$t/gdb" "$t/binutils"
        cp "$ov/newlib/newlib/libc/sys/xtensa/include/xtensa/config/core-isa.h" "$t/xtensa/config/"
        echo "/* no memory map attributes: not read by QEMU */" > "$t/xtensa/config/core-matmap.h"
        cp "$ov/gdb/gdb/xtensa-config.c" "$t/gdb/"
        cp "$ov/binutils/bfd/xtensa-modules.c" "$t/binutils/"
        tar -czf "$t.tar.gz" -C "$t" xtensa gdb binutils
        (cd "$SRC/qemu/target/xtensa" && ./import_core.sh "$t.tar.gz" "$core" "$CLOCK_KHZ")
        # import_core.sh attaches only the base opcode table: a core with an FPU needs QEMU's FPU
        # table too, or every FP instruction is illegal. These cores' FPU (XCHAL_HAVE_FP with
        # DFPU_SINGLE_ONLY, FP_DIV/SQRT/RECIP) is the one xtensa_fpu_opcodes implements (as in QEMU's
        # de233_fpu core); xtensa_fpu2000_opcodes lacks the divide/sqrt steps and lsip/ssip
        if grep -Eq '^#define[[:space:]]+XCHAL_HAVE_FP[[:space:]]+1' "$t/xtensa/config/core-isa.h"; then
            sed -i 's|^\(    \.clock_freq_khz = .*,\)$|\1\n    .opcode_translators = (const XtensaOpcodeTranslators *[]){\n        \&xtensa_core_opcodes,\n        \&xtensa_fpu_opcodes,\n        NULL,\n    },|' \
                "$SRC/qemu/target/xtensa/core-$core.c"
            grep -q xtensa_fpu_opcodes "$SRC/qemu/target/xtensa/core-$core.c" || { say "could not add the FPU opcodes to core-$core.c"; exit 1; }
        fi
    done
}
step "cores imported: $CORES (import_core.sh, ${CLOCK_KHZ} kHz)" import_cores

configure() {
    mkdir -p "$SRC/qemu/build"
    (cd "$SRC/qemu/build" && ../configure --prefix="$OUT" --target-list=xtensa-softmmu --without-default-features \
        --disable-docs --disable-werror --disable-install-blobs >"$SRC/configure.log" 2>&1) \
        || { tail -30 "$SRC/configure.log"; exit 1; }
}
step "QEMU configured (xtensa-softmmu only)" configure

# only the emulator (not QEMU's tests and tools); the sim machine needs no firmware or data files
compile() {
    nice -n 10 make -C "$SRC/qemu/build" -j"${JOBS:-2}" qemu-system-xtensa >"$SRC/build.log" 2>&1 \
        || { tail -40 "$SRC/build.log"; exit 1; }
    local core
    rm -rf "$OUT/bin" "$OUT/share" "$OUT/cores"
    install -D -m 755 "$SRC/qemu/build/qemu-system-xtensa" "$OUT/bin/qemu-system-xtensa"
    for core in $CORES; do  # the memory map and vector offsets tests/xtensa reads
        install -D -m 644 "$SRC/overlay-$core/xtensa/config/core-isa.h" "$OUT/cores/$core/core-isa.h"
    done
}
step "QEMU built, installed in $OUT/bin" compile

check() {
    local core
    for core in $CORES; do
        "$OUT/bin/qemu-system-xtensa" -cpu help | grep -qw "$core" || { say "core $core missing from -cpu help"; exit 1; }
    done
}
step "cores listed by $OUT/bin/qemu-system-xtensa -cpu help" check
echo "$STAMP" > "$OUT/.stamp"
rm -rf "$SRC"
say "done: $OUT/bin/qemu-system-xtensa (-cpu ${CORES// /, })"
