# The PC/SC transport, ATR decoding and the reader survey. Included by card/CMakeLists.txt.
# Only the files under card/pcsc/ include winscard.h (the layering test checks it).
target_sources(fmc_card PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/pcsc_error.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pcsc_context.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pcsc_card.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pcsc_transaction.cpp
  ${CMAKE_CURRENT_LIST_DIR}/error_exit_code.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../atr.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../reader_survey.cpp
)
target_link_libraries(fmc_card PRIVATE PkgConfig::PCSC nlohmann_json::nlohmann_json)
