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

# Issue 7: delta CRLs and the signed CRL index that `crl publish --dir` / `crl sync` exchange.
fmc_add_catch_test(fmc_pki_crl_tests
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/pki_delta_crl_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/pki_crl_index_test.cpp
  LIBS fmc_crypto nlohmann_json::nlohmann_json)
