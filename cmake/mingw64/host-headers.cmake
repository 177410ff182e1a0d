# Debian's fmt, spdlog and CLI11 headers for the mingw build. Only those folders are exposed (through
# links in the build tree), never /usr/include itself, which holds glibc's headers.
set(_kagami_host_headers ${CMAKE_BINARY_DIR}/mingw-host-headers)
foreach(_dir fmt spdlog CLI)
  if(NOT EXISTS /usr/include/${_dir})
    message(FATAL_ERROR "/usr/include/${_dir} is missing: run scripts/install-deps (scripts/deps/core.txt)")
  endif()
  if(NOT EXISTS ${_kagami_host_headers}/${_dir})
    file(MAKE_DIRECTORY ${_kagami_host_headers})
    file(CREATE_LINK /usr/include/${_dir} ${_kagami_host_headers}/${_dir} SYMBOLIC)
  endif()
endforeach()
