# tinyml user C module for MicroPython's CMake-based ports (esp32, rp2):
#   cmake/make ... USER_C_MODULES=<repo>/usermod/micropython.cmake
#   -DTINYML_BACKEND=ref|cmsis-nn (default: cmsis-nn on Arm Cortex-M, else ref;
#   always ref on ESP-IDF targets, Xtensa or RISC-V)
#   -DCMSIS_NN_DIR=... (default: the pinned copy in the dependency cache)
#   -DTINYML_OPS_EXCLUDE="float;signal" operator groups to leave out (int16
#   float math data rnn signal; see core/tml_ops.c)
# Source lists are read from core.mk (the same lists as the make build; needs
# GNU make on the build host).
set(TINYML_MOD_DIR ${CMAKE_CURRENT_LIST_DIR})
get_filename_component(TINYML_ROOT ${TINYML_MOD_DIR}/../.. ABSOLUTE)

if(NOT DEFINED CMSIS_NN_DIR)
    if(DEFINED ENV{CMSIS_NN_DIR})
        set(CMSIS_NN_DIR $ENV{CMSIS_NN_DIR})
    else()
        file(STRINGS ${TINYML_ROOT}/firmware/versions.mk _tml_ver REGEX "^CMSIS_NN_VERSION *:=")
        string(REGEX REPLACE "^CMSIS_NN_VERSION *:= *" "" _tml_ver "${_tml_ver}")
        if(DEFINED ENV{TINYML_DEPS})
            set(_tml_deps $ENV{TINYML_DEPS})
        else()
            set(_tml_deps $ENV{HOME}/.cache/tinyml)
        endif()
        set(CMSIS_NN_DIR ${_tml_deps}/CMSIS-NN-${_tml_ver})
    endif()
endif()

if(NOT DEFINED TINYML_BACKEND)
    if(DEFINED ENV{TINYML_BACKEND})
        set(TINYML_BACKEND $ENV{TINYML_BACKEND})
    elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "cortex-m|^arm" AND NOT IDF_TARGET)
        set(TINYML_BACKEND cmsis-nn)
    else()
        set(TINYML_BACKEND ref)
    endif()
endif()
if(TINYML_BACKEND STREQUAL "cmsis-nn" AND IDF_TARGET)
    message(FATAL_ERROR "tinyml: CMSIS-NN is Arm-only: TINYML_BACKEND=ref for ESP-IDF target ${IDF_TARGET}")
endif()
if(TINYML_BACKEND STREQUAL "cmsis-nn")
    if(NOT EXISTS ${CMSIS_NN_DIR}/Include/arm_nnfunctions.h)
        message(FATAL_ERROR "tinyml: CMSIS-NN not found in ${CMSIS_NN_DIR} (run 'make deps')")
    endif()
    set(_tml_list TML_SRC_CMSIS)
    set(_tml_defs TML_BACKEND_CMSIS_NN)
    set(_tml_inc ${CMSIS_NN_DIR}/Include)
elseif(TINYML_BACKEND STREQUAL "ref")
    set(_tml_list TML_SRC_REF)
    set(_tml_defs "")
    set(_tml_inc "")
else()
    message(FATAL_ERROR "tinyml: TINYML_BACKEND must be ref or cmsis-nn")
endif()

# The source list comes from core.mk itself (GNU make prints it).
execute_process(
    COMMAND make --no-print-directory -s -f ${TINYML_MOD_DIR}/core.mk
        ROOT=${TINYML_ROOT} CMSIS_NN_DIR=${CMSIS_NN_DIR}
        "--eval=tml-print: ; @echo $(${_tml_list})" tml-print
    OUTPUT_VARIABLE _tml_src OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE _tml_rc)
if(NOT _tml_rc EQUAL 0 OR _tml_src STREQUAL "")
    message(FATAL_ERROR "tinyml: cannot read ${_tml_list} from core.mk")
endif()
separate_arguments(_tml_src UNIX_COMMAND "${_tml_src}")

add_library(usermod_tinyml INTERFACE)
target_sources(usermod_tinyml INTERFACE ${TINYML_MOD_DIR}/modtinyml.c ${_tml_src})
target_include_directories(usermod_tinyml INTERFACE ${TINYML_MOD_DIR} ${_tml_inc})
if(NOT DEFINED TINYML_OPS_EXCLUDE AND DEFINED ENV{TINYML_OPS_EXCLUDE})
    separate_arguments(TINYML_OPS_EXCLUDE UNIX_COMMAND "$ENV{TINYML_OPS_EXCLUDE}")
endif()
foreach(_tml_group ${TINYML_OPS_EXCLUDE})
    if(NOT _tml_group MATCHES "^(int16|float|math|data|rnn|signal)$")
        message(FATAL_ERROR "tinyml: TINYML_OPS_EXCLUDE: unknown group '${_tml_group}' (int16 float math data rnn signal)")
    endif()
    string(TOUPPER ${_tml_group} _tml_group)
    list(APPEND _tml_defs TML_OPS_${_tml_group}=0)
endforeach()
target_compile_definitions(usermod_tinyml INTERFACE ${_tml_defs})
set_source_files_properties(${_tml_src} PROPERTIES COMPILE_OPTIONS "-O2;-fwrapv;-ffp-contract=off")
target_link_libraries(usermod INTERFACE usermod_tinyml)
