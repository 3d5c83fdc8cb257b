#!/bin/bash
# --help, --version and bad command lines of fmc-terminal and fmc-issue. No pcscd needed.
. "$(dirname "$0")/lib.sh"

for program in fmc-terminal fmc-issue; do
    bin="$FMC_BIN_DIR/$program"
    expect_exit 0 "$program --help" -- "$bin" --help
    expect_contains "$out" "readers" "$program --help lists the readers command"
    expect_exit 0 "$program -h" -- "$bin" -h
    expect_exit 0 "$program --version" -- "$bin" --version
    expect_contains "$out" "$program " "$program --version names the program"
    expect_exit 0 "$program readers --help" -- "$bin" readers --help
    expect_contains "$out" "--reader" "$program readers --help shows --reader"
    expect_contains "$out" "--json" "$program readers --help shows --json"

    expect_exit 64 "$program with no command" -- "$bin"
    expect_one_line "$err" "$program with no command: one-line message"
    expect_exit 64 "$program --bogus" -- "$bin" --bogus
    expect_exit 64 "$program unknown command" -- "$bin" frobnicate
    expect_contains "$err" "unknown command 'frobnicate'" "$program names the unknown command"
    expect_exit 64 "$program readers --bogus" -- "$bin" readers --bogus
    expect_one_line "$err" "$program readers --bogus: one-line message"
    expect_exit 64 "$program readers --reader (missing value)" -- "$bin" readers --reader
    expect_exit 64 "$program readers --wait abc" -- "$bin" readers --wait abc
    expect_exit 64 "$program readers --wait -1" -- "$bin" readers --wait -1
    expect_exit 64 "$program readers extra positional" -- "$bin" readers extra
done
finish
