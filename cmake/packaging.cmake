# Debian packages (CPack DEB, one package per component): `make package`, or `cpack` in the build dir.
#   kagami-setup   host setup tool, its man page, the default systemd-tmpfiles rule
#   kagami-client  the viewer, its man page and desktop entry      (when the target exists)
#   kagami-agent   the Linux guest agent, its man page and systemd unit (when the target exists)
#   kagami-agent-setup.exe  the Windows agent's installer, copied beside them (when it was built)
# Included at the end of the top-level CMakeLists.txt, after every target is known.
include(GNUInstallDirs)

find_program(HELP2MAN help2man)
set(kagami_packages "")

# kagami_package(COMPONENT target "man page description" [SUBCOMMANDS...]): installs the program and
# its man page (rendered from --help by help2man) into the component of the same name.
function(kagami_package target description)
  install(TARGETS ${target} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT ${target})
  if(HELP2MAN)
    set(man ${CMAKE_BINARY_DIR}/man/${target}.1.gz)
    add_custom_command(OUTPUT ${man}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
      COMMAND ${PROJECT_SOURCE_DIR}/packaging/man-from-help.sh $<TARGET_FILE:${target}> ${PROJECT_VERSION}
              "${description}" ${man} ${ARGN}
      DEPENDS ${target} ${PROJECT_SOURCE_DIR}/packaging/man-from-help.sh
      COMMENT "Rendering ${target} --help as a man page"
      VERBATIM)
    add_custom_target(${target}-man ALL DEPENDS ${man})
    install(FILES ${man} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT ${target})
  else()
    message(WARNING "help2man not found: ${target} is packaged without a man page (scripts/install-deps setup)")
  endif()
  # Debian policy: every package carries its copyright file under its own doc directory.
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/copyright
          DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${target} COMPONENT ${target})
  set(kagami_packages ${kagami_packages} ${target} PARENT_SCOPE)
endfunction()

kagami_package(kagami-setup "set up a Linux host for kagami" size shm libvirt qemu-args doctor)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/kagami-looking-glass.tmpfiles
        DESTINATION lib/tmpfiles.d RENAME kagami-looking-glass.conf COMPONENT kagami-setup)
if(TARGET kagami-client)
  kagami_package(kagami-client "show a KVM guest's screen through shared memory")
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/kagami-client.desktop
          DESTINATION ${CMAKE_INSTALL_DATADIR}/applications COMPONENT kagami-client)
endif()
if(TARGET kagami-agent)
  kagami_package(kagami-agent "capture a Linux guest's screen into shared memory for kagami")
  # A system service, not enabled on install: `sudo systemctl enable --now kagami-agent`.
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/kagami-agent.service
          DESTINATION lib/systemd/system COMPONENT kagami-agent)
endif()

# The Windows agent's installer goes beside the .debs: the default build cross-builds it
# (tests/wine's nested `windows` preset, when mingw-w64, Wine and makensis are installed), and a
# CPack post-build script copies it into the packages directory.
if(TARGET kagami_windows AND KAGAMI_MAKENSIS)
  set(CPACK_KAGAMI_WINDOWS_INSTALLER ${PROJECT_BINARY_DIR}/windows/packaging/windows/kagami-agent-setup.exe)
  set(CPACK_POST_BUILD_SCRIPTS ${PROJECT_SOURCE_DIR}/packaging/copy-windows-installer.cmake)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME kagami)
set(CPACK_PACKAGE_VENDOR "kagami")
set(CPACK_PACKAGE_CONTACT "kagami developers <kagami@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "see a KVM guest's screen with minimal latency (Looking Glass B7 compatible)")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_OUTPUT_FILE_PREFIX ${CMAKE_BINARY_DIR}/packages)
set(CPACK_COMPONENTS_ALL ${kagami_packages})
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_KAGAMI-SETUP_PACKAGE_NAME kagami-setup)
set(CPACK_DEBIAN_KAGAMI-SETUP_PACKAGE_RECOMMENDS "libvirt-clients, qemu-system-x86")
set(CPACK_COMPONENT_KAGAMI-SETUP_DESCRIPTION
    "kagami host setup tool\n kagami-setup sizes the shared-memory region, creates it with the right owner and\n mode, edits libvirt domains, prints QEMU arguments and diagnoses setups.")
set(CPACK_DEBIAN_KAGAMI-CLIENT_PACKAGE_NAME kagami-client)
set(CPACK_COMPONENT_KAGAMI-CLIENT_DESCRIPTION
    "kagami viewer\n kagami-client shows a KVM guest's screen from an ivshmem shared-memory region and\n sends input, clipboard and audio through SPICE.")
set(CPACK_DEBIAN_KAGAMI-AGENT_PACKAGE_NAME kagami-agent)
set(CPACK_COMPONENT_KAGAMI-AGENT_DESCRIPTION
    "kagami guest agent for Linux\n kagami-agent captures the guest's screen and cursor into the ivshmem region.\n Start it at boot with `sudo systemctl enable --now kagami-agent`; options go in\n /etc/default/kagami-agent (KAGAMI_AGENT_ARGS=...).")
include(CPack)
