# Firmware: pinned MicroPython ($(MICROPY_DIR)) + the tinyml user C module
# (usermod/) + the frozen tinyml package (lib/), one board at a time.
#   make firmware BOARD=unix|MPS2_AN385|MPS2_AN500|MPS3_AN547 [TINYML_BACKEND=ref|cmsis-nn]
#   make firmware BOARD=RPI_PICO|NUCLEO_F446RE|ESP32_GENERIC|ESP32_GENERIC_S3
#                                the real boards (rp2, stm32, esp32 with ESP-IDF v5.x)
#   make firmware BOARD=NETDUINO_PLUS_2   stm32 (STM32F405) for QEMU's netduinoplus2
#   make firmware-all            every board of the first line (unix and QEMU)
#   make qemu BOARD=MPS2_AN500   boot it in QEMU on a pty: mpremote connect <pty> (also NETDUINO_PLUS_2)
# Builds go to build/firmware/<BOARD>[-<backend>]/ (never into the MicroPython
# tree), images to firmware/images/<BOARD>[-<backend>]/ (the suffix only when
# TINYML_BACKEND is given). Default backend: cmsis-nn on Cortex-M, ref on unix
# and ESP32 (Xtensa).
FW_BOARDS := unix MPS2_AN385 MPS2_AN500 MPS3_AN547
FW_BOARDS_HW := RPI_PICO NUCLEO_F446RE NETDUINO_PLUS_2 ESP32_GENERIC ESP32_GENERIC_S3
FW_BOARD = $(or $(BOARD),unix)
FW_JOBS ?= -j2
FW_NAME = $(FW_BOARD)$(if $(TINYML_BACKEND),-$(TINYML_BACKEND))
FW_BUILD = $(BUILD)/firmware/$(FW_NAME)
FW_IMAGES = $(ROOT)/firmware/images/$(FW_NAME)
FW_MPYCROSS := $(BUILD)/firmware/mpy-cross/mpy-cross
FW_ARGS = BUILD=$(FW_BUILD) USER_C_MODULES=$(or $(FW_USERMOD),$(ROOT)/usermod) MICROPY_MPYCROSS=$(FW_MPYCROSS) \
	CMSIS_NN_DIR=$(CMSIS_NN_DIR) $(if $(TINYML_BACKEND),TINYML_BACKEND=$(TINYML_BACKEND))

ifeq ($(FW_BOARD),unix)
FW_PORT_ARGS = -C $(MICROPY_DIR)/ports/unix VARIANT_DIR=$(ROOT)/boards/unix
FW_OUT = $(FW_BUILD)/micropython
FW_SIZE ?= size
else ifeq ($(FW_BOARD),RPI_PICO)
# rp2 (CMake) with the top-level usermod/micropython.cmake; picotool (makes the
# .uf2) is fetched and built once, into the dependency cache
FW_PORT_ARGS = -C $(MICROPY_DIR)/ports/rp2 BOARD_DIR=$(ROOT)/boards/$(FW_BOARD) \
	PICOTOOL_FETCH_FROM_GIT_PATH=$(TINYML_DEPS)/picotool
FW_USERMOD = $(ROOT)/usermod/micropython.cmake
FW_OUT = $(FW_BUILD)/firmware.elf
FW_EXTRA = firmware.uf2
FW_SIZE ?= arm-none-eabi-size
FW_PORT_CHECK = $(call fw-sm-check,lib/pico-sdk lib/tinyusb lib/mbedtls,rp2)
else ifneq ($(filter NUCLEO_F446RE NETDUINO_PLUS_2,$(FW_BOARD)),)
FW_PORT_ARGS = -C $(MICROPY_DIR)/ports/stm32 BOARD_DIR=$(ROOT)/boards/$(FW_BOARD)
FW_OUT = $(FW_BUILD)/firmware.elf
FW_EXTRA = firmware.hex
FW_SIZE ?= arm-none-eabi-size
FW_PORT_CHECK = $(call fw-sm-check,lib/stm32lib lib/libhydrogen lib/tinyusb,stm32)
else ifneq ($(filter ESP32_%,$(FW_BOARD)),)
# esp32 as MicroPython documents it (ports/esp32/README.md): make -C ports/esp32 BOARD_DIR=...
# USER_C_MODULES=.../micropython.cmake, a wrapper of idf.py -B $(FW_BUILD) build, in an ESP-IDF
# environment: the user's (IDF_PATH set and idf.py on PATH: `. $$IDF_PATH/export.sh`), or else the
# one `make deps-esp32` put in the dependency cache (ESP_IDF_ENV below)
FW_PORT_ARGS = -C $(MICROPY_DIR)/ports/esp32 BOARD_DIR=$(ROOT)/boards/$(FW_BOARD)
FW_USERMOD = $(ROOT)/usermod/micropython.cmake
FW_OUT = $(FW_BUILD)/firmware.bin
FW_EXTRA = micropython.elf micropython.bin bootloader/bootloader.bin partition_table/partition-table.bin \
	flasher_args.json sdkconfig
