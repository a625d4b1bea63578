# Source lists of the C core, shared by the host build, the cross-build checks
# and the firmware (micropython.mk, micropython.cmake). Expects ROOT,
# CMSIS_NN_DIR, (for the esp-nn backend) ESP_NN_DIR and (for the over-the-air
# update verifier) MONOCYPHER_DIR.
TML_DIR := $(ROOT)/usermod/tinyml
# kernels/: portable/ is the portable C of every operator (the reference; the ref
# backend is portable/ alone); a backend folder (cmsis_nn/, esp_nn/) holds
# wrappers of a kernel library, and its file X.c replaces portable/X.c; a core
# family folder (armv6m/, dsp/) holds kernels of our own, compiled to nothing except
# for that core (or a host test build that forces them on); tml_select.c is the
# one table that chooses, per operator and shape, which implementation runs.
TML_KDIR := $(TML_DIR)/kernels
TML_CORE_SRC := $(sort $(wildcard $(TML_DIR)/core/*.c)) $(TML_KDIR)/tml_select.c \
	$(sort $(wildcard $(TML_KDIR)/armv6m/*.c)) $(sort $(wildcard $(TML_KDIR)/dsp/*.c))
TML_PORTABLE_SRC := $(sort $(wildcard $(TML_KDIR)/portable/*.c))
TML_HDR := $(wildcard $(TML_DIR)/core/*.h $(TML_KDIR)/*.h $(TML_KDIR)/*/*.h)
TML_HOST_SRC := $(TML_DIR)/host/tml_host.c
# a backend folder's sources and the portable files it does not replace
tml_backend_src = $(sort $(wildcard $(TML_KDIR)/$(1)/*.c)) \
	$(filter-out $(addprefix $(TML_KDIR)/portable/,$(notdir $(wildcard $(TML_KDIR)/$(1)/*.c))),$(TML_PORTABLE_SRC))
TML_SRC_REF := $(TML_CORE_SRC) $(TML_PORTABLE_SRC)
CMSIS_NN_SRC = $(sort $(wildcard $(CMSIS_NN_DIR)/Source/*/*.c))
TML_SRC_CMSIS = $(TML_CORE_SRC) $(call tml_backend_src,cmsis_nn) $(CMSIS_NN_SRC)
TML_CMSIS_CFLAGS = -DTML_BACKEND_CMSIS_NN -I$(CMSIS_NN_DIR)/Include
# ARMv6-M kernels (kernels/armv6m/) forced on in a host build, so the per-op
# grids run their C (on an ARMv6-M target __ARM_ARCH_6M__ turns them on)
TML_ARMV6M_CFLAGS = -DTML_KERNELS_ARMV6M=1
# DSP kernels (kernels/dsp/) forced on in a host build, their SIMD instructions as C (on a
# Cortex-M4/M7/M33 target __ARM_FEATURE_DSP turns them on)
TML_DSP_CFLAGS = -DTML_KERNELS_DSP=1
# esp-nn backend: our wrappers (kernels/esp_nn/X.c replaces kernels/portable/X.c;
# the other portable files serve the operators ESP-NN lacks) and ESP-NN's C sources (its
# ANSI C and generic optimisations, as its CMakeLists.txt builds them for every
# chip); ESP_NN_SRC_S3 adds its ESP32-S3 assembly (S3 builds only). Flavour
# defines: none (generic optimisations), TML_ESP_NN_ANSI, TML_ESP_NN_S3.
TML_ESP_NN_OWN = $(TML_CORE_SRC) $(call tml_backend_src,esp_nn)
ESP_NN_SRC = $(sort $(wildcard $(ESP_NN_DIR)/src/*/*_ansi.c $(ESP_NN_DIR)/src/*/*_opt.c))
ESP_NN_SRC_S3 = $(sort $(wildcard $(ESP_NN_DIR)/src/*/*_esp32s3.c $(ESP_NN_DIR)/src/*/*_esp32s3.S))
TML_SRC_ESP_NN = $(TML_ESP_NN_OWN) $(ESP_NN_SRC)
TML_SRC_ESP_NN_S3 = $(TML_ESP_NN_OWN) $(ESP_NN_SRC) $(ESP_NN_SRC_S3)
TML_ESP_NN_CFLAGS = -DTML_BACKEND_ESP_NN -I$(ESP_NN_DIR)/include
# what ESP-NN's own sources need besides (its CMakeLists.txt: include, src/common)
ESP_NN_INC = -I$(ESP_NN_DIR)/include -I$(ESP_NN_DIR)/src/common
# Float multiply-adds are not fused (-ffp-contract=off: GCC fuses by default in
# GNU C modes, the MicroPython ports' dialect), so float kernels round as TFLM's
# reference does. Signed overflow wraps, as it does in TFLM's compiled reference kernels (and
# CMSIS-NN on Arm): defined behaviour for accumulators fed absurd biases.
TML_CFLAGS := -fwrapv -ffp-contract=off
# Over-the-air model updates: the signed-bundle verifier (ota/, plain C like the
# core) and the Ed25519 check it calls, Monocypher's (EdDSA + its optional SHA-512).
TML_OTA_SRC := $(sort $(wildcard $(TML_DIR)/ota/*.c))
MONOCYPHER_SRC = $(MONOCYPHER_DIR)/src/monocypher.c $(MONOCYPHER_DIR)/src/optional/monocypher-ed25519.c
TML_OTA_CFLAGS = -I$(MONOCYPHER_DIR)/src -I$(MONOCYPHER_DIR)/src/optional
