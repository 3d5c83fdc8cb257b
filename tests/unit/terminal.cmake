# Unit tests for the service point's library (terminal/): the decision from a verdict and the
# service's policy, reading a card over the virtual card's applet in-process (personalized with
# the issuance station's own steps), the terminal folder with its trust and CRL store, and
# `crl sync` against an in-memory mirror.
# The pki tests' CA pair (unit/pki_test_support.hpp) and tests/support are reused as they are.
fmc_add_catch_test(fmc_terminal_tests
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/terminal/tap_decision_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/terminal/card_reading_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/terminal/tag_decision_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/terminal/terminal_home_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/terminal/crl_sync_test.cpp
  LIBS fmc_terminal fmc_issuance fmc_vcard fmc_card fmc_crypto fmc_catalog)
