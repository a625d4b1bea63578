# tinyml overlay of the esp32 port's ESP32_GENERIC board: the port's own settings
# (target, sdkconfig list relative to ports/esp32, mpconfigboard.h) plus the
# tinyml frozen manifest and ../esp32_common; tinyml's cmsis-nn backend (CMSIS-NN's portable C: no DSP/MVE code on Xtensa). Built as
# ports/esp32/README.md documents, in an ESP-IDF v5.x environment
# (`make firmware BOARD=ESP32_GENERIC` runs this):
#   make -C ports/esp32 BOARD_DIR=<repo>/boards/ESP32_GENERIC \
#       BUILD=<repo>/build/firmware/ESP32_GENERIC USER_C_MODULES=<repo>/usermod/micropython.cmake
set(IDF_TARGET esp32)

set(SDKCONFIG_DEFAULTS
    boards/sdkconfig.base
    boards/sdkconfig.ble
)

set(MICROPY_FROZEN_MANIFEST ${MICROPY_BOARD_DIR}/manifest.py)

# What the ESP-IDF at hand lacks (Wi-Fi libraries, component registry, Espressif's Mbed TLS fork,
# Espressif's GCC): see ../esp32_common/tinyml_esp32.cmake
include(${MICROPY_BOARD_DIR}/../esp32_common/tinyml_esp32.cmake)
