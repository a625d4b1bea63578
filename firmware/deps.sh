#!/usr/bin/env bash
# Clone the pinned MicroPython, CMSIS-NN and Monocypher into the dependency
# cache, with only the submodules our ports need. Reuses what is already there.
# Usage: firmware/deps.sh [all|core|tflm|esp-nn|PORT...]
#   core = CMSIS-NN + Monocypher + MicroPython, no port submodules; all = every port below;
#   esp-nn = Espressif's ESP-NN (the esp-nn kernel backend; not part of all);
#   PORT = unix, qemu, stm32, rp2 or esp32: only the submodules those ports need; rp2
#   also builds picotool (the pico-sdk build needs it to make the .uf2) and
#   fetches what the RP2040 emulator needs (tests/rp2040: the rp2040js boot ROM
#   source and its npm packages). tflm = TensorFlow Lite Micro and the
#   third-party sources its Makefile downloads, for `make bench-tflm` only
#   (not part of all).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
val() { sed -n "s/^$1 *:= *//p" "$here/versions.mk"; }
deps=${TINYML_DEPS:-$HOME/.cache/tinyml}
mpy_dir=${MICROPY_DIR:-$deps/micropython-$(val MICROPY_VERSION)}
cmsis_dir=${CMSIS_NN_DIR:-$deps/CMSIS-NN-$(val CMSIS_NN_VERSION)}
esp_nn_dir=${ESP_NN_DIR:-$deps/esp-nn-$(val ESP_NN_VERSION)}
monocypher_dir=${MONOCYPHER_DIR:-$deps/Monocypher-$(val MONOCYPHER_VERSION)}
mkdir -p "$deps"

clone() { # url tag dir
    local url=$1 tag=$2 dir=$3
    if [ -e "$dir/.tinyml-ok" ]; then
        echo "deps: $dir ($tag) already present"
        return 0
    fi
    rm -rf "$dir.tmp"
    echo "deps: cloning $url $tag"
    if [[ $tag =~ ^[0-9a-f]{40}$ ]]; then # a commit, not a tag or branch
        git init -q "$dir.tmp" && git -C "$dir.tmp" fetch -q --depth 1 "$url" "$tag" &&
            git -C "$dir.tmp" -c advice.detachedHead=false checkout -q FETCH_HEAD || {
            rm -rf "$dir.tmp"
            echo "deps: cannot clone $url ($tag): no network and no mirror" >&2
            return 1
        }
    elif ! git clone -q --depth 1 --branch "$tag" -c advice.detachedHead=false "$url" "$dir.tmp"; then
        rm -rf "$dir.tmp"
        echo "deps: cannot clone $url ($tag): no network and no mirror" >&2
        return 1
    fi
    rm -rf "$dir"
    mv "$dir.tmp" "$dir"
    touch "$dir/.tinyml-ok"
}

sm_pinned() { git -C "$mpy_dir" ls-tree HEAD "$1" | awk '$2 == "commit" {print $3}'; }
# submodules with a pinned fallback commit (versions.mk) where MicroPython's pin cannot be fetched
sm_fallback_var() {
    case $1 in
    lib/stm32lib) echo STM32LIB_FALLBACK ;;
    lib/berkeley-db-1.xx) echo BERKELEY_DB_FALLBACK ;;
    esac
}
sm_fallback_marker() { echo "$mpy_dir/.tinyml-${1#lib/}-fallback"; }
# the commit a submodule must be at: MicroPython's pin, or a fallback recorded
# by an earlier run (see sm_fallback_var)
sm_commit() {
    if [ -n "$(sm_fallback_var "$1")" ] && [ -e "$(sm_fallback_marker "$1")" ]; then
        val "$(sm_fallback_var "$1")"
    else
        sm_pinned "$1"
    fi
}

sm_ok() { # submodule checked out, clean, at the commit micropython pins
    local sm=$1 want have
    want=$(sm_commit "$sm")
    [ -n "$want" ] && [ -e "$mpy_dir/$sm/.git" ] || return 1
    have=$(git -C "$mpy_dir/$sm" rev-parse -q --verify HEAD 2>/dev/null) || return 1
    [ "$have" = "$want" ] && [ -z "$(git -C "$mpy_dir/$sm" status --porcelain --untracked-files=no 2>/dev/null)" ]
}

