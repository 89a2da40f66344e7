# tests/lib/mqtt.sh: a private mosquitto on a loopback port, and small
# wrappers around mosquitto_sub and mosquitto_pub. Needs common.sh.

MQTT_PORT=
MQTT_PID=
MQTT_CONF=

# mqtt_start [EXTRA CONFIG LINES...]: start mosquitto on a free port of
# 127.0.0.1; sets MQTT_PORT and MQTT_PID. The same port is kept across
# mqtt_stop and mqtt_start, so that a test can restart "the broker".
# MQTT_FIRST holds lines that must come before the first listener.
mqtt_start() {
	local tries=0
	MQTT_CONF=$TEST_DIR/mosquitto.conf
	while :; do
		[ -n "$MQTT_PORT" ] || MQTT_PORT=$(free_port)
		{
			[ -z "${MQTT_FIRST:-}" ] || echo "$MQTT_FIRST"
			echo "listener $MQTT_PORT 127.0.0.1"
			echo "allow_anonymous true"
			echo "persistence false"
			echo "user $(id -un)"
			echo "log_type error"
			echo "log_type warning"
			echo "log_type notice"
			printf '%s\n' "$@"
		} >"$MQTT_CONF"
		mosquitto -c "$MQTT_CONF" >>"$TEST_DIR/mosquitto.log" 2>&1 &
		MQTT_PID=$!
		if mqtt_wait_listening; then
			at_exit "kill $MQTT_PID"
			return 0
		fi
		tries=$((tries + 1))
		[ $tries -lt 5 ] || fail "mosquitto does not start"
		MQTT_PORT=
	done
}

mqtt_wait_listening() {
	local i
	for i in $(seq 100); do
		kill -0 "$MQTT_PID" 2>/dev/null || return 1
		ss -Hltn "sport = :$MQTT_PORT" | grep -q . && return 0
		sleep 0.05
	done
	return 1
}

mqtt_stop() {
	kill "$MQTT_PID" 2>/dev/null || true
	wait "$MQTT_PID" 2>/dev/null || true
}

# mqtt_sub OUTFILE ARGS...: a subscriber in the background, writing
# "topic payload" lines to OUTFILE; sets SUB_PID. Call it in the test's
# own shell, not in $(...).
mqtt_sub() {
	local out=$1
	shift
	mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -v "$@" >"$out" \
		2>>"$TEST_DIR/mosquitto_sub.log" &
	SUB_PID=$!
	at_exit "kill $SUB_PID"
}

# mqtt_get TOPIC [TIMEOUT]: the retained message of TOPIC, payload only.
mqtt_get() {
	mosquitto_sub -h 127.0.0.1 -p "$MQTT_PORT" -t "$1" -C 1 \
		-W "${2:-5}" --retained-only 2>/dev/null
}

# mqtt_pub TOPIC PAYLOAD [ARGS...]
mqtt_pub() {
	local topic=$1 payload=$2
	shift 2
	mosquitto_pub -h 127.0.0.1 -p "$MQTT_PORT" -q 1 -t "$topic" \
		-m "$payload" "$@"
}
