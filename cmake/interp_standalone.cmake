# Builds modules/interp as a plain shared library (libopencv_interp) against an installed OpenCV.
file(GLOB INTERP_SOURCES CONFIGURE_DEPENDS ${INTERP_MODULE_DIR}/src/*.cpp ${INTERP_MODULE_DIR}/src/*/*.cpp)
file(GLOB INTERP_PUBLIC_HEADERS CONFIGURE_DEPENDS ${INTERP_MODULE_DIR}/include/opencv2/*.hpp)
file(GLOB INTERP_PUBLIC_SUBHEADERS CONFIGURE_DEPENDS ${INTERP_MODULE_DIR}/include/opencv2/interp/*.hpp)

add_library(opencv_interp SHARED ${INTERP_SOURCES})
target_include_directories(opencv_interp PUBLIC
    $<BUILD_INTERFACE:${INTERP_MODULE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/opencv4>
    ${OpenCV_INCLUDE_DIRS})
target_include_directories(opencv_interp PRIVATE ${INTERP_MODULE_DIR}/src)
target_link_libraries(opencv_interp PUBLIC ${OpenCV_LIBS} Threads::Threads)
# Where the embedded models and images are looked for (see cv::interp::dataDirectory()).
target_compile_definitions(opencv_interp PRIVATE
    INTERP_SOURCE_DATA_DIR="${INTERP_DATA_DIR}"
    INTERP_INSTALL_DATA_DIR="${CMAKE_INSTALL_FULL_DATADIR}/interp/data")
set_target_properties(opencv_interp PROPERTIES VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR})
# oneDNN computes the backward passes of convolutions (src/rules/onednn_convolution.cpp).
include(${CMAKE_CURRENT_LIST_DIR}/interp_onednn.cmake)
if(INTERP_WITH_ONEDNN)
    interp_find_onednn(REQUIRED)
    interp_use_onednn(opencv_interp)
else()
    message(STATUS "interp: built without oneDNN (INTERP_WITH_ONEDNN=OFF): convolution backward runs on cv::dnn's layers")
endif()

install(TARGETS opencv_interp LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${INTERP_PUBLIC_HEADERS} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/opencv4/opencv2)
install(FILES ${INTERP_PUBLIC_SUBHEADERS} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/opencv4/opencv2/interp)
install(DIRECTORY ${INTERP_DATA_DIR}/ DESTINATION ${CMAKE_INSTALL_DATADIR}/interp/data
        PATTERN "*.py" EXCLUDE PATTERN "__pycache__" EXCLUDE)
