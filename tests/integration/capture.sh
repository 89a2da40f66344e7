#!/usr/bin/env bash
# A real infrared remote's signal, replayed at its recorded speed onto a
# rising pin and a both-edges pin (both high first, as the recording
# starts): counts 774 and 1548, nothing missed.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/mqtt.sh"
. "$(dirname "$0")/../lib/sim.sh"
. "$(dirname "$0")/../lib/daemon.sh"

vcd=$GB_SHARED/captures/nec-remote-all-buttons.vcd
[ -r "$vcd" ] || skip "no capture at $vcd"

# Rates near the machine's limits: the simulator and the daemon in
# real time on one CPU (tests/sim/README.md, "Timing")
realtime_setup
mqtt_start
sim_start "$TEST_DIR/sim"
daemon_config "[pin 20]" "name = ir-rising" "direction = in" \
	"edge = rising" "[pin 21]" "name = ir-both" "direction = in" \
	"edge = both"
sim_ctl "level 20 1"
sim_ctl "level 21 1"
daemon_start

sim_ctl "replay 20 $vcd IR"
sim_ctl "replay 21 $vcd IR"
sim_ctl "wait"

wait_retained 5 gpio/20/count count 774
wait_retained 5 gpio/21/count count 1548
assert_eq "rising count" 774 "$(mqtt_get gpio/20/count | jq .count)"
assert_eq "both count" 1548 "$(mqtt_get gpio/21/count | jq .count)"
assert_eq "missed on the both pin" 0 "$(mqtt_get gpio/21/count | jq .missed)"
daemon_stop
assert_eq "exit status" 0 "$DAEMON_EXIT"
