#!/bin/bash
# After trains, a replay, a log and a vanish, the simulator holds exactly
# the fds it started with plus the log, and two threads; SIGTERM with a
# reader still holding a value fd unmounts at once, exits 0, leaves no
# mount; the reader's fd then fails. Needs SIM_BIN.
set -u
. "$(dirname "$0")/../lib/sim.sh"

tmp=$(mktemp -d /tmp/sim-cleanup.XXXXXX)
trap 'exec 7<&-; sim_stop; rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

printf '%s\n' '$timescale 1 us $end' '$var wire 1 ! S $end' \
	'$enddefinitions $end' '#0 1!' '#1000 0!' >"$tmp/short.vcd"
sim_start "$tmp" || exit 1
# what it holds from the start: inherited fds and /dev/fuse
before=$(readlink /proc/"$SIM_PID"/fd/* | sort)
echo 5 >"$SIM_ROOT/export"
echo both >"$SIM_ROOT/gpio5/edge"
sim_ctl "log 5 $tmp/edges.log"
sim_ctl "pulse 5 10 1000" && sim_ctl "pulse 6 10 1000" && sim_ctl wait
sim_ctl "replay 5 $tmp/short.vcd S" && sim_ctl wait
echo 7 >"$SIM_ROOT/export" && sim_ctl "vanish 7"
exec 7<"$SIM_ROOT/gpio5/value"
read -r -u 7 level || fail "reading gpio5/value"

echo "$before" | grep -qx /dev/fuse || fail "no /dev/fuse among the fds"
after=$(readlink /proc/"$SIM_PID"/fd/* | sort)
want=$(printf '%s\n%s\n' "$before" "$tmp/edges.log" | sort)
[ "$after" = "$want" ] ||
	fail "fds: $(echo $after), want $(echo $want)"
tasks=$(ls /proc/"$SIM_PID"/task | wc -l)
[ "$tasks" = 2 ] || fail "$tasks threads, want 2"
[ "$(wc -l <"$tmp/edges.log")" = 22 ] ||
	fail "$(wc -l <"$tmp/edges.log") logged edges, want 22"

pid=$SIM_PID
sim_stop || fail "sim_stop with a reader holding an fd"
kill -0 "$pid" 2>/dev/null && fail "the simulator still runs"
grep -q " $SIM_ROOT " /proc/self/mountinfo && fail "still mounted"
read -r -u 7 level 2>/dev/null && fail "the old fd still reads"
exec 7<&-

[ "$failures" = 0 ] &&
	echo "clean: $(echo "$after" | wc -l) fds, 2 threads, no mount left"
exit $((failures > 0))
