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
