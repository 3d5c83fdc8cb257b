# Integration tests: the PC/SC layer, the programs and real middleware on the real stack
# (pcscd + vpcd + fmc-vcard). Included by tests/CMakeLists.txt.

# --- the pcscd fixture: started if needed, stopped only if we started it ---------------------
set(FMC_PCSCD_STATE_FILE ${PROJECT_BINARY_DIR}/pcscd-started-by-tests)
add_test(NAME pcscd_start
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/fixtures/start_pcscd.sh ${FMC_PCSCD_STATE_FILE})
set_tests_properties(pcscd_start PROPERTIES FIXTURES_SETUP pcscd TIMEOUT 30)
add_test(NAME pcscd_stop
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/fixtures/stop_pcscd.sh ${FMC_PCSCD_STATE_FILE})
set_tests_properties(pcscd_stop PROPERTIES FIXTURES_CLEANUP pcscd TIMEOUT 30)

# The programs the real-stack tests run: build them with the tests.
set(_fmc_programs "")
foreach(_program fmc-vcard fmc-terminal fmc-issue)
  if(TARGET ${_program})
    list(APPEND _fmc_programs ${_program})
  endif()
endforeach()

# --- unit tests owned here --------------------------------------------------------------------
fmc_add_catch_test(atr_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/../unit/atr_test.cpp LIBS fmc_card)
fmc_add_catch_test(reader_hints_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/../unit/reader_hints_test.cpp ${CMAKE_CURRENT_LIST_DIR}/../unit/reader_identity_test.cpp
  LIBS fmc_card fmc_vcard nlohmann_json::nlohmann_json)
fmc_add_catch_test(pcsc_error_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/pcsc_error_test.cpp LIBS fmc_card)

# --- C++ tests on the real stack ------------------------------------------------------------
add_library(fmc_test_vcard_support STATIC ${CMAKE_CURRENT_LIST_DIR}/support/virtual_card_process.cpp)
target_link_libraries(fmc_test_vcard_support PUBLIC fmc_card PRIVATE fmc_options)
target_include_directories(fmc_test_vcard_support PUBLIC ${PROJECT_SOURCE_DIR}/tests)

fmc_add_catch_test(pcsc_real_stack_test REAL_STACK
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/pcsc_real_stack_test.cpp
  LIBS fmc_test_vcard_support fmc_card Threads::Threads)
fmc_add_catch_test(card_removal_test REAL_STACK
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/card_removal_test.cpp
  LIBS fmc_test_vcard_support fmc_card Threads::Threads)
if(_fmc_programs)
  add_dependencies(pcsc_real_stack_test ${_fmc_programs})
  add_dependencies(card_removal_test ${_fmc_programs})
endif()

# --- shell tests: the command lines and the middleware -----------------------------------------
# fmc_add_script_test(NAME SCRIPT [REAL_STACK] [TIMEOUT SECONDS (180)])
function(fmc_add_script_test name script)
  cmake_parse_arguments(S "REAL_STACK" "TIMEOUT" "" ${ARGN})
  if(NOT S_TIMEOUT)
    set(S_TIMEOUT 180)
  endif()
  add_test(NAME ${name} COMMAND bash ${script})
  set_tests_properties(${name} PROPERTIES
    ENVIRONMENT "FMC_BIN_DIR=${PROJECT_BINARY_DIR}/bin" TIMEOUT ${S_TIMEOUT})
  if(S_REAL_STACK)
    set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED pcscd RESOURCE_LOCK pcsc_readers)
  endif()
endfunction()

fmc_add_script_test(cli_usage ${CMAKE_CURRENT_LIST_DIR}/cli/cli_usage.sh)
fmc_add_script_test(cli_pcsc_errors ${CMAKE_CURRENT_LIST_DIR}/cli/cli_pcsc_errors.sh REAL_STACK)
# Issue 9: what `readers` says about each card and tag, and its hints.
fmc_add_script_test(cli_readers_diagnostics ${CMAKE_CURRENT_LIST_DIR}/cli/readers_diagnostics.sh REAL_STACK)
fmc_add_script_test(middleware_piv ${CMAKE_CURRENT_LIST_DIR}/middleware/piv_middleware.sh REAL_STACK)

include(${CMAKE_CURRENT_LIST_DIR}/issuance/tests.cmake)
include(${CMAKE_CURRENT_LIST_DIR}/terminal/tests.cmake)
include(${CMAKE_CURRENT_LIST_DIR}/kiosk/tests.cmake)
