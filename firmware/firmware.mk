# Firmware: pinned MicroPython ($(MICROPY_DIR)) + the tinyml user C module
# (usermod/) + the frozen tinyml package (lib/), one board at a time.
#   make firmware BOARD=unix|MPS2_AN385|MPS2_AN500|MPS3_AN547 [TINYML_BACKEND=ref|cmsis-nn]
#   make firmware-all            every board
#   make qemu BOARD=MPS2_AN500   boot it in QEMU on a pty: mpremote connect <pty>
# Builds go to build/firmware/<BOARD>[-<backend>]/ (never into the MicroPython
# tree), images to firmware/images/<BOARD>[-<backend>]/ (the suffix only when
# TINYML_BACKEND is given). Default backend: cmsis-nn on Cortex-M, ref on unix.
FW_BOARDS := unix MPS2_AN385 MPS2_AN500 MPS3_AN547
FW_BOARD = $(or $(BOARD),unix)
FW_JOBS ?= -j2
FW_NAME = $(FW_BOARD)$(if $(TINYML_BACKEND),-$(TINYML_BACKEND))
FW_BUILD = $(BUILD)/firmware/$(FW_NAME)
FW_IMAGES = $(ROOT)/firmware/images/$(FW_NAME)
FW_MPYCROSS := $(BUILD)/firmware/mpy-cross/mpy-cross
FW_ARGS = BUILD=$(FW_BUILD) USER_C_MODULES=$(ROOT)/usermod MICROPY_MPYCROSS=$(FW_MPYCROSS) \
	CMSIS_NN_DIR=$(CMSIS_NN_DIR) $(if $(TINYML_BACKEND),TINYML_BACKEND=$(TINYML_BACKEND))

ifeq ($(FW_BOARD),unix)
FW_PORT_ARGS = -C $(MICROPY_DIR)/ports/unix VARIANT_DIR=$(ROOT)/boards/unix
FW_OUT = $(FW_BUILD)/micropython
FW_SIZE ?= size
else
FW_PORT_ARGS = -C $(MICROPY_DIR)/ports/qemu BOARD=$(FW_BOARD) BOARD_DIR=$(ROOT)/boards/$(FW_BOARD)
FW_OUT = $(FW_BUILD)/firmware.elf
FW_SIZE ?= arm-none-eabi-size
endif

.PHONY: firmware firmware-all qemu fw-check fw-mpy-cross

fw-check:
	@case " $(FW_BOARDS) " in *" $(FW_BOARD) "*) ;; \
	  *) echo "firmware: unknown BOARD=$(FW_BOARD) (one of: $(FW_BOARDS))"; exit 1;; esac
	@test -e $(MICROPY_DIR)/py/mpconfig.h || \
	  { echo "firmware: MicroPython not in $(MICROPY_DIR): run 'make deps'"; exit 1; }
	@test -e $(MICROPY_DIR)/lib/micropython-lib/README.md || \
	  { echo "firmware: micropython-lib missing in $(MICROPY_DIR): run 'firmware/deps.sh unix qemu'"; exit 1; }

fw-mpy-cross: fw-check
	@$(MAKE) --no-print-directory -C $(MICROPY_DIR)/mpy-cross BUILD=$(BUILD)/firmware/mpy-cross USER_C_MODULES= $(FW_JOBS) >/dev/null

firmware: fw-mpy-cross
	$(MAKE) $(FW_PORT_ARGS) $(FW_ARGS) $(FW_JOBS)
	@mkdir -p $(FW_IMAGES)
	@cp $(FW_OUT) $(FW_IMAGES)/
	@cp $(ROOT)/boards/$(FW_BOARD)/board.json $(FW_IMAGES)/
	@echo "firmware: $(FW_IMAGES)/$(notdir $(FW_OUT))"
	@$(FW_SIZE) $(FW_IMAGES)/$(notdir $(FW_OUT))
	@$(FW_SIZE) -A $(FW_IMAGES)/$(notdir $(FW_OUT)) | \
	  awk '$$1 == ".gc_heap" { print "(bss includes the GC heap, section .gc_heap: " $$2 " bytes)" }'

firmware-all:
	@set -e; for b in $(FW_BOARDS); do $(MAKE) --no-print-directory firmware BOARD=$$b; done

qemu: fw-check
	@test -e $(FW_IMAGES)/firmware.elf || { echo "qemu: no image for $(FW_NAME): run 'make firmware BOARD=$(FW_BOARD)'"; exit 1; }
	PYTHONPATH=$(ROOT)/host_tools $(PYTHON) -m tinyml_tools.qemu $(FW_BOARD) --image $(FW_IMAGES)/firmware.elf
