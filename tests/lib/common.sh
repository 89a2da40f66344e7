# tests/lib/common.sh: what every integration test shares: a private
# temporary directory, cleanup of everything started, waiting, asserting.
# Sourced by tests; GB_BIN (the daemon), GB_SIM (the simulator) and
# GB_SHARED (../shared, for the captures) come from ctest's environment.

set -euo pipefail

TEST_NAME=${TEST_NAME:-$(basename "$0" .sh)}
TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/gb-$TEST_NAME.XXXXXX")
TEST_FAILED=0
TEST_CLEANUPS=()
SIM_BIN=${SIM_BIN:-${GB_SIM:-}}

# Run 'cmd' at exit, last registered first.
at_exit() {
	TEST_CLEANUPS+=("$*")
}

test_cleanup() {
	local rc=$? i
	for ((i = ${#TEST_CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${TEST_CLEANUPS[$i]}" >/dev/null 2>&1 || true
	done
	if [ -n "${SIM_PID:-}" ] && ! sim_stop >/dev/null 2>&1; then
		echo "$TEST_NAME: the simulator did not stop cleanly" >&2
		[ $rc -ne 0 ] || rc=1
	fi
	if [ $rc -eq 77 ] && [ "$TEST_FAILED" -eq 0 ]; then
		rm -rf --one-file-system "$TEST_DIR"
	elif [ $rc -ne 0 ] || [ "$TEST_FAILED" -ne 0 ]; then
		echo "--- $TEST_NAME failed; logs in $TEST_DIR" >&2
		for f in "$TEST_DIR"/*.log; do
			[ -f "$f" ] || continue
			echo "--- $f (last 30 lines)" >&2
			tail -n 30 "$f" >&2
		done
		[ $rc -ne 0 ] || rc=1
	else
		rm -rf --one-file-system "$TEST_DIR"
	fi
	exit $rc
}
trap test_cleanup EXIT
trap 'exit 130' INT TERM

say() {
	printf '%s: %s\n' "$TEST_NAME" "$*"
}

fail() {
	printf '%s: FAIL: %s\n' "$TEST_NAME" "$*" >&2
	TEST_FAILED=1
	exit 1
}

# Skip the test (ctest shows it as skipped with SKIP_RETURN_CODE 77).
skip() {
	printf '%s: SKIP: %s\n' "$TEST_NAME" "$*"
	exit 77
}

# assert_eq WHAT EXPECTED ACTUAL
assert_eq() {
	if [ "$2" != "$3" ]; then
		fail "$1: expected '$2', got '$3'"
	fi
	say "ok: $1 = $3"
}

# wait_for SECONDS DESCRIPTION COMMAND...: poll until COMMAND succeeds.
wait_for() {
	local limit=$1 what=$2 deadline
	shift 2
	deadline=$((SECONDS + limit))
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $deadline ] ||
			fail "timed out after ${limit} s waiting for $what"
		sleep 0.05
	done
}

# A TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
	local port
	while :; do
		port=$((20000 + RANDOM % 40000))
		if ! ss -Hltn "sport = :$port" | grep -q .; then
			echo "$port"
			return
		fi
	done
}
