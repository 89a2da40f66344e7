#!/usr/bin/env bash
# TLS and password authentication against a real mosquitto, with
# certificates made here: the right CA, host name, client certificate and
# password connect; a wrong CA, a host name the certificate does not name
# and a wrong password are refused; a password file others can read stops
# the start; and no secret reaches any log.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/mqtt.sh"
. "$(dirname "$0")/../lib/sim.sh"
. "$(dirname "$0")/../lib/daemon.sh"

tls=$TEST_DIR/tls
mkdir -p "$tls"
password='Tr0ub4dor-and-3-horses'

# make_cert NAME CA SUBJECT-ALT-NAME: a key and a certificate signed by CA
make_cert() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -subj "/CN=$1" -keyout "$tls/$1.key" \
		-out "$tls/$1.csr" 2>/dev/null
	openssl x509 -req -in "$tls/$1.csr" -CA "$tls/$2.pem" \
		-CAkey "$tls/$2.key" -CAcreateserial -days 2 \
		-extfile <(printf 'subjectAltName=%s\n' "$3") \
		-out "$tls/$1.pem" 2>/dev/null
	chmod 600 "$tls/$1.key"
}
make_ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -days 2 -subj "/CN=$1" -keyout "$tls/$1.key" \
		-out "$tls/$1.pem" 2>/dev/null
}
make_ca ca
make_ca other-ca
make_cert localhost ca DNS:localhost
make_cert client ca DNS:gpio-broker
mosquitto_passwd -b -c "$tls/passwd" gbuser "$password" 2>/dev/null
chmod 600 "$tls/passwd"
printf '%s\n' "$password" >"$TEST_DIR/password"
chmod 600 "$TEST_DIR/password"

# A plain listener for the test's own subscribers, and the TLS listener
# that asks for a password and a client certificate.
tls_port=$(free_port)
MQTT_FIRST="per_listener_settings true"
mqtt_start "listener $tls_port 127.0.0.1" \
	"cafile $tls/ca.pem" "certfile $tls/localhost.pem" \
	"keyfile $tls/localhost.key" "require_certificate true" \
	"allow_anonymous false" "password_file $tls/passwd"
sim_start "$TEST_DIR/sim"

# run_daemon HOST CA [USERNAME]: a config for the TLS listener
tls_config() {
	DAEMON_HOST=$1 DAEMON_PORT=$tls_port \
	DAEMON_MQTT_EXTRA="username = ${3:-gbuser}
password_file = $TEST_DIR/password
tls_ca_file = $tls/$2.pem
tls_cert_file = $tls/client.pem
tls_key_file = $tls/client.key" \
	daemon_config "[pin 17]" "direction = in" "edge = rising"
}

# refused HOST CA USER WHAT: the daemon runs but never connects
refused() {
	local log=$TEST_DIR/refused-$4.log
	tls_config "$1" "$2" "$3"
	"$GB_BIN" -c "$DAEMON_CONF" -v >"$log" 2>&1 &
	local pid=$!
	at_exit "kill -9 $pid"
	wait_for 10 "the daemon to give up a first time" grep -q \
		"cannot connect to broker\|refused the connection" "$log"
	sleep 1
	kill -TERM "$pid"
	wait "$pid" || true
	grep -q "connected to broker" "$log" && fail "$4: connected anyway"
	say "ok: $4 refused: $(grep -m1 ": warning: \|: error: " "$log" | cut -d" " -f3-)"
}

say "1. the right CA, host name, client certificate and password"
tls_config localhost ca
daemon_start
mqtt_sub "$TEST_DIR/edge.txt" -t gpio/17/edge -C 1 -W 10
sub=$SUB_PID
sleep 0.3
sim_ctl "pulse 17 1 100"
wait "$sub" || fail "no edge message over TLS"
assert_eq "edge count over TLS" 1 "$(cut -d' ' -f2- "$TEST_DIR/edge.txt" | jq .count)"
daemon_stop
assert_eq "exit status" 0 "$DAEMON_EXIT"

say "2. refusals"
refused localhost other-ca gbuser wrong-ca
grep -q "warning: cannot connect to broker localhost:$tls_port: TLS: self-signed certificate in certificate chain (certificate at depth 1); retrying" \
	"$TEST_DIR/refused-wrong-ca.log" || fail "the wrong CA is not named as such"
refused 127.0.0.1 ca gbuser wrong-host
grep -q "warning: cannot connect to broker 127.0.0.1:$tls_port: TLS: IP address mismatch (certificate at depth 0); retrying" \
	"$TEST_DIR/refused-wrong-host.log" || fail "the wrong host is not named as such"
refused localhost ca intruder wrong-user
grep -q "refused the connection: Not authorized" \
	"$TEST_DIR/refused-wrong-user.log" || fail "no 'Not authorized'"

say "3. nothing listens on the TLS port: refused at once, no CPU burnt"
DAEMON_PORT=$(free_port)
closed_port=$DAEMON_PORT
DAEMON_HOST=localhost DAEMON_PORT=$closed_port \
DAEMON_MQTT_EXTRA="username = gbuser
password_file = $TEST_DIR/password
tls_ca_file = $tls/ca.pem" \
	daemon_config "[pin 17]" "direction = in" "edge = rising"
"$GB_BIN" -c "$DAEMON_CONF" >"$TEST_DIR/closed.log" 2>&1 &
pid=$!
at_exit "kill -9 $pid"
wait_for 5 "the refusal" grep -q \
	"cannot connect to broker localhost:$closed_port: Connection refused" \
	"$TEST_DIR/closed.log"
ticks=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
sleep 3
used=$(($(awk '{ print $14 + $15 }' "/proc/$pid/stat") - ticks))
say "CPU while refused for 3 s: $used ticks (1/100 s)"
[ "$used" -le 3 ] || fail "retrying a refused TLS connect cost $used ticks"
kill -TERM "$pid"
wait "$pid" || fail "exit status $? after SIGTERM"

say "4. a password file others can read"
chmod 644 "$TEST_DIR/password"
tls_config localhost ca
rc=0
"$GB_BIN" -c "$DAEMON_CONF" >"$TEST_DIR/mode.log" 2>&1 || rc=$?
assert_eq "exit status with an open password file" 1 "$rc"
grep -q "password_file '$TEST_DIR/password' is readable by others" \
	"$TEST_DIR/mode.log" || fail "unclear message: $(cat "$TEST_DIR/mode.log")"

say "5. no secret in any log"
key=$(grep -v '^-----' "$tls/client.key" | head -n 1)
for log in "$TEST_DIR"/*.log; do
	! grep -qF "$password" "$log" || fail "the password is in $log"
	! grep -qF "$key" "$log" || fail "the client key is in $log"
done
say "ok: $(ls "$TEST_DIR"/*.log | wc -l) logs hold neither the password nor the key"
