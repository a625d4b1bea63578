# tinyml overlay of the stm32 port's NUCLEO_F446RE board, built out of the
# MicroPython tree with BOARD_DIR=<repo>/boards/NUCLEO_F446RE (see
# firmware/firmware.mk): the port's board files and flash layout unchanged, plus
#  - the tinyml frozen manifest (manifest.py);
#  - the CMSIS-NN backend (Cortex-M4F with DSP), set here because the port
#    adds -mcpu to CFLAGS only after the user modules are read;
#  - the core and kernels at -Os: at -O2 the port's 384 KiB text region
#    overflows by about 13 KB.
# The port reads the board's headers (mpconfigboard.h, stm32f4xx_hal_conf.h)
# and pins.csv from $(BOARD_DIR): after this file it points back at the
# port's own NUCLEO_F446RE directory.
TINYML_BOARD_DIR := $(abspath $(BOARD_DIR))
include boards/NUCLEO_F446RE/mpconfigboard.mk
FROZEN_MANIFEST = $(TINYML_BOARD_DIR)/manifest.py
TINYML_BACKEND ?= cmsis-nn
TINYML_COPT ?= -Os
override BOARD_DIR := boards/NUCLEO_F446RE
