# Sourced by the bench scripts that drive pcscd and the virtual card. Sets $repo and $bin
# (FMC_BIN_DIR, default build/bin, relative to the repository); the functions need $reader,
# $work and a die function from the script.
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${FMC_BIN_DIR:-build/bin}
case "$bin" in /*) ;; *) bin="$repo/$bin" ;; esac

# Until pcscd shows $reader without a card (a card that just left takes about half a
# second); 1 after 5 s.
wait_reader_empty() {
    for _ in $(seq 50); do
        "$bin/fmc-terminal" readers --reader "$reader" --require-card >/dev/null 2>&1
        [ $? -eq 5 ] && return 0
        sleep 0.1
    done
    return 1
}

# launch_virtual_card STATE-FILE: fmc-vcard in the contact reader (vpcd port 35963), its APDU
# log appended to $work/vcard.log; sets vcard_pid and waits until pcscd sees the card.
launch_virtual_card() {
    "$bin/fmc-vcard" --state "$1" --port 35963 2>>"$work/vcard.log" &
    vcard_pid=$!
    "$bin/fmc-terminal" readers --reader "$reader" --wait 10 >/dev/null 2>&1 || die "the virtual card did not appear in '$reader'"
}
