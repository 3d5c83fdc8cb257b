# NFC tags (issue 9): NDEF and the NFC Forum Type 2 Tag over PC/SC storage-card pseudo-APDUs.
# Included from card/CMakeLists.txt; everything lands in fmc_card.
target_sources(fmc_card PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/ndef.cpp
  ${CMAKE_CURRENT_LIST_DIR}/type2_tag.cpp
)
