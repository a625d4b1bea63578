#!/usr/bin/env bash
# Clone the pinned MicroPython and CMSIS-NN into the dependency cache, with
# only the submodules our ports need. Reuses what is already there.
# Usage: firmware/deps.sh [all|core|PORT...]
#   core = CMSIS-NN + MicroPython, no port submodules; all = every port below;
#   PORT = unix, qemu, stm32 or rp2: only the submodules those ports need.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
val() { sed -n "s/^$1 *:= *//p" "$here/versions.mk"; }
deps=${TINYML_DEPS:-$HOME/.cache/tinyml}
mpy_dir=${MICROPY_DIR:-$deps/micropython-$(val MICROPY_VERSION)}
cmsis_dir=${CMSIS_NN_DIR:-$deps/CMSIS-NN-$(val CMSIS_NN_VERSION)}
mkdir -p "$deps"

clone() { # url tag dir
    local url=$1 tag=$2 dir=$3
    if [ -e "$dir/.tinyml-ok" ]; then
        echo "deps: $dir ($tag) already present"
        return 0
    fi
    rm -rf "$dir.tmp"
    echo "deps: cloning $url $tag"
    if ! git clone -q --depth 1 --branch "$tag" -c advice.detachedHead=false "$url" "$dir.tmp"; then
        rm -rf "$dir.tmp"
        echo "deps: cannot clone $url ($tag): no network and no mirror" >&2
        return 1
    fi
    rm -rf "$dir"
    mv "$dir.tmp" "$dir"
    touch "$dir/.tinyml-ok"
}

sm_commit() { git -C "$mpy_dir" ls-tree HEAD "$1" | awk '$2 == "commit" {print $3}'; }

sm_ok() { # submodule checked out, clean, at the commit micropython pins
    local sm=$1 want have
    want=$(sm_commit "$sm")
    [ -n "$want" ] && [ -e "$mpy_dir/$sm/.git" ] || return 1
    have=$(git -C "$mpy_dir/$sm" rev-parse -q --verify HEAD 2>/dev/null) || return 1
    [ "$have" = "$want" ] && [ -z "$(git -C "$mpy_dir/$sm" status --porcelain --untracked-files=no 2>/dev/null)" ]
}

sm_reset() { # forget a broken or partial submodule checkout
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
            echo "deps: micropython submodule $sm already present"
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
            git -C "$mpy_dir" submodule update -q --init --depth 1 -- "$sm" || true
            if ! sm_ok "$sm"; then # pinned commit not fetchable shallowly: full clone
                sm_reset "$sm"
                git -C "$mpy_dir" submodule update -q --init -- "$sm" || true
            fi ;;
        esac
        if ! sm_ok "$sm"; then
            echo "deps: ERROR: micropython submodule $sm could not be checked out at $(sm_commit "$sm")" >&2
            sm_reset "$sm"
            failed+=("$sm")
        fi
    done
    [ ${#failed[@]} = 0 ] || { echo "deps: ERROR: failed submodules: ${failed[*]}" >&2; return 1; }
}

[ $# -gt 0 ] || set -- all
ok=1
clone "$(val CMSIS_NN_URL)" "$(val CMSIS_NN_VERSION)" "$cmsis_dir" || ok=0
clone "$(val MICROPY_URL)" "$(val MICROPY_VERSION)" "$mpy_dir" || ok=0
wanted=()
for arg in "$@"; do
    case $arg in # frozen manifests need micropython-lib; unix builds without btree/ffi/ssl
    core) ;;
    unix | qemu) wanted+=(lib/micropython-lib) ;;
    stm32) wanted+=(lib/micropython-lib lib/stm32lib lib/libhydrogen lib/tinyusb) ;;
    rp2) wanted+=(lib/micropython-lib lib/pico-sdk lib/tinyusb lib/mbedtls) ;;
    all) wanted+=(lib/micropython-lib lib/stm32lib lib/libhydrogen lib/tinyusb lib/pico-sdk lib/mbedtls) ;;
    *) echo "deps: ERROR: unknown argument '$arg' (all, core, unix, qemu, stm32, rp2)" >&2; exit 2 ;;
    esac
done
if [ "$ok" = 1 ] && [ ${#wanted[@]} -gt 0 ]; then
    submodules $(printf '%s\n' "${wanted[@]}" | awk '!seen[$0]++') || ok=0
fi
if [ "$ok" != 1 ]; then
    echo "deps: ERROR: dependencies incomplete (see the lines above)" >&2
    exit 1
fi
echo "deps: MICROPY_DIR=$mpy_dir"
echo "deps: CMSIS_NN_DIR=$cmsis_dir"
