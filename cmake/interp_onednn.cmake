# oneDNN for the backward passes of convolutions (src/rules/onednn_convolution.cpp): the library PyTorch uses for its CPU convolutions.
#   interp_find_onednn([REQUIRED])  sets INTERP_ONEDNN_FOUND; REQUIRED stops with instructions when it is missing
#   interp_use_onednn(<target>)      links it and defines HAVE_INTERP_ONEDNN
# The standalone build requires it (scripts/setup.sh installs Debian's libdnnl-dev; -DINTERP_WITH_ONEDNN=OFF builds
# without); the in-OpenCV contrib build (modules/interp/CMakeLists.txt) uses it when present.
# The header and library are looked up directly: Debian's dnnl-config.cmake also demands the OpenCL development
# files (for oneDNN's GPU engine, which interp does not use).
macro(interp_find_onednn)
    set(INTERP_ONEDNN_FOUND OFF)
    find_path(INTERP_ONEDNN_INCLUDE_DIR oneapi/dnnl/dnnl.hpp)
    find_library(INTERP_ONEDNN_LIBRARY NAMES dnnl)
    set(INTERP_ONEDNN_OMP OFF)
    if(INTERP_ONEDNN_INCLUDE_DIR AND INTERP_ONEDNN_LIBRARY)
        file(STRINGS "${INTERP_ONEDNN_INCLUDE_DIR}/oneapi/dnnl/dnnl_config.h" _interp_dnnl_runtime
             REGEX "^#define DNNL_CPU_RUNTIME DNNL_RUNTIME_OMP")
        file(STRINGS "${INTERP_ONEDNN_INCLUDE_DIR}/oneapi/dnnl/dnnl_version.h" _interp_dnnl_version
             REGEX "^#define DNNL_VERSION_(MAJOR|MINOR|PATCH) ")
        string(REGEX REPLACE "[^0-9;]" "" _interp_dnnl_version "${_interp_dnnl_version}")
        string(REPLACE ";" "." INTERP_ONEDNN_VERSION "${_interp_dnnl_version}")
        set(INTERP_ONEDNN_FOUND ON)
        if(_interp_dnnl_runtime)
            set(INTERP_ONEDNN_OMP ON)
            find_package(OpenMP QUIET COMPONENTS CXX)
            if(NOT OpenMP_CXX_FOUND)
                set(INTERP_ONEDNN_FOUND OFF)
            endif()
        endif()
    endif()
    if(INTERP_ONEDNN_FOUND)
        message(STATUS "interp: oneDNN ${INTERP_ONEDNN_VERSION} (${INTERP_ONEDNN_LIBRARY}) computes the convolutions")
    elseif("${ARGN}" STREQUAL "REQUIRED")
        message(FATAL_ERROR "interp: oneDNN (with OpenMP) was not found. The engine computes convolutions with it: "
                            "install it with scripts/setup.sh (Debian 12: apt-get install libdnnl-dev), or configure "
                            "with -DINTERP_WITH_ONEDNN=OFF to use cv::dnn's own, slower, layers instead.")
    else()
        message(STATUS "interp: oneDNN (Debian: libdnnl-dev) not found: convolutions run on cv::dnn's layers (slower)")
    endif()
endmacro()

function(interp_use_onednn target)
    if(NOT INTERP_ONEDNN_FOUND)
        return()
    endif()
    target_include_directories(${target} PRIVATE ${INTERP_ONEDNN_INCLUDE_DIR})
    target_link_libraries(${target} PRIVATE ${INTERP_ONEDNN_LIBRARY})
    if(INTERP_ONEDNN_OMP)
        target_link_libraries(${target} PRIVATE OpenMP::OpenMP_CXX)
    endif()
    target_compile_definitions(${target} PRIVATE HAVE_INTERP_ONEDNN)
endfunction()