FW_ENV = $(if $(ESP_IDF_USE_CACHE),$(ESP_IDF_ENV))
FW_ESP_CHIP = $(if $(filter ESP32_GENERIC_S3,$(FW_BOARD)),esp32s3,esp32)
FW_PORT_CHECK = $(if $(ESP_IDF_USE_CACHE),$(call esp-idf-cache-check,$(FW_ESP_CHIP)),\
	{ test -n "$$IDF_PATH" && command -v idf.py >/dev/null; } || \
	{ echo "firmware: $(FW_BOARD) needs ESP-IDF: run 'make deps-esp32' (toolchain and ESP-IDF $(ESP_IDF_VERSION) into $(TINYML_DEPS)), or set up your own ESP-IDF and run '. \$$IDF_PATH/export.sh' first"; exit 1; }) && \
	$(call fw-sm-check,lib/berkeley-db-1.xx,esp32)
FW_SIZE_CMD = ls -l $(FW_IMAGES)/firmware.bin $(FW_IMAGES)/micropython.bin | awk '{ print $$NF ": " $$5 " bytes" }' && \
	$(FW_ENV) xtensa-$(FW_ESP_CHIP)-elf-size $(FW_IMAGES)/micropython.elf
else
FW_PORT_ARGS = -C $(MICROPY_DIR)/ports/qemu BOARD=$(FW_BOARD) BOARD_DIR=$(ROOT)/boards/$(FW_BOARD)
FW_OUT = $(FW_BUILD)/firmware.elf
FW_SIZE ?= arm-none-eabi-size
endif

# ---- ESP-IDF from the dependency cache (`make deps-esp32`, firmware/deps-esp32.sh) -------------
# Used for the ESP32 boards when the user has no ESP-IDF environment of their own (IDF_PATH unset).
# What `. $$IDF_PATH/export.sh` would set, for the cached ESP-IDF, its venv and our toolchains, and:
#   IDF_MAINTAINER=1       ESP-IDF's toolchain check (tools/cmake/tool_version_check.cmake) stops
#                          the build unless the compiler is the one ESP-IDF names (Espressif's
#                          esp-13.2.0); with IDF_MAINTAINER set it is a warning (ours is GCC 12.2)
#   IDF_SKIP_CHECK_SUBMODULES=1  ESP-IDF would clone every submodule it finds not checked out; the
#                          cached ESP-IDF has only the ones the ESP32/ESP32-S3 builds use
#                          (ESP_IDF_SUBMODULES in versions.mk), and Mbed TLS from upstream
#   IDF_COMPONENT_MANAGER=0  the component registry is not reachable: the components MicroPython's
#                          ports/esp32/main/idf_component.yml asks for are supplied by
#                          boards/esp32_common/tinyml_esp32.cmake (from TINYML_ESP_COMPONENTS)
ESP_IDF_DIR := $(TINYML_DEPS)/esp-idf-$(ESP_IDF_VERSION)
ESP_IDF_VENV := $(ESP_IDF_DIR)-venv
ESP_COMPONENTS := $(TINYML_DEPS)/esp-protocols-$(ESP_MDNS_VERSION)/components/mdns \
	$(TINYML_DEPS)/esp-eth-drivers-$(subst @,-,$(ESP_LAN867X_VERSION))/lan867x
ESP_XTENSA_BIN := $(TINYML_DEPS)/xtensa-esp32-elf/bin:$(TINYML_DEPS)/xtensa-esp32s3-elf/bin
ESP_IDF_USE_CACHE = $(if $(IDF_PATH),,1)
ESP_IDF_ENV = env IDF_PATH=$(ESP_IDF_DIR) IDF_TOOLS_PATH=$(ESP_IDF_DIR)-tools IDF_PYTHON_ENV_PATH=$(ESP_IDF_VENV) \
	IDF_MAINTAINER=1 IDF_SKIP_CHECK_SUBMODULES=1 IDF_COMPONENT_MANAGER=0 TINYML_ESP_COMPONENTS="$(subst $(eval) ,;,$(strip $(ESP_COMPONENTS)))" \
	PATH=$(ESP_IDF_VENV)/bin:$(ESP_XTENSA_BIN):$(ESP_IDF_DIR)/tools:$$PATH
