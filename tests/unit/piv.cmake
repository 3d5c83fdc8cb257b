# Unit tests for the PIV client profile (card/piv/) and the scripted transport fake.
fmc_add_catch_test(fmc_piv_tests
  SOURCES
    ${PROJECT_SOURCE_DIR}/tests/support/scripted_transport.cpp
    ${CMAKE_CURRENT_LIST_DIR}/piv_scripted_transport_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/piv_commands_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/piv_chuid_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/piv_cert_container_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/piv_card_test.cpp
  LIBS fmc_card)

# PivCard against the virtual card's applet, in-process.
fmc_add_catch_test(fmc_piv_applet_tests
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/piv_card_against_applet_test.cpp
  LIBS fmc_card fmc_vcard)
