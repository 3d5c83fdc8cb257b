# Unit tests for fmc_crypto: known-answer tests and OpenSSL round trips.
fmc_add_catch_test(crypto_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/crypto_block_cipher_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/crypto_digest_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/crypto_ec_key_test.cpp
  LIBS fmc_crypto)
