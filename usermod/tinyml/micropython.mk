# tinyml user C module for MicroPython's make-based ports
# (USER_C_MODULES=<repo>/usermod): the _tinyml binding (modtinyml.c) plus the
# C core and one kernel backend, with the source lists of core.mk.
#   TINYML_BACKEND  ref | cmsis-nn (default: cmsis-nn when CFLAGS target a
#                   Cortex-M with -mcpu=cortex-m*, else ref)
#   CMSIS_NN_DIR    CMSIS-NN sources (default: the pinned copy in the dependency
#                   cache, see firmware/versions.mk); compiled with the port's
#                   CFLAGS, so its -mcpu selects the DSP/MVE code paths
#   TINYML_COPT     optimisation of the core, kernels and CMSIS-NN (default -O2)
#   TINYML_OPS_EXCLUDE  operator groups to leave out, any of: int16 float math
#                   data rnn signal int4 (see core/tml_ops.c); default: none
#   TINYML_INT4_KERNELS  cmsis-nn backend: cmsis-nn (CMSIS-NN's s4 kernels, where
#                   they match TFLM; the default) or portable (kernels/portable's,
#                   ~3 KB instead of ~20 KB of flash on a Cortex-M4)
#   TINYML_PLAN_ROWS  0 leaves the planner's in-place and band-by-band (patch)
#                   execution out (about 9 KB of flash on a Cortex-M4, LTO): every
#                   model is planned as TFLM plans it; default 1
#   TINYML_KERNELS_DSP  0 leaves the DSP kernels out (kernels/dsp: our CONV_2D for
#                   Cortex-M4/M7, about 2 KB of flash at -O2); default: in wherever
#                   the CPU has the DSP extension and no MVE (tml_kernels.h)
#   TINYML_OTA      1: over-the-air model updates (tinyml.ota: the _tinyml_ota
#                   bundle verifier with Monocypher's Ed25519); 0 leaves them
#                   out. Default: 1 where Monocypher is in MONOCYPHER_DIR
#   MONOCYPHER_DIR  Monocypher sources (default: the pinned copy in the cache)
TINYML_MOD_DIR := $(USERMOD_DIR)
ROOT := $(abspath $(TINYML_MOD_DIR)/../..)
ifeq ($(CMSIS_NN_DIR)$(MONOCYPHER_DIR),)
include $(ROOT)/firmware/versions.mk
endif
TINYML_DEPS ?= $(HOME)/.cache/tinyml
ifeq ($(CMSIS_NN_DIR),)
CMSIS_NN_DIR := $(TINYML_DEPS)/CMSIS-NN-$(CMSIS_NN_VERSION)
endif
ifeq ($(MONOCYPHER_DIR),)
MONOCYPHER_DIR := $(TINYML_DEPS)/Monocypher-$(MONOCYPHER_VERSION)
endif
include $(TINYML_MOD_DIR)/core.mk

TINYML_BACKEND ?= $(if $(filter -mcpu=cortex-m%,$(CFLAGS)),cmsis-nn,ref)
TINYML_COPT ?= -O2

ifeq ($(TINYML_BACKEND),cmsis-nn)
ifeq ($(wildcard $(CMSIS_NN_DIR)/Include/arm_nnfunctions.h),)
$(error tinyml: CMSIS-NN not found in $(CMSIS_NN_DIR) (run 'make deps' or set CMSIS_NN_DIR))
endif
TINYML_LIB_SRC := $(TML_SRC_CMSIS)
CFLAGS_USERMOD += $(TML_CMSIS_CFLAGS)
else ifeq ($(TINYML_BACKEND),ref)
TINYML_LIB_SRC := $(TML_SRC_REF)
else
$(error tinyml: TINYML_BACKEND must be ref or cmsis-nn, not '$(TINYML_BACKEND)')
endif

TINYML_OPS_GROUPS := int16 float math data rnn signal int4
ifneq ($(filter-out $(TINYML_OPS_GROUPS),$(TINYML_OPS_EXCLUDE)),)
$(error tinyml: TINYML_OPS_EXCLUDE: unknown group(s) '$(filter-out $(TINYML_OPS_GROUPS),$(TINYML_OPS_EXCLUDE))' (groups: $(TINYML_OPS_GROUPS)))
endif
tml_upper = $(subst a,A,$(subst d,D,$(subst f,F,$(subst g,G,$(subst h,H,$(subst i,I,$(subst l,L,$(subst m,M,$(subst n,N,$(subst o,O,$(subst r,R,$(subst s,S,$(subst t,T,$(1))))))))))))))
CFLAGS_USERMOD += $(foreach g,$(TINYML_OPS_EXCLUDE),-DTML_OPS_$(call tml_upper,$(g))=0)
ifeq ($(TINYML_PLAN_ROWS),0)
CFLAGS_USERMOD += -DTML_PLAN_ROWS=0
endif
ifeq ($(TINYML_KERNELS_DSP),0)
CFLAGS_USERMOD += -DTML_KERNELS_DSP=0
else ifneq ($(filter-out 1,$(TINYML_KERNELS_DSP)),)
$(error tinyml: TINYML_KERNELS_DSP must be 0 or 1, not '$(TINYML_KERNELS_DSP)')
endif
ifeq ($(TINYML_INT4_KERNELS),portable)
CFLAGS_USERMOD += -DTML_S4_PORTABLE=1
else ifneq ($(filter-out cmsis-nn,$(TINYML_INT4_KERNELS)),)
$(error tinyml: TINYML_INT4_KERNELS must be cmsis-nn or portable, not '$(TINYML_INT4_KERNELS)')
endif