# esp-idf-cache-check CHIP: the cached ESP-IDF, its venv, mdns and CHIP's toolchain are there
esp-idf-cache-check = for f in $(ESP_IDF_DIR)/tools/idf.py $(ESP_IDF_VENV)/bin/python $(addsuffix /CMakeLists.txt,$(ESP_COMPONENTS)) \
	  $(TINYML_DEPS)/xtensa-$(1)-elf/bin/xtensa-$(1)-elf-g++; do test -e $$f || \
	  { echo "firmware: $(FW_BOARD) needs the Xtensa toolchain and ESP-IDF $(ESP_IDF_VERSION) in $(TINYML_DEPS) (no $$f): run 'make deps-esp32', or set up your own ESP-IDF and run '. \$$IDF_PATH/export.sh' first"; exit 1; }; done

.PHONY: deps-esp32
deps-esp32:
	firmware/deps-esp32.sh
	firmware/deps-qemu-xtensa.sh

.PHONY: firmware firmware-all qemu fw-check fw-mpy-cross

fw-check:
	@case " $(FW_BOARDS) $(FW_BOARDS_HW) " in *" $(FW_BOARD) "*) ;; \
	  *) echo "firmware: unknown BOARD=$(FW_BOARD) (one of: $(FW_BOARDS) $(FW_BOARDS_HW))"; exit 1;; esac
	@test -e $(MICROPY_DIR)/py/mpconfig.h || \
	  { echo "firmware: MicroPython not in $(MICROPY_DIR): run 'make deps'"; exit 1; }
	@test -e $(MICROPY_DIR)/lib/micropython-lib/README.md || \
	  { echo "firmware: micropython-lib missing in $(MICROPY_DIR): run 'firmware/deps.sh unix qemu'"; exit 1; }
	@$(or $(FW_PORT_CHECK),true)

# fw-sm-check SUBMODULES,PORT: each submodule checked out at the commit the
# pinned MicroPython records (a dependency-cache problem, not a code problem)
fw-sm-check = for sm in $(1); do \
	  want=$$(git -C $(MICROPY_DIR) ls-tree HEAD $$sm | awk '{print $$3}'); \
	  if [ $$sm = lib/stm32lib ] && [ -e $(MICROPY_DIR)/.tinyml-stm32lib-fallback ]; then want=$(STM32LIB_FALLBACK); \
	    echo "firmware: note: lib/stm32lib is at the pinned fallback $(STM32LIB_FALLBACK) (see firmware/versions.mk)"; fi; \
	  if [ $$sm = lib/berkeley-db-1.xx ] && [ -e $(MICROPY_DIR)/.tinyml-berkeley-db-1.xx-fallback ]; then want=$(BERKELEY_DB_FALLBACK); \
	    echo "firmware: note: lib/berkeley-db-1.xx is at the pinned fallback $(BERKELEY_DB_FALLBACK) (see firmware/versions.mk)"; fi; \
	  have=$$(test -e $(MICROPY_DIR)/$$sm/.git && git -C $(MICROPY_DIR)/$$sm rev-parse -q --verify HEAD 2>/dev/null); \
	  [ -n "$$have" ] && [ "$$have" = "$$want" ] || { echo "firmware: $(FW_BOARD) needs $$sm at $$want (pinned by MicroPython $(MICROPY_VERSION)), the dependency cache has $${have:-no checkout}: run 'firmware/deps.sh $(2)'"; exit 1; }; \
	done

fw-mpy-cross: fw-check
	@$(MAKE) --no-print-directory -C $(MICROPY_DIR)/mpy-cross BUILD=$(BUILD)/firmware/mpy-cross USER_C_MODULES= $(FW_JOBS) >/dev/null

firmware: $(if $(FW_MPYCROSS_BUILT),fw-check,fw-mpy-cross)
	$(FW_ENV) $(MAKE) $(FW_PORT_ARGS) $(FW_ARGS) $(FW_JOBS)
	@mkdir -p $(FW_IMAGES)
	@cp $(FW_OUT) $(FW_IMAGES)/
	@$(if $(FW_EXTRA),cd $(FW_BUILD) && cp --parents $(FW_EXTRA) $(FW_IMAGES)/)
	@cp $(ROOT)/boards/$(FW_BOARD)/board.json $(FW_IMAGES)/
	@echo "firmware: $(FW_IMAGES)/$(notdir $(FW_OUT))$(foreach f,$(FW_EXTRA), $(FW_IMAGES)/$(f))"
