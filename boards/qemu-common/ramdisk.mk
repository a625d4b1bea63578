# The RAM disk of the boards that run in QEMU (included by qemu.mk and by the
# stm32 board NETDUINO_PLUS_2): RAM outside the GC heap, given to ramdisk.c as
# the symbols _ramdisk_start/_ramdisk_end, with littlefs mounted at / (ramdisk.c).
# The board's linker script defines them, or, where a board keeps the port's
# script, TINYML_RAMDISK_START and _BYTES (RAM that script leaves alone) do.
# TINYML_RAMDISK_BLOCK: littlefs block size (default 4096).
TINYML_RAMDISK_DIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
ifneq ($(TINYML_RAMDISK_START),)
LDFLAGS += -Wl,--defsym=_ramdisk_start=$(TINYML_RAMDISK_START) \
	-Wl,--defsym=_ramdisk_end=$(TINYML_RAMDISK_START)+$(TINYML_RAMDISK_BYTES)
endif
CFLAGS += $(if $(TINYML_RAMDISK_BLOCK),-DTINYML_RAMDISK_BLOCK_SIZE=$(TINYML_RAMDISK_BLOCK))
SRC_C += $(TINYML_RAMDISK_DIR)/ramdisk.c
MICROPY_VFS_LFS2 = 1
