#!/usr/bin/env bash
# `make deps-esp32`: the Xtensa toolchains for the ESP32 (LX6) and ESP32-S3 (LX7), built from
# source, and ESP-IDF, checked out with only the submodules MicroPython's ESP32/ESP32-S3 builds
# need; everything into the dependency cache ($TINYML_DEPS), pinned in firmware/versions.mk.
# Opt-in (not part of `make deps`): it takes hours on 2 cores (about 4.7 h measured here), once.
#
# Usage: firmware/deps-esp32.sh [esp32] [esp32s3] [idf]     (no argument: all three)
#
# Each toolchain (xtensa-<chip>-elf, installed in $TINYML_DEPS/xtensa-<chip>-elf/):
#   binutils 2.40 and GCC 12.2 from Debian's binutils-source and gcc-12-source (the upstream
#   tarballs; GCC with Debian's gcc-gfdl-build.diff, as the dfsg tarball lacks the GFDL manuals
#   genhooks reads), each with the chip's core overlay from Espressif's xtensa-overlays;
#   newlib (+ libgloss) from Espressif's newlib-esp32 (Xtensa port, ESP-IDF's configuration),
#   built as Espressif's crosstool-NG builds it (full, plus a "nano" build installed as
#   libc_nano.a/libm_nano.a/libg_nano.a for --specs=nano.specs); GCC built twice as
#   crosstool-NG does for a bare-metal newlib toolchain: a C compiler for newlib, then C and C++
#   with libgcc and libstdc++ against the installed newlib (sysroot = the prefix's
#   xtensa-<chip>-elf/).
# idf: ESP-IDF at ESP_IDF_VERSION with its submodules for the esp32/esp32s3 MicroPython builds
#   (ESP_IDF_SUBMODULES; not components/esp_wifi/lib, and Mbed TLS from upstream: see
#   versions.mk), and a Python venv with ESP-IDF's
#   core requirements from PyPI ($TINYML_DEPS/esp-idf-<version>-venv).
#
# One line per step with its time; logs in $TINYML_DEPS/esp32-work/logs/. A step whose result
# is in the cache (same pinned versions and recipe) is skipped, so a second run is a no-op.
# Long steps run under `nice -n 10` with DEPS_ESP32_JOBS (default 2) make jobs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
val() { sed -n "s/^$1 *:= *//p" "$here/versions.mk"; }
deps=${TINYML_DEPS:-$HOME/.cache/tinyml}
work=$deps/esp32-work
logs=$work/logs
stamps=$work/stamps
jobs=${DEPS_ESP32_JOBS:-2}
nice=(nice -n 10)
mkdir -p "$logs" "$stamps"

BINUTILS_VERSION=$(val ESP_BINUTILS_VERSION)
GCC_VERSION=$(val ESP_GCC_VERSION)
OVERLAYS_URL=$(val XTENSA_OVERLAYS_URL)
OVERLAYS_VERSION=$(val XTENSA_OVERLAYS_VERSION)
NEWLIB_URL=$(val NEWLIB_ESP32_URL)
NEWLIB_VERSION=$(val NEWLIB_ESP32_VERSION)
IDF_URL=$(val ESP_IDF_URL)
IDF_VERSION=$(val ESP_IDF_VERSION)
binutils_tar=/usr/src/binutils/binutils-$BINUTILS_VERSION.tar.xz
gcc_tar=/usr/src/gcc-12/gcc-$GCC_VERSION-dfsg.tar.xz
gcc_gfdl=/usr/src/gcc-12/patches/gcc-gfdl-build.diff
# bump when a step's recipe changes, so that the cache is rebuilt
RECIPE=1

# ---- step runner: one line per step, its time, its log -----------------------------------
fmt_time() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }
total_start=$(date +%s)
# step NAME KEY CHECK -- COMMAND...: skip when stamps/NAME holds KEY and CHECK (a shell test) holds
step() {
    local name=$1 key=$2 check=$3 start rc
    shift 4
    if [ "$(cat "$stamps/$name" 2>/dev/null)" = "$key" ] && eval "$check"; then
        echo "deps-esp32: $name: cached"
        return 0
    fi
    rm -f "$stamps/$name"
    printf 'deps-esp32: %-26s' "$name"
    start=$(date +%s)
    rc=0
    # in a background subshell: `set -e` in the step's functions then holds (it would not in `cmd || ...`)
    "$@" >"$logs/$name.log" 2>&1 &
    wait $! || rc=$?
    if [ $rc != 0 ]; then
        echo "FAILED after $(fmt_time $(($(date +%s) - start)))"
        tail -n 30 "$logs/$name.log" | sed 's/^/  | /' >&2
        echo "deps-esp32: ERROR: $name failed (log: $logs/$name.log)" >&2
        exit 1
    fi
    echo "$key" >"$stamps/$name"
    echo "done in $(fmt_time $(($(date +%s) - start)))  (log: $logs/$name.log)"
}

