#!/bin/bash
# Mount a simulator (with the options given) and run test-sim-live GROUP.
# Usage: sim_live.sh GROUP [SIMULATOR OPTION...]; needs SIM_BIN, SIM_LIVE.
set -u
. "$(dirname "$0")/../lib/sim.sh"

group=$1
shift
tmp=$(mktemp -d /tmp/sim-live.XXXXXX)
trap 'sim_stop; rm -rf "$tmp"' EXIT

sim_start "$tmp" "$@" || exit 1
export SIM_ROOT SIM_CTL SIM_LOG
"$SIM_LIVE" "$group"
rc=$?
sim_stop || rc=1
exit $rc
