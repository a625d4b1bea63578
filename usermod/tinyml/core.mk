# Source lists of the C core, shared by the host build, the cross-build checks
# and the firmware (micropython.mk, micropython.cmake). Expects ROOT,
# CMSIS_NN_DIR, (for the esp-nn backend) ESP_NN_DIR and (for the over-the-air
# update verifier) MONOCYPHER_DIR.
TML_DIR := $(ROOT)/usermod/tinyml
TML_CORE_SRC := $(sort $(wildcard $(TML_DIR)/core/*.c) $(wildcard $(TML_DIR)/kernels/common/*.c))
TML_HDR := $(wildcard $(TML_DIR)/core/*.h $(TML_DIR)/kernels/*.h $(TML_DIR)/kernels/*/*.h)
TML_HOST_SRC := $(TML_DIR)/host/tml_host.c
TML_SRC_REF := $(TML_CORE_SRC) $(sort $(wildcard $(TML_DIR)/kernels/ref/*.c))
CMSIS_NN_SRC = $(sort $(wildcard $(CMSIS_NN_DIR)/Source/*/*.c))
TML_SRC_CMSIS = $(TML_CORE_SRC) $(sort $(wildcard $(TML_DIR)/kernels/cmsis_nn/*.c)) $(CMSIS_NN_SRC)
TML_CMSIS_CFLAGS = -DTML_BACKEND_CMSIS_NN -I$(CMSIS_NN_DIR)/Include
# esp-nn backend: our wrappers (kernels/esp_nn/X.c replaces kernels/ref/X.c; the
# other ref files serve the operators ESP-NN lacks) and ESP-NN's C sources (its
# ANSI C and generic optimisations, as its CMakeLists.txt builds them for every
# chip); ESP_NN_SRC_S3 adds its ESP32-S3 assembly (S3 builds only). Flavour
# defines: none (generic optimisations), TML_ESP_NN_ANSI, TML_ESP_NN_S3.
TML_ESP_NN_OWN = $(TML_CORE_SRC) $(sort $(wildcard $(TML_DIR)/kernels/esp_nn/*.c)) \
	$(filter-out $(addprefix $(TML_DIR)/kernels/ref/,$(notdir $(wildcard $(TML_DIR)/kernels/esp_nn/*.c))),$(sort $(wildcard $(TML_DIR)/kernels/ref/*.c)))
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