ifdef FW_SIZE_CMD
	@$(FW_SIZE_CMD)
else
	@$(FW_SIZE) $(FW_IMAGES)/$(notdir $(FW_OUT))
	@h=$$($(subst size,nm,$(FW_SIZE)) -S $(FW_IMAGES)/$(notdir $(FW_OUT)) 2>/dev/null | awk '$$4 == "gc_heap" { print $$2 }'); \
	  if [ -n "$$h" ]; then echo "(bss includes the GC heap: $$((16#$$h)) bytes)"; fi
	@$(if $(FW_EXTRA),ls -l $(addprefix $(FW_IMAGES)/,$(FW_EXTRA)) | awk '{ print $$NF ": " $$5 " bytes" }')
endif

firmware-all:
	@set -e; for b in $(FW_BOARDS); do $(MAKE) --no-print-directory firmware BOARD=$$b; done

qemu: fw-check
	@test -e $(FW_IMAGES)/firmware.elf || { echo "qemu: no image for $(FW_NAME): run 'make firmware BOARD=$(FW_BOARD)'"; exit 1; }
	PYTHONPATH=$(ROOT)/host_tools $(PYTHON) -m tinyml_tools.qemu $(FW_BOARD) --image $(FW_IMAGES)/firmware.elf

# ---- device tests and the device benchmark -------------------------------------
#   make firmware BOARD=... TINYML_BACKEND=none   the board without the tinyml C
#                                  module (size comparisons; images/<BOARD>-none/)
#   make firmware-test-images      unix + the QEMU and emulated boards, for tests/firmware/
#   make bench-board BOARD=MPS2_AN500   (make bench BOARD=...) tests/bench/bench_device.py
#                                  on the board's cmsis-nn and ref images; with the TFLM
#                                  sources (firmware/deps.sh tflm) also make bench-tflm, and
#                                  TFLM's counts next to the firmware's
ifeq ($(TINYML_BACKEND),none)
FW_ARGS = BUILD=$(FW_BUILD) USER_C_MODULES= MICROPY_MPYCROSS=$(FW_MPYCROSS)
endif
FW_QEMU_BOARDS := MPS2_AN385 MPS2_AN500 MPS3_AN547
FW_HAVE_MICROPY = test -e $(MICROPY_DIR)/py/mpconfig.h

# fw-build-quiet BOARD,BACKEND: make firmware, output in a log shown on failure
fw-build-quiet = log=$(BUILD)/firmware/$(1)$(if $(2),-$(2)).log; mkdir -p $(BUILD)/firmware; \
	echo "  FIRMWARE $(1)$(if $(2), ($(2)))"; \
	$(MAKE) --no-print-directory firmware BOARD=$(1) $(if $(2),TINYML_BACKEND=$(2)) >$$log 2>&1 || \
	{ tail -n 25 $$log; echo "firmware: $(1)$(if $(2), $(2)) failed (full log: $$log)"; exit 1; }

# Boards of the real-hardware ports that the device tests run in an emulator
# (RPI_PICO in rp2040js, tests/rp2040/; the STM32F405 board in QEMU), built
# where their port's sources are in the dependency cache; otherwise one line
# says why, and their tests skip saying the same.
FW_EMU_BOARDS := RPI_PICO NETDUINO_PLUS_2
fw-build-if-sources = if why=$$($(MAKE) --no-print-directory fw-check BOARD=$(1) 2>&1); then $(call fw-build-quiet,$(1),); \
	else echo "  FIRMWARE $(1): skipped: $$(echo "$$why" | grep '^firmware:' | tail -n 1)"; fi

# Two images at a time (FW_IMAGE_JOBS), each with $(FW_JOBS): a build's serial steps (qstr
# generation, linking) leave a core idle otherwise. mpy-cross, which they share, is built first.
FW_IMAGE_JOBS ?= -j2
# (the unix port's cmsis-nn build, `make firmware BOARD=unix TINYML_BACKEND=cmsis-nn`, is not one of
# them: CMSIS-NN's plain C path runs through the binding on MPS2_AN385 and through the host library in
# tests/host; test_device.py tests the unix build too where it has been built)
# The ESP32 boards: built where `make deps-esp32` has run (or in the user's ESP-IDF environment),
# checked by tests/firmware/test_esp32.py; ESP-IDF's ninja rebuilds only what changed.
FW_ESP32_BOARDS := ESP32_GENERIC ESP32_GENERIC_S3
FW_TEST_IMAGES := $(FW_EMU_BOARDS) $(FW_QEMU_BOARDS) unix $(FW_ESP32_BOARDS)

