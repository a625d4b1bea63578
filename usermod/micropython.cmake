# Top-level user C modules file for MicroPython's CMake-based ports (rp2,
# esp32): USER_C_MODULES=<repo>/usermod/micropython.cmake includes each module.
include(${CMAKE_CURRENT_LIST_DIR}/tinyml/micropython.cmake)
