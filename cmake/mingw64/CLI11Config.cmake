# CLI11::CLI11 for the mingw build: Debian's header-only library (see host-headers.cmake).
include(${CMAKE_CURRENT_LIST_DIR}/host-headers.cmake)
if(NOT TARGET CLI11::CLI11)
  add_library(CLI11::CLI11 INTERFACE IMPORTED)
  set_target_properties(CLI11::CLI11 PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${_kagami_host_headers})
endif()
set(CLI11_FOUND TRUE)
