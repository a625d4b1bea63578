# tinyml for MicroPython: top-level build.
#   make demo      run the example model on the emulated Cortex-M7 board
#   make test      all tests
#   make deps      clone pinned MicroPython and CMSIS-NN into $(TINYML_DEPS)
#   make deps-esp32   (opt-in, hours) Xtensa toolchains + ESP-IDF + QEMU cores for the ESP32 boards
#   make host-lib  the C core as host shared libraries (one per backend)
#   make bench     benchmark tables (not a test)
#   make bench-instructions   host instructions per inference per backend (callgrind)
#   make bench-tflm BOARD=MPS2_AN500   TFLM vs our core, bare metal in QEMU (tests/bench/tflm/)
SHELL := /bin/bash
ROOT := $(abspath .)
include firmware/versions.mk
TINYML_DEPS ?= $(HOME)/.cache/tinyml
MICROPY_DIR ?= $(TINYML_DEPS)/micropython-$(MICROPY_VERSION)
CMSIS_NN_DIR ?= $(TINYML_DEPS)/CMSIS-NN-$(CMSIS_NN_VERSION)
ESP_NN_DIR ?= $(TINYML_DEPS)/esp-nn-$(ESP_NN_VERSION)
MONOCYPHER_DIR ?= $(TINYML_DEPS)/Monocypher-$(MONOCYPHER_VERSION)
export TINYML_DEPS MICROPY_DIR CMSIS_NN_DIR ESP_NN_DIR MONOCYPHER_DIR
PYTHON ?= python3
BUILD := $(ROOT)/build
HAVE_CMSIS := $(wildcard $(CMSIS_NN_DIR)/Include/arm_nnfunctions.h)
HAVE_ESP_NN := $(wildcard $(ESP_NN_DIR)/include/esp_nn.h)

include usermod/tinyml/core.mk

.PHONY: all deps host-lib host-lib-asan test test-host cross bench lint clean demo demo-tools
all: host-lib

# MicroPython + CMSIS-NN + what unix/QEMU need are required; the RP2040 and
# STM32 submodules are optional (their build tests skip without them).
deps:
	firmware/deps.sh unix qemu
	@firmware/deps.sh rp2 || echo "deps: WARNING: RP2040 sources incomplete: the RPI_PICO build test will skip"
	@firmware/deps.sh stm32 || echo "deps: WARNING: STM32 sources incomplete: the STM32 build test will skip"
	@firmware/deps.sh tflm || echo "deps: WARNING: TensorFlow Lite Micro sources incomplete: make bench-tflm and its test will skip"
	@firmware/deps.sh esp-nn || echo "deps: WARNING: ESP-NN sources missing: the esp-nn backend is not built and its tests skip"

# ---- the demo: the example model on the emulated Cortex-M7 board ---------------
DEMO_BOARD ?= MPS2_AN500
DEMO_APT := gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
demo-tools:
	@missing=""; for p in $(DEMO_APT); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "demo: please run: sudo apt-get install -y$$missing"; exit 1; fi; fi
	@$(PYTHON) -c "import mpremote, numpy" 2>/dev/null || $(PYTHON) -m pip install -q mpremote numpy

demo: demo-tools
	firmware/deps.sh unix qemu
	$(MAKE) --no-print-directory firmware BOARD=$(DEMO_BOARD)
	$(PYTHON) examples/gestures/demo.py --board $(DEMO_BOARD)

# ---- host shared libraries --------------------------------------------------
HOST_CC ?= gcc
HOST_CFLAGS ?= -std=c99 -O2 -g -fPIC -Wall -Wextra -Werror $(TML_CFLAGS)
HOST_LIBDIR := $(ROOT)/host_tools/tinyml_tools/lib
HOST_LIBS := $(HOST_LIBDIR)/libtinyml-ref.so \
	$(if $(HAVE_CMSIS),$(HOST_LIBDIR)/libtinyml-cmsis-nn.so $(HOST_LIBDIR)/libtinyml-armv6m.so \
	  $(HOST_LIBDIR)/libtinyml-dsp.so) \
	$(if $(HAVE_ESP_NN),$(HOST_LIBDIR)/libtinyml-esp-nn.so $(HOST_LIBDIR)/libtinyml-esp-nn-ansi.so)

