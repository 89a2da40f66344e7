#!/bin/bash
# The IR capture replayed at recorded speed onto a rising and a both pin at
# once (both driven high first) and counted by gpio-ceiling-reader: 774
# and 1548, nothing missed; the simulator's own counts exact every time.
# Exit 77 (skipped) without the capture. Needs SIM_BIN, CEILING and
# GB_CAPTURES_DIR.
#
# Edges 0.56 ms apart outrun the few-millisecond stalls a virtual machine
# gives its threads, so (see README.md): as root the simulator and the
# reader run SCHED_FIFO on one CPU, where a stall stops both alike, and
# the simulator keeps its gaps after one (its default). A reader still
# late gets up to three attempts; the simulator's own counts must be
# exact in each.
set -u
if [ "${1:-}" != --pinned ] && command -v taskset >/dev/null; then
	exec taskset -c $(($(nproc) - 1)) "$0" --pinned
fi
. "$(dirname "$0")/../lib/sim.sh"

vcd=${GB_CAPTURES_DIR:-}/nec-remote-all-buttons.vcd
if [ ! -r "$vcd" ]; then
	echo "no capture at '$vcd': skipped"
	exit 77
fi
tmp=$(mktemp -d /tmp/sim-capture.XXXXXX)
trap 'sim_stop; rm -rf "$tmp"' EXIT

rt=()
opts=()
if [ "$(id -u)" = 0 ]; then
	rt=(chrt -f 10)
	opts+=(--realtime)
fi
sim_start "$tmp" "${opts[@]}" || exit 1

# attempt N: replay once; 0 when the reader saw every edge, 1 when it
# missed some (a reader that was not scheduled in time), 2 on a real error
attempt() {
	local e17 e18 out
	sim_ctl "level 17 1" && sim_ctl "level 18 1" || return 2
	e17=$(sim_stats_field 17 edges)
	e18=$(sim_stats_field 18 edges)
	out=$("${rt[@]}" "$CEILING" --sysfs "$SIM_ROOT" --ctl "$SIM_CTL" \
		--cmd "replay 17 $vcd IR" --cmd "replay 18 $vcd IR" \
		17:rising 18:both) || return 2
	echo "attempt $1: $(echo "$out" | tr '\n' ' ')"
	if [ $(($(sim_stats_field 17 edges) - e17)) != 1548 ] ||
		[ $(($(sim_stats_field 18 edges) - e18)) != 1548 ]; then
		echo "the simulator did not make 1548 edges on each pin"
		return 2
	fi
	[ "$out" = "gpio=17 edge=rising count=774 missed=0 wakeups=774
gpio=18 edge=both count=1548 missed=0 wakeups=1548" ] && return 0
	return 1
}

for n in 1 2 3; do
	attempt $n
	rc=$?
	[ "$rc" = 1 ] && echo "attempt $n: edges lost by the reader" && continue
	break
done
[ "$(sim_stats_field 17 events)" = $((774 * n)) ] || rc=2
[ "$(sim_stats_field 18 events)" = $((1548 * n)) ] || rc=2
sim_stop || rc=2
exit $rc
