#!/usr/bin/env bash
# Start-up and shutdown on the pins: outputs start at their configured
# level without a glitch (active_low honoured), 'keep' keeps an exported
# output's level and starts a new one low, the udev race after an export
# (EACCES for a while) is waited out, a pin given by chip label and offset
# lands on the right sysfs number, an input already high gives no phantom
# edge, and a stop never unexports anything.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/mqtt.sh"
. "$(dirname "$0")/../lib/sim.sh"
. "$(dirname "$0")/../lib/daemon.sh"

realtime_setup
mqtt_start
sim_start "$TEST_DIR/sim" --chip sim:0:64 --chip extra:100:16 \
	--export-delay-ms 300

# gpio 44: already an output, driven high by someone before us
echo 44 >"$SIM_ROOT/export"
sleep 0.4
echo high >"$SIM_ROOT/gpio44/direction"
# gpio 17: an input that is high before the daemon starts
sim_ctl "level 17 1"

daemon_config \
	"[pin 43]" "name = relay" "direction = out" "initial = 1" \
	"active_low = true" \
	"[pin 44]" "direction = out" "initial = keep" \
	"[pin 45]" "direction = out" \
	"[pin 3]" "name = extra-3" "chip = extra" "direction = in" \
	"edge = falling" \
	"[pin 17]" "direction = in" "edge = both"
daemon_start
ready() {
	[ "$(mqtt_get "gpio/$1/state" 1 | jq .value)" != null ]
}
for n in 43 44 45 3 17; do
	wait_for 5 "gpio $n to be set up" ready $n
done

assert_eq "gpio 43 logical level" 1 "$(cat "$SIM_ROOT/gpio43/value")"
assert_eq "gpio 43 physical level (active low)" 0 "$(sim_stats_field 43 level)"
assert_eq "gpio 43 active_low" 1 "$(cat "$SIM_ROOT/gpio43/active_low")"
assert_eq "gpio 44 kept high" 1 "$(cat "$SIM_ROOT/gpio44/value")"
assert_eq "gpio 45 exported low" "out 0" \
	"$(cat "$SIM_ROOT/gpio45/direction") $(cat "$SIM_ROOT/gpio45/value")"
assert_eq "chip 'extra' offset 3 is sysfs gpio103" falling \
	"$(cat "$SIM_ROOT/gpio103/edge")"
assert_eq "faults while waiting out the udev race" 0 \
	"$(daemon_log_count 'error: ')"
wait_retained 5 gpio/17/count count 0
assert_eq "state of 17 at start-up" 1 "$(daemon_retained value gpio/17/state)"
assert_eq "state of 43 at start-up" 1 "$(daemon_retained value gpio/43/state)"

sim_ctl "pulse 103 5 100"
sim_ctl "wait"
wait_retained 5 gpio/3/count count 5
assert_eq "topic of the chip pin names the offset" extra-3 \
	"$(daemon_retained name gpio/3/count)"

mqtt_pub gpio/43/set 0
wait_retained 5 gpio/43/state value 0
assert_eq "gpio 43 physical level after set 0" 1 "$(sim_stats_field 43 level)"

daemon_stop
assert_eq "exit status" 0 "$DAEMON_EXIT"
for n in 43 44 45 103 17; do
	[ -d "$SIM_ROOT/gpio$n" ] || fail "gpio$n was unexported at stop"
done
say "ok: nothing unexported at stop"
assert_eq "gpio 43 keeps its level after stop" 0 "$(cat "$SIM_ROOT/gpio43/value")"
