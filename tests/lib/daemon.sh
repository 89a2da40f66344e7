# tests/lib/daemon.sh: run the built gpio-broker against the simulator and
# the test's mosquitto. Needs common.sh, mqtt.sh and sim.sh.

DAEMON_PID=
DAEMON_CONF=
DAEMON_LOG=

# daemon_config [PIN SECTIONS AND EXTRA LINES...]: write a config for the
# running simulator and broker; prints nothing, sets DAEMON_CONF. Extra
# [mqtt]/[gpio] keys come through DAEMON_MQTT_EXTRA / DAEMON_GPIO_EXTRA;
# DAEMON_HOST and DAEMON_PORT replace 127.0.0.1 and the test's broker.
daemon_config() {
	DAEMON_CONF=$TEST_DIR/gpio-broker.ini
	{
		echo "[mqtt]"
		echo "host = ${DAEMON_HOST:-127.0.0.1}"
		echo "port = ${DAEMON_PORT:-$MQTT_PORT}"
		echo "client_id = gb-test-$$"
		printf '%s\n' "${DAEMON_MQTT_EXTRA:-}"
		echo "[gpio]"
		echo "sysfs_root = $SIM_ROOT"
		echo "state_file = $TEST_DIR/counts"
		printf '%s\n' "${DAEMON_GPIO_EXTRA:-}"
		printf '%s\n' "$@"
	} >"$DAEMON_CONF"
}

# daemon_start [ARGS...]: start gpio-broker -c DAEMON_CONF, logging to a
# new DAEMON_LOG; waits until it is connected to the broker. DAEMON_WRAP
# is a command prefix, such as the one realtime_wrap prints.
daemon_start() {
	DAEMON_STARTS=$((${DAEMON_STARTS:-0} + 1))
	DAEMON_LOG=$TEST_DIR/daemon.$DAEMON_STARTS.log
	${DAEMON_WRAP:-} "$GB_BIN" -c "$DAEMON_CONF" ${DAEMON_VERBOSE:+-v} "$@" \
		>>"$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	at_exit "kill -9 $DAEMON_PID"
	wait_for 10 "gpio-broker to connect" daemon_log_has \
		"connected to broker"
}

daemon_log_has() {
	grep -q -- "$1" "$DAEMON_LOG"
}

# daemon_log_count PATTERN: how many log lines match.
daemon_log_count() {
	grep -c -- "$1" "$DAEMON_LOG" || true
}

# daemon_stop: SIGTERM and wait; sets DAEMON_EXIT to the exit status.
# Call it in the test's own shell, not in $(...).
daemon_stop() {
	DAEMON_EXIT=0
	kill -TERM "$DAEMON_PID"
	wait "$DAEMON_PID" || DAEMON_EXIT=$?
}

# daemon_cpu_ticks: user + system CPU time the daemon used so far, in clock
# ticks (1/100 s).
daemon_cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$DAEMON_PID/stat"
}

# daemon_retained FIELD TOPIC: one field of a retained JSON message.
daemon_retained() {
	mqtt_get "$2" | jq -r ".$1"
}

# wait_retained SECONDS TOPIC FIELD VALUE: until the retained message on
# TOPIC has FIELD = VALUE.
wait_retained() {
	local deadline=$((SECONDS + $1))
	until retained_is "$2" "$3" "$4"; do
		[ $SECONDS -lt $deadline ] ||
			fail "$2: expected $3 = $4 within $1 s, have $(mqtt_get "$2" 1)"
		sleep 0.05
	done
}

retained_is() {
	[ "$(mqtt_get "$1" 1 | jq -r ".$2")" = "$3" ]
}

# realtime_setup: run the simulator and the daemon the way tests that count
# every edge need on a virtual machine that stalls its vCPUs (see
# tests/sim/README.md, "Timing"): both SCHED_FIFO on the last CPU, where
# a stall stops both alike. Sets DAEMON_WRAP and SIM_BIN; does nothing
# where real-time scheduling is refused. Call it before sim_start.
realtime_setup() {
	local cpu=$(( $(nproc) - 1 )) bin=$SIM_BIN
	chrt -f 10 true 2>/dev/null || return 0
	DAEMON_WRAP="chrt -f 10 taskset -c $cpu"
	SIM_BIN=$TEST_DIR/sim-realtime
	printf '#!/bin/sh\nexec taskset -c %s %s --realtime "$@"\n' \
		"$cpu" "$bin" >"$SIM_BIN"
	chmod +x "$SIM_BIN"
}
