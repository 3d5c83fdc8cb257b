# The PIV client card profile (SP 800-73-4): APDU builders, the CHUID and certificate-object
# codecs, and PivCard. Included by card/CMakeLists.txt.
target_sources(fmc_card PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/piv_algorithms.cpp
  ${CMAKE_CURRENT_LIST_DIR}/piv_commands.cpp
  ${CMAKE_CURRENT_LIST_DIR}/chuid.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cert_container.cpp
  ${CMAKE_CURRENT_LIST_DIR}/piv_card.cpp
  ${CMAKE_CURRENT_LIST_DIR}/merchant_card.cpp
)

# Certificate objects may be gzip-compressed (CertInfo 01, SP 800-73-4 Part 1 Appendix A;
# yubico-piv-tool --compress).
find_package(ZLIB REQUIRED)
target_link_libraries(fmc_card PRIVATE ZLIB::ZLIB)
target_compile_definitions(fmc_card PRIVATE FMC_HAVE_ZLIB=1)
