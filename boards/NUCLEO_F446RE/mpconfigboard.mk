# tinyml overlay of the stm32 port's NUCLEO_F446RE board, built out of the
# MicroPython tree with BOARD_DIR=<repo>/boards/NUCLEO_F446RE (see
# firmware/firmware.mk): the port's board files and flash layout unchanged, plus
#  - the tinyml frozen manifest (manifest.py);
#  - the CMSIS-NN backend (Cortex-M4F with DSP), set here because the port
#    adds -mcpu to CFLAGS only after the user modules are read;
#  - a flash layout with 64 KiB more text (stm32f446_tinyml.ld: text from
#    sector 4, filesystem in sectors 1-3, 48 KiB): the port's 384 KiB text
#    region holds MicroPython (321 KiB with its frozen modules) but not the
#    module with its operators (88 KiB with every optional group left out);
#  - the core and kernels at -Os, the float, rnn and signal operator groups
#    left out (TINYML_OPS_EXCLUDE; the board's 90 KiB heap holds int8/int16
#    models), and link-time optimisation (the port's LTO=1: 16 KB less text;
#    454,284 B of the 448 KiB region used, 4,468 B left);
#  - the planner's in-place and band-by-band execution left out
#    (TINYML_PLAN_ROWS=0: every model planned as TFLM plans it; with them the
#    link overflows the region by 3,140 B);
#  - int4 weights by the portable kernels (TINYML_INT4_KERNELS=portable):
#    CMSIS-NN's s4 kernels overflow the region by 8.6 KB; int4 models, half
#    the flash (or filesystem) for their weights, run with ~3 KB of code;
#  - no over-the-air updates (TINYML_OTA=0, and tinyml.ota left out of the
#    frozen package): the verifier and tinyml.ota take more flash than the
#    region has left (see README, "Updating models in the field");
#  - no DSP kernels of our own (TINYML_KERNELS_DSP=0: CMSIS-NN runs every
#    CONV_2D, as on TFLM): they take more flash than the region has left.
# The port reads the board's headers (mpconfigboard.h, stm32f4xx_hal_conf.h)
# and pins.csv from $(BOARD_DIR): after this file it points back at the
# port's own NUCLEO_F446RE directory.
TINYML_BOARD_DIR := $(abspath $(BOARD_DIR))
include boards/NUCLEO_F446RE/mpconfigboard.mk
FROZEN_MANIFEST = $(TINYML_BOARD_DIR)/manifest.py
LD_FILES = $(TINYML_BOARD_DIR)/stm32f446_tinyml.ld boards/common_ifs.ld
TEXT1_ADDR = 0x08010000
TINYML_OPS_EXCLUDE ?= float rnn signal
TINYML_OTA ?= 0
LTO ?= 1
TINYML_BACKEND ?= cmsis-nn
TINYML_COPT ?= -Os
TINYML_INT4_KERNELS ?= portable
TINYML_PLAN_ROWS ?= 0
TINYML_KERNELS_DSP ?= 0
override BOARD_DIR := boards/NUCLEO_F446RE