host-lib: $(HOST_LIBS)
	@$(if $(HAVE_CMSIS),,echo "host-lib: CMSIS-NN not in $(CMSIS_NN_DIR) (run 'make deps'): the cmsis-nn backend was not built")
	@$(if $(HAVE_ESP_NN),,echo "host-lib: ESP-NN not in $(ESP_NN_DIR) (run 'make deps'): the esp-nn backends were not built")

$(HOST_LIBDIR)/libtinyml-ref.so: $(TML_SRC_REF) $(TML_HOST_SRC) $(TML_HDR)
	@mkdir -p $(@D)
	@echo "  HOSTLIB $(notdir $@)"
	@$(HOST_CC) $(HOST_CFLAGS) -shared -o $@ $(TML_SRC_REF) $(TML_HOST_SRC) -lm

$(HOST_LIBDIR)/libtinyml-cmsis-nn.so: $(TML_SRC_CMSIS) $(TML_HOST_SRC) $(TML_HDR)
	@mkdir -p $(@D)
	@echo "  HOSTLIB $(notdir $@)"
	@$(HOST_CC) $(HOST_CFLAGS) $(TML_CMSIS_CFLAGS) -shared -o $@ $(TML_SRC_CMSIS) $(TML_HOST_SRC) -lm

# armv6m: the cmsis-nn backend with the ARMv6-M kernels (kernels/armv6m/) forced on, as an
# RP2040 build selects them (their C; the device runs the same C, but for one
# inline-assembly loop): the per-op grids run them as the "armv6m" backend
$(HOST_LIBDIR)/libtinyml-armv6m.so: $(TML_SRC_CMSIS) $(TML_HOST_SRC) $(TML_HDR)
	@mkdir -p $(@D)
	@echo "  HOSTLIB $(notdir $@)"
	@$(HOST_CC) $(HOST_CFLAGS) $(TML_CMSIS_CFLAGS) $(TML_ARMV6M_CFLAGS) -shared -o $@ $(TML_SRC_CMSIS) $(TML_HOST_SRC) -lm

# dsp: the cmsis-nn backend with the DSP kernels (kernels/dsp/) forced on, as a Cortex-M4/M7
# build selects them, their SIMD instructions as the C of kernels/dsp/tml_dsp.h (the device
# runs the same C, but for one inline-assembly loop): the per-op grids run them as "dsp"
$(HOST_LIBDIR)/libtinyml-dsp.so: $(TML_SRC_CMSIS) $(TML_HOST_SRC) $(TML_HDR)
	@mkdir -p $(@D)
	@echo "  HOSTLIB $(notdir $@)"
	@$(HOST_CC) $(HOST_CFLAGS) $(TML_CMSIS_CFLAGS) $(TML_DSP_CFLAGS) -shared -o $@ $(TML_SRC_CMSIS) $(TML_HOST_SRC) -lm

# esp-nn: ESP-NN compiled as esp-tflite-micro compiles it (-O2, no -fwrapv, its
# warnings off), into one archive both flavours link; our wrappers and the core
# with the strict flags. libtinyml-esp-nn.so: the generic optimisations (what
# the ESP32 runs), libtinyml-esp-nn-ansi.so: ESP-NN's plain C.
ESP_NN_HOST_AR := $(BUILD)/host-esp-nn/libesp-nn.a
$(ESP_NN_HOST_AR): $(ESP_NN_SRC)
	@mkdir -p $(@D)
	@echo "  HOSTAR  ESP-NN $(ESP_NN_VERSION)"
	@rm -f $@ && cd $(@D) && $(HOST_CC) -std=gnu99 -O2 -g -fPIC -w $(ESP_NN_INC) -c $(ESP_NN_SRC) && \
		ar rcs $(@F) $(notdir $(ESP_NN_SRC:.c=.o))

