#!/usr/bin/env bash
# The command line: --check-config on the example configs and on a file
# with several errors (all reported, FILE:LINE, exit 1), a missing file,
# usage errors (exit 2), --version.
. "$(dirname "$0")/../lib/common.sh"

examples=$(cd "$(dirname "$0")/../../config/examples" && pwd)

out=$("$GB_BIN" --check-config "$examples/demo.ini")
assert_eq "demo.ini checked" "$examples/demo.ini: ok, 5 pins" "$out"

cat >"$TEST_DIR/bad.ini" <<'INI'
[mqtt]
port = 99999
[pin 17]
direction = in
edge = sometimes
[pin 43]
direction = out
edge = rising
[pni 5]
INI
rc=0
"$GB_BIN" --check-config "$TEST_DIR/bad.ini" >"$TEST_DIR/out.txt" \
	2>"$TEST_DIR/errors.txt" || rc=$?
assert_eq "exit status of a bad config" 1 "$rc"
assert_eq "nothing on stdout" "" "$(cat "$TEST_DIR/out.txt")"
assert_eq "error lines" 4 "$(wc -l <"$TEST_DIR/errors.txt")"
assert_eq "lines named, in file order" "2 5 8 9" \
	"$(sed -n "s|^$TEST_DIR/bad.ini:\([0-9]*\): .*|\1|p" \
	"$TEST_DIR/errors.txt" | tr '\n' ' ' | sed 's/ $//')"
grep -qF "bad.ini:5: bad value 'sometimes' for 'edge' in [pin 17]" \
	"$TEST_DIR/errors.txt" || fail "unclear: $(cat "$TEST_DIR/errors.txt")"

rc=0
"$GB_BIN" -c "$TEST_DIR/bad.ini" 2>/dev/null || rc=$?
assert_eq "exit status running a bad config" 1 "$rc"
rc=0
msg=$("$GB_BIN" -c "$TEST_DIR/missing.ini" 2>&1) || rc=$?
assert_eq "exit status with a missing config" 1 "$rc"
assert_eq "missing config message" \
	"$TEST_DIR/missing.ini: cannot open: No such file or directory" "$msg"

rc=0
"$GB_BIN" >/dev/null 2>&1 || rc=$?
assert_eq "exit status without arguments" 2 "$rc"
rc=0
"$GB_BIN" --bogus >/dev/null 2>&1 || rc=$?
assert_eq "exit status with an unknown option" 2 "$rc"
assert_eq "version" "gpio-broker $("$GB_BIN" --version | cut -d' ' -f2)" \
	"$("$GB_BIN" --version)"
"$GB_BIN" --version | grep -qE '^gpio-broker [0-9]+\.[0-9]+\.[0-9]+$' ||
	fail "odd version line: $("$GB_BIN" --version)"
"$GB_BIN" --help | grep -q -- '--check-config FILE' || fail "--help lacks options"
