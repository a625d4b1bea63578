# libFuzzer targets (clang, from Debian's clang + libclang-rt-14-dev).
#   make fuzz FUZZ_SECONDS=N   run each target N seconds (default 60)
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_FLAGS := -std=c99 -g -O1 $(TML_CFLAGS) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I$(TML_DIR)/core
FUZZ_SHARED := $(ROOT)/../shared/models
FUZZ_CORPUS := $(FUZZ_DIR)/corpus

HAVE_MONOCYPHER := $(wildcard $(MONOCYPHER_DIR)/src/optional/monocypher-ed25519.c)

.PHONY: fuzz fuzz-build fuzz-seeds
fuzz-build: $(FUZZ_DIR)/fuzz_model $(FUZZ_DIR)/fuzz_input $(FUZZ_DIR)/fuzz_meta $(if $(HAVE_MONOCYPHER),$(FUZZ_DIR)/fuzz_bundle)
	@$(if $(HAVE_MONOCYPHER),,echo "fuzz-build: Monocypher not in $(MONOCYPHER_DIR) (run 'make deps'): fuzz_bundle not built")

$(FUZZ_DIR)/fuzz_%: $(ROOT)/tests/fuzz/fuzz_%.c $(TML_SRC_REF) $(TML_HDR)
	@mkdir -p $(@D)
	@echo "  FUZZ $(notdir $@)"
	@$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(TML_SRC_REF) -lm

# the bundle verifier of over-the-air updates: its sources, Monocypher and the message formatter
$(FUZZ_DIR)/fuzz_bundle: $(ROOT)/tests/fuzz/fuzz_bundle.c $(TML_OTA_SRC) $(TML_DIR)/core/tml_fmt.c $(TML_HDR) \
		$(wildcard $(TML_DIR)/ota/*.h)
	@mkdir -p $(@D)
	@echo "  FUZZ $(notdir $@)"
	@$(FUZZ_CC) $(FUZZ_FLAGS) -I$(TML_DIR)/ota $(TML_OTA_CFLAGS) -o $@ $< $(TML_OTA_SRC) $(TML_DIR)/core/tml_fmt.c \
		$(MONOCYPHER_SRC)

fuzz: fuzz-build
	$(PYTHON) tests/fuzz/run_fuzz.py --seconds $(FUZZ_SECONDS) --build $(FUZZ_DIR)
