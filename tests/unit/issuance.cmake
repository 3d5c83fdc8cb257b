# Unit tests for the issuance station's library (issuance/) and what it builds on: the
# personal-data object (card/piv/merchant_card.hpp), PIV personalization over the virtual
# card's applet in-process, the station lock, where the station folder and operator come
# from, the revocation reasons, the published CRL folder (a station in a temporary folder),
# and the shared command-line parsing (cli/).
fmc_add_catch_test(fmc_issuance_tests
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/issuance/merchant_personal_data_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/issuance/piv_personalization_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/issuance/revocation_reason_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/issuance/station_lock_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/issuance/station_resolution_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/issuance/command_arguments_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/issuance/crl_publication_test.cpp
  LIBS fmc_issuance fmc_vcard fmc_card fmc_crypto)
