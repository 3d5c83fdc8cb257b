# fmc-issue on the real stack (pcscd + vpcd + fmc-vcard), with real OpenSC, yubico-piv-tool,
# openssl and SoftHSM2. Included by tests/integration/tests.cmake.
fmc_add_script_test(issuance_flow ${CMAKE_CURRENT_LIST_DIR}/issuance_flow.sh REAL_STACK)
fmc_add_script_test(issuance_faults ${CMAKE_CURRENT_LIST_DIR}/issuance_faults.sh REAL_STACK TIMEOUT 300)
# Issue 8: kills at every write, disk full, a locked registry, the HSM unavailable.
fmc_add_script_test(station_faults ${CMAKE_CURRENT_LIST_DIR}/station_faults.sh REAL_STACK TIMEOUT 600)
fmc_add_script_test(issuance_pkcs11 ${CMAKE_CURRENT_LIST_DIR}/issuance_pkcs11.sh REAL_STACK)
fmc_add_script_test(crl_publish ${CMAKE_CURRENT_LIST_DIR}/crl_publish.sh REAL_STACK)
