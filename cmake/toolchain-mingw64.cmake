# Cross-compiling the Windows agent with Debian's mingw-w64 (posix threads: std::thread, jthread).
# The result links statically, so kagami-agent.exe imports only system DLLs.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(KAGAMI_MINGW_TRIPLE x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${KAGAMI_MINGW_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${KAGAMI_MINGW_TRIPLE}-g++-posix)
set(CMAKE_RC_COMPILER ${KAGAMI_MINGW_TRIPLE}-windres)

# Look for libraries and headers only in the mingw sysroot, programs on the build machine.
set(CMAKE_FIND_ROOT_PATH /usr/${KAGAMI_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")

# Debian ships no mingw build of fmt, spdlog or CLI11: use Debian's own headers in header-only mode
# (cmake/mingw64/*-config.cmake). Windows 10 is the oldest target (DXGI 1.5 interfaces).
set(fmt_DIR ${CMAKE_CURRENT_LIST_DIR}/mingw64 CACHE PATH "fmt for mingw: header-only from /usr/include")
set(spdlog_DIR ${CMAKE_CURRENT_LIST_DIR}/mingw64 CACHE PATH "spdlog for mingw: header-only from /usr/include")
set(CLI11_DIR ${CMAKE_CURRENT_LIST_DIR}/mingw64 CACHE PATH "CLI11 for mingw: header-only from /usr/include")
add_compile_definitions(_WIN32_WINNT=0x0A00 WINVER=0x0A00 UNICODE _UNICODE WIN32_LEAN_AND_MEAN NOMINMAX)
