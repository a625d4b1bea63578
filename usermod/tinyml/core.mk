# Source lists of the C core, shared by the host build, the cross-build checks
# and the firmware (micropython.mk). Expects ROOT and CMSIS_NN_DIR (and
# MONOCYPHER_DIR for the over-the-air update verifier).
TML_DIR := $(ROOT)/usermod/tinyml
TML_CORE_SRC := $(sort $(wildcard $(TML_DIR)/core/*.c) $(wildcard $(TML_DIR)/kernels/common/*.c))
TML_HDR := $(wildcard $(TML_DIR)/core/*.h $(TML_DIR)/kernels/*.h $(TML_DIR)/kernels/*/*.h)
TML_HOST_SRC := $(TML_DIR)/host/tml_host.c
TML_SRC_REF := $(TML_CORE_SRC) $(sort $(wildcard $(TML_DIR)/kernels/ref/*.c))
CMSIS_NN_SRC = $(sort $(wildcard $(CMSIS_NN_DIR)/Source/*/*.c))
TML_SRC_CMSIS = $(TML_CORE_SRC) $(sort $(wildcard $(TML_DIR)/kernels/cmsis_nn/*.c)) $(CMSIS_NN_SRC)
TML_CMSIS_CFLAGS = -DTML_BACKEND_CMSIS_NN -I$(CMSIS_NN_DIR)/Include
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
