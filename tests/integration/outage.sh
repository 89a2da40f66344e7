#!/usr/bin/env bash
# Broker outages lose no count. Edges keep being counted while the broker
# is down; their messages wait in the offline queue and are delivered
# after the reconnect, the retained count is exact; when the queue
# overflows the oldest messages are dropped and counted in "dropped",
# exactly; a set command published once the daemon is back is applied.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/mqtt.sh"
. "$(dirname "$0")/../lib/sim.sh"
. "$(dirname "$0")/../lib/daemon.sh"

# The broker keeps sessions across its restarts, so a subscriber with a
# persistent session receives what was published while it was away.
realtime_setup
mqtt_start "persistence true" "persistence_location $TEST_DIR/"
sim_start "$TEST_DIR/sim"
DAEMON_MQTT_EXTRA="offline_queue = 100"
DAEMON_GPIO_EXTRA="count_interval_ms = 200"
daemon_config "[pin 17]" "name = meter" "direction = in" "edge = rising" \
	"[pin 43]" "name = relay" "direction = out" "initial = 0"

# sub: a subscriber with a persistent session, reading N edge messages
sub() {
	mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -i gb-test-sub -c -q 1 \
		-t gpio/17/edge -C "$1" -W 30 >>"$TEST_DIR/edges.json" \
		2>>"$TEST_DIR/sub.log"
}
timeout 5 mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -i gb-test-sub -c -q 1 \
	-t gpio/17/edge -E >/dev/null
daemon_start

sim_ctl "pulse 17 60 200"
sim_ctl "wait"
sub 60
wait_retained 5 gpio/17/count count 60

restarts=0
# outage PULSES: stop the broker, make PULSES pulses, start it again
outage() {
	restarts=$((restarts + 1))
	mqtt_stop
	wait_for 5 "the daemon to notice" daemon_log_has "lost connection"
	sim_ctl "pulse 17 $1 200"
	sim_ctl "wait"
	assert_eq "edges the simulator made" $((2 * (60 + $1 + ${2:-0}))) \
		"$(sim_stats_field 17 edges)"
	mqtt_start "persistence true" "persistence_location $TEST_DIR/"
	wait_for 10 "the daemon to reconnect" reconnected "$restarts"
}
reconnected() {
	[ "$(daemon_log_count 'reconnected to broker')" -ge "$1" ]
}

say "1. 80 pulses while the broker is down: all kept"
outage 80
sub 80
wait_retained 5 gpio/17/count count 140
assert_eq "dropped" 0 "$(daemon_retained dropped gpio/17/count)"
assert_eq "edge counts 1..140" "$(seq 1 140 | tr '\n' ' ')" \
	"$(jq -r .count "$TEST_DIR/edges.json" | tr '\n' ' ')"

say "2. 250 pulses while the broker is down: the oldest 150 dropped"
outage 250 80
sub 100
wait_retained 5 gpio/17/count count 390
assert_eq "dropped" 150 "$(daemon_retained dropped gpio/17/count)"
assert_eq "the newest 100 delivered" "$(seq 291 390 | tr '\n' ' ')" \
	"$(jq -r .count "$TEST_DIR/edges.json" | tail -n 100 | tr '\n' ' ')"
assert_eq "edge messages received in all" 240 \
	"$(wc -l <"$TEST_DIR/edges.json")"

say "3. a command right after the reconnect is applied"
mqtt_pub gpio/43/set 1
wait_retained 5 gpio/43/state value 1
assert_eq "level of gpio 43" 1 "$(cat "$SIM_ROOT/gpio43/value")"
daemon_stop
assert_eq "exit status" 0 "$DAEMON_EXIT"
say "through both outages $(grep -o 'the event loop ran at most .* late' \
	"$DAEMON_LOG")"
