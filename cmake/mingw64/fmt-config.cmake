# fmt::fmt for the mingw build: Debian's headers, header-only (see host-headers.cmake).
include(${CMAKE_CURRENT_LIST_DIR}/host-headers.cmake)
if(NOT TARGET fmt::fmt)
  add_library(fmt::fmt INTERFACE IMPORTED)
  set_target_properties(fmt::fmt PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES ${_kagami_host_headers}
    INTERFACE_COMPILE_DEFINITIONS FMT_HEADER_ONLY=1)
endif()
set(fmt_FOUND TRUE)
