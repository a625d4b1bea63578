// tinyml unix variant: the "standard" variant's features, used with
// `make -C ports/unix VARIANT_DIR=<this dir>` (see firmware/firmware.mk).
#define MICROPY_CONFIG_ROM_LEVEL (MICROPY_CONFIG_ROM_LEVEL_EXTRA_FEATURES)

#include "variants/mpconfigvariant_common.h"
