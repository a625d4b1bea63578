# Pinned upstream sources. `make deps` clones these into $(TINYML_DEPS).
MICROPY_URL     := https://github.com/micropython/micropython
MICROPY_VERSION := v1.28.0
CMSIS_NN_URL     := https://github.com/ARM-software/CMSIS-NN
CMSIS_NN_VERSION := v7.0.0
# ESP-NN, Espressif's kernel library (the one esp-tflite-micro calls), for the
# esp-nn backend (kernels/esp_nn/): its latest release; esp-tflite-micro 1.4.0
# asks for >= 1.1.1.
ESP_NN_URL     := https://github.com/espressif/esp-nn
ESP_NN_VERSION := v1.2.0
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
# Likewise lib/berkeley-db-1.xx (the esp32 port's btree module): MicroPython v1.28.0 pins 0f3bb694,
# which some mirrors lack; the fallback is the commit v1.23-v1.25 pin, one commit older (it lacks
# only a memory-leak fix for when lseek fails while creating the memory pool).
BERKELEY_DB_FALLBACK := 85373b548f1fb0119a463582570b44189dfb09ae
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
# ESP32 / ESP32-S3 (`make deps-esp32`, firmware/deps-esp32.sh; opt-in): the xtensa-esp32-elf and
# xtensa-esp32s3-elf toolchains built from Debian's binutils-source and gcc-12-source (the upstream
# tarballs those packages carry), Espressif's core overlays and Espressif's newlib; and ESP-IDF.
ESP_BINUTILS_VERSION    := 2.40
ESP_GCC_VERSION         := 12.2.0
XTENSA_OVERLAYS_URL     := https://github.com/espressif/xtensa-overlays
XTENSA_OVERLAYS_VERSION := dd1cf19f6eb327a9db51043439974a6de13f5c7f
NEWLIB_ESP32_URL        := https://github.com/espressif/newlib-esp32
NEWLIB_ESP32_VERSION    := esp-4.3.0_20240322
# ESP-IDF v5.3.1, not v5.5.1 (the one MicroPython v1.28.0 recommends; it also supports v5.3):
# v5.5.1's NimBLE, lwIP, TLSF and mbedtls submodule commits are not to be had here (the mirrors of
# espressif/esp-nimble, esp-lwip and tlsf end in 2024, espressif/mbedtls in 2021); v5.3.1 is the
# newest ESP-IDF release whose submodules are all there except mbedtls. ESP-IDF v5.3.1's own
# toolchain is esp-13.2.0; what GCC 12 needs is handled in boards/esp32_common/ (see README).
ESP_IDF_URL             := https://github.com/espressif/esp-idf
ESP_IDF_VERSION         := v5.3.1
# The ESP-IDF submodules the esp32/esp32s3 builds use, at the commits ESP-IDF pins. Not fetched:
# components/esp_wifi/lib (esp32-wifi-lib, the Wi-Fi binary libraries: a 2.3 GB repository), so
# the images are built without Wi-Fi (boards/esp32_common/); nor the test frameworks (unity,
# CMock), OpenThread and the other chips' Bluetooth libraries.
ESP_IDF_SUBMODULES      := components/bt/controller/lib_esp32 components/bt/controller/lib_esp32c3_family components/bt/host/nimble/nimble components/esp_phy/lib components/esp_coex/lib components/lwip/lwip components/heap/tlsf components/bootloader/subproject/components/micro-ecc/micro-ecc components/spiffs/spiffs components/json/cJSON components/protobuf-c/protobuf-c components/mqtt/esp-mqtt
# components/mbedtls/mbedtls: ESP-IDF pins Espressif's fork of Mbed TLS 3.6.0 (72aa6873), which is
# not to be had here; upstream Mbed TLS 3.6.1 (and the mbedtls-framework commit it pins) is used
# instead: 3.6.0 redefines _GNU_SOURCE, which ESP-IDF defines (an error with its warning flags; the
# fork and upstream 3.6.1 guard it), and 3.6.1 is the version ESP-IDF v5.3.2 moved to. The fork
# adds the software fallbacks ESP-IDF's hardware-accelerated AES-GCM and bignum code calls, so those
# accelerations are off (boards/esp32_common/sdkconfig.mbedtls_sw).
# The components ports/esp32/main/idf_component.yml asks for from the ESP component registry (not
# reachable here), at the versions MicroPython v1.28.0's lockfiles pin, from their source
# repositories: espressif/mdns (both chips) and espressif/lan867x (ESP32: an Ethernet PHY driver).
# espressif/tinyusb (ESP32-S3) comes from micropython/tinyusb-espressif, not to be had here.
ESP_MDNS_URL            := https://github.com/espressif/esp-protocols
ESP_MDNS_VERSION        := mdns-v1.1.0
ESP_LAN867X_URL         := https://github.com/espressif/esp-eth-drivers
ESP_LAN867X_VERSION     := lan867x@v1.0.3
ESP_IDF_MBEDTLS_URL     := https://github.com/Mbed-TLS/mbedtls
ESP_IDF_MBEDTLS_VERSION := v3.6.1