need_tools() {
    local missing=() t
    for t in "$@"; do
        case $t in
        lib:*) printf '#include <%s>\n' "${t#lib:}" | cc -E -x c - >/dev/null 2>&1 || missing+=("${t#lib:}") ;;
        *) command -v "$t" >/dev/null || missing+=("$t") ;;
        esac
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "deps-esp32: ERROR: missing build tools: ${missing[*]}" >&2
        echo "deps-esp32: on Debian: apt-get install binutils-source gcc-12-source flex bison texinfo libgmp-dev libmpfr-dev libmpc-dev autoconf2.69 automake make g++ xz-utils git cmake ninja-build python3-venv" >&2
        exit 1
    fi
}

# ---- sources --------------------------------------------------------------------------------
git_at() { # url ref dir: a checkout of ref (tag, branch or commit) in dir, reused when there
    local url=$1 ref=$2 dir=$3
    if [ -e "$dir/.tinyml-ok" ] && [ "$(cat "$dir/.tinyml-ok")" = "$ref" ]; then return 0; fi
    rm -rf "$dir" "$dir.tmp"
    if [[ $ref =~ ^[0-9a-f]{40}$ ]]; then
        git init -q "$dir.tmp"
        git -C "$dir.tmp" fetch -q --depth 1 "$url" "$ref" 2>/dev/null ||
            git -C "$dir.tmp" fetch -q "$url" "$ref"
        git -C "$dir.tmp" -c advice.detachedHead=false checkout -q FETCH_HEAD
    else
        git clone -q --depth 1 --branch "$ref" -c advice.detachedHead=false "$url" "$dir.tmp"
    fi
    echo "$ref" >"$dir.tmp/.tinyml-ok"
    mv "$dir.tmp" "$dir"
}

src_overlays() { git_at "$OVERLAYS_URL" "$OVERLAYS_VERSION" "$work/src/xtensa-overlays"; }

# newlib-esp32's generated files are not all in its git tree (newlib/Makefile.in: not in every
# mirror either): autoreconf (2.69, as newlib requires) makes them
src_newlib() {
    local dir=$work/src/newlib-esp32
    sparse_clone "$NEWLIB_URL" "$NEWLIB_VERSION" "$dir" '!/newlib/Makefile.in'
    if [ ! -e "$dir/.tinyml-autoreconf" ]; then
        # esp-4.3.0 configures Espressif's one-for-all triple xtensa-esp-elf (chip chosen by GCC 13's
        # -mdynconfig / -mcpu): make it treat the per-chip triples xtensa-esp32-elf and
        # xtensa-esp32s3-elf (ESP-IDF's names; GCC 12 has one compiler per chip) the same way, with
        # the chip (libgloss's board: memory map, UART, QEMU semihosting) from the triple
        sed -i 's/^  \*-esp-\*)$/  *-esp-* | *-esp32-* | *-esp32s3-*)/' "$dir/newlib/configure.host"
        grep -q -- '-esp32s3-\*)$' "$dir/newlib/configure.host"
        sed -i '1a\
case $host in xtensa-esp32-*) XTENSA_BOARD_ESP=esp32 ;; xtensa-esp32s3-*) XTENSA_BOARD_ESP=esp32s3 ;; esac' \
            "$dir/libgloss/xtensa/acinclude.m4"
        cat "$dir/libgloss/xtensa/acinclude.m4"
        (cd "$dir/newlib" && autoreconf2.69 -fi)
        (cd "$dir/libgloss" && autoreconf2.69 -fi)
        touch "$dir/.tinyml-autoreconf"
    fi
    # newlib builds libc.a with some of libm.a's objects (MATHOBJS_IN_LIBC: libm_a-s_fpclassify.o,
    # ...), named as automake 1.15.1 names them; Debian's automake (1.16) names libm.a's objects
    # with another prefix (a-s_fpclassify.o): the list must use the names this Makefile.in uses
    local pfx
    pfx=$(sed -n 's|^[[:space:]]*libm/common/\([^/]*\)s_fpclassify\.\$(OBJEXT).*|\1|p' "$dir/newlib/Makefile.in" | head -n 1)
    [ -n "$pfx" ]
    sed -i "/^MATHOBJS_IN_LIBC = /,/^\$/ s/libm_a-/$pfx/g" "$dir/newlib/Makefile.in"
    grep -A2 '^MATHOBJS_IN_LIBC = ' "$dir/newlib/Makefile.in"
}

