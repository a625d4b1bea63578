# tinyml: building ESP-IDF with a GCC older than Espressif's own (GCC 12, `make deps-esp32`;
# ESP-IDF v5.3 is made for Espressif's GCC 13.2). Espressif's GCC has Xtensa options upstream GCC
# lacks; where ESP-IDF uses one, this replaces it by GCC 12's equivalent (README lists them):
#   -mdisable-hardware-atomics (ESP32-S3 with PSRAM: S32C1I does not work on PSRAM, so atomic
#     operations become calls to ESP-IDF's __atomic_* functions, which lock where the address is
#     in PSRAM) -> -fno-inline-atomics (the same calls for the __atomic builtins); ESP-IDF's own
#     atomics file gets -finline-atomics instead of -mno-disable-hardware-atomics (CMakeLists.txt).
# Runs after the other components' project_include.cmake (components of EXTRA_COMPONENT_DIRS are
# included after ESP-IDF's), when the compiler is known.
if(CMAKE_C_COMPILER_ID STREQUAL "GNU" AND CMAKE_C_COMPILER_VERSION VERSION_LESS 13)
    idf_build_get_property(_tml_opts COMPILE_OPTIONS)
    if("-mdisable-hardware-atomics" IN_LIST _tml_opts)
        list(REMOVE_ITEM _tml_opts "-mdisable-hardware-atomics")
        list(APPEND _tml_opts "-fno-inline-atomics")
        idf_build_set_property(COMPILE_OPTIONS "${_tml_opts}")
        message(STATUS "tinyml: GCC ${CMAKE_C_COMPILER_VERSION}: -mdisable-hardware-atomics -> -fno-inline-atomics")
    endif()
endif()
