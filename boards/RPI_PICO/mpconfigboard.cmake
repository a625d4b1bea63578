# tinyml overlay of the rp2 port's RPI_PICO board, built out of the MicroPython
# tree with BOARD_DIR=<repo>/boards/RPI_PICO (see firmware/firmware.mk):
# the port's board files unchanged, plus the tinyml frozen manifest.
include(${MICROPY_PORT_DIR}/boards/RPI_PICO/mpconfigboard.cmake)
set(MICROPY_BOARD_PINS ${MICROPY_PORT_DIR}/boards/RPI_PICO/pins.csv)
set(MICROPY_FROZEN_MANIFEST ${MICROPY_BOARD_DIR}/manifest.py)
