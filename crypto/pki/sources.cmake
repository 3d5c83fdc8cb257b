# The card PKI (issue 3): CAs, card certificates, CRLs, key stores, the offline verifier.
# Included from crypto/CMakeLists.txt; everything lands in fmc_crypto.
target_sources(fmc_crypto PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/asn1_conversions.cpp
  ${CMAKE_CURRENT_LIST_DIR}/card_attributes.cpp
  ${CMAKE_CURRENT_LIST_DIR}/card_attributes_asn1.cpp
  ${CMAKE_CURRENT_LIST_DIR}/card_certificate_profile.cpp
  ${CMAKE_CURRENT_LIST_DIR}/card_uuid.cpp
  ${CMAKE_CURRENT_LIST_DIR}/card_verifier.cpp
  ${CMAKE_CURRENT_LIST_DIR}/certificate.cpp
  ${CMAKE_CURRENT_LIST_DIR}/certificate_authority.cpp
  ${CMAKE_CURRENT_LIST_DIR}/encrypted_file_key_store.cpp
  ${CMAKE_CURRENT_LIST_DIR}/key_store.cpp
  ${CMAKE_CURRENT_LIST_DIR}/passphrase_source.cpp
  ${CMAKE_CURRENT_LIST_DIR}/revocation_index.cpp
  ${CMAKE_CURRENT_LIST_DIR}/revocation_list.cpp
  ${CMAKE_CURRENT_LIST_DIR}/revocation_reason.cpp
  ${CMAKE_CURRENT_LIST_DIR}/revocation_state.cpp
  ${CMAKE_CURRENT_LIST_DIR}/serial_number.cpp
  ${CMAKE_CURRENT_LIST_DIR}/trust_store.cpp
  ${CMAKE_CURRENT_LIST_DIR}/verdict.cpp
  ${CMAKE_CURRENT_LIST_DIR}/x509_extensions.cpp
)
