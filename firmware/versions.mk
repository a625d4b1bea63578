# Pinned upstream sources. `make deps` clones these into $(TINYML_DEPS).
MICROPY_URL     := https://github.com/micropython/micropython
MICROPY_VERSION := v1.28.0
CMSIS_NN_URL     := https://github.com/ARM-software/CMSIS-NN
CMSIS_NN_VERSION := v7.0.0
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
