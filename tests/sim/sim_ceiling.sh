#!/bin/bash
# gpio-ceiling-reader in its two modes: counting until SIGTERM (5 slow
# pulses on a rising pin, 10 edges on a both pin wired to an output), and a
# short ceiling search that prints its figure. Needs SIM_BIN and CEILING.
set -u
. "$(dirname "$0")/../lib/sim.sh"

tmp=$(mktemp -d /tmp/sim-ceiling.XXXXXX)
trap 'kill "${reader:-}" 2>/dev/null; sim_stop; rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

sim_start "$tmp" --wire 30:31 || exit 1
"$CEILING" --sysfs "$SIM_ROOT" 9 31:both >"$tmp/count" &
reader=$!
for i in $(seq 100); do
	[ "$(sim_stats_field 31 reads 2>/dev/null)" = 1 ] && break
	sleep 0.05
done
echo 30 >"$SIM_ROOT/export"
echo low >"$SIM_ROOT/gpio30/direction"
for v in 1 0 1 0 1 0 1 0 1 0; do
	echo "$v" >"$SIM_ROOT/gpio30/value"
	sleep 0.05
done
sim_ctl "pulse 9 5 10" && sim_ctl wait
sleep 0.2
kill -TERM "$reader"
wait "$reader" || fail "the counting reader exited with $?"
want="gpio=9 edge=rising count=5 missed=0 wakeups=5
gpio=31 edge=both count=10 missed=0 wakeups=10"
[ "$(cat "$tmp/count")" = "$want" ] ||
	fail "counted '$(cat "$tmp/count")', want '$want'"

"$CEILING" --sysfs "$SIM_ROOT" --ctl "$SIM_CTL" --ceiling --min 20 \
	--max 80 --pulses 10 12 >"$tmp/ceiling" 2>"$tmp/trials" ||
	fail "the ceiling search exited with $?"
grep -Eq '^ceiling_hz=[0-9]+$' "$tmp/ceiling" ||
	fail "ceiling output '$(cat "$tmp/ceiling")'"
[ "$(grep -c ' Hz: ' "$tmp/trials")" -ge 2 ] ||
	fail "trials: $(cat "$tmp/trials")"
cat "$tmp/ceiling" "$tmp/trials"

[ "$failures" = 0 ] && echo "both modes work"
exit $((failures > 0))
