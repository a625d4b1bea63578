// tinyml overlay of RPI_PICO: the port's board configuration, unchanged.
#include "boards/RPI_PICO/mpconfigboard.h"
