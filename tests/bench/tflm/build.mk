# TensorFlow Lite Micro vs the tinyml core, as bare-metal programs for the QEMU
# boards (included by the top-level Makefile).
#   make bench-tflm BOARD=MPS2_AN385|MPS2_AN500|MPS3_AN547|NETDUINO_PLUS_2
#       builds build/bench-tflm/<BOARD>/all/{tflm,ours}.elf (every shared model
#       compiled in) and runs tests/bench/bench_tflm.py: markdown tables
#       (BENCH_TFLM_ARGS=--ops: also per op); results.json beside them is read
#       by `make bench BOARD=...` (TFLM next to our firmware).
#   make bench-tflm-vision BOARD=...
#       the same with the vision models (build/bench-tflm/<BOARD>/vision): TFLM's person_detect and
#       PyTorch MobileNetV2 (../shared/models/tflm) and the MobileNetV2/MCUNet-like models that
#       tests/bench/vision_models.py builds with TensorFlow into build/models (without TensorFlow: the
#       two TFLM ones, saying so).
#   make bench-tflm BOARD=MPS2_AN385 BENCH_TFLM_CPU=cortex-m0plus
#       both programs built for the RP2040's Cortex-M0+ (ARMv6-M: no DSP, CMSIS-NN's plain C
#       paths, as on the RPI_PICO) and run on the Cortex-M3 machine, which executes the ARMv6-M
#       subset unchanged: ARMv6-M instruction counts (QEMU's only M0 machine, microbit, has 16 KB
#       of RAM). Built in build/bench-tflm/MPS2_AN385-cortex-m0plus/.
#   make bench-tflm-elf BOARD=... [BENCH_TFLM_MODELS="a.tflite b.tflite" BENCH_TFLM_TAG=name]
#       only the two programs (tests/bench/test_bench_tflm.py).
#   BENCH_LOAD_FLAGS=n (with its own BENCH_TFLM_TAG): our core loads with these TML_LOAD_* flags
#       added, e.g. 32 (TML_LOAD_QUANT_PER_CALL) or 64 (TML_LOAD_QUANT_KEEP).
# TFLM and its third-party sources come from the dependency cache
# (firmware/deps.sh tflm); the models from ../shared/models, at build time.
# Both programs use the same compiler, CPU flags and -O2 (our firmware's
# TINYML_COPT), the same runtime (rt.c) and the same CMSIS-NN objects; our
# strict C flags (TML_CFLAGS) apply to our sources only, as in the firmware.
TFLM_DIR ?= $(TINYML_DEPS)/tflite-micro-$(shell echo $(TFLM_VERSION) | cut -c1-12)
BT_DL := $(TFLM_DIR)/tensorflow/lite/micro/tools/make/downloads
BT_HAVE_TFLM = $(wildcard $(TFLM_DIR)/tensorflow/lite/micro/micro_interpreter.h $(BT_DL)/flatbuffers/include/flatbuffers/flatbuffers.h $(BT_DL)/gemmlowp/fixedpoint/fixedpoint.h $(BT_DL)/cmsis/CMSIS/Core/Include/cmsis_compiler.h $(CMSIS_NN_DIR)/Include/arm_nnfunctions.h)
BT_DIR := $(ROOT)/tests/bench/tflm
BT_BOARDS := MPS2_AN385 MPS2_AN500 MPS3_AN547 NETDUINO_PLUS_2
BENCH_TFLM_MODELS ?= $(sort $(wildcard $(ROOT)/../shared/models/*.tflite))
BENCH_TFLM_TAG ?= all

# BENCH_TFLM_CPU: another -mcpu for the board's programs (BT_CPU_ALT: which, on which board)
BENCH_TFLM_CPU ?=
BT_CPU_ALT := MPS2_AN385:cortex-m0plus
BT_BUILD = $(BUILD)/bench-tflm/$(BOARD)$(if $(BENCH_TFLM_CPU),-$(BENCH_TFLM_CPU))
BT_OUT = $(BT_BUILD)/$(BENCH_TFLM_TAG)
BT_CPU_MPS2_AN385 := -mthumb -mcpu=cortex-m3 -mfloat-abi=soft
BT_CPU_MPS2_AN500 := -mthumb -mcpu=cortex-m7 -mfloat-abi=hard -mfpu=fpv5-d16
BT_CPU_MPS3_AN547 := -mthumb -mcpu=cortex-m55 -mfloat-abi=hard -mfpu=fpv5-d16
BT_CPU_NETDUINO_PLUS_2 := -mthumb -mcpu=cortex-m4 -mfloat-abi=hard -mfpu=fpv4-sp-d16
BT_CLOCK_MPS2_AN385 := 25000000
BT_CLOCK_MPS2_AN500 := 25000000
BT_CLOCK_MPS3_AN547 := 32000000
BT_CLOCK_NETDUINO_PLUS_2 := 168000000
BT_LD_MPS2_AN385 := mps2_an385.ld
BT_LD_MPS2_AN500 := mps2_an500.ld
BT_LD_MPS3_AN547 := mps3.ld
BT_LD_NETDUINO_PLUS_2 := netduinoplus2.ld
BT_LD = $(BT_LD_$(BOARD))
# the STM32F405's 192 KiB of RAM (QEMU's; the real chip's 128 KiB + 64 KiB CCM): a 112 KiB arena and
# a 40 KiB metadata pool for ours (data, bss and an 8 KiB stack beside them); the models in flash
BT_DEFS_NETDUINO_PLUS_2 := -DBENCH_STM32 -DBENCH_ARENA_BYTES=114688 -DBENCH_POOL_BYTES=40960
BT_DEFS_MPS3_AN547 := -DBENCH_MPS3
BT_CROSS := arm-none-eabi-
BT_COPT := -O2
# BT_DEBUG= (the smoke test) leaves out debug info: the same code, built faster
BT_DEBUG ?= -g
BT_CPU = $(if $(BENCH_TFLM_CPU),-mthumb -mcpu=$(BENCH_TFLM_CPU) -mfloat-abi=soft,$(BT_CPU_$(BOARD)))
BT_COMMON = $(BT_CPU) $(BT_COPT) $(BT_DEBUG) -ffunction-sections -fdata-sections -fno-unwind-tables \
	-fno-asynchronous-unwind-tables -DNDEBUG
BT_CFLAGS = $(BT_COMMON) -std=c99 -Wall -Wextra -Werror $(BT_DEFS_$(BOARD)) \
	-DBENCH_CLOCK_HZ=$(BT_CLOCK_$(BOARD))u -I$(BT_DIR)
# CMSIS-NN: -O2 and the CPU flags only (no -fwrapv/-ffp-contract=off), as in the firmware
BT_CMSIS_CFLAGS = $(BT_COMMON) -std=c99 -w -I$(CMSIS_NN_DIR)/Include
BT_OURS_CFLAGS = $(BT_CFLAGS) $(TML_CFLAGS) $(TML_CMSIS_CFLAGS) -I$(ROOT)/usermod/tinyml
# TFLM: the flags of its Makefile (COMMON_FLAGS, CXXFLAGS) with -DCMSIS_NN
# (OPTIMIZED_KERNEL_DIR=cmsis_nn); -O2 for its core too (its own default: -Os)
BT_TFLM_INC = -I$(TFLM_DIR) -I$(BT_DL) -I$(BT_DL)/gemmlowp -I$(BT_DL)/flatbuffers/include -I$(BT_DL)/ruy \
	-I$(BT_DL)/cmsis -I$(BT_DL)/cmsis/CMSIS/Core/Include -I$(BT_DL)/cmsis_nn -I$(CMSIS_NN_DIR)/Include -I$(BT_DIR)
BT_CXXFLAGS = $(BT_COMMON) -std=c++17 -fno-rtti -fno-exceptions -fno-threadsafe-statics -fmessage-length=0 \
	-DTF_LITE_STATIC_MEMORY -DTF_LITE_DISABLE_X86_NEON -DCMSIS_NN -Wno-unused-parameter $(BT_DEFS_$(BOARD)) $(BT_TFLM_INC)
BT_LDFLAGS = $(BT_CPU) -nostartfiles -specs=nano.specs -specs=nosys.specs -Wl,--gc-sections \
	-L$(BT_DIR) -T$(BT_DIR)/$(BT_LD)

# TFLM sources: the library part of its Makefile (MICROLITE_CC_BASE_SRCS less
# tests and test helpers; DebugLog is tflm_main.cc's) and every kernel of
# micro/kernels (the resolver in tflm_main.cc registers every builtin op), each
# replaced by its kernels/cmsis_nn/ version where there is one (what
# specialize_files.py does)
BT_T := $(TFLM_DIR)/tensorflow/lite
BT_TFLM_KERNELS := $(filter-out %_test conv_test_common kernel_runner, \
	$(basename $(notdir $(wildcard $(BT_T)/micro/kernels/*.cc))))
BT_TFLM_SRC = $(filter-out %_test.cc %/debug_log.cc %/mock_micro_graph.cc %/test_helpers.cc \
	%/test_helper_custom_ops.cc %/fake_micro_context.cc, \
	$(wildcard $(BT_T)/micro/*.cc $(BT_T)/micro/arena_allocator/*.cc $(BT_T)/micro/memory_planner/*.cc \
	$(BT_T)/micro/tflite_bridge/*.cc)) \
	$(BT_T)/kernels/kernel_util.cc $(wildcard $(BT_T)/kernels/internal/*.cc $(BT_T)/kernels/internal/reference/*.cc) \
	$(wildcard $(BT_T)/core/api/*.cc) $(BT_T)/core/c/common.cc \
	$(wildcard $(TFLM_DIR)/tensorflow/compiler/mlir/lite/schema/*.cc $(TFLM_DIR)/tensorflow/compiler/mlir/lite/core/api/*.cc) \
	$(foreach k,$(BT_TFLM_KERNELS_USED),$(firstword $(wildcard $(BT_T)/micro/kernels/cmsis_nn/$(k).cc) $(BT_T)/micro/kernels/$(k).cc))
# BENCH_TFLM_OPS=smoke (the smoke test, tests/bench/test_bench_tflm.py): the TFLM program registers only
# the ops of the smoke test's three models (tflm_main.cc, BENCH_TFLM_OPS_SMOKE) and links only their
# kernels (libtflm-smoke.a): from an empty cache its TFLM build took 1,000 s of make test's 1,631 s
BT_SMOKE := $(filter smoke,$(BENCH_TFLM_OPS))
BT_SMOKE_KERNELS := conv_common depthwise_conv depthwise_conv_common fully_connected fully_connected_common reshape \
	reshape_common softmax softmax_common unidirectional_sequence_lstm lstm_eval lstm_eval_common kernel_util \
	micro_tensor_utils
BT_TFLM_KERNELS_USED = $(if $(BT_SMOKE),$(filter $(BT_SMOKE_KERNELS),$(BT_TFLM_KERNELS)),$(BT_TFLM_KERNELS))
BT_TFLM_LIB = $(BT_BUILD)/libtflm$(if $(BT_SMOKE),-smoke).a
BT_TFLM_MAIN = $(BT_OUT)/tflm_main$(if $(BT_SMOKE),-smoke).o
BT_TFLM_OBJ = $(patsubst $(TFLM_DIR)/%.cc,$(BT_BUILD)/tflm/%.o,$(filter-out %_test.cc,$(BT_TFLM_SRC)))
BT_CMSIS_OBJ = $(patsubst $(CMSIS_NN_DIR)/%.c,$(BT_BUILD)/cmsis-nn/%.o,$(CMSIS_NN_SRC))
BT_OURS_OBJ = $(patsubst $(ROOT)/usermod/tinyml/%.c,$(BT_BUILD)/ours/%.o,$(filter-out $(CMSIS_NN_SRC),$(TML_SRC_CMSIS)))
BT_RT_OBJ = $(BT_BUILD)/rt.o

.PHONY: bench-tflm bench-tflm-elf bench-tflm-check bench-tflm-vision
BT_VISION_TFLM := $(wildcard $(ROOT)/../shared/models/tflm/person_detect.tflite \
	$(ROOT)/../shared/models/tflm/pytorch_to_tflite__mobilenet_v2_quantized_1x3x224x224.tflite)
bench-tflm-vision:
	@$(PYTHON) $(ROOT)/tests/bench/vision_models.py --out $(BUILD)/models >/dev/null || \
	  echo "bench-tflm-vision: TensorFlow is not installed (pip install tensorflow-cpu): only $(notdir $(BT_VISION_TFLM))"
	@$(MAKE) --no-print-directory bench-tflm BOARD=$(BOARD) BENCH_TFLM_TAG=vision \
	  BENCH_TFLM_MODELS="$(BT_VISION_TFLM) $$(ls $(BUILD)/models/*.tflite 2>/dev/null | tr "\n" " ")"

bench-tflm-check:
	@case " $(BT_BOARDS) " in *" $(BOARD) "*) ;; \
	  *) echo "bench-tflm: BOARD must be one of: $(BT_BOARDS)"; exit 1;; esac
	@test -z "$(BENCH_TFLM_CPU)" || case " $(BT_CPU_ALT) " in *" $(BOARD):$(BENCH_TFLM_CPU) "*) ;; \
	  *) echo "bench-tflm: BENCH_TFLM_CPU=$(BENCH_TFLM_CPU) is not built for $(BOARD) (board:cpu pairs: $(BT_CPU_ALT))"; exit 1;; esac
	@test -n "$(HAVE_CMSIS)" || { echo "bench-tflm: CMSIS-NN not in $(CMSIS_NN_DIR): run 'make deps'"; exit 1; }
	@test "$(words $(BT_HAVE_TFLM))" = 5 || { echo "bench-tflm: TensorFlow Lite Micro not in $(TFLM_DIR): run 'firmware/deps.sh tflm'"; exit 1; }
	@test -n "$(BENCH_TFLM_MODELS)" || { echo "bench-tflm: no models (../shared/models/*.tflite)"; exit 1; }

bench-tflm-elf: bench-tflm-check
	@$(MAKE) --no-print-directory $(BT_OUT)/tflm.elf $(BT_OUT)/ours.elf

bench-tflm: bench-tflm-elf
	@$(PYTHON) $(ROOT)/tests/bench/bench_tflm.py --board $(BOARD) $(if $(BENCH_TFLM_CPU),--cpu $(BENCH_TFLM_CPU)) \
	  --dir $(BT_OUT) --json $(BT_OUT)/results.json $(BENCH_TFLM_ARGS)

# the models, embedded with .incbin (written anew only when the list changes), each with its flash
# metadata blob (NAME.tmx, written by the host library for the board's build: the M55's with its MVE
# kernel sums) beside it in flash
BT_MVE_MPS3_AN547 := --mve
$(BT_OUT)/models.S: FORCE_BT $(HOST_LIBDIR)/libtinyml-cmsis-nn.so
	@mkdir -p $(@D)
	@$(PYTHON) $(ROOT)/tests/bench/flash_meta_blobs.py --backend cmsis-nn $(BT_MVE_$(BOARD)) --out $(@D)/meta \
	  $(BENCH_TFLM_MODELS)
	@{ echo '/* generated by tests/bench/tflm/build.mk */'; \
	  i=0; for f in $(BENCH_TFLM_MODELS); do \
	    n=$$(basename $$f .tflite); \
	    printf '.section .bench_models.bm%d,"a"\n.balign 16\nbm%d: .incbin "%s"\nbm%d_end:\nbn%d: .asciz "%s"\n' $$i $$i "$$f" $$i $$i "$$n"; \
	    printf '.balign 16\nbx%d: .incbin "%s"\nbx%d_end:\n' $$i "$(@D)/meta/$$n.tmx" $$i; \
	    i=$$((i+1)); done; \
	  printf '.section .rodata.bench_models,"a"\n.balign 4\n.global bench_models\nbench_models:\n'; \
	  i=0; for f in $(BENCH_TFLM_MODELS); do printf '.word bn%d, bm%d, bm%d_end - bm%d, bx%d, bx%d_end - bx%d\n' $$i $$i $$i $$i $$i $$i $$i; i=$$((i+1)); done; \
	  printf '.global bench_num_models\nbench_num_models: .word %d\n' $$i; } > $@.tmp
	@if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi
.PHONY: FORCE_BT
FORCE_BT:

$(BT_OUT)/models.o: $(BT_OUT)/models.S $(BENCH_TFLM_MODELS) $(wildcard $(BT_OUT)/meta/*.tmx)
	@$(BT_CROSS)gcc $(BT_CPU) -c -o $@ $<

$(BT_RT_OBJ): $(BT_DIR)/rt.c $(BT_DIR)/bench_rt.h
	@mkdir -p $(@D)
	@$(BT_CROSS)gcc $(BT_CFLAGS) -c -o $@ $<

$(BT_BUILD)/cmsis-nn/%.o: $(CMSIS_NN_DIR)/%.c
	@mkdir -p $(@D)
	@$(BT_CROSS)gcc $(BT_CMSIS_CFLAGS) -c -o $@ $<

$(BT_BUILD)/ours/%.o: $(ROOT)/usermod/tinyml/%.c $(TML_HDR)
	@mkdir -p $(@D)
	@echo "  CC $(notdir $<) ($(BOARD))"
	@$(BT_CROSS)gcc $(BT_OURS_CFLAGS) -c -o $@ $<

$(BT_BUILD)/tflm/%.o: $(TFLM_DIR)/%.cc
	@mkdir -p $(@D)
	@echo "  CXX $(notdir $<) ($(BOARD))"
	@$(BT_CROSS)g++ $(BT_CXXFLAGS) $(BT_TFLM_FILE_FLAGS) -c -o $@ $<

# Debian's GCC 12.2 with binutils 2.40: for the M55, -O2 -DNDEBUG makes a conditional VCVT in TFLM's
# resize_nearest_neighbor.cc (vcvtne.f32.s32) that the assembler, MVE on, rejects as a syntax error; that
# file (no MVE loop in it) without MVE
$(BT_BUILD)/tflm/tensorflow/lite/micro/kernels/resize_nearest_neighbor.o: BT_TFLM_FILE_FLAGS = \
	$(if $(and $(filter MPS3_AN547,$(BOARD)),$(if $(BENCH_TFLM_CPU),,1)),-mcpu=cortex-m55+nomve)

$(BT_BUILD)/libcmsis-nn.a: $(BT_CMSIS_OBJ)
	@rm -f $@ && $(BT_CROSS)ar rcs $@ $^
$(BT_TFLM_LIB): $(BT_TFLM_OBJ)
	@rm -f $@ && $(BT_CROSS)ar rcs $@ $^

$(BT_OUT)/ours_main.o: $(BT_DIR)/ours_main.c $(BT_DIR)/bench_rt.h $(TML_HDR)
	@mkdir -p $(@D)
	@$(BT_CROSS)gcc $(BT_OURS_CFLAGS) $(if $(BENCH_LOAD_FLAGS),-DBENCH_LOAD_FLAGS=$(BENCH_LOAD_FLAGS)u) -c -o $@ $<
$(BT_TFLM_MAIN): $(BT_DIR)/tflm_main.cc $(BT_DIR)/bench_rt.h
	@mkdir -p $(@D)
	@$(BT_CROSS)g++ $(BT_CXXFLAGS) $(if $(BT_SMOKE),-DBENCH_TFLM_OPS_SMOKE) -Wall -Wextra -Werror -c -o $@ $<

$(BT_OUT)/ours.elf: $(BT_OUT)/ours_main.o $(BT_OUT)/models.o $(BT_RT_OBJ) $(BT_OURS_OBJ) $(BT_BUILD)/libcmsis-nn.a $(BT_DIR)/$(BT_LD) $(BT_DIR)/sections.ld
	@echo "  LINK $@"
	@$(BT_CROSS)gcc $(BT_LDFLAGS) -o $@ $(filter %.o %.a,$^) -lm
$(BT_OUT)/tflm.elf: $(BT_TFLM_MAIN) $(BT_OUT)/models.o $(BT_RT_OBJ) $(BT_TFLM_LIB) $(BT_BUILD)/libcmsis-nn.a $(BT_DIR)/$(BT_LD) $(BT_DIR)/sections.ld
	@echo "  LINK $@"
	@$(BT_CROSS)g++ $(BT_LDFLAGS) -o $@ $(filter %.o %.a,$^) -lm
