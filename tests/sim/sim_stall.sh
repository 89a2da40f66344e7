#!/bin/bash
# A stall of the simulator (SIGSTOP for 150 ms) in the middle of a train of
# 20 pulses at 50 Hz (edges 10 ms apart): by default the rest of the train
# moves on and no two edges come closer than 9.8 ms (checked with 0.8 ms
# to spare for a machine that stalls while logging); with
# --strict-deadlines the overdue edges come at once after it.
# Either way all 40 edges come. Needs SIM_BIN.
set -u
. "$(dirname "$0")/../lib/sim.sh"

tmp=$(mktemp -d /tmp/sim-stall.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# stalled_train NAME [OPTION...]: print the smallest gap between edges, ns
# (run in $(...): the simulator starts and stops within that subshell)
stalled_train() {
	local name=$1
	shift
	sim_start "$tmp/$name" "$@" || exit 1
	if ! sim_ctl "log 1 $tmp/$name.log" || ! sim_ctl "pulse 1 20 50"; then
		sim_stop
		exit 1
	fi
	sleep 0.2
	kill -STOP "$SIM_PID"
	sleep 0.15
	kill -CONT "$SIM_PID"
	sim_ctl wait
	sim_stop || exit 1
	[ "$(wc -l <"$tmp/$name.log")" = 40 ] ||
		fail "$name: $(wc -l <"$tmp/$name.log") edges, want 40"
	awk 'NR > 1 && (min == "" || $1 - t < min) { min = $1 - t }
		{ t = $1 } END { print min }' "$tmp/$name.log"
}

kept=$(stalled_train kept)
strict=$(stalled_train strict --strict-deadlines)
echo "smallest gap: $kept ns by default, $strict ns with --strict-deadlines"
[ "$kept" -ge 9000000 ] || fail "edges came closer after the stall"
[ "$strict" -lt 1000000 ] || fail "no burst with --strict-deadlines"
exit $((failures > 0))
