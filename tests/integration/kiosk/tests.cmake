# The kiosk page in a real browser (Debian's chromium driven by npm's playwright-core) against
# `fmc-terminal kiosk` with virtual cards on pcscd. Included by tests/integration/tests.cmake.
fmc_add_script_test(kiosk_browser ${CMAKE_CURRENT_LIST_DIR}/kiosk_browser.sh REAL_STACK)