$(HOST_LIBDIR)/libtinyml-esp-nn.so: $(TML_ESP_NN_OWN) $(TML_HOST_SRC) $(TML_HDR) $(ESP_NN_HOST_AR)
	@mkdir -p $(@D)
	@echo "  HOSTLIB $(notdir $@)"
	@$(HOST_CC) $(HOST_CFLAGS) $(TML_ESP_NN_CFLAGS) -shared -o $@ $(TML_ESP_NN_OWN) $(TML_HOST_SRC) $(ESP_NN_HOST_AR) -lm

$(HOST_LIBDIR)/libtinyml-esp-nn-ansi.so: $(TML_ESP_NN_OWN) $(TML_HOST_SRC) $(TML_HDR) $(ESP_NN_HOST_AR)
	@mkdir -p $(@D)
	@echo "  HOSTLIB $(notdir $@)"
	@$(HOST_CC) $(HOST_CFLAGS) $(TML_ESP_NN_CFLAGS) -DTML_ESP_NN_ANSI -shared -o $@ $(TML_ESP_NN_OWN) $(TML_HOST_SRC) \
		$(ESP_NN_HOST_AR) -lm

# Same library with AddressSanitizer + UBSan, for the bad-model tests.
ASAN_LIB := $(BUILD)/asan/libtinyml-ref.so
host-lib-asan: $(ASAN_LIB)
$(ASAN_LIB): $(TML_SRC_REF) $(TML_HOST_SRC) $(TML_HDR)
	@mkdir -p $(@D)
	@echo "  HOSTLIB $@ (ASan+UBSan)"
	@$(HOST_CC) -std=c99 -O1 -g -fPIC -Wall -Wextra -Werror $(TML_CFLAGS) -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		-fno-omit-frame-pointer -shared -o $@ $(TML_SRC_REF) $(TML_HOST_SRC) -lm

# ---- tests ---------------------------------------------------------------
PYTEST ?= $(PYTHON) -m pytest
export PYTHONPATH := $(ROOT)/host_tools$(if $(PYTHONPATH),:$(PYTHONPATH))
export TINYML_ASAN_LIB := $(ASAN_LIB)

# Two pytest workers (pytest-xdist, requirements-dev.txt): the QEMU and rp2040js boards are single-threaded,
# so one core would idle; tests/conftest.py keeps the tests of one booted board in one worker.
# PYTEST_JOBS= runs them in one process.
PYTEST_JOBS ?= $(shell $(PYTHON) -c "import xdist" 2>/dev/null && echo "-n 2 --dist loadgroup --no-loadscope-reorder")

# What the tests need, built side by side: the host libraries and fuzz targets (one compiler
# process each) while the firmware images build.
.PHONY: test-prereqs
test-prereqs: host-lib host-lib-asan fuzz-build firmware-test-images

test:
	@$(MAKE) --no-print-directory -j2 test-prereqs
	@$(if $(PYTEST_JOBS),,echo "test: pytest-xdist not installed (pip install -r requirements-dev.txt): the tests run in one process")
	$(PYTEST) -q -rs $(PYTEST_JOBS) tests

test-host: host-lib host-lib-asan
	$(PYTEST) -q tests/host

# Host benchmark of the core; with BOARD=..., the on-device benchmark (firmware.mk).
bench: host-lib
	$(if $(BOARD),$(MAKE) bench-board BOARD=$(BOARD),$(PYTHON) tests/bench/bench_core.py)

# Host instructions per inference of each shared model and backend (callgrind).
.PHONY: bench-instructions
bench-instructions: host-lib
	$(PYTHON) tests/bench/bench_instructions.py

cross:
	$(PYTHON) tests/cross/crossbuild.py

lint:
	$(PYTHON) -m ruff check host_tools tests examples

clean:
	rm -rf $(BUILD) $(HOST_LIBDIR)

-include firmware/firmware.mk
-include tests/tests.mk
-include tests/fuzz/fuzz.mk
-include tests/bench/tflm/build.mk