# a target's copy of a Debian upstream tarball with its overlay files over it
src_tree() { # tarball dir overlay-subdir [patch]
    local tar=$1 dir=$2 ov=$3 patch=${4:-} top
    rm -rf "$dir" "$dir.tmp"
    mkdir -p "$dir.tmp"
    tar -xJf "$tar" -C "$dir.tmp" --strip-components=1
    [ -z "$patch" ] || (cd "$dir.tmp" && patch -p2 <"$patch")
    top=$work/src/xtensa-overlays/$ov
    (cd "$top" && find . -type f) | while read -r f; do cp "$top/$f" "$dir.tmp/$f"; done
    mv "$dir.tmp" "$dir"
}

# ---- one toolchain --------------------------------------------------------------------------
toolchain() {
    local chip=$1 target=xtensa-$1-elf prefix=$deps/xtensa-$1-elf tw=$work/$1
    local k_bin k_gcc1 k_newlib k_gcc
    local cflags_target="-g -Os -mlongcalls -ffunction-sections -fdata-sections" saved_path=$PATH
    export PATH=$prefix/bin:$PATH
    k_bin="r$RECIPE binutils-$BINUTILS_VERSION overlays-$OVERLAYS_VERSION"
    k_gcc1="$k_bin gcc-$GCC_VERSION"
    k_newlib="$k_gcc1 newlib-$NEWLIB_VERSION"
    k_gcc="$k_newlib"

    step "$chip-binutils" "$k_bin" "[ -x $prefix/bin/$target-as ]" -- build_binutils
    step "$chip-gcc-stage1" "$k_gcc1" "[ -x $prefix/bin/$target-gcc ]" -- build_gcc_stage1
    step "$chip-newlib" "$k_newlib" "[ -e $prefix/$target/lib/libc.a ] && [ -e $prefix/$target/lib/libc_nano.a ]" -- build_newlib
    step "$chip-gcc" "$k_gcc" "[ -e $prefix/$target/lib/libstdc++.a ] && [ -x $prefix/bin/$target-g++ ]" -- build_gcc_final
    step "$chip-specs" "$k_gcc" "[ -e $prefix/lib/gcc/$target/$GCC_VERSION/specs ]" -- write_specs
    step "$chip-check" "$k_gcc" "true" -- check_toolchain
    rm -rf "$tw"   # sources and build trees; the installed toolchain and the logs stay
    export PATH=$saved_path
}

build_binutils() {
    set -ex
    src_overlays
    src_tree "$binutils_tar" "$tw/binutils-src" "xtensa_$chip/binutils"
    rm -rf "$prefix" "$tw/binutils-build"
    mkdir -p "$tw/binutils-build"
    cd "$tw/binutils-build"
    ../binutils-src/configure --target="$target" --prefix="$prefix" --with-sysroot="$prefix/$target" \
        --disable-nls --disable-werror --disable-gdb --disable-gdbserver --disable-sim \
        --disable-libdecnumber --disable-readline --disable-gprofng --enable-deterministic-archives
    "${nice[@]}" make -j"$jobs"
    make install
    rm -rf "$tw/binutils-src" "$tw/binutils-build"
}

gcc_src() {
    [ -e "$tw/gcc-src/.tinyml-ok" ] && return 0
    src_overlays
    src_tree "$gcc_tar" "$tw/gcc-src" "xtensa_$chip/gcc" "$gcc_gfdl"
    touch "$tw/gcc-src/.tinyml-ok"
}

