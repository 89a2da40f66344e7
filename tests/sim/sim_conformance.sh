#!/bin/bash
# gpio-conformance against the simulator: every check ok, and the same list
# of checks and observations as conformance.expected (what Linux 6.1 with
# gpio-sim is expected to show). Needs SIM_BIN and CONFORMANCE.
set -u
. "$(dirname "$0")/../lib/sim.sh"

tmp=$(mktemp -d /tmp/sim-conformance.XXXXXX)
trap 'sim_stop; rm -rf "$tmp"' EXIT

sim_start "$tmp" --chip sim:512:16 || exit 1
"$CONFORMANCE" --sysfs "$SIM_ROOT" --sim-control "$SIM_CTL" --label sim \
	>"$tmp/out"
rc=$?
cat "$tmp/out"
diff -u "$(dirname "$0")/conformance.expected" "$tmp/out" || rc=1
sim_stop || rc=1
exit $rc
