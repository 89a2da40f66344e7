#!/usr/bin/env bash
# Runs test_pin (the pin watcher in-process) against a fresh simulator.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/sim.sh"

: "${GB_TEST_PIN:?}"
sim_start "$TEST_DIR/sim"
SIM_ROOT=$SIM_ROOT SIM_CTL=$SIM_CTL "$GB_TEST_PIN" ||
	fail "test_pin failed"