sm_reset() { # forget a broken or partial submodule checkout
    rm -f "$(sm_fallback_marker "$1")"
    git -C "$mpy_dir" submodule deinit -q -f -- "$1" >/dev/null 2>&1 || true
    rm -rf "$mpy_dir/.git/modules/$1" "$mpy_dir/$1"
    mkdir -p "$mpy_dir/$1"
}

sm_sparse() { # submodule without some files not needed to build: sm_sparse PATH PATTERN...
    local sm=$1 want url
    shift
    want=$(sm_commit "$sm")
    url=$(git -C "$mpy_dir" config -f .gitmodules "submodule.$sm.url")
    git -C "$mpy_dir" submodule init -q -- "$sm"
    rmdir "$mpy_dir/$sm"
    git clone -q --no-checkout --filter=blob:none "$url" "$mpy_dir/$sm" 2>&1 | grep -v 'filtering not recognized\|--filter is ignored' >&2 || true
    [ -e "$mpy_dir/$sm/.git" ] || return 1
    git -C "$mpy_dir/$sm" sparse-checkout set --no-cone '/*' "$@" &&
        git -C "$mpy_dir/$sm" -c advice.detachedHead=false checkout -q --detach "$want" &&
        git -C "$mpy_dir" submodule absorbgitdirs -- "$sm" >/dev/null 2>&1
}

submodules() { # paths inside micropython; prints one ERROR line per failure
    local sm failed=()
    rm -f "$mpy_dir"/.tinyml-sm-*   # markers of older versions of this script
    for sm in "$@"; do
        if sm_ok "$sm"; then
            echo "deps: micropython submodule $sm already present$( [ "$(sm_commit "$sm")" = "$(sm_pinned "$sm")" ] || echo " (at the pinned fallback $(sm_commit "$sm" | cut -c1-7))")"
            continue
        fi
        echo "deps: micropython submodule $sm ($(sm_commit "$sm"))"
        sm_reset "$sm"
        case $sm in
        # pico-sdk: *.svd register descriptions are debug files (large);
        # mbedtls: its test suites (not built) are not all in every mirror
        lib/pico-sdk) sm_sparse "$sm" '!*.svd' || true ;;
        lib/mbedtls) sm_sparse "$sm" '!/tests/' || true ;;
        *)
            git -C "$mpy_dir" submodule update -q --init --depth 1 -- "$sm" 2>/dev/null || true
            if ! sm_ok "$sm"; then # pinned commit not fetchable shallowly: full clone
                sm_reset "$sm"
                git -C "$mpy_dir" submodule update -q --init -- "$sm" 2>/dev/null || true
            fi
            if ! sm_ok "$sm" && [ -n "$(sm_fallback_var "$sm")" ]; then sm_use_fallback "$sm"; fi ;;
        esac
        if ! sm_ok "$sm"; then
            echo "deps: ERROR: micropython submodule $sm could not be checked out at $(sm_commit "$sm")" >&2
            sm_reset "$sm"
            failed+=("$sm")
        fi
    done
    [ ${#failed[@]} = 0 ] || { echo "deps: ERROR: failed submodules: ${failed[*]}" >&2; return 1; }
}

sm_use_fallback() { # the pinned commit of submodule $1 is not to be had: use its pinned fallback
    local sm=$1 fb pinned why
    fb=$(val "$(sm_fallback_var "$sm")")
    pinned=$(sm_pinned "$sm")
    [ -e "$mpy_dir/$sm/.git" ] || git -C "$mpy_dir" submodule update -q --init --no-fetch -- "$sm" 2>/dev/null || true
    [ -e "$mpy_dir/$sm/.git" ] || return 0
    git -C "$mpy_dir/$sm" cat-file -e "$fb^{commit}" 2>/dev/null ||
        git -C "$mpy_dir/$sm" fetch -q origin "$fb" 2>/dev/null || true
    if git -C "$mpy_dir/$sm" -c advice.detachedHead=false checkout -q --detach "$fb" 2>/dev/null; then
        touch "$(sm_fallback_marker "$sm")"
        case $sm in
        lib/stm32lib) why="MicroPython v1.24/v1.25's, same STM32F4 HAL 1.16.0: STM32 images say so" ;;
        *) why="MicroPython v1.23-v1.25's: see versions.mk" ;;
        esac
        echo "deps: WARNING: $sm $pinned (pinned by MicroPython $(val MICROPY_VERSION)) cannot be fetched;" \
            "using the pinned fallback ${fb:0:7} ($why)" >&2
    fi
}

