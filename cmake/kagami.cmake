# Shared compile settings for every kagami target.

add_library(kagami_warnings INTERFACE)
target_compile_options(kagami_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
  $<$<BOOL:${KAGAMI_WERROR}>:-Werror>)

if(KAGAMI_SANITIZE)
  add_compile_options(-fsanitize=${KAGAMI_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${KAGAMI_SANITIZE})
endif()

# kagami_library(NAME SOURCES... [LINK libs...]): a layer library with the project's warnings.
function(kagami_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LINK" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_LINK} PRIVATE kagami_warnings)
endfunction()

# kagami_test(NAME SOURCES... [LINK libs...] [LABELS labels...] [TIMEOUT s]): a GoogleTest
# binary registered with CTest as one test (its gtest output names the failing case).
function(kagami_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LINK;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LINK} GTest::gtest_main GTest::gmock kagami_warnings)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  add_test(NAME ${name} COMMAND ${name} --gtest_color=no)
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT}
    ENVIRONMENT "KAGAMI_SOURCE_DIR=${PROJECT_SOURCE_DIR};KAGAMI_BUILD_DIR=${PROJECT_BINARY_DIR}")
endfunction()

find_package(Threads REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
if(KAGAMI_TESTS)
  find_package(GTest REQUIRED)
endif()
