# NDEF and the Type 2 Tag reader (card/nfc), against a scripted transport and an in-test
# NTAG216 memory model.
fmc_add_catch_test(fmc_nfc_tests
  SOURCES
    ${PROJECT_SOURCE_DIR}/tests/support/scripted_transport.cpp
    ${CMAKE_CURRENT_LIST_DIR}/nfc_ndef_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/nfc_type2_tag_test.cpp
  LIBS fmc_card)
