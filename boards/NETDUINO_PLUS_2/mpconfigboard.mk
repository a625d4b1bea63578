# tinyml NETDUINO_PLUS_2: the stm32 port's NETDUINO_PLUS_2 board (STM32F405RG)
# configured to run in QEMU 7.2's netduinoplus2 machine, built out of the
# MicroPython tree with BOARD_DIR=<repo>/boards/NETDUINO_PLUS_2 (see
# firmware/firmware.mk). From the port's board: its MCU settings and flash
# layout (mpconfigboard.mk below), its HAL configuration, and its pin names
# (pins.csv: a copy, as the port reads it from BOARD_DIR). Here:
#  - stm32f405_qemu.ld: the port's stm32f405.ld for QEMU's memory (192 KiB of
#    SRAM, no CCM): data, GC heap and the 16 KiB stack in the first 112 KiB, an
#    80 KiB littlefs RAM disk at 0x2001C000 in the rest (../qemu-common/ramdisk.mk,
#    512-byte blocks: small files take little room);
#  - mpconfigboard.h: the port's board header changed where QEMU differs
#    (REPL on USART1, no flash filesystem, no USB, no RNG);
#  - board.c: SystemClock_Config for a machine without RCC (168 MHz, fixed),
#    and a workaround for QEMU's USART interrupt;
#  - the tinyml frozen manifest; the CMSIS-NN backend (Cortex-M4F, DSP), set
#    here because the port adds -mcpu to CFLAGS only after the user modules are
#    read; profiling on the SysTick (QEMU's DWT cycle counter does not count).
include boards/NETDUINO_PLUS_2/mpconfigboard.mk
LD_FILES = $(BOARD_DIR)/stm32f405_qemu.ld boards/common_ifs.ld
FROZEN_MANIFEST = $(BOARD_DIR)/manifest.py
TINYML_BACKEND ?= cmsis-nn
CFLAGS += -DTINYML_PROFILE_SYSTICK=1
TINYML_RAMDISK_BLOCK = 512
include $(BOARD_DIR)/../qemu-common/ramdisk.mk