.PHONY: firmware-test-images fw-test-images bench-board
firmware-test-images:
	@if $(FW_HAVE_MICROPY); then \
	  $(MAKE) --no-print-directory fw-mpy-cross && \
	  $(MAKE) --no-print-directory $(FW_IMAGE_JOBS) fw-test-images FW_MPYCROSS_BUILT=1; \
	else echo "firmware-test-images: MicroPython not in $(MICROPY_DIR) (run 'make deps'): the firmware tests will skip"; fi

fw-test-images: $(addprefix fw-image-,$(FW_TEST_IMAGES))
$(addprefix fw-image-,unix $(FW_QEMU_BOARDS)):
	@$(call fw-build-quiet,$(@:fw-image-%=%),)
$(addprefix fw-image-,$(FW_EMU_BOARDS) $(FW_ESP32_BOARDS)):
	@$(call fw-build-if-sources,$(@:fw-image-%=%))

bench-board:
	@case " $(FW_QEMU_BOARDS) " in *" $(BOARD) "*) ;; \
	  *) echo "bench: BOARD must be one of: $(FW_QEMU_BOARDS)"; exit 1;; esac
	@if $(FW_HAVE_MICROPY); then set -e; \
	  $(call fw-build-quiet,$(BOARD),); $(call fw-build-quiet,$(BOARD),ref); \
	else echo "bench: MicroPython not in $(MICROPY_DIR): benchmarking the images already in firmware/images/"; fi
	@if [ "$(words $(BT_HAVE_TFLM))" = 5 ] && $(MAKE) --no-print-directory bench-tflm BOARD=$(BOARD) >$(BUILD)/bench-tflm-$(BOARD).md; then \
	  cat $(BUILD)/bench-tflm-$(BOARD).md; \
	else echo "bench: no TFLM comparison (TensorFlow Lite Micro sources: firmware/deps.sh tflm)"; rm -f $(BUILD)/bench-tflm/$(BOARD)/all/results.json; fi
	@tf=$(BUILD)/bench-tflm/$(BOARD)/all/results.json; \
	  PYTHONPATH=$(ROOT)/host_tools $(PYTHON) tests/bench/bench_device.py --board $(BOARD) $$([ -e $$tf ] && echo --tflm $$tf)

# ---- make size: flash taken by the tinyml module per board (firmware/size.py) ----------
#   make size                  every firmware board that can be built here (ESP32: after make deps-esp32) (built first if needed,
#                              incrementally): firmware, without tinyml, the module and each operator group
#   make size BOARD=MPS2_AN500 [SIZE_GROUPS=rnn,float]   one board; SIZE_GROUPS= (empty) skips the groups
SIZE_BOARDS := $(FW_QEMU_BOARDS) $(FW_EMU_BOARDS) NUCLEO_F446RE ESP32_GENERIC ESP32_GENERIC_S3
SIZE_GROUPS ?= int16,float,math,data,rnn,signal
.PHONY: size size-args
size-args:
	@echo '$(FW_PORT_ARGS) $(FW_ARGS)'

size:
	@set -e; args=""; for b in $(or $(BOARD),$(SIZE_BOARDS)); do \
	  if why=$$($(MAKE) --no-print-directory fw-check BOARD=$$b 2>&1); then \
	    echo "  FIRMWARE $$b"; mkdir -p $(BUILD)/firmware; \
	    $(MAKE) --no-print-directory firmware BOARD=$$b >$(BUILD)/firmware/$$b.log 2>&1 || \
	      { args="$$args --failed $$b"; echo "  $$b: the build fails (log: $(BUILD)/firmware/$$b.log)"; }; \
	  else echo "  $$b: cannot be built here: $$(echo "$$why" | grep '^firmware:' | tail -n 1)"; fi; \
	  args="$$args --board $$b --make-args $$b=\"$$($(MAKE) -s --no-print-directory size-args BOARD=$$b)\""; \
	done; eval $(PYTHON) firmware/size.py --groups='$(SIZE_GROUPS)' $$args