SRC_USERMOD_C += $(TINYML_MOD_DIR)/modtinyml.c

# over-the-air updates: the _tinyml_ota binding, the bundle verifier and Monocypher
TINYML_OTA ?= $(if $(wildcard $(MONOCYPHER_DIR)/src/monocypher.c),1,0)
ifeq ($(TINYML_OTA),1)
ifeq ($(wildcard $(MONOCYPHER_DIR)/src/optional/monocypher-ed25519.c),)
$(error tinyml: TINYML_OTA=1 needs Monocypher in $(MONOCYPHER_DIR) (run 'make deps' or set MONOCYPHER_DIR))
endif
SRC_USERMOD_C += $(TINYML_MOD_DIR)/modtinyml_ota.c
TINYML_LIB_SRC += $(TML_OTA_SRC) $(MONOCYPHER_SRC)
else ifeq ($(TINYML_OTA),0)
ifeq ($(wildcard $(MONOCYPHER_DIR)/src/monocypher.c),)
$(warning tinyml: Monocypher not found in $(MONOCYPHER_DIR) (run 'make deps'): built without over-the-air updates (tinyml.ota))
endif
else
$(error tinyml: TINYML_OTA must be 0 or 1, not '$(TINYML_OTA)')
endif
# The build folder remembers TINYML_OTA: when it changes, MicroPython's generated module and qstr lists
# (which keep the entries of sources no longer built) and frozen modules (which keep a module no longer
# frozen: tinyml.ota goes with TINYML_OTA on boards that leave it out) are made again.
ifeq ($(wildcard $(BUILD)/tinyml-ota-$(TINYML_OTA).stamp),)
$(shell rm -f $(BUILD)/tinyml-ota-*.stamp $(BUILD)/genhdr/qstr.i.last $(BUILD)/frozen_content.c \
	$(wildcard $(BUILD)/genhdr/*/*modtinyml_ota.c.*); mkdir -p $(BUILD) && touch $(BUILD)/tinyml-ota-$(TINYML_OTA).stamp)
endif
# ports with double-precision floats and MicroPython's double-only libm (the
# QEMU boards): the single-precision functions the float kernels call
ifeq ($(MICROPY_FLOAT_IMPL),double)
TINYML_LIB_SRC += $(TINYML_MOD_DIR)/port/tml_float_libm.c
endif
# MicroPython's Cortex-M make ports (qemu, stm32, ...) link its simple
# memcpy/memset (string0.c): with CMSIS-NN, the core, kernels and CMSIS-NN get
# word-wise ones (port/tml_string.h; a no-op where the target has no unaligned
# word access, and on hosts)
TINYML_STRING := $(if $(filter cmsis-nn,$(TINYML_BACKEND)),$(TINYML_MOD_DIR)/port/tml_string.c)
TINYML_LIB_SRC += $(TINYML_STRING)
# core, kernels and CMSIS-NN: compiled and linked, not scanned for qstrs
SRC_USERMOD_LIB_C += $(TINYML_LIB_SRC)

TINYML_LIB_OBJ := $(addprefix $(BUILD)/,$(patsubst %.c,%.o,$(patsubst $(USER_C_MODULES)/%,%,$(TINYML_LIB_SRC))))
# The core is C99 held to -Wall -Wextra -Werror (core.mk), not to the port's
# float dialect: no -fsingle-precision-constant (float-only ports), no extra
# float warnings. CMSIS-NN (third-party) is held to no warnings. Our strict
# flags (TML_CFLAGS) apply to our sources only: CMSIS-NN is compiled as TFLM
# compiles it (-fwrapv there costs instructions: +2.5% on kws on the M7).
$(TINYML_LIB_OBJ): CFLAGS += $(TINYML_COPT) -fno-single-precision-constant -Wno-double-promotion -Wno-float-conversion
$(filter $(BUILD)/tinyml/%,$(TINYML_LIB_OBJ)): CFLAGS += $(TML_CFLAGS)
ifneq ($(TINYML_STRING),)
$(filter-out $(BUILD)/tinyml/port/tml_string.o,$(TINYML_LIB_OBJ)): CFLAGS += -include $(TINYML_MOD_DIR)/port/tml_string.h
endif
$(filter-out $(BUILD)/tinyml/%,$(TINYML_LIB_OBJ)): CFLAGS += -Wno-error -Wno-pointer-arith
$(filter $(BUILD)/tinyml/ota/% %/monocypher.o %/monocypher-ed25519.o,$(TINYML_LIB_OBJ)): CFLAGS += $(TML_OTA_CFLAGS)
