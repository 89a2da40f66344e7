#!/bin/bash
# The simulator's command line: each mistake is one line on stderr and exit
# status 2; several chips and --help work. Needs SIM_BIN.
set -u
. "$(dirname "$0")/../lib/sim.sh"

tmp=$(mktemp -d /tmp/sim-cli.XXXXXX)
trap 'sim_stop; rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# expect_error MESSAGE ARG...: exit 2 and exactly "gpio-sysfs-sim: MESSAGE"
expect_error() {
	local want="gpio-sysfs-sim: $1" err rc
	shift
	err=$("$SIM_BIN" "$@" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" = 2 ] || fail "'$*': exit status $rc, want 2"
	[ "$err" = "$want" ] || fail "'$*': said '$err', want '$want'"
}

mkdir "$tmp/full" "$tmp/empty"
touch "$tmp/full/x" "$tmp/file"

expect_error "missing mountpoint"
expect_error "mountpoint '$tmp/nope': No such file or directory" "$tmp/nope"
expect_error "mountpoint '$tmp/full' is not empty" "$tmp/full"
expect_error "mountpoint '$tmp/file' is not a directory" "$tmp/file"
expect_error "unexpected argument 'more'" "$tmp/empty" more
expect_error "bad option '--bogus'" --bogus "$tmp/empty"
expect_error "bad option '-x'" -x "$tmp/empty"
expect_error "option '--chip' needs a value" --chip
expect_error "chips 'a' (0-63) and 'b' (32-95) overlap" \
	--chip a:0:64 --chip b:32:64 "$tmp/empty"
expect_error "chips 'a' (10-19) and 'b' (15-15) overlap" \
	--chip b:15:1 --chip a:10:10 "$tmp/empty"
expect_error "bad chip 'nolines', want LABEL:BASE:NGPIO" \
	--chip nolines "$tmp/empty"
expect_error "bad chip 'x:0:0', want LABEL:BASE:NGPIO" --chip x:0:0 \
	"$tmp/empty"
expect_error "bad chip ':0:8', want LABEL:BASE:NGPIO" --chip :0:8 \
	"$tmp/empty"
expect_error "bad wire '7', want OUT:IN" --wire 7 "$tmp/empty"
expect_error "bad wire '100:1': no such pins" --wire 100:1 "$tmp/empty"
expect_error "bad --export-delay-ms 'soon'" --export-delay-ms soon \
	"$tmp/empty"
grep -q '^usage: gpio-sysfs-sim ' <("$SIM_BIN" --help) ||
	fail "--help prints no usage"

# two chips, one label with a colon, and a wire given on the command line
sim_start "$tmp/two" --chip a:b:0:8 --chip other:100:4 --wire 100:3 ||
	exit 1
[ "$(cat "$SIM_ROOT/gpiochip0/label")" = "a:b" ] || fail "label of chip 0"
[ "$(cat "$SIM_ROOT/gpiochip100/ngpio")" = 4 ] || fail "ngpio of chip 100"
tree=$(ls "$SIM_ROOT" | tr '\n' ' ')
[ "$tree" = "export gpiochip0 gpiochip100 unexport " ] || fail "tree: $tree"
echo 8 2>/dev/null >"$SIM_ROOT/export" && fail "export 8 accepted"
echo 100 >"$SIM_ROOT/export" || fail "export 100 refused"
echo high >"$SIM_ROOT/gpio100/direction" || fail "direction of 100"
[ "$(sim_stats_field 3 level)" = 1 ] || fail "wire 100:3 did not drive 3"
sim_stop || fail "sim_stop"

# --keep-direction: a line freed as an output is an output when exported
sim_start "$tmp/keep" --keep-direction || exit 1
echo 5 >"$SIM_ROOT/export" && echo high >"$SIM_ROOT/gpio5/direction"
echo 5 >"$SIM_ROOT/unexport" && echo 5 >"$SIM_ROOT/export"
[ "$(cat "$SIM_ROOT/gpio5/direction") $(cat "$SIM_ROOT/gpio5/value")" = \
	"out 0" ] || fail "--keep-direction: not an output at level 0"
sim_stop || fail "sim_stop"

[ "$failures" = 0 ] && echo "all command line checks passed"
exit $((failures > 0))
