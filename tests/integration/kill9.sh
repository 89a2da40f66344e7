#!/usr/bin/env bash
# Counts are data: they survive kill -9 and a restart exactly, and a torn
# or corrupt state file stops the daemon instead of counting from zero in
# silence, until it is told --reset-counts. A preset over MQTT
# (count/set) is kept across a restart too.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/mqtt.sh"
. "$(dirname "$0")/../lib/sim.sh"
. "$(dirname "$0")/../lib/daemon.sh"

realtime_setup
mqtt_start
sim_start "$TEST_DIR/sim"
DAEMON_GPIO_EXTRA="count_interval_ms = 200"
daemon_config "[pin 17]" "name = meter" "direction = in" "edge = rising" \
	"[pin 18]" "name = other" "direction = in" "edge = both"
daemon_start

# train N: N pulses on both pins, counted
train() {
	sim_ctl "pulse 17 $1 200"
	sim_ctl "pulse 18 $1 200"
	sim_ctl "wait"
}
restart() {
	kill -9 "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null || true
	daemon_start
}

# started_count N: the count of gpio N the daemon started with (its log)
started_count() {
	sed -n "s/.*info: gpio $1: count \([0-9]*\),.*/\1/p" "$DAEMON_LOG" |
		tail -n 1
}

say "1. kill -9 right after 700 pulses: nothing lost"
train 700
wait_retained 5 gpio/17/count count 700
restart
assert_eq "count 17 after the restart" 700 "$(started_count 17)"
assert_eq "count 18 after the restart" 1400 "$(started_count 18)"

say "2. kill -9 in the middle of a train"
mqtt_sub "$TEST_DIR/edges.txt" -t gpio/17/edge
sleep 0.3
sim_ctl "pulse 17 3000 1000"
sleep 1.2
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
sim_ctl "wait"
last=$(tail -n 1 "$TEST_DIR/edges.txt" | cut -d' ' -f2- | jq .count)
made=$(($(sim_stats_field 17 edges) / 2))
daemon_start
count=$(started_count 17)
say "last edge message said $last, the daemon restarted with $count, $made pulses were made"
[ "$count" -ge "$last" ] || fail "count went back from $last to $count"
[ "$count" -le "$made" ] || fail "count $count is more than the $made pulses"
train 100
wait_retained 5 gpio/17/count count $((count + 100))

say "3. a preset over MQTT survives a restart"
mqtt_pub gpio/17/count/set 1000000
wait_retained 5 gpio/17/count count 1000000
restart
assert_eq "count after preset and restart" 1000000 "$(started_count 17)"
daemon_stop
assert_eq "exit status" 0 "$DAEMON_EXIT"

say "4. a corrupt state file stops the start, --reset-counts starts afresh"
printf 'x%.0s' $(seq 128) | dd of="$TEST_DIR/counts" bs=1 seek=64 \
	conv=notrunc status=none
rc=0
"$GB_BIN" -c "$DAEMON_CONF" >"$TEST_DIR/corrupt.log" 2>&1 || rc=$?
assert_eq "exit status with a corrupt state file" 1 "$rc"
grep -q "state file '$TEST_DIR/counts' is corrupt" "$TEST_DIR/corrupt.log" ||
	fail "no clear message: $(cat "$TEST_DIR/corrupt.log")"
truncate -s 100 "$TEST_DIR/counts"
rc=0
"$GB_BIN" -c "$DAEMON_CONF" >"$TEST_DIR/torn.log" 2>&1 || rc=$?
assert_eq "exit status with a torn state file" 1 "$rc"
daemon_start --reset-counts
assert_eq "count after --reset-counts" 0 "$(started_count 17)"
wait_retained 5 gpio/17/count count 0
daemon_stop
assert_eq "exit status" 0 "$DAEMON_EXIT"