gcc_common=()
gcc_common_args() {
    gcc_common=(--target="$target" --prefix="$prefix" --with-sysroot="$prefix/$target"
        --with-native-system-header-dir=/include --with-gnu-as --with-gnu-ld --with-newlib
        --disable-shared --disable-nls --disable-multilib --disable-libssp --disable-libquadmath
        --disable-libgomp --disable-libatomic --disable-libitm --disable-libvtv --disable-lto
        --disable-bootstrap --with-pkgversion="tinyml $target, GCC $GCC_VERSION from Debian gcc-12-source + xtensa-overlays ${OVERLAYS_VERSION:0:7}")
}

# pass 1: a C compiler (no target libraries), to build newlib with
build_gcc_stage1() {
    set -ex
    gcc_src
    gcc_common_args
    rm -rf "$tw/gcc1-build"
    mkdir -p "$tw/gcc1-build"
    cd "$tw/gcc1-build"
    ../gcc-src/configure "${gcc_common[@]}" --enable-languages=c --without-headers --disable-threads
    "${nice[@]}" make -j"$jobs" all-gcc
    make install-gcc
    rm -rf "$tw/gcc1-build"
}

# newlib + libgloss (Xtensa boards, semihosting) as ESP-IDF expects them; and the nano build
newlib_conf=(--disable-newlib-supplied-syscalls --enable-newlib-reent-small --enable-newlib-long-time_t
    --enable-newlib-nano-malloc --enable-newlib-retargetable-locking --enable-newlib-multithread)
build_newlib() {
    set -ex
    src_newlib
    local b=$tw/newlib-build n=$tw/newlib-nano-build nano=$tw/newlib-nano-install
    rm -rf "$b" "$n" "$nano"
    mkdir -p "$b" "$n"
    cd "$b"
    "$work/src/newlib-esp32/configure" --target="$target" --prefix="$prefix" "${newlib_conf[@]}" \
        --enable-newlib-io-c99-formats --enable-newlib-io-long-long --enable-newlib-io-float \
        --enable-newlib-io-pos-args CFLAGS_FOR_TARGET="$cflags_target"
    "${nice[@]}" make -j"$jobs"
    make install
    cd "$n"
    "$work/src/newlib-esp32/configure" --target="$target" --prefix="$nano" "${newlib_conf[@]}" \
        --enable-newlib-nano-formatted-io --disable-newlib-io-c99-formats --enable-target-optspace \
        CFLAGS_FOR_TARGET="$cflags_target"
    "${nice[@]}" make -j"$jobs"
    make install
    local lib
    for lib in c g m; do
        cp "$nano/$target/lib/lib$lib.a" "$prefix/$target/lib/lib${lib}_nano.a"
    done
    rm -rf "$b" "$n" "$nano"
}

# pass 2: C and C++, libgcc and libstdc++ against the installed newlib (crosstool-NG's options
# for Espressif's toolchains: POSIX threads model (ESP-IDF's pthread component), libstdc++
# without verbose terminate, -ffunction-sections; not its --enable-libstdcxx-time=yes, whose
# link tests cannot run here: upstream GCC's Xtensa bare-metal specs link no libc startup, so
# libstdc++'s configure may not link programs)
build_gcc_final() {
    set -ex
    gcc_src
    gcc_common_args
    rm -rf "$tw/gcc-build"
    mkdir -p "$tw/gcc-build"
    cd "$tw/gcc-build"
    ../gcc-src/configure "${gcc_common[@]}" --enable-languages=c,c++ --enable-threads=posix \
        --disable-libstdcxx-verbose --enable-cxx-flags=-ffunction-sections \
        --disable-libstdcxx-pch \
        CFLAGS_FOR_TARGET="$cflags_target" CXXFLAGS_FOR_TARGET="$cflags_target"
    "${nice[@]}" make -j"$jobs"
    make install
    rm -rf "$tw/gcc-build" "$tw/gcc-src"
}

