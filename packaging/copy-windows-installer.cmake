# CPack post-build script (cmake/packaging.cmake): puts the Windows agent's installer beside the
# .debs, so `make package` leaves every package in one directory.
if(NOT EXISTS "${CPACK_KAGAMI_WINDOWS_INSTALLER}")
  message(WARNING "no ${CPACK_KAGAMI_WINDOWS_INSTALLER}: build first (`make build` cross-builds it)")
  return()
endif()
file(COPY "${CPACK_KAGAMI_WINDOWS_INSTALLER}" DESTINATION "${CPACK_OUTPUT_FILE_PREFIX}")
message(STATUS "kagami: ${CPACK_OUTPUT_FILE_PREFIX}/kagami-agent-setup.exe")