# picotool, built once from its pinned source into $deps/picotool (the
# layout pico-sdk's pico_init_picotool() looks for with PICOTOOL_FETCH_FROM_GIT_PATH)
picotool() {
    local tag src bld inst
    tag=$(val PICOTOOL_VERSION)
    src=$deps/picotool-$tag-src bld=$deps/picotool-$tag-build inst=$deps/picotool
    if [ -x "$inst/picotool/picotool" ] && "$inst/picotool/picotool" version 2>/dev/null | grep -q "v$tag"; then
        echo "deps: picotool $tag already built"
        return 0
    fi
    for tool in cmake g++ arm-none-eabi-gcc; do
        command -v $tool >/dev/null || { echo "deps: ERROR: building picotool needs $tool" >&2; return 1; }
    done
    clone "$(val PICOTOOL_URL)" "$tag" "$src" || return 1
    local usb=()
    pkg-config --exists libusb-1.0 2>/dev/null || {
        usb=(-DPICOTOOL_NO_LIBUSB=1)
        echo "deps: libusb-1.0 not found (Debian: libusb-1.0-0-dev): picotool is built without USB support"
    }
    echo "deps: building picotool $tag into $inst"
    rm -rf "$bld" "$inst"
    if ! { cmake -S "$src" -B "$bld" -DCMAKE_BUILD_TYPE=Release -DPICO_SDK_PATH="$mpy_dir/lib/pico-sdk" \
            -DCMAKE_INSTALL_PREFIX="$inst" -DPICOTOOL_FLAT_INSTALL=1 "${usb[@]}" &&
            cmake --build "$bld" -j"$(nproc)" && cmake --install "$bld"; } >"$deps/picotool-$tag.log" 2>&1; then
        tail -n 20 "$deps/picotool-$tag.log" >&2
        echo "deps: ERROR: picotool $tag did not build (log: $deps/picotool-$tag.log)" >&2
        return 1
    fi
    rm -rf "$bld"
    echo "deps: picotool: $("$inst/picotool/picotool" version)"
}

# The RP2040 emulator (tests/rp2040): rp2040js's source at the pinned release
# (for its boot ROM image) and the runner's npm packages (package-lock.json).
rp2040_emulator() {
    clone "$(val RP2040JS_URL)" "$(val RP2040JS_VERSION)" "$deps/rp2040js-$(val RP2040JS_VERSION)" || return 1
    if ! command -v npm >/dev/null; then
        echo "deps: ERROR: npm not found (Debian: apt-get install nodejs npm): the RP2040 emulator cannot be set up" >&2
        return 1
    fi
    if [ -e "$here/../tests/rp2040/node_modules/rp2040js/package.json" ] &&
        [ "$here/../tests/rp2040/node_modules/.package-lock.json" -nt "$here/../tests/rp2040/package-lock.json" ]; then
        echo "deps: tests/rp2040 npm packages already installed"
        return 0
    fi
    echo "deps: npm ci in tests/rp2040"
    npm ci --prefix "$here/../tests/rp2040" --no-audit --no-fund --loglevel=error
}