# Upstream GCC's Xtensa bare-metal specs link Tensilica's simulator runtime (crt1-sim.o, _vectors.o,
# -lsim -lhandlers-sim -lhal), which newlib-esp32 does not have: a specs file in GCC's library
# folder (read instead of the built-in specs) links what newlib-esp32 provides instead: libc with
# libnosys's stubs (newlib-esp32's libgloss/xtensa/default.specs) and GCC's crti/crtbegin/crtend/crtn
# (crtbegin.o defines __dso_handle for C++ static destructors). A program sets its own startup
# (ESP-IDF: its linker scripts; bare metal: --specs=sim.elf.specs, board.elf.specs, sys.qemu.specs).
write_specs() {
    set -ex
    local specs=$prefix/lib/gcc/$target/$GCC_VERSION/specs
    rm -f "$specs"
    "$target-gcc" -dumpspecs | awk '
        /^\*startfile:$/ { print; getline; print "crti%O%s crtbegin%O%s"; next }
        /^\*lib:$/ { print; getline; print "-lc -lnosys -lc"; next }
        { print }' >"$specs.tmp"
    grep -A1 '^\*startfile:$' "$specs.tmp" | grep -q crtbegin
    grep -A1 '^\*lib:$' "$specs.tmp" | grep -q -- -lnosys
    mv "$specs.tmp" "$specs"
    "$target-gcc" -dumpspecs | grep -A1 '^\*startfile:\|^\*lib:\|^\*endfile:'
}

# the toolchain compiles and links C and C++ against newlib (nano too)
check_toolchain() {
    set -ex
    local t=$tw/check
    rm -rf "$t"
    mkdir -p "$t"
    cd "$t"
    printf '#include <stdio.h>\n#include <math.h>\n#include <setjmp.h>\nint main(void){ jmp_buf j; if (setjmp(j)) return 1; printf("%%f %%lld\\n", sqrt(2.0), 1LL); return 0; }\n' >t.c
    printf '#include <vector>\n#include <string>\nint main(){ std::vector<std::string> v{"a"}; return (int)v.size(); }\n' >t.cc
    "$target-gcc" -mlongcalls -O2 t.c -o t.elf -lm -Wl,--entry=main
    "$target-gcc" -mlongcalls -O2 t.c -o t-nano.elf --specs=nano.specs --specs=nosys.specs -lm -Wl,--entry=main
    "$target-g++" -mlongcalls -O2 t.cc -o tcc.elf -Wl,--entry=main
    "$target-gcc" -mlongcalls -O2 t.c -o t-qemu.elf --specs=sim.elf.specs --specs=sys.qemu.specs -lm
    printf '__thread int x; int f(void){ return x; }\n' >tls.c
    "$target-gcc" -mlongcalls -O2 -S tls.c -o - | grep -q THREADPTR   # native TLS (ESP-IDF's FreeRTOS port sets THREADPTR)
    "$target-gcc" --version | head -n 1
    "$target-size" t.elf t-nano.elf tcc.elf t-qemu.elf
    cd / && rm -rf "$t"
}

# ---- ESP-IDF -------------------------------------------------------------------------------
idf_dir=$deps/esp-idf-$IDF_VERSION
idf_venv=$deps/esp-idf-$IDF_VERSION-venv
idf_tools=$deps/esp-idf-$IDF_VERSION-tools     # IDF_TOOLS_PATH: only the constraints file
mdns_repo=$deps/esp-protocols-$(val ESP_MDNS_VERSION)
mdns_dir=$mdns_repo/components/mdns
lan867x_repo=$deps/esp-eth-drivers-$(val ESP_LAN867X_VERSION | tr @ -)
lan867x_dir=$lan867x_repo/lan867x
idf_constraints=$idf_tools/espidf.constraints.v$(echo "${IDF_VERSION#v}" | cut -d. -f1-2).txt

# a checkout of a tag without some folders not needed to build (some mirrors lack blobs there)
sparse_clone() { # url tag dir pattern...
    local url=$1 tag=$2 dir=$3
    shift 3
    if [ "$(cat "$dir/.tinyml-ok" 2>/dev/null)" = "$tag" ]; then return 0; fi
    rm -rf "$dir" "$dir.tmp"
    git clone -q --no-checkout --branch "$tag" "$url" "$dir.tmp"
    git -C "$dir.tmp" config core.sparseCheckout true
    printf '%s\n' '/*' "$@" >"$dir.tmp/.git/info/sparse-checkout"
    git -C "$dir.tmp" -c advice.detachedHead=false checkout -q "$tag"
    echo "$tag" >"$dir.tmp/.tinyml-ok"
    mv "$dir.tmp" "$dir"
}

