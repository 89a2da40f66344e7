# tests/lib/daemon.sh: run the built gpio-broker against the simulator and
# the test's mosquitto. Needs common.sh, mqtt.sh and sim.sh.

DAEMON_PID=
DAEMON_CONF=
DAEMON_LOG=

# daemon_config [PIN SECTIONS AND EXTRA LINES...]: write a config for the
# running simulator and broker; prints nothing, sets DAEMON_CONF. Extra
# [mqtt]/[gpio] keys come through DAEMON_MQTT_EXTRA / DAEMON_GPIO_EXTRA.
daemon_config() {
	DAEMON_CONF=$TEST_DIR/gpio-broker.ini
	{
		echo "[mqtt]"
		echo "host = 127.0.0.1"
		echo "port = $MQTT_PORT"
		echo "client_id = gb-test-$$"
		printf '%s\n' "${DAEMON_MQTT_EXTRA:-}"
		echo "[gpio]"
		echo "sysfs_root = $SIM_ROOT"
		echo "state_file = $TEST_DIR/counts"
		printf '%s\n' "${DAEMON_GPIO_EXTRA:-}"
		printf '%s\n' "$@"
	} >"$DAEMON_CONF"
}

# daemon_start [ARGS...]: start gpio-broker -c DAEMON_CONF; waits until
# it is connected to the broker (its status topic says online).
daemon_start() {
	DAEMON_LOG=$TEST_DIR/daemon.log
	"$GB_BIN" -c "$DAEMON_CONF" -v "$@" >>"$DAEMON_LOG" 2>&1 &
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

# daemon_stop: SIGTERM, wait; prints the exit status.
daemon_stop() {
	local rc=0
	kill -TERM "$DAEMON_PID"
	wait "$DAEMON_PID" || rc=$?
	echo "$rc"
}
