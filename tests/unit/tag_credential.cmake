# The NFC tag credential (crypto/pki/tag_credential): CWT in COSE_Sign1, issued and verified.
fmc_add_catch_test(fmc_pki_tag_credential_tests
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/pki_tag_credential_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/pki_tag_credential_pkcs11_test.cpp
  LIBS fmc_crypto)
