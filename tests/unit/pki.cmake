# Unit tests for the card PKI (crypto/pki/): profile, CAs, key store, CRLs, the verifier,
# interop with the openssl CLI, and the PKCS#11 key store on a SoftHSM2 token.
fmc_add_catch_test(fmc_pki_tests
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/pki_card_attributes_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/pki_hierarchy_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/pki_key_store_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/pki_revocation_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/pki_verifier_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/pki_malformed_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/pki_pkcs11_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/pki_station_secret_test.cpp
  LIBS fmc_crypto)
