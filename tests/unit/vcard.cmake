# The virtual PIV card: the applet in-process (through CardChannel and AppletTransport), its
# state file, and the vpcd link against a fake vpcd on a local socket.
fmc_add_catch_test(vcard_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/vcard_applet_basics_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/vcard_pin_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/vcard_management_key_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/vcard_keys_and_data_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/vcard_state_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/vcard_link_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/vcard_fault_test.cpp
  LIBS fmc_vcard fmc_card fmc_crypto Threads::Threads)

# The virtual NTAG216 tag (fmc-vcard --ntag216): the storage-card pseudo-APDUs, locks, its
# state file, and the NFC Type 2 tag profile against it.
fmc_add_catch_test(vcard_ntag_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/vcard_ntag_test.cpp
  LIBS fmc_vcard fmc_card fmc_crypto)

# Smoke tests of the program itself: --help works, bad command lines and an unreachable vpcd
# give their own exit codes (card/exit_codes.hpp) and one-line messages.
add_test(NAME fmc_vcard_help COMMAND fmc-vcard --help)
add_test(NAME fmc_vcard_bad_flag
  COMMAND sh -c "\"$1\" --no-such-flag; test $? -eq 64" sh $<TARGET_FILE:fmc-vcard>)
add_test(NAME fmc_vcard_state_required
  COMMAND sh -c "\"$1\" --port 35963; test $? -eq 64" sh $<TARGET_FILE:fmc-vcard>)
# Port 1 on the loopback: nothing listens there, so this never touches the shared vpcd.
add_test(NAME fmc_vcard_unreachable_vpcd
  COMMAND sh -c "d=$(mktemp -d) && \"$1\" --state \"$d/card.state\" --port 1 --connect-timeout 0.3 2>\"$d/err\"; rc=$?; cat \"$d/err\"; grep -q 'cannot reach the vpcd reader on 127.0.0.1:1: is pcscd running' \"$d/err\" && test -f \"$d/card.state\" && rm -rf \"$d\" && test $rc -eq 3"
          sh $<TARGET_FILE:fmc-vcard>)
# --ntag216: the same, and the tag state file is created (a tag's, not a PIV card's).
add_test(NAME fmc_vcard_ntag216_unreachable_vpcd
  COMMAND sh -c "d=$(mktemp -d) && \"$1\" --ntag216 --state \"$d/tag.state\" --port 1 --connect-timeout 0.3 2>\"$d/err\"; rc=$?; cat \"$d/err\"; grep -q 'cannot reach the vpcd reader on 127.0.0.1:1' \"$d/err\" && head -n 1 \"$d/tag.state\" | grep -qx 'fmc-vcard-ntag216 1' && rm -rf \"$d\" && test $rc -eq 3"
          sh $<TARGET_FILE:fmc-vcard>)
add_test(NAME fmc_vcard_ntag216_uid_must_be_7_bytes
  COMMAND sh -c "\"$1\" --ntag216 --state /nonexistent/tag.state --uid 04A1B2C3 --port 1; test $? -eq 64" sh $<TARGET_FILE:fmc-vcard>)
# A PIV card's state file given to --ntag216: a clear message and exit 2, the file untouched.
add_test(NAME fmc_vcard_ntag216_refuses_piv_state
  COMMAND sh -c "d=$(mktemp -d) && \"$1\" --state \"$d/card.state\" --port 1 --connect-timeout 0 2>/dev/null; cp \"$d/card.state\" \"$d/before\"; \"$1\" --ntag216 --state \"$d/card.state\" --port 1 --connect-timeout 0 2>\"$d/err\"; rc=$?; cat \"$d/err\"; grep -q 'PIV card state file' \"$d/err\" && cmp -s \"$d/before\" \"$d/card.state\" && rm -rf \"$d\" && test $rc -eq 2"
          sh $<TARGET_FILE:fmc-vcard>)
