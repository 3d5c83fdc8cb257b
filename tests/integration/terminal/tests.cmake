# fmc-terminal on the real stack (pcscd + vpcd + fmc-vcard cards issued by fmc-issue).
# Included by tests/integration/tests.cmake.
fmc_add_script_test(terminal_reasons ${CMAKE_CURRENT_LIST_DIR}/terminal_reasons.sh REAL_STACK)
fmc_add_script_test(terminal_watch ${CMAKE_CURRENT_LIST_DIR}/terminal_watch.sh REAL_STACK)
# Issue 8's attack suite (the table at the top of attacks.sh lists every attack and its check).
fmc_add_script_test(terminal_attacks ${CMAKE_CURRENT_LIST_DIR}/attacks.sh REAL_STACK TIMEOUT 300)
fmc_add_script_test(terminal_crl_sync ${CMAKE_CURRENT_LIST_DIR}/crl_sync.sh)
# Issue 9's NFC tag profile: NTAG216 virtual tags, tag issue, low-assurance decisions, copies.
fmc_add_script_test(terminal_ntag_tag ${CMAKE_CURRENT_LIST_DIR}/ntag_tag.sh REAL_STACK)
