#!/usr/bin/env bash
# Commands over MQTT: 11 set commands, in every accepted form, on output 43
# wired to the both-edges input 44 give 11 edges there; a burst of 20
# toggles in one connection gives 20 more and 20 state messages; three bad
# commands give three error messages and change nothing.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/mqtt.sh"
. "$(dirname "$0")/../lib/sim.sh"
. "$(dirname "$0")/../lib/daemon.sh"

realtime_setup
mqtt_start
sim_start "$TEST_DIR/sim"
daemon_config "[pin 43]" "name = relay" "direction = out" "initial = 0" \
	"[pin 44]" "name = relay-loop" "direction = in" "edge = both"
daemon_start
sim_ctl "wire 43 44"

mqtt_sub "$TEST_DIR/errors.txt" -t gpio/status -t 'gpio/+/error' \
	-C 4 -W 30
errors=$SUB_PID
wait_for 5 "the subscriber" grep -q "^gpio/status online" \
	"$TEST_DIR/errors.txt"

state_is() {
	[ "$(mqtt_get gpio/43/state | jq .value)" = "$1" ]
}
for payload in 1 0 on off TRUE false ' high ' LOW toggle \
	'{"value":0}' '{"value":true}'; do
	mqtt_pub gpio/43/set "$payload"
	want=$(case $payload in 1|on|TRUE|' high '|toggle|*true*) echo 1;;
		*) echo 0;; esac)
	wait_for 5 "gpio 43 to follow '$payload'" state_is "$want"
done
assert_eq "level of input 44 in the simulator" 1 \
	"$(cat "$SIM_ROOT/gpio44/value")"

count_is() {
	[ "$(mqtt_get gpio/44/count | jq .count)" = "$1" ]
}
wait_for 5 "count 11 on gpio 44" count_is 11
assert_eq "missed on gpio 44" 0 "$(mqtt_get gpio/44/count | jq .missed)"

# The burst arrives faster than the loop turns: each toggle must still be
# its own change, read back on 44 before the next one.
mqtt_sub "$TEST_DIR/states.txt" -t gpio/43/state -C 21 -W 30
states=$SUB_PID
wait_for 5 "the retained state" grep -q "^gpio/43/state" \
	"$TEST_DIR/states.txt"
printf 'toggle\n%.0s' $(seq 20) | mosquitto_pub -h 127.0.0.1 \
	-p "$MQTT_PORT" -q 1 -t gpio/43/set -l
wait "$states" || fail "expected 20 state messages after the burst"
assert_eq "levels published in the burst" "0 1 0 1 0 1 0 1 0 1" \
	"$(sed -n '2,11p' "$TEST_DIR/states.txt" | cut -d' ' -f2- |
		jq -r .value | tr '\n' ' ' | sed 's/ $//')"
wait_for 5 "count 31 on gpio 44" count_is 31
assert_eq "missed on gpio 44 after the burst" 0 \
	"$(mqtt_get gpio/44/count | jq .missed)"

mqtt_pub gpio/43/set bogus
mqtt_pub gpio/44/set 1
mqtt_pub gpio/99/set 1
wait "$errors" || fail "expected three error messages"
grep -v '^gpio/status' "$TEST_DIR/errors.txt" >"$TEST_DIR/errors.only"
assert_eq "error topics" "gpio/43/error gpio/44/error gpio/99/error" \
	"$(cut -d' ' -f1 "$TEST_DIR/errors.only" | tr '\n' ' ' | sed 's/ $//')"
assert_eq "error on 43" '"bogus"' \
	"$(sed -n 1p "$TEST_DIR/errors.only" | cut -d' ' -f2- | jq .payload)"
assert_eq "error on 44" '"pin 44 is an input"' \
	"$(sed -n 2p "$TEST_DIR/errors.only" | cut -d' ' -f2- | jq .error)"
assert_eq "error on 99" '"pin 99 is not configured"' \
	"$(sed -n 3p "$TEST_DIR/errors.only" | cut -d' ' -f2- | jq .error)"
assert_eq "rejections logged" 3 "$(daemon_log_count 'rejected command')"
assert_eq "gpio 43 unchanged" 1 "$(mqtt_get gpio/43/state | jq .value)"
assert_eq "count on 44 unchanged" 31 "$(mqtt_get gpio/44/count | jq .count)"
daemon_stop
assert_eq "exit status" 0 "$DAEMON_EXIT"
