# Pinned upstream sources. `make deps` clones these into $(TINYML_DEPS).
MICROPY_URL     := https://github.com/micropython/micropython
MICROPY_VERSION := v1.28.0
CMSIS_NN_URL     := https://github.com/ARM-software/CMSIS-NN
CMSIS_NN_VERSION := v7.0.0
# Monocypher: the Ed25519 signature check of over-the-air model bundles
# (usermod/tinyml/ota/, src/monocypher.c + src/optional/monocypher-ed25519.c:
# EdDSA with SHA-512). 4.0.3 fixes a timing leak in signing (the device only
# verifies; the host signs with PyPI's cryptography).
MONOCYPHER_URL     := https://github.com/LoupVaillant/Monocypher
MONOCYPHER_VERSION := 4.0.3
# picotool: the version pico-sdk 2.2.0 (pinned by MicroPython v1.28.0) fetches
# when it finds none; built once into $(TINYML_DEPS)/picotool by `make deps`.
PICOTOOL_URL     := https://github.com/raspberrypi/picotool
PICOTOOL_VERSION := 2.2.0
# rp2040js (the RP2040 emulator of tests/rp2040): its npm release is pinned in
# tests/rp2040/package.json; the RP2040 boot ROM it needs is in its source
# repository only (demo/bootrom.ts), cloned at the same release.
RP2040JS_URL     := https://github.com/wokwi/rp2040js
RP2040JS_VERSION := v1.3.3
# MicroPython v1.28.0 pins lib/stm32lib 07619754, which some mirrors lack. Where
# it cannot be fetched, `make deps` says so and uses this commit (pinned by
# MicroPython v1.24 and v1.25), whose STM32F4 HAL is the same release (1.16.0).
STM32LIB_FALLBACK := 928df866e4d287ebc3c60726151513ebee609128
# TensorFlow Lite Micro, for `make bench-tflm` only (tests/bench/tflm/): a
# commit (TFLM has no releases) whose CMSIS-NN download is our CMSIS-NN v7.0.0
# (22080c68), and the third-party sources its Makefile downloads, at the
# versions its tools/make/*download*.sh and third_party_downloads.inc pin.
TFLM_URL          := https://github.com/tensorflow/tflite-micro
TFLM_VERSION      := b15beb9d49e5830ce66666c90d353939aa8e0d4f
FLATBUFFERS_URL   := https://github.com/google/flatbuffers
FLATBUFFERS_VERSION := v23.5.26
GEMMLOWP_URL      := https://github.com/google/gemmlowp
GEMMLOWP_VERSION  := 719139ce755a0f31cbf1c37f7f98adcc7fc9f425
RUY_URL           := https://github.com/google/ruy
RUY_VERSION       := d37128311b445e758136b8602d1bbd2a755e115d
CMSIS6_URL        := https://github.com/ARM-software/CMSIS_6
CMSIS6_VERSION    := 5782d6f8057906d360f4b95ec08a2354afe5c9b9
