fmc_add_catch_test(fmc_card_core_tests
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/apdu_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/tlv_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/status_words_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/bytes_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/card_channel_test.cpp
    ${PROJECT_SOURCE_DIR}/tests/support/scripted_transport.cpp
  LIBS fmc_card)
