# spdlog::spdlog for the mingw build: Debian's headers, header-only, with Debian's external fmt.
include(${CMAKE_CURRENT_LIST_DIR}/fmt-config.cmake)
if(NOT TARGET spdlog::spdlog)
  add_library(spdlog::spdlog INTERFACE IMPORTED)
  set_target_properties(spdlog::spdlog PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES ${_kagami_host_headers}
    INTERFACE_COMPILE_DEFINITIONS "SPDLOG_FMT_EXTERNAL=1"
    INTERFACE_LINK_LIBRARIES fmt::fmt)
endif()
set(spdlog_FOUND TRUE)