idf_checkout() {
    set -ex
    # without examples/ and docs/ (not needed to build; some mirrors lack blobs there)
    sparse_clone "$IDF_URL" "$IDF_VERSION" "$idf_dir" '!/examples/' '!/docs/'
    local sm
    for sm in $(val ESP_IDF_SUBMODULES); do
        git -C "$idf_dir" submodule update -q --init --depth 1 -- "$sm" ||
            git -C "$idf_dir" submodule update -q --init -- "$sm"
    done
    # Mbed TLS: upstream instead of ESP-IDF's pin (see ESP_IDF_MBEDTLS_VERSION in versions.mk)
    local mb=$idf_dir/components/mbedtls/mbedtls
    if [ "$(cat "$mb/.tinyml-ok" 2>/dev/null)" != "$(val ESP_IDF_MBEDTLS_VERSION)" ]; then
        rm -rf "$idf_dir/.git/modules/components/mbedtls/mbedtls"
        sparse_clone "$(val ESP_IDF_MBEDTLS_URL)" "$(val ESP_IDF_MBEDTLS_VERSION)" "$mb" '!/tests/'
        git -C "$mb" submodule update -q --init -- framework
    fi
    git -C "$idf_dir" submodule status || true
    # the registry components MicroPython asks for (see ESP_MDNS_VERSION in versions.mk)
    sparse_clone "$(val ESP_MDNS_URL)" "$(val ESP_MDNS_VERSION)" "$mdns_repo" '!/*' '/components/mdns/' '!/components/mdns/tests/' '!/components/mdns/examples/'
    sparse_clone "$(val ESP_LAN867X_URL)" "$(val ESP_LAN867X_VERSION)" "$lan867x_repo" '!/*' '/lan867x/'
}

idf_python() {
    set -ex
    rm -rf "$idf_venv"
    python3 -m venv "$idf_venv"
    "$idf_venv/bin/python" -m pip install -q --upgrade pip
    mkdir -p "$idf_tools"
    cp "$here/esp-idf-constraints.txt" "$idf_constraints"
    "$idf_venv/bin/python" -m pip install -q -r "$idf_dir/tools/requirements/requirements.core.txt" -c "$idf_constraints"
    "$idf_venv/bin/python" -m pip freeze
    IDF_PATH=$idf_dir IDF_TOOLS_PATH=$idf_tools IDF_PYTHON_ENV_PATH=$idf_venv \
        "$idf_venv/bin/python" "$idf_dir/tools/idf_tools.py" check-python-dependencies
}

idf() {
    need_tools git cmake ninja python3
    # MicroPython's own submodules for its esp32 port (firmware/deps.sh esp32)
    step micropython-esp32 "r$RECIPE" "[ -e ${MICROPY_DIR:-$deps/micropython-$(val MICROPY_VERSION)}/lib/berkeley-db-1.xx/README ]" -- "$here/deps.sh" esp32
    local k="r$RECIPE esp-idf-$IDF_VERSION $(val ESP_IDF_SUBMODULES) mbedtls-$(val ESP_IDF_MBEDTLS_VERSION) $(val ESP_MDNS_VERSION) $(val ESP_LAN867X_VERSION)"
    step idf-checkout "$k" "[ -e $idf_dir/tools/idf.py ] && [ -e $mdns_dir/include/mdns.h ] && [ -e $lan867x_dir/include/esp_eth_phy_lan867x.h ]" -- idf_checkout
    k="r$RECIPE esp-idf-$IDF_VERSION $(cksum <"$here/esp-idf-constraints.txt")"
    step idf-python "$k" "[ -x $idf_venv/bin/python ] && cmp -s $here/esp-idf-constraints.txt $idf_constraints" -- idf_python
}

# ---- main ----------------------------------------------------------------------------------
[ $# -gt 0 ] || set -- esp32 esp32s3 idf
for arg in "$@"; do
    case $arg in
    esp32 | esp32s3)
        need_tools git make gcc g++ flex bison makeinfo autoreconf2.69 automake xz patch lib:gmp.h lib:mpfr.h lib:mpc.h
        for f in "$binutils_tar" "$gcc_tar" "$gcc_gfdl"; do
            [ -e "$f" ] || { echo "deps-esp32: ERROR: $f missing (Debian: apt-get install binutils-source gcc-12-source)" >&2; exit 1; }
        done
        toolchain "$arg" ;;
    idf) idf ;;
    *) echo "deps-esp32: ERROR: unknown argument '$arg' (esp32, esp32s3, idf)" >&2; exit 2 ;;
    esac
done
echo "deps-esp32: done in $(fmt_time $(($(date +%s) - total_start)))"