# TensorFlow Lite Micro ($deps/tflite-micro-<commit>) with, in its
# tensorflow/lite/micro/tools/make/downloads/, what its Makefile would
# download: flatbuffers, gemmlowp, ruy, CMSIS_6 at the pinned versions and our
# CMSIS-NN clone (TFLM_VERSION is a commit whose cmsis_nn_download.sh pins it).
tflm() {
    local dir dl name cmsis_pin
    dir=$deps/tflite-micro-$(val TFLM_VERSION | cut -c1-12)
    clone "$(val TFLM_URL)" "$(val TFLM_VERSION)" "$dir" || return 1
    dl=$dir/tensorflow/lite/micro/tools/make/downloads
    mkdir -p "$dl"
    for name in FLATBUFFERS GEMMLOWP RUY CMSIS6; do
        clone "$(val ${name}_URL)" "$(val ${name}_VERSION)" "$deps/tflm-$(echo $name | tr A-Z a-z)-$(val ${name}_VERSION | cut -c1-12)" || return 1
    done
    ln -sfn "$deps/tflm-flatbuffers-$(val FLATBUFFERS_VERSION | cut -c1-12)" "$dl/flatbuffers"
    ln -sfn "$deps/tflm-gemmlowp-$(val GEMMLOWP_VERSION | cut -c1-12)" "$dl/gemmlowp"
    ln -sfn "$deps/tflm-ruy-$(val RUY_VERSION | cut -c1-12)" "$dl/ruy"
    ln -sfn "$deps/tflm-cmsis6-$(val CMSIS6_VERSION | cut -c1-12)" "$dl/cmsis"
    ln -sfn "$cmsis_dir" "$dl/cmsis_nn"
    cmsis_pin=$(sed -n 's/^ZIP_PREFIX_NN="\(.*\)"/\1/p' "$dir/tensorflow/lite/micro/tools/make/ext_libs/cmsis_nn_download.sh")
    if [ "$(git -C "$cmsis_dir" rev-parse HEAD)" != "$cmsis_pin" ]; then
        echo "deps: ERROR: TFLM $(val TFLM_VERSION | cut -c1-7) pins CMSIS-NN $cmsis_pin, not our $(val CMSIS_NN_VERSION)" >&2
        return 1
    fi
    echo "deps: TFLM_DIR=$dir"
}

[ $# -gt 0 ] || set -- all
ok=1
clone "$(val CMSIS_NN_URL)" "$(val CMSIS_NN_VERSION)" "$cmsis_dir" || ok=0
clone "$(val MONOCYPHER_URL)" "$(val MONOCYPHER_VERSION)" "$monocypher_dir" || ok=0
clone "$(val MICROPY_URL)" "$(val MICROPY_VERSION)" "$mpy_dir" || ok=0
wanted=()
for arg in "$@"; do
    case $arg in # frozen manifests need micropython-lib; unix builds without btree/ffi/ssl
    core | tflm | esp-nn) ;;
    unix | qemu) wanted+=(lib/micropython-lib) ;;
    stm32) wanted+=(lib/micropython-lib lib/stm32lib lib/libhydrogen lib/tinyusb) ;;
    rp2) wanted+=(lib/micropython-lib lib/pico-sdk lib/tinyusb lib/mbedtls) ;;
    esp32) wanted+=(lib/micropython-lib lib/berkeley-db-1.xx) ;;  # the rest is ESP-IDF's: make deps-esp32
    all) wanted+=(lib/micropython-lib lib/stm32lib lib/libhydrogen lib/tinyusb lib/pico-sdk lib/mbedtls) ;;
    *) echo "deps: ERROR: unknown argument '$arg' (all, core, tflm, esp-nn, unix, qemu, stm32, rp2, esp32)" >&2; exit 2 ;;
    esac
done
if [ "$ok" = 1 ] && [ ${#wanted[@]} -gt 0 ]; then
    submodules $(printf '%s\n' "${wanted[@]}" | awk '!seen[$0]++') || ok=0
fi
case " $* " in
*" rp2 "* | *" all "*)
    if [ "$ok" = 1 ]; then picotool || ok=0; fi
    rp2040_emulator || ok=0 ;;
esac
case " $* " in
*" tflm "*) if [ "$ok" = 1 ]; then tflm || ok=0; fi ;;
esac
case " $* " in
*" esp-nn "*) clone "$(val ESP_NN_URL)" "$(val ESP_NN_VERSION)" "$esp_nn_dir" && echo "deps: ESP_NN_DIR=$esp_nn_dir" || ok=0 ;;
esac
if [ "$ok" != 1 ]; then
    echo "deps: ERROR: dependencies incomplete (see the lines above)" >&2
    exit 1
fi
echo "deps: MICROPY_DIR=$mpy_dir"
echo "deps: CMSIS_NN_DIR=$cmsis_dir"
echo "deps: MONOCYPHER_DIR=$monocypher_dir"
